// Checks across options for the flags mosquitto does not have (password sources, --no-local),
// made once the whole command line (and options file) is read, after mosquitto's own.
import { protocolName, type ClientConfig } from '../config.ts';
import { fail1 } from './checks.ts';

export function checkBeyondMosquitto(cfg: ClientConfig): void {
  // One password, from one place: -P (or a -L URL's), or one source. A second is refused
  // rather than one quietly winning, wherever each was given (options file or command line).
  const given = Object.keys(cfg.passwordFrom ?? {});
  if (cfg.password !== undefined) given.unshift('-P');
  if (given.length > 1) {
    fail1(`Error: ${given.join(' and ')} both give a password: only one of -P (or a password in -L), --pw-env, --pw-file and --pw-prompt may be used at once.`);
  }
  if (cfg.noLocal && cfg.protocolVersion !== 5) {
    fail1(`Error: --no-local needs MQTT v5, but -V chose ${protocolName(cfg.protocolVersion)}.`);
  }
}
