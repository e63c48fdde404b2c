// The option table shared by the MQTT client tools. Each flag is declared once: which
// tools take it, what it takes, how it is checked (with mosquitto's exact messages), what
// it sets, and its help line. yargs's parser reads the command line from this table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ToolError, UsageError } from './errors.ts';
import { createFormatter, FormatError } from './format/index.ts';
import { eachOption, MissingArgument, parseWithTable, type OptionSpec, type ParsedArgs } from './option-parser.ts';
import { addProperty, atol, checkPropertySets, type PropertySets } from './properties.ts';
import { starUrl } from './secrets.ts';
import { checkPublishTopic, checkSubscribeTopic } from './topic.ts';
import { VERSIONS } from './transport/tls-options.ts';
import { bytesOf, decodeBytes, isMqttUtf8 } from './words.ts';

export type { OptionSpec };

export type Tool = 'pub' | 'sub' | 'rr';

/** Rows every MQTT client tool takes. */
const CLIENTS: readonly Tool[] = ['pub', 'sub', 'rr'];

/** What mosquitto calls each tool, for the defaults file and messages. */
export const MOSQUITTO_NAME: Record<Tool, string> = { pub: 'mosquitto_pub', sub: 'mosquitto_sub', rr: 'mosquitto_rr' };

export type PublishMode = 'message' | 'file' | 'stdin-file' | 'stdin-line' | 'null';

export interface Will {
  topic?: string;
  payload?: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
}

export interface ClientConfig {
  tool: Tool;
  // connection
  host: string;
  port?: number;
  bindAddress?: string;
  keepalive: number;
  protocolVersion: 3 | 4 | 5;
  clientId?: string;
  idPrefix?: string;
  cleanSession: boolean;
  /** -x as given; undefined means mosquitto's default (infinite with -c, else 0). */
  sessionExpiry?: number;
  username?: string;
  password?: string;
  will: Will;
  nodelay: boolean;
  debug: boolean;
  quiet: boolean;
  properties: PropertySets;
  qos: 0 | 1 | 2;
  maxInflight: number;
  help: boolean;
  // publishing
  topic?: string;
  retain: boolean;
  mode?: PublishMode;
  message?: Buffer;
  file?: string;
  repeat: number;
  repeatDelay: number;
  /** --reconnect-for: seconds tspub -l may stay disconnected (undefined: no limit). */
  reconnectFor?: number;
  // subscribing
  topics: string[];
  filterOut: string[];
  unsubscribe: string[];
  count?: number;
  timeout?: number;
  exitAfterSubscribe: boolean;
  noStaleRetained: boolean;
  retainedOnly: boolean;
  removeRetained: boolean;
  verbose: boolean;
  noEol: boolean;
  pretty: boolean;
  format?: string;
  randomFilter?: number;
  /** MQTT v5 subscription option: keep the retain flag of live messages. */
  retainAsPublished: boolean;
  /** --message-rate: a count of messages each second, not the messages (mosquitto 2.1). */
  messageRate?: boolean;
  /** -w, --watch: each topic's latest message on a line of its own (mosquitto 2.1). */
  watch?: boolean;
  /** MQTT v5 subscription option, --retain-handling: 0 always, 1 new, 2 never (mosquitto 2.1). */
  retainHandling?: 0 | 1 | 2;
  version: boolean;
  // transport and security
  tls: TlsConfig;
  /** --proxy: a SOCKS5 proxy to reach the broker through. */
  proxy?: ProxyConfig;
  /** --ws, -L ws:// or wss://: MQTT over WebSocket (mosquitto 2.1). */
  websocket: boolean;
  // request/response (tsrr)
  /** -e: where the response is awaited (and what the request names as its response topic). */
  responseTopic?: string;
  /** --latency: print the time from request to response. */
  latency: boolean;
}

/** The TLS and TLS-PSK options, as given. Whether TLS is used at all: tlsWanted(). */
export interface TlsConfig {
  cafile?: string;
  capath?: string;
  cert?: string;
  key?: string;
  keyform?: string;
  insecure: boolean;
  version?: string;
  ciphers?: string;
  alpn?: string;
  /** --tls-use-os-certs, or implied by -L mqtts:// and wss://. */
  useOsCerts: boolean;
  psk?: string;
  pskIdentity?: string;
  /** --no-tls: every TLS option above is ignored (mosquitto 2.1). */
  off?: boolean;
  /** --tls-keylog: where the session secrets go, in the NSS key log format (mosquitto 2.1). */
  keylog?: string;
}

export interface ProxyConfig {
  host: string;
  port: number;
  username?: string;
  password?: string;
}

/**
 * Whether the connection is TLS, as libmosquitto decides it: a CA file or directory, a PSK,
 * the OS certificates (asked for, or implied by mqtts:// and wss://), or port 8883 given
 * explicitly with none of these.
 */
export function tlsWanted(cfg: ClientConfig): boolean {
  const t = cfg.tls;
  return !t.off && (caOrPsk(t) || t.useOsCerts || cfg.port === 8883);
}

/** A CA file or directory, or a PSK: what makes 8883 the default port. */
const caOrPsk = (t: TlsConfig) => t.cafile !== undefined || t.capath !== undefined || t.psk !== undefined;

