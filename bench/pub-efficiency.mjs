// CPU, memory and throughput per message of tspub against mosquitto_pub, side by side in one
// run, on a private mosquitto broker:
//   -l        N lines (about 60 bytes) on standard input, at each QoS asked for;
//   --repeat  one message sent N times (-m x --repeat N), at each QoS asked for.
// Every message is counted by a mosquitto_sub that subscribed at QoS 0 (a persistent
// session) before the publisher starts, and the publisher's input is held open until that subscriber has
// them all: mosquitto_pub 2.0.11 drops messages still unacknowledged when its input ends,
// so without this its figures would be for fewer messages. msg/s is N over the time from the
// publisher's start to the subscriber's last message; CPU (user + sys) and peak RSS are the
// publisher's, from /usr/bin/time. Runs take turns (tspub, mosquitto_pub, tspub, ...) so a
// machine that slows down part-way slows both alike; medians are printed, then the ratios
// tspub / mosquitto_pub (CPU and RSS: lower is better; msg/s: higher is better).
// NODE_EXTRA_CA_CERTS makes every Node start load those certificates (about 35 ms of CPU
// here): the tspub runs have it unset, and the start-up share is printed apart (node -e 0).
// --alone: no subscriber; msg/s is N over the publisher's own run (tspub exits 0 only once
// the broker has acknowledged every message; mosquitto_pub's input then ends with the file,
// so its unacknowledged last messages are dropped: marked "unverified").
// --before DIR: also run DIR/bin/tspub (a built checkout of an earlier version, e.g.
// `git worktree add /tmp/before <commit> && (cd /tmp/before && npm ci && npm run build)`) in the same turns,
// and print its ratios to this one.
// Usage: node bench/pub-efficiency.mjs [--lines N] [--qos 0|1|2]... [--runs N] [--case l|repeat]... [--alone] [--before DIR]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, need, startBroker, median, fmt } from './lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const many = (name) => args.flatMap((a, i) => (args[i - 1] === name ? [a] : []));
const LINES = opt('--lines', 200000);
const RUNS = opt('--runs', 3);
const QOS = many('--qos').length ? many('--qos').map(Number) : [0, 1, 2];
const CASES = many('--case').length ? many('--case') : ['l', 'repeat'];
const ALONE = args.includes('--alone');
need(['mosquitto', 'mosquitto_pub', 'mosquitto_sub', '/usr/bin/time']);

const { NODE_EXTRA_CA_CERTS: _extra, ...plainEnv } = process.env;
const dir = mkdtempSync(join(tmpdir(), 'tsmqtt-pubeff-'));
const input = join(dir, 'lines');
writeFileSync(
  input,
  Array.from({ length: LINES }, (_, i) => `${i + 1} 0123456789abcdef0123456789abcdef0123456789abcdef`).join('\n') +
    '\n',
);
const BEFORE = args.includes('--before') ? args[args.indexOf('--before') + 1] : undefined;
const TOOLS = {
  tspub: bin('tspub'),
  ...(BEFORE ? { 'tspub(before)': join(BEFORE, 'bin', 'tspub') } : {}),
  mosquitto_pub: 'mosquitto_pub',
};
const isTspub = (tool) => tool.startsWith('tspub');

/** Runs `cmd` under /usr/bin/time; `feed` writes its standard input. */
function timedRun(cmd, argv, feed) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const p = spawn('/usr/bin/time', ['-f', '%U %S %M', cmd, ...argv], {
      env: plainEnv,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.stdin.on('error', () => {});
    feed(p.stdin);
    p.once('close', (code) => {
      const last = err.trim().split('\n').pop().split(' ').map(Number);
      resolve({
        code,
        err,
        t0,
        wallMs: Number(process.hrtime.bigint() - t0) / 1e6,
        cpuMs: (last[0] + last[1]) * 1000,
        rssMiB: last[2] / 1024,
      });
    });
  });
}

function run(cmd, argv) {
  return new Promise((resolve) => spawn(cmd, argv, { stdio: 'ignore' }).once('close', resolve));
}

