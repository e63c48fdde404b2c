// What scripts do to a subscriber: close its stdout early, signal it mid-flood, read its
// output slowly, restart the broker under it, deny its subscriptions, fill its disk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { startBroker, freePort, needMosquitto, MOSQUITTO_PUB, MOSQUITTO_SUB, type Broker } from '../helpers/broker.ts';
import { run, bin, normalise } from '../helpers/run.ts';
import { connectedTo, inMask, rssKiB, unreadBytes } from '../helpers/proc.ts';
import { watchMemory } from '../helpers/memory.ts';
import { waitFor } from '../helpers/wait.ts';

const skip = needMosquitto;
const TSSUB = bin('tssub');
const LOG = ['log_dest stderr', 'log_type error', 'log_type warning', 'log_type subscribe'];
let broker: Broker;

before(async () => {
  if (!skip) broker = await startBroker({ extra: LOG });
});
after(async () => {
  if (!skip) await broker.stop();
});

const subscriptions = (b: Broker) =>
  b
    .log()
    .split('\n')
    .filter((l) => /^\d+: \S+ \d+ /.test(l)).length;

function subscribed(b: Broker, count: number): Promise<boolean> {
  return waitFor(() => subscriptions(b) >= count, `${count} subscriptions logged`);
}

/** Until the process leaves bytes unread in its socket and their count holds for ten looks in a row. */
function stoppedReading(pid: number): Promise<boolean> {
  let last = -1;
  let same = 0;
  return waitFor(
    () => {
      const now = unreadBytes(pid);
      same = now > 0 && now === last ? same + 1 : 0;
      last = now;
      return same >= 10;
    },
    `process ${pid} to stop reading its socket`,
    60000,
  );
}

/** The process ids of a process's children that run `comm`. */
function children(pid: number, comm: string): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number)
      .filter((c) => {
        try {
          return readFileSync(`/proc/${c}/comm`, 'utf8').trim() === comm;
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}

function pub(port: number, args: string[], input?: string): Promise<unknown> {
  return run(MOSQUITTO_PUB!, ['-h', '127.0.0.1', '-p', String(port), ...args], { input, timeoutMs: 60000 });
}

const lines = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `m${String(from + i).padStart(6, '0')}\n`).join('');

interface Child {
  pid: number;
  exited: () => boolean;
  out: () => string;
  err: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  pause(): void;
  resume(): void;
}

function start(cmd: string, args: string[]): Child {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  p.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  let exited = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    p.once('close', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    }),
  );
  return {
    pid: p.pid!,
    exited: () => exited,
    out: () => out,
    err: () => err,
    exit,
    kill: (s) => p.kill(s),
    pause: () => p.stdout.pause(),
    resume: () => p.stdout.resume(),
  };
}

test('| head -1: mosquitto_sub and tssub both disconnect on the failed write and exit 0, quietly', {
  skip,
}, async () => {
  for (const tool of [MOSQUITTO_SUB!, TSSUB]) {
    const n = subscriptions(broker);
    const sh = start('bash', [
      '-c',
      `set -o pipefail; "${tool}" -h 127.0.0.1 -p ${broker.port} -t h/1 -v | head -1; echo "status \${PIPESTATUS[0]}" >&2`,
    ]);
    await subscribed(broker, n + 1);
    // The first message, and once head has printed it and is gone, the next ones: the write
    // of the second fails.
    await pub(broker.port, ['-t', 'h/1', '-m', 'one']);
    await waitFor(
      () => sh.out() === 'h/1 one\n' && children(sh.pid, 'head').length === 0,
      'head to print a line and exit',
    );
    for (const m of ['two', 'three']) await pub(broker.port, ['-t', 'h/1', '-m', m]);
    const { code } = await sh.exit;
    assert.equal(sh.out(), 'h/1 one\n', tool);
    assert.equal(sh.err(), 'status 0\n', `${tool}: no message, status 0`);
    assert.equal(code, 0);
  }
});