/**
 * The port to connect to: as given, else 8883 with a CA or PSK, else 1883 (mosquitto's rule).
 * --no-tls leaves the rule as it is (plain MQTT on 8883), as mosquitto 2.1.2 does.
 */
export function brokerPort(cfg: ClientConfig): number {
  if (cfg.port !== undefined) return cfg.port;
  return caOrPsk(cfg.tls) ? 8883 : 1883;
}

function defaults(tool: Tool): ClientConfig {
  return {
    tool,
    host: 'localhost',
    keepalive: 60,
    // mosquitto_rr speaks MQTT v5 unless told otherwise: request/response is a v5 feature.
    protocolVersion: tool === 'rr' ? 5 : 4,
    cleanSession: true,
    will: { qos: 0, retain: false },
    nodelay: false,
    debug: false,
    quiet: false,
    properties: {},
    qos: 0,
    maxInflight: 20,
    help: false,
    retain: false,
    repeat: 1,
    repeatDelay: 0,
    topics: [],
    filterOut: [],
    unsubscribe: [],
    exitAfterSubscribe: false,
    noStaleRetained: false,
    retainedOnly: false,
    removeRetained: false,
    verbose: false,
    noEol: false,
    pretty: false,
    retainAsPublished: false,
    version: false,
    tls: { insecure: false, useOsCerts: false },
    websocket: false,
    latency: false,
  };
}


/** "Error: X\n\n" with mosquitto's usage hint after it: the common shape of its messages. */
const fail = (text: string): never => {
  throw new UsageError(text + '\n\n');
};
/** The other shape: one newline before the usage hint. */
const fail1 = (text: string): never => {
  throw new UsageError(text + '\n');
};
/** mosquitto refuses the second of -i and -I as soon as it meets it. */
const idAndPrefix = () => fail('Error: -i and -I argument cannot be used together.');
/**
 * A topic to publish to (`kind` 'publish', 'will') or a filter ('subscription', 'filter',
 * 'unsubscribe') as `flag` gave it, checked as mosquitto does: UTF-8 as MQTT has it first,
 * then the wildcards.
 */
function checkedTopic(flag: string, v: string, kind: string): string {
  if (!isMqttUtf8(v)) fail(`Error: Malformed UTF-8 in ${flag} argument.`);
  if (kind === 'publish' || kind === 'will' || kind === 'response') {
    if (!checkPublishTopic(v)) fail1(`Error: Invalid ${kind} topic '${v}', does it contain '+' or '#'?`);
  } else if (!checkSubscribeTopic(v)) {
    fail1(`Error: Invalid ${kind} topic '${v}', are all '+' and '#' wildcards correct?`);
  }
  return v;
}
const missing = (flag: string, what: string) => `Error: ${flag} argument given but no ${what} specified.\n\n`;

/** C's atof(): the longest leading decimal number, 0 if none. */
function atof(text: string): number {
  const m = /^[ \t\n\v\f\r]*[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf(inity)?|nan)/i.exec(text);
  return m ? parseFloat(m[0]) : 0;
}

function setMode(cfg: ClientConfig, mode: PublishMode): void {
  if (cfg.mode !== undefined) fail('Error: Only one type of message can be sent at once.');
  cfg.mode = mode;
}

function qosOf(value: string, message: (n: number) => string, oneNewline = false): 0 | 1 | 2 {
  const n = atol(value);
  if (n < 0 || n > 2) (oneNewline ? fail1 : fail)(message(n));
  return n as 0 | 1 | 2;
}

