// The option table shared by the MQTT client tools. Each flag is declared once: which
// tools take it, what it takes, how it is checked (with mosquitto's exact messages), what
// it sets, and its help line. parser.ts walks a command line over this table (parse.ts reads
// a whole command line with it).
import { TLS_VERSIONS, type ClientConfig, type PublishMode, type Tool } from '../config.ts';
import { atol } from '../properties.ts';
import { bytesOf } from '../words.ts';
import { addTopic, checkedTopic, fail, fail1 } from './checks.ts';
import type { OptionSpec } from './parser.ts';
import { applyUrl, parseProxyUrl } from './urls.ts';

export type { OptionSpec };

/** Rows every MQTT client tool takes. */
const CLIENTS: readonly Tool[] = ['pub', 'sub', 'rr'];

/** What mosquitto calls each tool, for the defaults file and messages. */
export const MOSQUITTO_NAME: Record<Tool, string> = { pub: 'mosquitto_pub', sub: 'mosquitto_sub', rr: 'mosquitto_rr' };

/** mosquitto refuses the second of -i and -I as soon as it meets it. */
const idAndPrefix = () => fail('Error: -i and -I argument cannot be used together.');
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

const PUB: readonly Tool[] = ['pub'];
const SUB: readonly Tool[] = ['sub'];
/** Rows of the tools that send a message of their own (-m, -f, ...). */
const SENDERS: readonly Tool[] = ['pub', 'rr'];
/** Rows of the tools that print the messages they receive (-F, -v, ...). */
const RECEIVERS: readonly Tool[] = ['sub', 'rr'];
const RR: readonly Tool[] = ['rr'];

type Spec = OptionSpec<ClientConfig>;

/** -V's words and the MQTT protocol level each stands for. */
const PROTOCOL_VERSION: Record<string, 3 | 4 | 5 | undefined> = {
  mqttv5: 5,
  mqttv311: 4,
  mqttv31: 3,
  '5': 5,
  '311': 4,
  '31': 3,
};
const PROTOCOL_VERSIONS = Object.keys(PROTOCOL_VERSION);
const QOS = ['0', '1', '2'];