test('stdout on a full disk: both exit 0 after the first failed write', { skip }, async () => {
  await pub(broker.port, ['-t', 'h/full', '-m', 'kept', '-r']);
  for (const tool of [MOSQUITTO_SUB!, TSSUB]) {
    const full = openSync('/dev/full', 'w');
    const p = spawn(tool, ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'h/full', '-W', '5'], {
      stdio: ['ignore', full, 'pipe'],
    });
    closeSync(full);
    let err = '';
    p.stderr!.on('data', (d) => {
      err += d;
    });
    const code = await new Promise((resolve) => p.once('close', resolve));
    assert.equal(code, 0, tool);
    assert.equal(err, '', tool);
  }
  await pub(broker.port, ['-t', 'h/full', '-r', '-n']);
});

/**
 * Checks a -d -v transcript: each received PUBLISH followed by its PUBACK line (QoS 1) and
 * its message, in sequence, then DISCONNECT.
 */
function checkTranscript(out: string, topic: string): number {
  const rows = out.split('\n');
  assert.equal(rows.pop(), '', 'ends with a complete line');
  assert.equal(rows.at(-1), 'Client (null) sending DISCONNECT', 'last line');
  let next = 0;
  for (let i = 0; i < rows.length; i++) {
    const m = /received PUBLISH \(d0, q(\d), r0, m(\d+),/.exec(rows[i]!);
    if (!m) continue;
    if (m[1] === '1')
      assert.equal(rows[++i], `Client (null) sending PUBACK (m${m[2]}, rc0)`, `ack after trace line ${i - 1}`);
    assert.equal(rows[i + 1], `${topic} m${String(next).padStart(6, '0')}`, `message after trace line ${i}`);
    next++;
  }
  return next;
}

for (const [signal, qos] of [
  ['SIGINT', '0'],
  ['SIGTERM', '1'],
] as const) {
  test(`${signal} in the middle of a QoS ${qos} flood: DISCONNECT, status 0, everything received is printed, in order`, {
    skip,
  }, async () => {
    const n = subscriptions(broker);
    const sub = start(TSSUB, [
      '-h',
      '127.0.0.1',
      '-p',
      String(broker.port),
      '-t',
      `s/${signal}`,
      '-d',
      '-v',
      '-q',
      qos,
    ]);
    await subscribed(broker, n + 1);
    const feed = pub(broker.port, ['-t', `s/${signal}`, '-l', '-q', qos], lines(20000));
    await waitFor(() => sub.out().includes('m001000'), 'a thousand messages printed', 60000, 5);
    sub.kill(signal);
    const { code } = await sub.exit;
    await feed;
    assert.equal(code, 0);
    assert.equal(sub.err(), '');
    const printed = checkTranscript(sub.out(), `s/${signal}`);
    assert.ok(printed >= 1000 && printed <= 20000, `${printed} printed`);
  });
}

test('SIGINT while stdout is backed up: exits 0 once the reader has taken everything', { skip }, async () => {
  const n = subscriptions(broker);
  const sub = start(TSSUB, ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 's/paused', '-d', '-v']);
  await subscribed(broker, n + 1);
  sub.pause();
  await pub(broker.port, ['-t', 's/paused', '-l'], lines(20000));
  // Backed up: tssub has stopped reading its socket.
  await stoppedReading(sub.pid);
  sub.kill('SIGINT');
  // The signal taken (no longer pending) while stdout is still full, then the reader comes back.
  await waitFor(
    () => sub.exited() || !(inMask(sub.pid, 'ShdPnd', 'SIGINT') || inMask(sub.pid, 'SigPnd', 'SIGINT')),
    'SIGINT to be delivered',
  );
  sub.resume();
  const { code } = await sub.exit;
  assert.equal(code, 0);
  checkTranscript(sub.out(), 's/paused');
});

