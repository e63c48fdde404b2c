// Record and replay (docs/record-replay.md): what tssub --record writes, tspub --replay
// publishes again exactly -- binary payloads, empty ones, every QoS, retained messages,
// every MQTT v5 property, topics with spaces and UTF-8 -- so that a recording replayed into
// a second broker and recorded there is the same, byte for byte but the timestamps;
// mosquitto_sub's own -F %j lines replay too; a bad line stops the replay after what went
// before it is acknowledged, and nothing after it is sent; 100,000 lines go through with
// nothing lost and memory flat, at full speed and at the recorded pace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, needMosquitto, MOSQUITTO_PUB, MOSQUITTO_SUB, type Broker } from '../helpers/broker.ts';
import { run, bin } from '../helpers/run.ts';
import { watchMemory } from '../helpers/memory.ts';
import { FaultProxy } from '../helpers/faultproxy.ts';

const skip = needMosquitto;
// The brokers log each subscription ("<time>: <client> <qos> <topic>"): a recorder is known
// to be listening before anything is published.
const LOG = ['log_dest stderr', 'log_type error', 'log_type warning', 'log_type subscribe'];
let a: Broker;
let b: Broker;
let dir: string;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'record-replay-'));
  a = await startBroker({ extra: LOG });
  b = await startBroker({ extra: LOG });
});

after(async () => {
  if (skip) return;
  await a.stop();
  await b.stop();
  rmSync(dir, { recursive: true, force: true });
});

const conn = (broker: Broker) => ['-h', '127.0.0.1', '-p', String(broker.port)];

/** Until the broker has logged a subscription by this client id. */
async function subscribed(broker: Broker, clientId: string): Promise<void> {
  const pattern = new RegExp(`^\\d+: ${clientId} \\d `, 'm');
  for (let i = 0; i < 2000 && !pattern.test(broker.log()); i++) await new Promise((r) => setTimeout(r, 10));
  assert.match(broker.log(), pattern, `${clientId} subscribed`);
}

interface Running {
  proc: ChildProcess;
  stdout: () => Buffer;
  stderr: () => string;
  done: Promise<number | null>;
}

