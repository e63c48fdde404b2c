// Differential tests of the transports: mosquitto_pub/mosquitto_sub and tspub/tssub with the
// same arguments against the same servers (mosquitto with TLS, TLS-PSK and unix-socket
// listeners, certificates made by openssl for this run; microsocks with and without a login):
// stdout (-d traces), stderr, exit status and what a subscriber received must be identical.
//
// One difference is allowed, and only this one: on loopback mosquitto sometimes fails a TLS
// handshake inside its connect call ("Unable to connect (A TLS error occurred.).", status 1,
// no CONNECT traced) instead of in its loop ("Error: A TLS error occurred.", status 8, after
// "sending CONNECT"): a race in libmosquitto. Our tools always give the second form; when
// mosquitto gives the first, the comparison maps it to the second.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  needMosquitto,
  MOSQUITTO_PUB,
  MOSQUITTO_RR,
  MOSQUITTO_SUB,
  startBroker,
  type Broker,
} from '../helpers/broker.ts';
import {
  makeCerts,
  needOpenssl,
  OPENSSL,
  startPskBroker,
  startTlsBroker,
  startUnixBroker,
  type Certs,
  type PskBroker,
  type UnixBroker,
} from '../helpers/tls.ts';
import { needMicrosocks, startSocks, type Socks } from '../helpers/socks.ts';
import { bin, run, tidy, type RunResult } from '../helpers/run.ts';
import { assertSame, runCollecting, type Outcome } from '../helpers/differential.ts';
import { waitFor } from '../helpers/wait.ts';
import { collect, type Collector } from '../helpers/collector.ts';
import { needPty, onTerminal } from '../helpers/pty.ts';

const skip = needMosquitto || needOpenssl || needMicrosocks;
if (skip) process.stderr.write(`# SKIPPING transport tests: ${skip}\n`);

let dir: string;
let env: NodeJS.ProcessEnv;
let certs: Certs;
/** TLS listeners, each with a plain listener beside it (plain[name]) for the collector. */
const tls: Record<string, Broker> = {};
const plain: Record<string, number> = {};
let psk: PskBroker;
let pskPlain: number;
let unix: UnixBroker;
let socks: Socks;
let socksAuth: Socks;
/** A proxy whose password needs percent-encoding in a URL. */
let socksAt: Socks;
let coll: Record<string, Collector> = {};

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'tsmqtt-transport-'));
  mkdirSync(join(dir, 'xdg'));
  env = { ...process.env, XDG_CONFIG_HOME: join(dir, 'xdg') };
  certs = makeCerts(join(dir, 'certs'));
  const kinds = {
    good: {},
    wrongName: { serverCert: 'wrongName' as const },
    expired: { serverCert: 'expired' as const },
    otherCa: { serverCert: 'otherCa' as const },
    require: { requireCertificate: true },
    tls13: { tlsVersion: 'tlsv1.3' },
    tls12: { tlsVersion: 'tlsv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' },
  };
  for (const [name, opts] of Object.entries(kinds)) {
    plain[name] = await freePort();
    tls[name] = await startTlsBroker(certs, { ...opts, extra: [`listener ${plain[name]} 127.0.0.1`] });
  }
  // A certificate that names its host only in the common name (no subjectAltName), as many
  // home-made ones do: mosquitto's rule accepts it for that host, IP address or not.
  const { spawnSync } = await import('node:child_process');
  const cd = certs.dir;
  for (const args of [
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'cn.key',
      '-out',
      'cn.csr',
      '-subj',
      '/CN=127.0.0.1',
    ],
    [
      'x509',
      '-req',
      '-in',
      'cn.csr',
      '-CA',
      certs.caFile,
      '-CAkey',
      certs.caKey,
      '-CAcreateserial',
      '-out',
      'cn.crt',
      '-days',
      '2',
    ],
  ]) {
    const r = spawnSync(OPENSSL!, args, { cwd: cd, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  }
  tls.cnOnly = await startBroker({
    extra: [`cafile ${certs.caFile}`, `certfile ${join(cd, 'cn.crt')}`, `keyfile ${join(cd, 'cn.key')}`],
  });
  pskPlain = await freePort();
  psk = await startPskBroker({
    keys: { 'test-id': 'deadbeef', odd: '0abc', zeros: '0000abcd' },
    extra: [`listener ${pskPlain} 127.0.0.1`],
  });
  unix = await startUnixBroker();
  socks = await startSocks();
  socksAuth = await startSocks({ user: 'alice', pass: 'secret' });
  socksAt = await startSocks({ user: 'alice', pass: 'p@ss:w' });
  coll = { good: await collect(plain.good!), psk: await collect(pskPlain), unix: await collect(unix.tcpPort) };
});

