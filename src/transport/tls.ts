// TLS and TLS-PSK for the connection layer: mosquitto's rules for what each option means,
// checked at the moments libmosquitto checks them, and its words for every failure.
//
// - Option time (before any socket): files that must exist, the PSK's digits, the version
//   name, the key form. A failure is a message and status 1.
// - Connect time (once the TCP, unix or proxy connection is up): the CA, certificate, key and
//   cipher list are loaded; a failure there is "Unable to connect (A TLS error occurred.)."
//   with OpenSSL's reasons on the -d trace.
// - Handshake: a failure is "Error: A TLS error occurred." (status 8), with OpenSSL's reasons
//   (and "Error: host name verification failed.") on the -d trace.
//
// Certificates are always verified: --insecure drops the host-name check only, and a PSK
// connection that ends up with a certificate-based cipher still has its certificate checked.
import { appendFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { MOSQ_ERR, mosquittoStrerror } from '../errors.ts';
import { ConnectError, tlsSessionFailed } from './errors.ts';
import { brokerPort, TLS_VERSIONS, tlsWanted, type ClientConfig } from '../config.ts';
import { bytesOf } from '../words.ts';

/** The TLS 1.3 suites OpenSSL offers by default (--ciphers only sets those of TLS 1.2 and below). */
const TLS13_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

/**
 * The key bytes of --psk as libmosquitto reads the hex: a "00" pair at the front is a zero
 * byte each, the rest is read as one big number (so "abc" is 0a bc).
 */
export function pskBytes(hex: string): Buffer {
  let zeros = 0;
  while (hex.startsWith('00', zeros * 2)) zeros++;
  const digits = hex.replace(/^0+/, '');
  const number = digits === '' ? Buffer.alloc(0) : Buffer.from(digits.length % 2 ? `0${digits}` : digits, 'hex');
  return Buffer.concat([Buffer.alloc(zeros), number]);
}

/**
 * OpenSSL's default directory where the tools run: Debian's, or on Windows the one OpenSSL is
 * built with there (%CommonProgramFiles%\SSL, as for mosquitto's Windows build).
 */
const OPENSSL_DIR =
  process.platform === 'win32'
    ? `${process.env.CommonProgramFiles || 'C:\\Program Files\\Common Files'}\\SSL`
    : '/usr/lib/ssl';

/** Where OpenSSL looks for the operating system's CA certificates, as libmosquitto asks it to. */
function osCertificates(env: NodeJS.ProcessEnv = process.env): string[] {
  const file = env.SSL_CERT_FILE || join(OPENSSL_DIR, 'cert.pem');
  const fallbacks =
    process.platform === 'win32'
      ? [file]
      : [file, '/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'];
  for (const f of fallbacks) {
    if (existsSync(f)) {
      try {
        return [readFileSync(f, 'latin1')];
      } catch {
        // unreadable: try the next
      }
    }
  }
  return hashedDirectory(env.SSL_CERT_DIR || join(OPENSSL_DIR, 'certs'));
}

/** The certificates of an OpenSSL hashed directory (c_rehash / openssl rehash): files HHHHHHHH.N. */
function hashedDirectory(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const certs: string[] = [];
  for (const name of names.filter((n) => /^[0-9a-f]{8}\.\d+$/.test(n)).sort()) {
    try {
      certs.push(readFileSync(join(dir, name), 'latin1'));
    } catch {
      // a dangling link: OpenSSL skips it too
    }
  }
  return certs;
}

const PEM_CERT = /-----BEGIN (?:TRUSTED )?CERTIFICATE-----[\s\S]+?-----END (?:TRUSTED )?CERTIFICATE-----/g;

/** The PEM certificates in a file, or undefined if it holds none (OpenSSL would refuse it). */
function pemCertificates(path: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(bytesOf(path), 'latin1');
  } catch {
    return undefined;
  }
  const found = text.match(PEM_CERT);
  return found && found.length > 0 ? found.map((c) => c.replace(/TRUSTED /g, '')) : undefined;
}

