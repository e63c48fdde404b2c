// tspub against mosquitto_pub over TLS, side by side in one run (a private mosquitto with a
// TLS listener, certificates made by openssl for the run):
//  1. one-shot QoS 1 publish, start to exit, runs taking turns; over plain TCP too, for the
//     cost of TLS itself; with and without NODE_EXTRA_CA_CERTS when it is set;
//  2. a 100k-line `-l` stream at QoS 0 over TLS, timed until `mosquitto_sub -C` (on the
//     broker's plain listener) has received every line.
// Usage: node bench/tls.mjs [--runs N] [--lines N] [--no-one-shot] [--no-stream]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, need, startBroker, freePort, timed, median, fmt } from './lib.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('--runs', 10);
const LINES = arg('--lines', 100000);
need(['mosquitto', 'mosquitto_pub', 'mosquitto_sub', 'openssl']);

const dir = mkdtempSync(join(tmpdir(), 'tsmqtt-bench-tls-'));
const ossl = (...args) => {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
};
ossl(
  'req',
  '-x509',
  '-newkey',
  'ec',
  '-pkeyopt',
  'ec_paramgen_curve:prime256v1',
  '-nodes',
  '-keyout',
  'ca.key',
  '-out',
  'ca.crt',
  '-days',
  '2',
  '-subj',
  '/CN=bench-ca',
);
ossl(
  'req',
  '-newkey',
  'ec',
  '-pkeyopt',
  'ec_paramgen_curve:prime256v1',
  '-nodes',
  '-keyout',
  'srv.key',
  '-out',
  'srv.csr',
  '-subj',
  '/CN=127.0.0.1',
);
writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\n');
ossl(
  'x509',
  '-req',
  '-in',
  'srv.csr',
  '-CA',
  'ca.crt',
  '-CAkey',
  'ca.key',
  '-CAcreateserial',
  '-out',
  'srv.crt',
  '-days',
  '2',
  '-extfile',
  'ext',
);

const plainPort = await freePort();
const broker = await startBroker([
  `cafile ${join(dir, 'ca.crt')}`,
  `certfile ${join(dir, 'srv.crt')}`,
  `keyfile ${join(dir, 'srv.key')}`,
  `listener ${plainPort} 127.0.0.1`,
]);
const tls = ['-h', '127.0.0.1', '-p', String(broker.port), '--cafile', join(dir, 'ca.crt')];
const plain = ['-h', '127.0.0.1', '-p', String(plainPort)];
const TOOLS = { tspub: bin('tspub'), mosquitto_pub: 'mosquitto_pub' };

if (!process.argv.includes('--no-one-shot')) {
  const envs = process.env.NODE_EXTRA_CA_CERTS
    ? [
        ['with NODE_EXTRA_CA_CERTS', process.env],
        ['without NODE_EXTRA_CA_CERTS', { ...process.env, NODE_EXTRA_CA_CERTS: '' }],
      ]
    : [['plain environment', process.env]];
  for (const [label, env] of envs) {
    console.log(`\none-shot QoS 1 publish, ${label} (median of ${RUNS}, runs taking turns)`);
    const cases = {
      'tspub TLS': [TOOLS.tspub, tls],
      'mosquitto_pub TLS': [TOOLS.mosquitto_pub, tls],
      'tspub TCP': [TOOLS.tspub, plain],
      'mosquitto_pub TCP': [TOOLS.mosquitto_pub, plain],
    };
    const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
    for (let i = 0; i < RUNS + 1; i++) {
      for (const [name, [cmd, conn]] of Object.entries(cases)) {
        const r = await timed(cmd, [...conn, '-t', 'bench/one', '-m', 'x', '-q', '1'], { env });
        if (r.code !== 0) throw new Error(`${name} failed: ${r.err}`);
        if (i > 0) times[name].push(r.ms); // the first round warms caches
      }
    }
    const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    for (const k of Object.keys(cases)) console.log(`  ${k.padEnd(18)} ${fmt(m[k])} ms`);
    console.log(
      `  tspub / mosquitto_pub over TLS: ${fmt(m['tspub TLS'] / m['mosquitto_pub TLS'], 2)}x; TLS adds ${fmt(m['tspub TLS'] - m['tspub TCP'])} ms to tspub, ${fmt(m['mosquitto_pub TLS'] - m['mosquitto_pub TCP'])} ms to mosquitto_pub`,
    );
  }
}

if (!process.argv.includes('--no-stream')) {
  const input = join(dir, 'lines');
  writeFileSync(input, Array.from({ length: LINES }, (_, i) => `${i + 1} 0123456789abcdef`).join('\n') + '\n');
  console.log(
    `\n${LINES}-line -l stream over TLS, QoS 0, received by mosquitto_sub -C (median of ${Math.min(RUNS, 5)})`,
  );
  const rate = {};
  for (const [name, cmd] of Object.entries(TOOLS)) {
    const runs = [];
    for (let i = 0; i < Math.min(RUNS, 5); i++) {
      const out = join(dir, 'got');
      const sub = spawn('mosquitto_sub', [...plain, '-t', 'bench/stream', '-C', String(LINES), '-W', '120'], {
        stdio: ['ignore', openSync(out, 'w'), 'ignore'],
      });
      const subDone = new Promise((r) => sub.once('close', r));
      await new Promise((r) => setTimeout(r, 300)); // subscribed
      const t0 = process.hrtime.bigint();
      const pub = await timed(cmd, [...tls, '-t', 'bench/stream', '-l'], { stdin: openSync(input, 'r') });
      await subDone;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const got = readFileSync(out, 'utf8').split('\n').filter(Boolean).length;
      runs.push({ ms, got, code: pub.code });
    }
    rate[name] = median(runs.map((r) => (r.got / r.ms) * 1000));
    const worst = Math.min(...runs.map((r) => r.got));
    console.log(
      `  ${name.padEnd(14)} ${fmt(median(runs.map((r) => r.ms)), 0)} ms  ${fmt(rate[name], 0)} delivered msg/s  delivered (worst run) ${worst}/${LINES}`,
    );
  }
  console.log(`  tspub / mosquitto_pub: ${fmt(rate.tspub / rate.mosquitto_pub, 2)}x delivered msg/s`);
}

await broker.stop();
rmSync(dir, { recursive: true, force: true });
