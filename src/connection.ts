// The connection layer: turns a checked ClientConfig into a connected MQTT.js client, with
// mosquitto's client id rules, message ids, -d tracing and failure messages and codes.
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import MqttClientModule from 'mqtt/lib/client';
import type { IClientOptions, MqttClient as MqttClientType } from 'mqtt';
import type { IConnackPacket, Packet } from 'mqtt-packet';
import { stdout } from './cli.ts';
import { paintFor } from './colour.ts';
import { mosquittoError, ToolError } from './errors.ts';
import { bytesOf, isMqttUtf8, isWellFormed } from './words.ts';
import { brokerPort, type ClientConfig } from './options.ts';
import { Tracer, type TraceSink } from './trace.ts';
import { ConnectError, lostError, socketError } from './transport/errors.ts';
import { Guard, fatal, tap } from './guard.ts';
import { batchWrites } from './batch-writes.ts';
import { checkTlsOptions, needsPreparing, openTransport, prepareTransport, type Prepared } from './transport/index.ts';

export { ConnectError };

/** The broker broke the protocol, or stopped answering: libmosquitto's code and words. */
export class ProtocolError extends ConnectError {
  constructor(readonly code: number) {
    // Errors other than a protocol error are ones mosquitto_sub reconnects after.
    super(mosquittoError(code), code, false, !fatal(code));
  }
}

/** Why the guard ended a client's connection (a libmosquitto error code), if it did. */
const failures = new WeakMap<MqttClientType, number>();
export function failureOf(client: MqttClientType): number | undefined {
  return failures.get(client);
}

/** The return codes of the SUBACK for this message id, as the broker sent them. */
const grants = new WeakMap<MqttClientType, Map<number, number[]>>();
export function grantedBy(client: MqttClientType, mid: number): number[] | undefined {
  return grants.get(client)?.get(mid);
}


// mqtt/lib/client is CommonJS with a default export; bundlers and tsx disagree on the shape.
const MqttClient: typeof MqttClientType =
  ((MqttClientModule as unknown as { default?: typeof MqttClientType }).default ?? MqttClientModule) as typeof MqttClientType;
export type MqttClient = MqttClientType;
/** MQTT.js's client class (src/sea.ts warms it up for the start-up snapshot). */
export const MqttClientClass = MqttClient;

