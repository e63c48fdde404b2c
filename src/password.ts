// Where tspub, tssub and tsrr take the broker's password from when it is not on the command
// line (not mosquitto's; mosquitto #3571, #288): an environment variable (--pw-env NAME), the
// first line of a file (--pw-file FILE), or the terminal, typed with echo off (--pw-prompt).
// The password fills -P's place: the broker's password, also for a -L URL that names a user
// and no password. It never fills a --proxy URL's (that would hand the broker's password to
// the proxy). Each failure is one line on stderr and status 1, before anything connects, and
// no message ever shows the password.
import { readFileSync } from 'node:fs';
import type { ClientConfig } from './config.ts';
import { errnoWords, UsageError } from './errors.ts';
import { bytesOf, decodeBytes } from './words.ts';

/** A password that could not be had: the message alone (no usage hint), status 1. */
const cannot = (text: string): never => {
  throw new UsageError(`Error: ${text}\n`, false);
};

/**
 * The password, from the source the command line named (if any), into cfg.password. Called
 * once the command line has passed every check, before connecting.
 */
export async function resolvePassword(cfg: ClientConfig, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const from = cfg.passwordFrom;
  if (!from) return;
  const name = from['--pw-env'];
  const file = from['--pw-file'];
  if (name !== undefined) {
    const value = env[name];
    if (value === undefined) cannot(`--pw-env: the environment variable "${name}" is not set.`);
    // A CI system gives an undefined secret as an empty variable: refused, not sent.
    if (value === '') cannot(`--pw-env: the environment variable "${name}" is empty.`);
    cfg.password = value;
  } else if (file !== undefined) {
    cfg.password = firstLine(file);
  } else if (from['--pw-prompt'] !== undefined) {
    cfg.password = await typed();
  }
}

/** --pw-file: the file's first line, without its line ending (LF, or CR LF). */
function firstLine(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(bytesOf(file));
  } catch (e) {
    return cannot(`--pw-file: cannot read "${file}": ${errnoWords(e) ?? (e as Error).message}.`);
  }
  const nl = bytes.indexOf(0x0a);
  let line = nl < 0 ? bytes : bytes.subarray(0, nl);
  if (line.at(-1) === 0x0d) line = line.subarray(0, -1);
  if (line.length === 0) cannot(`--pw-file: "${file}" holds no password (its first line is empty).`);
  return decodeBytes(line);
}

/** --pw-prompt: "Password: " on the controlling terminal, the answer read with echo off. */
async function typed(): Promise<string> {
  const { askTerminal } = await import('./terminal.ts');
  const answer = await askTerminal('Password: ');
  if (answer === null) cannot('--pw-prompt: no terminal to ask for the password on (use --pw-env or --pw-file).');
  if (answer!.length === 0) cannot('--pw-prompt: no password typed.');
  return decodeBytes(answer!);
}
