// tspub {[-h host] [-p port] [-u user] [-P pw] -t topic | -L URL} {-f file | -l | -n | -m message | -s} [...]
import { runTool, stderr, stdout, traceColours } from './cli.ts';
import { clientCommandLine } from './client-main.ts';
import { clientHelp } from './help.ts';
import { loadPayload } from './input.ts';
import { checkTopicAndMessage } from './options/checks.ts';
import type { Publisher } from './publish.ts';

let quiet = false;

async function main(): Promise<number> {
  const cfg = clientCommandLine('pub');
  if (!cfg) return 1;
  quiet = cfg.quiet;
  const payload = await loadPayload(cfg);
  checkTopicAndMessage(cfg);
  // The session and the network modules load only now: --help, --version and usage errors
  // never pay for them.
  const { connectSession, Publisher, publishLines, publishRepeated } = await import('./publish.ts');
  const lines = cfg.mode === 'stdin-line';
  // A stream of messages gets a heap sized for it (heap.ts); one message does not load v8.
  const heap = lines || cfg.repeat > 1 ? await import('./heap.ts') : undefined;
  heap?.sizeHeapForStreaming();
  let lost: Publisher | undefined;
  const trace = cfg.debug ? stdout() : undefined;
  const session = await connectSession(cfg, { trace, tracePaint: trace && traceColours(), onLost: (code) => lost?.lost(code) });
  // A stream of lines outlives a lost connection (publish.ts); one message does not, as
  // with mosquitto_pub: status 7 and a count, at once, for a script to try again.
  const publisher = lost = new Publisher(session, cfg, (text) => stderr().write(text), lines
    ? { limitMs: cfg.reconnectFor === undefined ? Infinity : cfg.reconnectFor * 1000, trace }
    : undefined);
  // Lines wait for their acknowledgement in the buffers they were read into (heap.ts).
  if (lines) await publishLines(publisher, cfg.qos > 0 ? heap!.reclaimInput() : undefined);
  else await publishRepeated(publisher, cfg, payload!);
  await publisher.finish();
  return 0;
}

runTool({ name: 'tspub', help: () => clientHelp('pub'), quiet: () => quiet }, main);
