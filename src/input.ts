// The message a tool sends (-m, -n, -f, -s), and standard input read as bytes: whole (-s) or
// line by line as it arrives (-l).
import { readFile, stat } from 'node:fs';
import { ToolError } from './errors.ts';
import type { ClientConfig } from './config.ts';
import { bytesOf } from './words.ts';

/** All of a stream, binary-safe. */
export async function readAll(stream: NodeJS.ReadableStream, limit = Infinity): Promise<Buffer | undefined> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    // More than `limit` bytes: undefined, without holding the rest.
    if (size > limit) return undefined;
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/** The largest message mosquitto_pub reads from a file or standard input: MQTT's largest packet (a remaining length of 268435455). */
export const MAX_MESSAGE_BYTES = 268435455;

/**
 * Standard input cut into lines as it arrives, split at '\n' only: a '\r' before it stays
 * part of the line, an empty line is an empty message, and a last line without '\n' still
 * counts (all as mosquitto_pub -l does; on Windows the '\r' goes, see lineEnd). A line is a
 * view into the chunk read, never a copy, unless it spans reads. Lines are cut one at a time
 * as they are taken, so none waits, made, while the ones before it go out: a view that lives
 * long would be moved out of V8's young generation for nothing.
 *
 * A line that spans reads is gathered in pieces and joined once, when its end comes; a long
 * one (over LONG_LINE bytes) is gathered instead in an ArrayBuffer that grows in place (a
 * resizable one: address space is reserved for MQTT's largest message, memory is used as it
 * fills), so that a line of N bytes takes N bytes and a read's worth, not twice N. A line
 * longer than any message can be is not kept: it comes out as TOO_LONG.
 */
export class LineSplitter {
  /** What next() gives for a line longer than MQTT's largest message (its bytes are dropped). */
  static readonly TOO_LONG: Buffer = Buffer.alloc(0);
  private chunk: Buffer = EMPTY;
  private pos = 0;
  /** The start of a line that spans reads: its pieces, or the growing buffer of a long one. */
  private parts: Buffer[] = [];
  private partsLength = 0;
  private long: Growable | undefined;
  private tooLong = false;
  private readonly crlf = process.platform === 'win32';

  /** Takes the next chunk read (after next() has returned undefined for the one before). */
  feed(chunk: Buffer): void {
    this.chunk = chunk;
    this.pos = 0;
  }

  /** The next whole line of what was fed, or undefined once the rest needs another read. */
  next(): Buffer | undefined {
    const { chunk, pos } = this;
    const nl = chunk.indexOf(10, pos);
    if (nl < 0) {
      if (pos < chunk.length) this.keep(chunk.subarray(pos));
      this.chunk = EMPTY;
      this.pos = 0;
      return undefined;
    }
    this.pos = nl + 1;
    if (this.partsLength === 0) return this.lineEnd(chunk.subarray(pos, nl));
    this.keep(chunk.subarray(pos, nl));
    return this.lineEnd(this.take());
  }

  /**
   * On Windows a '\r' before the '\n' ends the line too, as mosquitto_pub reads standard
   * input there (text mode: CRLF read as LF); elsewhere it stays part of the message.
   */
  private lineEnd(line: Buffer): Buffer {
    return this.crlf && line[line.length - 1] === 13 ? line.subarray(0, -1) : line;
  }

  /** At the end of the input: its last line, if it did not end with '\n'. */
  rest(): Buffer | undefined {
    return this.partsLength === 0 ? undefined : this.take();
  }

  /** Adds a piece to the line being gathered. */
  private keep(piece: Buffer): void {
    const length = this.partsLength + piece.length;
    if (this.tooLong || length > MAX_MESSAGE_BYTES) {
      this.tooLong = true;
      this.parts = [];
      this.long = undefined;
    } else if (this.long !== undefined) {
      this.long.resize(length);
      new Uint8Array(this.long).set(piece, this.partsLength);
    } else if (length > LONG_LINE) {
      const long = new (ArrayBuffer as unknown as GrowableConstructor)(length, { maxByteLength: MAX_MESSAGE_BYTES });
      const view = new Uint8Array(long);
      let at = 0;
      for (const p of this.parts) {
        view.set(p, at);
        at += p.length;
      }
      view.set(piece, at);
      this.long = long;
      this.parts = [];
    } else {
      this.parts.push(piece);
    }
    this.partsLength = length;
  }

  /** The line gathered, joined. */
  private take(): Buffer {
    const line = this.tooLong
      ? LineSplitter.TOO_LONG
      : this.long !== undefined
        ? Buffer.from(this.long, 0, this.partsLength)
        : this.parts.length === 1
          ? this.parts[0]!
          : Buffer.concat(this.parts, this.partsLength);
    this.parts = [];
    this.partsLength = 0;
    this.long = undefined;
    this.tooLong = false;
    return line;
  }
}

const EMPTY = Buffer.alloc(0);
/** Growable ArrayBuffers are ES2024 (Node 20 has them); the TypeScript lib here does not. */
type Growable = ArrayBuffer & { resize(n: number): void };
type GrowableConstructor = new (n: number, o: { maxByteLength: number }) => Growable;
/** Lines longer than this are gathered in a growing buffer (see LineSplitter). */
const LONG_LINE = 1 << 20;

/** The message for -m, -n, -f and -s, read before connecting as mosquitto_pub does. */
export async function loadPayload(cfg: ClientConfig): Promise<Buffer | undefined> {
  switch (cfg.mode) {
    case 'message':
      return cfg.message!;
    case 'null':
      return Buffer.alloc(0);
    case 'file': {
      const path = bytesOf(cfg.file!);
      const tooLarge = `Error: File must be less than ${MAX_MESSAGE_BYTES} bytes.\n\n`;
      try {
        // The size first, so that a file too large is never read.
        const size = await new Promise<number>((resolve, reject) =>
          stat(path, (e, st) => (e ? reject(e) : resolve(st.size))),
        );
        if (size > MAX_MESSAGE_BYTES) throw new ToolError(`${tooLarge}Error loading input file "${cfg.file}".\n`);
        return await new Promise<Buffer>((resolve, reject) =>
          readFile(path, (e, data) => (e ? reject(e) : resolve(data))),
        );
      } catch (e) {
        if (e instanceof ToolError) throw e;
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === 'EISDIR' ? tooLarge : `Error: Unable to open file "${cfg.file}".\n`;
        throw new ToolError(`${why}Error loading input file "${cfg.file}".\n`);
      }
    }
    case 'stdin-file': {
      const all = await readAll(process.stdin, MAX_MESSAGE_BYTES);
      // mosquitto_pub 2.0.11 prints this and then crashes (SIGSEGV, status 139): status 1 here.
      if (all === undefined)
        throw new ToolError(
          `Error: Message length must be less than ${MAX_MESSAGE_BYTES} bytes.\n\nError loading input from stdin.\n`,
        );
      if (all.length === 0) throw new ToolError('Error: Zero length input.\nError loading input from stdin.\n');
      return all;
    }
    default:
      return undefined;
  }
}
