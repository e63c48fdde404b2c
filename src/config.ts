// What a client tool runs with, whatever gave it: the settings the session and the transports
// read, mosquitto's defaults for them, and the rules that derive TLS and the port from them.
// Nothing here knows the command line (src/options/ reads it into a ClientConfig).
import type { PropertySets } from './properties.ts';

/** The MQTT client tools: tspub, tssub, tsrr. */
export type Tool = 'pub' | 'sub' | 'rr';

/** The flags that name where the password comes from (src/password.ts). */
export type PasswordFlag = '--pw-env' | '--pw-file' | '--pw-prompt';

/** An MQTT protocol level as users know it, for messages. */
export const protocolName = (level: 3 | 4 | 5): string =>
  level === 3 ? 'MQTT v3.1' : level === 4 ? 'MQTT v3.1.1' : 'MQTT v5';

export type PublishMode = 'message' | 'file' | 'stdin-file' | 'stdin-line' | 'null' | 'replay';

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
  /**
   * --pw-env, --pw-file, --pw-prompt (not mosquitto's): where the password is to come from
   * instead of -P, by flag, with the flag's word (the last of each kind given wins).
   */
  passwordFrom?: Partial<Record<PasswordFlag, string>>;
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
  // record, replay and pace (not mosquitto's: docs/record-replay.md)
  /** tssub --record: each message printed as a record line (format/record.ts). */
  record?: boolean;
  /** tspub --replay: the recording to publish ('-': standard input). */
  replay?: string;
  /** --replay-speed: the recorded pace, this many times faster (undefined: as fast as the window allows). */
  replaySpeed?: number;
  /** --rate, --interval: milliseconds from one message of a stream to the next. */
  paceMs?: number;
  /** -q was given: every replayed message takes it. */
  qosGiven?: boolean;
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
  /** --no-local (not mosquitto's): MQTT v5 subscription option No Local. */
  noLocal?: boolean;
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

/** A tool's settings before any option is read: mosquitto's defaults. */
export function defaultConfig(tool: Tool): ClientConfig {
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

/** --tls-version: the lowest version accepted (OpenSSL's names for Node). */
export const TLS_VERSIONS: Record<string, 'TLSv1.3' | 'TLSv1.2' | 'TLSv1.1'> = {
  'tlsv1.3': 'TLSv1.3',
  'tlsv1.2': 'TLSv1.2',
  'tlsv1.1': 'TLSv1.1',
};
