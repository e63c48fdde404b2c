// MQTT v5 properties given with -D/--property: names, value types, where each may appear,
// and mosquitto's messages for the ones it refuses. Values are stored under MQTT.js's
// property keys so the connection layer can hand them over unchanged.
import { UsageError } from './errors.ts';
import { bytesOf, isMqttUtf8, isWellFormed } from './words.ts';

/** libmosquitto refused to add the property; the number is the property's type (4 varint, 6 string, 7 pair). */
const notAdded = (name: string, type: number) => new UsageError(`Error adding property ${name} ${type}\n`);

type ValueType = 'byte' | 'int16' | 'int32' | 'varint' | 'string' | 'binary' | 'pair';

interface PropertyInfo {
  type: ValueType;
  /** MQTT.js's name for it. */
  key: string;
  /** The commands mosquitto accepts it for. */
  allowed: readonly Command[];
}

export type Command =
  | 'connect' | 'connack' | 'publish' | 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'
  | 'subscribe' | 'unsubscribe' | 'disconnect' | 'auth' | 'will';

const COMMANDS: ReadonlySet<string> = new Set<Command>([
  'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
  'subscribe', 'unsubscribe', 'disconnect', 'auth', 'will',
]);

/** Commands whose properties the clients really send; the others are refused as "not supported". */
const SENDABLE: ReadonlySet<string> = new Set(['connect', 'publish', 'subscribe', 'unsubscribe', 'disconnect', 'will']);

const P = (type: ValueType, key: string, ...allowed: Command[]): PropertyInfo => ({ type, key, allowed });
const MESSAGE: Command[] = ['publish', 'will'];

const PROPERTIES: Record<string, PropertyInfo> = {
  'payload-format-indicator': P('byte', 'payloadFormatIndicator', ...MESSAGE),
  'message-expiry-interval': P('int32', 'messageExpiryInterval', ...MESSAGE),
  'content-type': P('string', 'contentType', ...MESSAGE),
  'response-topic': P('string', 'responseTopic', ...MESSAGE),
  'correlation-data': P('binary', 'correlationData', ...MESSAGE),
  'subscription-identifier': P('varint', 'subscriptionIdentifier', 'publish', 'subscribe'),
  'session-expiry-interval': P('int32', 'sessionExpiryInterval', 'connect', 'connack', 'disconnect'),
  'assigned-client-identifier': P('string', 'assignedClientIdentifier', 'connack'),
  'server-keep-alive': P('int16', 'serverKeepAlive', 'connack'),
  'authentication-method': P('string', 'authenticationMethod', 'connect', 'connack', 'auth'),
  'authentication-data': P('binary', 'authenticationData', 'connect', 'connack', 'auth'),
  'request-problem-information': P('byte', 'requestProblemInformation', 'connect'),
  'will-delay-interval': P('int32', 'willDelayInterval', 'will'),
  'request-response-information': P('byte', 'requestResponseInformation', 'connect'),
  'response-information': P('string', 'responseInformation', 'connack'),
  'server-reference': P('string', 'serverReference', 'connack', 'disconnect'),
  // mosquitto 2.0.11 also lets reason-string through for a will; kept so the same
  // command lines are accepted.
  'reason-string': P('string', 'reasonString', 'connack', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'disconnect', 'auth', 'will'),
  'receive-maximum': P('int16', 'receiveMaximum', 'connect', 'connack'),
  'topic-alias-maximum': P('int16', 'topicAliasMaximum', 'connect', 'connack'),
  'topic-alias': P('int16', 'topicAlias', 'publish'),
  'maximum-qos': P('byte', 'maximumQoS', 'connack'),
  'retain-available': P('byte', 'retainAvailable', 'connack'),
  'user-property': P('pair', 'userProperties', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'unsubscribe', 'disconnect', 'auth', 'will'),
  'maximum-packet-size': P('int32', 'maximumPacketSize', 'connect', 'connack'),
  'wildcard-subscription-available': P('byte', 'wildcardSubscriptionAvailable', 'connack'),
  'subscription-identifier-available': P('byte', 'subscriptionIdentifiersAvailable', 'connack'),
  'shared-subscription-available': P('byte', 'sharedSubscriptionAvailable', 'connack'),
};

/** Properties per command, in MQTT.js's shape. */
export type PropertySet = Record<string, unknown>;
export type PropertySets = Partial<Record<Command, PropertySet>>;

/** C's atol(): leading blanks, optional sign, digits; anything else ends the number (0 if none). */
export function atol(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

const MAX: Record<string, number> = { byte: 0xff, int16: 0xffff, int32: 0xffffffff, varint: 268435455 };

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
  if (!info.allowed.includes(cmd)) {
    throw usage(`Error: ${name} property not allowed for ${command} in --property argument.`);
  }
  // mosquitto 2.0.11 accepts "-D connack ..." and then exits 1 without a word.
  if (cmd === 'connack') throw new UsageError('', false);
  if (!SENDABLE.has(cmd) || (cmd === 'publish' && name === 'subscription-identifier')) {
    throw usage(`Error: ${name} property not supported for ${command} in --property argument.`);
  }
  const set = (sets[cmd] ??= {});
  const value = words[2]!;
  switch (info.type) {
    case 'byte':
    case 'int16':
    case 'int32':
    case 'varint': {
      const n = atol(value);
      if (n < 0 || (info.type !== 'varint' && n > MAX[info.type]!)) {
        throw usage(`Error: Property value (${n}) out of range for property ${name}.`);
      }
      // Too large for a variable byte integer: refused as the property is added.
      if (info.type === 'varint' && n > MAX.varint!) throw notAdded(name, 4);
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
      const pairs = (set[info.key] ??= {}) as Record<string, string | string[]>;
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
    new UsageError(`Error in ${packet} properties: A network protocol error occurred when communicating with the broker.\n`);
  const c = sets.connect;
  if (c) {
    if (c.receiveMaximum === 0 || c.maximumPacketSize === 0) throw bad('CONNECT');
    if ((c.requestProblemInformation as number) > 1 || (c.requestResponseInformation as number) > 1) throw bad('CONNECT');
  }
  const p = sets.publish;
  if (p && p.topicAlias === 0) throw bad('PUBLISH');
}
