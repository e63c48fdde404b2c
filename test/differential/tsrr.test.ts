// Differential tests: mosquitto_rr and tsrr run one after the other with the same arguments
// against the same private broker, where responders started here answer the requests; both
// must print the same bytes on stdout and stderr and exit with the same status (tool names,
// broker-made ids and %j receive times normalised). Where mosquitto_rr 2.0.11 is broken,
// tsrr's documented behaviour is tested instead, next to what mosquitto_rr does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import {
  startBroker,
  freePort,
  needMosquitto,
  MOSQUITTO_PUB,
  MOSQUITTO_RR,
  type Broker,
  startTestBrokers,
  type TestBrokers,
} from '../helpers/broker.ts';
import { argBytes as X, run, bin, type RunResult } from '../helpers/run.ts';
import { collect } from '../helpers/collector.ts';
import { differential as compare } from '../helpers/differential.ts';
import { waitFor } from '../helpers/wait.ts';

const skip =
  needMosquitto || (MOSQUITTO_RR ? false : 'mosquitto_rr is not installed (apt-get install -y mosquitto-clients)');

/** mosquitto's dynamic security plugin: the only way a mosquitto 2.0 broker refuses a SUBSCRIBE. */
const DYNSEC = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/usr/local/lib']
  .map((d) => join(d, 'mosquitto_dynamic_security.so'))
  .find((f) => existsSync(f));

let broker: Broker;
let auth: Broker;
/** A broker whose dynamic security plugin refuses subscriptions to deny/#. */
let denying: Broker | undefined;
/** The broker of the shell-loop responder's test. */
let shell: Broker | undefined;
let dir: string;
let testBrokers: TestBrokers;
let env: NodeJS.ProcessEnv;
/** A server that takes connections and never answers: CONNACK never comes. */
let silent: Server;
const held = new Set<Socket>();
const responders: MqttClient[] = [];
/** Answers not yet sent (cleared at the end). */
const pending = new Set<NodeJS.Timeout>();
/** Answers sent and not yet acknowledged by the broker (PUBACK: it has passed them on). */
let unacked = 0;

/**
 * A responder: an MQTT v5 client subscribed to `topic` that answers each request on its
 * response topic, after `delayMs` (so that the request's own QoS 1 or 2 exchange is over
 * first), with `answers(request)`: each one a payload and the correlation data to carry.
 */
