// What the three MQTT client mains (tspub, tssub, tsrr) do first: read the command line as
// mosquitto reads it, with its secrets out of the process list at once, and answer --help
// and --version.
import { stdout } from './cli.ts';
import type { ClientConfig, Tool } from './config.ts';
import { clientHelp, versionLine } from './help.ts';
import { parseClientArgs, type ValueChecks } from './options/parse.ts';
import { CLIENT_OPTIONS } from './options/table.ts';
import { hideSecrets } from './options/secrets.ts';
import { commandLine } from './words.ts';

/**
 * The tool's settings from its command line (and options file); undefined when --help or
 * --version was answered (the tool then ends with status 1, as mosquitto's do).
 */
export function clientCommandLine(tool: Tool, checks?: ValueChecks): ClientConfig | undefined {
  const words = commandLine();
  // -P, --psk and URL passwords leave the process list at once (ps shows them starred).
  hideSecrets(CLIENT_OPTIONS, tool, words);
  const cfg = parseClientArgs(tool, words, process.env, checks);
  if (cfg.help || cfg.version) {
    stdout().write(cfg.help ? clientHelp(tool) : versionLine(tool));
    return undefined;
  }
  return cfg;
}