/** Whether the --key file is an encrypted PEM key (its pass phrase is asked for). */
export function keyIsEncrypted(cfg: ClientConfig): boolean {
  if (cfg.tls.key === undefined || cfg.tls.cert === undefined) return false;
  try {
    return /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: *4, *ENCRYPTED/.test(
      readFileSync(bytesOf(cfg.tls.key), 'latin1'),
    );
  } catch {
    return false;
  }
}

/** OpenSSL's own error line for an error's text, as ERR_error_string() prints it under OpenSSL 3. */
function opensslLine(text: string, index: number): string | undefined {
  const m = /error:([0-9A-Fa-f]{8}):([^:]*):[^:]*:([^:\n]*)/.exec(text);
  if (!m) return undefined;
  return `OpenSSL Error[${index}]: error:${m[1]!.toUpperCase()}:${m[2]}::${m[3]}`;
}

/** Lines for a verification failure: OpenSSL's handshake failure after a rejected certificate. */
const VERIFY_FAILED = 'OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed';

/** A failure to set up TLS once connected: libmosquitto's connect call fails (status 1). */
function setupFailure(lines: string[]): ConnectError {
  return new ConnectError(`Unable to connect (${mosquittoStrerror(MOSQ_ERR.TLS)}).\n`, 1, false, false, lines);
}

/**
 * mosquitto's host-name check: the certificate's DNS names (with a leading "*." matching any
 * first label), its IP addresses, and its common name when it has no DNS name at all.
 */
export function certificateNamesHost(cert: tls.PeerCertificate, host: string): boolean {
  const ip = net.isIP(host) ? normaliseIp(host) : undefined;
  let haveDns = false;
  const san = cert.subjectaltname ?? '';
  for (const entry of san.split(/, (?=[A-Za-z ]+:)/)) {
    const colon = entry.indexOf(':');
    const kind = entry.slice(0, colon);
    const value = entry.slice(colon + 1);
    if (kind === 'DNS') {
      haveDns = true;
      if (nameMatches(value, host)) return true;
    } else if (kind === 'IP Address' && ip !== undefined && normaliseIp(value) === ip) {
      return true;
    }
  }
  if (haveDns) return false;
  const cn = cert.subject?.CN;
  const names = Array.isArray(cn) ? cn : cn === undefined ? [] : [cn];
  return names.length > 0 && nameMatches(names[0]!, host);
}

function normaliseIp(text: string): string {
  if (net.isIPv4(text)) return text;
  // Expand IPv6 so that ::1 and 0:0:...:1 compare equal.
  const [head, tail] = text.toLowerCase().split('::') as [string, string | undefined];
  const a = head ? head.split(':') : [];
  const b = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array(8 - a.length - b.length).fill('0');
  return [...a, ...middle, ...b].map((g) => parseInt(g, 16).toString(16)).join(':');
}

function nameMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith('*')) {
    if (pattern[1] !== '.') return false;
    const dot = host.indexOf('.');
    const rest = dot >= 0 && dot < host.length - 1 ? host.slice(dot + 1) : host;
    return pattern.slice(2).toLowerCase() === rest.toLowerCase();
  }
  return pattern.toLowerCase() === host.toLowerCase();
}

export interface TlsSetup {
  /** Options for tls.connect(), with the socket to wrap added by the caller. */
  options: tls.ConnectionOptions;
  /** Lines to trace when the host-name check fails (the check runs inside the handshake). */
  hostFailed: () => boolean;
}

/**
 * Loads what the TLS connection needs, at connect time. Returns undefined when the
 * connection is not TLS; throws a TlsFailure where libmosquitto's context set-up fails.
 */
