// Pace: the rate tspub achieves against the rate it is asked for (--rate, --interval,
// --replay-speed), measured where it counts -- at a subscriber, from the arrival times of
// the first and the last message (mosquitto_sub -F %U), so start-up and connecting are not
// in it. Printed as achieved/asked ratios (1.000 is exact; the issue asks 10,000 messages at
// 1,000/s to take 10 s +-1%: a ratio within 0.99..1.01).
// mosquitto_pub 2.0.11 has no pace of its own (2.1's --repeat-delay waits after each
// acknowledgement): for comparison, the same --repeat run with --repeat-delay, whose wait
// after each message adds up (its ratio below 1 is the drift a schedule avoids).
// Usage: node bench/pace.mjs [--messages N] [--rates 100,1000,5000] [--qos 0|1|2]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, need, startBroker, fmt } from './lib.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const N = Number(arg('--messages', 10000));
const RATES = String(arg('--rates', '100,1000,5000')).split(',').map(Number);
const QOS = String(arg('--qos', 1));
need(['mosquitto', 'mosquitto_sub']);

const broker = await startBroker();
const conn = ['-h', '127.0.0.1', '-p', String(broker.port)];
const dir = mkdtempSync(join(tmpdir(), 'tsmqtt-bench-pace-'));
const lines = join(dir, 'lines');
writeFileSync(lines, Array.from({ length: N }, (_, i) => `${i + 1}`).join('\n') + '\n');

/** Arrival span (s) of `n` messages on `topic` while `args` run tspub. */
async function span(topic, args, stdinFile) {
  // Subscribed first (nothing is missed): the arrival times are the broker's deliveries.
  const sub = spawn('mosquitto_sub', [...conn, '-q', '2', '-t', topic, '-F', '%U %p', '-W', '600'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  let ready = false;
  const times = [];
  let enough;
  const complete = new Promise((r) => {
    enough = r;
  });
  sub.stdout.on('data', (d) => {
    out += d;
    const got = out.split('\n');
    out = got.pop();
    for (const l of got) {
      if (l.endsWith(' ready')) ready = true;
      else times.push(Number(l.split(' ')[0]));
    }
    if (times.length >= N) enough();
  });
  const done = new Promise((r) => sub.once('close', r));
  // Until it is subscribed: a message to it comes back (the probes are not counted).
  while (!ready) {
    await new Promise((r) =>
      spawn('mosquitto_pub', [...conn, '-t', topic, '-m', 'ready', '-q', '1'], { stdio: 'ignore' }).once('close', r),
    );
    await new Promise((r) => setTimeout(r, 50));
  }
  const pub = spawn(bin('tspub'), [...conn, '-t', topic, ...args], {
    stdio: [stdinFile ? openSync(stdinFile, 'r') : 'ignore', 'ignore', 'inherit'],
  });
  await new Promise((r) => pub.once('close', r));
  await Promise.race([complete, done]);
  sub.kill();
  await done;
  if (times.length < N) return { got: times.length };
  return { got: times.length, seconds: times[times.length - 1] - times[0] };
}

console.log(`pace: ${N} messages at QoS ${QOS}; achieved rate / asked rate, from arrival times at a subscriber`);
console.log('rate/s   tool and options                                 span s   asked s   achieved/asked');
let k = 0;
for (const rate of RATES) {
  const asked = (N - 1) / rate;
  const replay = join(dir, `replay-${rate}`);
  // A recording whose messages are 1/rate s apart, replayed at speed 1.
  writeFileSync(
    replay,
    Array.from({ length: N }, (_, i) => {
      const us = Math.round((i * 1e6) / rate);
      return JSON.stringify({
        tst: `2026-01-01T00:${String(Math.floor(us / 60e6)).padStart(2, '0')}:${String(Math.floor(us / 1e6) % 60).padStart(2, '0')}.${String(us % 1e6).padStart(6, '0')}+0000`,
        topic: 'x',
        qos: Number(QOS),
        payload: `${i + 1}`,
      });
    }).join('\n') + '\n',
  );
  for (const [name, args, stdin] of [
    [`tspub -l --rate ${rate}`, ['-l', '-q', QOS, '--rate', String(rate)], lines],
    [
      `tspub --repeat ${N} --interval ${1 / rate}`,
      ['-m', 'x', '-q', QOS, '--repeat', String(N), '--interval', String(1 / rate)],
    ],
    [`tspub --replay (1/${rate} s apart) --replay-speed 1`, ['--replay', replay, '--replay-speed', '1']],
    [
      `tspub --repeat ${N} --repeat-delay ${1 / rate} (2.1's)`,
      ['-m', 'x', '-q', QOS, '--repeat', String(N), '--repeat-delay', String(1 / rate)],
    ],
  ]) {
    const r = await span(`pace${k++}`, args, stdin);
    const line = `${String(rate).padEnd(8)} ${name.padEnd(48)} `;
    if (r.seconds === undefined) console.log(`${line}incomplete: ${r.got} of ${N} arrived`);
    else
      console.log(
        `${line}${fmt(r.seconds, 3).padStart(7)} ${fmt(asked, 3).padStart(9)}   ${fmt(asked / r.seconds, 3)}`,
      );
  }
}
await broker.stop();
rmSync(dir, { recursive: true, force: true });