function start(cmd: string, args: string[], stdin: 'ignore' | 'pipe' = 'ignore'): Running {
  const proc = spawn(cmd, args, { stdio: [stdin, 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => out.push(d));
  proc.stderr!.on('data', (d) => {
    err += d;
  });
  const done = new Promise<number | null>((r) => proc.once('close', (code) => r(code)));
  return { proc, stdout: () => Buffer.concat(out), stderr: () => err, done };
}

/** tssub --record of everything under `filter`, each message's QoS and retain flag kept, until `count` are printed. */
async function recorder(broker: Broker, id: string, count: number, filter = 'rr/#'): Promise<Running> {
  const r = start(bin('tssub'), [
    ...conn(broker),
    '-V',
    '5',
    '-i',
    id,
    '-q',
    '2',
    '--retain-as-published',
    '-D',
    'subscribe',
    'subscription-identifier',
    '42',
    '-t',
    filter,
    '--record',
    '-C',
    String(count),
    '-W',
    '120',
  ]);
  await subscribed(broker, id);
  return r;
}

/** A recording's lines without their receive times (what must survive a round trip). */
const untimed = (text: Buffer | string) =>
  text
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/"tst":"[^"]*",/, ''));

/**
 * A round trip's lines, compared with the recording's: the same but the timestamps, the
 * message ids and the message expiry interval. A message id is the broker's on the
 * recorder's connection, given in the order it queued the messages; a recording is in the
 * order tssub was handed them, and a QoS 2 message is handed over at PUBREL, after a QoS 1
 * message that followed it on the wire may have been: the replay sends that order, and the
 * second broker numbers it so. A broker sends a message expiry interval as what is left of
 * it: a second may pass on the way through the second broker (3600 recorded, 3599 passed
 * on), never more here.
 */
function sameMessages(got: Buffer, recorded: Buffer): void {
  const expiry = /"message-expiry-interval":(\d+)/;
  const left = (lines: string[]) => lines.map((l) => Number(expiry.exec(l)?.[1] ?? -1));
  const unnumbered = (text: Buffer) => untimed(text).map((l) => l.replace(/"mid":\d+,/, ''));
  const [g, r] = [unnumbered(got).sort(), unnumbered(recorded).sort()];
  const [gl, rl] = [left(g), left(r)];
  for (const [i, n] of gl.entries()) {
    assert.ok(n === rl[i] || n === rl[i]! - 1, `message expiry ${n} passed on for ${rl[i]} recorded`);
  }
  const unexpiring = (lines: string[]) => lines.map((l) => l.replace(expiry, '"message-expiry-interval":N'));
  assert.deepEqual(unexpiring(g), unexpiring(r));
}

test('tssub --record, tspub --replay into a second broker, tssub --record again: the same messages byte for byte but the timestamps', {
  skip,
  timeout: 120000,
}, async (t) => {
  // The retained message this leaves is cleared whatever happens, or the next test would get it.
  t.after(async () => {
    for (const broker of [a, b]) await run(MOSQUITTO_PUB!, [...conn(broker), '-t', 'rr/retained', '-r', '-n']);
  });
  const files = {
    nul: join(dir, 'nul'),
    binary: join(dir, 'binary'),
  };
  writeFileSync(files.nul, Buffer.from([0x61, 0x00, 0x62, 0x00]));
  writeFileSync(files.binary, Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x80, 0x0a, 0xc3]));
  // (mosquitto_pub takes an argument as a C string: no NUL byte in it.)
  const corr = Buffer.from([0xff, 0x10, 0x80, 0x41]);
  const allProperties = [
    '-D',
    'publish',
    'payload-format-indicator',
    '1',
    '-D',
    'publish',
    'message-expiry-interval',
    '3600',
    '-D',
    'publish',
    'content-type',
    'text/plain; charset=utf-8',
    '-D',
    'publish',
    'response-topic',
    'rr/reply here',
    '-D',
    'publish',
    'user-property',
    'k',
    'v',
    '-D',
    'publish',
    'user-property',
    'k',
    'w',
    '-D',
    'publish',
    'user-property',
    'k',
    'v',
    '-D',
    'publish',
    'user-property',
    'name with space',
    'välue ✓',
  ];
  const sends: Array<Array<string | Buffer>> = [
    ['-t', 'rr/text', '-m', 'hello world', '-q', '0'],
    ['-t', 'rr/nul', '-f', files.nul, '-q', '1'],
    ['-t', 'rr/binary', '-f', files.binary, '-q', '2'],
    ['-t', 'rr/empty', '-n', '-q', '1'],
    ['-t', 'rr/empty0', '-n', '-q', '0'],
    ['-t', 'rr/retained', '-m', 'kept', '-q', '1', '-r'],
    [
      '-t',
      'rr/props',
      '-m',
      'with every property',
      '-q',
      '2',
      ...allProperties,
      '-D',
      'publish',
      'correlation-data',
      corr,
    ],
    ['-t', 'rr/corr text', '-m', 'x', '-q', '1', '-D', 'publish', 'correlation-data', 'text id'],
    ['-t', 'rr/with space/é ü/日本', '-m', 'ünïcode ✓ "quoted" \\ back\ttab', '-q', '1'],
  ];
  const recA = await recorder(a, 'rec-a', sends.length);
  for (const args of sends) {
    const r = await run(MOSQUITTO_PUB!, [...conn(a), '-V', '5', ...args]);
    assert.equal(r.code, 0, r.stderr.toString());
  }
  assert.equal(await recA.done, 0, recA.stderr());
  const recording = recA.stdout();
  const lines = recording
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');
  assert.equal(lines.length, sends.length);
  // What %j cannot carry is in the record.
  const byTopic = new Map(lines.map((l) => [JSON.parse(l).topic as string, l]));
  assert.match(
    byTopic.get('rr/nul')!,
    /"payloadlen":4,"mid":\d+,"properties":\{"subscription-identifier":42\},"payload":"a\\u0000b\\u0000"\}$/,
  );
  assert.match(byTopic.get('rr/binary')!, /"qos":2,.*"payload_base64":"AAH\/\/oAKww=="\}$/);
  assert.doesNotMatch(byTopic.get('rr/binary')!, /"payload":/);
  assert.match(byTopic.get('rr/empty')!, /"qos":1,.*"payload":null\}$/);
  assert.match(byTopic.get('rr/retained')!, /"retain":1,/);
  const props = byTopic.get('rr/props')!;
  assert.match(props, /"user-properties":\{"k":"v","k":"w","k":"v","name with space":"välue ✓"\}/);
  assert.match(props, /"correlation-data-base64":"\/xCAQQ=="/);
  assert.match(props, /"payload-format-indicator":1/);
  assert.match(props, /"message-expiry-interval":3600/);
  assert.match(props, /"content-type":"text\/plain; charset=utf-8"/);
  assert.match(props, /"response-topic":"rr\/reply here"/);
  assert.match(byTopic.get('rr/corr text')!, /"correlation-data":"text id"/);
  assert.match(
    lines[0]!,
    /^\{"tst":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d{4}","topic":"rr\/text","qos":0,"retain":0,"payloadlen":11,/,
  );

  const file = join(dir, 'recording.jsonl');
  writeFileSync(file, recording);
  const recB = await recorder(b, 'rec-b', sends.length);
  const replay = await run(bin('tspub'), [...conn(b), '-V', '5', '--replay', file]);
  assert.equal(replay.code, 0, replay.stderr.toString());
  assert.equal(replay.stderr.toString(), '');
  assert.equal(await recB.done, 0, recB.stderr());
  // A subscriber is handed a QoS 2 message when its exchange completes, so the lines may
  // come in another order; each line is the same (see sameMessages).
  sameMessages(recB.stdout(), recording);

  // And from standard input, at the recorded pace: the same again (the retained message of
  // the first replay cleared first, or the new recorder would be handed it).
  assert.equal((await run(MOSQUITTO_PUB!, [...conn(b), '-t', 'rr/retained', '-r', '-n'])).code, 0);
  const recC = await recorder(b, 'rec-c', sends.length);
  const paced = await run(bin('tspub'), [...conn(b), '-V', '5', '--replay', '-', '--replay-speed', '1'], {
    input: recording,
  });
  assert.equal(paced.code, 0, paced.stderr.toString());
  assert.equal(await recC.done, 0, recC.stderr());
  sameMessages(recC.stdout(), recording);
});

