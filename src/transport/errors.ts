// How a connection attempt fails, in mosquitto's words and exit statuses: socket errors
// (C's strerror), a lost connection, and the failures of the layers above TCP (TLS, the SOCKS
// proxy, WebSocket), which may carry lines for the -d trace.
import { errnoWords, MOSQ_ERR, mosquittoError, ToolError } from '../errors.ts';

/** How the connection attempt failed, as mosquitto words it. */
export class ConnectError extends ToolError {
  constructor(
    text: string,
    status: number,
    /** The broker answered CONNACK with a refusal (rather than the socket failing). */
    readonly refused: boolean,
    /** The connection was made, then lost before CONNACK (libmosquitto retries these). */
    readonly lost: boolean = false,
    /** Lines libmosquitto logs about the failure (OpenSSL's reasons): shown with -d. */
    readonly traceLines: readonly string[] = [],
    /**
     * The broker refused the TLS session (OpenSSL failed on an open connection: a handshake
     * alert, a TLS 1.3 broker refusing the client certificate). libmosquitto's loop gives up
     * after it, on a reconnection too: no retry.
     */
    readonly final: boolean = false,
  ) {
    super(text, status);
  }
}

export function socketError(err: NodeJS.ErrnoException): ConnectError {
  const code = err.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME') {
    return new ConnectError('Unable to connect (Lookup error.).\n', 1, false);
  }
  // A reset needs a connection: the broker hung up at once (Node may say so before 'connect').
  if (code === 'ECONNRESET') return lostError();
  return new ConnectError(`Error: ${errnoWords(err) ?? err.message}\n`, 1, false);
}

/** The connection was lost (libmosquitto logs `traceLines` about it, shown with -d). */
export function lostError(traceLines: readonly string[] = []): ConnectError {
  // MOSQ_ERR_CONN_LOST, the status mosquitto_pub leaves with when the broker hangs up before CONNACK.
  return new ConnectError(mosquittoError(MOSQ_ERR.CONN_LOST), MOSQ_ERR.CONN_LOST, false, true, traceLines);
}

/**
 * OpenSSL failed on the open connection (MOSQ_ERR_TLS, or errno EPROTO with "The connection
 * was lost."): mosquitto_sub ends there, first connection or reconnection.
 */
export function tlsSessionFailed(status: number, traceLines: readonly string[]): ConnectError {
  return new ConnectError(mosquittoError(status), status, false, false, traceLines, true);
}
