// mosquitto 2.1's client options that 2.0.11 refuses, for tssub and tsrr: --retain-handling.
// (Transport ones — -o, --no-tls, --tls-keylog, --ws — are in transport.test.ts and
// websocket.test.ts; -F %f %d and split hex in format.test.ts; tspasswd's in tspasswd.test.ts.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { needMosquitto, MOSQUITTO_PUB, startBroker, type Broker } from './helpers/broker.ts';
import { bin, run } from './helpers/run.ts';

const skip = needMosquitto;
let broker: Broker;
let conn: string[];

before(async () => {
  if (skip) return;
  broker = await startBroker();
  conn = ['-h', '127.0.0.1', '-p', String(broker.port)];
  await run(MOSQUITTO_PUB!, [...conn, '-t', 'rh/kept', '-m', 'old', '-r', '-q', '1']);
});

after(async () => {
  if (skip) return;
  await broker.stop();
});

test('tssub --retain-handling: always and new deliver the retained message, never does not (MQTT v5 option bits 4-5)', { skip }, async () => {
  for (const [value, bits, delivered] of [['always', '0x00', true], ['new', '0x10', true], ['never', '0x20', false]] as const) {
    const r = await run(bin('tssub'), [...conn, '-V', '5', '-t', 'rh/kept', '--retain-handling', value, '-d', '-W', '1', '-v']);
    const out = r.stdout.toString();
    assert.match(out, new RegExp(`sending SUBSCRIBE \\(Mid: 1, Topic: rh/kept, QoS: 0, Options: ${bits}\\)`), value);
    assert.equal(out.includes('rh/kept old\n'), delivered, `${value}: ${out}`);
    assert.equal(r.code, 27);
  }
});

test('tsrr --retain-handling never: the SUBSCRIBE carries it', { skip }, async () => {
  const r = await run(bin('tsrr'), [...conn, '-t', 'rr/req', '-e', 'rh/kept', '-m', 'x', '--retain-handling', 'never', '-d', '-W', '1']);
  assert.match(r.stdout.toString(), /sending SUBSCRIBE \(Mid: 1, Topic: rh\/kept, QoS: 0, Options: 0x20\)/);
  assert.equal(r.code, 27);
});

test('--retain-handling: mosquitto 2.1\'s messages for a missing or unknown value; not a tspub option', { skip }, async () => {
  let r = await run(bin('tssub'), ['-t', 'x', '--retain-handling', 'sometimes']);
  assert.equal(r.stderr.toString(), "Error: Unknown value 'sometimes' for --retain-handling.\n\n\nUse 'tssub --help' to see usage.\n");
  assert.equal(r.code, 1);
  r = await run(bin('tsrr'), ['-t', 'x', '-e', 'y', '-m', 'z', '--retain-handling']);
  assert.equal(r.stderr.toString(), "Error: --retain-handling argument given but no option specified.\n\n\nUse 'tsrr --help' to see usage.\n");
  r = await run(bin('tspub'), ['-t', 'x', '-m', 'y', '--retain-handling', 'never']);
  assert.equal(r.stderr.toString(), "Error: Unknown option '--retain-handling'.\n\nUse 'tspub --help' to see usage.\n");
});