after(async () => {
  if (skip) return;
  for (const c of Object.values(coll)) await c.close();
  for (const b of Object.values(tls)) await b.stop();
  await psk.stop();
  await unix.stop();
  await socks.stop();
  await socksAuth.stop();
  await socksAt.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** mosquitto's early form of a failed TLS handshake, mapped to the form it gives otherwise. */
function settleRace(r: { code: number | null; stdout: string; stderr: string }): {
  code: number | null;
  stdout: string;
  stderr: string;
  noOpenssl?: boolean;
} {
  // (With --quiet neither form says anything on stderr.)
  const quiet = r.stderr === '';
  if (
    r.code === 1 &&
    (quiet || r.stderr === 'Unable to connect (A TLS error occurred.).\n') &&
    /^OpenSSL Error|^Error: host name/.test(r.stdout)
  ) {
    return {
      code: 8,
      stdout: `Client (null) sending CONNECT\n${r.stdout}`,
      stderr: quiet ? '' : 'Error: A TLS error occurred.\n',
    };
  }
  // The refused client certificate read as EPROTO: no OpenSSL line was logged, so the
  // comparison leaves those out of our trace (see differential()).
  if (r.code === 1 && r.stderr === 'Error: Protocol error\n')
    return { code: 7, stdout: r.stdout, stderr: 'Error: The connection was lost.\n', noOpenssl: true };
  return r;
}

/** One of mosquitto's loopback races: the handshake failed inside its connect call, or a TLS
 * alert arrived as EPROTO ("Error: Protocol error", status 1) instead of a lost connection. */
function raced(r: Outcome): boolean {
  const err = r.stderr.toString();
  const early = /^(OpenSSL Error|Error: host name)/.test(r.stdout.toString());
  return (
    r.code === 1 &&
    ((early && (err === '' || err === 'Unable to connect (A TLS error occurred.).\n')) ||
      err === 'Error: Protocol error\n')
  );
}

interface Case {
  tool?: 'pub' | 'sub' | 'rr';
  args: () => string[];
  /** Which collector should see the messages (compared between the two runs). */
  received?: 'good' | 'psk' | 'unix';
  input?: string;
  /** For tssub: a retained message to put there first (via the plain listener of `received`). */
  retained?: { topic: string; payload: string };
}

function side(cmd: string, c: Case): Promise<Outcome> {
  return runCollecting(
    cmd,
    c.args(),
    { env, input: c.input, timeoutMs: 20000 },
    c.received ? coll[c.received]! : undefined,
  );
}

async function differential(c: Case): Promise<void> {
  const tool = c.tool ?? 'pub';
  if (c.retained) {
    const port = c.received === 'psk' ? pskPlain : c.received === 'unix' ? unix.tcpPort : plain.good!;
    await run(
      MOSQUITTO_PUB!,
      ['-h', '127.0.0.1', '-p', String(port), '-t', c.retained.topic, '-m', c.retained.payload, '-r', '-q', '1'],
      { env },
    );
  }
  // mosquitto's races (see the top of this file) are rare: run it again a few times first.
  const reference = { pub: MOSQUITTO_PUB!, sub: MOSQUITTO_SUB!, rr: MOSQUITTO_RR! }[tool];
  let ref = await side(reference, c);
  for (let i = 0; i < 6 && raced(ref); i++) ref = await side(reference, c);
  const ours = await side(bin(`ts${tool}`), c);
  const a = settleRace({ code: ref.code, stdout: tidy(ref.stdout), stderr: tidy(ref.stderr) });
  const b = { code: ours.code, stdout: tidy(ours.stdout), stderr: tidy(ours.stderr) };
  if (a.noOpenssl) b.stdout = b.stdout.replace(/^OpenSSL Error.*\n/gm, '');
  assertSame({ ...ours, ...b }, { ...ref, ...a });
}

const at = (name: string) => ['-h', '127.0.0.1', '-p', String(tls[name]!.port)];
const ca = () => ['--cafile', certs.caFile];
const client = () => ['--cert', certs.clientCert, '--key', certs.clientKey];

const CASES: Record<string, Case> = {
  // TLS, every QoS, traced.
  'TLS --cafile QoS 0 -d': {
    args: () => [...at('good'), ...ca(), '-t', 'tls/q0', '-m', 'zero', '-d'],
    received: 'good',
  },
  'TLS --cafile QoS 1 -d': {
    args: () => [...at('good'), ...ca(), '-t', 'tls/q1', '-m', 'one', '-q', '1', '-d'],
    received: 'good',
  },
  'TLS --cafile QoS 2 -d': {
    args: () => [...at('good'), ...ca(), '-t', 'tls/q2', '-m', 'two', '-q', '2', '-d'],
    received: 'good',
  },
  'TLS MQTT v5 QoS 2 with properties -d': {
    args: () => [
      ...at('good'),
      ...ca(),
      '-t',
      'tls/v5',
      '-m',
      'five',
      '-q',
      '2',
      '-V',
      '5',
      '-d',
      '-D',
      'publish',
      'user-property',
      'k',
      'v',
      '-D',
      'publish',
      'content-type',
      'text/plain',
    ],
    received: 'good',
  },
  'TLS -l stream QoS 1': {
    args: () => [...at('good'), ...ca(), '-t', 'tls/l', '-l', '-q', '1'],
    input: 'a\nb\nc\n',
    received: 'good',
  },
  'TLS host name localhost': {
    args: () => ['-h', 'localhost', '-p', String(tls.good!.port), ...ca(), '-t', 'tls/name', '-m', 'x', '-d'],
    received: 'good',
  },
  'TLS --capath (hashed directory)': {
    args: () => [...at('good'), '--capath', certs.capath, '-t', 'tls/capath', '-m', 'x', '-q', '1', '-d'],
    received: 'good',
  },
  'TLS --cafile and --tls-use-os-certs': {
    args: () => [...at('good'), ...ca(), '--tls-use-os-certs', '-t', 'tls/os', '-m', 'x', '-d'],
    received: 'good',
  },
  'TLS -L mqtts:// with --cafile': {
    args: () => [...ca(), '-L', `mqtts://127.0.0.1:${tls.good!.port}/tls/url`, '-m', 'x', '-q', '1', '-d'],
    received: 'good',
  },
  'TLS --insecure with a good certificate': {
    args: () => [...at('good'), ...ca(), '--insecure', '-t', 'tls/ins', '-m', 'x', '-d'],
    received: 'good',
  },
  'TLS --tls-alpn': {
    args: () => [...at('good'), ...ca(), '--tls-alpn', 'mqtt', '-t', 'tls/alpn', '-m', 'x', '-d'],
    received: 'good',
  },
  'TLS --ciphers (TLS 1.2 list; 1.3 still negotiated)': {
    args: () => [...at('good'), ...ca(), '--ciphers', 'ECDHE-ECDSA-AES128-GCM-SHA256', '-t', 'tls/c', '-m', 'x', '-d'],
    received: 'good',
  },
  'TLS --tls-version tlsv1.3 to a TLS 1.3 listener': {
    args: () => [...at('tls13'), ...ca(), '--tls-version', 'tlsv1.3', '-t', 't', '-m', 'x', '-d'],
  },
  'TLS --tls-version tlsv1.2 is a minimum (TLS 1.3 listener)': {
    args: () => [...at('tls13'), ...ca(), '--tls-version', 'tlsv1.2', '-t', 't', '-m', 'x', '-d'],
  },
  'TLS 1.2 listener, default version': { args: () => [...at('tls12'), ...ca(), '-t', 't', '-m', 'x', '-q', '1', '-d'] },
  'TLS client certificate accepted': {
    args: () => [...at('require'), ...ca(), ...client(), '-t', 't', '-m', 'x', '-q', '2', '-d'],
  },
  'TLS --keyform pem': {
    args: () => [...at('require'), ...ca(), ...client(), '--keyform', 'pem', '-t', 't', '-m', 'x', '-d'],
  },
  'TLS options without a CA or PSK are ignored (plain connection)': {
    args: () => [
      '-h',
      '127.0.0.1',
      '-p',
      String(plain.good),
      ...client(),
      '--insecure',
      '--tls-version',
      'tlsv1.3',
      '--ciphers',
      'NOPE',
      '-t',
      'tls/plain',
      '-m',
      'x',
      '-d',
    ],
    received: 'good',
  },
  // TLS failures.
  'TLS unknown CA -d': { args: () => [...at('otherCa'), ...ca(), '-t', 't', '-m', 'x', '-d'] },
  'TLS unknown CA --insecure -d': { args: () => [...at('otherCa'), ...ca(), '--insecure', '-t', 't', '-m', 'x', '-d'] },
  'TLS wrong host name -d': { args: () => [...at('wrongName'), ...ca(), '-t', 't', '-m', 'x', '-q', '1', '-d'] },
  'TLS common name only, an IP address: accepted as mosquitto accepts it': {
    args: () => [...at('cnOnly'), ...ca(), '-t', 't', '-m', 'x', '-q', '1', '-d'],
  },
  'TLS common name only, another host name -d': {
    args: () => ['-h', 'localhost', '-p', String(tls.cnOnly!.port), ...ca(), '-t', 't', '-m', 'x', '-d'],
  },
  'TLS wrong host name with --insecure connects': {
    args: () => [...at('wrongName'), ...ca(), '--insecure', '-t', 't', '-m', 'x', '-q', '1', '-d'],
  },
  'TLS expired certificate -d': { args: () => [...at('expired'), ...ca(), '-t', 't', '-m', 'x', '-d'] },
  'TLS expired certificate --insecure -d': {
    args: () => [...at('expired'), ...ca(), '--insecure', '-t', 't', '-m', 'x', '-d'],
  },
  'TLS client certificate required, none given -d': {
    args: () => [...at('require'), ...ca(), '-t', 't', '-m', 'x', '-d'],
  },
  'TLS client certificate from another CA -d': {
    args: () => [
      ...at('require'),
      ...ca(),
      '--cert',
      certs.otherClientCert,
      '--key',
      certs.otherClientKey,
      '-t',
      't',
      '-m',
      'x',
      '-d',
    ],
  },
  'TLS --tls-version tlsv1.3 against a TLS 1.2 listener -d': {
    args: () => [...at('tls12'), ...ca(), '--tls-version', 'tlsv1.3', '-t', 't', '-m', 'x', '-d'],
  },
  'TLS no cipher in common -d': {
    args: () => [...at('tls12'), ...ca(), '--ciphers', 'ECDHE-ECDSA-AES128-GCM-SHA256', '-t', 't', '-m', 'x', '-d'],
  },
  'TLS --cert without --key': {
    args: () => [...at('good'), ...ca(), '--cert', certs.clientCert, '-t', 't', '-m', 'x'],
  },
  'TLS --key without --cert': { args: () => [...at('good'), ...ca(), '--key', certs.clientKey, '-t', 't', '-m', 'x'] },
  'TLS missing --cafile file': {
    args: () => [...at('good'), '--cafile', join(dir, 'nope.crt'), '-t', 't', '-m', 'x', '-d'],
  },
  'TLS missing --cert file': {
    args: () => [
      ...at('good'),
      ...ca(),
      '--cert',
      join(dir, 'nope.crt'),
      '--key',
      certs.clientKey,
      '-t',
      't',
      '-m',
      'x',
    ],
  },
  'TLS missing --key file': {
    args: () => [
      ...at('good'),
      ...ca(),
      '--cert',
      certs.clientCert,
      '--key',
      join(dir, 'nope.key'),
      '-t',
      't',
      '-m',
      'x',
    ],
  },
  'TLS --cafile that is not PEM -d': {
    args: () => [...at('good'), '--cafile', certs.notPem, '-t', 't', '-m', 'x', '-d'],
  },
  'TLS --ciphers NOPE -d': { args: () => [...at('good'), ...ca(), '--ciphers', 'NOPE', '-t', 't', '-m', 'x', '-d'] },
  'TLS --tls-version bogus': {
    args: () => [...at('good'), ...ca(), '--tls-version', 'tlsv9', '-t', 't', '-m', 'x', '-d'],
  },
  // A key that is not the certificate's: "Unable to load client key file", as OpenSSL 3 fails it.
  'TLS --key that does not match --cert': {
    args: () => [
      ...at('good'),
      ...ca(),
      '--cert',
      certs.clientCert,
      '--key',
      certs.otherClientKey,
      '-t',
      't',
      '-m',
      'x',
    ],
  },
  'TLS --key that does not match --cert -d': {
    args: () => [
      ...at('good'),
      ...ca(),
      '--cert',
      certs.clientCert,
      '--key',
      certs.otherClientKey,
      '-t',
      't',
      '-m',
      'x',
      '-d',
    ],
  },
  'tssub TLS --key that does not match --cert -d': {
    tool: 'sub',
    args: () => [...at('good'), ...ca(), '--cert', certs.clientCert, '--key', certs.otherClientKey, '-t', 't', '-d'],
  },
  // Every line of OpenSSL's error queue, "PEM lib" last.
  'TLS --cert that is not PEM -d': {
    args: () => [...at('good'), ...ca(), '--cert', certs.notPem, '--key', certs.clientKey, '-t', 't', '-m', 'x', '-d'],
  },
  'TLS --key that is not PEM -d': {
    args: () => [...at('good'), ...ca(), '--cert', certs.clientCert, '--key', certs.notPem, '-t', 't', '-m', 'x', '-d'],
  },
  'TLS --key that is a certificate -d': {
    args: () => [
      ...at('good'),
      ...ca(),
      '--cert',
      certs.clientCert,
      '--key',
      certs.clientCert,
      '-t',
      't',
      '-m',
      'x',
      '-d',
    ],
  },
  // Taken in any case when given, refused in any but lower case once connected.
  'TLS --tls-version TLSv1.2 (capital letters)': {
    args: () => [...at('good'), ...ca(), '--tls-version', 'TLSv1.2', '-t', 't', '-m', 'x'],
  },
  'TLS --tls-version TLSv1.2 (capital letters) -d': {
    args: () => [...at('good'), ...ca(), '--tls-version', 'TLSv1.2', '-t', 't', '-m', 'x', '-d'],
  },
  'tssub TLS --tls-version TLSV1.3 -d': {
    tool: 'sub',
    args: () => [...at('good'), ...ca(), '--tls-version', 'TLSV1.3', '-t', 't', '-d'],
  },
  'tsrr TLS --tls-version Tlsv1.2 -d': {
    tool: 'rr',
    args: () => [...at('good'), ...ca(), '--tls-version', 'Tlsv1.2', '-t', 'rr/req', '-e', 'rr/resp', '-m', 'x', '-d'],
  },
  'TLS --tls-version TLSv1.2 is checked before the files': {
    args: () => [...at('good'), '--cafile', certs.notPem, '--tls-version', 'TLSv1.2', '-t', 't', '-m', 'x', '-d'],
  },
  'TLS --ciphers NOPE is checked before the CA file -d': {
    args: () => [...at('good'), '--cafile', certs.notPem, '--ciphers', 'NOPE', '-t', 't', '-m', 'x', '-d'],
  },
  'TLS --keyform bogus': {
    args: () => [...at('good'), ...ca(), ...client(), '--keyform', 'der', '-t', 't', '-m', 'x'],
  },
  'TLS --keyform without --key': { args: () => [...at('good'), ...ca(), '--keyform', 'pem', '-t', 't', '-m', 'x'] },
  'TLS --cafile, no broker on the default port 8883': {
    args: () => ['-h', '127.0.0.1', ...ca(), '-t', 't', '-m', 'x', '-d'],
  },
  'TLS --quiet hides the message, not the trace': {
    args: () => [...at('otherCa'), ...ca(), '--quiet', '-t', 't', '-m', 'x', '-d'],
  },
  'TLS a missing argument': { args: () => ['-t', 't', '-m', 'x', '--cafile'] },
  'TLS to a plain MQTT listener -d': {
    args: () => ['-h', '127.0.0.1', '-p', String(plain.good), ...ca(), '-t', 't', '-m', 'x', '-d'],
  },
  'tssub TLS to a plain MQTT listener -d': {
    tool: 'sub',
    args: () => ['-h', '127.0.0.1', '-p', String(plain.good), ...ca(), '-t', 't', '-C', '1', '-d'],
  },
  // The broker refuses the TLS session after the handshake (TLS 1.3): mosquitto_sub gives up, status 7.
  'tssub TLS client certificate required, none given -d': {
    tool: 'sub',
    args: () => [...at('require'), ...ca(), '-t', 't', '-d'],
  },
  'tssub TLS client certificate required, none given': {
    tool: 'sub',
    args: () => [...at('require'), ...ca(), '-t', 't'],
  },
  'tsrr TLS client certificate required, none given -d': {
    tool: 'rr',
    args: () => [...at('require'), ...ca(), '-t', 'rr/req', '-e', 'rr/resp', '-m', 'x', '-d'],
  },
  // TLS-PSK.
  'PSK QoS 1 -d': {
    args: () => [
      '-h',
      '127.0.0.1',
      '-p',
      String(psk.port),
      '--psk',
      'deadbeef',
      '--psk-identity',
      'test-id',
      '-t',
      'psk/q1',
      '-m',
      'x',
      '-q',
      '1',
      '-d',
    ],
    received: 'psk',
  },
  'PSK upper-case hex QoS 2': {
    args: () => [
      '-h',
      '127.0.0.1',
      '-p',
      String(psk.port),
      '--psk',
      'DEADBEEF',
      '--psk-identity',
      'test-id',
      '-t',
      'psk/q2',
      '-m',
      'x',
      '-q',
      '2',
      '-d',
    ],
    received: 'psk',
  },
  'PSK odd-length hex': {
    args: () => [
      '-h',
      '127.0.0.1',
      '-p',
      String(psk.port),
      '--psk',
      'abc',
      '--psk-identity',
      'odd',
      '-t',
      'psk/odd',
      '-m',
      'x',
      '-d',
    ],
    received: 'psk',
  },
  'PSK leading zero bytes': {
    args: () => [
      '-h',
      '127.0.0.1',
      '-p',
      String(psk.port),
      '--psk',
      '0000abcd',
      '--psk-identity',
      'zeros',
      '-t',
      'psk/z',
      '-m',
      'x',
      '-d',
    ],
    received: 'psk',
  },
  'PSK wrong key -d': {
    args: () => [
      '-h',
      '127.0.0.1',
      '-p',
      String(psk.port),
      '--psk',
      'deadbeee',
      '--psk-identity',
      'test-id',
      '-t',
      't',
      '-m',
      'x',
      '-d',
    ],
  },
  'PSK unknown identity -d': {
    args: () => [
      '-h',
      '127.0.0.1',
      '-p',
      String(psk.port),
      '--psk',
      'deadbeef',
      '--psk-identity',
      'nobody',
      '-t',
      't',
      '-m',
      'x',
      '-d',
    ],
  },
  'PSK not hex': {
    args: () => [
      '-h',
      '127.0.0.1',
      '-p',
      String(psk.port),
      '--psk',
      '0xdead',
      '--psk-identity',
      'test-id',
      '-t',
      't',
      '-m',
      'x',
    ],
  },
  'PSK without an identity': {
    args: () => ['-h', '127.0.0.1', '-p', String(psk.port), '--psk', 'deadbeef', '-t', 't', '-m', 'x'],
  },
  'PSK with --cafile': {
    args: () => [
      '-h',
      '127.0.0.1',
      '-p',
      String(psk.port),
      '--psk',
      'deadbeef',
      '--psk-identity',
      'i',
      ...ca(),
      '-t',
      't',
      '-m',
      'x',
    ],
  },
  // Unix sockets.
  'unix socket QoS 1 -d': {
    args: () => ['--unix', unix.path, '-t', 'unix/q1', '-m', 'x', '-q', '1', '-d'],
    received: 'unix',
  },
  'unix socket after -p': {
    args: () => ['-p', '1883', '--unix', unix.path, '-t', 'unix/p', '-m', 'x', '-d'],
    received: 'unix',
  },
  'unix socket, then -p: the path becomes a host name': {
    args: () => ['--unix', unix.path, '-p', '1883', '-t', 't', '-m', 'x'],
  },
  'unix socket nobody listens on': { args: () => ['--unix', join(dir, 'nope.sock'), '-t', 't', '-m', 'x', '-d'] },
  'unix socket path is a directory': { args: () => ['--unix', dir, '-t', 't', '-m', 'x'] },
  // SOCKS5 proxy.
  'proxy QoS 1 -d': {
    args: () => [
      '--proxy',
      socks.url,
      '-h',
      '127.0.0.1',
      '-p',
      String(unix.tcpPort),
      '-t',
      'px/q1',
      '-m',
      'x',
      '-q',
      '1',
      '-d',
    ],
    received: 'unix',
  },
  'proxy with a login, QoS 2': {
    args: () => [
      '--proxy',
      `socks5h://alice:secret@127.0.0.1:${socksAuth.port}`,
      '-h',
      '127.0.0.1',
      '-p',
      String(unix.tcpPort),
      '-t',
      'px/login',
      '-m',
      'x',
      '-q',
      '2',
      '-d',
    ],
    received: 'unix',
  },
  'proxy wrong password': {
    args: () => [
      '--proxy',
      `socks5h://alice:wrong@127.0.0.1:${socksAuth.port}`,
      '-h',
      '127.0.0.1',
      '-p',
      String(unix.tcpPort),
      '-t',
      't',
      '-m',
      'x',
      '-d',
    ],
  },
  'proxy wants a login, none given': {
    args: () => [
      '--proxy',
      `socks5h://127.0.0.1:${socksAuth.port}`,
      '-h',
      '127.0.0.1',
      '-p',
      String(unix.tcpPort),
      '-t',
      't',
      '-m',
      'x',
      '-d',
    ],
  },
  'proxy not listening': {
    args: () => [
      '--proxy',
      'socks5h://127.0.0.1:1',
      '-h',
      '127.0.0.1',
      '-p',
      String(unix.tcpPort),
      '-t',
      't',
      '-m',
      'x',
      '-d',
    ],
  },
  'proxy cannot resolve the broker': {
    args: () => ['--proxy', socks.url, '-h', 'nonexistent.invalid', '-t', 't', '-m', 'x', '-d'],
  },
  'proxy cannot reach the broker': {
    args: () => ['--proxy', socks.url, '-h', '127.0.0.1', '-p', '1', '-t', 't', '-m', 'x', '-d'],
  },
  'proxy then TLS': {
    args: () => ['--proxy', socks.url, ...at('good'), ...ca(), '-t', 'px/tls', '-m', 'x', '-q', '1', '-d'],
    received: 'good',
  },
  'proxy socks5:// is not supported': {
    args: () => ['--proxy', `socks5://127.0.0.1:${socks.port}`, '-t', 't', '-m', 'x'],
  },
  'proxy port out of range': { args: () => ['--proxy', 'socks5h://127.0.0.1:70000', '-t', 't', '-m', 'x'] },
  'proxy without a host': { args: () => ['--proxy', 'socks5h://', '-t', 't', '-m', 'x'] },
  'proxy malformed login': { args: () => ['--proxy', 'socks5h://u:@127.0.0.1', '-t', 't', '-m', 'x'] },
  // tssub over each transport.
  'tssub TLS -C 1 -d (retained)': {
    tool: 'sub',
    args: () => [...at('good'), ...ca(), '-t', 'sub/tls', '-C', '1', '-d', '-v'],
    retained: { topic: 'sub/tls', payload: 'kept' },
    received: 'good',
  },
  'tssub TLS -q 2 -C 1 (retained)': {
    tool: 'sub',
    args: () => [...at('good'), ...ca(), '-t', 'sub/tls2', '-q', '2', '-C', '1', '-d'],
    retained: { topic: 'sub/tls2', payload: 'kept' },
    received: 'good',
  },
  'tssub TLS unknown CA': { tool: 'sub', args: () => [...at('otherCa'), ...ca(), '-t', 't', '-C', '1', '-d'] },
  'tssub TLS wrong host name': { tool: 'sub', args: () => [...at('wrongName'), ...ca(), '-t', 't', '-C', '1', '-d'] },
  'tssub TLS missing --cafile file': {
    tool: 'sub',
    args: () => [...at('good'), '--cafile', join(dir, 'nope'), '-t', 't', '-C', '1'],
  },
  'tssub TLS -W timeout': { tool: 'sub', args: () => [...at('good'), ...ca(), '-t', 'none', '-W', '1', '-d'] },
  'tssub PSK -C 1 (retained)': {
    tool: 'sub',
    args: () => [
      '-h',
      '127.0.0.1',
      '-p',
      String(psk.port),
      '--psk',
      'deadbeef',
      '--psk-identity',
      'test-id',
      '-t',
      'sub/psk',
      '-C',
      '1',
      '-v',
    ],
    retained: { topic: 'sub/psk', payload: 'k' },
    received: 'psk',
  },
  'tssub PSK wrong key': {
    tool: 'sub',
    args: () => [
      '-h',
      '127.0.0.1',
      '-p',
      String(psk.port),
      '--psk',
      'deadbeee',
      '--psk-identity',
      'test-id',
      '-t',
      't',
      '-C',
      '1',
      '-d',
    ],
  },
  'tssub unix -C 1 (retained)': {
    tool: 'sub',
    args: () => ['--unix', unix.path, '-t', 'sub/unix', '-C', '1', '-d'],
    retained: { topic: 'sub/unix', payload: 'u' },
    received: 'unix',
  },
  'tssub unix nobody listens': { tool: 'sub', args: () => ['--unix', join(dir, 'nope.sock'), '-t', 't', '-C', '1'] },
  'tssub proxy -C 1 (retained)': {
    tool: 'sub',
    args: () => ['--proxy', socks.url, '-h', '127.0.0.1', '-p', String(unix.tcpPort), '-t', 'sub/px', '-C', '1', '-d'],
    retained: { topic: 'sub/px', payload: 'p' },
    received: 'unix',
  },
  'tssub proxy wrong password': {
    tool: 'sub',
    args: () => [
      '--proxy',
      `socks5h://alice:no@127.0.0.1:${socksAuth.port}`,
      '-h',
      '127.0.0.1',
      '-p',
      String(unix.tcpPort),
      '-t',
      't',
      '-C',
      '1',
      '-d',
    ],
  },
  'tssub proxy cannot reach the broker: retries until -W': {
    tool: 'sub',
    args: () => ['--proxy', socks.url, '-h', '127.0.0.1', '-p', '1', '-t', 't', '-W', '2', '-d'],
  },
  // tsrr (MQTT v5 by default; nobody answers here, so -W ends it).
  'tsrr TLS -W with -d': {
    tool: 'rr',
    args: () => [...at('good'), ...ca(), '-t', 'rr/req', '-e', 'rr/resp', '-m', 'ping', '-W', '1', '-d'],
  },
  'tsrr TLS unknown CA': {
    tool: 'rr',
    args: () => [...at('otherCa'), ...ca(), '-t', 'rr/req', '-e', 'rr/resp', '-m', 'ping', '-W', '1', '-d'],
  },
  'tsrr PSK -W': {
    tool: 'rr',
    args: () => [
      '-h',
      '127.0.0.1',
      '-p',
      String(psk.port),
      '--psk',
      'deadbeef',
      '--psk-identity',
      'test-id',
      '-t',
      'rr/req',
      '-e',
      'rr/resp',
      '-m',
      'x',
      '-W',
      '1',
      '-V',
      '311',
      '-d',
    ],
  },
  'tsrr unix socket -W': {
    tool: 'rr',
    args: () => ['--unix', unix.path, '-t', 'rr/req', '-e', 'rr/resp', '-m', 'x', '-W', '1', '-V', '311', '-d'],
  },
  'tsrr proxy wrong password': {
    tool: 'rr',
    args: () => [
      '--proxy',
      `socks5h://alice:no@127.0.0.1:${socksAuth.port}`,
      '-h',
      '127.0.0.1',
      '-p',
      String(unix.tcpPort),
      '-t',
      'rr/req',
      '-e',
      'rr/resp',
      '-m',
      'x',
      '-W',
      '1',
    ],
  },
};

for (const [name, c] of Object.entries(CASES)) {
  test(`transports = mosquitto: ${name}`, { skip, timeout: 60000 }, () => differential(c));
}

/** A tool left running, and a promise of its end (killed after 30 s: its status shows it). */
function startTool(cmd: string, args: string[]): Promise<RunResult> {
  const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  p.stdout.on('data', (d: Buffer) => out.push(d));
  p.stderr.on('data', (d: Buffer) => err.push(d));
  const limit = setTimeout(() => p.kill('SIGKILL'), 30000);
  return new Promise<RunResult>((resolve) =>
    p.once('close', (code, signal) => {
      clearTimeout(limit);
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), code, signal });
    }),
  );
}

