// The receive path on its own (src/session/receive.ts): framing whatever the reads, large
// messages without quadratic copying, and libmosquitto's UTF-8 rule. Its verdicts are tested
// end to end against mosquitto's clients in fake-broker.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { Receiver, validUtf8 } from '../../src/session/receive.ts';
import { KeepAlive } from '../../src/session/keepalive.ts';

/** A receiver whose packets are re-encoded as they come (and whose failures are counted). */
function receiver(version: 3 | 4 | 5 = 4) {
  const failures: number[] = [];
  const passed: Packet[] = [];
  const keepalive = new KeepAlive(
    0,
    () => {},
    () => {},
  );
  const g = new Receiver(version, false, keepalive, {
    packet: (p) => passed.push(p),
    trace: () => {},
    fail: (c) => failures.push(c),
    send: () => {},
    outgoingQos: () => undefined,
  });
  /** The packets handed on in this feed. */
  const packets = (chunk: Buffer) => {
    passed.length = 0;
    g.feed(chunk);
    return [...passed];
  };
  /** What the packets handed on in this feed were, as bytes. */
  const feed = (chunk: Buffer) =>
    Buffer.concat(packets(chunk).map((p) => mqttPacket.generate(p, { protocolVersion: version })));
  return { feed, packets, failures };
}
const gen = (p: Record<string, unknown>, protocolVersion = 4) =>
  mqttPacket.generate(p as unknown as Packet, { protocolVersion });

test('any split of the stream passes the same bytes, packet by packet', () => {
  const stream = Buffer.concat([
    gen({ cmd: 'connack', returnCode: 0, sessionPresent: false }),
    gen({ cmd: 'suback', messageId: 1, granted: [1] }),
    ...Array.from({ length: 50 }, (_, i) =>
      gen({
        cmd: 'publish',
        topic: `t/${i}`,
        payload: Buffer.alloc(i * 7, 65),
        qos: 1,
        messageId: i + 1,
        retain: false,
        dup: false,
      }),
    ),
    gen({ cmd: 'pingresp' }),
  ]);
  for (const size of [1, 2, 3, 7, 64, 1000, stream.length]) {
    const { feed, failures } = receiver();
    const passed: Buffer[] = [];
    for (let i = 0; i < stream.length; i += size) passed.push(feed(stream.subarray(i, i + size)));
    assert.deepEqual(failures, []);
    assert.ok(Buffer.concat(passed).equals(stream), `reads of ${size} bytes`);
  }
});

test('a 64 MiB message in 64 KiB reads is gathered once, not copied again at each read', () => {
  const { feed, packets } = receiver();
  feed(gen({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
  const big = gen({
    cmd: 'publish',
    topic: 'big',
    payload: Buffer.alloc(64 * 1024 * 1024, 1),
    qos: 0,
    retain: false,
    dup: false,
  });
  const started = process.hrtime.bigint();
  let passed = 0;
  for (let i = 0; i < big.length; i += 65536)
    for (const p of packets(big.subarray(i, i + 65536))) passed += (p as { payload: Buffer }).payload.length;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.equal(passed, 64 * 1024 * 1024);
  assert.ok(ms < 3000, `${ms} ms`);
});

test('a violation: the packets before it pass, then the connection fails with the code', () => {
  const { feed, failures } = receiver();
  const ok = gen({ cmd: 'connack', returnCode: 0, sessionPresent: false });
  const out = feed(Buffer.concat([ok, Buffer.from([0x40, 0x02, 0x00, 0x00]), gen({ cmd: 'pingresp' })]));
  assert.ok(out.equals(ok));
  assert.deepEqual(failures, [2]);
  assert.equal(feed(gen({ cmd: 'pingresp' })).length, 0, 'nothing after it');
});

test("libmosquitto's UTF-8: no NUL, no control characters, no overlongs, surrogates or non-characters", () => {
  const ok = (bytes: number[]) => validUtf8(Buffer.from(bytes), 0, bytes.length);
  assert.ok(ok([0x74, 0x2f, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]));
  for (const bad of [
    [0x00],
    [0x1f],
    [0x7f],
    [0xc2, 0x80],
    [0xc0, 0xaf],
    [0xe0, 0x80, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xef, 0xbf, 0xbe],
    [0xef, 0xb7, 0x90],
    [0xf4, 0x90, 0x80, 0x80],
    [0xff],
    [0x80],
    [0xe2, 0x82],
  ]) {
    assert.equal(ok(bad), false, bad.map((b) => b.toString(16)).join(' '));
  }
});
