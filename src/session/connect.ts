// What mosquitto's clients decide before and at CONNECT: the client id, what CONNECT carries,
// the checks libmosquitto makes on the way (in its order, with its words and codes), and how
// it words the broker's refusal.
import * as net from 'node:net';
import type { IConnectPacket } from 'mqtt-packet';
import { ToolError } from '../errors.ts';
import { bytesOf, isMqttUtf8, isWellFormed } from '../words.ts';
import { brokerPort, protocolName, type ClientConfig } from '../config.ts';
import { ConnectError } from '../transport/errors.ts';
import { checkTlsOptions } from '../transport/index.ts';

/** Message ids as libmosquitto hands them out: 1, 2, 3, ... wrapping past 65535 to 1, numbered
 * on across reconnections. */
export class SequentialIds {
  private last = 0;
  allocate(): number {
    this.last = this.last >= 65535 ? 1 : this.last + 1;
    return this.last;
  }
  getLastAllocated(): number | null {
    return this.last === 0 ? null : this.last;
  }
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

/** mqtt-packet wants booleans where mosquitto's -D takes numbers. */
function connectProperties(cfg: ClientConfig): IConnectPacket['properties'] {
  if (cfg.protocolVersion !== 5) return undefined;
  const props: Record<string, unknown> = { ...(cfg.properties.connect ?? {}) };
  for (const k of ['requestResponseInformation', 'requestProblemInformation']) {
    if (k in props) props[k] = props[k] !== 0;
  }
  const expiry =
    cfg.sessionExpiry ?? (props.sessionExpiryInterval as number | undefined) ?? (cfg.cleanSession ? 0 : 0xffffffff);
  if (expiry !== 0) props.sessionExpiryInterval = expiry;
  else delete props.sessionExpiryInterval;
  // libmosquitto asks for at most 20 unacknowledged messages from the broker (its default
  // in-flight limit; -M does not change it, -D connect receive-maximum does).
  props.receiveMaximum ??= 20;
  return props as IConnectPacket['properties'];
}

/** The CONNECT packet for this configuration, as libmosquitto fills it in. */
export function connectPacket(cfg: ClientConfig, clientId: string): IConnectPacket {
  const packet: IConnectPacket = {
    cmd: 'connect',
    protocolId: cfg.protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
    protocolVersion: cfg.protocolVersion,
    clean: cfg.cleanSession,
    clientId,
    keepalive: cfg.keepalive,
    properties: connectProperties(cfg),
  };
  if (cfg.username !== undefined) packet.username = cfg.username;
  if (cfg.password !== undefined) packet.password = bytesOf(cfg.password);
  if (cfg.will.topic !== undefined) {
    packet.will = {
      topic: cfg.will.topic,
      payload: cfg.will.payload ?? Buffer.alloc(0),
      qos: cfg.will.qos,
      retain: cfg.will.retain,
      ...(cfg.protocolVersion === 5 && cfg.properties.will ? { properties: willProperties(cfg.properties.will) } : {}),
    };
  }
  return packet;
}

function willProperties(set: Record<string, unknown>): NonNullable<IConnectPacket['will']>['properties'] {
  // mqtt-packet cannot carry reason-string in a will; mosquitto's broker would refuse it anyway.
  const { reasonString: _ignored, ...rest } = set;
  return rest as NonNullable<IConnectPacket['will']>['properties'];
}

/**
 * "-D publish ... -V 311" and the like: properties that MQTT v3 cannot carry. libmosquitto
 * refuses such a PUBLISH, SUBSCRIBE, UNSUBSCRIBE or DISCONNECT when it comes to send it, and
 * mosquitto 2.0.11's clients then go on without it: mosquitto_pub exits 0 having published
 * nothing, mosquitto_sub waits on no subscription, and a refused DISCONNECT leaves either one
 * running for ever. We refuse the command once connected, before sending anything.
 */
export function v3Properties(cfg: ClientConfig): string | undefined {
  if (cfg.protocolVersion === 5) return undefined;
  for (const kind of ['publish', 'subscribe', 'unsubscribe', 'disconnect'] as const) {
    if (cfg.properties[kind] && (kind !== 'unsubscribe' || cfg.unsubscribe.length > 0)) {
      return `Error: ${kind} properties (-D ${kind}) need MQTT v5, but -V chose ${protocolName(cfg.protocolVersion)}; nothing was sent.\n`;
    }
  }
  return undefined;
}

/**
 * libmosquitto's checks before it connects, in its order: the client id when the client is
 * made, then the will, the user name and password, the TLS options, the host. Returns the
 * client id and the configuration to connect with (a bind address given as a name resolved).
 */
export async function preflight(cfg: ClientConfig): Promise<{ clientId: string; cfg: ClientConfig }> {
  const clientId = clientIdFor(cfg);
  if (cfg.will.topic !== undefined && cfg.protocolVersion !== 5 && cfg.properties.will) {
    // "-D will ... -V 311": libmosquitto cannot put will properties in a v3 CONNECT.
    throw new ToolError('Error: Problem setting will.\n');
  }
  if (
    (cfg.password !== undefined && cfg.username === undefined && cfg.protocolVersion !== 5) ||
    (cfg.username !== undefined && !isMqttUtf8(cfg.username))
  ) {
    // MQTT v3 has no password without a user name (v5 does); a user name is UTF-8.
    throw new ToolError('Error: Problem setting username and/or password.\n');
  }
  checkTlsOptions(cfg);
  const port = brokerPort(cfg);
  // A host name that is empty or not UTF-8 (kept bytes, see words.ts) resolves to nothing.
  if ((port !== 0 && cfg.host === '') || !isWellFormed(cfg.host) || !isWellFormed(cfg.bindAddress ?? '')) {
    throw new ConnectError('Unable to connect (Lookup error.).\n', 1, false);
  }
  if (cfg.protocolVersion !== 5 && cfg.properties.connect) {
    // "-D connect ... -V 311": libmosquitto refuses to put properties in a v3 CONNECT.
    throw new ConnectError('Unable to connect (This feature is not supported.).\n', 1, false);
  }
  if (cfg.bindAddress !== undefined && net.isIP(cfg.bindAddress) === 0) {
    // libmosquitto resolves a bind address given as a name (-A localhost); Node binds only to
    // an address. The resolver is loaded only then.
    const dns = await import('node:dns');
    try {
      const { address } = await dns.promises.lookup(cfg.bindAddress);
      return { clientId, cfg: { ...cfg, bindAddress: address } };
    } catch {
      throw new ConnectError('Unable to connect (Lookup error.).\n', 1, false);
    }
  }
  return { clientId, cfg };
}

/** The broker's refusal in CONNACK, as the clients word it. */
export function refusal(cfg: ClientConfig, rc: number): ConnectError {
  const text =
    cfg.protocolVersion === 5
      ? `Connection error: ${REASON_V5[rc] ?? 'Unknown reason'}${rc === 132 ? '. Try connecting to an MQTT v5 broker, or use MQTT v3.x mode.' : ''}\n`
      : `Connection error: ${CONNACK_V3[rc] ?? 'Connection Refused: unknown reason.'}\n`;
  return new ConnectError(text, rc, true);
}