/** Until the broker has logged `count` subscriptions to `topic` (log_type subscribe). */
async function subscriptions(b: Broker, topic: string, count: number): Promise<void> {
  const logged = () =>
    b
      .log()
      .split('\n')
      .filter((l) => l.endsWith(` ${topic}`)).length;
  await waitFor(() => logged() >= count, `${count} subscriptions to ${topic}`);
  assert.equal(logged(), count, 'both subscribed');
}

for (const [name, refusal, status] of [
  [
    'refuses the client certificate after the handshake (TLS 1.3)',
    { requireCertificate: true, tlsVersion: 'tlsv1.3' },
    7,
  ],
  ['presents a certificate of another CA', { serverCert: 'otherCa' as const }, 8],
] as const) {
  test(`tssub = mosquitto_sub: a reconnection to a broker that ${name} ends it (status ${status})`, {
    skip,
    timeout: 60000,
  }, async () => {
    // Both subscribed to the same TLS broker; it is replaced on the same port by one that
    // refuses the TLS session. libmosquitto's loop gives up on a TLS failure: no retry loop.
    const first = await startTlsBroker(certs, { extra: ['log_dest stderr', 'log_type subscribe'] });
    const port = first.port;
    const args = ['-h', '127.0.0.1', '-p', String(port), ...ca(), '-t', 'reconnect/tls', '-d'];
    const ref = startTool(MOSQUITTO_SUB!, args);
    const ours = startTool(bin('tssub'), args);
    let second: Broker | undefined;
    try {
      await subscriptions(first, 'reconnect/tls', 2);
      await first.stop();
      second = await startTlsBroker(certs, { port, ...refusal });
      const [r, o] = await Promise.all([ref, ours]);
      const a = settleRace({ code: r.code, stdout: tidy(r.stdout), stderr: tidy(r.stderr) });
      // libmosquitto's loopback race on reconnecting: when the handshake fails inside its
      // connect call (OpenSSL lines before any "sending CONNECT"), its loop tries once more;
      // the attempt that counts is the one after CONNECT was sent. Ours gives up at the first.
      a.stdout = a.stdout.replace(/^(?:OpenSSL Error[^\n]*\n)+(?=Client \(null\) sending CONNECT\n)/gm, '');
      const b = { code: o.code, stdout: tidy(o.stdout), stderr: tidy(o.stderr) };
      if (a.noOpenssl) b.stdout = b.stdout.replace(/^OpenSSL Error.*\n/gm, '');
      assert.equal(b.code, status, `tssub's status; stderr: ${b.stderr}`);
      assert.equal(b.stderr, a.stderr, 'stderr');
      assert.equal(b.stdout, a.stdout, 'stdout');
      assert.equal(b.code, a.code, 'exit status');
    } finally {
      await first.stop();
      await second?.stop();
    }
  });
}

