// Secrets kept out of the process list. mosquitto's clients leave a -P password readable by
// any local user in `ps` for as long as they run; like MySQL's client, these tools star it
// out of /proc/<pid>/cmdline as soon as they start: the value of -P (--pw) and --psk, and the
// password inside -L (--url) and --proxy URLs. `ps` shows the rest of the line unchanged.
//
// Node can rewrite its command line only through process.title, which writes the new text
// over the old argv (one string, the words joined by spaces) and renames the process's
// thread; the name is put back through /proc/self/comm.
import { readFileSync, writeFileSync } from 'node:fs';
import type { OptionSpec } from './option-parser.ts';
import { valueCount } from './properties.ts';

/** Flags whose whole value is a secret, and flags whose value is a URL with a password. */
const WHOLE = new Set(['-P', '--pw', '--psk', '--tls-engine-kpass-sha1']);
const URLS = new Set(['-L', '--url', '--proxy']);

/** The password of a URL (scheme://user:password@...) starred out, byte for byte. */
function starUrl(url: string): string {
  return url.replace(/^([^/]*\/\/[^:@/]*:)([^@/]*)(@)/, (_m, head: string, pw: string, at: string) => head + '*'.repeat(Buffer.byteLength(pw)) + at);
}

/**
 * The command line with its secrets starred out, read one word at a time as the tools read
 * it (a flag's value is never taken for a flag), or undefined when it holds none.
 */
export function starSecrets<C>(table: readonly OptionSpec<C>[], tool: string, argv: readonly string[]): string[] | undefined {
  const takes = new Map<string, OptionSpec<C>['takes'] | null>();
  for (const s of table) if (s.tools.includes(tool)) for (const f of s.flags) takes.set(f, s.takes ?? null);
  const out = [...argv];
  let found = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const flag = eq > 0 ? word.slice(0, eq) : word;
    const what = takes.get(flag);
    if (eq > 0 && what === 'word') {
      // --pw=secret
      const value = word.slice(eq + 1);
      const starred = WHOLE.has(flag) ? '*'.repeat(Buffer.byteLength(value)) : URLS.has(flag) ? starUrl(value) : value;
      if (starred !== value) { out[i] = `${flag}=${starred}`; found = true; }
    } else if (what === 'word' && i + 1 < argv.length) {
      const value = argv[++i]!;
      const starred = WHOLE.has(word) ? '*'.repeat(Buffer.byteLength(value)) : URLS.has(word) ? starUrl(value) : value;
      if (starred !== value) { out[i] = starred; found = true; }
    } else if (what === 'property') {
      const rest = argv.slice(i + 1);
      i += rest.length < 3 ? rest.length : Math.min(rest.length, 2 + valueCount(rest[1]!));
    }
  }
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
