// The message a tool sends (-m, -n, -f, -s), and standard input read as bytes: whole (-s) or
// line by line as it arrives (-l).
import { readFile, stat } from 'node:fs';
import { ToolError } from './errors.ts';
import type { ClientConfig } from './options.ts';
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

/** The largest message mosquitto_pub reads from a file or standard input (MQTT's largest packet). */
export const MAX_MESSAGE_BYTES = 268435455;

/**
 * Standard input cut into lines as it arrives, split at '\n' only: a '\r' before it stays
 * part of the line, an empty line is an empty message, and a last line without '\n' still
 * counts (all as mosquitto_pub -l does). A line is a view into the chunk read, never a copy,
 * unless it spans reads: then its pieces are joined once, when its end comes (a 100 MB line
 * read 64 KiB at a time is copied once, not once per read). Lines are cut one at a time as
 * they are taken, so none waits, made, while the ones before it go out: a view that lives
 * long would be moved out of V8's young generation for nothing.
 */
export class LineSplitter {
  private chunk: Buffer = EMPTY;
  private pos = 0;
  /** The start of a line that spans reads. */
  private parts: Buffer[] = [];
  private partsLength = 0;

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
      if (pos < chunk.length) {
        this.parts.push(chunk.subarray(pos));
        this.partsLength += chunk.length - pos;
      }
      this.chunk = EMPTY;
      this.pos = 0;
      return undefined;
    }
    this.pos = nl + 1;
    if (this.partsLength === 0) return chunk.subarray(pos, nl);
    this.parts.push(chunk.subarray(pos, nl));
    const line = Buffer.concat(this.parts, this.partsLength + nl - pos);
    this.parts = [];
    this.partsLength = 0;
    return line;
  }

  /** At the end of the input: its last line, if it did not end with '\n'. */
  rest(): Buffer | undefined {
    if (this.partsLength === 0) return undefined;
    const line = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsLength);
    this.parts = [];
    this.partsLength = 0;
    return line;
  }
}

const EMPTY = Buffer.alloc(0);

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
        const size = await new Promise<number>((resolve, reject) => stat(path, (e, st) => (e ? reject(e) : resolve(st.size))));
        if (size > MAX_MESSAGE_BYTES) throw new ToolError(`${tooLarge}Error loading input file "${cfg.file}".\n`);
        return await new Promise<Buffer>((resolve, reject) => readFile(path, (e, data) => (e ? reject(e) : resolve(data))));
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
      if (all === undefined) throw new ToolError(`Error: Message length must be less than ${MAX_MESSAGE_BYTES} bytes.\n\nError loading input from stdin.\n`);
      if (all.length === 0) throw new ToolError('Error: Zero length input.\nError loading input from stdin.\n');
      return all;
    }
    default:
      return undefined;
  }
}