// Beyond mosquitto 2.0.11: what it gets wrong, and what it cannot do at all.

test('proxy: a percent-encoded login is decoded as RFC 3986 has it (2.0.11 turns %40 into :)', { skip }, async () => {
  const url = `socks5h://alice:p%40ss%3Aw@127.0.0.1:${socksAt.port}`;
  const r = await run(
    bin('tspub'),
    ['--proxy', url, '-h', '127.0.0.1', '-p', String(unix.tcpPort), '-t', 'px/pct', '-m', 'x', '-q', '1'],
    { env },
  );
  assert.equal(r.stderr.toString(), '');
  assert.equal(r.code, 0);
});

test('proxy: a user without a password is refused by a proxy that wants one (mosquitto_pub 2.0.11 crashes)', {
  skip,
}, async () => {
  const r = await run(
    bin('tspub'),
    [
      '--proxy',
      `socks5h://alice@127.0.0.1:${socksAuth.port}`,
      '-h',
      '127.0.0.1',
      '-p',
      String(unix.tcpPort),
      '-t',
      't',
      '-m',
      'x',
    ],
    { env },
  );
  assert.equal(r.stderr.toString(), 'Error: Authorisation failed.\n');
  assert.equal(r.code, 11);
});

test('PSK against a certificate listener: the certificate is still checked (mosquitto_pub 2.0.11 takes any)', {
  skip,
}, async () => {
  const r = await run(
    bin('tspub'),
    [...at('good'), '--psk', 'deadbeef', '--psk-identity', 'test-id', '-t', 't', '-m', 'x', '-d'],
    { env },
  );
  assert.equal(r.stderr.toString(), 'Error: A TLS error occurred.\n');
  assert.equal(r.code, 8);
  assert.match(r.stdout.toString(), /OpenSSL Error\[0\]: error:0A000086:SSL routines::certificate verify failed/);
});

