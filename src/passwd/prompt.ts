// Password prompt: "Password: " and "Reenter password: " on stdout; the answer is read with
// echo off from a terminal, or as lines from whatever else stdin is.
import { ToolError } from '../errors.ts';
import { terminalLine } from '../terminal.ts';

/** Where the prompts go: the tool's stdout. */
export interface Prompting {
  write(text: string): unknown;
}

/** The password, asked for once or twice (the prompts and the newlines go to `stdout`). */
export async function promptPassword(twice: boolean, stdout: Prompting): Promise<Buffer> {
  const first = await ask('Password: ', stdout);
  if (!twice) return first;
  const second = await ask('Reenter password: ', stdout);
  if (!first.equals(second)) throw new ToolError('Error: Passwords do not match.\n', 2);
  return first;
}

async function ask(prompt: string, stdout: Prompting): Promise<Buffer> {
  stdout.write(prompt);
  const answer = await stdinLine(stdout);
  if (!answer || answer.length === 0) throw new ToolError('Error: Empty password.\n');
  stdout.write('\n');
  return answer;
}

let chunks: AsyncIterator<Buffer> | undefined;
let pending = Buffer.alloc(0);

async function nextChunk(): Promise<Buffer | null> {
  chunks ??= (process.stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const r = await chunks.next();
  return r.done ? null : Buffer.from(r.value);
}

/** One line from stdin without its line ending; null at end of input with nothing read. */
async function stdinLine(stdout: Prompting): Promise<Buffer | null> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    stdin.setRawMode(true);
    try {
      return await terminalLine(nextChunk, () => {
        process.stdin.setRawMode(false);
        stdout.write('\n');
      });
    } finally {
      stdin.setRawMode(false);
    }
  }
  for (;;) {
    const nl = pending.indexOf(0x0a);
    if (nl >= 0) {
      const line = pending.subarray(0, nl);
      pending = pending.subarray(nl + 1);
      return stripEol(line);
    }
    const chunk = await nextChunk();
    if (!chunk) {
      const rest = pending;
      pending = Buffer.alloc(0);
      return rest.length ? stripEol(rest) : null;
    }
    pending = Buffer.concat([pending, chunk]);
  }
}

function stripEol(line: Buffer): Buffer {
  let end = line.length;
  while (end > 0 && (line[end - 1] === 0x0a || line[end - 1] === 0x0d)) end--;
  return line.subarray(0, end);
}
