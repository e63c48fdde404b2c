// Reading a command line from an option table, the way mosquitto's tools read theirs: one word
// at a time, each option applied in order. yargs's parser does the reading; the tables (the
// MQTT clients' in table.ts, tspasswd's in passwd/options.ts) say what each flag takes.
import yargsParser from 'yargs-parser';
import { UsageError } from '../errors.ts';
import { valueCount } from '../properties.ts';

export interface OptionSpec<C> {
  /** Spellings; the first is the one shown in help. */
  flags: readonly string[];
  tools: readonly string[];
  /** What follows the flag: nothing, one word, or a -D group. */
  takes?: 'word' | 'property';
  /** mosquitto's message when the word is missing. */
  missing?: string;
  /**
   * What the shell completes the word with (src/completion.ts): a file, a directory or one of
   * these values; nothing when absent.
   */
  complete?: 'file' | 'dir' | readonly string[];
  /** Help: argument name and description. */
  help: [arg: string, text: string];
  apply(cfg: C, value: string): void;
  /** A check mosquitto makes as soon as it meets the flag, before reading its argument. */
  precheck?(cfg: C): void;
}

const PARSER_CONFIGURATION = {
  'short-option-groups': false,
  'camel-case-expansion': false,
  'dot-notation': false,
  'parse-numbers': false,
  'parse-positional-numbers': false,
  'boolean-negation': false,
  'duplicate-arguments-array': true,
  'flatten-duplicate-arrays': false,
  'nargs-eats-options': true,
  'unknown-options-as-args': true,
  'strip-aliased': true,
} as const;

/** A flag at the end of the line without its argument; the rest of the line is in `parsed`. */
export class MissingArgument<C> extends UsageError {
  constructor(
    readonly spec: OptionSpec<C> | undefined,
    readonly parsed: ParsedArgs<C>,
    text: string,
  ) {
    super(text);
  }
}

export interface ParsedArgs<C> {
  /** Each option met, in command-line order, with the words it took and where it stood. */
  given: Array<{ spec: OptionSpec<C>; values: string[][]; at: number }>;
  /** The first word that is no option of this tool, if any, and where it stood. */
  unknown?: string;
  unknownAt: number;
  /** Every word that is no option of this tool, in order (positional arguments). */
  positional: string[];
}

/**
 * Reads argv with yargs's parser, configured from `table` for `tool`. Options come back in
 * the order they first appear, so checks report the first bad one as mosquitto does.
 */
export function parseWithTable<C>(
  table: readonly OptionSpec<C>[],
  tool: string,
  argv: readonly string[],
  configuration: Record<string, boolean> = {},
): ParsedArgs<C> {
  const all = table.filter((s) => s.tools.includes(tool));
  const words = holdWords(all, argv);
  // Only the options the line mentions go to the parser: a word that names no option on the
  // line is an unknown option either way, and a table of every option makes the parser's
  // alias bookkeeping the largest start-up cost of a one-shot publish.
  const named = new Set<string>();
  for (const word of words.line) {
    const eq = word.indexOf('=');
    named.add(eq > 0 && word.startsWith('-') ? word.slice(0, eq) : word);
  }
  const specs = all.filter((s) => s.flags.some((f) => named.has(f)));
  const key = (i: number) => `o${i}`;
  const alias: Record<string, string[]> = {};
  const boolean: string[] = [];
  const string: string[] = [];
  const narg: Record<string, number> = {};
  const byName = new Map<string, number>();
  specs.forEach((s, i) => {
    alias[key(i)] = s.flags.map((f) => f.replace(/^--?/, ''));
    for (const f of s.flags) byName.set(f, i);
    if (!s.takes) boolean.push(key(i));
    else { string.push(key(i)); narg[key(i)] = 1; }
  });
  const line = words.line;
  const result = yargsParser.detailed([...line], { alias, boolean, string, narg, configuration: { ...PARSER_CONFIGURATION, ...configuration } });
  let missingSpec: OptionSpec<C> | undefined;
  let missingText: string | undefined;
  if (result.error) {
    const m = /following: (.+)$/.exec(result.error.message);
    // The parser names the option by whichever alias it met.
    const name = m?.[1] ?? '';
    missingSpec = /^o\d+$/.test(name) ? specs[Number(name.slice(1))] : specs.find((s) => s.flags.some((f) => f.replace(/^--?/, '') === name));
    missingText = missingSpec?.missing ?? `${result.error.message}\n`;
  }
  // The parser gives each option's words in order; where each use of it stood comes from the
  // line, so that options are applied one use at a time, as mosquitto does.
  const given: ParsedArgs<C>['given'] = [];
  specs.forEach((spec, i) => {
    const raw = (result.argv as Record<string, unknown>)[key(i)];
    const at = words.flags.filter((f) => byName.get(f.flag) === i).map((f) => f.at);
    if (spec === missingSpec) at.pop();
    if (raw === undefined) return;
    const list = Array.isArray(raw) ? raw : [raw];
    // A flag without a word is there once for each time it is given, whatever the parser counted.
    const n = spec.takes ? Math.min(list.length, at.length) : at.length;
    for (let j = 0; j < n; j++) {
      const v = String(list[j]);
      const values = !spec.takes ? [] : spec.takes === 'word' ? [words.restore(v)] : words.group(v);
      given.push({ spec, values: [values], at: at[j]! });
    }
  });
  given.sort((a, b) => a.at - b.at);
  const stray = (result.argv._ as unknown[]).map(String);
  // yargs's parser takes a word like -rq as a group of known flags even with groups turned
  // off, and keeps it under its own key: such keys are unknown options too.
  const known = new Set(specs.map((_, i) => key(i)));
  for (const k of Object.keys(result.argv)) {
    if (k === '_' || k === '$0' || known.has(k)) continue;
    const word = line.find((w) => w === `-${k}` || w === `--${k}` || w.startsWith(`--${k}=`) || w.startsWith(`-${k}=`));
    if (word !== undefined) stray.push(word);
  }
  stray.sort((a, b) => line.indexOf(a) - line.indexOf(b));
  const positional = stray.map(words.restore);
  const parsed = { given, unknown: positional[0], unknownAt: stray.length ? line.indexOf(stray[0]!) : Infinity, positional };
  if (missingText !== undefined) throw new MissingArgument(missingSpec, parsed, missingText);
  return parsed;
}