test('a client certificate is used with -L mqtts:// too (2.0.11 drops it without --cafile)', { skip }, async () => {
  const r = await run(
    bin('tspub'),
    [...ca(), '-L', `mqtts://127.0.0.1:${tls.require!.port}/t`, ...client(), '-m', 'x', '-q', '1'],
    { env },
  );
  assert.equal(r.stderr.toString(), '');
  assert.equal(r.code, 0);
});

test('a TLS handshake failure ends the run within 5 s, with and without --insecure (no reconnect loop)', {
  skip,
  timeout: 30000,
}, async () => {
  for (const tool of ['tspub', 'tssub']) {
    for (const extra of [[], ['--insecure']]) {
      const args = [...at('otherCa'), ...ca(), ...extra, '-t', 't', ...(tool === 'tspub' ? ['-m', 'x'] : [])];
      const start = Date.now();
      const r = await run(bin(tool), args, { env, timeoutMs: 10000 });
      const took = Date.now() - start;
      assert.equal(r.signal, null, `${tool} ${extra} was killed (hung)`);
      assert.equal(r.code, 8, `${tool} ${extra}: ${r.stderr}`);
      assert.ok(took < 5000, `${tool} ${extra} took ${took} ms`);
    }
  }
});

test('no password, key or PSK in -d output or error messages', { skip }, async () => {
  const secrets = ['s3cret-pw', 'deadbeef', 'DEADBEEF', 'p@ss:w', 'p%40ss'];
  const keyText = (await import('node:fs')).readFileSync(certs.clientKey, 'utf8').split('\n')[1]!;
  const runs = [
    [
      'tspub',
      [...at('good'), ...ca(), ...client(), '-u', 'u', '-P', 's3cret-pw', '-t', 't', '-m', 'x', '-q', '1', '-d'],
    ],
    ['tspub', [...at('otherCa'), ...ca(), ...client(), '-u', 'u', '-P', 's3cret-pw', '-t', 't', '-m', 'x', '-d']],
    [
      'tspub',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(psk.port),
        '--psk',
        'deadbeef',
        '--psk-identity',
        'test-id',
        '-P',
        's3cret-pw',
        '-u',
        'u',
        '-t',
        't',
        '-m',
        'x',
        '-d',
      ],
    ],
    [
      'tspub',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(psk.port),
        '--psk',
        'DEADBEEF',
        '--psk-identity',
        'nobody',
        '-t',
        't',
        '-m',
        'x',
        '-d',
      ],
    ],
    [
      'tssub',
      [
        '--proxy',
        `socks5h://alice:p%40ss%3Aw@127.0.0.1:${socksAt.port}`,
        '-h',
        '127.0.0.1',
        '-p',
        String(unix.tcpPort),
        '-u',
        'u',
        '-P',
        's3cret-pw',
        '-t',
        't',
        '-W',
        '1',
        '-d',
      ],
    ],
    [
      'tssub',
      [
        '--proxy',
        `socks5h://alice:wrong@127.0.0.1:${socksAuth.port}`,
        '-h',
        '127.0.0.1',
        '-p',
        String(unix.tcpPort),
        '-t',
        't',
        '-C',
        '1',
        '-d',
      ],
    ],
  ] as const;
  for (const [tool, args] of runs) {
    const r = await run(bin(tool), [...args], { env });
    const all = r.stdout.toString() + r.stderr.toString();
    assert.ok(all.length > 0, `${tool} printed something to check`);
    for (const s of [...secrets, keyText])
      assert.ok(!all.includes(s), `${tool} ${args.join(' ')} printed a secret: ${s}`);
  }
});

