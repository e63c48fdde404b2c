// Test certificates made with openssl at test time, and private mosquitto brokers with TLS,
// TLS-PSK and unix-socket listeners. Follows broker.ts: each broker has its own config in a
// temp dir, an ephemeral port on 127.0.0.1, and is stopped by pid.
import { spawnSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, mkdtempSync, rmSync, readFileSync, copyFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, freePort, which, MOSQUITTO, type Broker, type BrokerOptions } from './broker.ts';

export const OPENSSL = which('openssl');
/** The reason to skip a test that needs openssl, or false when it is here. */
export const needOpenssl: string | false = OPENSSL ? false : 'openssl is not installed (apt-get install -y openssl)';

function ossl(cwd: string, args: string[], input?: string): void {
  if (!OPENSSL) throw new Error('openssl is not installed');
  const r = spawnSync(OPENSSL, args, { cwd, encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
}

export interface Certs {
  dir: string;
  /** The test CA (PEM) and its key. */
  caFile: string;
  caKey: string;
  /** A directory holding caFile under its subject hash (openssl rehash), for --capath. */
  capath: string;
  /** Server cert for IP:127.0.0.1 and DNS:localhost, signed by the CA, and its key. */
  serverCert: string;
  serverKey: string;
  /** Server cert signed by the CA for DNS:wrong.example only (CN wrong.example). */
  wrongNameCert: string;
  wrongNameKey: string;
  /** Server cert for 127.0.0.1/localhost signed by the CA, valid 2020-01-01..2020-01-02 only. */
  expiredCert: string;
  expiredKey: string;
  /** Another CA, a server cert for 127.0.0.1/localhost signed by it, and its key. */
  otherCaFile: string;
  otherServerCert: string;
  otherServerKey: string;
  /** Client cert and key signed by the CA (CN test-client). */
  clientCert: string;
  clientKey: string;
  /** The same client key, encrypted (PKCS#8, AES-256-CBC) with clientKeyPassphrase. */
  clientKeyEncrypted: string;
  clientKeyPassphrase: string;
  /** Client cert and key signed by the other CA. */
  otherClientCert: string;
  otherClientKey: string;
  /** A file that is not PEM at all. */
  notPem: string;
}

export type ServerCertKind = 'good' | 'wrongName' | 'expired' | 'otherCa';

const SAN_GOOD = 'subjectAltName=IP:127.0.0.1,DNS:localhost';

/**
 * Makes every certificate the transport tests use, in `dir` (created if missing), with
 * prime256v1 EC keys. Takes well under a second.
 */
export function makeCerts(dir: string): Certs {
  mkdirSync(dir, { recursive: true });
  const p = (f: string) => join(dir, f);
  const key = (name: string) =>
    ossl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  const ca = (name: string, cn: string) => {
    key(name);
    ossl(dir, [
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-subj',
      `/CN=${cn}`,
      '-days',
      '3650',
      '-sha256',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      `${name}.pem`,
    ]);
  };
  const leaf = (name: string, cn: string, caName: string, ext: string) => {
    key(name);
    ossl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`]);
    writeFileSync(p(`${name}.ext`), ext + '\n');
    ossl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${caName}.pem`,
      '-CAkey',
      `${caName}.key`,
      '-CAcreateserial',
      '-days',
      '3650',
      '-sha256',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    ]);
  };

  ca('ca', 'tsmqtt test CA');
  ca('other-ca', 'tsmqtt other CA');
  leaf('server', 'localhost', 'ca', `${SAN_GOOD}\nextendedKeyUsage=serverAuth`);
  leaf('wrong-name', 'wrong.example', 'ca', 'subjectAltName=DNS:wrong.example\nextendedKeyUsage=serverAuth');
  leaf('other-server', 'localhost', 'other-ca', `${SAN_GOOD}\nextendedKeyUsage=serverAuth`);
  leaf('client', 'test-client', 'ca', 'extendedKeyUsage=clientAuth');
  leaf('other-client', 'test-client', 'other-ca', 'extendedKeyUsage=clientAuth');

  // Expired: openssl 3.0's `x509 -req` has no -not_before/-not_after (3.4+) and refuses
  // negative -days, so sign it with `openssl ca`, which takes -startdate/-enddate.
  key('expired');
  ossl(dir, ['req', '-new', '-key', 'expired.key', '-subj', '/CN=localhost', '-out', 'expired.csr']);
  mkdirSync(p('ca-db'), { recursive: true });
  writeFileSync(p('ca-db/index.txt'), '');
  writeFileSync(p('ca-db/serial'), '1000\n');
  writeFileSync(
    p('ca.cnf'),
    [
      '[ca]',
      'default_ca = CA_default',
      '[CA_default]',
      `dir = ${p('ca-db')}`,
      'database = $dir/index.txt',
      'new_certs_dir = $dir',
      'serial = $dir/serial',
      'default_md = sha256',
      'policy = pol',
      'unique_subject = no',
      'email_in_dn = no',
      '[pol]',
      'commonName = supplied',
      '[ext]',
      SAN_GOOD.replace('=', ' = '),
      'extendedKeyUsage = serverAuth',
      '',
    ].join('\n'),
  );
  ossl(dir, [
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-extensions',
    'ext',
    '-cert',
    'ca.pem',
    '-keyfile',
    'ca.key',
    '-in',
    'expired.csr',
    '-out',
    'expired.pem',
    '-notext',
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
  ]);

  // Encrypted copy of the client key.
  const passphrase = 'keypass';
  ossl(dir, [
    'pkcs8',
    '-topk8',
    '-in',
    'client.key',
    '-out',
    'client-enc.key',
    '-v2',
    'aes-256-cbc',
    '-passout',
    `pass:${passphrase}`,
  ]);

  // capath: the CA under its hash name.
  const capath = p('capath');
  mkdirSync(capath, { recursive: true });
  copyFileSync(p('ca.pem'), join(capath, 'ca.pem'));
  ossl(dir, ['rehash', capath]);

  writeFileSync(p('not-pem.txt'), 'this is not a PEM file\n');

  return {
    dir,
    caFile: p('ca.pem'),
    caKey: p('ca.key'),
    capath,
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    wrongNameCert: p('wrong-name.pem'),
    wrongNameKey: p('wrong-name.key'),
    expiredCert: p('expired.pem'),
    expiredKey: p('expired.key'),
    otherCaFile: p('other-ca.pem'),
    otherServerCert: p('other-server.pem'),
    otherServerKey: p('other-server.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    clientKeyEncrypted: p('client-enc.key'),
    clientKeyPassphrase: passphrase,
    otherClientCert: p('other-client.pem'),
    otherClientKey: p('other-client.key'),
    notPem: p('not-pem.txt'),
  };
}

export interface TlsBrokerOptions {
  /** Which server certificate the listener presents (default 'good'). */
  serverCert?: ServerCertKind;
  /** require_certificate true (clients must present a cert signed by certs.caFile). */
  requireCertificate?: boolean;
  /** mosquitto's tls_version, e.g. 'tlsv1.2' or 'tlsv1.3' (mosquitto's default: 1.2 and 1.3). */
  tlsVersion?: string;
  /** mosquitto's ciphers (TLS <= 1.2 cipher list). */
  ciphers?: string;
  /** mosquitto's ciphers_tls1.3. */
  ciphersTls13?: string;
  /** use_identity_as_username true. */
  useIdentityAsUsername?: boolean;
  /** Password file (allow_anonymous false). */
  passwordFile?: string;
  /** Extra listener/config lines, appended after the TLS ones. */
  extra?: string[];
  port?: number;
}

export interface TlsBroker extends Broker {
  certs: Certs;
}

function serverPair(certs: Certs, kind: ServerCertKind): [string, string] {
  switch (kind) {
    case 'good':
      return [certs.serverCert, certs.serverKey];
    case 'wrongName':
      return [certs.wrongNameCert, certs.wrongNameKey];
    case 'expired':
      return [certs.expiredCert, certs.expiredKey];
    case 'otherCa':
      return [certs.otherServerCert, certs.otherServerKey];
  }
}

/**
 * A mosquitto with one TLS listener on 127.0.0.1 (cafile = certs.caFile, so client certs are
 * checked against the test CA). The port is detected with a plain TCP connect.
 */
export async function startTlsBroker(certs: Certs, opts: TlsBrokerOptions = {}): Promise<TlsBroker> {
  const [cert, key] = serverPair(certs, opts.serverCert ?? 'good');
  const lines = [
    `cafile ${certs.caFile}`,
    `certfile ${cert}`,
    `keyfile ${key}`,
    ...(opts.requireCertificate ? ['require_certificate true'] : []),
    ...(opts.useIdentityAsUsername ? ['use_identity_as_username true'] : []),
    ...(opts.tlsVersion ? [`tls_version ${opts.tlsVersion}`] : []),
    ...(opts.ciphers ? [`ciphers ${opts.ciphers}`] : []),
    ...(opts.ciphersTls13 ? [`ciphers_tls1.3 ${opts.ciphersTls13}`] : []),
    ...(opts.extra ?? []),
  ];
  const b = await startBroker({
    port: opts.port,
    passwordFile: opts.passwordFile,
    extra: lines,
  } satisfies BrokerOptions);
  return Object.assign(b, { certs });
}

export interface PskBrokerOptions {
  /** identity -> key in hex (as in mosquitto's psk_file). Default { 'test-id': 'deadbeef' }. */
  keys?: Record<string, string>;
  /** psk_hint (default 'tsmqtt-hint'). */
  hint?: string;
  /** use_identity_as_username true. */
  useIdentityAsUsername?: boolean;
  /** mosquitto's tls_version. PSK works with TLS 1.2 and 1.3 in mosquitto 2.0.11 */
  tlsVersion?: string;
  ciphers?: string;
  extra?: string[];
  port?: number;
}

export interface PskBroker extends Broker {
  pskFile: string;
  keys: Record<string, string>;
  hint: string;
}

/** A mosquitto with one TLS-PSK listener (psk_hint + psk_file) on 127.0.0.1. */
export async function startPskBroker(opts: PskBrokerOptions = {}): Promise<PskBroker> {
  const keys = opts.keys ?? { 'test-id': 'deadbeef' };
  const hint = opts.hint ?? 'tsmqtt-hint';
  const pskDir = mkdtempSync(join(tmpdir(), 'tsmqtt-psk-'));
  const pskFile = join(pskDir, 'psk');
  writeFileSync(
    pskFile,
    Object.entries(keys)
      .map(([id, k]) => `${id}:${k}`)
      .join('\n') + '\n',
  );
  const b = await startBroker({
    port: opts.port,
    extra: [
      `psk_hint ${hint}`,
      `psk_file ${pskFile}`,
      ...(opts.useIdentityAsUsername ? ['use_identity_as_username true'] : []),
      ...(opts.tlsVersion ? [`tls_version ${opts.tlsVersion}`] : []),
      ...(opts.ciphers ? [`ciphers ${opts.ciphers}`] : []),
      ...(opts.extra ?? []),
    ],
  });
  const stop = b.stop.bind(b);
  return Object.assign(b, {
    pskFile,
    keys,
    hint,
    async stop() {
      await stop();
      rmSync(pskDir, { recursive: true, force: true });
    },
  });
}

export interface UnixBroker {
  /** Path of the unix socket. */
  path: string;
  dir: string;
  /** The broker also has a plain TCP listener on 127.0.0.1:tcpPort (same broker, same topics). */
  tcpPort: number;
  log(): string;
  stop(): Promise<void>;
}

async function waitForUnix(path: string, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(path);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`mosquitto did not listen on ${path}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A mosquitto listening on a unix socket (`listener 0 <dir>/mosq.sock`, mosquitto >= 2.0)
 * and, for cross-checks, on a plain TCP port. Waits until the socket accepts connections.
 */
export async function startUnixBroker(opts: { extra?: string[] } = {}): Promise<UnixBroker> {
  if (!MOSQUITTO) throw new Error('mosquitto is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'tsmqtt-unix-'));
  const path = join(dir, 'mosq.sock');
  const tcpPort = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener 0 ${path}`,
      `listener ${tcpPort} 127.0.0.1`,
      'allow_anonymous true',
      'max_queued_messages 0',
      'persistence false',
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      ...(opts.extra ?? []),
    ].join('\n') + '\n',
  );
  const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (d) => {
    log += d;
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  try {
    await waitForUnix(path, 5000);
  } catch (e) {
    proc.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(e as Error).message}: ${log}`);
  }
  return {
    path,
    dir,
    tcpPort,
    log: () => log,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reads a cert file's text (handy for ws/https servers). */
export const pem = (file: string): string => readFileSync(file, 'utf8');
