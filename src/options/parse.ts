// Reading a client tool's command line into its ClientConfig, in mosquitto's order: the
// options file's lines, then argv, each option where it stands, then the checks across options.
import { readFileSync } from 'node:fs';
import { defaultConfig, type ClientConfig, type Tool } from '../config.ts';
import { errnoWords, UsageError } from '../errors.ts';
import { addProperty } from '../properties.ts';
import { bytesOf } from '../words.ts';
import { checkBeyondMosquitto } from './beyond.ts';
import { checkClientConfig, fail } from './checks.ts';
import { defaultsFileLines, optionsFileLines } from './file.ts';
import { eachOption, missingText, walkOptions } from './parser.ts';
import { CLIENT_OPTIONS, MOSQUITTO_NAME } from './table.ts';

/**
 * The lines from a file: -o's (mosquitto 2.1), which replaces the defaults file, or the
 * defaults file. -o is found before anything else is read, as mosquitto 2.1 finds it.
 */
function fileLines(tool: Tool, argv: readonly string[], env: NodeJS.ProcessEnv): string[][] {
  let optionsFile: string | undefined;
  let duplicate = false;
  eachOption(CLIENT_OPTIONS, tool, argv, (flag, value) => {
    if (flag !== '-o') return;
    if (optionsFile !== undefined) duplicate = true;
    if (value === undefined) fail('Error: -o argument given but no options file specified.');
    if (duplicate) fail('Error: Duplicate -o argument given.');
    optionsFile = value;
  });
  if (optionsFile === undefined) return defaultsFileLines(MOSQUITTO_NAME[tool], env);
  try {
    return optionsFileLines(readFileSync(bytesOf(optionsFile)));
  } catch (e) {
    // mosquitto 2.1 goes on without the file; the options it holds (a login, TLS) matter.
    throw new UsageError(
      `Error: Unable to read options file "${optionsFile}": ${errnoWords(e) ?? (e as Error).message}.\n`,
      false,
    );
  }
}

/**
 * A tool's own checks of a flag's value (by the flag's first spelling), made where the flag
 * stands, before the table's: tssub's and tsrr's -F, whose engine tspub does not load.
 */
export type ValueChecks = Readonly<Record<string, (value: string) => void>>;

/**
 * The command line of a client tool, checked the way mosquitto checks it: first each line
 * of the defaults file (or -o's file) on its own, then argv; each option in order; then the
 * checks across options.
 */
export function parseClientArgs(
  tool: Tool,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  checks: ValueChecks = {},
): ClientConfig {
  const cfg = defaultConfig(tool);
  for (const line of fileLines(tool, argv, env)) {
    if (applyArgs(cfg, line, true, checks)) return cfg;
  }
  if (applyArgs(cfg, argv, false, checks)) return cfg;
  checkClientConfig(cfg);
  checkBeyondMosquitto(cfg);
  return cfg;
}

/**
 * Applies one command line (argv, or one line of an options file) to `cfg` in order, with
 * mosquitto's message for the first bad word. True when --help or --version ends the reading.
 * In a file, -o is passed over with its value, as mosquitto 2.1 passes over it there.
 */
function applyArgs(cfg: ClientConfig, args: readonly string[], inFile: boolean, checks: ValueChecks): boolean {
  for (const met of walkOptions(CLIENT_OPTIONS, cfg.tool, args)) {
    const { spec } = met;
    if (!spec) throw new UsageError(`Error: Unknown option '${met.word}'.\n`);
    if (spec.takes === 'property') {
      addProperty(cfg.properties, met.group!);
      // Properties are MQTT v5: -D switches to it (a later -V can switch back).
      cfg.protocolVersion = 5;
    } else {
      spec.precheck?.(cfg);
      if (spec.takes === 'word' && met.value === undefined) {
        if (inFile && spec.flags[0] === '-o') continue;
        throw new UsageError(missingText(met));
      }
      checks[spec.flags[0]!]?.(met.value ?? '');
      spec.apply(cfg, met.value ?? '');
    }
    if (cfg.help || cfg.version) return true;
  }
  return false;
}