/**
 * mosquitto's tools read the command line one word at a time: a -D takes the next three words
 * (four for a user-property) whatever they look like, "--" is just an unknown option, and so
 * is any word in an option's place that names none (-p1883, -rq, --bogus). yargs's parser
 * stops taking words at the first one that looks like a flag, reads "--" as the end of the
 * options and guesses at words like -p1883; so each -D group, each "--" and each word that is
 * no option goes to the parser as one stand-in word, given back afterwards.
 */
function holdWords<C>(specs: readonly OptionSpec<C>[], argv: readonly string[]) {
  const held: string[][] = [];
  const hold = (group: string[]) => `\u0000${held.push(group) - 1}`;
  const takes = new Map<string, OptionSpec<C>['takes'] | null>();
  for (const s of specs) for (const f of s.flags) takes.set(f, s.takes ?? null);
  const line: string[] = [];
  /** Where each option word stands in `line`, by the flag it names. */
  const flags: Array<{ flag: string; at: number }> = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const what = takes.get(word);
    if (what !== undefined) flags.push({ flag: word, at: line.length });
    if (what === 'property') {
      const rest = argv.slice(i + 1);
      const n = rest.length < 3 ? rest.length : Math.min(rest.length, 2 + valueCount(rest[1]!));
      line.push(word, hold(rest.slice(0, n)));
      i += n;
    } else if (what === 'word' && i + 1 < argv.length) {
      const value = argv[++i]!;
      line.push(word, value === '--' ? hold([value]) : value);
    } else if (what !== undefined) {
      line.push(word);
    } else if (word.includes('=') && takes.has(word.slice(0, word.indexOf('=')))) {
      flags.push({ flag: word.slice(0, word.indexOf('=')), at: line.length });
      line.push(word);
    } else {
      // No option of this tool: a positional word for the caller, or an unknown option. Held
      // too, so that where it stood is known exactly (the same word may also be a value).
      line.push(hold([word]));
    }
  }
  const index = (w: string) => (w.startsWith('\u0000') ? Number(w.slice(1)) : -1);
  return {
    line,
    flags,
    /** A word as it was given. */
    restore: (w: string) => (index(w) >= 0 ? held[index(w)]![0]! : w),
    /** The words of a -D group. */
    group: (w: string) => (index(w) >= 0 ? held[index(w)]! : [w]),
  };
}

/**
 * Walks a command line one word at a time, as mosquitto's tools read it, calling `visit` for
 * each option of `tool` with its value: the next word, the part after '=' of --opt=value, or
 * undefined for a flag that takes none (or whose value is missing). A -D group is skipped
 * whole. Other words are passed over.
 */
export function eachOption<C>(
  table: readonly OptionSpec<C>[],
  tool: string,
  argv: readonly string[],
  visit: (flag: string, value: string | undefined, at: number, inline: boolean) => void,
): void {
  const takes = new Map<string, OptionSpec<C>['takes'] | null>();
  for (const s of table) if (s.tools.includes(tool)) for (const f of s.flags) takes.set(f, s.takes ?? null);
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    if (eq > 0 && takes.get(word.slice(0, eq)) === 'word') {
      visit(word.slice(0, eq), word.slice(eq + 1), i, true);
      continue;
    }
    const what = takes.get(word);
    if (what === undefined) continue;
    if (what === 'word') {
      const at = i + 1 < argv.length ? ++i : -1;
      visit(word, at >= 0 ? argv[at] : undefined, at, false);
    } else if (what === 'property') {
      const rest = argv.slice(i + 1);
      i += rest.length < 3 ? rest.length : Math.min(rest.length, 2 + valueCount(rest[1]!));
    } else {
      visit(word, undefined, -1, false);
    }
  }
}
