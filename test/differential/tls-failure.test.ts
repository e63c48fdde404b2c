// OpenSSL failing on an open connection: a proxy between tool and a TLS mosquitto spoils one
// record that carries MQTT from the broker (the first is CONNACK, the second SUBACK or
// PUBACK), so the client's OpenSSL fails to decrypt it ("bad record mac"). mosquitto's clients give up there, before CONNACK or after it: "Error:
// Protocol error" (strerror(EPROTO)), status 14, OpenSSL's reason under -d. Ours must do the
// same; tspub -l instead connects again and loses nothing (mosquitto_pub -l gives up and
// loses the lines still to come: documented in docs/differences.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, needMosquitto, MOSQUITTO_PUB, MOSQUITTO_RR, MOSQUITTO_SUB } from '../helpers/broker.ts';
import { makeCerts, needOpenssl, startTlsBroker, type TlsBroker } from '../helpers/tls.ts';
import { bin, run } from '../helpers/run.ts';
import { assertSame } from '../helpers/differential.ts';
import { collect, type Collector } from '../helpers/collector.ts';

const skip = needMosquitto || needOpenssl;
if (skip) process.stderr.write(`# SKIPPING TLS failure tests: ${skip}\n`);

const TLS_APPLICATION_DATA = 23;
/**
 * TLS 1.3 (what mosquitto and both clients choose) encrypts the rest of the handshake as
 * application data too: OpenSSL's server sends four such records (extensions, certificate,
 * its verification, Finished), then session tickets (about 270 bytes each). Records after the
 * fourth that are shorter than a ticket carry MQTT (a CONNACK or an acknowledgement: 26 bytes).
 */
const HANDSHAKE_RECORDS = 4;
const SHORTER_THAN_A_TICKET = 200;

/**
 * A TCP proxy that forwards the broker's TLS records whole and flips a byte inside the
 * `spoil`-th record that carries MQTT, on each connection (0: none). Counts what it spoiled.
 */
class SpoilingProxy {
  spoil = 0;
  spoiled = 0;
  connections = 0;
  private readonly server: Server;
  constructor(private readonly target: number) {
    this.server = createServer((client) => {
      this.connections++;
      const upstream = connect(this.target, '127.0.0.1');
      let pending = Buffer.alloc(0);
      let appRecords = 0;
      let mqttRecords = 0;
      client.on('data', (d) => upstream.write(d));
      upstream.on('data', (d: Buffer) => {
        pending = Buffer.concat([pending, d]);
        // Whole records only: 5 bytes of header (type, version, length), then the body.
        while (pending.length >= 5 && pending.length >= 5 + pending.readUInt16BE(3)) {
          const size = 5 + pending.readUInt16BE(3);
          const record = Buffer.from(pending.subarray(0, size));
          pending = pending.subarray(size);
          const mqtt =
            record[0] === TLS_APPLICATION_DATA && ++appRecords > HANDSHAKE_RECORDS && size < SHORTER_THAN_A_TICKET;
          if (mqtt && ++mqttRecords === this.spoil) {
            record[size - 1]! ^= 0xff;
            this.spoiled++;
          }
          client.write(record);
        }
      });
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end);
      upstream.on('close', end);
      client.on('error', end);
      upstream.on('error', end);
    });
  }
  listen(): Promise<number> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as { port: number }).port)),
    );
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let dir: string;
let broker: TlsBroker;
let proxy: SpoilingProxy;
let port: number;
let collector: Collector;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'tsmqtt-tlsfail-'));
  const certs = makeCerts(join(dir, 'certs'));
  // A plain listener beside it for the collector.
  const plain = await freePort();
  broker = await startTlsBroker(certs, { extra: [`listener ${plain} 127.0.0.1`] });
  proxy = new SpoilingProxy(broker.port);
  port = await proxy.listen();
  collector = await collect(plain, 'tlsfail/#', 4);
});

