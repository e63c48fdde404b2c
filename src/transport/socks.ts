// --proxy: a tunnel to the broker through a SOCKS5 proxy, with libmosquitto's answers to
// what the proxy says. The TCP connection to the proxy is ours (so its errors are the usual
// socket errors); the `socks` package speaks the SOCKS5 negotiation over it. socks5h: the
// broker's host name goes to the proxy unresolved.
import type * as net from 'node:net';
import { SocksClient } from 'socks';
import type { ProxyConfig } from '../config.ts';
import { MOSQ_ERR, mosquittoError } from '../errors.ts';
import { ConnectError, lostError, socketError } from './errors.ts';

const refused = (code: number, retry = false) => new ConnectError(mosquittoError(code), code, false, retry);
const AUTH = refused(MOSQ_ERR.AUTH);
// The proxy could not reach the broker: libmosquitto's reconnecting loop (tssub) tries again.
const NO_CONN = refused(MOSQ_ERR.NO_CONN, true);
const PROXY = refused(MOSQ_ERR.PROXY);
const INVAL = refused(MOSQ_ERR.INVAL);

/** The proxy's reply codes (RFC 1928), as the socks package names them, to libmosquitto's errors. */
const REPLIES: Record<string, ConnectError> = {
  NotAllowed: AUTH,
  NetworkUnreachable: NO_CONN,
  HostUnreachable: NO_CONN,
  ConnectionRefused: NO_CONN,
  Failure: PROXY,
  TTLExpired: PROXY,
  CommandNotSupported: PROXY,
  AddressNotSupported: PROXY,
};

/**
 * Asks the proxy, over `socket` (connected to it), for a connection to host:port. Resolves
 * with the same socket, now a tunnel to the broker; rejects with libmosquitto's error.
 */
export async function socksTunnel(
  socket: net.Socket,
  proxy: ProxyConfig,
  host: string,
  port: number,
): Promise<net.Socket> {
  try {
    const { socket: tunnel } = await SocksClient.createConnection({
      proxy: {
        host: proxy.host,
        port: proxy.port,
        type: 5,
        // A user without a password logs in with an empty one (mosquitto_pub 2.0.11 crashes).
        ...(proxy.username !== undefined ? { userId: proxy.username, password: proxy.password ?? '' } : {}),
      },
      command: 'connect',
      destination: { host, port },
      existing_socket: socket,
      timeout: 0x7fffffff,
    });
    return tunnel;
  } catch (e) {
    throw refusal(e as Error);
  }
}

function refusal(err: Error): ConnectError {
  const message = err.message;
  const rejected = /rejected connection - (\w+)/.exec(message);
  if (rejected) return REPLIES[rejected[1]!] ?? INVAL;
  if (/Authentication failed|no accepted authentication type/i.test(message)) return AUTH;
  if (/Socket closed/i.test(message)) return lostError();
  if (/invalid|timed out/i.test(message)) return PROXY;
  return socketError(err);
}
