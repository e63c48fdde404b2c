// tspub {[-h host] [-p port] [-u user] [-P pw] -t topic | -L URL} {-f file | -l | -n | -m message | -s} [...]
import { runTool, stderr, stdout, traceColours } from './cli.ts';
import { clientCommandLine } from './client-main.ts';
import { clientHelp } from './help.ts';
import { resolvePassword } from './password.ts';
import { loadPayload } from './input.ts';
import { checkTopicAndMessage } from './options/checks.ts';
import { checkRecordAndPace } from './options/beyond.ts';
import type { Publisher } from './publish.ts';

let quiet = false;

async function main(): Promise<number> {
  const cfg = clientCommandLine('pub');
  if (!cfg) return 1;
  quiet = cfg.quiet;
  const payload = await loadPayload(cfg);
  // A replay takes its topics from the recording (-t, if given, overrides them).
  const replay = cfg.mode === 'replay';
  if (!replay) checkTopicAndMessage(cfg);
  checkRecordAndPace(cfg);
  const replayer = replay ? await import('./replay.ts') : undefined;
  const recording = replayer?.openReplay(cfg);
  // --pw-env, --pw-file, --pw-prompt: the password, before anything connects.
  await resolvePassword(cfg);
  // The session and the network modules load only now: --help, --version and usage errors
  // never pay for them.
  const { connectSession, Publisher, publishLines, publishRepeated } = await import('./publish.ts');
  const { Schedule } = await import('./pace.ts');
  // Streams of messages: lines, and a replay (which reconnects as -l does).
  const lines = cfg.mode === 'stdin-line' || replay;
  // A stream of messages gets a heap sized for it (heap.ts); one message does not load v8.
  const heap = lines || cfg.repeat > 1 ? await import('./heap.ts') : undefined;
  heap?.sizeHeapForStreaming();
  let lost: Publisher | undefined;
  const trace = cfg.debug ? stdout() : undefined;
  const session = await connectSession(cfg, {
    trace,
    tracePaint: trace && traceColours(),
    onLost: (code, final) => lost?.lost(code, final),
  });
  // A stream of lines outlives a lost connection (publish.ts); one message does not, as
  // with mosquitto_pub: status 7 and a count, at once, for a script to try again.
  const warn = (text: string) => stderr().write(text);
  const publisher = new Publisher(
    session,
    cfg,
    warn,
    lines ? { limitMs: cfg.reconnectFor === undefined ? Infinity : cfg.reconnectFor * 1000, trace } : undefined,
  );
  lost = publisher;
  const pace = cfg.paceMs !== undefined ? { schedule: new Schedule(), intervalMs: cfg.paceMs } : undefined;
  // A replay makes garbage with every line it reads (the JSON, the message) besides the
  // payloads awaiting acknowledgement: a full collection every 2 MiB of input keeps it flat
  // (peak RSS 60.6, 63.2, 64.5 MiB for 20k, 100k, 300k QoS 1 lines; 57.8, 70.7, 101.1 without).
  if (recording) await replayer!.publishReplay(publisher, cfg, recording, warn, pace, heap!.reclaimInput());
  // Lines wait for their acknowledgement in the buffers they were read into (heap.ts).
  else if (lines) await publishLines(publisher, cfg.qos > 0 ? heap!.reclaimInput() : undefined, pace);
  else await publishRepeated(publisher, cfg, payload!, pace);
  await publisher.finish();
  return 0;
}

runTool({ name: 'tspub', help: () => clientHelp('pub'), quiet: () => quiet }, main);
