// --no-local (not mosquitto's; mosquitto #3315): tssub and tsrr ask for MQTT v5's No Local
// subscription option. The options byte in the -d trace, in mosquitto_sub's format; a tsrr
// that publishes its request on the topic it listens to does not get its own request back;
// and MQTT v3 is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { freePort, MOSQUITTO_SUB, needMosquitto, startTestBrokers, type TestBrokers } from '../helpers/broker.ts';
import { bin, run } from '../helpers/run.ts';

const skip = needMosquitto;
let brokers: TestBrokers;
let conn: string[];

before(async () => {
  if (skip) return;
  brokers = await startTestBrokers('tsmqtt-nolocal-');
  conn = ['-h', '127.0.0.1', '-p', String(brokers.broker.port)];
});

after(async () => {
  if (!skip) await brokers.stop();
});

/** The SUBSCRIBE lines of a -d trace. */
const subscribeLines = (out: Buffer) =>
  out
    .toString()
    .split('\n')
    .filter((l) => l.includes('sending SUBSCRIBE'));

test("-d: the SUBSCRIBE options byte has No Local (0x04), in mosquitto_sub's format", { skip }, async () => {
  // mosquitto_sub has no --no-local: its line for --retain-as-published (0x08) shows the format.
  const ref = await run(MOSQUITTO_SUB!, [
    ...conn,
    '-V',
    '5',
    '-i',
    'nl',
    '-t',
    'nl/t',
    '-q',
    '1',
    '--retain-as-published',
    '-E',
    '-d',
  ]);
  assert.equal(ref.code, 0, ref.stderr.toString());
  assert.deepEqual(subscribeLines(ref.stdout), [
    'Client nl sending SUBSCRIBE (Mid: 1, Topic: nl/t, QoS: 1, Options: 0x08)',
  ]);
  const ours = async (...extra: string[]) => {
    const r = await run(bin('tssub'), [...conn, '-V', '5', '-i', 'nl', '-t', 'nl/t', '-q', '1', ...extra, '-E', '-d']);
    assert.equal(r.code, 0, r.stderr.toString());
    return subscribeLines(r.stdout);
  };
  assert.deepEqual(await ours('--retain-as-published'), [
    'Client nl sending SUBSCRIBE (Mid: 1, Topic: nl/t, QoS: 1, Options: 0x08)',
  ]);
  assert.deepEqual(await ours('--no-local'), [
    'Client nl sending SUBSCRIBE (Mid: 1, Topic: nl/t, QoS: 1, Options: 0x04)',
  ]);
  assert.deepEqual(await ours('--no-local', '--retain-as-published'), [
    'Client nl sending SUBSCRIBE (Mid: 1, Topic: nl/t, QoS: 1, Options: 0x0c)',
  ]);
  // Every -t gets it.
  const two = await run(bin('tssub'), [...conn, '-V', '5', '-i', 'nl', '-t', 'a', '-t', 'b', '--no-local', '-E', '-d']);
  assert.deepEqual(
    subscribeLines(two.stdout).map((l) => l.slice(-14)),
    ['Options: 0x04)', 'Options: 0x04)'],
  );
  // tsrr's subscription to its response topic.
  const rr = await run(bin('tsrr'), [
    ...conn,
    '-i',
    'nl',
    '-t',
    'nl/req',
    '-e',
    'nl/resp',
    '-m',
    'q',
    '--no-local',
    '-W',
    '1',
    '-d',
  ]);
  assert.deepEqual(subscribeLines(rr.stdout), [
    'Client nl sending SUBSCRIBE (Mid: 1, Topic: nl/resp, QoS: 0, Options: 0x04)',
  ]);
});

/** A client that answers each request on `topic` with `answer` on the same topic; its own
 * subscription has No Local, so that it never answers itself. */
