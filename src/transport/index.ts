// The transports mosquitto's clients speak, as one stream for the session: TCP, a unix socket
// (port 0), a SOCKS5 tunnel, each optionally under TLS or TLS-PSK, and WebSocket over any of
// them (mosquitto 2.1). The caller learns when the connection is up (CONNECT goes out then)
// and, if it fails, gets libmosquitto's message and status for the layer that failed.
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { brokerPort, tlsWanted, type ClientConfig } from '../config.ts';
import { ConnectError, lostError, socketError } from './errors.ts';
import type { TlsSetup } from './tls.ts';

export { checkTlsOptions } from './tls-options.ts';

export interface TransportHooks {
  /** The TCP (or unix) connection is made: to the broker, or to the proxy. */
  connected?(): void;
  /** The connection is up: CONNECT is on its way (libmosquitto traces it at this point). */
  up(): void;
  /** The connection failed, before or after it was up, with mosquitto's words for it. */
  failed(err: ConnectError): void;
}

/** What the transport needs before the session connects: the SOCKS tunnel, and the modules of the
 * layers above TCP (loaded only when used: start-up). */
export interface Prepared {
  tunnel?: net.Socket;
  /** The pass phrase of an encrypted --key, asked on the terminal. */
  passphrase?: Buffer;
  tls?: typeof import('./tls.ts');
  ws?: typeof import('ws');
}

/**
 * --tls-keylog on a connection without TLS: mosquitto 2.1.2 refuses it once connected, in
 * these words (its -d line names the libmosquitto options its --tls-keylog uses).
 */
const KEYLOG_WITHOUT_TLS = new ConnectError('Unable to connect (Invalid input).\n', 1, false, false, [
  'Error: If you use MOSQ_OPT_SSL_CTX then MOSQ_OPT_SSL_CTX_WITH_DEFAULTS must be true, or at least one of cafile, capath or psk must be specified.',
]);

/** Whether the connection needs prepareTransport() (anything but plain TCP or unix). */
export function needsPreparing(cfg: ClientConfig): boolean {
  return cfg.proxy !== undefined || cfg.websocket || tlsWanted(cfg);
}

/** A TCP connection to the broker, or to the proxy in front of it, or a unix socket. */
function baseSocket(cfg: ClientConfig, port: number): net.Socket {
  if (cfg.proxy) {
    return net.connect({
      host: cfg.proxy.host,
      port: cfg.proxy.port,
      localAddress: cfg.bindAddress,
      noDelay: cfg.nodelay,
    });
  }
  if (port === 0) return net.connect({ path: cfg.host });
  return net.connect({ host: cfg.host, port, localAddress: cfg.bindAddress, noDelay: cfg.nodelay });
}

/**
 * Opens the SOCKS5 tunnel when --proxy is given: it has to be in place before the session writes
 * its first byte. Rejects with libmosquitto's error for the proxy's answer.
 */
export async function prepareTransport(cfg: ClientConfig, connected?: () => void): Promise<Prepared> {
  const prepared: Prepared = {};
  if (tlsWanted(cfg)) {
    prepared.tls = await import('./tls.ts');
    if (prepared.tls.keyIsEncrypted(cfg)) {
      // OpenSSL asks on the controlling terminal, whatever stdin is; no terminal, no key.
      const { askTerminal } = await import('../terminal.ts');
      prepared.passphrase = (await askTerminal('Enter PEM pass phrase:')) ?? undefined;
    }
  }
  if (cfg.websocket) prepared.ws = await import('ws');
  if (!cfg.proxy) return prepared;
  const socket = baseSocket(cfg, brokerPort(cfg));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (e: NodeJS.ErrnoException) => reject(socketError(e)));
  });
  socket.removeAllListeners('error');
  connected?.();
  const { socksTunnel } = await import('./socks.ts');
  prepared.tunnel = await socksTunnel(socket, cfg.proxy, cfg.host, brokerPort(cfg));
  return prepared;
}

/**
 * Opens the connection to the broker (synchronously: the session writes CONNECT to the stream at
 * once; what is written before the connection is up waits). `hooks` hear when it is up and
 * how it failed.
 */