test('slow reader: 100k messages while stdout is paused; memory stays bounded, each printed once, in order', {
  skip,
}, async () => {
  const COUNT = 100000;
  const pad = 'x'.repeat(500);
  const n = subscriptions(broker);
  const sub = start(TSSUB, ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'slow', '-C', String(COUNT)]);
  await subscribed(broker, n + 1);
  sub.pause();
  const base = rssKiB(sub.pid);
  const peak = watchMemory(sub.pid, 'VmRSS', 50);
  const input = Array.from({ length: COUNT }, (_, i) => `${String(i).padStart(6, '0')} ${pad}\n`).join('');
  await pub(broker.port, ['-t', 'slow', '-l'], input);
  // Paused as far as it goes: tssub has stopped reading, and the bytes waiting in its socket
  // have stopped growing (TCP's window closed: nothing more comes until it reads again).
  await stoppedReading(sub.pid);
  const pausedPeak = Math.max(base, peak());
  sub.resume();
  const { code } = await sub.exit;
  assert.equal(code, 0);
  const got = sub.out().split('\n');
  assert.equal(got.pop(), '');
  assert.equal(got.length, COUNT, 'every message printed once');
  got.forEach((l, i) => {
    if (!l.startsWith(String(i).padStart(6, '0'))) assert.fail(`line ${i}: ${l.slice(0, 12)}`);
  });
  // 100k messages are 50 MB: held in memory they would show; the broker holds them instead.
  process.stderr.write(
    `# slow reader: RSS ${Math.round(base / 1024)} MB before, peak ${Math.round(pausedPeak / 1024)} MB while paused\n`,
  );
  assert.ok(
    pausedPeak - base < 30 * 1024,
    `memory grew by ${Math.round((pausedPeak - base) / 1024)} MB while stdout was paused`,
  );
});

