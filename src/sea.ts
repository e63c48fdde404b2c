// The single executable's entry: one binary for every tool, named by the link it was started
// through (dist/sea/tspub -> tsmqtt, ...). Only the named tool's modules are initialised.
// In a single executable, process.argv is [executable, argv[0] as given, ...words], so the
// tools' commandLine() (argv from index 2) and /proc/self/cmdline read the same words.
const TOOLS: Record<string, () => Promise<unknown>> = {
  tspub: () => import('./tspub.ts'),
  tssub: () => import('./tssub.ts'),
  tsrr: () => import('./tsrr.ts'),
  tspasswd: () => import('./tspasswd.ts'),
};

/** The tool a name stands for: the file name it was started as (tspub, /usr/bin/tspub, ...). */
function toolOf(argv0: string): string | undefined {
  const name = argv0.slice(argv0.lastIndexOf('/') + 1);
  return Object.hasOwn(TOOLS, name) ? name : undefined;
}

function start(argv0: string): void {
  const tool = toolOf(argv0);
  if (tool === undefined) {
    process.stderr.write(`tsmqtt: start this executable as one of ${Object.keys(TOOLS).join(', ')} (a link named so).\n`);
    process.exitCode = 1;
    return;
  }
  void TOOLS[tool]!();
}

/** What the snapshot holds loaded: everything but the tools' own entry modules. */
const PRELOAD = [
  () => require('./publish.ts'),
  () => require('./subscribe.ts'),
  () => require('./request.ts'),
];

/** An environment with no defaults file to read (none is read at build time). */
const NO_DEFAULTS = { XDG_CONFIG_HOME: '/dev/null/none' };

/**
 * Runs, at build time, what every run needs, so that the snapshot holds it compiled (V8 keeps
 * the bytecode of functions that ran): reading a command line and starring its secrets,
 * making and reading packets, and a QoS 1 publish by the tools' session. Measured: a one-shot
 * publish 35.8 ms without, 30.5 ms with (README "Start-up").
 */
function warm(): void {
  const { parseClientArgs } = require('./options/parse.ts') as typeof import('./options/parse.ts');
  const { CLIENT_OPTIONS } = require('./options/table.ts') as typeof import('./options/table.ts');
  const { starSecrets } = require('./options/secrets.ts') as typeof import('./options/secrets.ts');
  const { commandLine } = require('./words.ts') as typeof import('./words.ts');
  for (const tool of ['pub', 'sub', 'rr'] as const) {
    const words = commandLine(['-h', 'localhost', '-p', '1883', '-t', 'warm/up', '-e', 'warm/up', '-m', 'up', '-q', '1', '-d', '-P', 'x']);
    starSecrets(CLIENT_OPTIONS, tool, words);
    try {
      parseClientArgs(tool, words, NO_DEFAULTS);
    } catch {
      // a usage error for one tool or another: the parser ran all the same
    }
  }
  const mqttPacket = require('mqtt-packet') as typeof import('mqtt-packet');
  for (const protocolVersion of [4, 5] as const) {
    const parser = mqttPacket.parser({ protocolVersion });
    parser.on('error', () => {});
    const packets: import('mqtt-packet').Packet[] = [
      { cmd: 'connect', protocolId: 'MQTT', protocolVersion, clean: true, clientId: '', keepalive: 60 },
      protocolVersion === 5 ? { cmd: 'connack', reasonCode: 0, sessionPresent: false } : { cmd: 'connack', returnCode: 0, sessionPresent: false },
      { cmd: 'publish', topic: 'warm/up', payload: Buffer.from('up'), qos: 1, retain: false, dup: false, messageId: 1 },
      { cmd: 'puback', messageId: 1 },
      { cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'warm/#', qos: 1 }] },
      { cmd: 'suback', messageId: 2, granted: [1] },
      { cmd: 'disconnect' },
    ];
    for (const p of packets) parser.parse(mqttPacket.generate(p, { protocolVersion }));
  }
  warmClient();
}

/** A QoS 1 publish by the tools' session over a stream that answers as a broker would. */
function warmClient(): void {
  const { Duplex } = require('node:stream') as typeof import('node:stream');
  const mqttPacket = require('mqtt-packet') as typeof import('mqtt-packet');
  const { Session } = require('./session/session.ts') as typeof import('./session/session.ts');
  const { parseClientArgs } = require('./options/parse.ts') as typeof import('./options/parse.ts');
  const cfg = parseClientArgs('pub', ['-t', 'warm/up', '-m', 'up', '-q', '1'], NO_DEFAULTS);
  const broker = mqttPacket.parser({ protocolVersion: 4 });
  const stream = new Duplex({ write(chunk, _encoding, done) { broker.parse(chunk); done(); }, read() {} });
  broker.on('packet', (p) => {
    if (p.cmd === 'connect') stream.push(mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
    else if (p.cmd === 'publish') stream.push(mqttPacket.generate({ cmd: 'puback', messageId: p.messageId! }));
  });
  const session = new Session(cfg, { stream: () => stream });
  session.connect().then(
    () => session.publish({ cmd: 'publish', topic: 'warm/up', payload: Buffer.from('up'), qos: 1, retain: false, dup: false }, () => session.close()),
    () => {},
  );
}

/** Replaced when the executable is built (scripts/sea.mjs): whether V8 takes a start-up snapshot. */
declare const SEA_SNAPSHOT: boolean;

if (SEA_SNAPSHOT) {
  // The executable starts from a heap in which the bundle's modules, MQTT.js's included, are
  // already loaded; the tool runs from there with this run's argv, environment and streams.
  const { startupSnapshot } = require('node:v8') as typeof import('node:v8');
  for (const load of PRELOAD) load();
  warm();
  startupSnapshot.setDeserializeMainFunction(() => start(process.argv[1] ?? process.argv0));
} else {
  start(process.argv[1] ?? process.argv0);
}
