// scripts/shims/bl.cjs, the byte list the bundles give mqtt-packet's parser in place of bl:
// the same answers as bl (errors included) for the calls the parser makes, and the same packets
// parsed from any split of a stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import mqttPacket, { type Packet } from 'mqtt-packet';

const require = createRequire(import.meta.url);
/** The calls mqtt-packet's parser makes on its byte list. */
interface ByteList {
  length: number;
  append(b: Buffer): unknown;
  consume(n: number): unknown;
  readUInt8(at?: number): number;
  readUInt16BE(at?: number): number;
  readUInt32BE(at?: number): number;
  slice(start?: number, end?: number): Buffer;
  toString(encoding?: string, start?: number, end?: number): string;
}
const realBl = require('bl') as (b?: Buffer) => ByteList;
const shimBl = require('../../scripts/shims/bl.cjs') as (b?: Buffer) => ByteList;

function outcome(f: () => unknown): unknown {
  try {
    const v = f();
    return Buffer.isBuffer(v) ? ['buffer', [...v]] : ['value', v];
  } catch (e) {
    return ['error', (e as NodeJS.ErrnoException).code ?? (e as Error).name];
  }
}

test('the shim answers as bl: appends, consumes, reads in and out of range', () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 300; round++) {
    const real = realBl();
    const shim = shimBl();
    for (let step = 0; step < 40; step++) {
      const len = real.length;
      // What the parser passes: whole numbers (past the end too), start before end.
      const at = () => [rnd(len + 6) - 1, undefined, 0, len, len - 1, len + 1][rnd(6)];
      const range = (): [number | undefined, number | undefined] => {
        const a = at();
        const b = at();
        return a !== undefined && b !== undefined && b < a ? [b, a] : [a, b];
      };
      const op = rnd(9);
      const call = (l: ByteList) => {
        switch (op) {
          case 0:
            return l.append(Buffer.from(Array.from({ length: rnd(12) }, () => rnd(256)))) && l.length;
          case 1:
            return l.consume([rnd(len + 4), 0, -1, NaN, 1.7][rnd(5)]) && l.length;
          case 2:
            return l.readUInt8(at());
          case 3:
            return l.readUInt16BE(at());
          case 4:
            return l.readUInt32BE(at());
          case 5:
            return l.slice(...range());
          case 6:
            return l.toString(['utf8', 'latin1', 'hex'][rnd(3)], ...range());
          case 7:
            return l.slice();
          default:
            return l.length;
        }
      };
      // The same random choices for both: the generator is replayed.
      const saved = seed;
      const a = outcome(() => call(real));
      seed = saved;
      const b = outcome(() => call(shim));
      assert.deepEqual(b, a, `round ${round}, step ${step}, op ${op}`);
    }
  }
});

test('mqtt-packet parses the same packets through the shim, whatever the reads', () => {
  const opts = { protocolVersion: 5 as const };
  const packets: Array<Record<string, unknown>> = [
    { cmd: 'connack', reasonCode: 0, sessionPresent: false, properties: { topicAliasMaximum: 10 } },
    ...Array.from({ length: 40 }, (_, i) => ({
      cmd: 'publish',
      topic: `t/${i}/é`,
      payload: Buffer.alloc(i * 37, 65 + (i % 26)),
      qos: i % 3,
      messageId: i % 3 ? i + 1 : undefined,
      retain: i % 2 === 0,
      dup: false,
      properties: i % 5 ? undefined : { userProperties: { k: `v${i}` }, contentType: 'x' },
    })),
    { cmd: 'pubrel', messageId: 9 },
    { cmd: 'suback', messageId: 2, granted: [0, 1, 2, 0x80] },
    { cmd: 'pingresp' },
  ];
  const stream = Buffer.concat(packets.map((p) => mqttPacket.generate(p as unknown as Packet, opts)));
  const parse = (bl: unknown, size: number) => {
    // biome-ignore lint/suspicious/noExplicitAny: the parser's internals (_resetState, _list) have no types
    const Parser = (mqttPacket.parser(opts) as any).constructor;
    const parser = new Parser();
    parser.parser(opts);
    parser._resetState = function () {
      this.packet = new this.packet.constructor();
      this.error = null;
      this._list = (bl as () => unknown)();
      this._stateCounter = 0;
    };
    parser._resetState();
    const got: unknown[] = [];
    parser.on('packet', (p: Packet) => got.push(JSON.parse(JSON.stringify(p))));
    parser.on('error', (e: Error) => got.push(e.message));
    for (let i = 0; i < stream.length; i += size) parser.parse(stream.subarray(i, i + size));
    return got;
  };
  for (const size of [1, 2, 5, 64, 1000, stream.length]) {
    const want = parse(realBl, size);
    assert.equal(want.length, packets.length);
    assert.deepEqual(parse(shimBl, size), want, `reads of ${size} bytes`);
  }
});