async function responder(
  topic: string,
  answers: (
    payload: Buffer,
    correlation: Buffer | undefined,
  ) => Array<{ payload: Buffer | string; correlation?: Buffer; delayMs?: number; topic?: string }>,
): Promise<void> {
  const client = mqtt.connect({ host: '127.0.0.1', port: broker.port, protocolVersion: 5, reconnectPeriod: 0 });
  responders.push(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(topic, { qos: 2 });
  client.on('message', (_t, payload, packet) => {
    const to = packet.properties?.responseTopic;
    let wait = 0;
    for (const a of answers(payload, packet.properties?.correlationData)) {
      const where = a.topic ?? to;
      if (where === undefined) continue;
      wait += a.delayMs ?? 100;
      const timer = setTimeout(() => {
        pending.delete(timer);
        if (!client.connected) return;
        unacked++;
        client.publish(
          where,
          typeof a.payload === 'string' ? Buffer.from(a.payload) : a.payload,
          {
            qos: 1,
            properties: {
              ...(a.correlation ? { correlationData: a.correlation } : {}),
              contentType: 'text/plain',
              userProperties: { from: 'responder' },
            },
          },
          () => {
            unacked--;
          },
        );
      }, wait);
      pending.add(timer);
    }
  });
}

before(async () => {
  if (skip) return;
  ({ dir, env, broker, auth } = testBrokers = await startTestBrokers('tsrr-test-'));
  writeFileSync(join(dir, 'binary'), Buffer.from([0, 1, 2, 255, 254, 10, 13, 0, 0x80, 0x25, 0x0a]));
  if (DYNSEC) {
    const config = join(dir, 'dynsec.json');
    writeFileSync(
      config,
      JSON.stringify({
        defaultACLAccess: { publishClientSend: true, publishClientReceive: true, subscribe: true, unsubscribe: true },
        clients: [],
        groups: [{ groupname: 'anonymous', roles: [{ rolename: 'no-deny' }], clients: [] }],
        roles: [
          { rolename: 'no-deny', acls: [{ acltype: 'subscribePattern', topic: 'deny/#', priority: 0, allow: false }] },
        ],
        anonymousGroup: 'anonymous',
      }),
    );
    denying = await startBroker({ extra: [`plugin ${DYNSEC}`, `plugin_opt_config_file ${config}`] });
  }
  silent = createServer((socket) => {
    held.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => held.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  // Answers with the request's payload and correlation data.
  await responder('req/echo', (payload, correlation) => [{ payload, correlation }]);
  // Answers twice, the second time later.
  await responder('req/twice', (_payload, correlation) => [
    { payload: 'first', correlation },
    { payload: 'second', correlation, delayMs: 300 },
  ]);
  // Answers without correlation data, as a responder that knows nothing of it.
  await responder('req/nocd', (payload) => [{ payload: Buffer.concat([Buffer.from('pong:'), payload]) }]);
  // Answers with the wrong correlation data, then none, then the right one.
  await responder('req/wrong', (_payload, correlation) => [
    { payload: 'wrong', correlation: Buffer.from('not-yours') },
    { payload: 'none' },
    { payload: 'right', correlation },
  ]);
  // MQTT v3 requests name no response topic: this one answers on resp/v3.
  await responder('req/v3', (payload) => [{ payload, topic: 'resp/v3' }]);
  // req/never: nobody answers.
});

after(async () => {
  if (skip) return;
  for (const timer of pending) clearTimeout(timer);
  await Promise.all(responders.map((c) => c.endAsync()));
  for (const socket of held) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
  await denying?.stop();
  await testBrokers.stop();
});

interface Case {
  /** A Buffer is an argument's bytes, UTF-8 or not (run through bash). */
  args: Array<string | Buffer> | (() => Array<string | Buffer>);
  input?: string | Buffer;
  /** Which broker -h/-p point at ('none': no connection arguments; 'refused': a closed port). */
  to?: 'main' | 'auth' | 'denying' | 'silent' | 'refused' | 'none' | 'shell';
  /**
   * The response is taken with -d: tsrr's trace goes on with the DISCONNECT that mosquitto_rr
   * 2.0.11 never sends (a documented difference); everything before it is the same.
   */
  disconnects?: boolean;
  /** Both print their (different) help text on stdout: compare that both did. */
  usage?: boolean;
  env?: () => NodeJS.ProcessEnv;
}

async function side(tool: string, c: Case): Promise<RunResult> {
  const ports = {
    refused: 0,
    auth: auth.port,
    denying: denying?.port ?? 0,
    silent: (silent.address() as { port: number }).port,
    main: broker.port,
    none: 0,
    shell: shell?.port ?? 0,
  };
  const port = c.to === 'refused' ? await freePort() : ports[c.to ?? 'main'];
  const conn = c.to === 'none' ? [] : ['-h', '127.0.0.1', '-p', String(port)];
  const args = [...conn, ...(typeof c.args === 'function' ? c.args() : c.args)];
  return run(tool, args, { env: c.env?.() ?? env, input: c.input, timeoutMs: 15000 });
}

/** Resolves once the responders have sent every answer due and the broker has acknowledged
 * each (mosquitto passes a QoS 1 message on to its subscribers before its PUBACK). */
function answered(): Promise<boolean> {
  return waitFor(() => pending.size === 0 && unacked === 0, "the responders' answers to be sent and acknowledged");
}

/** mosquitto_rr's trace, and the DISCONNECT line tsrr adds once it has its response. */
function withDisconnect(trace: string): string {
  const id = /^Client (\S+) /m.exec(
    trace
      .split('\n')
      .filter((l) => l.startsWith('Client '))
      .at(-1) ?? '',
  )?.[1];
  return `${trace}Client ${id} sending DISCONNECT\n`;
}

async function differential(c: Case): Promise<void> {
  await compare(
    async () => {
      const ref = await side(MOSQUITTO_RR!, c);
      // Answers still due to mosquitto_rr's request (the second one of req/twice) go first:
      // tsrr would see them arrive, and ignore them with a -d line.
      await answered();
      return ref;
    },
    () => side(bin('tsrr'), c),
    { usage: c.usage, ...(c.disconnects ? { expectStdout: withDisconnect } : {}) },
  );
}

const rr = (...rest: string[]) => ['-t', 'req/echo', '-e', 'resp/echo', ...rest];

const CASES: Record<string, Case> = {
  // Output formats.
  'payload only': { args: rr('-m', 'hello') },
  '-v': { args: rr('-m', 'hello', '-v') },
  '-N': { args: rr('-m', 'hello', '-N') },
  '-v -N with an empty response (-n)': { args: rr('-n', '-v', '-N') },
  '-n: an empty response prints nothing': { args: rr('-n') },
  '-v with an empty response: (null)': { args: rr('-n', '-v') },
  '-F with message parameters and v5 properties': {
    args: rr('-m', 'x y', '-q', '1', '-F', '%t|%p|%q|%r|%l|%x|%C|%P|%%|\\t'),
  },
  // %j and %J show the correlation data given with -D; the one tsrr makes up never.
  '-F %j without -D: no correlation-data': { args: rr('-m', 'x', '-F', '%j') },
  '-F %J --pretty without -D: no correlation-data': { args: rr('-m', '{"a":1}', '-F', '%J', '--pretty') },
  '-F %D without -D: empty': { args: rr('-m', 'x', '-F', '[%D] %p') },
  '-F %j': { args: rr('-m', 'not json', '-F', '%j', '-D', 'publish', 'correlation-data', 'cd') },
  '-F %J --pretty': {
    args: rr('-m', '{"a":[1,{"b":null}],"c":"d"}', '-F', '%J', '--pretty', '-D', 'publish', 'correlation-data', 'cd'),
  },
  '-F %J with a response that is not JSON': { args: rr('-m', 'plain', '-F', '%J') },
  '-F %D: the correlation data given with -D comes back': {
    args: rr('-m', 'x', '-D', 'publish', 'correlation-data', 'my-id', '-F', '%D %p'),
  },
  '-F with bytes that are not UTF-8': {
    args: ['-t', 'req/echo', '-e', 'resp/echo', '-m', 'x', '-F', X(0xfe, '%p', 0xff)],
  },
  // Each QoS, traced.
  '-q 0 -d': { args: rr('-m', 'hello', '-d'), disconnects: true },
  '-q 1 -d': { args: rr('-m', 'hello', '-q', '1', '-d'), disconnects: true },
  '-q 2 -d': { args: rr('-m', 'hello', '-q', '2', '-d'), disconnects: true },
  // A responder that sends no correlation data: its answer is the response.
  'no correlation data in the answer': { args: ['-t', 'req/nocd', '-e', 'resp/nocd', '-m', 'hi'] },
  'no correlation data in the answer, -q 1 -d -F %j': {
    args: ['-t', 'req/nocd', '-e', 'resp/nocd', '-m', 'hi', '-q', '1', '-d', '-F', '%j'],
    disconnects: true,
  },
  'no correlation data in the answer, -D publish correlation-data -F %J': {
    args: ['-t', 'req/nocd', '-e', 'resp/nocd', '-m', '[1]', '-F', '%J', '-D', 'publish', 'correlation-data', 'mine'],
  },
  '-q 2 -d -v, answered twice: the first answer only': {
    args: ['-t', 'req/twice', '-e', 'resp/twice', '-m', 'x', '-q', '2', '-d', '-v'],
    disconnects: true,
  },
  // MQTT v3: no response topic, no correlation data; the response topic is still awaited.
  '-V 311 -d': { args: ['-t', 'req/v3', '-e', 'resp/v3', '-m', 'v3', '-V', '311', '-d'], disconnects: true },
  '-V mqttv31 -q 1 -d (made-up id)': {
    args: ['-t', 'req/v3', '-e', 'resp/v3', '-m', 'v31', '-V', 'mqttv31', '-q', '1', '-d'],
    disconnects: true,
  },
  '-V 311: the request names no response topic, nobody answers': { args: rr('-m', 'x', '-V', '311', '-W', '1', '-d') },
  // -W.
  '-W 1, nobody answers: DISCONNECT 0x04, "Timed out", status 27': {
    args: ['-t', 'req/never', '-e', 'resp/never', '-m', 'x', '-W', '1', '-d'],
  },
  '-W 1 while CONNACK is awaited: DISCONNECT all the same, "Timed out"': {
    args: rr('-m', 'x', '-W', '1', '-d', '-V', '31', '-i', 'fixed'),
    to: 'silent',
  },
  '-W 1 --quiet': { args: ['-t', 'req/never', '-e', 'resp/never', '-m', 'x', '-W', '1', '--quiet'] },
  '-W 1 with a will, -I prefix': {
    args: [
      '-t',
      'req/never',
      '-e',
      'resp/never',
      '-m',
      'x',
      '-W',
      '1',
      '-d',
      '-I',
      'pfx',
      '--will-topic',
      'w/rr',
      '--will-payload',
      'gone',
      '--will-qos',
      '1',
    ],
  },
  // Properties.
  'v5 properties on CONNECT, SUBSCRIBE, PUBLISH, DISCONNECT': {
    args: rr(
      '-m',
      'p',
      '-d',
      '-F',
      '%P|%C',
      '-D',
      'connect',
      'user-property',
      'a',
      'b',
      '-D',
      'connect',
      'receive-maximum',
      '5',
      '-D',
      'subscribe',
      'user-property',
      'c',
      'd',
      '-D',
      'publish',
      'user-property',
      'e',
      'f',
      '-D',
      'publish',
      'content-type',
      'text/x',
      '-D',
      'publish',
      'message-expiry-interval',
      '60',
      '-D',
      'disconnect',
      'user-property',
      'g',
      'h',
    ),
    disconnects: true,
  },
  '-D publish response-topic: a duplicate': { args: rr('-m', 'x', '-D', 'publish', 'response-topic', 'other') },
  '-D publish response-topic --quiet': { args: rr('-m', 'x', '-D', 'publish', 'response-topic', 'other', '--quiet') },
  '-D connect receive-maximum 0': { args: rr('-m', 'x', '-D', 'connect', 'receive-maximum', '0') },
  // Session and connection flags.
  '-c -i ID -x 30 -k 10 --nodelay -A': {
    args: rr('-m', 'x', '-c', '-i', 'tsrr-fixed', '-x', '30', '-k', '10', '--nodelay', '-A', '127.0.0.1', '-d'),
    disconnects: true,
  },
  '-L URL': {
    args: () => ['-L', `mqtt://127.0.0.1:${broker.port}/req/echo`, '-e', 'resp/url', '-m', 'url', '-d'],
    to: 'none',
    disconnects: true,
  },
  '-R is accepted': { args: rr('-m', 'x', '-R') },
  '-M is accepted': { args: rr('-m', 'x', '-M', '3') },
  'long spellings': {
    args: ['--topic', 'req/echo', '-e', 'resp/long', '--message', 'x', '--qos', '1', '--verbose', '--id', 'long-id'],
  },
  // Authentication.
  'auth accepted': { args: rr('-m', 'x', '-u', 'bob', '-P', 'secret', '-W', '1', '-d'), to: 'auth' },
  'auth refused, v5: status 135': { args: rr('-m', 'x', '-u', 'bob', '-P', 'wrong', '-d'), to: 'auth' },
  'auth refused, v3.1.1: status 5': { args: rr('-m', 'x', '-u', 'bob', '-P', 'wrong', '-V', '311', '-d'), to: 'auth' },
  'auth refused, v3.1': { args: rr('-m', 'x', '-u', 'bob', '-P', 'wrong', '-V', '31'), to: 'auth' },
  'anonymous refused --quiet': { args: rr('-m', 'x', '--quiet'), to: 'auth' },
  'password without user name, v3.1.1': { args: rr('-m', 'x', '-P', 'secret', '-V', '311'), to: 'auth' },
  // Network failures.
  'refused port': { args: rr('-m', 'x', '-d'), to: 'refused' },
  'refused port --quiet': { args: rr('-m', 'x', '--quiet'), to: 'refused' },
  'unresolvable host': { args: ['-h', 'no-such-host.invalid', ...rr('-m', 'x')], to: 'none' },
  // Validation: mosquitto_rr's message, hint and status for each.
  'help': { args: ['--help'], usage: true, to: 'none' },
  'version': { args: ['--version'], usage: true, to: 'none' },
  'no topic': { args: ['-e', 'r', '-m', 'x'] },
  'no response topic': { args: ['-t', 'q', '-m', 'x'] },
  'no message': { args: ['-t', 'q', '-e', 'r'] },
  'no message, then a duplicate response topic': {
    args: ['-t', 'q', '-e', 'r', '-D', 'publish', 'response-topic', 'x'],
  },
  'wildcard topic': { args: ['-t', 'q/+', '-e', 'r', '-m', 'x'] },
  'wildcard response topic': { args: ['-t', 'q', '-e', 'r/#', '-m', 'x'] },
  'response topic not UTF-8': { args: ['-t', 'q', '-e', X('r', 0xff), '-m', 'x'] },
  '-L with a wildcard topic': { args: ['-L', 'mqtt://127.0.0.1:1/q/#', '-e', 'r', '-m', 'x'], to: 'none' },
  'two message modes': { args: ['-t', 'q', '-e', 'r', '-m', 'x', '-n'] },
  '-f then -s': { args: ['-t', 'q', '-e', 'r', '-f', 'file', '-s'] },
  '-q 3': { args: rr('-m', 'x', '-q', '3') },
  '-W 0': { args: rr('-m', 'x', '-W', '0') },
  '-k 4': { args: rr('-m', 'x', '-k', '4') },
  '-V 4': { args: rr('-m', 'x', '-V', '4') },
  '-F with a bad specifier': { args: rr('-m', 'x', '-F', '%z') },
  '-c without an id (MQTT v5 by default)': { args: rr('-m', 'x', '-c') },
  '-c without an id, -V 311': { args: rr('-m', 'x', '-c', '-V', '311') },
  '-c -x 100 without an id': { args: rr('-m', 'x', '-c', '-x', '100') },
  'empty client id': { args: rr('-m', 'x', '-i', '') },
  '-i and -I': { args: rr('-m', 'x', '-i', 'a', '-I', 'b') },
  'will payload without will topic': { args: rr('-m', 'x', '--will-payload', 'p') },
  'unknown option': { args: rr('-m', 'x', '--bogus') },
};

// mosquitto_pub's and mosquitto_sub's own options are unknown to mosquitto_rr.
for (const flag of [
  '-C',
  '-E',
  '-l',
  '-r',
  '-T',
  '-U',
  '--random-filter',
  '--remove-retained',
  '--repeat',
  '--repeat-delay',
  '--retained-only',
]) {
  CASES[`${flag} is not mosquitto_rr's`] = { args: rr('-m', 'x', flag, '1') };
}
// Missing arguments: every flag that takes one, last on the line.
for (const flag of [
  '-A',
  '-e',
  '-f',
  '-F',
  '-h',
  '-i',
  '-I',
  '-k',
  '-L',
  '-m',
  '-M',
  '-p',
  '-P',
  '-q',
  '-t',
  '-u',
  '-V',
  '-W',
  '-x',
  '-D',
  '--will-payload',
  '--will-qos',
  '--will-topic',
]) {
  CASES[`missing argument to ${flag}`] = { args: ['-t', 'q', '-e', 'r', flag] };
}
// The denied subscription needs mosquitto's dynamic security plugin.
Object.assign(CASES, {
  'denied subscription, v5: the reason, status 0, no request': {
    args: ['-t', 'req/echo', '-e', 'deny/x', '-m', 'x', '-d'],
    to: 'denying',
  },
  'denied subscription, v3.1.1': {
    args: ['-t', 'req/echo', '-e', 'deny/x', '-m', 'x', '-d', '-V', '311'],
    to: 'denying',
  },
  'denied subscription --quiet': { args: ['-t', 'req/echo', '-e', 'deny/x', '-m', 'x', '--quiet'], to: 'denying' },
} satisfies Record<string, Case>);

for (const [name, c] of Object.entries(CASES)) {
  const why = c.to === 'denying' && !DYNSEC ? 'mosquitto_dynamic_security.so is not installed' : skip;
  test(`tsrr = mosquitto_rr: ${name}`, { skip: why }, () => differential(c));
}

test('tsrr = mosquitto_rr: the shell-loop responder (mosquitto_sub | while read; mosquitto_pub), which sends no correlation data', {
  skip,
}, async () => {
  shell = await startBroker({ extra: ['log_dest stderr', 'log_type subscribe'] });
  const loop = spawn(
    'bash',
    [
      '-c',
      'mosquitto_sub -h 127.0.0.1 -p "$0" -t svc/ping | while read -r m; do mosquitto_pub -h 127.0.0.1 -p "$0" -t svc/pong -m "pong:$m"; done',
      String(shell.port),
    ],
    { env, stdio: 'ignore', detached: true },
  );
  try {
    // The broker logs mosquitto_sub's subscription: the loop answers from then on.
    await waitFor(() => shell!.log().includes('svc/ping'), 'the responder to subscribe');
    const ping = ['-t', 'svc/ping', '-e', 'svc/pong', '-m', 'hi', '-W', '5'];
    await differential({ args: ping, to: 'shell' });
    await differential({ args: [...ping, '-F', '%j'], to: 'shell' });
    await differential({ args: [...ping, '-F', '%J'], to: 'shell' });
    await differential({ args: [...ping, '-v', '-q', '1', '-d'], to: 'shell', disconnects: true });
  } finally {
    // The loop's process group (bash, mosquitto_sub, a mosquitto_pub in flight), by its id.
    if (loop.pid !== undefined) process.kill(-loop.pid, 'SIGTERM');
    await shell.stop();
  }
});

test('defaults file: options from $XDG_CONFIG_HOME/mosquitto_rr, the command line adds to them', { skip }, async () => {
  const xdg = join(dir, 'xdg-defaults');
  mkdirSync(xdg, { recursive: true });
  writeFileSync(join(xdg, 'mosquitto_rr'), `# defaults\n-h 127.0.0.1\n-p ${broker.port}\n-e resp/defaults\n-v\n`);
  await differential({
    args: ['-t', 'req/echo', '-m', 'from defaults', '-d'],
    to: 'none',
    env: () => ({ ...env, XDG_CONFIG_HOME: xdg }),
    disconnects: true,
  });
});

// ---------------------------------------------------------------------------------------------
// Where mosquitto_rr 2.0.11 is broken: tsrr's documented behaviour, and what mosquitto_rr does.

const at = () => ['-h', '127.0.0.1', '-p', String(broker.port)];

test("a message with correlation data other than the request's is ignored, and -d says so; one without any is the response", {
  skip,
}, async () => {
  const args = [...at(), '-t', 'req/wrong', '-e', 'resp/wrong', '-m', 'x', '-W', '5'];
  const ours = await run(bin('tsrr'), args, { env });
  assert.equal(ours.code, 0);
  assert.equal(ours.stdout.toString(), 'none\n');
  assert.equal(ours.stderr.toString(), '');
  await answered();
  const traced = await run(bin('tsrr'), [...args, '-d'], { env });
  const ignored = traced.stdout
    .toString()
    .split('\n')
    .filter((l) => l.startsWith('Ignored'));
  assert.deepEqual(ignored, ["Ignored PUBLISH (m0, 'resp/wrong'): correlation data other than the request's"]);
  assert.match(traced.stdout.toString(), /\nnone\nClient \S+ sending DISCONNECT\n$/);
  await answered();
  const ref = await run(MOSQUITTO_RR!, args, { env });
  assert.equal(ref.stdout.toString(), 'wrong\n', 'mosquitto_rr 2.0.11 takes the first message, whoever sent it');
});

test('a stale retained message on the response topic is not the response (also with -D publish correlation-data)', {
  skip,
}, async () => {
  const retain = (args: string[]) => run(MOSQUITTO_PUB!, [...at(), '-t', 'resp/stale', '-r', ...args], { env });
  await retain(['-m', 'stale', '-V', '5', '-D', 'publish', 'correlation-data', 'fixed']);
  try {
    for (const extra of [[], ['-D', 'publish', 'correlation-data', 'fixed'], ['-V', '311', '-t', 'req/v3']]) {
      const args = [
        ...at(),
        '-t',
        'req/echo',
        '-e',
        extra.includes('311') ? 'resp/v3' : 'resp/stale',
        '-m',
        'fresh',
        '-W',
        '5',
        ...extra,
      ];
      if (extra.includes('311')) await run(MOSQUITTO_PUB!, [...at(), '-t', 'resp/v3', '-r', '-m', 'stale'], { env });
      const ours = await run(bin('tsrr'), args, { env });
      assert.equal(ours.stdout.toString(), 'fresh\n', `with ${extra.join(' ')}`);
      assert.equal(ours.code, 0);
    }
    const ref = await run(MOSQUITTO_RR!, [...at(), '-t', 'req/echo', '-e', 'resp/stale', '-m', 'fresh', '-W', '5'], {
      env,
    });
    assert.equal(ref.stdout.toString(), 'stale\n', 'mosquitto_rr 2.0.11 prints the stale message');
  } finally {
    await retain(['-n']);
    await run(MOSQUITTO_PUB!, [...at(), '-t', 'resp/v3', '-r', '-n'], { env });
  }
});

test('-f and -s send the file or standard input (mosquitto_rr 2.0.11 sends an empty request)', { skip }, async () => {
  const file = join(dir, 'binary');
  const fromFile = await run(bin('tsrr'), [...at(), '-t', 'req/echo', '-e', 'resp/f', '-f', file, '-F', '%x'], { env });
  assert.equal(fromFile.stdout.toString(), '000102fffe0a0d0080250a\n');
  const fromStdin = await run(bin('tsrr'), [...at(), '-t', 'req/echo', '-e', 'resp/s', '-s', '-F', '%x'], {
    env,
    input: Buffer.from([0, 0xff, 10]),
  });
  assert.equal(fromStdin.stdout.toString(), '00ff0a\n');
  const ref = await run(MOSQUITTO_RR!, [...at(), '-t', 'req/echo', '-e', 'resp/f', '-f', file, '-F', '%l'], { env });
  assert.equal(ref.stdout.toString(), '0\n', 'mosquitto_rr 2.0.11 sends nothing of the file');
  // A file that cannot be read: mosquitto_pub's messages (and mosquitto 2.1's), before connecting.
  const missing = await run(bin('tsrr'), ['-t', 'q', '-e', 'r', '-f', '/nonexistent/file'], { env });
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr.toString(),
    'Error: Unable to open file "/nonexistent/file".\nError loading input file "/nonexistent/file".\n',
  );
});

test('a clean DISCONNECT after the response: the broker does not publish the will (mosquitto_rr 2.0.11 leaves without one)', {
  skip,
}, async () => {
  const wills = await collect(broker.port, 'will/rr');
  try {
    const args = [
      ...at(),
      '-t',
      'req/echo',
      '-e',
      'resp/will',
      '-m',
      'x',
      '--will-topic',
      'will/rr',
      '--will-payload',
      'gone',
    ];
    assert.equal((await run(bin('tsrr'), args, { env })).code, 0);
    assert.deepEqual(await wills.settle(), [], 'no will after tsrr');
    assert.equal((await run(MOSQUITTO_RR!, args, { env })).code, 0);
    assert.equal((await wills.settle(1)).length, 1, 'the will of a successful mosquitto_rr run');
  } finally {
    await wills.close();
  }
});

test('-R: a retained message is never printed (mosquitto_rr 2.0.11 ignores -R); --retain-as-published asks for the flag', {
  skip,
}, async () => {
  const ours = await run(
    bin('tsrr'),
    [...at(), '-t', 'req/echo', '-e', 'resp/r', '-m', 'x', '-R', '--retain-as-published', '-d'],
    { env },
  );
  assert.equal(ours.code, 0);
  assert.match(ours.stdout.toString(), /sending SUBSCRIBE \(Mid: 1, Topic: resp\/r, QoS: 0, Options: 0x08\)\n/);
  assert.match(ours.stdout.toString(), /\nx\nClient \S+ sending DISCONNECT\n$/);
});

test('--latency (mosquitto 2.1): the round trip after the response', { skip }, async () => {
  const ours = await run(bin('tsrr'), [...at(), '-t', 'req/echo', '-e', 'resp/lat', '-m', 'x', '--latency'], { env });
  assert.equal(ours.code, 0);
  assert.match(ours.stdout.toString(), /^x\nLatency: \d+\.\d{6}ms\n$/);
  // Nothing to measure when nobody answers.
  const none = await run(
    bin('tsrr'),
    [...at(), '-t', 'req/never', '-e', 'resp/lat', '-m', 'x', '--latency', '-W', '1'],
    { env },
  );
  assert.equal(none.code, 27);
  assert.equal(none.stdout.toString(), '');
});

test('-D publish ... -V 311: refused once connected, before anything is sent (mosquitto_rr 2.0.11 drops the properties)', {
  skip,
}, async () => {
  const ours = await run(
    bin('tsrr'),
    [
      ...at(),
      '-t',
      'req/v3',
      '-e',
      'resp/v3',
      '-m',
      'x',
      '-D',
      'publish',
      'user-property',
      'a',
      'b',
      '-V',
      '311',
      '-d',
    ],
    { env },
  );
  assert.equal(ours.code, 1);
  assert.equal(
    ours.stderr.toString(),
    'Error: publish properties (-D publish) need MQTT v5, but -V chose MQTT v3.1.1; nothing was sent.\n',
  );
  assert.doesNotMatch(ours.stdout.toString(), /PUBLISH/);
});

// ---------------------------------------------------------------------------------------------
// Safe as the others: signals, a reader that goes away, a broker that goes away.

for (const [signal, status] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test(`${signal} while waiting: DISCONNECT, then status ${status}`, { skip }, async () => {
    const child = spawn(bin('tsrr'), [...at(), '-t', 'req/never', '-e', 'resp/sig', '-m', 'x', '-d'], { env });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const code = new Promise<number | null>((resolve) => child.once('close', resolve));
    await waitFor(() => out.includes('sending PUBLISH'), 'tsrr to send its request');
    child.kill(signal);
    assert.equal(await code, status);
    assert.match(out, /sending PUBLISH .*\nClient \S+ sending DISCONNECT\n$/);
  });
}

test('| head: stdout gone, tsrr leaves quietly', { skip }, async () => {
  const big = join(dir, 'big');
  writeFileSync(big, Buffer.alloc(4 << 20, 'x'));
  // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${PIPESTATUS[0]}
  const script = '"$0" "$@" | head -c 1 >/dev/null; echo "status ${PIPESTATUS[0]}"';
  const r = await run(
    'bash',
    ['-c', script, bin('tsrr'), ...at(), '-t', 'req/echo', '-e', 'resp/head', '-f', big, '-d'],
    { env, timeoutMs: 10000 },
  );
  assert.equal(r.stderr.toString(), '');
  assert.equal(r.stdout.toString(), 'status 141\n', 'ended as by SIGPIPE, without a word');
});

test('the broker going away while tsrr waits: a message and status 7, as mosquitto_rr', { skip }, async () => {
  for (const tool of [MOSQUITTO_RR!, bin('tsrr')]) {
    // The broker logs the request (log_type debug): the tool is waiting from then on.
    const own = await startBroker({ extra: ['log_dest stderr', 'log_type debug'] });
    const child = spawn(
      tool,
      ['-h', '127.0.0.1', '-p', String(own.port), '-t', 'req/never', '-e', 'resp/gone', '-m', 'x', '-W', '10'],
      { env },
    );
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    const code = new Promise<number | null>((resolve) => child.once('close', resolve));
    await waitFor(
      () => /Received PUBLISH from .*'req\/never'/.test(own.log()),
      `${tool}'s request to reach the broker`,
    );
    const started = Date.now();
    own.proc.kill('SIGKILL');
    await own.stop();
    assert.equal(await code, 7, tool);
    assert.ok(Date.now() - started < 3000, 'at once, not at -W');
    assert.equal(err, 'Error: The connection was lost.\n');
  }
});
