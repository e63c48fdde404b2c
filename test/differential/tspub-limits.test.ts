// What an MQTT v5 broker says it will not take (CONNACK maximum-qos, maximum-packet-size,
// retain-available, server-keep-alive, receive-maximum): mosquitto_pub and tspub against one broker that limits them; and
// messages it refuses one by one (PUBACK/PUBREC reason codes), on a broker with an ACL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, needMosquitto, MOSQUITTO_PUB, type Broker } from '../helpers/broker.ts';
import { run, bin, normalise, tidy, type RunResult } from '../helpers/run.ts';
import { assertSame } from '../helpers/differential.ts';
import { waitFor } from '../helpers/wait.ts';

const skip = needMosquitto;
let broker: Broker;
let acl: Broker;
let dir: string;

before(async () => {
  if (skip) return;
  broker = await startBroker({
    extra: [
      'max_qos 1',
      'max_packet_size 200',
      'retain_available false',
      'max_keepalive 10',
      'max_inflight_messages 2',
    ],
  });
  dir = mkdtempSync(join(tmpdir(), 'tspub-limits-'));
  writeFileSync(join(dir, 'acl'), 'topic readwrite ok/#\n');
  // (startBroker's max_queued_messages 0 makes this broker drop a client whose message it refuses.)
  acl = await startBroker({ extra: [`acl_file ${join(dir, 'acl')}`, 'max_queued_messages 1000'] });
});

after(async () => {
  if (skip) return;
  await broker.stop();
  await acl.stop();
  rmSync(dir, { recursive: true, force: true });
});

const BIG = 'a'.repeat(300);

async function both(args: string[], input?: string, on = broker): Promise<[RunResult, RunResult]> {
  const full = ['-h', '127.0.0.1', '-p', String(on.port), '-t', 'lim/t', '-V', '5', '-d', ...args];
  return [await run(MOSQUITTO_PUB!, full, { input }), await run(bin('tspub'), full, { input })];
}

/**
 * The same status, stderr and -d trace. With `pipelined` (-l with several lines at QoS > 0)
 * the trace is compared as a set of lines: mosquitto_pub reads one line per turn of its loop
 * and tspub as input comes, so whether a PUBACK is traced before the next PUBLISH depends on
 * the machine's load, for both.
 */
function same(ref: RunResult, ours: RunResult, pipelined = false): void {
  assertSame(ours, ref, { sortLines: pipelined });
}

test("tspub = mosquitto_pub: -l above the broker's maximum QoS stops with status 24", { skip }, async () => {
  const [ref, ours] = await both(['-l', '-q', '2'], 'a\nb\n');
  assert.equal(ref.code, 24);
  same(ref, ours);
});

test("tspub = mosquitto_pub: -l stops at a line above the broker's maximum packet size, status 25", {
  skip,
}, async () => {
  const [ref, ours] = await both(['-l', '-q', '0'], `a\n${BIG}\nb\n`);
  assert.equal(ref.code, 25);
  assert.match(tidy(ref.stdout), /sending PUBLISH \(d0, q0, r0, m1, 'lim\/t', \.\.\. \(1 bytes\)\)\n$/);
  same(ref, ours);
});

