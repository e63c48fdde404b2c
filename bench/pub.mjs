// tspub against mosquitto_pub, side by side in one run:
//  1. one-shot QoS 1 publish start-to-exit time, with the floors it is made of: `node -e 0`
//     (any Node CLI), a bare TCP connect to the broker (any Node network CLI) and a minimal
//     MQTT.js publish bundled and launched as tspub is (any MQTT.js CLI). The runs take turns,
//     so a machine that slows down part-way slows every command alike. When
//     NODE_EXTRA_CA_CERTS is set, Node loads those certificates at every start (about 40 ms
//     here), so the section runs both with it and without it;
//  2. a 200k-line `-l` stream at QoS 0 and 1, timed until `mosquitto_sub -C` has received
//     every line (messages a tool loses count against it: the run is marked incomplete).
// --before DIR: the one-shot section also runs DIR/bin/tspub (a built checkout of an earlier
// version) in the same rounds, and prints the ratio of this one to it.
// Usage: node bench/pub.mjs [--runs N] [--lines N] [--qos 0|1] [--no-one-shot] [--no-stream] [--before DIR]
import { spawn } from 'node:child_process';
import { openSync, writeFileSync, rmSync, mkdtempSync, readFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { build } from 'esbuild';
import { bundleOptions } from '../scripts/bundle-options.mjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, bin, need, startBroker, timed, median, fmt } from './lib.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const RUNS = arg('--runs', 5);
const LINES = arg('--lines', 200000);
const QOS = process.argv.includes('--qos') ? [arg('--qos', 0)] : [0, 1];
const ONE_SHOT = !process.argv.includes('--no-one-shot');
const STREAM = !process.argv.includes('--no-stream');
need(['mosquitto', 'mosquitto_pub', 'mosquitto_sub']);

const TOOLS = { tspub: bin('tspub'), mosquitto_pub: 'mosquitto_pub' };
const BEFORE = process.argv.includes('--before') ? process.argv[process.argv.indexOf('--before') + 1] : undefined;
const broker = await startBroker();
const common = ['-h', '127.0.0.1', '-p', String(broker.port)];

if (ONE_SHOT) await oneShot();
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
  const sub = spawn('mosquitto_sub', [...c, '-c', '-i', 'bench-collector', '-q', String(qos), '-t', 'bench/stream', '-C', String(LINES)], { stdio: ['ignore', openSync(outFile, 'w'), 'ignore'] });
  let subExited = false;
  const subDone = new Promise((r) => sub.once('close', () => { subExited = true; r(); }));
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
    if (n !== last) { last = n; quietSince = Date.now(); }
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
    console.log(`  ${name.padEnd(14)} ${fmt(ms, 0)} ms  ${fmt(rate[name], 0)} delivered msg/s  delivered (worst run) ${delivered}/${LINES}${delivered < LINES ? '  LOST MESSAGES' : ''}`);
  }
  console.log(`  delivered-throughput ratio tspub / mosquitto_pub: ${fmt(rate.tspub / rate.mosquitto_pub, 2)}x  (target >= 1.0)`);
}
rmSync(dir, { recursive: true, force: true });

/** The one-shot section: every command once per round, RUNS * 2 rounds after two to warm up. */
async function oneShot() {
  const floorDir = mkdtempSync(join(tmpdir(), 'tsmqtt-floor-'));
  mkdirSync(join(floorDir, 'bin'));
  copyFileSync(join(ROOT, 'bin', 'launch.cjs'), join(floorDir, 'bin', 'launch.cjs'));
  writeFileSync(join(floorDir, 'bin', 'package.json'), '{"type":"commonjs"}\n');
  writeFileSync(join(floorDir, 'bin', 'mqttjs-publish'), "require('./launch.cjs')('mqttjs-publish');\n");
  await build(bundleOptions({ entryPoints: { 'mqttjs-publish': join(ROOT, 'bench', 'mqttjs-publish.ts') }, outdir: join(floorDir, 'dist') }));
  const port = String(broker.port);
  const COMMANDS = [
    ['node -e 0', process.execPath, ['-e', '0']],
    ['node TCP connect', process.execPath, ['-e', `require('net').connect(${port},'127.0.0.1').on('connect',function(){this.end()})`]],
    ['MQTT.js publish', process.execPath, [join(floorDir, 'bin', 'mqttjs-publish'), port]],
    ['tspub', TOOLS.tspub, [...common, '-t', 'bench/one', '-m', 'hello', '-q', '1']],
    ...(BEFORE ? [['tspub(before)', join(BEFORE, 'bin', 'tspub'), [...common, '-t', 'bench/one', '-m', 'hello', '-q', '1']]] : []),
    ['mosquitto_pub', TOOLS.mosquitto_pub, [...common, '-t', 'bench/one', '-m', 'hello', '-q', '1']],
  ];
  const envs = [['as this shell has it', process.env]];
  if (process.env.NODE_EXTRA_CA_CERTS) {
    const { NODE_EXTRA_CA_CERTS, ...without } = process.env;
    envs[0][0] = `NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS}`;
    envs.push(['NODE_EXTRA_CA_CERTS unset', without]);
  }
  for (const [label, env] of envs) {
    console.log(`one-shot publish, QoS 1, median of ${RUNS * 2} runs (${label})`);
    const times = Object.fromEntries(COMMANDS.map(([name]) => [name, []]));
    for (let round = 0; round < RUNS * 2 + 2; round++) {
      for (const [name, cmd, args] of COMMANDS) {
        const r = await timed(cmd, args, { env });
        if (r.code !== 0) throw new Error(`${name} exited ${r.code}: ${r.err}`);
        if (round >= 2) times[name].push(r.ms);
      }
    }
    const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    for (const [name] of COMMANDS) console.log(`  ${name.padEnd(17)} ${fmt(m[name]).padStart(6)} ms  ${fmt(m[name] / m['node -e 0'], 2)}x node -e 0`);
    console.log(`  ratio tspub / node -e 0:          ${fmt(m.tspub / m['node -e 0'], 2)}x  (target <= 1.25)`);
    console.log(`  ratio tspub / MQTT.js publish:    ${fmt(m.tspub / m['MQTT.js publish'], 2)}x`);
    console.log(`  ratio tspub / mosquitto_pub:      ${fmt(m.tspub / m.mosquitto_pub, 2)}x`);
    if (BEFORE) console.log(`  ratio tspub / tspub(before):      ${fmt(m.tspub / m['tspub(before)'], 2)}x`);
  }
  rmSync(floorDir, { recursive: true, force: true });
}
