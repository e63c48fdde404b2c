// MQTT v5 properties given with -D/--property: names, value types, where each may appear,
// and mosquitto's messages for the ones it refuses. Values are stored under MQTT.js's
// property keys so the connection layer can hand them over unchanged.
import { UsageError } from './errors.ts';
import { bytesOf, isMqttUtf8, isWellFormed } from './words.ts';

/** libmosquitto refused to add the property; the number is the property's type (4 varint, 6 string, 7 pair). */
const notAdded = (name: string, type: number) => new UsageError(`Error adding property ${name} ${type}\n`);

/** A property's value type, in mqtt-packet's words. */
type ValueType = 'byte' | 'int16' | 'int32' | 'var' | 'string' | 'binary' | 'pair';

/** The packets a property may appear in ('will': the will's properties in CONNECT). */
export type Packet = Command | 'suback' | 'unsuback';

export interface PropertyInfo {
  /** The property's identifier in a packet. */
  id: number;
  /** mosquitto's name for it (-D). */
  name: string;
  /** mqtt-packet's (and MQTT.js's) name for it. */
  key: string;
  type: ValueType;
  /** The packets it may appear in: mosquitto_property_check_command()'s rule. */
  packets: readonly Packet[];
}

export type Command =
  | 'connect'
  | 'connack'
  | 'publish'
  | 'puback'
  | 'pubrec'
  | 'pubrel'
  | 'pubcomp'
  | 'subscribe'
  | 'unsubscribe'
  | 'disconnect'
  | 'auth'
  | 'will';

const COMMANDS: ReadonlySet<string> = new Set<Command>([
  'connect',
  'connack',
  'publish',
  'puback',
  'pubrec',
  'pubrel',
  'pubcomp',
  'subscribe',
  'unsubscribe',
  'disconnect',
  'auth',
  'will',
]);

/** Commands whose properties the clients really send; the others are refused as "not supported". */
const SENDABLE: ReadonlySet<string> = new Set(['connect', 'publish', 'subscribe', 'unsubscribe', 'disconnect', 'will']);

const P = (id: number, name: string, key: string, type: ValueType, ...packets: Packet[]): PropertyInfo => ({
  id,
  name,
  key,
  type,
  packets,
});
const MESSAGE: Packet[] = ['publish', 'will'];

/**
 * MQTT v5's properties, each once: what -D accepts and what the session accepts from the
 * broker. test/unit/properties.test.ts holds the ids, keys and types to mqtt-packet's own tables.
 */
export const PROPERTY_TABLE: readonly PropertyInfo[] = [
  P(0x01, 'payload-format-indicator', 'payloadFormatIndicator', 'byte', ...MESSAGE),
  P(0x02, 'message-expiry-interval', 'messageExpiryInterval', 'int32', ...MESSAGE),
  P(0x03, 'content-type', 'contentType', 'string', ...MESSAGE),
  P(0x08, 'response-topic', 'responseTopic', 'string', ...MESSAGE),
  P(0x09, 'correlation-data', 'correlationData', 'binary', ...MESSAGE),
  P(0x0b, 'subscription-identifier', 'subscriptionIdentifier', 'var', 'publish', 'subscribe'),
  P(0x11, 'session-expiry-interval', 'sessionExpiryInterval', 'int32', 'connect', 'connack', 'disconnect'),
  P(0x12, 'assigned-client-identifier', 'assignedClientIdentifier', 'string', 'connack'),
  P(0x13, 'server-keep-alive', 'serverKeepAlive', 'int16', 'connack'),
  P(0x15, 'authentication-method', 'authenticationMethod', 'string', 'connect', 'connack', 'auth'),
  P(0x16, 'authentication-data', 'authenticationData', 'binary', 'connect', 'connack', 'auth'),
  P(0x17, 'request-problem-information', 'requestProblemInformation', 'byte', 'connect'),
  P(0x18, 'will-delay-interval', 'willDelayInterval', 'int32', 'will'),
  P(0x19, 'request-response-information', 'requestResponseInformation', 'byte', 'connect'),
  P(0x1a, 'response-information', 'responseInformation', 'string', 'connack'),
  P(0x1c, 'server-reference', 'serverReference', 'string', 'connack', 'disconnect'),
  // mosquitto 2.0.11 also lets reason-string through for a will; kept so the same
  // command lines are accepted.
  P(
    0x1f,
    'reason-string',
    'reasonString',
    'string',
    'connack',
    'puback',
    'pubrec',
    'pubrel',
    'pubcomp',
    'suback',
    'unsuback',
    'disconnect',
    'auth',
    'will',
  ),
  P(0x21, 'receive-maximum', 'receiveMaximum', 'int16', 'connect', 'connack'),
  P(0x22, 'topic-alias-maximum', 'topicAliasMaximum', 'int16', 'connect', 'connack'),
  P(0x23, 'topic-alias', 'topicAlias', 'int16', 'publish'),
  P(0x24, 'maximum-qos', 'maximumQoS', 'byte', 'connack'),
  P(0x25, 'retain-available', 'retainAvailable', 'byte', 'connack'),
  P(
    0x26,
    'user-property',
    'userProperties',
    'pair',
    'connect',
    'connack',
    'publish',
    'puback',
    'pubrec',
    'pubrel',
    'pubcomp',
    'subscribe',
    'suback',
    'unsubscribe',
    'unsuback',
    'disconnect',
    'auth',
    'will',
  ),
  P(0x27, 'maximum-packet-size', 'maximumPacketSize', 'int32', 'connect', 'connack'),
  P(0x28, 'wildcard-subscription-available', 'wildcardSubscriptionAvailable', 'byte', 'connack'),
  P(0x29, 'subscription-identifier-available', 'subscriptionIdentifiersAvailable', 'byte', 'connack'),
  P(0x2a, 'shared-subscription-available', 'sharedSubscriptionAvailable', 'byte', 'connack'),
];

