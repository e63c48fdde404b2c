// tspub against mosquitto_pub, side by side in one run:
//  1. one-shot QoS 1 publish start-to-exit time with the floors it is made of, plain and with
//     NODE_EXTRA_CA_CERTS when set (bench/startup.mjs's rounds, 2 x --runs of them);
//  2. a 200k-line `-l` stream at QoS 0 and 1, timed until `mosquitto_sub -C` has received
//     every line (messages a tool loses count against it: the run is marked incomplete).
// --before DIR: the one-shot section also runs DIR/bin/tspub (a built checkout of an earlier
// version) in the same rounds, and prints the ratio of this one to it.
// Usage: node bench/pub.mjs [--runs N] [--lines N] [--qos 0|1] [--no-one-shot] [--no-stream] [--before DIR]
import { spawn } from 'node:child_process';
import { openSync, writeFileSync, rmSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, need, startBroker, timed, median, fmt } from './lib.mjs';
import { oneShot } from './startup.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('--runs', 5);
const LINES = arg('--lines', 200000);
const QOS = process.argv.includes('--qos') ? [arg('--qos', 0)] : [0, 1];
const ONE_SHOT = !process.argv.includes('--no-one-shot');
const STREAM = !process.argv.includes('--no-stream');
need(['mosquitto', 'mosquitto_pub', 'mosquitto_sub']);

const TOOLS = { tspub: bin('tspub'), mosquitto_pub: 'mosquitto_pub' };
const BEFORE = process.argv.includes('--before') ? process.argv[process.argv.indexOf('--before') + 1] : undefined;
const broker = await startBroker();

if (ONE_SHOT) await oneShot(broker.port, { runs: RUNS * 2, before: BEFORE });
await broker.stop();

const dir = mkdtempSync(join(tmpdir(), 'tsmqtt-bench-'));
const input = join(dir, 'lines');
writeFileSync(input, Array.from({ length: LINES }, (_, i) => `${i + 1} 0123456789abcdef`).join('\n') + '\n');

/** One stream run on a fresh broker: returns ms until the subscriber has them all, and how many arrived. */
async function stream(cmd, qos) {
  const b = await startBroker();
  const c = ['-h', '127.0.0.1', '-p', String(b.port)];
  // A persistent session subscribed beforehand, so no message can be missed at start.
  await timed('mosquitto_sub', [...c, '-c', '-i', 'bench-collector', '-q', String(qos), '-t', 'bench/stream', '-E']);
  const outFile = join(dir, 'got');
  const sub = spawn(
    'mosquitto_sub',
    [...c, '-c', '-i', 'bench-collector', '-q', String(qos), '-t', 'bench/stream', '-C', String(LINES)],
    { stdio: ['ignore', openSync(outFile, 'w'), 'ignore'] },
  );
  let subExited = false;
  const subDone = new Promise((r) =>
    sub.once('close', () => {
      subExited = true;
      r();
    }),
  );
  const t0 = process.hrtime.bigint();
  const pub = await timed(cmd, [...c, '-t', 'bench/stream', '-l', '-q', String(qos)], { stdin: openSync(input, 'r') });
  // The broker may pause delivery for seconds under load: after the publisher has gone, give
  // up on the subscriber only when nothing more has arrived for 5 s.
  const count = () => readFileSync(outFile, 'utf8').split('\n').filter(Boolean).length;
  let last = -1;
  let quietSince = Date.now();
  while (!subExited && Date.now() - quietSince < 5000) {
    await new Promise((r) => setTimeout(r, 250));
    const n = count();
    if (n !== last) {
      last = n;
      quietSince = Date.now();
    }
  }
  const complete = subExited;
  if (!subExited) sub.kill();
  await subDone;
  const ms = complete ? Number(process.hrtime.bigint() - t0) / 1e6 : pub.ms;
  const got = count();
  await b.stop();
  // A run that lost messages never completes: it is counted by what it delivered over the
  // publisher's own run time.
  return { ms, got, code: pub.code };
}

for (const qos of STREAM ? QOS : []) {
  console.log(`\n${LINES}-line -l stream, QoS ${qos}, received by mosquitto_sub -C (median of ${RUNS})`);
  const rate = {};
  for (const [name, cmd] of Object.entries(TOOLS)) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await stream(cmd, qos));
    const ms = median(runs.map((r) => r.ms));
    const delivered = Math.min(...runs.map((r) => r.got));
    rate[name] = median(runs.map((r) => (r.got / r.ms) * 1000));
    console.log(
      `  ${name.padEnd(14)} ${fmt(ms, 0)} ms  ${fmt(rate[name], 0)} delivered msg/s  delivered (worst run) ${delivered}/${LINES}${delivered < LINES ? '  LOST MESSAGES' : ''}`,
    );
  }
  console.log(
    `  delivered-throughput ratio tspub / mosquitto_pub: ${fmt(rate.tspub / rate.mosquitto_pub, 2)}x  (target >= 1.0)`,
  );
}
rmSync(dir, { recursive: true, force: true });
