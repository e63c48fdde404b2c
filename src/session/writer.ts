// One socket write per event-loop turn. mqtt-packet writes a PUBLISH as five or six small
// pieces (header, length, topic length, topic, id, payload), each a stream.write(). It writes
// them here, into a PacketWriter, which gathers what is written in one turn and hands it to
// the connection's stream as one buffer when the turn's other work is done: a stream of lines
// costs a few writes a read, not six a line.
import type { Duplex } from 'node:stream';

type Callback = (err?: Error | null) => void;

/**
 * What mqtt-packet's writeToStream() writes into. Backpressure is the stream's own: a
 * high-water mark's worth is written at once, and write() says false only when the stream
 * does (a 'drain' is then sure to follow). It has no cork(): mqtt-packet would queue an
 * uncork for the next tick per packet.
 */
export class PacketWriter {
  // Pieces as given: Buffers, and strings (topics) encoded only into the joined buffer.
  private parts: (Buffer | string)[] = [];
  private size = 0;
  private callbacks: Callback[] = [];
  private scheduled = false;
  /** Why mqtt-packet refused the last packet (it "destroys" its stream for that). */
  refusal: Error | undefined;

  constructor(private readonly stream: Duplex) {}

  /** Hands the gathered bytes to the stream; its answer is write()'s. */
  flush = (): boolean => {
    this.scheduled = false;
    if (this.parts.length === 0) return true;
    const data = join(this.parts, this.size);
    const cbs = this.callbacks;
    this.parts = [];
    this.size = 0;
    this.callbacks = [];
    if (this.stream.destroyed) return false;
    return this.stream.write(
      data,
      cbs.length === 0
        ? undefined
        : (err) => {
            for (const cb of cbs) cb(err);
          },
    );
  };

  write(chunk: Buffer | string, encoding?: BufferEncoding | Callback, callback?: Callback): boolean {
    const cb = typeof encoding === 'function' ? encoding : callback;
    const mark = this.stream.writableHighWaterMark;
    if (typeof chunk === 'string' && (typeof encoding !== 'string' || encoding === 'utf8' || encoding === 'utf-8')) {
      this.parts.push(chunk);
      this.size += Buffer.byteLength(chunk);
    } else if (typeof chunk === 'string') {
      const b = Buffer.from(chunk, encoding as BufferEncoding);
      this.parts.push(b);
      this.size += b.length;
    } else if (chunk.length >= mark) {
      // A large payload is written as it is, after what came before it: never copied.
      this.flush();
      return this.stream.write(chunk, cb) && !this.stream.writableNeedDrain;
    } else {
      this.parts.push(chunk);
      this.size += chunk.length;
    }
    if (cb) this.callbacks.push(cb);
    // A high-water mark's worth goes at once, and the stream's answer is ours: 'drain'
    // follows a false one. Less waits for the end of the turn.
    if (this.size >= mark) return this.flush() && !this.stream.writableNeedDrain;
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flush);
    }
    return !this.stream.writableNeedDrain;
  }

  /** mqtt-packet's way of refusing a packet it cannot encode. */
  destroy(err: Error): void {
    this.refusal = err;
  }
}

/** The pieces as one buffer. */
function join(parts: (Buffer | string)[], size: number): Buffer {
  if (parts.length === 1 && typeof parts[0] !== 'string') return parts[0]!;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const p of parts) {
    if (typeof p === 'string') pos += out.write(p, pos);
    else {
      out.set(p, pos);
      pos += p.length;
    }
  }
  return out;
}