test('-t, -q and -r override the recording; without -V 5 the properties are left out, with a warning', {
  skip,
  timeout: 60000,
}, async (t) => {
  t.after(async () => {
    for (const topic of ['rr/same', 'rr/two']) await run(MOSQUITTO_PUB!, [...conn(b), '-t', topic, '-r', '-n']);
  });
  const file = join(dir, 'override.jsonl');
  writeFileSync(
    file,
    [
      '{"tst":"2026-01-01T00:00:00.000000+0000","topic":"rr/one","qos":2,"retain":0,"payloadlen":1,"mid":1,"properties":{"content-type":"a/b"},"payload":"1"}',
      '{"topic":"rr/two","qos":0,"retain":1,"payload":"2"}',
    ].join('\n') + '\n',
  );
  const rec = await recorder(b, 'rec-override', 2);
  const r = await run(bin('tspub'), [...conn(b), '--replay', file, '-t', 'rr/same', '-q', '1', '-r']);
  assert.equal(r.code, 0);
  assert.equal(
    r.stderr.toString(),
    `Warning: ${file} has MQTT v5 properties; they are not sent on an MQTT v3.1.1 connection (use -V 5).\n`,
  );
  assert.equal(await rec.done, 0, rec.stderr());
  assert.deepEqual(
    untimed(rec.stdout()).map((l) => l.replace(/"mid":\d+,/, '')),
    [
      '{"topic":"rr/same","qos":1,"retain":1,"payloadlen":1,"properties":{"subscription-identifier":42},"payload":"1"}',
      '{"topic":"rr/same","qos":1,"retain":1,"payloadlen":1,"properties":{"subscription-identifier":42},"payload":"2"}',
    ],
  );
  // Clear the retained message this left.
  await run(MOSQUITTO_PUB!, [...conn(b), '-t', 'rr/same', '-r', '-n']);

  // With -V 5 the recorded properties go; -D publish replaces the recorded one of its name.
  const rec5 = await recorder(b, 'rec-override-v5', 1, 'rr/one');
  const r5 = await run(bin('tspub'), [
    ...conn(b),
    '-V',
    '5',
    '--replay',
    file,
    '-D',
    'publish',
    'user-property',
    'z',
    '1',
  ]);
  assert.equal(r5.code, 0, r5.stderr.toString());
  assert.equal(await rec5.done, 0, rec5.stderr());
  assert.deepEqual(
    untimed(rec5.stdout()).map((l) => l.replace(/"mid":\d+,/, '')),
    [
      '{"topic":"rr/one","qos":2,"retain":0,"payloadlen":1,"properties":{"subscription-identifier":42,"content-type":"a/b","user-properties":{"z":"1"}},"payload":"1"}',
    ],
  );
});

