// Self-test of the transport test helpers: each server starts and mosquitto's own clients
// (or MQTT.js, for WebSocket) can use it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { needMosquitto, MOSQUITTO_PUB, MOSQUITTO_SUB, startBroker, type Broker } from '../helpers/broker.ts';
import { run } from '../helpers/run.ts';
import { makeCerts, needOpenssl, startTlsBroker, startPskBroker, startUnixBroker, type Certs } from '../helpers/tls.ts';
import { needMicrosocks, startSocks } from '../helpers/socks.ts';
import { startWsBroker } from '../helpers/wsbroker.ts';

const skip = needMosquitto || needOpenssl;
let dir = '';
let certs: Certs;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsmqtt-transport-'));
  if (!needOpenssl) certs = makeCerts(join(dir, 'certs'));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Publishes a retained message with mosquitto_pub, then reads it back with mosquitto_sub. */
async function roundTrip(conn: string[], topic: string, subConn: string[] = conn): Promise<void> {
  const msg = `hello ${topic}`;
  const pub = await run(MOSQUITTO_PUB!, [...conn, '-t', topic, '-m', msg, '-r', '-q', '1']);
  assert.equal(pub.stderr.toString(), '', 'mosquitto_pub stderr');
  assert.equal(pub.code, 0, 'mosquitto_pub status');
  const sub = await run(MOSQUITTO_SUB!, [...subConn, '-t', topic, '-C', '1', '-W', '5']);
  assert.equal(sub.stderr.toString(), '', 'mosquitto_sub stderr');
  assert.equal(sub.code, 0, 'mosquitto_sub status');
  assert.equal(sub.stdout.toString(), `${msg}\n`);
  // Clear the retained message.
  await run(MOSQUITTO_PUB!, [...conn, '-t', topic, '-r', '-n']);
}

test('makeCerts: every file is made, the expired cert is expired, capath is hashed', {
  skip: needOpenssl,
}, async () => {
  const { OPENSSL } = await import('../helpers/tls.ts');
  const dates = await run(OPENSSL!, ['x509', '-in', certs.expiredCert, '-noout', '-enddate']);
  assert.match(dates.stdout.toString(), /notAfter=Jan {2}2 00:00:00 2020 GMT/);
  const verify = await run(OPENSSL!, [
    'verify',
    '-CApath',
    certs.capath,
    certs.serverCert,
    certs.wrongNameCert,
    certs.clientCert,
  ]);
  assert.equal(verify.code, 0, verify.stderr.toString());
  const other = await run(OPENSSL!, ['verify', '-CAfile', certs.caFile, certs.otherServerCert]);
  assert.notEqual(other.code, 0);
});

test('TLS broker: --cafile (127.0.0.1 and localhost), --capath, client certificate', { skip }, async () => {
  const b = await startTlsBroker(certs);
  const rc = await startTlsBroker(certs, { requireCertificate: true });
  try {
    await roundTrip(['-h', '127.0.0.1', '-p', String(b.port), '--cafile', certs.caFile], 'tls/a');
    await roundTrip(['-h', 'localhost', '-p', String(b.port), '--cafile', certs.caFile], 'tls/b');
    await roundTrip(['-h', '127.0.0.1', '-p', String(b.port), '--capath', certs.capath], 'tls/c');
    await roundTrip(
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(rc.port),
        '--cafile',
        certs.caFile,
        '--cert',
        certs.clientCert,
        '--key',
        certs.clientKey,
      ],
      'tls/d',
    );
    const noCert = await run(MOSQUITTO_PUB!, [
      '-h',
      '127.0.0.1',
      '-p',
      String(rc.port),
      '--cafile',
      certs.caFile,
      '-t',
      't',
      '-m',
      'x',
    ]);
    assert.notEqual(noCert.code, 0, 'require_certificate refuses a client without a cert');
  } finally {
    await b.stop();
    await rc.stop();
  }
});

test('TLS broker: wrong-name, expired and other-CA server certs are refused by mosquitto_pub', { skip }, async () => {
  for (const kind of ['wrongName', 'expired', 'otherCa'] as const) {
    const b = await startTlsBroker(certs, { serverCert: kind });
    try {
      const r = await run(MOSQUITTO_PUB!, [
        '-h',
        '127.0.0.1',
        '-p',
        String(b.port),
        '--cafile',
        certs.caFile,
        '-t',
        't',
        '-m',
        'x',
      ]);
      assert.notEqual(r.code, 0, kind);
      assert.match(r.stderr.toString(), /TLS error|certificate|tls/i, kind);
    } finally {
      await b.stop();
    }
  }
});

test('PSK broker: --psk/--psk-identity round trip; a wrong key fails', { skip: needMosquitto }, async () => {
  const b = await startPskBroker({ keys: { 'test-id': 'deadbeef' } });
  try {
    await roundTrip(
      ['-h', '127.0.0.1', '-p', String(b.port), '--psk', 'deadbeef', '--psk-identity', 'test-id'],
      'psk/a',
    );
    const bad = await run(MOSQUITTO_PUB!, [
      '-h',
      '127.0.0.1',
      '-p',
      String(b.port),
      '--psk',
      'beefdead',
      '--psk-identity',
      'test-id',
      '-t',
      't',
      '-m',
      'x',
    ]);
    assert.notEqual(bad.code, 0);
  } finally {
    await b.stop();
  }
});