/** Message ids as libmosquitto hands them out: 1, 2, 3, ... wrapping past 65535 to 1. */
export class SequentialIds {
  private last = 0;
  allocate(): number {
    this.last = this.last >= 65535 ? 1 : this.last + 1;
    return this.last;
  }
  getLastAllocated(): number | null {
    return this.last === 0 ? null : this.last;
  }
  register(_id: number): boolean {
    return true;
  }
  deallocate(_id: number): void {}
  /** MQTT.js calls this on every CONNACK; libmosquitto numbers on across reconnections. */
  clear(): void {}
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The client id mosquitto's tools would use for this configuration. */
export function clientIdFor(cfg: ClientConfig, pid = process.pid): string {
  // An empty id, or none for a persistent session (v5 with a finite -x gets this far).
  if (cfg.clientId === '' || (cfg.clientId === undefined && cfg.idPrefix === undefined && !cfg.cleanSession)) {
    throw new ToolError(cfg.tool === 'pub' ? 'Error: Invalid id.\n' : 'Error: Invalid id and/or clean_session.\n');
  }
  const given = cfg.clientId ?? (cfg.idPrefix !== undefined ? `${cfg.idPrefix}${pid}` : undefined);
  if (given !== undefined) {
    // libmosquitto refuses an id that is not UTF-8 as MQTT has it, and the tool says nothing.
    if (!isMqttUtf8(given)) throw new ToolError('');
    return given;
  }
  if (cfg.protocolVersion === 3) {
    // MQTT 3.1 brokers may refuse an empty id, so libmosquitto makes one up (23 characters).
    let id = 'mosq-';
    for (let i = 0; i < 18; i++) id += ALNUM[Math.floor(Math.random() * ALNUM.length)];
    return id;
  }
  return '';
}

/** mosquitto_connack_string() for MQTT 3.1/3.1.1 return codes. */
const CONNACK_V3: Record<number, string> = {
  1: 'Connection Refused: unacceptable protocol version.',
  2: 'Connection Refused: identifier rejected.',
  3: 'Connection Refused: broker unavailable.',
  4: 'Connection Refused: bad user name or password.',
  5: 'Connection Refused: not authorised.',
};

/** mosquitto_reason_string() for MQTT v5 reason codes. */
export const REASON_V5: Record<number, string> = {
  0: 'Success',
  4: 'Disconnect with Will Message',
  16: 'No matching subscribers',
  17: 'No subscription existed',
  128: 'Unspecified error',
  129: 'Malformed Packet',
  130: 'Protocol Error',
  131: 'Implementation specific error',
  132: 'Unsupported Protocol Version',
  133: 'Client Identifier not valid',
  134: 'Bad User Name or Password',
  135: 'Not authorized',
  136: 'Server unavailable',
  137: 'Server busy',
  138: 'Banned',
  139: 'Server shutting down',
  140: 'Bad authentication method',
  141: 'Keep Alive timeout',
  142: 'Session taken over',
  143: 'Topic Filter invalid',
  144: 'Topic Name invalid',
  145: 'Packet Identifier in use',
  146: 'Packet Identifier not found',
  147: 'Receive Maximum exceeded',
  148: 'Topic Alias invalid',
  149: 'Packet too large',
  150: 'Message rate too high',
  151: 'Quota exceeded',
  152: 'Administrative action',
  153: 'Payload format invalid',
  154: 'Retain not supported',
  155: 'QoS not supported',
  156: 'Use another server',
  157: 'Server moved',
  158: 'Shared Subscriptions not supported',
  159: 'Connection rate exceeded',
  160: 'Maximum connect time',
  161: 'Subscription identifiers not supported',
  162: 'Wildcard Subscriptions not supported',
};

export interface Session {
  client: MqttClient;
  ids: SequentialIds;
  /** The id the broker knows us by ('' until it tells us, for an assigned one). */
  clientId: string;
  connack: IConnackPacket;
}

export interface ConnectOptions {
  /** Where -d lines go (stdout). */
  trace?: TraceSink;
  /** Called for each packet the client receives, after tracing. */
  onPacket?: (packet: import('mqtt-packet').Packet) => void;
  /** Message ids to go on with (a reconnection numbers on from the last connection). */
  ids?: SequentialIds;
  /** Answer a refused CONNACK with DISCONNECT, as mosquitto_sub does (mosquitto_pub does not). */
  disconnectOnRefusal?: boolean;
  /** Called when the connection is up and CONNECT goes out. */
  onTransportUp?: () => void;
  /** Called when the TCP (or unix) connection is made, to the broker or to the proxy. */
  onConnected?: () => void;
  /** Called with the client before CONNECT is sent, for hooks that must be in place early. */
  setup?: (client: MqttClient) => void;
}

/** MQTT.js wants booleans where mosquitto's -D takes numbers. */
function connectProperties(cfg: ClientConfig): IClientOptions['properties'] | undefined {
  if (cfg.protocolVersion !== 5) return undefined;
  const props: Record<string, unknown> = { ...(cfg.properties.connect ?? {}) };
  for (const k of ['requestResponseInformation', 'requestProblemInformation']) {
    if (k in props) props[k] = props[k] !== 0;
  }
  const expiry = cfg.sessionExpiry ?? (props.sessionExpiryInterval as number | undefined) ?? (cfg.cleanSession ? 0 : 0xffffffff);
  if (expiry !== 0) props.sessionExpiryInterval = expiry;
  else delete props.sessionExpiryInterval;
  // libmosquitto asks for at most 20 unacknowledged messages from the broker (its default
  // in-flight limit; -M does not change it, -D connect receive-maximum does).
  props.receiveMaximum ??= 20;
  return props as IClientOptions['properties'];
}

/** Builds MQTT.js options for this configuration (no I/O). */
export function clientOptions(cfg: ClientConfig, clientId: string, ids: SequentialIds): IClientOptions {
  const opts: IClientOptions = {
    clientId,
    protocolVersion: cfg.protocolVersion,
    protocolId: cfg.protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
    keepalive: cfg.keepalive,
    clean: cfg.cleanSession,
    reconnectPeriod: 0,
    connectTimeout: 0x7fffffff,
    resubscribe: false,
    // MQTT.js otherwise builds a 65536-entry Buffer cache on the first packet: ~50 ms of
    // start-up for nothing a command-line tool needs.
    writeCache: false,
    messageIdProvider: ids,
    // Listeners (the tracer) must be in place before CONNECT is written.
    manualConnect: true,
    properties: connectProperties(cfg),
  };
  if (cfg.username !== undefined) opts.username = cfg.username;
  if (cfg.password !== undefined) opts.password = bytesOf(cfg.password);
  if (cfg.will.topic !== undefined) {
    opts.will = {
      topic: cfg.will.topic,
      payload: cfg.will.payload ?? Buffer.alloc(0),
      qos: cfg.will.qos,
      retain: cfg.will.retain,
      ...(cfg.protocolVersion === 5 && cfg.properties.will ? { properties: willProperties(cfg.properties.will) } : {}),
    };
  }
  return opts;
}

function willProperties(set: Record<string, unknown>): NonNullable<IClientOptions['will']>['properties'] {
  // MQTT.js cannot carry reason-string in a will; mosquitto's broker would refuse it anyway.
  const { reasonString: _ignored, ...rest } = set;
  return rest as NonNullable<IClientOptions['will']>['properties'];
}

/**
 * "-D publish ... -V 311" and the like: properties that MQTT v3 cannot carry. libmosquitto
 * refuses such a PUBLISH, SUBSCRIBE, UNSUBSCRIBE or DISCONNECT when it comes to send it, and
 * mosquitto 2.0.11's clients then go on without it: mosquitto_pub exits 0 having published
 * nothing, mosquitto_sub waits on no subscription, and a refused DISCONNECT leaves either one
 * running for ever. We refuse the command once connected, before sending anything.
 */
function v3Properties(cfg: ClientConfig): string | undefined {
  if (cfg.protocolVersion === 5) return undefined;
  for (const kind of ['publish', 'subscribe', 'unsubscribe', 'disconnect'] as const) {
    if (cfg.properties[kind] && (kind !== 'unsubscribe' || cfg.unsubscribe.length > 0)) {
      const version = cfg.protocolVersion === 3 ? 'MQTT v3.1' : 'MQTT v3.1.1';
      return `Error: ${kind} properties (-D ${kind}) need MQTT v5, but -V chose ${version}; nothing was sent.\n`;
    }
  }
  return undefined;
}

/**
 * Connects and waits for CONNACK. Rejects with a ConnectError carrying mosquitto's message
 * and exit status when the socket fails or the broker refuses.
 */
export function connect(cfg: ClientConfig, options: ConnectOptions = {}): Promise<Session> {
  let clientId: string;
  try {
    // libmosquitto's order: the client id when the client is made, then the will, then the
    // user name and password.
    clientId = clientIdFor(cfg);
  } catch (e) {
    return Promise.reject(e);
  }
  if (cfg.will.topic !== undefined && cfg.protocolVersion !== 5 && cfg.properties.will) {
    // "-D will ... -V 311": libmosquitto cannot put will properties in a v3 CONNECT.
    return Promise.reject(new ToolError('Error: Problem setting will.\n'));
  }
  if (
    (cfg.password !== undefined && cfg.username === undefined && cfg.protocolVersion !== 5) ||
    (cfg.username !== undefined && !isMqttUtf8(cfg.username))
  ) {
    // MQTT v3 has no password without a user name (v5 does); a user name is UTF-8.
    return Promise.reject(new ToolError('Error: Problem setting username and/or password.\n'));
  }
  try {
    // Then the TLS options, as mosquitto's clients hand them to libmosquitto.
    checkTlsOptions(cfg);
  } catch (e) {
    return Promise.reject(e);
  }
  const port = brokerPort(cfg);
  // A host name that is empty or not UTF-8 (kept bytes, see words.ts) resolves to nothing.
  if ((port !== 0 && cfg.host === '') || !isWellFormed(cfg.host) || !isWellFormed(cfg.bindAddress ?? '')) {
    return Promise.reject(new ConnectError('Unable to connect (Lookup error.).\n', 1, false));
  }
  if (cfg.protocolVersion !== 5 && cfg.properties.connect) {
    // "-D connect ... -V 311": libmosquitto refuses to put properties in a v3 CONNECT.
    return Promise.reject(new ConnectError('Unable to connect (This feature is not supported.).\n', 1, false));
  }
  if (cfg.bindAddress !== undefined && net.isIP(cfg.bindAddress) === 0) {
    // libmosquitto resolves a bind address given as a name (-A localhost); Node binds only to
    // an address. The resolver is loaded only then.
    const name = cfg.bindAddress;
    return import('node:dns')
      .then((dns) => dns.promises.lookup(name))
      .then(
        ({ address }) => connect({ ...cfg, bindAddress: address }, options),
        () => Promise.reject(new ConnectError('Unable to connect (Lookup error.).\n', 1, false)),
      );
  }
  if (needsPreparing(cfg)) {
    // TLS and WebSocket are loaded now; a SOCKS tunnel comes first: CONNECT goes out once
    // the proxy has made it.
    return prepareTransport(cfg, options.onConnected).then(
      (prepared) => connectOver(cfg, clientId, prepared, options),
      (e) => {
        if (e instanceof ConnectError) traceFailure(options.trace, e);
        return Promise.reject(e);
      },
    );
  }
  return connectOver(cfg, clientId, {}, options);
}

/** What libmosquitto logs about a failure (OpenSSL's reasons, say) comes on the -d trace. */
function traceFailure(trace: TraceSink | undefined, err: ConnectError): void {
  if (trace) for (const line of err.traceLines) trace.write(`${line}\n`);
}

/** Up to the stream: CONNECT, CONNACK and everything mosquitto says about them. */
function connectOver(cfg: ClientConfig, clientId: string, prepared: Prepared, options: ConnectOptions): Promise<Session> {
  const ids = options.ids ?? new SequentialIds();
  // The trace goes to stdout in every tool: coloured when that is a terminal (colour.ts).
  const tracer = options.trace ? new Tracer(options.trace, ids, clientId, paintFor(stdout())) : undefined;
  let transportFailure: ConnectError | undefined;
  let transportUp = false;
  /** MQTT.js writes CONNECT before the connection is up; libmosquitto traces it once it is. */
  let connectTrace: Packet | undefined;
  const guard = new Guard(cfg.protocolVersion, clientId !== '', cfg.keepalive, {
    trace: (item) => {
      if (!tracer) return;
      if (typeof item === 'string') tracer.note(item);
      else tracer.received(item);
    },
    fail: (code) => {
      if (!failures.has(client)) failures.set(client, code);
      guard.stop();
      client.stream.destroy();
    },
    send: (packet) => (client as unknown as { _sendPacket(p: Packet): void })._sendPacket(packet),
  });
  const client = new MqttClient(() => {
    const stream = openTransport(cfg, prepared, {
      connected: options.onConnected,
      up: () => {
        transportUp = true;
        guard.start();
        if (connectTrace) tracer?.sent(connectTrace);
        options.onTransportUp?.();
      },
      failed: (err) => {
        if (transportFailure) return;
        transportFailure = err;
        // Lost before Node said it was connected (a reset at once): libmosquitto had sent CONNECT.
        if (err.lost && !transportUp && connectTrace && !needsPreparing(cfg)) tracer?.sent(connectTrace);
        traceFailure(options.trace, err);
      },
    });
    tap(stream as unknown as NodeJS.ReadableStream, guard);
    batchWrites(stream as unknown as Duplex);
    stream.once('close', () => guard.stop());
    return stream as unknown as ReturnType<ConstructorParameters<typeof MqttClient>[0]>;
  }, clientOptions(cfg, clientId, ids));
  grants.set(client, guard.granted);
  // First of all listeners: a reason code the guard had to replace for mqtt-packet is shown
  // as the broker sent it (the trace), then put back for MQTT.js (see below).
  let replaced: { packet: Packet; code: number } | undefined;
  client.on('packetreceive', (p) => {
    if (guard.reasons.size === 0) return;
    const key = p.cmd === 'disconnect' ? 'disconnect' : `${p.cmd} ${(p as { messageId?: number }).messageId}`;
    const code = guard.reasons.get(key);
    if (code === undefined) return;
    guard.reasons.delete(key);
    const packet = p as { reasonCode?: number };
    replaced = { packet: p, code: packet.reasonCode ?? 0 };
    packet.reasonCode = code;
  });
  // The guard keeps the keep-alive as libmosquitto does (from the connection on, and by the
  // broker's value in a v5 CONNACK); MQTT.js's own starts only after CONNACK.
  (client as unknown as { _setupKeepaliveManager(): void })._setupKeepaliveManager = () => {};
  // MQTT.js deep-copies every QoS 1 and 2 PUBLISH, payload and all, into its store of
  // packets to resend on reconnecting. No tool here reconnects an MqttClient (tssub makes a
  // new one), so the store takes the packet itself: no copy of each message. (A packet
  // with a topic alias keeps MQTT.js's way: the stored copy is rewritten.)
  const mqttjs = client as unknown as {
    _storeAndSend(packet: Packet, cb?: (err?: Error) => void, cbStorePut?: () => void): void;
    _writePacket(packet: Packet, cb?: (err?: Error) => void): void;
    outgoingStore: { put(packet: Packet, cb: (err?: Error) => void): void };
  };
  const storeAndSend = mqttjs._storeAndSend;
  mqttjs._storeAndSend = function (packet, cb, cbStorePut) {
    if (packet.cmd === 'publish' && packet.properties?.topicAlias !== undefined) return storeAndSend.call(this, packet, cb, cbStorePut);
    this.outgoingStore.put(packet, (err) => {
      if (err) { cb?.(err); return; }
      cbStorePut?.();
      this._writePacket(packet, cb);
    });
  };
  client.on('packetsend', (p) => guard.sent(p));
  client.on('packetreceive', (p) => {
    // libmosquitto 2.0.11 ignores a topic alias next to a topic; MQTT.js would refuse it.
    if (p.cmd === 'publish' && p.properties?.topicAlias !== undefined && p.topic !== '') delete p.properties.topicAlias;
  });
  // What mqtt-packet refuses that the guard let through: a protocol error all the same.
  client.on('error', (err: Error & { code?: unknown }) => {
    if (err.code === undefined && !failures.has(client) && !transportFailure) {
      failures.set(client, 2);
      guard.stop();
      client.stream.destroy();
    }
  });
  if (cfg.protocolVersion === 5) {
    // A v3 broker answers a v5 CONNECT with "unacceptable protocol version" (1); libmosquitto
    // reports (and traces) it as the v5 code for the same thing.
    client.on('packetreceive', (p) => {
      if (p.cmd === 'connack' && p.reasonCode === 1) p.reasonCode = 132;
    });
  }
  if (tracer) {
    client.on('packetsend', (p) => {
      if (p.cmd === 'connect' && !transportUp) connectTrace = p;
      else tracer.sent(p);
    });
    client.on('packetreceive', (p) => tracer.received(p));
  }
  client.on('packetreceive', (p) => {
    if (replaced?.packet !== p) return;
    // MQTT.js handles the code it can take (below 128 a success, as for libmosquitto); the
    // broker's own stays on the packet for the tool's words.
    const packet = p as { reasonCode?: number; reasonSent?: number };
    packet.reasonSent = packet.reasonCode;
    packet.reasonCode = replaced.code;
    replaced = undefined;
  });
  if (options.disconnectOnRefusal && tracer) {
    client.on('packetreceive', (p) => {
      if (p.cmd !== 'connack' || !(p.reasonCode ?? p.returnCode)) return;
      // mosquitto_sub answers a refusal with DISCONNECT from its callback, and libmosquitto
      // traces it; but the connection is closed before it goes out. MQTT.js closes it now.
      tracer.sent({ cmd: 'disconnect' });
    });
  }
  const v5only = v3Properties(cfg);
  if (options.onPacket) {
    const onPacket = options.onPacket;
    // A connection about to be given up (below) is not the tool's to use.
    const given = (p: Packet) => v5only === undefined || p.cmd !== 'connack' || (p.reasonCode ?? p.returnCode ?? 0) !== 0;
    client.on('packetreceive', (p) => { if (given(p)) onPacket(p); });
  }
  options.setup?.(client);
  client.connect();

  return new Promise((resolve, reject) => {
    const onError = (err: Error & { code?: string | number }) => {
      cleanup();
      const failure = failures.get(client);
      if (failure !== undefined) {
        reject(new ProtocolError(failure));
      } else if (typeof err.code === 'number') {
        const rc = err.code;
        const text = cfg.protocolVersion === 5
          ? `Connection error: ${REASON_V5[rc] ?? 'Unknown reason'}${rc === 132 ? '. Try connecting to an MQTT v5 broker, or use MQTT v3.x mode.' : ''}\n`
          : `Connection error: ${CONNACK_V3[rc] ?? 'Connection Refused: unknown reason.'}\n`;
        reject(new ConnectError(text, rc, true));
      } else {
        reject(transportFailure ?? socketError(err as NodeJS.ErrnoException));
      }
      client.end(true);
    };
    const onClose = () => {
      cleanup();
      const failure = failures.get(client);
      reject(failure !== undefined ? new ProtocolError(failure) : transportFailure ?? lostError());
    };
    const onConnect = (connack: IConnackPacket) => {
      cleanup();
      if (v5only !== undefined) {
        // Where libmosquitto gives up on the packet: connected, and before anything is sent.
        client.end(false, {}, () => reject(new ToolError(v5only)));
        return;
      }
      resolve({ client, ids, clientId: connack.properties?.assignedClientIdentifier ?? clientId, connack });
    };
    const cleanup = () => {
      client.off('error', onError);
      client.off('close', onClose);
      client.off('connect', onConnect);
    };
    client.on('error', onError);
    client.on('close', onClose);
    client.on('connect', onConnect);
  });
}
