// tssub {[-h host] [-p port] [-u user] [-P pw] -t topic ... | -L URL [-t topic ...]} [-C count] [-W secs] [-F format] [...]
import { runTool, stderr } from './cli.ts';
import { clientCommandLine } from './client-main.ts';
import { watchFormatter, watchHeader } from './format/index.ts';
import { clientHelp } from './help.ts';
import { resolvePassword } from './password.ts';
import { checkRecordAndPace } from './options/beyond.ts';
import { FORMAT_CHECK, messageFormatter, TIMED_OUT_STATUS } from './receiving.ts';
import type { Subscriber } from './subscribe.ts';

let quiet = false;
let subscriber: Subscriber | undefined;

async function main(): Promise<number> {
  const cfg = clientCommandLine('sub', FORMAT_CHECK);
  if (!cfg) return 1;
  checkRecordAndPace(cfg);
  quiet = cfg.quiet;
  // --pw-env, --pw-file, --pw-prompt: the password, before anything connects.
  await resolvePassword(cfg);
  // MQTT.js and the network modules load only now: --help, --version and usage errors never
  // pay for them.
  const { Output, Subscriber } = await import('./subscribe.ts');
  // A subscriber is a stream, and gets a heap sized for it (heap.ts); one waiting for a
  // handful of messages (-C 1 in a script) does not load v8 for that.
  if (cfg.count === undefined || cfg.count > 100) (await import('./heap.ts')).sizeHeapForStreaming();
  // --record: each message as a line tspub --replay reads back (format/record.ts).
  const plain = cfg.record ? (await import('./format/record.ts')).recordFormatter() : messageFormatter(cfg);
  const out = new Output();
  // --watch (mosquitto 2.1): a line of the terminal for each topic.
  const watch = cfg.watch && !cfg.messageRate;
  if (watch) out.write(watchHeader(cfg.host));
  const format = watch ? watchFormatter(plain) : plain;
  subscriber = new Subscriber(cfg, format, out);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => subscriber!.interrupt());
  let status: number;
  try {
    status = await subscriber.run();
  } finally {
    out.flush();
  }
  if (status === TIMED_OUT_STATUS && !quiet) stderr().write('Timed out\n');
  return status;
}

runTool(
  {
    name: 'tssub',
    help: () => clientHelp('sub'),
    quiet: () => quiet,
    // Like mosquitto_sub: when stdout fails (`tssub | head -1`), disconnect and exit 0.
    stdoutError: () => {
      if (subscriber) subscriber.outputFailed();
      else process.exit(0);
    },
  },
  main,
);