export function tlsSetup(cfg: ClientConfig, passphrase?: Buffer): TlsSetup | undefined {
  if (!tlsWanted(cfg)) return undefined;
  const t = cfg.tls;
  const options: tls.ConnectionOptions = { rejectUnauthorized: true };
  // The option check takes the name in any case; the set-up only as written here, so
  // "TLSv1.2" is refused now, as libmosquitto refuses it.
  const version = TLS_VERSIONS[t.version ?? 'tlsv1.2'];
  if (version === undefined) {
    throw new ConnectError(`Unable to connect (${mosquittoStrerror(MOSQ_ERR.INVAL)}).\n`, 1, false, false, [
      `Error: Protocol ${t.version} not supported.`,
    ]);
  }
  options.minVersion = version;
  // Ciphers: --ciphers is OpenSSL's list for TLS 1.2 and below; TLS 1.3 keeps its suites.
  const psk = t.psk !== undefined && t.cafile === undefined && t.capath === undefined;
  let ciphers: string | undefined;
  if (t.ciphers !== undefined) {
    ciphers = /(^|:)TLS_/.test(t.ciphers) ? t.ciphers : `${TLS13_SUITES}:${t.ciphers}`;
  } else if (psk) {
    ciphers = `${TLS13_SUITES}:PSK:${tls.DEFAULT_CIPHERS.split(':')
      .filter((c) => c !== '!PSK' && !c.startsWith('TLS_'))
      .join(':')}`;
  }
  if (version === 'TLSv1.1') ciphers = `${ciphers ?? tls.DEFAULT_CIPHERS}:@SECLEVEL=0`;
  if (ciphers !== undefined) {
    try {
      tls.createSecureContext({ ciphers, minVersion: version });
    } catch (e) {
      throw setupFailure([`Error: Unable to set TLS ciphers. Check cipher list "${t.ciphers ?? ''}".`, ...reasons(e)]);
    }
    options.ciphers = ciphers;
  }
  // Trusted CAs: the OS's (asked for, or by mqtts:// wss:// -p 8883), then --cafile, --capath.
  const ca: string[] = [];
  if (t.useOsCerts || (cfg.port === 8883 && t.cafile === undefined && t.capath === undefined && !psk))
    ca.push(...osCertificates());
  if (t.cafile !== undefined) {
    const certs = pemCertificates(t.cafile);
    if (!certs) {
      throw setupFailure([
        `Error: Unable to load CA certificates, check cafile "${t.cafile}".`,
        'OpenSSL Error[0]: error:05800088:x509 certificate routines::no certificate or crl found',
      ]);
    }
    ca.push(...certs);
  }
  if (t.capath !== undefined) ca.push(...hashedDirectory(t.capath));
  if (ca.length > 0 || t.cafile !== undefined || t.capath !== undefined) options.ca = ca;
  // A client certificate: whenever TLS is on (mosquitto 2.0.11 uses it only with --cafile
  // or --capath, and silently connects without it otherwise).
  if (t.cert !== undefined && t.key !== undefined) {
    let cert: Buffer;
    let key: Buffer;
    try {
      cert = readFileSync(bytesOf(t.cert));
      tls.createSecureContext({ cert });
    } catch (e) {
      throw setupFailure([`Error: Unable to load client certificate "${t.cert}".`, ...reasons(e, true)]);
    }
    const pass = passphrase?.toString('utf8');
    // A key that does not match the certificate fails as it is loaded, as OpenSSL 3 fails
    // libmosquitto's key loading (its later consistency check is never reached).
    let readable = false;
    try {
      key = readFileSync(bytesOf(t.key));
      tls.createSecureContext({ key, passphrase: pass });
      readable = true;
      tls.createSecureContext({ cert, key, passphrase: pass });
    } catch (e) {
      throw setupFailure([`Error: Unable to load client key file "${t.key}".`, ...reasons(e, !readable)]);
    }
    options.cert = cert;
    options.key = key;
    if (pass !== undefined) options.passphrase = pass;
  }
  if (t.alpn !== undefined) options.ALPNProtocols = [t.alpn];
  if (psk) {
    const key = pskBytes(t.psk!);
    const identity = t.pskIdentity ?? '';
    options.pskCallback = () => ({ psk: key, identity });
  }
  // Server name: SNI for a host name (not for an address, which TLS does not allow).
  const unix = brokerPort(cfg) === 0;
  if (!unix && net.isIP(cfg.host) === 0) options.servername = cfg.host;
  let hostFailed = false;
  options.checkServerIdentity = (_host, cert) => {
    // No host to check on a unix socket; --insecure skips this check only.
    if (unix || t.insecure || certificateNamesHost(cert, cfg.host)) return undefined;
    hostFailed = true;
    return Object.assign(new Error('host name verification failed'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  };
  return { options, hostFailed: () => hostFailed };
}

/** OpenSSL's "PEM lib" error, which its file-loading calls add when the PEM cannot be read. */
const PEM_LIB = 'error:0A080009:SSL routines::PEM lib';

/**
 * OpenSSL's error queue for an error thrown by Node's TLS layer, oldest first, as -d lines:
 * the error itself, then the rest of the queue (Node's opensslErrorStack, newest first),
 * then, for a file whose PEM could not be read (`pemLib`), the "PEM lib" error that
 * libmosquitto's file-loading call (SSL_CTX_use_certificate_chain_file and the like) adds.
 */
function reasons(e: unknown, pemLib = false): string[] {
  if (!(e instanceof Error)) return [];
  const stack = (e as Error & { opensslErrorStack?: string[] }).opensslErrorStack ?? [];
  const lines: string[] = [];
  for (const text of [e.message, ...[...stack].reverse()]) {
    const line = opensslLine(text, lines.length);
    if (line) lines.push(line);
  }
  if (pemLib && lines.length > 0) lines.push(opensslLine(PEM_LIB, lines.length)!);
  return lines;
}

/** Node's words for a certificate that failed verification (its X509 error codes). */
const VERIFY_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'OUT_OF_MEM',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A TLS error after the handshake, with OpenSSL's reason on the -d trace. libmosquitto sets
 * errno to EPROTO for any OpenSSL failure on an open connection, and mosquitto's clients give
 * up after it (mosquitto_loop_forever returns on EPROTO), before CONNACK or after it. What
 * they say depends on what OpenSSL's read returned: 0 for a fatal alert the broker sent (a
 * TLS 1.3 broker refuses a client certificate only then), which libmosquitto takes for a
 * closed connection ("The connection was lost.", status 7); -1 for a failure of its own (a
 * record that fails to decrypt: "Protocol error", strerror(EPROTO), status 14).
 */
export function lostAfterHandshake(err: Error & { code?: string }): ConnectError {
  return tlsSessionFailed(alertReceived(err) ? MOSQ_ERR.CONN_LOST : MOSQ_ERR.ERRNO, reasons(err));
}

/** OpenSSL failed because the peer sent a fatal alert (Node: ERR_SSL_TLSV13_ALERT_..., ERR_SSL_SSLV3_ALERT_...). */
const alertReceived = (err: Error & { code?: string }): boolean =>
  /^ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_/.test(err.code ?? '');

/**
 * --tls-keylog: each secret of the session appended to the file as it is made, one line each
 * in the NSS key log format Wireshark reads (CLIENT_RANDOM ..., or TLS 1.3's
 * CLIENT_HANDSHAKE_TRAFFIC_SECRET ... and the rest). A file that cannot be written is passed
 * over, as mosquitto 2.1 passes it over.
 */
export function logKeys(socket: tls.TLSSocket, file: string): void {
  socket.on('keylog', (line: Buffer) => {
    try {
      appendFileSync(bytesOf(file), line);
    } catch {
      // not writable: no log
    }
  });
}

/** tls.connect, for the transport (which does not load node:tls itself). */
export const connect = tls.connect;

/**
 * A failed TLS handshake as libmosquitto reports it: -d lines with OpenSSL's reasons, then
 * "Error: A TLS error occurred." (status 8); mosquitto_sub does not reconnect after it.
 */
export function handshakeFailure(err: Error & { code?: string }, hostFailed: boolean): ConnectError {
  const lines: string[] = [];
  if (hostFailed) lines.push('Error: host name verification failed.');
  if (VERIFY_CODES.has(err.code ?? '')) lines.push(VERIFY_FAILED);
  else if (err.code === 'ECONNRESET' || /disconnected before secure TLS connection/.test(err.message)) {
    // The broker hung up mid-handshake (not a TLS listener, say): OpenSSL reads the end first.
    lines.push('OpenSSL Error[0]: error:0A000126:SSL routines::unexpected eof while reading');
  } else {
    lines.push(...reasons(err));
  }
  return tlsSessionFailed(MOSQ_ERR.TLS, lines);
}
