// tssub -w / --watch (mosquitto 2.1): each topic keeps a line of the terminal, in the order
// topics first arrive, and its latest message is printed there. The screen is cleared at the
// start and "Broker: host" written on its first line; the cursor goes back below the last
// topic's line after each message. (As in mosquitto: more topics than lines, or messages
// longer than a line, make a mess, and a shorter message leaves the end of a longer one.)
import type { IPublishPacket } from 'mqtt-packet';

type Formatter = (packet: IPublishPacket) => Buffer;

/** What --watch writes before anything else. */
export function watchHeader(host: string): Buffer {
  return Buffer.concat([Buffer.from('\x1b[2J\x1b[1;1HBroker: '), Buffer.from(host, 'utf8'), Buffer.from('\n')]);
}

/** The formatter's output placed on its topic's line. */
export function watchFormatter(inner: Formatter): Formatter {
  const lines = new Map<string, number>();
  return (packet) => {
    let line = lines.get(packet.topic);
    if (line === undefined) {
      line = lines.size + 2;
      lines.set(packet.topic, line);
    }
    return Buffer.concat([Buffer.from(`\x1b[${line};1H`), inner(packet), Buffer.from(`\x1b[${lines.size + 1};1H\n`)]);
  };
}
