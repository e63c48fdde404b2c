// mosquitto 2.1's client options that 2.0.11 refuses, for tssub and tsrr: --retain-handling,
// -w/--watch.
// (Transport ones — -o, --no-tls, --tls-keylog, --ws — are in transport.test.ts and
// websocket.test.ts; -F %f %d and split hex in format.test.ts; tspasswd's in tspasswd.test.ts.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { needMosquitto, MOSQUITTO_PUB, startBroker, type Broker } from '../helpers/broker.ts';
import { bin, run } from '../helpers/run.ts';
import { waitFor } from '../helpers/wait.ts';

const skip = needMosquitto;
let broker: Broker;
let conn: string[];

before(async () => {
  if (skip) return;
  // The broker logs each subscription, so a test knows when a subscriber is in place.
  broker = await startBroker({ extra: ['log_dest stderr', 'log_type subscribe'] });
  conn = ['-h', '127.0.0.1', '-p', String(broker.port)];
  await run(MOSQUITTO_PUB!, [...conn, '-t', 'rh/kept', '-m', 'old', '-r', '-q', '1']);
});

after(async () => {
  if (skip) return;
  await broker.stop();
});

/** How many subscriptions to `topic` the broker has logged. */
const subscriptions = (topic: string) =>
  broker
    .log()
    .split('\n')
    .filter((l) => l.endsWith(` ${topic}`)).length;

test('tssub --retain-handling: always and new deliver the retained message, never does not (MQTT v5 option bits 4-5)', {
  skip,
}, async () => {
  for (const [value, bits, delivered] of [
    ['always', '0x00', true],
    ['new', '0x10', true],
    ['never', '0x20', false],
  ] as const) {
    const r = await run(bin('tssub'), [
      ...conn,
      '-V',
      '5',
      '-t',
      'rh/kept',
      '--retain-handling',
      value,
      '-d',
      '-W',
      '1',
      '-v',
    ]);
    const out = r.stdout.toString();
    assert.match(out, new RegExp(`sending SUBSCRIBE \\(Mid: 1, Topic: rh/kept, QoS: 0, Options: ${bits}\\)`), value);
    assert.equal(out.includes('rh/kept old\n'), delivered, `${value}: ${out}`);
    assert.equal(r.code, 27);
  }
});

test('tsrr --retain-handling never: the SUBSCRIBE carries it', { skip }, async () => {
  const r = await run(bin('tsrr'), [
    ...conn,
    '-t',
    'rr/req',
    '-e',
    'rh/kept',
    '-m',
    'x',
    '--retain-handling',
    'never',
    '-d',
    '-W',
    '1',
  ]);
  assert.match(r.stdout.toString(), /sending SUBSCRIBE \(Mid: 1, Topic: rh\/kept, QoS: 0, Options: 0x20\)/);
  assert.equal(r.code, 27);
});

test("--retain-handling: mosquitto 2.1's messages for a missing or unknown value; not a tspub option", {
  skip,
}, async () => {
  let r = await run(bin('tssub'), ['-t', 'x', '--retain-handling', 'sometimes']);
  assert.equal(
    r.stderr.toString(),
    "Error: Unknown value 'sometimes' for --retain-handling.\n\n\nUse 'tssub --help' to see usage.\n",
  );
  assert.equal(r.code, 1);
  r = await run(bin('tsrr'), ['-t', 'x', '-e', 'y', '-m', 'z', '--retain-handling']);
  assert.equal(
    r.stderr.toString(),
    "Error: --retain-handling argument given but no option specified.\n\n\nUse 'tsrr --help' to see usage.\n",
  );
  r = await run(bin('tspub'), ['-t', 'x', '-m', 'y', '--retain-handling', 'never']);
  assert.equal(r.stderr.toString(), "Error: Unknown option '--retain-handling'.\n\nUse 'tspub --help' to see usage.\n");
});

test('tssub -w: the screen cleared, "Broker: host", then each topic\'s latest message on its own line (mosquitto 2.1)', {
  skip,
}, async () => {
  const { spawn } = await import('node:child_process');
  const before = subscriptions('w/#');
  const sub = spawn(bin('tssub'), [...conn, '-t', 'w/#', '-w', '-v', '-q', '1', '-C', '3']);
  let out = Buffer.alloc(0);
  sub.stdout.on('data', (d: Buffer) => {
    out = Buffer.concat([out, d]);
  });
  const done = new Promise<number | null>((resolve) => sub.once('close', resolve));
  await waitFor(() => subscriptions('w/#') > before, 'tssub -w to subscribe');
  for (const [t, m] of [
    ['w/a', 'one'],
    ['w/b', 'two'],
    ['w/a', 'three'],
  ])
    await run(MOSQUITTO_PUB!, [...conn, '-t', t!, '-m', m!, '-q', '1']);
  assert.equal(await done, 0);
  assert.equal(
    out.toString(),
    '\x1b[2J\x1b[1;1HBroker: 127.0.0.1\n' +
      '\x1b[2;1Hw/a one\n\x1b[2;1H\n' +
      '\x1b[3;1Hw/b two\n\x1b[3;1H\n' +
      '\x1b[2;1Hw/a three\n\x1b[3;1H\n',
  );
});

