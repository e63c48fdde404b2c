// Secrets kept out of the process list. mosquitto's clients leave a -P password readable by
// any local user in `ps` for as long as they run; like MySQL's client, these tools star it
// out of /proc/<pid>/cmdline as soon as they start: the value of -P (--pw) and --psk, and the
// password inside -L (--url) and --proxy URLs. `ps` shows the rest of the line unchanged.
//
// Node can rewrite its command line only through process.title, which writes the new text
// over the old argv (one string, the words joined by spaces) and renames the process's
// thread; the name is put back through /proc/self/comm.
import { readFileSync, writeFileSync } from 'node:fs';
import { eachOption, type OptionSpec } from './parser.ts';

/** Flags whose whole value is a secret, and flags whose value is a URL with a password. */
const WHOLE = new Set(['-P', '--pw', '--psk', '--tls-engine-kpass-sha1']);
const URLS = new Set(['-L', '--url', '--proxy']);

/** The password of a URL (scheme://user:password@...) starred out: byte for byte, or as `stars`. */
export function starUrl(url: string, stars = (pw: string) => '*'.repeat(Buffer.byteLength(pw))): string {
  return url.replace(
    /^([^/]*\/\/[^:@/]*:)([^@/]*)(@)/,
    (_m, head: string, pw: string, at: string) => head + stars(pw) + at,
  );
}

/**
 * The command line with its secrets starred out, read one word at a time as the tools read
 * it (a flag's value is never taken for a flag), or undefined when it holds none.
 */
export function starSecrets<C>(
  table: readonly OptionSpec<C>[],
  tool: string,
  argv: readonly string[],
): string[] | undefined {
  const out = [...argv];
  let found = false;
  eachOption(table, tool, argv, (flag, value, at, inline) => {
    if (value === undefined) return;
    const starred = WHOLE.has(flag) ? '*'.repeat(Buffer.byteLength(value)) : URLS.has(flag) ? starUrl(value) : value;
    if (starred === value) return;
    out[at] = inline ? `${flag}=${starred}` : starred;
    found = true;
  });
  return found ? out : undefined;
}

/** Rewrites this process's command line with `args` (the words after node and the script). */
export function setCommandLine(args: readonly string[]): void {
  let words: string[];
  let comm: string;
  try {
    words = readFileSync('/proc/self/cmdline', 'utf8').split('\0').slice(0, -1);
    comm = readFileSync('/proc/self/comm', 'utf8').trim();
  } catch {
    return; // not Linux: nothing to rewrite
  }
  if (words.length < args.length) return;
  process.title = [...words.slice(0, words.length - args.length), ...args].join(' ');
  try {
    writeFileSync('/proc/self/comm', comm);
  } catch {
    // the thread keeps the new name; harmless
  }
}

/** Stars the secrets out of this process's command line, if it has any. */
export function hideSecrets<C>(table: readonly OptionSpec<C>[], tool: string, argv: readonly string[]): void {
  const starred = starSecrets(table, tool, argv);
  if (starred) setCommandLine(starred);
}