test("mosquitto_sub -F %j's own lines replay (text payloads), and its line for a binary payload is refused", {
  skip,
  timeout: 60000,
}, async () => {
  const sends = [
    ['-t', 'rj/text', '-m', 'plain text', '-q', '1'],
    [
      '-t',
      'rj/props',
      '-m',
      'p',
      '-q',
      '2',
      '-D',
      'publish',
      'user-property',
      'k',
      'v',
      '-D',
      'publish',
      'user-property',
      'k',
      'w',
      '-D',
      'publish',
      'content-type',
      'c/t',
      '-D',
      'publish',
      'correlation-data',
      'cd',
      '-D',
      'publish',
      'response-topic',
      'rj/r',
    ],
    ['-t', 'rj/empty', '-n', '-q', '0'],
    ['-t', 'rj/ü space', '-m', 'ü "q"', '-q', '0', '-r'],
  ];
  const mosquittoJ = (broker: Broker, id: string) =>
    start(MOSQUITTO_SUB!, [
      ...conn(broker),
      '-V',
      '5',
      '-i',
      id,
      '-q',
      '2',
      '--retain-as-published',
      '-t',
      'rj/#',
      '-F',
      '%j',
      '-C',
      String(sends.length),
      '-W',
      '60',
    ]);
  const subA = mosquittoJ(a, 'j-a');
  await subscribed(a, 'j-a');
  for (const args of sends) assert.equal((await run(MOSQUITTO_PUB!, [...conn(a), '-V', '5', ...args])).code, 0);
  assert.equal(await subA.done, 0);
  const jLines = subA.stdout();
  const subB = mosquittoJ(b, 'j-b');
  await subscribed(b, 'j-b');
  const r = await run(bin('tspub'), [...conn(b), '-V', '5', '--replay', '-'], { input: jLines });
  assert.equal(r.code, 0, r.stderr.toString());
  assert.equal(await subB.done, 0);
  assert.deepEqual(untimed(subB.stdout()).sort(), untimed(jLines).sort());
  await run(MOSQUITTO_PUB!, [...conn(a), '-t', 'rj/ü space', '-r', '-n']);
  await run(MOSQUITTO_PUB!, [...conn(b), '-t', 'rj/ü space', '-r', '-n']);

  // mosquitto_sub prints 00 01 ff as "payload":"" with payloadlen 3: refused, not sent empty.
  const binary =
    '{"tst":"2026-12-05T19:04:52.343567Z+0000","topic":"rj/bin","qos":0,"retain":0,"payloadlen":3,"payload":""}\n';
  const refused = await run(bin('tspub'), [...conn(b), '--replay', '-'], { input: binary });
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr.toString(), 'Error: stdin line 1: "payloadlen" is 3 but the payload has 0 bytes.\n');
});

test('a bad line in the middle: its number and what is wrong, status 1; the lines before it delivered, none after', {
  skip,
  timeout: 60000,
}, async () => {
  const good = (i: number) => JSON.stringify({ topic: 'bad/line', qos: 1, retain: 0, payload: `message ${i}` });
  const file = join(dir, 'bad.jsonl');
  const lines = [1, 2, 3, 4, 5].map(good);
  lines.push('{"topic":"bad/line","qos":1,"retain":0,"payload":"six",}');
  lines.push(...[7, 8, 9, 10].map(good));
  writeFileSync(file, lines.join('\n') + '\n');
  const sub = start(MOSQUITTO_SUB!, [...conn(a), '-i', 'bad-sub', '-q', '1', '-t', 'bad/#', '-v', '-W', '60']);
  await subscribed(a, 'bad-sub');
  const r = await run(bin('tspub'), [...conn(a), '--replay', file, '-M', '3']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.toString(), `Error: ${file} line 6: not valid JSON (column 56).\n`);
  // Everything tspub sent is the broker's (acknowledged): a marker sent after it arrives
  // after them, and what arrived before the marker is what the replay delivered.
  assert.equal((await run(MOSQUITTO_PUB!, [...conn(a), '-t', 'bad/end', '-m', 'end', '-q', '1'])).code, 0);
  for (let i = 0; i < 3000 && !sub.stdout().toString().includes('bad/end end\n'); i++)
    await new Promise((res) => setTimeout(res, 10));
  sub.proc.kill('SIGTERM');
  await sub.done;
  assert.deepEqual(
    sub
      .stdout()
      .toString()
      .split('\n')
      .filter((l) => l !== ''),
    [...[1, 2, 3, 4, 5].map((i) => `bad/line message ${i}`), 'bad/end end'],
  );
});

