// Checks across options for the flags mosquitto does not have, after mosquitto's own:
// password sources and --no-local once the whole command line (and options file) is read;
// tssub --record, tspub --replay and its pace (--replay-speed, --rate, --interval) by the
// mains, after the payload and topic checks, before anything is opened or connected.
import { protocolName, type ClientConfig } from '../config.ts';
import { fail1 } from './checks.ts';

export function checkBeyondMosquitto(cfg: ClientConfig): void {
  // One password, from one place: -P (or a -L URL's), or one source. A second is refused
  // rather than one quietly winning, wherever each was given (options file or command line).
  const given = Object.keys(cfg.passwordFrom ?? {});
  if (cfg.password !== undefined) given.unshift('-P');
  if (given.length > 1) {
    fail1(
      `Error: ${given.join(' and ')} both give a password: only one of -P (or a password in -L), --pw-env, --pw-file and --pw-prompt may be used at once.`,
    );
  }
  if (cfg.noLocal && cfg.protocolVersion !== 5) {
    fail1(`Error: --no-local needs MQTT v5, but -V chose ${protocolName(cfg.protocolVersion)}.`);
  }
}

export function checkRecordAndPace(cfg: ClientConfig): void {
  if (cfg.tool === 'sub') {
    if (
      cfg.record &&
      (cfg.format !== undefined || cfg.verbose || cfg.noEol || cfg.pretty || cfg.watch || cfg.messageRate)
    ) {
      fail1('Error: --record cannot be used with -F, -v, -N, --pretty, --watch or --message-rate.');
    }
    return;
  }
  if (cfg.tool !== 'pub') return;
  const paced = cfg.paceMs !== undefined;
  if (cfg.replaySpeed !== undefined && cfg.mode !== 'replay') fail1('Error: --replay-speed needs --replay.');
  if (cfg.replaySpeed !== undefined && paced) fail1('Error: --replay-speed cannot be used with --rate or --interval.');
  if (paced && cfg.repeatDelay > 0) fail1('Error: --repeat-delay cannot be used with --rate or --interval.');
  if (cfg.mode === 'replay') {
    if (cfg.repeat > 1) fail1('Error: --repeat cannot be used with --replay.');
    // An alias stands for one topic on one connection: a recording has many topics.
    if (cfg.protocolVersion === 5 && cfg.properties.publish?.topicAlias !== undefined)
      fail1('Error: -D publish topic-alias cannot be used with --replay.');
  }
}
