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
 * The lines of a stream as they arrive, split at '\n' only: a '\r' before it stays part of
 * the line, an empty line is an empty message, and a last line without '\n' still counts
 * (all as mosquitto_pub -l does). Each read gives one batch: every line it completes, in
 * order (a line is a view into the chunk read, never a copy, unless it spans reads). Chunks
 * are read only as fast as the consumer takes batches, so memory stays flat whatever the
 * input size.
 */
export async function* readLineBatches(stream: NodeJS.ReadableStream): AsyncGenerator<Buffer[]> {
  // The start of a line that spans reads: its pieces, joined once when its end comes (a
  // 100 MB line read 64 KiB at a time is copied once, not once per read).
  let parts: Buffer[] = [];
  let partsLength = 0;
  for await (const data of stream) {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data as Buffer;
    const batch: Buffer[] = [];
    let start = 0;
    let nl = chunk.indexOf(10);
    if (nl >= 0 && partsLength > 0) {
      parts.push(chunk.subarray(0, nl));
      batch.push(Buffer.concat(parts, partsLength + nl));
      parts = [];
      partsLength = 0;
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    while (nl >= 0) {
      batch.push(chunk.subarray(start, nl));
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) {
      parts.push(chunk.subarray(start));
      partsLength += chunk.length - start;
    }
    if (batch.length > 0) yield batch;
  }
  if (partsLength > 0) yield [parts.length === 1 ? parts[0]! : Buffer.concat(parts, partsLength)];
}

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
