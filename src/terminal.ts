// Reading a secret typed at a terminal, with echo off: tspasswd's password prompt and the
// pass phrase of an encrypted --key (asked on the controlling terminal, as OpenSSL asks).
import { openSync, closeSync, writeSync } from 'node:fs';

/**
 * A line typed with echo off (the terminal already in raw mode): Enter ends it, Backspace and
 * Ctrl-U edit it, Ctrl-D on an empty line is the end of input (null), Ctrl-C calls
 * `interrupted` and then stops the process as SIGINT would.
 */
export async function terminalLine(
  next: () => Promise<Buffer | null>,
  interrupted: () => void,
): Promise<Buffer | null> {
  const typed: number[] = [];
  for (;;) {
    const chunk = await next();
    if (!chunk) return typed.length ? Buffer.from(typed) : null;
    for (const byte of chunk) {
      switch (byte) {
        case 0x0d:
        case 0x0a:
          return Buffer.from(typed);
        case 0x7f:
        case 0x08:
          // One character, however many UTF-8 bytes it took.
          while (typed.length && (typed.pop()! & 0xc0) === 0x80);
          break;
        case 0x15:
          typed.length = 0;
          break;
        case 0x04:
          if (typed.length === 0) return null;
          return Buffer.from(typed);
        case 0x03:
          interrupted();
          process.kill(process.pid, 'SIGINT');
          return new Promise<never>(() => {});
        default:
          typed.push(byte);
      }
    }
  }
}

/**
 * Asks on the controlling terminal (/dev/tty; on Windows the console, CONIN$ and CONOUT$),
 * whatever stdin and stdout are, with echo off. Resolves with null when there is no terminal
 * to ask on.
 */
export async function askTerminal(prompt: string): Promise<Buffer | null> {
  const windows = process.platform === 'win32';
  let fd: number;
  let out: number;
  try {
    // The console's device names: a bare CONIN$ is taken for a file in the current folder.
    fd = openSync(windows ? '\\\\.\\CONIN$' : '/dev/tty', 'r+');
    out = windows ? openSync('\\\\.\\CONOUT$', 'r+') : fd;
  } catch {
    return null;
  }
  const { ReadStream } = await import('node:tty');
  const input = new ReadStream(fd);
  input.setRawMode(true);
  writeSync(out, prompt);
  const chunks = (input as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const next = async () => {
    const r = await chunks.next();
    return r.done ? null : Buffer.from(r.value);
  };
  const restore = () => {
    input.setRawMode(false);
    writeSync(out, '\n');
  };
  try {
    const line = await terminalLine(next, restore);
    restore();
    return line;
  } finally {
    input.destroy();
    try {
      closeSync(fd);
    } catch {
      /* closed with the stream */
    }
    if (out !== fd) closeSync(out);
  }
}
