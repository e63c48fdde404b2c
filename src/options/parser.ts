// Reading a command line from an option table the way mosquitto's tools read theirs: one walk
// over the words, each compared with the table's flags (the MQTT clients' in table.ts,
// tspasswd's in passwd/options.ts). A flag takes what its row says whatever the next words
// look like: nothing, the next word (even "--" or "-x"), or a -D group of three words (four
// for a user-property). Every other word (-p1883, -rq, --bogus, "--") is left to the caller:
// an unknown option for the MQTT clients, the first operand for tspasswd. The one spelling
// mosquitto does not read, --opt=value, is taken for a long flag that takes a word.
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

/** One step of a walk: an option of the tool with what it took, or a word that is none. */
export interface Met<C> {
  /** The option; undefined for a word that names no option of this tool. */
  spec?: OptionSpec<C>;
  /** The word as given; of --opt=value, the flag before '='. */
  word: string;
  /** The word an option that takes one took; undefined when the line ended first. */
  value?: string;
  /** The words of a -D group (fewer than it needs when the line ends first). */
  group?: string[];
  /** Where `value` stands in the line (the --opt=value word itself when inline); -1 for none. */
  at: number;
  inline: boolean;
}

/** A message for a flag without its word, for rows that give none. */
export const missingText = <C>(met: Met<C>): string =>
  met.spec?.missing ?? `Error: ${met.word} argument given but no value specified.\n\n`;

/** Each flag of `tool` in `table`, by spelling. */
function flagsOf<C>(table: readonly OptionSpec<C>[], tool: string): Map<string, OptionSpec<C>> {
  const byFlag = new Map<string, OptionSpec<C>>();
  for (const spec of table) if (spec.tools.includes(tool)) for (const flag of spec.flags) byFlag.set(flag, spec);
  return byFlag;
}

/** Walks `argv` for `tool`, one option (or other word) at a time, in order. */
export function* walkOptions<C>(
  table: readonly OptionSpec<C>[],
  tool: string,
  argv: readonly string[],
): Generator<Met<C>> {
  const byFlag = flagsOf(table, tool);
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const spec = byFlag.get(word);
    if (spec?.takes === 'property') {
      const rest = argv.length - i - 1;
      const n = rest < 3 ? rest : Math.min(rest, 2 + valueCount(argv[i + 2]!));
      yield { spec, word, group: argv.slice(i + 1, i + 1 + n), at: -1, inline: false };
      i += n;
    } else if (spec?.takes === 'word') {
      const at = i + 1 < argv.length ? ++i : -1;
      yield { spec, word, value: at >= 0 ? argv[at] : undefined, at, inline: false };
    } else if (spec) {
      yield { spec, word, at: -1, inline: false };
    } else {
      const eq = word.startsWith('--') ? word.indexOf('=') : -1;
      const long = eq > 0 ? byFlag.get(word.slice(0, eq)) : undefined;
      if (long?.takes === 'word')
        yield { spec: long, word: word.slice(0, eq), value: word.slice(eq + 1), at: i, inline: true };
      else yield { word, at: i, inline: false };
    }
  }
}

/**
 * Walks a command line as mosquitto's tools read it, calling `visit` for each option of
 * `tool` with its value: the next word, the part after '=' of --opt=value, or undefined for a
 * flag that takes none (or whose value is missing). A -D group is skipped whole. Other words
 * are passed over.
 */
export function eachOption<C>(
  table: readonly OptionSpec<C>[],
  tool: string,
  argv: readonly string[],
  visit: (flag: string, value: string | undefined, at: number, inline: boolean) => void,
): void {
  for (const met of walkOptions(table, tool, argv)) {
    if (met.spec && met.spec.takes !== 'property') visit(met.word, met.value, met.at, met.inline);
  }
}
