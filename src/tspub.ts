// tspub {[-h host] [-p port] [-u user] [-P pw] -t topic | -L URL} {-f file | -l | -n | -m message | -s} [...]
import { readFile, stat } from 'node:fs';
import { runTool, stdout } from './cli.ts';
import { connect, ConnectError, type Session } from './connection.ts';
import { ToolError } from './errors.ts';
import { clientHelp, versionLine } from './help.ts';
import { checkTopicAndMessage, parseClientArgs, type ClientConfig } from './options.ts';
import { Publisher } from './publish.ts';
import { MAX_MESSAGE_BYTES, readAll, readLines } from './input.ts';
import { bytesOf, commandLine } from './words.ts';

let quiet = false;

async function main(): Promise<number> {
  const cfg = parseClientArgs('pub', commandLine());
  if (cfg.help || cfg.version) {
    stdout().write(cfg.help ? clientHelp('pub') : versionLine('pub'));
    return 1;
  }
  quiet = cfg.quiet;
  const payload = await loadPayload(cfg);
  checkTopicAndMessage(cfg);
  const session = await connectOrExplain(cfg);
  const publisher = new Publisher(session, cfg);
  if (cfg.mode === 'stdin-line') {
    // Waiting for a line does not hide a failed connection (a silent broker, a lost one).
    const lines = readLines(process.stdin);
    for (;;) {
      const next = await publisher.waitFor(lines.next());
      if (next.done) break;
      await publisher.send(next.value);
    }
  } else {
    for (let i = 0; i < cfg.repeat; i++) {
      if (i > 0 && cfg.repeatDelay > 0) await publisher.waitFor(sleep(cfg.repeatDelay * 1000));
      await publisher.send(payload!);
      await publisher.drain();
    }
  }
  await publisher.finish();
  return 0;
}

/** The message for -m, -n, -f and -s, read before connecting as mosquitto_pub does. */
async function loadPayload(cfg: ClientConfig): Promise<Buffer | undefined> {
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

async function connectOrExplain(cfg: ClientConfig): Promise<Session> {
  try {
    return await connect(cfg, cfg.debug ? { trace: stdout() } : {});
  } catch (e) {
    if (e instanceof ConnectError && e.refused) {
      // mosquitto_pub adds the library's view of the failure on a second line.
      // libmosquitto takes codes 1 to 5 as a refusal, and any other as a protocol error.
      const why = e.status >= 1 && e.status <= 5
        ? 'Error: The connection was refused.\n'
        : 'Error: A network protocol error occurred when communicating with the broker.\n';
      throw new ToolError(e.text + why, e.status);
    }
    throw e;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

runTool({ name: 'tspub', help: () => clientHelp('pub'), quiet: () => quiet }, main);
