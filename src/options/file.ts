// Options files: the defaults file each tool reads (~/.config/mosquitto_pub, ...) and -o's
// file (mosquitto 2.1), cut into command lines as mosquitto cuts them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBytes } from '../words.ts';

/**
 * The defaults file mosquitto's tool reads: one option (and its value) per line. On Windows,
 * as mosquitto's Windows build reads it: %USERPROFILE%\\<name>.conf, none without USERPROFILE.
 */
export function defaultsFileLines(name: string, env: NodeJS.ProcessEnv = process.env): string[][] {
  const windows = process.platform === 'win32';
  if (windows && !env.USERPROFILE) return [];
  // HOME as mosquitto reads it; the os module (a start-up cost) only when HOME is unset.
  const file = windows
    ? `${env.USERPROFILE}\\${name}.conf`
    : join(
        env.XDG_CONFIG_HOME || join(env.HOME || (require('node:os') as typeof import('node:os')).homedir(), '.config'),
        name,
      );
  try {
    return optionsFileLines(readFileSync(file));
  } catch {
    return [];
  }
}

/** mosquitto reads an options file in pieces of at most this many bytes (a line or less). */
const LINE_BYTES = 1023;

/**
 * The lines of an options file as mosquitto's tools read them, each its own command line of
 * one or two words: the option, then the rest of the line after the space that ends it.
 * A line longer than LINE_BYTES is read as several lines. Only a '#' in the first column
 * makes a comment; spaces before the option are skipped, tabs are not; a line ends at a
 * NUL byte and loses its trailing CRs and LFs.
 */
export function optionsFileLines(bytes: Buffer): string[][] {
  const lines: string[][] = [];
  let start = 0;
  while (start < bytes.length) {
    const newline = bytes.indexOf(0x0a, start);
    const end = Math.min(newline < 0 ? bytes.length : newline + 1, start + LINE_BYTES);
    let piece = bytes.subarray(start, end);
    start = end;
    if (piece[0] === 0x23) continue;
    const nul = piece.indexOf(0);
    if (nul >= 0) piece = piece.subarray(0, nul);
    let n = piece.length;
    while (n > 0 && (piece[n - 1] === 0x0a || piece[n - 1] === 0x0d)) n--;
    let from = 0;
    while (from < n && piece[from] === 0x20) from++;
    if (from === n) continue;
    const space = piece.indexOf(0x20, from);
    if (space < 0 || space >= n) {
      lines.push([decodeBytes(piece.subarray(from, n))]);
    } else {
      const option = decodeBytes(piece.subarray(from, space));
      // The rest of the line as it is, leading spaces and all; nothing after the space is no value.
      lines.push(space + 1 < n ? [option, decodeBytes(piece.subarray(space + 1, n))] : [option]);
    }
  }
  return lines;
}
