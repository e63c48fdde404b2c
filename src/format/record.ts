/**
 * tssub --record: each message as one line of JSON that loses nothing, for tspub --replay
 * (replay.ts reads it back; docs/record-replay.md describes it member by member). The line
 * is mosquitto_sub's -F %j line, its members named and ordered as there, with two
 * differences where %j loses bytes: a payload (or correlation data) that is UTF-8 is
 * printed whole, NUL bytes escaped, and one that is not goes in base64 under a member of
 * its own ("payload_base64", "correlation-data-base64") in place of the text one.
 */
import type { IPublishPacket } from 'mqtt-packet';
import { now, type Timestamp } from './clock.ts';
import { jsonOp } from './message-json.ts';
import type { Ctx } from './message.ts';
import { Out } from './out.ts';
import { createTimeCache, IsoTime } from './strftime.ts';

/** The bytes tssub --record prints for one message: a record and its newline. */
export function recordFormatter(): (msg: IPublishPacket, receivedAt?: Timestamp) => Buffer {
  const out = new Out();
  // Nothing in a record can fail to print (no %J payload check): no error to report.
  const record = jsonOp(out, false, false, new IsoTime(createTimeCache()), () => {}, true);
  const ctx: Ctx = { msg: undefined as unknown as IPublishPacket, payload: out.buf, ts: { sec: 0, nsec: 0 } };
  return (msg, receivedAt) => {
    const p = msg.payload;
    ctx.msg = msg;
    ctx.payload = typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.isBuffer(p) ? p : Buffer.from(p);
    ctx.ts = receivedAt ?? now();
    out.pos = 0;
    record(ctx);
    out.byte(0x0a);
    return out.take();
  };
}
