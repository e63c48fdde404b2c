// tssub against mosquitto_sub, in the same run, on a private mosquitto broker: per output
// case (payload only, -v, -F %j) and QoS, the messages per second, the CPU time per message
// (user + system, from /usr/bin/time, start-up included) and the peak RSS of each tool, and
// the ratios tssub/mosquitto_sub.
//   queued  N messages wait in a persistent session for each subscriber (filled by one
//           `mosquitto_pub -l` while both are away), which is then run alone with -C N:
//           its receiving speed and cost, nothing else;
//   e2e     the subscriber alone is subscribed while `mosquitto_pub -l` sends N messages;
//           timed from the first line sent until the subscriber exits with -C N.
// Runs alternate which tool goes first; medians of --runs runs. stdout goes to /dev/null
// (--out pipe: a pipe this script drains).
// Usage: node bench/sub-efficiency.mjs [--runs N] [--lines N] [--qos 0,1,2] [--case default,-v,%j]
//          [--mode queued,e2e] [--out null|pipe] [--tssub PATH]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, need, freePort, median } from './lib.mjs';

const opt = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const RUNS = Number(opt('--runs', 3));
const LINES = Number(opt('--lines', 200000));
const QOS = opt('--qos', '0,1,2').split(',').map(Number);
const MODES = opt('--mode', 'queued,e2e').split(',');
const OUT = opt('--out', 'null');
const TSSUB = opt('--tssub', bin('tssub'));
const CASES = { default: [], '-v': ['-v'], '%j': ['-F', '%j'] };
const cases = opt('--case', Object.keys(CASES).join(',')).split(',');
need(['mosquitto', 'mosquitto_pub', 'mosquitto_sub', '/usr/bin/time']);

const dir = mkdtempSync(join(tmpdir(), 'tssub-eff-'));
const port = await freePort();
const log = join(dir, 'broker.log');
writeFileSync(
  join(dir, 'm.conf'),
  [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'max_queued_messages 0',
    'max_inflight_messages 20',
    'queue_qos0_messages true',
    'persistence false',
    `log_dest file ${log}`,
    'log_type subscribe',
    ...(process.getuid() === 0 ? ['user root'] : []),
  ].join('\n') + '\n',
);
const broker = spawn('mosquitto', ['-c', join(dir, 'm.conf')], { stdio: 'ignore' });
const C = ['-h', '127.0.0.1', '-p', String(port)];
const input = join(dir, 'lines');
writeFileSync(input, Array.from({ length: LINES }, (_, i) => `${i + 1} 0123456789abcdef0123456789abcdef\n`).join(''));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const logLines = () => {
  try {
    return readFileSync(log, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
};
for (let i = 0; i < 100 && logLines() === 0; i++) await sleep(50);

/** Runs a command under /usr/bin/time; resolves with wall ms, CPU ms (user + system), peak RSS MiB. */
function run(cmd, args, { stdin = 'ignore', started } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const out = OUT === 'pipe' ? 'pipe' : openSync('/dev/null', 'w');
    const p = spawn('/usr/bin/time', ['-f', '%U %S %M', cmd, ...args], { stdio: [stdin, out, 'pipe'] });
    p.stdout?.on('data', () => {});
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
    });
    started?.(p);
    p.once('error', reject);
    p.once('close', (code) => {
      const [u, s, kb] = err.trim().split('\n').pop().split(' ').map(Number);
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')}: status ${code}\n${err}`));
      else resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, cpu: (u + s) * 1000, rss: kb / 1024 });
    });
  });
}

async function waitSubscribed(before, n) {
  for (let i = 0; i < 800; i++) {
    if (logLines() - before >= n) return;
    await sleep(25);
  }
  throw new Error('bench: subscribers did not subscribe');
}

/** mosquitto_pub -l sends the lines, its input held open until `until` settles (mosquitto_pub
 * 2.0.11 drops QoS 1 and 2 messages still queued when its input ends). */
