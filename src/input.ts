// Reading standard input as bytes: whole (-s) or line by line as it arrives (-l).

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
 * (all as mosquitto_pub -l does). Chunks are read only as fast as the consumer takes lines,
 * so memory stays flat whatever the input size.
 */
export async function* readLines(stream: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  let carry: Buffer | undefined;
  for await (const data of stream) {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    let start = 0;
    let nl = chunk.indexOf(10);
    if (nl >= 0 && carry) {
      yield Buffer.concat([carry, chunk.subarray(0, nl)]);
      carry = undefined;
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    while (nl >= 0) {
      yield chunk.subarray(start, nl);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) carry = carry ? Buffer.concat([carry, chunk.subarray(start)]) : chunk.subarray(start);
  }
  if (carry && carry.length > 0) yield carry;
}