const PROPERTIES: Record<string, PropertyInfo> = Object.fromEntries(PROPERTY_TABLE.map((p) => [p.name, p]));

/** Properties per command, in MQTT.js's shape. */
export type PropertySet = Record<string, unknown>;
export type PropertySets = Partial<Record<Command, PropertySet>>;

/** C's atol(): leading blanks, optional sign, digits; anything else ends the number (0 if none). */
export function atol(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

const MAX: Record<string, number> = { byte: 0xff, int16: 0xffff, int32: 0xffffffff, var: 268435455 };

const usage = (text: string) => new UsageError(text + '\n\n');

/** How many words follow the property name for this -D group (1, or 2 for user-property). */
export function valueCount(name: string): number {
  return name === 'user-property' ? 2 : 1;
}

/**
 * Validates one `-D command name value [value]` group and adds it to `sets`, with
 * mosquitto's messages for every refusal.
 */
export function addProperty(sets: PropertySets, words: readonly string[]): void {
  // mosquitto's order: three words must follow -D, whatever they look like; then the command
  // and the name are checked; then the fourth word a user-property needs.
  const notEnough = () => usage('Error: --property argument given but not enough arguments specified.');
  if (words.length < 3) throw notEnough();
  const [command, name] = words as [string, string];
  if (!COMMANDS.has(command)) throw usage('Error: Invalid command given in --property argument.');
  const info = PROPERTIES[name];
  if (!info) throw usage('Error: Invalid property name given in --property argument.');
  if (words.length < 2 + valueCount(name)) throw notEnough();
  const cmd = command as Command;
  if (!info.packets.includes(cmd)) {
    throw usage(`Error: ${name} property not allowed for ${command} in --property argument.`);
  }
  // mosquitto 2.0.11 accepts "-D connack ..." and then exits 1 without a word.
  if (cmd === 'connack') throw new UsageError('', false);
  if (!SENDABLE.has(cmd) || (cmd === 'publish' && name === 'subscription-identifier')) {
    throw usage(`Error: ${name} property not supported for ${command} in --property argument.`);
  }
  sets[cmd] ??= {};
  const set = sets[cmd];
  const value = words[2]!;
  switch (info.type) {
    case 'byte':
    case 'int16':
    case 'int32':
    case 'var': {
      const n = atol(value);
      if (n < 0 || (info.type !== 'var' && n > MAX[info.type]!)) {
        throw usage(`Error: Property value (${n}) out of range for property ${name}.`);
      }
      // Too large for a variable byte integer: refused as the property is added.
      if (info.type === 'var' && n > MAX.var!) throw notAdded(name, 4);
      set[info.key] = info.key === 'payloadFormatIndicator' ? n !== 0 : n;
      break;
    }
    case 'string':
      if (!isMqttUtf8(value)) throw notAdded(name, 6);
      set[info.key] = value;
      break;
    case 'binary':
      // Binary data: the bytes as given, UTF-8 or not.
      set[info.key] = bytesOf(value);
      break;
    case 'pair': {
      set[info.key] ??= {};
      const pairs = set[info.key] as Record<string, string | string[]>;
      const key = value;
      const v = words[3]!;
      // mosquitto checks the name only, and sends a value that is not UTF-8 as it is, for the
      // broker to refuse the packet: such a value is refused here, with the name's message.
      if (!isMqttUtf8(key) || !isWellFormed(v)) throw notAdded(name, 7);
      const prev = pairs[key];
      pairs[key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      break;
    }
  }
}

/**
 * The checks mosquitto makes when it builds a packet from these properties (after the
 * command line was read): values that are in range for their type but illegal in MQTT.
 */
export function checkPropertySets(sets: PropertySets): void {
  const bad = (packet: string) =>
    new UsageError(
      `Error in ${packet} properties: A network protocol error occurred when communicating with the broker.\n`,
    );
  const c = sets.connect;
  if (c) {
    if (c.receiveMaximum === 0 || c.maximumPacketSize === 0) throw bad('CONNECT');
    if ((c.requestProblemInformation as number) > 1 || (c.requestResponseInformation as number) > 1)
      throw bad('CONNECT');
  }
  const p = sets.publish;
  if (p && p.topicAlias === 0) throw bad('PUBLISH');
}
