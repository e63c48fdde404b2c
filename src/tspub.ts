// tspub {[-h host] [-p port] [-u user] [-P pw] -t topic | -L URL} {-f file | -l | -n | -m message | -s} [...]
import { runTool, stderr, stdout, traceColours } from './cli.ts';
import type { Session } from './session/session.ts';
import type { Publisher } from './publish.ts';
import { MOSQ_ERR, mosquittoError, ToolError } from './errors.ts';
import { ConnectError } from './transport/errors.ts';
import { clientHelp, versionLine } from './help.ts';
import type { ClientConfig } from './config.ts';
import { checkTopicAndMessage } from './options/checks.ts';
import { parseClientArgs } from './options/parse.ts';
import { CLIENT_OPTIONS } from './options/table.ts';
import { LineSplitter, loadPayload } from './input.ts';
import { hideSecrets } from './secrets.ts';
import { commandLine } from './words.ts';

let quiet = false;

async function main(): Promise<number> {
  const words = commandLine();
  // -P, --psk and URL passwords leave the process list at once (ps shows them starred).
  hideSecrets(CLIENT_OPTIONS, 'pub', words);
  const cfg = parseClientArgs('pub', words);
  if (cfg.help || cfg.version) {
    stdout().write(cfg.help ? clientHelp('pub') : versionLine('pub'));
    return 1;
  }
  quiet = cfg.quiet;
  const payload = await loadPayload(cfg);
  checkTopicAndMessage(cfg);
  // The session and the network modules load only now: --help, --version and usage errors
  // never pay for them.
  const { Publisher } = await import('./publish.ts');
  // A stream of messages gets a heap sized for it (heap.ts); one message does not load v8.
  const heap = cfg.mode === 'stdin-line' || cfg.repeat > 1 ? await import('./heap.ts') : undefined;
  heap?.sizeHeapForStreaming();
  let lost: Publisher | undefined;
  const session = await connectOrExplain(cfg, (code) => lost?.lost(code));
  // A stream of lines outlives a lost connection (publish.ts); one message does not, as
  // with mosquitto_pub: status 7 and a count, at once, for a script to try again.
  const publisher = lost = new Publisher(session, cfg, (text) => stderr().write(text), cfg.mode === 'stdin-line'
    ? { limitMs: cfg.reconnectFor === undefined ? Infinity : cfg.reconnectFor * 1000, trace: cfg.debug ? stdout() : undefined, explain }
    : undefined);
  if (cfg.mode === 'stdin-line') {
    // Waiting for a line does not hide a failed connection (a silent broker, a lost one).
    const chunks = process.stdin[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const lines = new LineSplitter();
    // Lines wait for their acknowledgement in the buffers they were read into (heap.ts).
    const reclaim = cfg.qos > 0 ? heap!.reclaimInput() : undefined;
    const sendLine = (line: Buffer) => (line === LineSplitter.TOO_LONG ? publisher.refuseTooLarge() : publisher.send(line));
    for (;;) {
      const next = await publisher.waitFor(chunks.next());
      if (next.done) break;
      reclaim?.(next.value.length);
      lines.feed(next.value);
      for (let line = lines.next(); line !== undefined; line = lines.next()) {
        const wait = sendLine(line);
        if (wait) await wait;
      }
    }
    const last = lines.rest();
    if (last !== undefined) await sendLine(last);
  } else {
    for (let i = 0; i < cfg.repeat; i++) {
      if (i > 0 && cfg.repeatDelay > 0) await publisher.waitFor(sleep(cfg.repeatDelay * 1000));
      // mosquitto_pub sends the next once the last is written (QoS 0) or acknowledged.
      const sent = publisher.send(payload!);
      if (sent) await sent;
      const acknowledged = publisher.drain();
      if (acknowledged) await acknowledged;
    }
  }
  await publisher.finish();
  return 0;
}

async function connectOrExplain(cfg: ClientConfig, onLost: (code: number) => void): Promise<Session> {
  const { Session } = await import('./session/session.ts');
  const session = new Session(cfg, { trace: cfg.debug ? stdout() : undefined, tracePaint: cfg.debug ? traceColours() : undefined, onLost });
  try {
    await session.connect();
  } catch (e) {
    throw explain(e);
  }
  return session;
}

/** mosquitto_pub adds the library's view of a refusal on a second line. */
function explain<E>(e: E): E | ToolError {
  if (!(e instanceof ConnectError) || !e.refused) return e;
  // libmosquitto takes codes 1 to 5 as a refusal, and any other as a protocol error.
  const why = mosquittoError(e.status >= 1 && e.status <= 5 ? MOSQ_ERR.CONN_REFUSED : MOSQ_ERR.PROTOCOL);
  return new ToolError(e.text + why, e.status);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

runTool({ name: 'tspub', help: () => clientHelp('pub'), quiet: () => quiet }, main);
