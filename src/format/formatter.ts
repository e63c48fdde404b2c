/**
 * tssub's formatter: the bytes mosquitto_sub writes for one message, payload only, -v, -N
 * or -F.
 */
import type { IPublishPacket } from 'mqtt-packet';
import { now, type Timestamp } from './clock.ts';
import { EMPTY, Out, SP } from './out.ts';
import type { Ctx } from './message.ts';
import { compile } from './printf.ts';

export interface FormatOptions {
  /** -F argument, undefined when not given */
  format?: string;
  /** -v */
  verbose: boolean;
  /** -N */
  noEol: boolean;
  /** --pretty (indented %j / %J output) */
  pretty: boolean;
  /**
   * Receives stderr lines (without the trailing newline) that mosquitto_sub
   * prints while formatting a message; today only
   * "Error: Message payload is not valid JSON on topic <topic>." for %J.
   */
  onError: (line: string) => void;
  /** Colours --pretty JSON (%j, %J) for a terminal (colour.ts); none: mosquitto's bytes. */
  paintJson?: (json: Buffer) => Buffer;
}

export function createFormatter(opts: FormatOptions): (msg: IPublishPacket, receivedAt?: Timestamp) => Buffer {
  const out = new Out();
  const eol = !opts.noEol;
  const onError = opts.onError;
  const toBuf = (p: IPublishPacket['payload']): Buffer =>
    typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.isBuffer(p) ? p : Buffer.from(p as Uint8Array);

  if (opts.format === undefined) {
    if (!opts.verbose) {
      // payload only; an empty payload prints nothing at all (not even the newline)
      return (msg) => {
        const p = toBuf(msg.payload);
        const n = p.length;
        if (n === 0) return Buffer.alloc(0);
        const r = Buffer.allocUnsafe(n + (eol ? 1 : 0));
        p.copy(r, 0);
        if (eol) r[n] = 0x0a;
        return r;
      };
    }
    // -v: "topic payload"; an empty payload prints "topic (null)" - or nothing with -N
    return (msg) => {
      const p = toBuf(msg.payload);
      out.pos = 0;
      if (p.length === 0) {
        if (!eol) return Buffer.alloc(0);
        out.utf8(msg.topic);
        out.ascii(' (null)\n');
        return out.take();
      }
      out.utf8(msg.topic);
      out.byte(SP);
      out.bytes(p);
      if (eol) out.byte(0x0a);
      return out.take();
    };
  }

  const { ops, needsTime } = compile(opts.format, out, opts.pretty, onError, opts.paintJson);
  const nOps = ops.length;
  const ctx: Ctx = { msg: undefined as unknown as IPublishPacket, payload: EMPTY as Buffer, ts: { sec: 0, nsec: 0 } };
  return (msg, receivedAt) => {
    ctx.msg = msg;
    ctx.payload = toBuf(msg.payload);
    ctx.ts = receivedAt ?? (needsTime ? now() : ctx.ts);
    out.pos = 0;
    for (let i = 0; i < nOps; i++) ops[i](ctx);
    if (eol) out.byte(0x0a);
    return out.take();
  };
}