test('tssub -w on a terminal (tmux): what the screen shows', {
  skip: skip || (spawnSync('sh', ['-c', 'command -v tmux']).status !== 0 && 'tmux is not installed'),
}, async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'tsmqtt-watch-'));
  const sock = join(dir, 'tmux.sock');
  const tmux = (...args: string[]) => run('tmux', ['-S', sock, ...args]);
  try {
    const before = subscriptions('tw/#');
    // (The pane's shell sleeps after tssub so that the screen stays to be read.)
    await tmux(
      'new-session',
      '-d',
      '-x',
      '60',
      '-y',
      '8',
      `${bin('tssub')} -h 127.0.0.1 -p ${broker.port} -t 'tw/#' -w -v -q 1; sleep 600`,
    );
    await waitFor(() => subscriptions('tw/#') > before, 'tssub -w to subscribe', 60000);
    for (const [t, m] of [
      ['tw/x', 'first'],
      ['tw/y', 'second'],
      ['tw/x', 'third!'],
    ])
      await run(MOSQUITTO_PUB!, [...conn, '-t', t!, '-m', m!, '-q', '1']);
    // The screen once it shows the last message (or what it shows when the wait gives up).
    const screen = async () => (await tmux('capture-pane', '-p')).stdout.toString().split('\n');
    await waitFor(
      async () => (await screen()).includes('tw/x third!'),
      'the screen to show tw/x third!',
      60000,
      50,
    ).catch(() => undefined);
    assert.deepEqual((await screen()).slice(0, 3), ['Broker: 127.0.0.1', 'tw/x third!', 'tw/y second']);
  } finally {
    await tmux('kill-server');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tssub -U without -t (mosquitto 2.1): unsubscribes a persistent session and exits once acknowledged', {
  skip,
}, async () => {
  const id = ['-c', '-i', 'tsmqtt-unsub', '-q', '1'];
  // A persistent session subscribed to two topics.
  let r = await run(bin('tssub'), [...conn, ...id, '-t', 'un/a', '-t', 'un/b', '-E']);
  assert.equal(r.code, 0, r.stderr.toString());
  r = await run(bin('tssub'), [...conn, ...id, '-U', 'un/a', '-d']);
  assert.equal(r.code, 0, r.stderr.toString());
  assert.match(
    r.stdout.toString(),
    /sending UNSUBSCRIBE \(Mid: 1, Topic: un\/a\)\nClient tsmqtt-unsub received UNSUBACK\nClient tsmqtt-unsub sending DISCONNECT\n$/,
  );
  // Only un/b is left: a message on each while away, and only un/b's is queued.
  await run(MOSQUITTO_PUB!, [...conn, '-t', 'un/a', '-m', 'gone', '-q', '1']);
  await run(MOSQUITTO_PUB!, [...conn, '-t', 'un/b', '-m', 'kept', '-q', '1']);
  r = await run(bin('tssub'), [...conn, ...id, '-t', 'un/b', '-v', '-W', '1']);
  assert.equal(r.stdout.toString(), 'un/b kept\n');
  // Neither -t nor -U: 2.0.11's message.
  r = await run(bin('tssub'), [...conn, '-v']);
  assert.equal(
    r.stderr.toString(),
    "Error: You must specify a topic to subscribe to.\n\nUse 'tssub --help' to see usage.\n",
  );
});

test('tssub --message-rate (mosquitto 2.1): "N msgs/s" each second instead of the messages', { skip }, async () => {
  const { spawn } = await import('node:child_process');
  // 30 messages in one go, queued by the broker for a persistent session before tssub starts:
  // they come as soon as it connects, whatever the machine's load, well within -W 3.
  const session = ['-c', '-i', 'tsmqtt-rate', '-q', '1', '-t', 'rate/#'];
  const made = await run(bin('tssub'), [...conn, ...session, '-E']);
  assert.equal(made.code, 0, made.stderr.toString());
  const lines = Array.from({ length: 30 }, (_, i) => `m${i}`).join('\n') + '\n';
  await run(MOSQUITTO_PUB!, [...conn, '-t', 'rate/x', '-l', '-q', '1'], { input: lines });
  // Counted, none printed, and -C does not end it (as in 2.1). -d's trace lines are left out
  // of the counts.
  const sub = spawn(bin('tssub'), [...conn, ...session, '--message-rate', '-W', '3', '-C', '1', '-v', '-d']);
  let out = '';
  sub.stdout.on('data', (d) => {
    out += d;
  });
  const done = new Promise<number | null>((resolve) => sub.once('close', resolve));
  assert.equal(await done, 27);
  const counts = out.split('\n').filter((l) => l !== '' && !l.startsWith('Client ') && !l.startsWith('Subscribed '));
  assert.ok(
    counts.every((l) => /^\d+ msgs\/s$/.test(l)),
    out,
  );
  // Up to three whole seconds before -W 3 ends it, and the last part of one after DISCONNECT.
  assert.ok(counts.length >= 2 && counts.length <= 4, out);
  assert.equal(
    counts.reduce((n, l) => n + parseInt(l, 10), 0),
    30,
    out,
  );
});