export const CLIENT_OPTIONS: readonly Spec[] = [
  {
    flags: ['-A'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('-A', 'address'),
    help: ['address', 'bind the outgoing connection to this local address'],
    apply: (c, v) => {
      c.bindAddress = v;
    },
  },
  {
    flags: ['-c', '--disable-clean-session'],
    tools: CLIENTS,
    help: [
      '',
      'ask for a persistent session: the broker keeps it (and, for a subscriber, queues messages) while the client is away',
    ],
    apply: (c) => {
      c.cleanSession = false;
    },
  },
  {
    flags: ['-C'],
    tools: SUB,
    takes: 'word',
    missing: missing('-C', 'count'),
    help: ['count', 'exit after printing this many messages'],
    apply: (c, v) => {
      const n = atol(v);
      if (n < 1) fail(`Error: Invalid message count "${n}".`);
      c.count = n;
    },
  },
  {
    flags: ['-d', '--debug'],
    tools: CLIENTS,
    help: ['', 'print a line for every MQTT packet sent and received'],
    apply: (c) => {
      c.debug = true;
    },
  },
  {
    flags: ['-D', '--property'],
    tools: CLIENTS,
    takes: 'property',
    help: ['command name value', 'set an MQTT v5 property on a packet (see PROPERTIES in the man page)'],
    apply: () => {},
  },
  {
    flags: ['-E'],
    tools: SUB,
    help: ['', 'exit once all subscriptions are acknowledged'],
    apply: (c) => {
      c.exitAfterSubscribe = true;
    },
  },
  {
    flags: ['-e'],
    tools: RR,
    takes: 'word',
    missing: missing('-e', 'response topic'),
    help: ['topic', 'response topic: subscribed to, and named in the request, for the answer'],
    apply: (c, v) => {
      c.responseTopic = checkedTopic('-e', v, 'response');
    },
  },
  {
    flags: ['-f', '--file'],
    tools: SENDERS,
    takes: 'word',
    missing: missing('-f', 'file'),
    complete: 'file',
    help: ['file', 'send the contents of a file as one message'],
    precheck: (c) => setMode(c, 'file'),
    apply: (c, v) => {
      c.file = v;
    },
  },
  {
    flags: ['-F'],
    tools: RECEIVERS,
    takes: 'word',
    missing: missing('-F', 'format'),
    help: ['format', 'print each message in this format (see OUTPUT FORMAT in the man page)'],
    // mosquitto_sub checks the format where -F stands among the options: tssub and tsrr hand
    // that check to parseClientArgs (format/index.ts checkFormat), so tspub never loads the
    // -F engine.
    apply: (c, v) => {
      c.format = v;
    },
  },
  {
    flags: ['-h', '--host'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('-h', 'host'),
    help: ['host', 'broker to connect to (default localhost)'],
    apply: (c, v) => {
      c.host = v;
    },
  },
  {
    flags: ['-i', '--id'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('-i', 'id'),
    help: ['id', 'client id (default: let the broker choose one)'],
    precheck: (c) => {
      if (c.idPrefix !== undefined) idAndPrefix();
    },
    apply: (c, v) => {
      c.clientId = v;
    },
  },
  {
    flags: ['-I', '--id-prefix'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('-I', 'id prefix'),
    help: ['prefix', 'client id made of this prefix and the process id'],
    precheck: (c) => {
      if (c.clientId !== undefined) idAndPrefix();
    },
    apply: (c, v) => {
      c.idPrefix = v;
    },
  },
  {
    flags: ['-k', '--keepalive'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('-k', 'keepalive'),
    help: ['seconds', 'keep-alive interval, 5 to 65535 (default 60)'],
    apply: (c, v) => {
      const n = atol(v);
      if (n < 5 || n > 65535) fail('Error: Invalid keepalive given, it must be between 5 and 65535 inclusive.');
      c.keepalive = n;
    },
  },
  {
    flags: ['-l', '--stdin-line'],
    tools: PUB,
    help: ['', 'send each line read from standard input as a message, as it arrives'],
    apply: (c) => setMode(c, 'stdin-line'),
  },
  {
    flags: ['-L', '--url'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('-L', 'URL'),
    help: ['url', '{mqtt|mqtts|ws|wss}://[user[:password]@]host[:port]/topic'],
    apply: applyUrl,
  },
  {
    flags: ['-m', '--message'],
    tools: SENDERS,
    takes: 'word',
    missing: missing('-m', 'message'),
    help: ['message', 'send this message'],
    precheck: (c) => setMode(c, 'message'),
    apply: (c, v) => {
      c.message = bytesOf(v);
    },
  },
  {
    flags: ['-M'],
    tools: SENDERS,
    takes: 'word',
    missing: 'Error: -M argument given but max_inflight not specified.\n\n',
    help: ['count', 'most QoS 1 and 2 messages awaiting acknowledgement at once (default 20)'],
    apply: (c, v) => {
      const n = atol(v);
      if (n < 1) fail('Error: Maximum inflight messages must be greater than 0.');
      c.maxInflight = n;
    },
  },
  {
    flags: ['-n', '--null-message'],
    tools: SENDERS,
    help: ['', 'send a zero-length message'],
    apply: (c) => setMode(c, 'null'),
  },
  {
    flags: ['-N'],
    tools: RECEIVERS,
    help: ['', 'no newline after each message'],
    apply: (c) => {
      c.noEol = true;
    },
  },
  {
    flags: ['-p', '--port'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('-p', 'port'),
    help: ['port', 'broker port (default 1883)'],
    apply: (c, v) => {
      const n = atol(v);
      if (n < 0 || n > 65535) fail1(`Error: Invalid port given: ${n}`);
      c.port = n;
    },
  },
  {
    flags: ['-P', '--pw'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('-P', 'password'),
    help: ['password', 'password for the broker (with -u, or alone on MQTT v5)'],
    apply: (c, v) => {
      c.password = v;
    },
  },
  // --- Password sources (not mosquitto's; src/password.ts): the password of -P from elsewhere.
  {
    flags: ['--pw-env'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--pw-env', 'environment variable'),
    help: ['name', "take the password from this environment variable (not mosquitto's)"],
    apply: (c, v) => {
      c.passwordFrom = { ...c.passwordFrom, '--pw-env': v };
    },
  },
  {
    flags: ['--pw-file'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--pw-file', 'file'),
    complete: 'file',
    help: ['file', "take the password from the first line of this file (not mosquitto's)"],
    apply: (c, v) => {
      c.passwordFrom = { ...c.passwordFrom, '--pw-file': v };
    },
  },
  {
    flags: ['--pw-prompt'],
    tools: CLIENTS,
    help: ['', "ask for the password on the terminal, typed without echo (not mosquitto's)"],
    apply: (c) => {
      c.passwordFrom = { ...c.passwordFrom, '--pw-prompt': '' };
    },
  },
  {
    flags: ['-q', '--qos'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('-q', 'QoS'),
    complete: QOS,
    help: ['qos', 'quality of service: 0, 1 or 2 (default 0)'],
    apply: (c, v) => {
      c.qos = qosOf(v, (n) => `Error: Invalid QoS given: ${n}`, true);
      c.qosGiven = true;
    },
  },
  {
    flags: ['-r', '--retain'],
    tools: PUB,
    help: ['', 'ask the broker to retain the message'],
    apply: (c) => {
      c.retain = true;
    },
  },
  {
    flags: ['-R'],
    tools: RECEIVERS,
    help: ['', 'do not print stale retained messages'],
    apply: (c) => {
      c.noStaleRetained = true;
    },
  },
  {
    flags: ['-s', '--stdin-file'],
    tools: SENDERS,
    help: ['', 'send all of standard input as one message'],
    apply: (c) => setMode(c, 'stdin-file'),
  },
  {
    flags: ['-t', '--topic'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('-t', 'topic'),
    help: ['topic', 'topic to publish to / subscribe to (subscriber: may repeat)'],
    apply: (c, v) => addTopic(c, v, '-t'),
  },
  {
    flags: ['-T', '--filter-out'],
    tools: SUB,
    takes: 'word',
    missing: missing('-T', 'topic filter'),
    help: ['filter', 'do not print messages whose topic matches this filter (may repeat)'],
    apply: (c, v) => {
      c.filterOut.push(checkedTopic('-T', v, 'filter'));
    },
  },
  {
    flags: ['-u', '--username'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('-u', 'username'),
    help: ['user', 'username for the broker'],
    apply: (c, v) => {
      c.username = v;
    },
  },
  {
    flags: ['-U', '--unsubscribe'],
    tools: SUB,
    takes: 'word',
    missing: missing('-U', 'unsubscribe topic'),
    help: ['topic', 'unsubscribe from this topic after connecting (may repeat)'],
    apply: (c, v) => {
      c.unsubscribe.push(checkedTopic('-U', v, 'unsubscribe'));
    },
  },
  {
    flags: ['-v', '--verbose'],
    tools: RECEIVERS,
    help: ['', 'print the topic before each message'],
    apply: (c) => {
      c.verbose = true;
    },
  },
  {
    flags: ['-V', '--protocol-version'],
    tools: CLIENTS,
    takes: 'word',
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
    flags: ['-W'],
    tools: RECEIVERS,
    takes: 'word',
    missing: missing('-W', 'timeout'),
    help: ['seconds', 'stop this long after connecting: "Timed out", exit status 27'],
    apply: (c, v) => {
      const n = atol(v);
      if (n < 1) fail(`Error: Invalid timeout "${n}".`);
      c.timeout = n;
    },
  },
  {
    flags: ['-x'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('-x', 'session expiry interval'),
    help: ['seconds', 'MQTT v5 session expiry interval; -1 or \u221e for never'],
    apply: (c, v) => {
      if (v === '\u221e') {
        c.sessionExpiry = 0xffffffff;
        return;
      }
      const t = v.trim();
      if (!/^[+-]?\d+$/.test(t)) fail('Error: session-expiry-interval not a number.');
      const n = Number(t);
      if (n < -1 || n > 0xffffffff) fail('Error: session-expiry-interval out of range.');
      c.sessionExpiry = n === -1 ? 0xffffffff : n;
    },
  },
  {
    flags: ['--help'],
    tools: CLIENTS,
    help: ['', 'print this help and exit'],
    apply: (c) => {
      c.help = true;
    },
  },
  {
    flags: ['--version'],
    tools: CLIENTS,
    help: ['', 'print the version and exit'],
    apply: (c) => {
      c.version = true;
    },
  },
  {
    flags: ['--latency'],
    tools: RR,
    help: ['', 'print the time from sending the request to receiving the response (implies --nodelay)'],
    apply: (c) => {
      c.latency = true;
      c.nodelay = true;
    },
  },
  {
    flags: ['--nodelay'],
    tools: CLIENTS,
    help: ['', "disable Nagle's algorithm on the connection"],
    apply: (c) => {
      c.nodelay = true;
    },
  },
  {
    flags: ['--pretty'],
    tools: RECEIVERS,
    help: ['', 'indent JSON output (-F %j and %J)'],
    apply: (c) => {
      c.pretty = true;
    },
  },
  {
    flags: ['--quiet'],
    tools: CLIENTS,
    help: ['', 'do not print errors once the command line has been accepted'],
    apply: (c) => {
      c.quiet = true;
    },
  },
  {
    flags: ['--random-filter'],
    tools: SUB,
    takes: 'word',
    missing: missing('--random-filter', 'chance'),
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
    flags: ['--reconnect-for'],
    tools: PUB,
    takes: 'word',
    missing: missing('--reconnect-for', 'seconds'),
    help: ['seconds', 'with -l: give up (status 7) after this long disconnected; default: keep trying'],
    apply: (c, v) => {
      const n = atof(v);
      if (!(n >= 0)) fail('Error: --reconnect-for argument must be >=0.');
      c.reconnectFor = n;
    },
  },
  {
    flags: ['--remove-retained'],
    tools: SUB,
    help: ['', 'clear each retained message received (not those excluded with -T)'],
    apply: (c) => {
      c.removeRetained = true;
    },
  },
  {
    flags: ['--repeat'],
    tools: PUB,
    takes: 'word',
    missing: missing('--repeat', 'count'),
    help: ['count', 'publish the message this many times (with -m, -f, -s or -n)'],
    apply: (c, v) => {
      const n = atol(v);
      if (n < 1) fail('Error: --repeat argument must be >0.');
      c.repeat = n;
    },
  },
  {
    flags: ['--repeat-delay'],
    tools: PUB,
    takes: 'word',
    missing: missing('--repeat-delay', 'time'),
    help: ['seconds', 'wait this long between repeats; fractions allowed'],
    apply: (c, v) => {
      const n = atof(v);
      if (n < 0) fail('Error: --repeat-delay argument must be >=0.0.');
      c.repeatDelay = n;
    },
  },
  {
    flags: ['--no-local'],
    tools: RECEIVERS,
    help: ['', "MQTT v5: ask the broker not to send back what this client publishes (not mosquitto's)"],
    apply: (c) => {
      c.noLocal = true;
    },
  },
  {
    flags: ['--retain-as-published'],
    tools: RECEIVERS,
    help: ['', 'MQTT v5: ask the broker to keep the retain flag on live messages'],
    apply: (c) => {
      c.retainAsPublished = true;
    },
  },
  {
    flags: ['--message-rate'],
    tools: SUB,
    help: ['', 'print how many messages arrived each second instead of the messages (mosquitto 2.1)'],
    apply: (c) => {
      c.messageRate = true;
    },
  },
  {
    flags: ['-w', '--watch'],
    tools: SUB,
    help: ['', "print each topic's latest message on a line of its own (a terminal view; mosquitto 2.1)"],
    apply: (c) => {
      c.watch = true;
    },
  },
  {
    flags: ['--retain-handling'],
    tools: RECEIVERS,
    takes: 'word',
    complete: ['always', 'new', 'never'],
    missing: 'Error: --retain-handling argument given but no option specified.\n\n',
    help: ['always|new|never', 'MQTT v5: when the broker sends retained messages on subscribing (mosquitto 2.1)'],
    apply: (c, v) => {
      const rh = ({ always: 0, new: 1, never: 2 } as const)[v as 'always'];
      if (rh === undefined) fail(`Error: Unknown value '${v}' for --retain-handling.`);
      c.retainHandling = rh;
    },
  },
  {
    flags: ['--retained-only'],
    tools: SUB,
    help: ['', 'print only retained messages; exit at the first one that is not'],
    apply: (c) => {
      c.retainedOnly = true;
    },
  },
  {
    flags: ['--will-payload'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--will-payload', 'will payload'),
    help: ['payload', 'payload of the will (default empty)'],
    apply: (c, v) => {
      c.will.payload = bytesOf(v);
    },
  },
  {
    flags: ['--will-qos'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--will-qos', 'will QoS'),
    complete: QOS,
    help: ['qos', 'QoS of the will'],
    apply: (c, v) => {
      c.will.qos = qosOf(v, (n) => `Error: Invalid will QoS ${n}.`);
    },
  },
  {
    flags: ['--will-retain'],
    tools: CLIENTS,
    help: ['', 'retain the will'],
    apply: (c) => {
      c.will.retain = true;
    },
  },
  {
    flags: ['--will-topic'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--will-topic', 'will topic'),
    help: ['topic', 'topic of the will the broker publishes if the client vanishes'],
    apply: (c, v) => {
      c.will.topic = checkedTopic('--will-topic', v, 'will');
    },
  },

  {
    flags: ['-o'],
    tools: CLIENTS,
    takes: 'word',
    missing: 'Error: -o argument given but no options file specified.\n\n',
    complete: 'file',
    help: ['file', 'read options from this file instead of the defaults file (mosquitto 2.1)'],
    // Read before everything else (fileLines); in the file itself it is passed over.
    apply: () => {},
  },

  // --- Transport: unix socket, SOCKS proxy, WebSocket -------------------------------------
  {
    flags: ['--unix'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--unix', 'socket path'),
    complete: 'file',
    help: ['path', 'connect through this unix domain socket instead of TCP (replaces -h)'],
    // libmosquitto's convention: port 0 means the host is a socket path (a later -p undoes it).
    apply: (c, v) => {
      c.host = v;
      c.port = 0;
    },
  },
  {
    flags: ['--proxy'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--proxy', 'proxy url'),
    help: ['url', 'reach the broker through a SOCKS5 proxy: socks5h://[user[:password]@]host[:port]'],
    apply: (c, v) => {
      c.proxy = parseProxyUrl(v);
    },
  },
  {
    flags: ['--ws'],
    tools: CLIENTS,
    help: ['', 'MQTT over WebSocket (path /mqtt) instead of plain TCP'],
    apply: (c) => {
      c.websocket = true;
    },
  },

  // --- TLS ----------------------------------------------------------------------------------
  {
    flags: ['--no-tls'],
    tools: CLIENTS,
    help: ['', 'no TLS, whatever TLS options the options file or command line give, nor on port 8883 (mosquitto 2.1)'],
    apply: (c) => {
      c.tls.off = true;
    },
  },
  {
    flags: ['--tls-keylog'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--tls-keylog', 'file'),
    complete: 'file',
    help: ['file', 'append the TLS session secrets to this file, for Wireshark (debugging only; mosquitto 2.1)'],
    apply: (c, v) => {
      c.tls.keylog = v;
    },
  },
  {
    flags: ['--cafile'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--cafile', 'file'),
    complete: 'file',
    help: ['file', 'trust the CA certificates in this PEM file; turns TLS on (default port 8883)'],
    apply: (c, v) => {
      c.tls.cafile = v;
    },
  },
  {
    flags: ['--capath'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--capath', 'directory'),
    complete: 'dir',
    help: ['dir', 'trust the CA certificates in this OpenSSL hashed directory; turns TLS on'],
    apply: (c, v) => {
      c.tls.capath = v;
    },
  },
  {
    flags: ['--cert'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--cert', 'file'),
    complete: 'file',
    help: ['file', 'client certificate (PEM) to present, with --key'],
    apply: (c, v) => {
      c.tls.cert = v;
    },
  },
  {
    flags: ['--key'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--key', 'file'),
    complete: 'file',
    help: ['file', 'private key (PEM) of the client certificate'],
    apply: (c, v) => {
      c.tls.key = v;
    },
  },
  {
    flags: ['--keyform'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--keyform', 'keyform'),
    complete: ['pem'],
    help: ['pem', 'form of the --key file: pem (the only one; engines are not supported)'],
    apply: (c, v) => {
      c.tls.keyform = v;
    },
  },
  {
    flags: ['--ciphers'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--ciphers', 'ciphers'),
    help: ['list', 'OpenSSL cipher list for TLS 1.2 and below'],
    apply: (c, v) => {
      c.tls.ciphers = v;
    },
  },
  {
    flags: ['--insecure'],
    tools: CLIENTS,
    help: ['', 'do not check that the certificate names the host (the chain is still verified)'],
    apply: (c) => {
      c.tls.insecure = true;
    },
  },
  {
    flags: ['--tls-alpn'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--tls-alpn', 'protocol'),
    help: ['protocol', 'offer this ALPN protocol in the TLS handshake'],
    apply: (c, v) => {
      c.tls.alpn = v;
    },
  },
  {
    flags: ['--tls-use-os-certs'],
    tools: CLIENTS,
    help: ['', "trust the operating system's CA certificates too; turns TLS on"],
    apply: (c) => {
      c.tls.useOsCerts = true;
    },
  },
  {
    flags: ['--tls-version'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--tls-version', 'version'),
    complete: Object.keys(TLS_VERSIONS),
    help: ['version', 'lowest TLS version to accept: tlsv1.3, tlsv1.2 (default) or tlsv1.1'],
    apply: (c, v) => {
      c.tls.version = v;
    },
  },

  // --- TLS-PSK ------------------------------------------------------------------------------
  {
    flags: ['--psk'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--psk', 'key'),
    help: ['hex-key', 'pre-shared key in hexadecimal (no 0x): TLS-PSK (default port 8883)'],
    apply: (c, v) => {
      c.tls.psk = v;
    },
  },
  {
    flags: ['--psk-identity'],
    tools: CLIENTS,
    takes: 'word',
    missing: missing('--psk-identity', 'identity'),
    help: ['identity', 'client identity for TLS-PSK'],
    apply: (c, v) => {
      c.tls.pskIdentity = v;
    },
  },

  // --- Record, replay, pace (not mosquitto's: docs/record-replay.md) ----------------------
  {
    flags: ['--record'],
    tools: SUB,
    help: [
      '',
      'print each message as a JSON line that loses nothing (-F %j, and binary payloads, every property), for tspub --replay',
    ],
    apply: (c) => {
      c.record = true;
    },
  },
  {
    flags: ['--replay'],
    tools: PUB,
    takes: 'word',
    missing: missing('--replay', 'file'),
    complete: 'file',
    help: ['file', 'publish each message of a recording (tssub --record, mosquitto_sub -F %j), as it was; - for stdin'],
    precheck: (c) => setMode(c, 'replay'),
    apply: (c, v) => {
      c.replay = v;
    },
  },
  {
    flags: ['--replay-speed'],
    tools: PUB,
    takes: 'word',
    missing: missing('--replay-speed', 'speed'),
    help: ['factor', 'with --replay: keep the recorded pace, this many times faster (1: as recorded)'],
    apply: (c, v) => {
      c.replaySpeed = paceNumber('--replay-speed', v, false);
    },
  },
  {
    flags: ['--rate'],
    tools: PUB,
    takes: 'word',
    missing: missing('--rate', 'rate'),
    help: ['count', 'with -l, --repeat or --replay: this many messages a second, on a schedule that does not drift'],
    precheck: (c) => {
      if (c.paceMs !== undefined) onePace();
    },
    apply: (c, v) => {
      c.paceMs = 1000 / paceNumber('--rate', v, false);
    },
  },
  {
    flags: ['--interval'],
    tools: PUB,
    takes: 'word',
    missing: missing('--interval', 'time'),
    help: [
      'seconds',
      'with -l, --repeat or --replay: this long from one message to the next, on a schedule that does not drift',
    ],
    precheck: (c) => {
      if (c.paceMs !== undefined) onePace();
    },
    apply: (c, v) => {
      c.paceMs = 1000 * paceNumber('--interval', v, true);
    },
  },
];

/** The number of --replay-speed, --rate, --interval: a plain decimal number, above 0 (or 0 too). */
function paceNumber(flag: string, text: string, zero: boolean): number {
  const n = /^\s*(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!(zero ? n >= 0 : n > 0) || !Number.isFinite(n))
    fail(`Error: ${flag} argument must be a number ${zero ? '>=0' : '>0'}.`);
  return n;
}
const onePace = () => fail('Error: Only one of --rate and --interval can be given.');