after(async () => {
  if (skip) return;
  await collector?.close();
  await proxy?.close();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const conn = () => ['-h', '127.0.0.1', '-p', String(port), '--cafile', broker.certs.caFile];

/** Runs the reference and ours with the same arguments, the `spoil`-th record spoiled for each. */
async function both(
  ref: string,
  ours: string,
  args: string[],
  spoil: number,
): Promise<[Awaited<ReturnType<typeof run>>, Awaited<ReturnType<typeof run>>]> {
  const results = [];
  for (const tool of [ref, ours]) {
    proxy.spoil = spoil;
    const spoiledBefore = proxy.spoiled;
    results.push(await run(tool, [...conn(), ...args], { timeoutMs: 30000 }));
    assert.equal(proxy.spoiled, spoiledBefore + 1, `the record was spoiled for ${tool}`);
  }
  return results as [Awaited<ReturnType<typeof run>>, Awaited<ReturnType<typeof run>>];
}

const PROTOCOL_ERROR = 'Error: Protocol error\n';
const BAD_RECORD = 'OpenSSL Error[0]: error:0A000119:SSL routines::decryption failed or bad record mac';

test('tspub: CONNACK spoiled: status 14, "Error: Protocol error", OpenSSL reason under -d', { skip }, async () => {
  const [ref, ours] = await both(MOSQUITTO_PUB!, bin('tspub'), ['-t', 'tlsfail/a', '-m', 'x', '-q', '1', '-d'], 1);
  assert.equal(ref.code, 14, `mosquitto_pub: ${ref.stderr}`);
  assert.equal(ref.stderr.toString(), PROTOCOL_ERROR);
  assert.ok(ref.stdout.toString().includes(BAD_RECORD), `OpenSSL's reason: ${ref.stdout}`);
  assertSame(ours, ref);
});

test('tspub: PUBACK spoiled: status 14 as mosquitto_pub, and our count of the unacknowledged message', {
  skip,
}, async () => {
  const [ref, ours] = await both(MOSQUITTO_PUB!, bin('tspub'), ['-t', 'tlsfail/b', '-m', 'x', '-q', '1', '-d'], 2);
  assert.equal(ref.code, 14, `mosquitto_pub: ${ref.stderr}`);
  assert.equal(ref.stderr.toString(), PROTOCOL_ERROR);
  // tspub says what the broker never acknowledged, as it does for any lost connection.
  assertSame(
    { ...ours, stderr: ours.stderr.toString().replace(/Error: 1 message was not acknowledged by the broker\.\n$/, '') },
    ref,
  );
  assert.match(ours.stderr.toString(), /\nError: 1 message was not acknowledged by the broker\.\n$/);
});

test('tssub: SUBACK spoiled (after CONNACK): gives up with status 14 as mosquitto_sub, no reconnection', {
  skip,
}, async () => {
  const connectionsBefore = proxy.connections;
  const [ref, ours] = await both(MOSQUITTO_SUB!, bin('tssub'), ['-t', 'tlsfail/c', '-d'], 2);
  assert.equal(ref.code, 14, `mosquitto_sub: ${ref.stderr}`);
  assert.equal(ref.stderr.toString(), PROTOCOL_ERROR);
  assertSame(ours, ref);
  assert.equal(proxy.connections, connectionsBefore + 2, 'one connection each: neither reconnected');
});

test('tssub: CONNACK spoiled: status 14 as mosquitto_sub', { skip }, async () => {
  const [ref, ours] = await both(MOSQUITTO_SUB!, bin('tssub'), ['-t', 'tlsfail/d'], 1);
  assert.equal(ref.code, 14, `mosquitto_sub: ${ref.stderr}`);
  assertSame(ours, ref);
});

test('tsrr: SUBACK spoiled: status 14 as mosquitto_rr', { skip }, async () => {
  const [ref, ours] = await both(
    MOSQUITTO_RR!,
    bin('tsrr'),
    ['-t', 'tlsfail/req', '-e', 'tlsfail/resp', '-m', 'x', '-W', '20', '-d'],
    2,
  );
  assert.equal(ref.code, 14, `mosquitto_rr: ${ref.stderr}`);
  assertSame(ours, ref);
});

test('tspub -l: a PUBACK spoiled mid-stream: tspub connects again and every line arrives (mosquitto_pub -l gives up and loses the rest)', {
  skip,
}, async () => {
  const lines = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`);
  const input = `${lines.join('\n')}\n`;
  const args = ['-t', 'tlsfail/l', '-l', '-q', '1'];
  collector.reset();
  proxy.spoil = 3;
  const ref = await run(MOSQUITTO_PUB!, [...conn(), ...args], { input, timeoutMs: 30000 });
  const refGot = await collector.settle();
  collector.reset();
  proxy.spoil = 3;
  const connectionsBefore = proxy.connections;
  const ours = await run(bin('tspub'), [...conn(), ...args, '-d'], { input, timeoutMs: 60000 });
  const got = await collector.settle();
  process.stderr.write(
    `# mosquitto_pub -l: status ${ref.code}, ${new Set(refGot.map((m) => m.payload)).size}/50 lines delivered; tspub -l: status ${ours.code}, ${new Set(got.map((m) => m.payload)).size}/50\n`,
  );
  assert.equal(ours.code, 0, `tspub: ${ours.stderr}`);
  assert.ok(proxy.connections >= connectionsBefore + 2, 'tspub connected again');
  assert.ok(ours.stdout.toString().includes(BAD_RECORD), `OpenSSL's reason: ${ours.stdout}`);
  const delivered = new Set(got.map((m) => Buffer.from(m.payload, 'hex').toString()));
  assert.deepEqual(
    lines.filter((l) => !delivered.has(l)),
    [],
    'every line delivered at least once',
  );
});
