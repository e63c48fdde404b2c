// Pace (--rate, --interval, --replay-speed; docs/record-replay.md): a paced stream sends every
// message, and takes the time the pace asks for. Counted at a subscriber; timed by the whole
// run, whose lower bound is solid (message k may not go before k intervals after the first)
// and whose upper bound is generous (a loaded machine). No per-message sleeps anywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startBroker, needMosquitto, MOSQUITTO_SUB, type Broker } from '../helpers/broker.ts';
import { run, bin } from '../helpers/run.ts';

const skip = needMosquitto;
let broker: Broker;

before(async () => {
  if (!skip) broker = await startBroker();
});

after(async () => {
  if (!skip) await broker.stop();
});

const conn = () => ['-h', '127.0.0.1', '-p', String(broker.port)];

/**
 * Runs tspub with `args` (and `input` on stdin) while a persistent session keeps what it
 * sends; then counts what arrived. Resolves with tspub's status, its wall time and the count.
 */
async function paced(id: string, args: string[], count: number, input?: string) {
  const session = ['-c', '-i', id, '-q', '1', '-t', 'pace'];
  assert.equal((await run(MOSQUITTO_SUB!, [...conn(), ...session, '-E'])).code, 0);
  const t0 = process.hrtime.bigint();
  const pub = spawn(bin('tspub'), [...conn(), ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  pub.stderr!.on('data', (d) => {
    stderr += d;
  });
  pub.stdin!.end(input ?? '');
  const code = await new Promise<number | null>((r) => pub.once('close', r));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const got = await run(MOSQUITTO_SUB!, [...conn(), ...session, '-C', String(count), '-W', '60'], { timeoutMs: 90000 });
  const lines = got.stdout
    .toString()
    .split('\n')
    .filter((l) => l !== '');
  return { code, stderr, seconds, lines };
}

const lines = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}`).join('\n') + '\n';
// 2,000 messages at 400 a second: the last one is due 1999/400 = 4.9975 s after the first.
const N = 2000;
const LEAST = 4.99;
const MOST = 60;

for (const [name, args, input] of [
  ['-l --rate 400', ['-t', 'pace', '-l', '-q', '1', '--rate', '400'], lines(N)],
  ['-l -q 2 --interval 0.0025', ['-t', 'pace', '-l', '-q', '2', '--interval', '0.0025'], lines(N)],
  [
    '--repeat 2000 --rate 400',
    ['-t', 'pace', '-m', 'same', '-q', '1', '--repeat', String(N), '--rate', '400'],
    undefined,
  ],
  [
    '--replay - --rate 400',
    ['--replay', '-', '--rate', '400'],
    Array.from({ length: N }, (_, i) => JSON.stringify({ topic: 'pace', qos: 1, payload: `${i + 1}` })).join('\n') +
      '\n',
  ],
  // Recorded 5 ms apart (9.995 s), replayed twice as fast: 4.9975 s.
  [
    '--replay - --replay-speed 2',
    ['--replay', '-', '--replay-speed', '2'],
    Array.from({ length: N }, (_, i) =>
      JSON.stringify({
        tst: `2026-01-01T00:00:${String(Math.floor((i * 5) / 1000)).padStart(2, '0')}.${String((i * 5000) % 1_000_000).padStart(6, '0')}+0000`,
        topic: 'pace',
        qos: 1,
        payload: `${i + 1}`,
      }),
    ).join('\n') + '\n',
  ],
] as const) {
  test(`tspub ${name}: all ${N} messages, in order, over at least ${LEAST} s`, { skip, timeout: 180000 }, async () => {
    const id = `pace-${name.replace(/[^a-z0-9]+/gi, '-')}`;
    const r = await paced(id, [...args], N, input);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.lines.length, N, 'every message delivered');
    if (!name.startsWith('--repeat')) assert.deepEqual(r.lines, lines(N).trim().split('\n'), 'in order');
    console.log(`# tspub ${name}: ${N} messages in ${r.seconds.toFixed(2)} s (asked: ${(N - 1) / 400} s)`);
    assert.ok(r.seconds >= LEAST, `${r.seconds} s: faster than asked`);
    assert.ok(r.seconds < MOST, `${r.seconds} s`);
  });
}

test('the pace options are checked', { skip, timeout: 30000 }, async () => {
  for (const [args, message] of [
    [['--rate', '0'], 'Error: --rate argument must be a number >0.'],
    [['--rate', 'fast'], 'Error: --rate argument must be a number >0.'],
    [['--interval', '-1'], 'Error: --interval argument must be a number >=0.'],
    [['--rate', '5', '--interval', '1'], 'Error: Only one of --rate and --interval can be given.'],
    [['--replay-speed', '2', '-m', 'x'], 'Error: --replay-speed needs --replay.'],
    [
      ['--replay', '-', '--replay-speed', '2', '--rate', '3'],
      'Error: --replay-speed cannot be used with --rate or --interval.',
    ],
    [
      ['-m', 'x', '--repeat', '3', '--repeat-delay', '1', '--rate', '3'],
      'Error: --repeat-delay cannot be used with --rate or --interval.',
    ],
  ] as const) {
    const r = await run(bin('tspub'), [...conn(), '-t', 'pace', ...args]);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(
      r.stderr.toString(),
      new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`),
      args.join(' '),
    );
  }
});