test('broker restarted: both reconnect quietly, resubscribe (mids number on), and go on printing', {
  skip,
}, async () => {
  const port = await freePort();
  const outputs: string[] = [];
  for (const tool of [MOSQUITTO_SUB!, TSSUB]) {
    let b = await startBroker({ port, extra: LOG });
    const sub = start(tool, ['-h', '127.0.0.1', '-p', String(port), '-t', 'r/1', '-d', '-v', '-q', '1']);
    await subscribed(b, 1);
    await pub(port, ['-t', 'r/1', '-q', '1', '-m', 'before']);
    await waitFor(() => sub.out().includes('r/1 before\n'), `${tool} to print the first message`);
    await b.stop();
    // The broker stays away until the tool has seen its connection go.
    await waitFor(() => !connectedTo(sub.pid, port), `${tool} to see the broker go`);
    b = await startBroker({ port, extra: LOG });
    await subscribed(b, 1);
    await pub(port, ['-t', 'r/1', '-q', '1', '-m', 'after']);
    await waitFor(() => sub.out().includes('r/1 after\n'), `${tool} to print the second message`);
    sub.kill('SIGINT');
    const { code } = await sub.exit;
    await b.stop();
    assert.equal(code, 0, tool);
    assert.equal(sub.err(), '', tool);
    outputs.push(normalise(sub.out()));
  }
  assert.equal(outputs[1], outputs[0]);
  assert.match(outputs[1]!, /sending SUBSCRIBE \(Mid: 2, Topic: r\/1/);
});

test('-W while the broker is away: "Timed out", 27, no DISCONNECT traced', { skip }, async () => {
  const port = await freePort();
  const outputs: string[] = [];
  for (const tool of [MOSQUITTO_SUB!, TSSUB]) {
    const b = await startBroker({ port, extra: LOG });
    const sub = start(tool, ['-h', '127.0.0.1', '-p', String(port), '-t', 'w/1', '-d', '-W', '5']);
    await subscribed(b, 1);
    await b.stop();
    const { code } = await sub.exit;
    assert.equal(code, 27, tool);
    assert.equal(sub.err(), 'Timed out\n', tool);
    outputs.push(sub.out());
  }
  assert.equal(outputs[1], outputs[0]);
});

test('every subscription denied (aedes broker): "All subscription requests were denied.", status 0', {
  skip,
}, async () => {
  const aedes = await Aedes.createBroker();
  aedes.authorizeSubscribe = (_client, sub, done) => done(null, sub.topic.startsWith('deny') ? null : sub);
  const server: Server = createServer(aedes.handle);
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  try {
    // (With -E and -d as well, mosquitto_sub 2.0.11 sends DISCONNECT twice; tssub once.)
    for (const args of [
      ['-t', 'deny/1', '-d'],
      ['-t', 'deny/1', '-t', 'deny/2', '-E'],
      ['-t', 'deny/1', '-E', '--quiet'],
      ['-t', 'deny/1', '-t', 'ok', '-d', '-W', '1'],
    ]) {
      const ref = await run(MOSQUITTO_SUB!, ['-h', '127.0.0.1', '-p', String(port), ...args]);
      const ours = await run(TSSUB, ['-h', '127.0.0.1', '-p', String(port), ...args]);
      assert.equal(ours.code, ref.code, args.join(' '));
      assert.equal(normalise(ours.stderr), normalise(ref.stderr), args.join(' '));
      assert.equal(ours.stdout.toString(), ref.stdout.toString(), args.join(' '));
    }
  } finally {
    server.close();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
  }
});

// Deliberate difference: mosquitto_sub 2.0.11 never exits here (bounded below with -W).
test('--remove-retained -C 2: same output, but tssub exits 0 once the clears are acknowledged', { skip }, async () => {
  const topics = ['rr/1', 'rr/2', 'rr/3'];
  const results = [];
  for (const tool of [MOSQUITTO_SUB!, TSSUB]) {
    for (const t of topics) await pub(broker.port, ['-t', t, '-m', `kept ${t}`, '-r']);
    results.push(
      await run(tool, [
        '-h',
        '127.0.0.1',
        '-p',
        String(broker.port),
        '-t',
        'rr/#',
        '-v',
        '--remove-retained',
        '-C',
        '2',
        '-d',
        '-W',
        '3',
      ]),
    );
    for (const t of topics) await pub(broker.port, ['-t', t, '-r', '-n']);
  }
  const [ref, ours] = results;
  assert.equal(ref!.code, 27, 'mosquitto_sub 2.0.11 only stops at -W');
  assert.equal(ours!.code, 0);
  assert.equal(ours!.stderr.toString(), '');
  assert.equal(ours!.stdout.toString(), ref!.stdout.toString());
});

test('-W against a broker that never answers CONNECT: status 255, nothing on stderr (as mosquitto_sub)', {
  skip,
}, async () => {
  const held: import('node:net').Socket[] = [];
  const silent = createServer((s) => {
    held.push(s);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
  try {
    const args = ['-h', '127.0.0.1', '-p', String(port), '-t', 'x', '-W', '1', '-d'];
    const ref = await run(MOSQUITTO_SUB!, args);
    const ours = await run(TSSUB, args);
    assert.equal(ref.code, 255);
    assert.equal(ours.code, ref.code);
    assert.equal(ours.stderr.toString(), ref.stderr.toString());
    assert.equal(ours.stdout.toString(), ref.stdout.toString());
  } finally {
    for (const s of held) s.destroy();
    silent.close();
  }
});

for (const qos of ['1', '2']) {
  test(`-C 1 -q ${qos} in a persistent session: the last message is acknowledged before DISCONNECT, so mosquitto does not deliver it again`, {
    skip,
  }, async () => {
    const id = `robust-ack-${qos}-${process.pid}`;
    const session = ['-h', '127.0.0.1', '-p', String(broker.port), '-t', `ack/${qos}`, '-q', qos, '-c', '-i', id];
    assert.equal((await run(TSSUB, [...session, '-E'])).code, 0);
    await pub(broker.port, ['-t', `ack/${qos}`, '-q', qos, '-m', 'once']);
    const first = await run(TSSUB, [...session, '-C', '1', '-W', '10', '-d']);
    assert.equal(
      normalise(first.stdout)
        .split('\n')
        .filter((l) => / sending /.test(l))
        .map((l) => l.split(' ')[3])
        .join(' '),
      qos === '1' ? 'CONNECT SUBSCRIBE PUBACK DISCONNECT' : 'CONNECT SUBSCRIBE PUBREC PUBCOMP DISCONNECT',
    );
    const again = await run(TSSUB, [...session, '-C', '1', '-W', '2']);
    assert.equal(again.code, 27, `delivered again: ${again.stdout}`);
    assert.equal(again.stdout.toString(), '');
    await run(TSSUB, ['-h', '127.0.0.1', '-p', String(broker.port), '-t', `ack/${qos}`, '-i', id, '-E']);
  });
}
