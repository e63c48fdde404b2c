// The URLs of the command line: -L's broker URL and --proxy's SOCKS5 URL, read as mosquitto
// reads them (its messages), with the fixes noted.
import type { ClientConfig, ProxyConfig } from '../config.ts';
import { UsageError } from '../errors.ts';
import { atol } from '../properties.ts';
import { starUrl } from './secrets.ts';
import { bytesOf, decodeBytes } from '../words.ts';
import { addTopic, fail, fail1 } from './checks.ts';

/** -L mqtt://[user[:pass]@]host[:port]/topic */
export function applyUrl(cfg: ClientConfig, url: string): void {
  // The scheme sets the port (and TLS, WebSocket); what follows may set the port again.
  const scheme = /^(mqtts?|wss?):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) fail('Error: unsupported URL scheme.');
  const rest = url.slice(scheme!.length + 3);
  const secure = scheme === 'mqtts' || scheme === 'wss';
  if (secure) cfg.tls.useOsCerts = true;
  if (scheme!.startsWith('ws')) cfg.websocket = true;
  const defaultPort = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 }[scheme!]!;
  const slash = rest.indexOf('/');
  if (slash < 0) fail1('Error: Invalid URL for -L argument specified - topic missing.');
  let authority = rest.slice(0, slash);
  const topic = rest.slice(slash + 1);
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const cred = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const colon = cred.indexOf(':');
    // Percent-decoded (RFC 3986), so that a password may hold '@', ':' or '/' (%40, %3A,
    // %2F); mosquitto takes them as they are. The topic stays as given.
    if (colon >= 0) {
      cfg.username = percentDecode(cred.slice(0, colon));
      cfg.password = percentDecode(cred.slice(colon + 1));
    } else {
      cfg.username = percentDecode(cred);
    }
  }
  const colon = authority.lastIndexOf(':');
  if (colon >= 0 && !authority.endsWith(']')) {
    cfg.host = authority.slice(0, colon);
    cfg.port = atol(authority.slice(colon + 1));
  } else {
    cfg.host = authority;
    cfg.port = defaultPort;
  }
  if (cfg.host.startsWith('[') && cfg.host.endsWith(']')) cfg.host = cfg.host.slice(1, -1);
  addTopic(cfg, topic, '-L topic');
}

/**
 * --proxy socks5h://[user[:password]@]host[:port], read as mosquitto reads it (the same
 * messages), with two fixes: user and password are percent-decoded as RFC 3986 has it (2.0.11
 * turns %40 into ':'), and the host may be an IPv6 address in brackets (mosquitto 2.1).
 */
export function parseProxyUrl(url: string): ProxyConfig {
  const prefix = 'socks5h://';
  // mosquitto's message repeats the URL; the password in it is starred out (never shown).
  if (!url.startsWith(prefix))
    throw new UsageError(`Error: Unsupported proxy protocol: ${starUrl(url, () => '*****')}\n`);
  const rest = url.slice(prefix.length);
  // Malformed in a way mosquitto does not name: only the usage hint.
  const malformed = (): never => {
    throw new UsageError('');
  };
  let username: string | undefined;
  let password: string | undefined;
  let host: string | undefined;
  let port: string | undefined;
  const v6 = /^(?:([^@[]+)@)?\[([0-9A-Fa-f:.]+)\](?::([^:]*))?$/.exec(rest);
  if (v6) {
    // An IPv6 proxy in brackets (mosquitto 2.1; 2.0.11 cannot take one).
    if (v6[1] !== undefined) {
      const colon = v6[1].indexOf(':');
      username = colon < 0 ? v6[1] : v6[1].slice(0, colon);
      if (colon >= 0) password = v6[1].slice(colon + 1);
      if (username === '' || password === '') malformed();
    }
    host = v6[2]!;
    port = v6[3] || undefined;
  } else {
    // [user[:password]@]host[:port], read one character at a time as mosquitto reads it.
    let start = 0;
    let haveAuth = false;
    let userOrHost: string | undefined;
    let i = 0;
    for (; i < rest.length; i++) {
      const c = rest[i];
      if (c === ':') {
        if (i === start) malformed();
        if (haveAuth) {
          if (host !== undefined) malformed();
          host = rest.slice(start, i);
          start = i + 1;
        } else if (userOrHost === undefined) {
          userOrHost = rest.slice(start, i);
          start = i + 1;
        }
      } else if (c === '@') {
        if (i === start) malformed();
        haveAuth = true;
        if (userOrHost !== undefined) {
          username = userOrHost;
          userOrHost = undefined;
          password = rest.slice(start, i);
        } else {
          if (username !== undefined) malformed();
          username = rest.slice(start, i);
        }
        start = i + 1;
      }
    }
    if (i > start) {
      const last = rest.slice(start, i);
      if (host !== undefined) port = last;
      else if (userOrHost !== undefined) {
        host = userOrHost;
        port = last;
      } else host = last;
    }
  }
  if (host === undefined) throw new UsageError('Error: Invalid proxy.\n');
  let portNumber = 1080;
  if (port !== undefined) {
    portNumber = atol(port);
    if (portNumber < 1 || portNumber > 65535) throw new UsageError(`Error: Invalid proxy port ${portNumber}\n`);
  }
  return {
    host,
    port: portNumber,
    // Percent-decoded as RFC 3986 has it (2.0.11 turns %40 into ':').
    username: username === undefined ? undefined : percentDecode(username),
    password: password === undefined ? undefined : percentDecode(password),
  };
}

/** %XX escapes decoded to their bytes (kept as words.ts keeps raw bytes); a stray % stays. */
function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  const raw = bytesOf(text);
  for (let i = 0; i < raw.length; i++) {
    const hex = raw[i] === 0x25 && i + 2 < raw.length ? String.fromCharCode(raw[i + 1]!, raw[i + 2]!) : '';
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(raw[i]!);
    }
  }
  return decodeBytes(Buffer.from(bytes));
}