test('an encrypted --key: its pass phrase is asked on the terminal, as mosquitto_pub asks', {
  skip: skip || needPty,
}, async () => {
  const args = [
    ...ca(),
    '--cert',
    certs.clientCert,
    '--key',
    certs.clientKeyEncrypted,
    ...at('require'),
    '-t',
    'tls/enc',
    '-m',
    'x',
    '-q',
    '1',
    '-d',
  ];
  const command = (tool: string) => [tool, ...args].map((a) => `'${a}'`).join(' ');
  for (const answer of [certs.clientKeyPassphrase, 'wrong']) {
    const theirs = await onTerminal([`${answer}\r`], command(MOSQUITTO_PUB!), 'pass phrase:');
    const ours = await onTerminal([`${answer}\r`], command(bin('tspub')), 'pass phrase:');
    // OpenSSL in mosquitto lists every error on its queue for a wrong pass phrase; Node's
    // OpenSSL gives the first.
    const first = (out: string) => out.replace(/(OpenSSL Error\[0\][^\n]*\n)(OpenSSL Error\[\d+\][^\n]*\n)+/, '$1');
    assert.equal(first(ours.out), first(theirs.out), `answer ${answer}`);
    assert.equal(ours.status, theirs.status);
    assert.ok(!ours.out.includes(answer), 'the pass phrase was echoed');
  }
});