test('tspub = mosquitto_pub: -r with a broker that keeps no retained messages: sent without the flag', {
  skip,
}, async () => {
  const [ref, ours] = await both(['-q', '1', '-r', '-m', 'x']);
  assert.match(tidy(ref.stdout), /sending PUBLISH \(d0, q1, r0, m1,/);
  same(ref, ours);
});

// Deliberate differences: mosquitto_pub 2.0.11 exits 0 having published nothing.
test("-q above the broker's maximum: mosquitto_pub's message and trace, but status 24, not 0", { skip }, async () => {
  const [ref, ours] = await both(['-q', '2', '-m', 'x']);
  assert.equal(ref.code, 0, 'mosquitto_pub 2.0.11 reports success');
  assert.doesNotMatch(ref.stdout.toString(), /PUBLISH/, 'although it published nothing');
  assert.equal(ours.code, 24);
  assert.equal(normalise(ours.stderr), normalise(ref.stderr));
  assert.equal(tidy(ours.stdout), tidy(ref.stdout));
});

test("a message above the broker's maximum packet size: an error and status 25; mosquitto_pub says nothing, exits 0", {
  skip,
}, async () => {
  const [ref, ours] = await both(['-q', '1', '-m', BIG]);
  assert.equal(ref.code, 0, 'mosquitto_pub 2.0.11 reports success');
  assert.equal(ref.stderr.length, 0, 'and says nothing');
  assert.doesNotMatch(ref.stdout.toString(), /PUBLISH/, 'although it published nothing');
  assert.equal(ours.code, 25);
  assert.equal(ours.stderr.toString(), 'Error: Packet larger than supported by the server.\n');
  assert.equal(tidy(ours.stdout), tidy(ref.stdout));
});

// libmosquitto counts a packet without its first byte: 188 bytes of payload make a 201-byte
// PUBLISH here (QoS 1, topic lim/t), which both it and the broker take under a limit of 200.
for (const size of [187, 188]) {
  test(`tspub = mosquitto_pub: ${size}-byte message against the broker's maximum packet size`, { skip }, async () => {
    const [ref, ours] = await both(['-q', '1', '-m', 'a'.repeat(size)]);
    assert.match(ref.stdout.toString(), /received PUBACK/);
    same(ref, ours);
  });
}

// One byte more: mosquitto_pub 2.0.11 aborts on an assertion in its logging (SIGABRT); tspub
// refuses the message as it does any larger one.
test("189-byte message: one byte over the broker's maximum as libmosquitto counts, refused", { skip }, async () => {
  const ours = await run(bin('tspub'), [
    '-h',
    '127.0.0.1',
    '-p',
    String(broker.port),
    '-t',
    'lim/t',
    '-V',
    '5',
    '-q',
    '1',
    '-m',
    'a'.repeat(189),
  ]);
  assert.equal(ours.code, 25);
  assert.equal(ours.stderr.toString(), 'Error: Packet larger than supported by the server.\n');
});

for (const [name, args, input] of [
  ['QoS 1', ['-q', '1', '-m', 'x'], undefined],
  ['QoS 2, --repeat 2', ['-q', '2', '-m', 'x', '--repeat', '2'], undefined],
  ['-l, QoS 1', ['-q', '1', '-l'], 'a\nb\nc\n'],
  ['--quiet', ['-q', '1', '-m', 'x', '--quiet'], undefined],
] as const) {
  test(`tspub = mosquitto_pub: messages the broker refuses (Not authorized): a warning each, status 0: ${name}`, {
    skip,
  }, async () => {
    const [ref, ours] = await both([...args], input, acl);
    assert.match(ref.stdout.toString(), /RC:135|PUBREC/);
    same(ref, ours, input !== undefined);
  });
}

test("the broker's server keep alive (10 s) is used, as MQTT v5 requires: PINGREQ while -l waits", {
  skip,
  timeout: 90000,
}, async () => {
  // As mosquitto_pub 2.0.11 does (measured: mosquitto with max_keepalive 10, mosquitto_pub -k 60 -l).
  const { spawn } = await import('node:child_process');
  const child = spawn(bin('tspub'), [
    '-h',
    '127.0.0.1',
    '-p',
    String(broker.port),
    '-t',
    'lim/ka',
    '-V',
    '5',
    '-d',
    '-l',
  ]);
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const done = new Promise<number | null>((resolve) => child.once('close', resolve));
  // The line comes once the keep-alive has been used: PINGREQ sent and answered.
  await waitFor(() => out.includes('received PINGRESP'), 'a PINGREQ answered', 60000);
  child.stdin.end('late\n');
  assert.equal(await done, 0);
  assert.match(
    tidy(Buffer.from(out)),
    /^Client \(null\) sending CONNECT\nClient auto-ID received CONNACK \(0\)\nClient auto-ID sending PINGREQ\nClient auto-ID received PINGRESP\nClient auto-ID sending PUBLISH \(d0, q0, r0, m1, 'lim\/ka', \.\.\. \(4 bytes\)\)\nClient auto-ID sending DISCONNECT\n$/,
  );
});

/** The most messages a -d trace shows sent and not yet acknowledged at once. */
function mostInFlight(trace: string): number {
  let now = 0;
  let most = 0;
  for (const line of trace.split('\n')) {
    if (/sending PUBLISH \(d0, q[12]/.test(line)) most = Math.max(most, ++now);
    if (/received (PUBACK|PUBCOMP)/.test(line)) now--;
  }
  return most;
}

test("tspub = mosquitto_pub: no more in flight than the broker's receive maximum (2), whatever -M says", {
  skip,
}, async () => {
  const lines = Array.from({ length: 30 }, (_, i) => `m${i}`).join('\n') + '\n';
  // (QoS 1: the broker's maximum QoS.)
  const [ref, ours] = await both(['-l', '-q', '1', '-M', '20'], lines);
  assert.equal(ref.code, 0);
  assert.equal(mostInFlight(ref.stdout.toString()), 2);
  assert.equal(mostInFlight(ours.stdout.toString()), 2);
  assert.equal(ours.code, 0);
  const sorted = (b: Buffer) => tidy(b).split('\n').sort().join('\n');
  assert.equal(sorted(ours.stdout), sorted(ref.stdout));
});
