// One socket write per event-loop turn. mqtt-packet writes a PUBLISH as five or six small
// pieces (header, length, topic length, topic, id, payload), each a stream.write() with the
// Writable machinery's bookkeeping (about 6 µs a message here, corked), and corks the stream
// only until the next tick. Here the pieces written in one turn are gathered and handed to
// the stream as one buffer when the turn's other work is done: a stream of lines costs a
// few writes a read, not six a line.
import type { Duplex } from 'node:stream';

type Callback = (err?: Error | null) => void;

/**
 * Replaces `stream`'s write (and the cork and uncork mqtt-packet calls) with one that
 * gathers; the gathered bytes go out, in order, before anything else the stream is asked to
 * do (end). Backpressure is the stream's own: a high-water mark's worth is written at once,
 * and write() says false only when the stream does (a 'drain' is then sure to follow).
 */
export function batchWrites(stream: Duplex): void {
  const write = stream.write.bind(stream) as (chunk: Buffer, cb?: Callback) => boolean;
  const end = stream.end.bind(stream) as (...args: unknown[]) => Duplex;
  // Pieces as given: Buffers, and strings (topics) encoded only into the joined buffer.
  let parts: (Buffer | string)[] = [];
  let size = 0;
  let callbacks: Callback[] = [];
  let scheduled = false;

  /** Hands the gathered bytes to the stream; its answer is write()'s. */
  const flush = (): boolean => {
    scheduled = false;
    if (parts.length === 0) return true;
    const data = join(parts, size);
    const cbs = callbacks;
    parts = [];
    size = 0;
    callbacks = [];
    if (stream.destroyed) return false;
    return write(data, cbs.length === 0 ? undefined : (err) => { for (const cb of cbs) cb(err); });
  };

  stream.write = function gather(chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    if (typeof encoding === 'function') { cb = encoding; encoding = undefined; }
    if (typeof chunk === 'string') {
      if (encoding === undefined || encoding === 'utf8' || encoding === 'utf-8') {
        parts.push(chunk);
        size += Buffer.byteLength(chunk);
      } else {
        const b = Buffer.from(chunk, encoding as BufferEncoding);
        parts.push(b);
        size += b.length;
      }
    } else if ((chunk as Buffer).length >= stream.writableHighWaterMark) {
      // A large payload is written as it is, after what came before it: never copied.
      flush();
      return write(chunk as Buffer, cb as Callback | undefined) && !stream.writableNeedDrain;
    } else {
      parts.push(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    if (typeof cb === 'function') callbacks.push(cb as Callback);
    // A high-water mark's worth goes at once, and the stream's answer is ours: 'drain'
    // follows a false one. Less waits for the end of the turn.
    if (size >= stream.writableHighWaterMark) return flush() && !stream.writableNeedDrain;
    if (!scheduled) {
      scheduled = true;
      process.nextTick(flush);
    }
    return !stream.writableNeedDrain;
  } as Duplex['write'];
  // Gathering is corking. mqtt-packet corks a stream that has cork() and queues an uncork for
  // the next tick, per packet: without cork() it does neither (a loop of 100k sends that
  // never yields would otherwise queue 100k ticks).
  (stream as { cork?: () => void }).cork = undefined;
  stream.uncork = () => {};
  stream.end = function endAfterGathered(...args: unknown[]) {
    flush();
    return end(...args);
  } as Duplex['end'];
}

/** The pieces as one buffer. */
function join(parts: (Buffer | string)[], size: number): Buffer {
  if (parts.length === 1 && typeof parts[0] !== 'string') return parts[0]!;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const p of parts) {
    if (typeof p === 'string') pos += out.write(p, pos);
    else { out.set(p, pos); pos += p.length; }
  }
  return out;
}