test('unix-socket broker: --unix round trip, and its TCP listener is the same broker', {
  skip: needMosquitto,
}, async () => {
  const b = await startUnixBroker();
  try {
    await roundTrip(['--unix', b.path], 'unix/a');
    await roundTrip(['--unix', b.path], 'unix/b', ['-h', '127.0.0.1', '-p', String(b.tcpPort)]);
  } finally {
    await b.stop();
  }
});

test('SOCKS5 proxy (microsocks): --proxy socks5h:// without and with user:pass', {
  skip: needMosquitto || needMicrosocks,
}, async () => {
  const broker: Broker = await startBroker();
  const open = await startSocks();
  const authed = await startSocks({ user: 'puser', pass: 'ppass' });
  try {
    assert.equal(authed.url, `socks5h://puser:ppass@127.0.0.1:${authed.port}`);
    const conn = ['-h', '127.0.0.1', '-p', String(broker.port)];
    await roundTrip([...conn, '--proxy', open.url], 'proxy/a');
    // (mosquitto 2.0.11 does not percent-decode the proxy URL's user:pass: keep them plain.)
    await roundTrip([...conn, '--proxy', authed.url], 'proxy/b');
    const bad = await run(MOSQUITTO_PUB!, [
      ...conn,
      '--proxy',
      `socks5h://puser:wrong@127.0.0.1:${authed.port}`,
      '-t',
      't',
      '-m',
      'x',
    ]);
    assert.notEqual(bad.code, 0, 'wrong proxy credentials fail');
  } finally {
    await authed.stop();
    await open.stop();
    await broker.stop();
  }
});

/** Connects with MQTT.js; rejects on 'error' or on 'close' before CONNACK (connectAsync
 * never settles when a ws upgrade is refused and reconnectPeriod is 0). */
function connect(url: string, opts: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    const fail = (e?: Error) => {
      c.end(true);
      reject(e ?? new Error('connection closed before CONNACK'));
    };
    c.once('connect', () => {
      c.removeListener('error', fail);
      c.removeListener('close', fail);
      resolve(c);
    });
    c.once('error', fail);
    c.once('close', fail);
  });
}

async function wsRoundTrip(url: string, opts: mqtt.IClientOptions, topic: string): Promise<void> {
  const c = await connect(url, opts);
  try {
    const got = new Promise<string>((resolve) =>
      c.on('message', (t, p) => {
        if (t === topic) resolve(p.toString());
      }),
    );
    await c.subscribeAsync(topic, { qos: 1 });
    await c.publishAsync(topic, `ws ${topic}`, { qos: 1 });
    assert.equal(await got, `ws ${topic}`);
  } finally {
    await c.endAsync();
  }
}

test('WebSocket broker: ws:// on /mqtt, any path, and mosquitto_pub on its TCP port reaches a ws subscriber', {
  skip: needOpenssl,
}, async () => {
  const b = await startWsBroker();
  const any = await startWsBroker({ path: null });
  try {
    assert.match(b.url, /^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);
    await wsRoundTrip(b.url, {}, 'ws/a');
    assert.equal(b.connections[0]?.url, '/mqtt');
    assert.equal(b.connections[0]?.protocols, 'mqtt');
    await wsRoundTrip(`ws://127.0.0.1:${any.port}/some/other?x=1`, {}, 'ws/b');
    assert.equal(any.connections[0]?.url, '/some/other?x=1');
    // A path other than /mqtt is refused by the /mqtt-only server.
    await assert.rejects(connect(`ws://127.0.0.1:${b.port}/other`));
    assert.deepEqual(b.rejected, ['/other']);
    // Cross-transport: mosquitto_pub over TCP, MQTT.js over ws.
    if (!needMosquitto) {
      const c = await connect(b.url);
      try {
        const got = new Promise<string>((resolve) => c.on('message', (_t, p) => resolve(p.toString())));
        await c.subscribeAsync('ws/x', { qos: 1 });
        const pub = await run(MOSQUITTO_PUB!, [
          '-h',
          '127.0.0.1',
          '-p',
          String(b.tcpPort),
          '-t',
          'ws/x',
          '-m',
          'from tcp',
          '-q',
          '1',
        ]);
        assert.equal(pub.code, 0, pub.stderr.toString());
        assert.equal(await got, 'from tcp');
      } finally {
        await c.endAsync();
      }
    }
  } finally {
    await b.close();
    await any.close();
  }
});

test('WebSocket broker: wss:// with the test CA; an untrusted client is refused', { skip: needOpenssl }, async () => {
  const b = await startWsBroker({ certs });
  try {
    assert.match(b.url, /^wss:\/\/127\.0\.0\.1:\d+\/mqtt$/);
    await wsRoundTrip(b.url, { ca: readFileSync(certs.caFile) }, 'wss/a');
    await wsRoundTrip(`wss://localhost:${b.port}/mqtt`, { ca: readFileSync(certs.caFile, 'utf8') }, 'wss/b');
    await assert.rejects(connect(b.url), /self[- ]signed|unable to verify|certificate/i);
  } finally {
    await b.close();
  }
});

test('WebSocket broker: aedes 1.x refuses MQTT v5 (CONNACK 1), so ws tests use v3.1.1', {
  skip: needOpenssl,
}, async () => {
  const b = await startWsBroker();
  try {
    await assert.rejects(connect(b.url, { protocolVersion: 5 }));
    await wsRoundTrip(b.url, { protocolVersion: 4 }, 'ws/v4');
  } finally {
    await b.close();
  }
});
