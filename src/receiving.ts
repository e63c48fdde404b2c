// What tssub and tsrr share as the tools that print the messages they receive: how they
// subscribe, how a message is printed (-F, -v, -N, --pretty), and -W's status. Nothing here
// loads the session or the network modules (start-up).
import type { IPublishPacket, ISubscription } from 'mqtt-packet';
import { stderr, stdout } from './cli.ts';
import { paintFor } from './colour.ts';
import type { ClientConfig } from './config.ts';
import { checkFormat, createFormatter } from './format/index.ts';
import type { ValueChecks } from './options/parse.ts';

/** -F, checked where it stands among the options, as mosquitto_sub checks it. */
export const FORMAT_CHECK: ValueChecks = { '-F': checkFormat };

/** libmosquitto's MOSQ_ERR_TIMEOUT: mosquitto_sub's status when -W runs out. */
export const TIMED_OUT_STATUS = 27;

/** The subscriptions of -t as mosquitto's clients ask for them (tssub, tsrr). */
export function subscriptions(cfg: ClientConfig, topics: readonly string[]): ISubscription[] {
  const v5 = cfg.protocolVersion === 5;
  return topics.map((topic) =>
    v5
      ? { topic, qos: cfg.qos, nl: cfg.noLocal === true, rap: cfg.retainAsPublished, rh: cfg.retainHandling ?? 0 }
      : { topic, qos: cfg.qos },
  );
}

export type Formatter = (packet: IPublishPacket) => Buffer;

/** The bytes printed for each message, as -F, -v, -N and --pretty ask (colour on a terminal). */
export function messageFormatter(cfg: ClientConfig): ReturnType<typeof createFormatter> {
  return createFormatter({
    format: cfg.format,
    verbose: cfg.verbose,
    noEol: cfg.noEol,
    pretty: cfg.pretty,
    paintJson: cfg.pretty ? paintFor(stdout())?.json : undefined,
    onError: (line) => {
      if (!cfg.quiet) stderr().write(`${line}\n`);
    },
  });
}
