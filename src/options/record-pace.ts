// The checks across options mosquitto does not have: tssub --record, tspub --replay and its
// pace (--replay-speed, --rate, --interval). Made once the whole command line is read,
// before anything is opened or connected (docs/record-replay.md).
import type { ClientConfig } from '../config.ts';
import { fail1 } from './checks.ts';

export function checkRecordAndPace(cfg: ClientConfig): void {
  if (cfg.tool === 'sub') {
    if (cfg.record && (cfg.format !== undefined || cfg.verbose || cfg.noEol || cfg.pretty || cfg.watch || cfg.messageRate)) {
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
    if (cfg.protocolVersion === 5 && cfg.properties.publish?.topicAlias !== undefined) fail1('Error: -D publish topic-alias cannot be used with --replay.');
  }
}