function send(qos, until) {
  const p = spawn('mosquitto_pub', [...C, '-t', 'bench/t', '-q', String(qos), '-l'], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  p.stdin.on('error', () => {});
  p.stdin.write(readFileSync(input));
  until.finally(() => p.stdin.end());
  return new Promise((r) => p.once('close', r));
}

const tools = { mq: 'mosquitto_sub', ts: TSSUB };

async function queued(q, args, r) {
  const id = (who) => [`-c`, '-i', `eff-${who}-${q}-${r}`];
  for (const who of ['mq', 'ts']) await run(tools[who], [...C, ...id(who), '-t', 'bench/t', '-q', String(q), '-E']);
  const before = logLines();
  const watcher = run('mosquitto_sub', [...C, '-t', 'bench/t', '-q', String(q), '-C', String(LINES)]);
  await waitSubscribed(before, 1);
  await send(q, watcher);
  await watcher;
  const res = {};
  for (const who of r % 2 ? ['ts', 'mq'] : ['mq', 'ts']) {
    res[who] = await run(tools[who], [
      ...C,
      ...id(who),
      '-t',
      'bench/t',
      '-q',
      String(q),
      '-C',
      String(LINES),
      ...args,
    ]);
  }
  for (const who of ['mq', 'ts'])
    await run('mosquitto_sub', [...C, '-i', `eff-${who}-${q}-${r}`, '-t', 'bench/none', '-E']);
  return res;
}

async function e2e(q, args, r) {
  const res = {};
  for (const who of r % 2 ? ['ts', 'mq'] : ['mq', 'ts']) {
    const before = logLines();
    const sub = run(tools[who], [...C, '-t', 'bench/t', '-q', String(q), '-C', String(LINES), ...args]);
    await waitSubscribed(before, 1);
    const t0 = process.hrtime.bigint();
    await send(q, sub);
    const m = await sub;
    res[who] = { ...m, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
  }
  return res;
}

const f = (n, d = 1) => n.toFixed(d);
console.log(
  `tssub vs mosquitto_sub: ${LINES} messages, median of ${RUNS} runs, stdout to ${OUT === 'pipe' ? 'a pipe' : '/dev/null'} (${(await import('node:os')).cpus().length} CPUs, node ${process.version})`,
);
console.log(
  'mode   case     QoS |  mosquitto_sub: msg/s  µs/msg  RSS MiB |          tssub: msg/s  µs/msg  RSS MiB | tssub/mosquitto_sub: msg/s  CPU   RSS',
);
try {
  for (const mode of MODES) {
    for (const name of cases) {
      for (const q of QOS) {
        const all = { mq: [], ts: [] };
        for (let r = 0; r < RUNS; r++) {
          const res = await (mode === 'queued' ? queued : e2e)(q, CASES[name], r);
          for (const who of ['mq', 'ts']) all[who].push(res[who]);
        }
        const m = {};
        for (const who of ['mq', 'ts']) {
          m[who] = {
            rate: (LINES / median(all[who].map((x) => x.ms))) * 1000,
            cpu: (median(all[who].map((x) => x.cpu)) * 1000) / LINES,
            rss: median(all[who].map((x) => x.rss)),
          };
        }
        const cell = (x) => `${f(x.rate / 1000).padStart(15)}k ${f(x.cpu, 2).padStart(7)} ${f(x.rss).padStart(8)}`;
        console.log(
          `${mode.padEnd(6)} ${name.padEnd(8)} ${String(q).padStart(3)} | ${cell(m.mq)} | ${cell(m.ts)} | ${f(m.ts.rate / m.mq.rate, 2).padStart(26)} ${f(m.ts.cpu / m.mq.cpu, 2).padStart(5)} ${f(m.ts.rss / m.mq.rss, 1).padStart(5)}`,
        );
      }
    }
  }
} finally {
  broker.kill('SIGTERM');
  await new Promise((r) => broker.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