/** -L mqtt://[user[:pass]@]host[:port]/topic */
function applyUrl(cfg: ClientConfig, url: string): void {
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
function parseProxyUrl(url: string): ProxyConfig {
  const prefix = 'socks5h://';
  // mosquitto's message repeats the URL; the password in it is starred out (never shown).
  if (!url.startsWith(prefix)) throw new UsageError(`Error: Unsupported proxy protocol: ${starUrl(url, () => '*****')}\n`);
  const rest = url.slice(prefix.length);
  // Malformed in a way mosquitto does not name: only the usage hint.
  const malformed = (): never => { throw new UsageError(''); };
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

/** The topic of -t or -L: to publish to, or one more to subscribe to, checked as mosquitto does. */
function addTopic(c: ClientConfig, v: string, flag: string): void {
  if (c.tool !== 'sub') c.topic = checkedTopic(flag, v, 'publish');
  else c.topics.push(checkedTopic(flag, v, 'subscription'));
}

const PUB: readonly Tool[] = ['pub'];
const SUB: readonly Tool[] = ['sub'];
/** Rows of the tools that send a message of their own (-m, -f, ...). */
const SENDERS: readonly Tool[] = ['pub', 'rr'];
/** Rows of the tools that print the messages they receive (-F, -v, ...). */
const RECEIVERS: readonly Tool[] = ['sub', 'rr'];
const RR: readonly Tool[] = ['rr'];

type Spec = OptionSpec<ClientConfig>;

/** -V's words and the MQTT protocol level each stands for. */
const PROTOCOL_VERSION: Record<string, 3 | 4 | 5 | undefined> = { mqttv5: 5, mqttv311: 4, mqttv31: 3, '5': 5, '311': 4, '31': 3 };
const PROTOCOL_VERSIONS = Object.keys(PROTOCOL_VERSION);
const QOS = ['0', '1', '2'];

export const CLIENT_OPTIONS: readonly Spec[] = [
  {
    flags: ['-A'], tools: CLIENTS, takes: 'word', missing: missing('-A', 'address'),
    help: ['address', 'bind the outgoing connection to this local address'],
    apply: (c, v) => { c.bindAddress = v; },
  },
  {
    flags: ['-c', '--disable-clean-session'], tools: CLIENTS,
    help: ['', 'ask for a persistent session: the broker keeps it (and, for a subscriber, queues messages) while the client is away'],
    apply: (c) => { c.cleanSession = false; },
  },
  {
    flags: ['-C'], tools: SUB, takes: 'word', missing: missing('-C', 'count'),
    help: ['count', 'exit after printing this many messages'],
    apply: (c, v) => {
      const n = atol(v);
      if (n < 1) fail(`Error: Invalid message count "${n}".`);
      c.count = n;
    },
  },
  {
    flags: ['-d', '--debug'], tools: CLIENTS,
    help: ['', 'print a line for every MQTT packet sent and received'],
    apply: (c) => { c.debug = true; },
  },
  {
    flags: ['-D', '--property'], tools: CLIENTS, takes: 'property',
    help: ['command name value', 'set an MQTT v5 property on a packet (see PROPERTIES in the man page)'],
    apply: () => {},
  },
  {
    flags: ['-E'], tools: SUB,
    help: ['', 'exit once all subscriptions are acknowledged'],
    apply: (c) => { c.exitAfterSubscribe = true; },
  },
  {
    flags: ['-e'], tools: RR, takes: 'word', missing: missing('-e', 'response topic'),
    help: ['topic', 'response topic: subscribed to, and named in the request, for the answer'],
    apply: (c, v) => { c.responseTopic = checkedTopic('-e', v, 'response'); },
  },
  {
    flags: ['-f', '--file'], tools: SENDERS, takes: 'word', missing: missing('-f', 'file'),
    complete: 'file',
    help: ['file', 'send the contents of a file as one message'],
    precheck: (c) => setMode(c, 'file'),
    apply: (c, v) => { c.file = v; },
  },
  {
    flags: ['-F'], tools: RECEIVERS, takes: 'word', missing: missing('-F', 'format'),
    help: ['format', 'print each message in this format (see OUTPUT FORMAT in the man page)'],
    apply: (c, v) => {
      // mosquitto_sub checks the format where -F stands among the options.
      try {
        createFormatter({ format: v, verbose: false, noEol: false, pretty: false });
      } catch (e) {
        if (e instanceof FormatError) fail1(e.message);
        throw e;
      }
      c.format = v;
    },
  },
  {
    flags: ['-h', '--host'], tools: CLIENTS, takes: 'word', missing: missing('-h', 'host'),
    help: ['host', 'broker to connect to (default localhost)'],
    apply: (c, v) => { c.host = v; },
  },
  {
    flags: ['-i', '--id'], tools: CLIENTS, takes: 'word', missing: missing('-i', 'id'),
    help: ['id', 'client id (default: let the broker choose one)'],
    precheck: (c) => { if (c.idPrefix !== undefined) idAndPrefix(); },
    apply: (c, v) => { c.clientId = v; },
  },
  {
    flags: ['-I', '--id-prefix'], tools: CLIENTS, takes: 'word', missing: missing('-I', 'id prefix'),
    help: ['prefix', 'client id made of this prefix and the process id'],
    precheck: (c) => { if (c.clientId !== undefined) idAndPrefix(); },
    apply: (c, v) => { c.idPrefix = v; },
  },
  {
    flags: ['-k', '--keepalive'], tools: CLIENTS, takes: 'word', missing: missing('-k', 'keepalive'),
    help: ['seconds', 'keep-alive interval, 5 to 65535 (default 60)'],
    apply: (c, v) => {
      const n = atol(v);
      if (n < 5 || n > 65535) fail('Error: Invalid keepalive given, it must be between 5 and 65535 inclusive.');
      c.keepalive = n;
    },
  },
  {
    flags: ['-l', '--stdin-line'], tools: PUB,
    help: ['', 'send each line read from standard input as a message, as it arrives'],
    apply: (c) => setMode(c, 'stdin-line'),
  },
  {
    flags: ['-L', '--url'], tools: CLIENTS, takes: 'word', missing: missing('-L', 'URL'),
    help: ['url', '{mqtt|mqtts|ws|wss}://[user[:password]@]host[:port]/topic'],
    apply: applyUrl,
  },
  {
    flags: ['-m', '--message'], tools: SENDERS, takes: 'word', missing: missing('-m', 'message'),
    help: ['message', 'send this message'],
    precheck: (c) => setMode(c, 'message'),
    apply: (c, v) => { c.message = bytesOf(v); },
  },
  {
    flags: ['-M'], tools: SENDERS, takes: 'word', missing: 'Error: -M argument given but max_inflight not specified.\n\n',
    help: ['count', 'most QoS 1 and 2 messages awaiting acknowledgement at once (default 20)'],
    apply: (c, v) => {
      const n = atol(v);
      if (n < 1) fail('Error: Maximum inflight messages must be greater than 0.');
      c.maxInflight = n;
    },
  },
  {
    flags: ['-n', '--null-message'], tools: SENDERS,
    help: ['', 'send a zero-length message'],
    apply: (c) => setMode(c, 'null'),
  },
  {
    flags: ['-N'], tools: RECEIVERS,
    help: ['', 'no newline after each message'],
    apply: (c) => { c.noEol = true; },
  },
  {
    flags: ['-p', '--port'], tools: CLIENTS, takes: 'word', missing: missing('-p', 'port'),
    help: ['port', 'broker port (default 1883)'],
    apply: (c, v) => {
      const n = atol(v);
      if (n < 0 || n > 65535) fail1(`Error: Invalid port given: ${n}`);
      c.port = n;
    },
  },
  {
    flags: ['-P', '--pw'], tools: CLIENTS, takes: 'word', missing: missing('-P', 'password'),
    help: ['password', 'password for the broker (with -u, or alone on MQTT v5)'],
    apply: (c, v) => { c.password = v; },
  },
  {
    flags: ['-q', '--qos'], tools: CLIENTS, takes: 'word', missing: missing('-q', 'QoS'),
    complete: QOS,
    help: ['qos', 'quality of service: 0, 1 or 2 (default 0)'],
    apply: (c, v) => { c.qos = qosOf(v, (n) => `Error: Invalid QoS given: ${n}`, true); },
  },
  {
    flags: ['-r', '--retain'], tools: PUB,
    help: ['', 'ask the broker to retain the message'],
    apply: (c) => { c.retain = true; },
  },
  {
    flags: ['-R'], tools: RECEIVERS,
    help: ['', 'do not print stale retained messages'],
    apply: (c) => { c.noStaleRetained = true; },
  },
  {
    flags: ['-s', '--stdin-file'], tools: SENDERS,
    help: ['', 'send all of standard input as one message'],
    apply: (c) => setMode(c, 'stdin-file'),
  },
  {
    flags: ['-t', '--topic'], tools: CLIENTS, takes: 'word', missing: missing('-t', 'topic'),
    help: ['topic', 'topic to publish to / subscribe to (subscriber: may repeat)'],
    apply: (c, v) => addTopic(c, v, '-t'),
  },
  {
    flags: ['-T', '--filter-out'], tools: SUB, takes: 'word', missing: missing('-T', 'topic filter'),
    help: ['filter', 'do not print messages whose topic matches this filter (may repeat)'],
    apply: (c, v) => { c.filterOut.push(checkedTopic('-T', v, 'filter')); },
  },
  {
    flags: ['-u', '--username'], tools: CLIENTS, takes: 'word', missing: missing('-u', 'username'),
    help: ['user', 'username for the broker'],
    apply: (c, v) => { c.username = v; },
  },
  {
    flags: ['-U', '--unsubscribe'], tools: SUB, takes: 'word', missing: missing('-U', 'unsubscribe topic'),
    help: ['topic', 'unsubscribe from this topic after connecting (may repeat)'],
    apply: (c, v) => { c.unsubscribe.push(checkedTopic('-U', v, 'unsubscribe')); },
  },
  {
    flags: ['-v', '--verbose'], tools: RECEIVERS,
    help: ['', 'print the topic before each message'],
    apply: (c) => { c.verbose = true; },
  },
  {
    flags: ['-V', '--protocol-version'], tools: CLIENTS, takes: 'word',
    complete: PROTOCOL_VERSIONS,
    missing: 'Error: --protocol-version argument given but no version specified.\n\n',
    help: ['version', 'MQTT version: mqttv5 (5), mqttv311 (311) or mqttv31 (31); default 311 (tsrr: 5)'],
    apply: (c, v) => {
      const version = PROTOCOL_VERSION[v];
      if (version === undefined) fail('Error: Invalid protocol version argument given.');
      c.protocolVersion = version!;
    },
  },
  {
    flags: ['-W'], tools: RECEIVERS, takes: 'word', missing: missing('-W', 'timeout'),
    help: ['seconds', 'stop this long after connecting: "Timed out", exit status 27'],
    apply: (c, v) => {
      const n = atol(v);
      if (n < 1) fail(`Error: Invalid timeout "${n}".`);
      c.timeout = n;
    },
  },
  {
    flags: ['-x'], tools: CLIENTS, takes: 'word', missing: missing('-x', 'session expiry interval'),
    help: ['seconds', 'MQTT v5 session expiry interval; -1 or \u221e for never'],
    apply: (c, v) => {
      if (v === '\u221e') { c.sessionExpiry = 0xffffffff; return; }
      const t = v.trim();
      if (!/^[+-]?\d+$/.test(t)) fail('Error: session-expiry-interval not a number.');
      const n = Number(t);
      if (n < -1 || n > 0xffffffff) fail('Error: session-expiry-interval out of range.');
      c.sessionExpiry = n === -1 ? 0xffffffff : n;
    },
  },
  {
    flags: ['--help'], tools: CLIENTS,
    help: ['', 'print this help and exit'],
    apply: (c) => { c.help = true; },
  },
  {
    flags: ['--version'], tools: CLIENTS,
    help: ['', 'print the version and exit'],
    apply: (c) => { c.version = true; },
  },
  {
    flags: ['--latency'], tools: RR,
    help: ['', 'print the time from sending the request to receiving the response (implies --nodelay)'],
    apply: (c) => { c.latency = true; c.nodelay = true; },
  },
  {
    flags: ['--nodelay'], tools: CLIENTS,
    help: ['', 'disable Nagle\'s algorithm on the connection'],
    apply: (c) => { c.nodelay = true; },
  },
  {
    flags: ['--pretty'], tools: RECEIVERS,
    help: ['', 'indent JSON output (-F %j and %J)'],
    apply: (c) => { c.pretty = true; },
  },
  {
    flags: ['--quiet'], tools: CLIENTS,
    help: ['', 'do not print errors once the command line has been accepted'],
    apply: (c) => { c.quiet = true; },
  },
  {
    flags: ['--random-filter'], tools: SUB, takes: 'word', missing: missing('--random-filter', 'chance'),
    help: ['percent', 'print each message with this chance (0.1 to 100)'],
    apply: (c, v) => {
      const n = atof(v);
      // mosquitto_sub keeps the chance in whole tenths of a percent and refuses it outside 1 to
      // 10000: 0.1 to 1000.
      const tenths = Math.trunc(n * 10);
      if (!(tenths >= 1 && tenths <= 10000)) fail('Error: --random-filter chance must be between 0.1-100.0');
      c.randomFilter = n;
    },
  },
  {
    // Not mosquitto's: how long tspub -l may stay disconnected (it reconnects for ever by default).
    flags: ['--reconnect-for'], tools: PUB, takes: 'word', missing: missing('--reconnect-for', 'seconds'),
    help: ['seconds', 'with -l: give up (status 7) after this long disconnected; default: keep trying'],
    apply: (c, v) => {
      const n = atof(v);
      if (!(n >= 0)) fail('Error: --reconnect-for argument must be >=0.');
      c.reconnectFor = n;
    },
  },
  {
    flags: ['--remove-retained'], tools: SUB,
    help: ['', 'clear each retained message received (not those excluded with -T)'],
    apply: (c) => { c.removeRetained = true; },
  },
  {
    flags: ['--repeat'], tools: PUB, takes: 'word', missing: missing('--repeat', 'count'),
    help: ['count', 'publish the message this many times (with -m, -f, -s or -n)'],
    apply: (c, v) => {
      const n = atol(v);
      if (n < 1) fail('Error: --repeat argument must be >0.');
      c.repeat = n;
    },
  },
  {
    flags: ['--repeat-delay'], tools: PUB, takes: 'word', missing: missing('--repeat-delay', 'time'),
    help: ['seconds', 'wait this long between repeats; fractions allowed'],
    apply: (c, v) => {
      const n = atof(v);
      if (n < 0) fail('Error: --repeat-delay argument must be >=0.0.');
      c.repeatDelay = n;
    },
  },
  {
    flags: ['--retain-as-published'], tools: RECEIVERS,
    help: ['', 'MQTT v5: ask the broker to keep the retain flag on live messages'],
    apply: (c) => { c.retainAsPublished = true; },
  },
  {
    flags: ['--message-rate'], tools: SUB,
    help: ['', 'print how many messages arrived each second instead of the messages (mosquitto 2.1)'],
    apply: (c) => { c.messageRate = true; },
  },
  {
    flags: ['-w', '--watch'], tools: SUB,
    help: ['', 'print each topic\'s latest message on a line of its own (a terminal view; mosquitto 2.1)'],
    apply: (c) => { c.watch = true; },
  },
  {
    flags: ['--retain-handling'], tools: RECEIVERS, takes: 'word', complete: ['always', 'new', 'never'],
    missing: 'Error: --retain-handling argument given but no option specified.\n\n',
    help: ['always|new|never', 'MQTT v5: when the broker sends retained messages on subscribing (mosquitto 2.1)'],
    apply: (c, v) => {
      const rh = ({ always: 0, new: 1, never: 2 } as const)[v as 'always'];
      if (rh === undefined) fail(`Error: Unknown value '${v}' for --retain-handling.`);
      c.retainHandling = rh;
    },
  },
  {
    flags: ['--retained-only'], tools: SUB,
    help: ['', 'print only retained messages; exit at the first one that is not'],
    apply: (c) => { c.retainedOnly = true; },
  },
  {
    flags: ['--will-payload'], tools: CLIENTS, takes: 'word', missing: missing('--will-payload', 'will payload'),
    help: ['payload', 'payload of the will (default empty)'],
    apply: (c, v) => { c.will.payload = bytesOf(v); },
  },
  {
    flags: ['--will-qos'], tools: CLIENTS, takes: 'word', missing: missing('--will-qos', 'will QoS'),
    complete: QOS,
    help: ['qos', 'QoS of the will'],
    apply: (c, v) => { c.will.qos = qosOf(v, (n) => `Error: Invalid will QoS ${n}.`); },
  },
  {
    flags: ['--will-retain'], tools: CLIENTS,
    help: ['', 'retain the will'],
    apply: (c) => { c.will.retain = true; },
  },
  {
    flags: ['--will-topic'], tools: CLIENTS, takes: 'word', missing: missing('--will-topic', 'will topic'),
    help: ['topic', 'topic of the will the broker publishes if the client vanishes'],
    apply: (c, v) => { c.will.topic = checkedTopic('--will-topic', v, 'will'); },
  },

  {
    flags: ['-o'], tools: CLIENTS, takes: 'word', missing: 'Error: -o argument given but no options file specified.\n\n',
    complete: 'file',
    help: ['file', 'read options from this file instead of the defaults file (mosquitto 2.1)'],
    // Read before everything else (fileLines); in the file itself it is passed over.
    apply: () => {},
  },

  // --- Transport: unix socket, SOCKS proxy, WebSocket -------------------------------------
  {
    flags: ['--unix'], tools: CLIENTS, takes: 'word', missing: missing('--unix', 'socket path'),
    complete: 'file',
    help: ['path', 'connect through this unix domain socket instead of TCP (replaces -h)'],
    // libmosquitto's convention: port 0 means the host is a socket path (a later -p undoes it).
    apply: (c, v) => { c.host = v; c.port = 0; },
  },
  {
    flags: ['--proxy'], tools: CLIENTS, takes: 'word', missing: missing('--proxy', 'proxy url'),
    help: ['url', 'reach the broker through a SOCKS5 proxy: socks5h://[user[:password]@]host[:port]'],
    apply: (c, v) => { c.proxy = parseProxyUrl(v); },
  },
  {
    flags: ['--ws'], tools: CLIENTS,
    help: ['', 'MQTT over WebSocket (path /mqtt) instead of plain TCP'],
    apply: (c) => { c.websocket = true; },
  },

  // --- TLS ----------------------------------------------------------------------------------
  {
    flags: ['--no-tls'], tools: CLIENTS,
    help: ['', 'no TLS, whatever TLS options the options file or command line give, nor on port 8883 (mosquitto 2.1)'],
    apply: (c) => { c.tls.off = true; },
  },
  {
    flags: ['--tls-keylog'], tools: CLIENTS, takes: 'word', missing: missing('--tls-keylog', 'file'),
    complete: 'file',
    help: ['file', 'append the TLS session secrets to this file, for Wireshark (debugging only; mosquitto 2.1)'],
    apply: (c, v) => { c.tls.keylog = v; },
  },
  {
    flags: ['--cafile'], tools: CLIENTS, takes: 'word', missing: missing('--cafile', 'file'),
    complete: 'file',
    help: ['file', 'trust the CA certificates in this PEM file; turns TLS on (default port 8883)'],
    apply: (c, v) => { c.tls.cafile = v; },
  },
  {
    flags: ['--capath'], tools: CLIENTS, takes: 'word', missing: missing('--capath', 'directory'),
    complete: 'dir',
    help: ['dir', 'trust the CA certificates in this OpenSSL hashed directory; turns TLS on'],
    apply: (c, v) => { c.tls.capath = v; },
  },
  {
    flags: ['--cert'], tools: CLIENTS, takes: 'word', missing: missing('--cert', 'file'),
    complete: 'file',
    help: ['file', 'client certificate (PEM) to present, with --key'],
    apply: (c, v) => { c.tls.cert = v; },
  },
  {
    flags: ['--key'], tools: CLIENTS, takes: 'word', missing: missing('--key', 'file'),
    complete: 'file',
    help: ['file', 'private key (PEM) of the client certificate'],
    apply: (c, v) => { c.tls.key = v; },
  },
  {
    flags: ['--keyform'], tools: CLIENTS, takes: 'word', missing: missing('--keyform', 'keyform'),
    complete: ['pem'],
    help: ['pem', 'form of the --key file: pem (the only one; engines are not supported)'],
    apply: (c, v) => { c.tls.keyform = v; },
  },
  {
    flags: ['--ciphers'], tools: CLIENTS, takes: 'word', missing: missing('--ciphers', 'ciphers'),
    help: ['list', 'OpenSSL cipher list for TLS 1.2 and below'],
    apply: (c, v) => { c.tls.ciphers = v; },
  },
  {
    flags: ['--insecure'], tools: CLIENTS,
    help: ['', 'do not check that the certificate names the host (the chain is still verified)'],
    apply: (c) => { c.tls.insecure = true; },
  },
  {
    flags: ['--tls-alpn'], tools: CLIENTS, takes: 'word', missing: missing('--tls-alpn', 'protocol'),
    help: ['protocol', 'offer this ALPN protocol in the TLS handshake'],
    apply: (c, v) => { c.tls.alpn = v; },
  },
  {
    flags: ['--tls-use-os-certs'], tools: CLIENTS,
    help: ['', 'trust the operating system\'s CA certificates too; turns TLS on'],
    apply: (c) => { c.tls.useOsCerts = true; },
  },
  {
    flags: ['--tls-version'], tools: CLIENTS, takes: 'word', missing: missing('--tls-version', 'version'),
    complete: Object.keys(VERSIONS),
    help: ['version', 'lowest TLS version to accept: tlsv1.3, tlsv1.2 (default) or tlsv1.1'],
    apply: (c, v) => { c.tls.version = v; },
  },

  // --- TLS-PSK ------------------------------------------------------------------------------
  {
    flags: ['--psk'], tools: CLIENTS, takes: 'word', missing: missing('--psk', 'key'),
    help: ['hex-key', 'pre-shared key in hexadecimal (no 0x): TLS-PSK (default port 8883)'],
    apply: (c, v) => { c.tls.psk = v; },
  },
  {
    flags: ['--psk-identity'], tools: CLIENTS, takes: 'word', missing: missing('--psk-identity', 'identity'),
    help: ['identity', 'client identity for TLS-PSK'],
    apply: (c, v) => { c.tls.pskIdentity = v; },
  },
];

/**
 * The defaults file mosquitto's tool reads: one option (and its value) per line. On Windows,
 * as mosquitto's Windows build reads it: %USERPROFILE%\<name>.conf, none without USERPROFILE.
 */
export function defaultsFileLines(name: string, env: NodeJS.ProcessEnv = process.env): string[][] {
  const windows = process.platform === 'win32';
  if (windows && !env.USERPROFILE) return [];
  // HOME as mosquitto reads it; the os module (a start-up cost) only when HOME is unset.
  const file = windows ? `${env.USERPROFILE}\\${name}.conf`
    : join(env.XDG_CONFIG_HOME || join(env.HOME || (require('node:os') as typeof import('node:os')).homedir(), '.config'), name);
  try {
    return optionsFileLines(readFileSync(file));
  } catch {
    return [];
  }
}

/** mosquitto reads an options file in pieces of at most this many bytes (a line or less). */
const LINE_BYTES = 1023;

/**
 * The lines of an options file as mosquitto's tools read them, each its own command line of
 * one or two words: the option, then the rest of the line after the space that ends it.
 * A line longer than LINE_BYTES is read as several lines. Only a '#' in the first column
 * makes a comment; spaces before the option are skipped, tabs are not; a line ends at a
 * NUL byte and loses its trailing CRs and LFs.
 */
export function optionsFileLines(bytes: Buffer): string[][] {
  const lines: string[][] = [];
  let start = 0;
  while (start < bytes.length) {
    const newline = bytes.indexOf(0x0a, start);
    const end = Math.min(newline < 0 ? bytes.length : newline + 1, start + LINE_BYTES);
    let piece = bytes.subarray(start, end);
    start = end;
    if (piece[0] === 0x23) continue;
    const nul = piece.indexOf(0);
    if (nul >= 0) piece = piece.subarray(0, nul);
    let n = piece.length;
    while (n > 0 && (piece[n - 1] === 0x0a || piece[n - 1] === 0x0d)) n--;
    let from = 0;
    while (from < n && piece[from] === 0x20) from++;
    if (from === n) continue;
    const space = piece.indexOf(0x20, from);
    if (space < 0 || space >= n) {
      lines.push([decodeBytes(piece.subarray(from, n))]);
    } else {
      const option = decodeBytes(piece.subarray(from, space));
      // The rest of the line as it is, leading spaces and all; nothing after the space is no value.
      lines.push(space + 1 < n ? [option, decodeBytes(piece.subarray(space + 1, n))] : [option]);
    }
  }
  return lines;
}

/**
 * The lines from a file: -o's (mosquitto 2.1), which replaces the defaults file, or the
 * defaults file. -o is found before anything else is read, as mosquitto 2.1 finds it.
 */
function fileLines(tool: Tool, argv: readonly string[], env: NodeJS.ProcessEnv): string[][] {
  let optionsFile: string | undefined;
  let duplicate = false;
  eachOption(CLIENT_OPTIONS, tool, argv, (flag, value) => {
    if (flag !== '-o') return;
    if (optionsFile !== undefined) duplicate = true;
    if (value === undefined) fail('Error: -o argument given but no options file specified.');
    if (duplicate) fail('Error: Duplicate -o argument given.');
    optionsFile = value;
  });
  if (optionsFile === undefined) return defaultsFileLines(MOSQUITTO_NAME[tool], env);
  try {
    return optionsFileLines(readFileSync(bytesOf(optionsFile)));
  } catch (e) {
    // mosquitto 2.1 goes on without the file; the options it holds (a login, TLS) matter.
    throw new UsageError(`Error: Unable to read options file "${optionsFile}": ${strerror(e)}.\n`, false);
  }
}

function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : code === 'EISDIR' ? 'Is a directory' : (e as Error).message;
}

/**
 * The command line of a client tool, checked the way mosquitto checks it: first each line
 * of the defaults file (or -o's file) on its own, then argv; each option in order; then the
 * checks across options.
 */
export function parseClientArgs(tool: Tool, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const cfg = defaults(tool);
  for (const line of fileLines(tool, argv, env)) {
    if (applyArgs(cfg, line, true)) return cfg;
  }
  if (applyArgs(cfg, argv, false)) return cfg;
  checkClientConfig(cfg);
  return cfg;
}

/**
 * Applies one command line (argv, or one line of an options file) to `cfg` in order, with
 * mosquitto's message for the first bad word. True when --help or --version ends the reading.
 * In a file, -o is passed over with its value, as mosquitto 2.1 passes over it there.
 */
function applyArgs(cfg: ClientConfig, args: readonly string[], inFile: boolean): boolean {
  let parsed: ParsedArgs<ClientConfig>;
  let missing: MissingArgument<ClientConfig> | undefined;
  try {
    parsed = parseWithTable(CLIENT_OPTIONS, cfg.tool, args);
  } catch (e) {
    if (!(e instanceof MissingArgument)) throw e;
    missing = e as MissingArgument<ClientConfig>;
    parsed = missing.parsed;
    if (inFile && missing.spec?.flags[0] === '-o') missing = undefined;
  }
  const { given, unknown, unknownAt } = parsed;
  // An unknown word is reported where it stands: after the options before it.
  for (const { spec, values, at } of given) {
    if (at > unknownAt) break;
    for (const words of values) {
      if (spec.takes === 'property') {
        addProperty(cfg.properties, words);
        // Properties are MQTT v5: -D switches to it (a later -V can switch back).
        cfg.protocolVersion = 5;
      } else {
        spec.precheck?.(cfg);
        spec.apply(cfg, words[0] ?? '');
      }
      if (cfg.help || cfg.version) return true;
    }
  }
  if (unknown !== undefined) throw new UsageError(`Error: Unknown option '${unknown}'.\n`);
  if (missing) {
    missing.spec?.precheck?.(cfg);
    throw missing;
  }
  return false;
}

/**
 * mosquitto_pub's last check, made after the message of -f or -s has been read (a file that
 * cannot be read is reported before a missing topic).
 */
export function checkTopicAndMessage(cfg: ClientConfig): void {
  if (cfg.topic === undefined || cfg.mode === undefined) {
    throw new UsageError('Error: Both topic and message must be supplied.\n', false, true);
  }
}

/**
 * mosquitto_rr's checks once the command line has been read: a request needs a topic, a
 * message and a response topic, and names the response topic itself.
 */
export function checkRequest(cfg: ClientConfig): void {
  if (cfg.topic === undefined || cfg.mode === undefined || cfg.responseTopic === undefined) {
    throw new UsageError('Error: All of topic, message, and response topic must be supplied.\n');
  }
  if (cfg.properties.publish?.responseTopic !== undefined) {
    throw new ToolError('Error in PUBLISH properties: Duplicate response topic.\n');
  }
}

/** mosquitto's checks across options, in its order. */
function checkClientConfig(cfg: ClientConfig): void {
  if (cfg.will.payload !== undefined && cfg.will.topic === undefined) fail1('Error: Will payload given, but no will topic given.');
  if (cfg.will.retain && cfg.will.topic === undefined) fail1('Error: Will retain given, but no will topic given.');
  const t = cfg.tls;
  if ((t.cert === undefined) !== (t.key === undefined)) fail1('Error: Both certfile and keyfile must be provided if one of them is set.');
  if (t.keyform !== undefined && t.key === undefined) fail1('Error: If keyform is set, keyfile must be also specified.');
  if ((t.cafile !== undefined || t.capath !== undefined) && t.psk !== undefined) fail1('Error: Only one of --psk or --cafile/--capath may be used at once.');
  if (t.psk !== undefined && t.pskIdentity === undefined) fail1('Error: --psk-identity required if --psk used.');
  if (cfg.protocolVersion === 5 && cfg.properties.connect?.sessionExpiryInterval !== undefined
    && (cfg.sessionExpiry ?? (cfg.cleanSession ? 0 : 0xffffffff)) !== 0) {
    // -x (or -c's default of "never") adds its own session-expiry-interval to CONNECT.
    fail1('Error in CONNECT properties: Duplicate property in property list');
  }
  if (!cfg.cleanSession && cfg.clientId === undefined) {
    if (cfg.protocolVersion === 5 && (cfg.sessionExpiry === undefined || cfg.sessionExpiry === 0xffffffff)) {
      fail1('Error: You must provide a client id if you are using an infinite session expiry interval.');
    }
    // v5 with a finite -x gets past here: libmosquitto refuses the missing id when connecting.
    if (cfg.protocolVersion !== 5) fail1('Error: You must provide a client id if you are using the -c option.');
  }
  checkPropertySets(cfg.properties);
  if (cfg.tool === 'pub') {
    if (cfg.mode === 'stdin-line' && cfg.repeat > 1) {
      // mosquitto_pub quietly ignores --repeat for -l; so do we (documented).
      cfg.repeat = 1;
    }
  } else if (cfg.tool === 'rr') {
    // mosquitto_rr checks its topics and message once the message is loaded (request.ts).
  } else if (cfg.topics.length === 0 && cfg.unsubscribe.length === 0) {
    // Only -U (mosquitto 2.1) is enough; neither keeps 2.0.11's message.
    fail1('Error: You must specify a topic to subscribe to.');
  } else if (cfg.noStaleRetained && cfg.retainedOnly) {
    // mosquitto_sub checks this one last, without the usage hint, even with --quiet.
    throw new UsageError("\nError: Combining '-R' and '--retained-only' makes no sense.\n", false);
  }
}
