// The CONNECT packet, byte for byte: mosquitto's tools and ours, given the same options,
// must ask the broker for the same thing (protocol, flags, keep-alive, properties and their
// order, client id, will, user name, password). A bare TCP server records what each sends
// and then hangs up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type AddressInfo } from 'node:net';
import { needMosquitto, MOSQUITTO_PUB, MOSQUITTO_SUB } from '../helpers/broker.ts';
import { run, bin } from '../helpers/run.ts';

const skip = needMosquitto;
let server: Server;
let port: number;
let captured: Buffer[] = [];

/** Where the first MQTT packet in `b` ends (Infinity until its length is known). */
function packetEnd(b: Buffer): number {
  let length = 0;
  for (let i = 1; i < Math.min(b.length, 5); i++) {
    length += (b[i]! & 0x7f) * 128 ** (i - 1);
    if ((b[i]! & 0x80) === 0) return i + 1 + length;
  }
  return Infinity;
}

before(async () => {
  server = createServer((socket) => {
    const chunks: Buffer[] = [];
    socket.on('error', () => {});
    // The tools wait for CONNACK after CONNECT: nothing else comes. Hung up on once the
    // CONNECT is whole (its fixed header's remaining length all here).
    socket.on('data', (d) => {
      chunks.push(d);
      const got = Buffer.concat(chunks);
      if (packetEnd(got) <= got.length) {
        captured.push(got);
        socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function connectOf(cmd: string, args: string[]): Promise<string> {
  captured = [];
  await run(cmd, ['-h', '127.0.0.1', '-p', String(port), ...args], { timeoutMs: 10000 });
  // A subscriber connects again once hung up on (-W ends it): the first one counts.
  assert.ok(captured.length >= 1, `${cmd} connected`);
  return captured[0]!.toString('hex');
}

const PUB: Record<string, string[]> = {
  'MQTT v3.1.1, defaults': ['-t', 't', '-m', 'x', '-i', 'fixed'],
  'MQTT v3.1, keep-alive 30': ['-t', 't', '-m', 'x', '-i', 'fixed', '-V', '31', '-k', '30'],
  'user name, password, will with payload, QoS 2, retained': [
    '-t',
    't',
    '-m',
    'x',
    '-i',
    'fixed',
    '-u',
    'user',
    '-P',
    'secret',
    '--will-topic',
    'w/t',
    '--will-payload',
    'gone',
    '--will-qos',
    '2',
    '--will-retain',
  ],
  'persistent session': ['-t', 't', '-m', 'x', '-c', '-i', 'fixed', '-q', '1'],
  'MQTT v5: password without a user name': ['-t', 't', '-m', 'x', '-i', 'fixed', '-V', '5', '-P', 'secret'],
  'MQTT v5: -c, connect and will properties': [
    '-t',
    't',
    '-m',
    'x',
    '-V',
    '5',
    '-c',
    '-i',
    'fixed',
    '-D',
    'connect',
    'maximum-packet-size',
    '1000',
    '--will-topic',
    'w',
    '-D',
    'will',
    'content-type',
    'c',
    '-D',
    'will',
    'will-delay-interval',
    '3',
  ],
  'MQTT v5: -x, user property, receive-maximum given': [
    '-t',
    't',
    '-m',
    'x',
    '-V',
    '5',
    '-i',
    'fixed',
    '-x',
    '30',
    '-D',
    'connect',
    'user-property',
    'k',
    'v',
    '-D',
    'connect',
    'receive-maximum',
    '9',
  ],
  'MQTT v5: broker-assigned id, -M does not change receive-maximum': ['-t', 't', '-m', 'x', '-V', '5', '-M', '7'],
};
const SUB: Record<string, string[]> = {
  'MQTT v3.1.1, -c -i': ['-t', 't', '-c', '-i', 'fixed', '-q', '1', '-W', '1'],
  'MQTT v5, -x, user property': [
    '-t',
    't',
    '-V',
    '5',
    '-i',
    'fixed',
    '-x',
    '30',
    '-D',
    'connect',
    'user-property',
    'a',
    'b',
    '-W',
    '1',
  ],
};

for (const [name, args] of Object.entries(PUB)) {
  test(`CONNECT of tspub = mosquitto_pub's: ${name}`, { skip }, async () => {
    assert.equal(await connectOf(bin('tspub'), args), await connectOf(MOSQUITTO_PUB!, args));
  });
}
for (const [name, args] of Object.entries(SUB)) {
  test(`CONNECT of tssub = mosquitto_sub's: ${name}`, { skip }, async () => {
    assert.equal(await connectOf(bin('tssub'), args), await connectOf(MOSQUITTO_SUB!, args));
  });
}