test('an encrypted --key without a terminal: the key cannot be loaded (status 1)', { skip }, async () => {
  // setsid: no controlling terminal, even when the tests are run from one.
  const r = await run(
    'setsid',
    [
      '-w',
      bin('tspub'),
      ...ca(),
      '--cert',
      certs.clientCert,
      '--key',
      certs.clientKeyEncrypted,
      ...at('require'),
      '-t',
      't',
      '-m',
      'x',
      '-d',
    ],
    { env },
  );
  assert.equal(r.stderr.toString(), 'Unable to connect (A TLS error occurred.).\n');
  assert.match(r.stdout.toString(), /^Error: Unable to load client key file ".*"\.\nOpenSSL Error\[0\]: /);
  assert.equal(r.code, 1);
});

// mosquitto 2.1's options that 2.0.11 refuses: -o, --no-tls, --tls-keylog.

test('-o: options from that file instead of the defaults file; the command line wins over both', { skip }, async () => {
  const { writeFileSync } = await import('node:fs');
  const xdg = join(dir, 'xdg-o');
  mkdirSync(xdg, { recursive: true });
  // The defaults file points at a port nobody listens on: -o must replace it, not add to it.
  writeFileSync(join(xdg, 'mosquitto_pub'), `-p 1\n-t from/defaults\n`);
  const file = join(dir, 'opts');
  writeFileSync(
    file,
    `# TLS and a topic from the options file\n--cafile ${certs.caFile}\n-h 127.0.0.1\n-p ${tls.good!.port}\n-t from/file\n`,
  );
  const e = { ...env, XDG_CONFIG_HOME: xdg };
  coll.good!.reset();
  let r = await run(bin('tspub'), ['-o', file, '-m', 'x', '-q', '1'], { env: e });
  assert.equal(r.code, 0, r.stderr.toString());
  r = await run(bin('tspub'), ['-o', file, '-t', 'from/command-line', '-m', 'y', '-q', '1'], { env: e });
  assert.equal(r.code, 0, r.stderr.toString());
  const got = await coll.good!.settle(2);
  assert.deepEqual(
    got.map((m) => m.topic),
    ['from/file', 'from/command-line'],
  );
  // Without -o the defaults file counts (and points nowhere).
  r = await run(bin('tspub'), ['-m', 'x'], { env: e });
  assert.equal(r.stderr.toString(), 'Error: Connection refused\n');
  // Its errors, as mosquitto 2.1 words them; a file that cannot be read is an error here.
  r = await run(bin('tspub'), ['-o', file, '-o', file, '-m', 'x'], { env: e });
  assert.equal(r.stderr.toString(), "Error: Duplicate -o argument given.\n\n\nUse 'tspub --help' to see usage.\n");
  r = await run(bin('tssub'), ['-t', 'x', '-o'], { env: e });
  assert.equal(
    r.stderr.toString(),
    "Error: -o argument given but no options file specified.\n\n\nUse 'tssub --help' to see usage.\n",
  );
  r = await run(bin('tspub'), ['-o', join(dir, 'nope'), '-m', 'x'], { env: e });
  assert.equal(
    r.stderr.toString(),
    `Error: Unable to read options file "${join(dir, 'nope')}": No such file or directory.\n`,
  );
  assert.equal(r.code, 1);
});

test('--no-tls: TLS options from an options file are cancelled; -p 8883 stays plain', { skip }, async () => {
  const { writeFileSync } = await import('node:fs');
  const file = join(dir, 'opts-tls');
  writeFileSync(file, `--cafile ${certs.caFile}\n--cert ${certs.clientCert}\n--key ${certs.clientKey}\n-h 127.0.0.1\n`);
  // Against the plain listener: without --no-tls it would speak TLS to it and fail.
  let r = await run(bin('tspub'), ['-o', file, '-p', String(plain.good), '-t', 't', '-m', 'x'], { env });
  assert.equal(r.code, 8, 'TLS to a plain listener fails');
  r = await run(
    bin('tspub'),
    ['-o', file, '--no-tls', '-p', String(plain.good), '-t', 'tls/no', '-m', 'x', '-q', '1', '-d'],
    { env },
  );
  assert.equal(r.code, 0, r.stderr.toString());
  // -p 8883 stays plain too. (Nobody need listen there: no TLS is tried either way.)
  const tcp = await run(
    bin('tspub'),
    ['-o', file, '--no-tls', '-h', '127.0.0.1', '-p', '8883', '-t', 't', '-m', 'x', '-d'],
    { env },
  );
  assert.ok(
    ['Error: Connection refused\n', ''].includes(tcp.stderr.toString()) || tcp.code === 0,
    tcp.stderr.toString(),
  );
  assert.doesNotMatch(tcp.stdout.toString(), /OpenSSL/);
});