test('bad lines: each refused with what is wrong', { skip, timeout: 60000 }, async () => {
  const cases: Array<[string, string]> = [
    ['{"topic":"t","qos":3,"payload":"x"}', '"qos" is not 0, 1 or 2'],
    ['{"topic":"t/#","payload":"x"}', '"topic" "t/#" is not a topic one may publish to'],
    ['{"payload":"x"}', 'no "topic" (and no -t)'],
    ['{"topic":"t"}', 'no "payload" or "payload_base64"'],
    ['{"topic":"t","payload_base64":"AA=!"}', '"payload_base64" is not base64'],
    ['{"topic":"t","payload":"x","colour":"red"}', 'unknown member "colour"'],
    ['{"topic":"t","payload":"x","properties":{"size":1}}', 'unknown property "size"'],
    ['[1,2]', 'not a JSON object'],
    ['{"topic":"t","payload":"x","tst":"yesterday"}', '"tst" is not a time like 2024-01-31T12:00:00.000000+0000'],
  ];
  for (const [line, what] of cases) {
    const r = await run(bin('tspub'), [...conn(a), '--replay', '-'], { input: `${line}\n` });
    assert.equal(r.code, 1, line);
    assert.equal(r.stderr.toString(), `Error: stdin line 1: ${what}.\n`, line);
  }
  const missing = await run(bin('tspub'), [...conn(a), '--replay', join(dir, 'no such file')]);
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr.toString(),
    `Error: Unable to open replay file "${join(dir, 'no such file')}": No such file or directory.\n`,
  );
});

/** A recording of `n` QoS 1 messages numbered from 1, `stepUs` microseconds apart, written as it is made. */
async function bigRecording(n: number, stepUs: number): Promise<string> {
  const file = join(dir, `big-${n}-${stepUs}.jsonl`);
  const out = createWriteStream(file);
  const start = Date.UTC(2026, 0, 1) * 1000;
  const pad = '0123456789abcdef0123456789abcdef';
  for (let i = 1; i <= n; i += 1000) {
    let chunk = '';
    for (let k = i; k < i + 1000 && k <= n; k++) {
      const us = start + (k - 1) * stepUs;
      const tst =
        new Date(Math.floor(us / 1000)).toISOString().slice(0, 19) +
        '.' +
        String(us % 1_000_000).padStart(6, '0') +
        '+0000';
      const payload = `${k} ${pad}`;
      chunk += `{"tst":"${tst}","topic":"big","qos":1,"retain":0,"payloadlen":${payload.length},"mid":${(k % 65535) + 1},"payload":"${payload}"}\n`;
    }
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return file;
}

/** Replays a file while a persistent session keeps every message; then counts them in order. */
async function replayCounted(file: string, n: number, id: string, extra: string[] = []) {
  const session = ['-c', '-i', id, '-q', '1', '-t', 'big'];
  assert.equal((await run(MOSQUITTO_SUB!, [...conn(a), ...session, '-E'])).code, 0);
  const t0 = process.hrtime.bigint();
  const pub = start(bin('tspub'), [...conn(a), '--replay', file, ...extra]);
  const peak = watchMemory(pub.proc.pid!);
  const code = await pub.done;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const peakKb = peak();
  const got = await run(MOSQUITTO_SUB!, [...conn(a), ...session, '-C', String(n), '-W', '180'], { timeoutMs: 240000 });
  const lines = got.stdout
    .toString()
    .split('\n')
    .filter((l) => l !== '');
  let wrong = '';
  for (let i = 0; i < lines.length && !wrong; i++)
    if (!lines[i]!.startsWith(`${i + 1} `)) wrong = `message ${i + 1} arrived as ${lines[i]}`;
  return { code, stderr: pub.stderr(), peakKb, seconds, got: lines.length, wrong };
}

test('100,000 lines replayed at full speed: every message delivered in order, memory flat (20,000 vs 100,000)', {
  skip,
  timeout: 600000,
}, async () => {
  const small = await replayCounted(await bigRecording(20_000, 10), 20_000, 'count-small');
  const big = await replayCounted(await bigRecording(100_000, 10), 100_000, 'count-big');
  for (const [r, n] of [
    [small, 20_000],
    [big, 100_000],
  ] as const) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.wrong, '');
    assert.equal(r.got, n, `all ${n} delivered`);
  }
  console.log(
    `# peak RSS tspub --replay: ${(small.peakKb / 1024).toFixed(1)} MiB for 20k lines, ${(big.peakKb / 1024).toFixed(1)} MiB for 100k (${big.seconds.toFixed(1)} s)`,
  );
  // Five times the input may cost no more than a little: a leak of 100 bytes a line would exceed it.
  assert.ok(
    big.peakKb < small.peakKb + 8 * 1024,
    `peak RSS ${big.peakKb} kB for 100k lines vs ${small.peakKb} kB for 20k`,
  );
});

