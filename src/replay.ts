// tspub --replay: a recording (tssub --record, or mosquitto_sub -F %j lines) published
// again, message by message, each with its own topic, payload, QoS, retain flag and
// properties (format/record-read.ts reads the lines). It streams as -l does: a line at a
// time, through the window of -M, reconnecting if the connection is lost; as fast as the
// window allows, at the recorded pace (--replay-speed), or at --rate or --interval. A bad
// line stops the replay before anything after it is sent, once what went before it is
// acknowledged.
import { createReadStream, fstatSync, openSync } from 'node:fs';
import { protocolName, type ClientConfig } from './config.ts';
import { errnoWords, ToolError } from './errors.ts';
import { RecordReader, type Replayed } from './format/record-read.ts';
import { LineSplitter } from './input.ts';
import { Schedule } from './pace.ts';
import { forEachLine, whenDue, type Paced, type Publisher } from './publish.ts';
import { bytesOf } from './words.ts';

/** The recording to replay, opened before connecting: standard input for '-'. */
export function openReplay(cfg: ClientConfig): NodeJS.ReadableStream {
  const file = cfg.replay!;
  if (file === '-') return process.stdin;
  try {
    const fd = openSync(bytesOf(file), 'r');
    if (fstatSync(fd).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return createReadStream('', { fd, highWaterMark: 64 * 1024 });
  } catch (e) {
    throw new ToolError(`Error: Unable to open replay file "${file}": ${errnoWords(e) ?? (e as Error).message}.\n`);
  }
}

/**
 * Publishes every message of the recording. `warn` is told once when MQTT v5 properties
 * are left out because the connection is not MQTT v5.
 */
export async function publishReplay(
  publisher: Publisher,
  cfg: ClientConfig,
  input: NodeJS.ReadableStream,
  warn: (text: string) => void,
  pace?: Paced,
  reclaim?: (bytes: number) => void,
): Promise<void> {
  const name = cfg.replay === '-' ? 'stdin' : cfg.replay!;
  const reader = new RecordReader(name, {
    topic: cfg.topic,
    qos: cfg.qosGiven ? cfg.qos : undefined,
    retain: cfg.retain,
    v5: cfg.protocolVersion === 5,
    properties: cfg.protocolVersion === 5 ? cfg.properties.publish : undefined,
  });
  const speed = cfg.replaySpeed;
  const schedule = pace?.schedule ?? (speed !== undefined ? new Schedule() : undefined);
  let sent = 0;
  let firstTime: number | undefined;
  let offset = 0;
  let warned = false;
  /** The message before was at QoS 2 (one after it at a lower QoS waits for its exchange). */
  let qos2 = false;
  /** When message `m` is due on the schedule (ms from the first), if the replay is paced. */
  const due = (m: Replayed): number | undefined => {
    if (pace) return sent * pace.intervalMs;
    if (speed === undefined) return undefined;
    if (m.time === undefined) return reader.bad('no "tst" to take the pace from (--replay-speed)');
    firstTime ??= m.time;
    // A clock that went back while recording does not send a message before the one it followed.
    offset = Math.max(offset, (m.time - firstTime) / 1000 / speed);
    return offset;
  };
  await forEachLine(
    publisher,
    input,
    (line) => {
      let m: Replayed | undefined;
      let at: number | undefined;
      try {
        m = line === LineSplitter.TOO_LONG ? reader.tooLong() : reader.read(line);
        if (m === undefined) return undefined;
        at = due(m);
      } catch (e) {
        // What went before is acknowledged, and the connection closed, before the error.
        return publisher.finish().then(() => {
          throw e;
        });
      }
      if (m.dropped && !warned) {
        warned = true;
        if (!cfg.quiet)
          warn(
            `Warning: ${name} has MQTT v5 properties; they are not sent on an ${protocolName(cfg.protocolVersion)} connection (use -V 5).\n`,
          );
      }
      const message = m;
      sent++;
      // The recording's order is kept: a broker passes a QoS 2 message on once its exchange
      // is complete (PUBREL), so one at QoS 0 or 1 after it waits for that, or would overtake it.
      const overtakes = qos2 && message.qos < 2;
      qos2 = message.qos === 2;
      const send = overtakes
        ? () => {
            const done = publisher.drain();
            return done
              ? done.then(() => publisher.send(message.payload, message))
              : publisher.send(message.payload, message);
          }
        : () => publisher.send(message.payload, message);
      return at === undefined ? send() : whenDue(publisher, schedule!, at, send);
    },
    reclaim,
  );
}