/** One publisher run, counted by a subscriber; resolves with its figures. */
async function once(tool, kase, qos) {
  const b = await startBroker();
  const c = ['-h', '127.0.0.1', '-p', String(b.port)];
  if (ALONE) {
    const argv = kase === 'l' ? ['-l'] : ['-m', 'x', '--repeat', String(LINES)];
    const r = await timedRun(TOOLS[tool], [...c, '-t', 'bench/eff', '-q', String(qos), ...argv], (stdin) => {
      if (kase === 'l') createReadStream(input).pipe(stdin);
      else stdin.end();
    });
    await b.stop();
    return {
      ...r,
      got: r.code === 0 ? LINES : 0,
      rate: (LINES / r.wallMs) * 1000,
      unverified: !isTspub(tool) && qos > 0,
    };
  }
  // The counter subscribes at QoS 0 (the broker delivers at most that): the publisher's QoS
  // and acknowledgements are measured, not the subscriber's.
  const id = ['-c', '-i', 'bench-counter', '-q', '0', '-t', 'bench/eff'];
  await run('mosquitto_sub', [...c, ...id, '-E']);
  let got = 0;
  let lastAt = 0n;
  const sub = spawn('mosquitto_sub', [...c, ...id, '-C', String(LINES)], { stdio: ['ignore', 'pipe', 'ignore'] });
  sub.stdout.on('data', (d) => {
    for (const byte of d) if (byte === 10) got++;
    lastAt = process.hrtime.bigint();
  });
  const subDone = new Promise((r) => sub.once('close', r));
  let quiet;
  const held = new Promise((r) => {
    quiet = r;
  });
  // The input stays open until the subscriber has every message, or nothing came for 5 s.
  const watch = setInterval(() => {
    if (sub.exitCode !== null || (lastAt > 0n && process.hrtime.bigint() - lastAt > 5_000_000_000n)) quiet();
  }, 50);
  const argv =
    kase === 'l'
      ? [...c, '-t', 'bench/eff', '-q', String(qos), '-l']
      : [...c, '-t', 'bench/eff', '-q', String(qos), '-m', 'x', '--repeat', String(LINES)];
  const r = await timedRun(TOOLS[tool], argv, (stdin) => {
    if (kase !== 'l') {
      stdin.end();
      return;
    }
    const s = createReadStream(input);
    s.pipe(stdin, { end: false });
    s.once('end', () => held.then(() => stdin.end()));
  });
  quiet();
  clearInterval(watch);
  if (sub.exitCode === null) sub.kill();
  await subDone;
  await b.stop();
  const ms = Number((lastAt || process.hrtime.bigint()) - r.t0) / 1e6;
  if (r.code !== 0) console.error(`  ${tool} exited ${r.code}: ${r.err.trim().split('\n')[0]}`);
  return { ...r, got, rate: (got / ms) * 1000 };
}

const startup = [];
for (let i = 0; i < 5; i++) startup.push((await timedRun(process.execPath, ['-e', '0'], (s) => s.end())).cpuMs);
const nodeStart = median(startup);
console.log(
  `${LINES} messages a run, median of ${RUNS} runs each; node -e 0 takes ${fmt(nodeStart, 0)} ms of CPU here (NODE_EXTRA_CA_CERTS unset)`,
);
console.log(
  `case                tool            msg/s   CPU µs/msg  (less start-up)  peak RSS MiB  ${ALONE ? 'acknowledged' : 'delivered'}`,
);
for (const kase of CASES) {
  for (const qos of QOS) {
    const runs = Object.fromEntries(Object.keys(TOOLS).map((tool) => [tool, []]));
    for (let i = 0; i < RUNS; i++) for (const tool of Object.keys(TOOLS)) runs[tool].push(await once(tool, kase, qos));
    const m = {};
    for (const [tool, rs] of Object.entries(runs)) {
      m[tool] = {
        rate: median(rs.map((r) => r.rate)),
        cpu: median(rs.map((r) => (r.cpuMs * 1000) / LINES)),
        cpuNet: median(rs.map((r) => ((r.cpuMs - (isTspub(tool) ? nodeStart : 0)) * 1000) / LINES)),
        rss: median(rs.map((r) => r.rssMiB)),
        got: Math.min(...rs.map((r) => r.got)),
        unverified: rs.some((r) => r.unverified),
      };
      const name = `${kase === 'l' ? '-l' : '--repeat'} -q ${qos}`;
      console.log(
        `${name.padEnd(20)}${tool.padEnd(14)}${fmt(m[tool].rate, 0).padStart(8)}${fmt(m[tool].cpu, 2).padStart(13)}${fmt(m[tool].cpuNet, 2).padStart(17)}${fmt(m[tool].rss, 1).padStart(14)}  ${m[tool].unverified ? 'unverified' : `${m[tool].got}/${LINES}${m[tool].got < LINES ? ' LOST' : ''}`}`,
      );
    }
    const t = m.tspub;
    const q = m.mosquitto_pub;
    console.log(
      `${''.padEnd(20)}ratio tspub/mosquitto_pub: msg/s ${fmt(t.rate / q.rate, 2)}x, CPU ${fmt(t.cpu / q.cpu, 2)}x (${fmt(t.cpuNet / q.cpuNet, 2)}x less start-up), RSS ${fmt(t.rss / q.rss, 2)}x`,
    );
    const b = m['tspub(before)'];
    if (b)
      console.log(
        `${''.padEnd(20)}ratio tspub/tspub(before):  msg/s ${fmt(t.rate / b.rate, 2)}x, CPU ${fmt(t.cpu / b.cpu, 2)}x (${fmt(t.cpuNet / b.cpuNet, 2)}x less start-up), RSS ${fmt(t.rss / b.rss, 2)}x`,
      );
  }
}
rmSync(dir, { recursive: true, force: true });
