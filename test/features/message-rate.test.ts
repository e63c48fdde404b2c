// tssub --message-rate (mosquitto 2.1) when it is stopped. mosquitto_sub 2.1.2, built from
// its v2.1.2 tag and run by hand (it is not installed for these tests), was seen to do this on
// SIGINT, SIGTERM and at -W: it sends DISCONNECT (the -d line "sending DISCONNECT"), then
// prints one more "N msgs/s" line at once, N being the messages that came in since its last
// line (the part of a second that was running, 0 included), then leaves: status 0 after a
// signal; "Timed out" on stderr and status 27 at -W. Here that is checked without timing: the
// last line comes right after the DISCONNECT line, and the lines add up to every message
// received.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import mqtt from 'mqtt';
import { needMosquitto, startBroker, type Broker } from '../helpers/broker.ts';
import { bin, run } from '../helpers/run.ts';

const skip = needMosquitto;
let broker: Broker;

before(async () => {
  if (!skip) broker = await startBroker();
});

after(async () => {
  if (!skip) await broker.stop();
});

/** Messages published while tssub counts. */
const K = 7;

async function publish(topic: string, count: number): Promise<void> {
  const client = mqtt.connect({ host: '127.0.0.1', port: broker.port, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  for (let i = 0; i < count; i++) await client.publishAsync(topic, `m${i}`, { qos: 1 });
  await client.endAsync();
}

/**
 * Runs tssub --message-rate -d on `topic`, publishes K messages once it has subscribed, waits
 * until its trace shows all K received, then stops it (a signal, or -W running out). For -W
 * the K messages are queued first for a persistent session of tssub's, so that they come as
 * soon as it connects, however long a loaded machine takes to start it.
 */
async function rateRun(
  topic: string,
  stop: 'SIGINT' | 'SIGTERM' | '-W',
): Promise<{ code: number | null; lines: string[]; stderr: string }> {
  const session = stop === '-W' ? ['-c', '-i', `tsmqtt-rate-${topic.replace(/\W/g, '-')}`, '-q', '1'] : [];
  const args = [
    '-h',
    '127.0.0.1',
    '-p',
    String(broker.port),
    '-t',
    topic,
    ...session,
    '--message-rate',
    '-d',
    ...(stop === '-W' ? ['-W', '5'] : []),
  ];
  if (stop === '-W') {
    const made = await run(bin('tssub'), [...args.filter((a) => a !== '--message-rate' && a !== '-d'), '-E'], {
      timeoutMs: 60000,
    });
    assert.equal(made.code, 0, made.stderr.toString());
    await publish(topic, K);
  }
  const child = spawn(bin('tssub'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let exited = false;
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (d) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  const code = new Promise<number | null>((resolve) =>
    child.once('close', (c) => {
      exited = true;
      for (const w of waiters.splice(0)) w();
      resolve(c);
    }),
  );
  const until = async (what: string, ok: () => boolean) => {
    while (!ok()) {
      assert.ok(!exited, `tssub ended before ${what}: ${out}${err}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  await until('subscribing', () => /^Subscribed \(mid: 1\): [01]$/m.test(out));
  if (stop !== '-W') await publish(topic, K);
  await until(`${K} messages`, () => out.split('\n').filter((l) => / received PUBLISH /.test(l)).length === K);
  if (stop !== '-W') child.kill(stop);
  return { code: await code, lines: out.split('\n').slice(0, -1), stderr: err };
}

function checkEnd(lines: string[]): void {
  const rate = /^(\d+) msgs\/s$/;
  assert.match(lines.at(-1)!, rate, `the last line is a rate line: ${lines.join('\n')}`);
  assert.match(lines.at(-2)!, /^Client \S+ sending DISCONNECT$/, `right after the DISCONNECT: ${lines.join('\n')}`);
  const total = lines.reduce((n, l) => n + Number(rate.exec(l)?.[1] ?? 0), 0);
  assert.equal(total, K, `every message counted once, the last part of a second included: ${lines.join('\n')}`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`tssub --message-rate, ${signal}: DISCONNECT, then the line of the last part of a second, status 0 (as mosquitto_sub 2.1.2)`, {
    skip,
  }, async () => {
    const r = await rateRun(`rate/${signal}`, signal);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    checkEnd(r.lines);
  });
}

test('tssub --message-rate -W: DISCONNECT, then the line of the last part of a second, "Timed out", status 27 (as mosquitto_sub 2.1.2)', {
  skip,
}, async () => {
  const r = await rateRun('rate/W', '-W');
  assert.equal(r.code, 27);
  assert.equal(r.stderr, 'Timed out\n');
  checkEnd(r.lines);
});