test('100,000 lines replayed at the recorded pace (--replay-speed 1): all delivered, and not before their time', {
  skip,
  timeout: 600000,
}, async () => {
  // 50 µs apart: the last message is due 4.99995 s after the first.
  const r = await replayCounted(await bigRecording(100_000, 50), 100_000, 'count-paced', ['--replay-speed', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.wrong, '');
  assert.equal(r.got, 100_000);
  console.log(`# tspub --replay --replay-speed 1: 100k lines recorded over 5.0 s took ${r.seconds.toFixed(2)} s`);
  assert.ok(r.seconds >= 4.99, `took ${r.seconds} s`);
  assert.ok(r.seconds < 120, `took ${r.seconds} s`);
});

test('tssub --record takes the place of the output options: with -F, -v, -N, --pretty, --watch or --message-rate it is refused', {
  skip,
  timeout: 30000,
}, async () => {
  for (const extra of [['-F', '%t'], ['-v'], ['-N'], ['--pretty'], ['--watch'], ['--message-rate']]) {
    const r = await run(bin('tssub'), [...conn(a), '-t', 'x', '--record', ...extra]);
    assert.equal(r.code, 1, extra.join(' '));
    assert.equal(
      r.stderr.toString(),
      "Error: --record cannot be used with -F, -v, -N, --pretty, --watch or --message-rate.\n\nUse 'tssub --help' to see usage.\n",
      extra.join(' '),
    );
  }
});

test('a connection lost mid-replay: tspub connects again, sends what was not acknowledged, and every message arrives', {
  skip,
  timeout: 120000,
}, async () => {
  const n = 20_000;
  const file = join(dir, 'reconnect.jsonl');
  writeFileSync(
    file,
    Array.from({ length: n }, (_, i) => JSON.stringify({ topic: 'rc', qos: 1, retain: 0, payload: `${i + 1}` })).join(
      '\n',
    ) + '\n',
  );
  const session = ['-c', '-i', 'rc-count', '-q', '1', '-t', 'rc'];
  assert.equal((await run(MOSQUITTO_SUB!, [...conn(a), ...session, '-E'])).code, 0);
  const proxy = await FaultProxy.start(a.port);
  try {
    const pub = start(bin('tspub'), ['-h', '127.0.0.1', '-p', String(proxy.port), '--replay', file]);
    // Mid-stream: once a quarter of the messages have passed the proxy.
    for (let i = 0; i < 6000 && proxy.publishes.up < n / 4; i++) await new Promise((r) => setTimeout(r, 10));
    const [cut] = await proxy.cut('rst');
    assert.ok(cut && cut.publishes.up < n, `cut mid-stream (${cut?.publishes.up} of ${n} sent)`);
    assert.equal(await pub.done, 0, pub.stderr());
    assert.ok(proxy.accepted >= 2, 'connected again');
    // What the broker acknowledged is in the session: an end marker sent now comes after it
    // (QoS 1 may deliver a message twice: no count is waited for).
    assert.equal((await run(MOSQUITTO_PUB!, [...conn(a), '-t', 'rc', '-m', 'end', '-q', '1'])).code, 0);
    const sub = start(MOSQUITTO_SUB!, [...conn(a), ...session, '-W', '60']);
    for (let i = 0; i < 6000 && !sub.stdout().toString().endsWith('\nend\n'); i++)
      await new Promise((r) => setTimeout(r, 10));
    sub.proc.kill('SIGTERM');
    await sub.done;
    const seen = new Set(
      sub
        .stdout()
        .toString()
        .split('\n')
        .filter((l) => l !== ''),
    );
    assert.ok(seen.has('end'), 'the marker arrived');
    for (let i = 1; i <= n; i++) if (!seen.has(String(i))) assert.fail(`message ${i} was lost`);
  } finally {
    await proxy.close();
  }
});