test('--no-tls with --cafile, --capath or --psk and no -p: port 8883, plain (as mosquitto 2.1.2 was seen to do)', {
  skip,
}, async (t) => {
  // mosquitto 2.1.2 (built from v2.1.2), with a plain broker on 127.0.0.1:8883:
  // "mosquitto_pub --no-tls --cafile ca.crt -h 127.0.0.1 -t t -m x" published there, and so
  // with --capath and --psk; its manual says 1883.
  const { brokerPort } = await import('../../src/config.ts');
  const { parseClientArgs } = await import('../../src/options/parse.ts');
  const noDefaults = { XDG_CONFIG_HOME: join(dir, 'xdg') };
  for (const tls of [
    ['--cafile', certs.caFile],
    ['--capath', certs.capath],
    ['--psk', 'abcd', '--psk-identity', 'i'],
  ]) {
    assert.equal(
      brokerPort(parseClientArgs('pub', ['--no-tls', ...tls, '-t', 't', '-m', 'x'], noDefaults)),
      8883,
      tls[0],
    );
  }
  assert.equal(brokerPort(parseClientArgs('pub', ['--no-tls', '-t', 't', '-m', 'x'], noDefaults)), 1883);
  // And on the wire, when 127.0.0.1:8883 is free for a plain broker.
  let at8883: Broker;
  try {
    at8883 = await startBroker({ port: 8883 });
  } catch (e) {
    t.diagnostic(`port 8883 is in use, not checked on the wire: ${(e as Error).message.split('\n')[0]}`);
    return;
  }
  try {
    for (const tls of [
      ['--cafile', certs.caFile],
      ['--psk', 'abcd', '--psk-identity', 'i'],
    ]) {
      const r = await run(
        bin('tspub'),
        ['--no-tls', ...tls, '-h', '127.0.0.1', '-t', 't', '-m', 'x', '-q', '1', '-d'],
        { env },
      );
      assert.equal(r.code, 0, r.stderr.toString());
      assert.match(r.stdout.toString(), /received PUBACK/);
    }
  } finally {
    await at8883.stop();
  }
});

test('--tls-keylog: one line per secret in the NSS key log format (TLS 1.3 labels, TLS 1.2 CLIENT_RANDOM)', {
  skip,
}, async () => {
  const { readFileSync, existsSync } = await import('node:fs');
  const log = join(dir, 'keys.log');
  let r = await run(bin('tspub'), [...at('good'), ...ca(), '--tls-keylog', log, '-t', 't', '-m', 'x'], { env });
  assert.equal(r.code, 0, r.stderr.toString());
  const tls13 = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const labels = tls13.map((l) => l.split(' ')[0]).sort();
  assert.deepEqual(labels, [
    'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
    'CLIENT_TRAFFIC_SECRET_0',
    'EXPORTER_SECRET',
    'SERVER_HANDSHAKE_TRAFFIC_SECRET',
    'SERVER_TRAFFIC_SECRET_0',
  ]);
  for (const line of tls13) assert.match(line, /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64,96}$/);
  // TLS 1.2: CLIENT_RANDOM <client random> <master secret>, appended. (mosquitto's tls_version
  // is a minimum, so a TLS 1.2-only server is Node's here; it hangs up after the handshake.)
  const { createServer } = await import('node:tls');
  const server = createServer(
    { cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey), maxVersion: 'TLSv1.2' },
    (s) => s.destroy(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  r = await run(
    bin('tspub'),
    ['-h', '127.0.0.1', '-p', String(port), ...ca(), '--tls-keylog', log, '-t', 't', '-m', 'x'],
    { env },
  );
  server.close();
  assert.notEqual(r.code, 0, 'that server speaks no MQTT');
  const all = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  assert.equal(all.length, tls13.length + 1);
  assert.match(all.at(-1)!, /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/);
  // --no-tls: nothing to log, and nothing refused (as mosquitto 2.1.2 was seen to do).
  const none = join(dir, 'none.log');
  r = await run(
    bin('tspub'),
    ['-h', '127.0.0.1', '-p', String(plain.good), ...ca(), '--no-tls', '--tls-keylog', none, '-t', 't', '-m', 'x'],
    { env },
  );
  assert.equal(r.code, 0, r.stderr.toString());
  assert.ok(!existsSync(none));
});

test('--tls-keylog without TLS: refused once connected, as mosquitto 2.1.2 was seen to refuse it', {
  skip,
}, async () => {
  // mosquitto_pub/_sub/_rr 2.1.2 over TCP and --ws without TLS: "Unable to connect (Invalid
  // input)." on stderr, status 1, and under -d only this line on stdout (no CONNECT); nobody
  // listening is still the socket's error first.
  const line =
    'Error: If you use MOSQ_OPT_SSL_CTX then MOSQ_OPT_SSL_CTX_WITH_DEFAULTS must be true, or at least one of cafile, capath or psk must be specified.\n';
  const log = join(dir, 'plain.log');
  const tcp = ['-h', '127.0.0.1', '-p', String(plain.good)];
  for (const [tool, args] of [
    ['tspub', [...tcp, '-t', 't', '-m', 'x']],
    ['tspub', ['--unix', unix.path, '-t', 't', '-m', 'x']],
    ['tssub', [...tcp, '-t', 't']],
    ['tsrr', [...tcp, '-t', 'rr/req', '-e', 'rr/resp', '-m', 'x']],
  ] as const) {
    for (const debug of [[], ['-d']]) {
      const r = await run(bin(tool), [...args, '--tls-keylog', log, ...debug], { env });
      assert.equal(r.stderr.toString(), 'Unable to connect (Invalid input).\n', `${tool} ${args.join(' ')}`);
      assert.equal(r.stdout.toString(), debug.length ? line : '');
      assert.equal(r.code, 1);
    }
  }
  const refused = await run(
    bin('tspub'),
    ['-h', '127.0.0.1', '-p', String(await freePort()), '--tls-keylog', log, '-t', 't', '-m', 'x'],
    { env },
  );
  assert.equal(refused.stderr.toString(), 'Error: Connection refused\n');
});

test('--tls-keylog with TLS from the OS certificates only: logged (mosquitto 2.1.2 refuses it, a defect)', {
  skip,
}, async () => {
  // mosquitto_pub 2.1.2 with --tls-use-os-certs or -L mqtts:// and no --cafile: "Unable to
  // connect (Invalid input).", status 1, though the connection is TLS. Ours logs the keys
  // (here the test CA is not among the OS's, so the handshake then fails: status 8).
  const { readFileSync } = await import('node:fs');
  const log = join(dir, 'os.log');
  const r = await run(bin('tspub'), [...at('good'), '--tls-use-os-certs', '--tls-keylog', log, '-t', 't', '-m', 'x'], {
    env,
  });
  assert.equal(r.code, 8, r.stderr.toString());
  assert.match(readFileSync(log, 'utf8'), /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} /m);
});