async function responder(topic: string, answer: string): Promise<mqtt.MqttClient> {
  const client = mqtt.connect({ host: '127.0.0.1', port: brokers.broker.port, protocolVersion: 5, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  client.on('message', (_t, payload) => {
    if (payload.toString() !== answer) client.publish(topic, answer, { qos: 1 });
  });
  await client.subscribeAsync(topic, { qos: 1, nl: true });
  return client;
}

test('tsrr publishing on the topic it listens to: with --no-local it gets the answer, not its own request', {
  skip,
}, async () => {
  const client = await responder('nl/same', 'the answer');
  try {
    const ask = (...extra: string[]) =>
      run(bin('tsrr'), [
        ...conn,
        '-t',
        'nl/same',
        '-e',
        'nl/same',
        '-m',
        'the question',
        '-q',
        '1',
        '-W',
        '10',
        ...extra,
      ]);
    // Without it, the broker hands the request straight back: tsrr takes it for the response.
    let r = await ask();
    assert.equal(r.code, 0, r.stderr.toString());
    assert.equal(r.stdout.toString(), 'the question\n');
    r = await ask('--no-local');
    assert.equal(r.code, 0, r.stderr.toString());
    assert.equal(r.stdout.toString(), 'the answer\n');
  } finally {
    await client.endAsync();
  }
});

test('tssub --no-local still receives what other clients publish (MQTT v5 round trip)', { skip }, async () => {
  const sub = spawn(bin('tssub'), [...conn, '-V', '5', '-t', 'nl/others', '--no-local', '-C', '1', '-v', '-d']);
  let out = '';
  sub.stdout.on('data', (d) => {
    out += d;
  });
  sub.stderr.on('data', (d) => {
    out += d;
  });
  const done = new Promise<number | null>((resolve) => sub.once('close', resolve));
  // Published once the subscription is acknowledged (tssub's trace says so).
  const end = Date.now() + 20000;
  while (!out.includes('received SUBACK')) {
    assert.ok(Date.now() < end && sub.exitCode === null, out);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.match(out, /Options: 0x04\)/);
  const p = await run(bin('tspub'), [...conn, '-V', '5', '-t', 'nl/others', '-m', 'from another client', '-q', '1']);
  assert.equal(p.code, 0, p.stderr.toString());
  assert.equal(await done, 0, out);
  assert.match(out, /^nl\/others from another client$/m);
});

test('--no-local with MQTT v3.1 or v3.1.1: refused before connecting, whatever the order', { skip }, async () => {
  // Nothing listens there: a tool that connected would say "Connection refused".
  const nowhere = ['-h', '127.0.0.1', '-p', String(await freePort())];
  for (const [tool, args, version] of [
    ['tssub', ['-V', '311', '-t', 'a', '--no-local'], 'MQTT v3.1.1'],
    ['tssub', ['--no-local', '-t', 'a', '-V', 'mqttv31'], 'MQTT v3.1'],
    ['tsrr', ['--no-local', '-V', '311', '-t', 'a', '-e', 'b', '-m', 'x'], 'MQTT v3.1.1'],
  ] as const) {
    const r = await run(bin(tool), [...nowhere, ...args]);
    assert.equal(
      r.stderr.toString(),
      `Error: --no-local needs MQTT v5, but -V chose ${version}.\n\nUse '${tool} --help' to see usage.\n`,
    );
    assert.equal(r.code, 1);
  }
  // tssub's default is MQTT v3.1.1: --no-local alone is refused too.
  const r = await run(bin('tssub'), [...nowhere, '-t', 'a', '--no-local']);
  assert.equal(r.code, 1);
  assert.match(r.stderr.toString(), /^Error: --no-local needs MQTT v5, but -V chose MQTT v3\.1\.1\./);
  // tspub has no subscription: the flag is not one of its options.
  const p = await run(bin('tspub'), [...nowhere, '-t', 'a', '-m', 'x', '--no-local']);
  assert.equal(p.code, 1);
  assert.match(p.stderr.toString(), /^Error: Unknown option '--no-local'\./);
});

test('--no-local in an options file (-o)', { skip }, async () => {
  const opts = join(brokers.dir, 'opts');
  writeFileSync(opts, '-V 5\n--no-local\n');
  const r = await run(bin('tssub'), [...conn, '-o', opts, '-i', 'nlo', '-t', 'nl/o', '-E', '-d']);
  assert.equal(r.code, 0, r.stderr.toString());
  assert.deepEqual(subscribeLines(r.stdout), [
    'Client nlo sending SUBSCRIBE (Mid: 1, Topic: nl/o, QoS: 0, Options: 0x04)',
  ]);
});