export function openTransport(cfg: ClientConfig, prepared: Prepared, hooks: TransportHooks): Duplex {
  const port = brokerPort(cfg);
  const base = prepared.tunnel ?? baseSocket(cfg, port);
  let up = false;
  let failed = false;
  const fail = (err: ConnectError) => {
    if (failed) return;
    failed = true;
    hooks.failed(err);
  };
  let connected = !base.connecting;
  if (!connected) {
    base.once('connect', () => {
      connected = true;
      hooks.connected?.();
    });
  } else if (!prepared.tunnel) {
    process.nextTick(() => hooks.connected?.());
  }

  base.on('error', (err: NodeJS.ErrnoException) => {
    // An IPv6 bind address for an IPv4 connection: the kernel says EAFNOSUPPORT to
    // libmosquitto's socket, Node's (made for the bind address) says EINVAL.
    if (err.syscall === 'bind' && err.code === 'EINVAL' && net.isIPv6(cfg.bindAddress ?? '') && !net.isIPv6(cfg.host))
      err.code = 'EAFNOSUPPORT';
    // Once connected, whatever the layers above were doing, the connection was lost.
    fail(connected ? lostError() : socketError(err));
  });

  // TLS: set up (files, ciphers) once the connection is there, as libmosquitto does.
  let setup: TlsSetup | undefined;
  let setupError: ConnectError | undefined;
  try {
    setup = prepared.tls?.tlsSetup(cfg, prepared.passphrase);
  } catch (e) {
    if (!(e instanceof ConnectError)) throw e;
    setupError = e;
  }
  if (cfg.tls.keylog !== undefined && !cfg.tls.off && !setup && !setupError) setupError = KEYLOG_WITHOUT_TLS;
  let stream: Duplex = base;
  if (setupError) {
    const refuse = () => {
      fail(setupError!);
      base.destroy();
    };
    if (base.connecting) base.once('connect', refuse);
    else process.nextTick(refuse);
    return base;
  }
  const transportUp = () => {
    if (up || failed) return;
    up = true;
    hooks.up();
  };
  if (setup) {
    const secure = prepared.tls!.connect({ ...setup.options, socket: base });
    if (cfg.tls.keylog !== undefined) prepared.tls!.logKeys(secure, cfg.tls.keylog);
    let handshaken = false;
    secure.once('secureConnect', () => {
      handshaken = true;
    });
    // Socket errors reach `base` first; TLS's own come here.
    secure.on('error', (err: NodeJS.ErrnoException) => {
      const layer = prepared.tls!;
      fail(handshaken ? layer.lostAfterHandshake(err) : layer.handshakeFailure(err, setup!.hostFailed()));
    });
    stream = secure;
  }
  if (cfg.websocket) {
    stream = webSocket(prepared.ws!, cfg, port, stream, setup !== undefined, { up: transportUp, failed: fail });
  } else if (prepared.tunnel || !base.connecting) {
    process.nextTick(transportUp);
  } else {
    base.once('connect', transportUp);
  }
  return stream;
}

/** MQTT over WebSocket on top of `inner` (TCP, unix, tunnel, TLS): path /mqtt, subprotocol mqtt. */
function webSocket(
  wsModule: typeof import('ws'),
  cfg: ClientConfig,
  port: number,
  inner: Duplex,
  secure: boolean,
  hooks: TransportHooks,
): Duplex {
  // ws is CommonJS: its exports, whichever way the loader wrapped them.
  const loaded = wsModule as Partial<typeof import('ws')> & { default?: typeof import('ws') };
  const { WebSocket, createWebSocketStream } = loaded.createWebSocketStream
    ? (loaded as typeof import('ws'))
    : loaded.default!;
  const host = net.isIPv6(cfg.host) ? `[${cfg.host}]` : port === 0 ? 'localhost' : cfg.host;
  const url = `${secure ? 'wss' : 'ws'}://${host}:${port === 0 ? 80 : port}/mqtt`;
  const ws = new WebSocket(url, ['mqtt'], {
    createConnection: () => inner as net.Socket,
    perMessageDeflate: false,
    followRedirects: false,
  });
  ws.once('open', () => hooks.up());
  const stream = createWebSocketStream(ws, { objectMode: false });
  ws.on('close', () => stream.destroy());
  ws.on('error', (err: Error & { code?: string }) => {
    const status = /Unexpected server response: (\d+)/.exec(err.message);
    if (status) {
      hooks.failed(
        new ConnectError(`Error: The broker refused the WebSocket connection (HTTP status ${status[1]}).\n`, 13, false),
      );
    } else if (err.code && /^E[A-Z]+$/.test(err.code)) {
      hooks.failed(socketError(err as NodeJS.ErrnoException));
    } else {
      hooks.failed(new ConnectError(`Error: WebSocket: ${err.message}.\n`, 13, false));
    }
  });
  return stream;
}
