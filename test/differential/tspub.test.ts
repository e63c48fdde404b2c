// Differential tests: mosquitto_pub and tspub run with the same arguments against the same
// private broker; stdout, stderr (tool names and broker-made ids normalised), exit status
// and what a subscriber received must be identical.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, truncateSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  startBroker,
  freePort,
  needMosquitto,
  MOSQUITTO_PUB,
  type Broker,
  startTestBrokers,
  type TestBrokers,
} from '../helpers/broker.ts';
import { argBytes as X, run, bin, tidy } from '../helpers/run.ts';
import { differential as compare, runCollecting, type Outcome } from '../helpers/differential.ts';
import { waitFor } from '../helpers/wait.ts';
import { socketsDrained } from '../helpers/proc.ts';
import { collect, retainedOn, type Collector } from '../helpers/collector.ts';

const skip = needMosquitto;
let broker: Broker;
let auth: Broker;
let coll: Collector;
let dir: string;
let testBrokers: TestBrokers;
let env: NodeJS.ProcessEnv;

before(async () => {
  if (skip) return;
  ({ dir, env, broker, auth } = testBrokers = await startTestBrokers('tspub-test-'));
  coll = await collect(broker.port);
  writeFileSync(join(dir, 'binary'), Buffer.from([0, 1, 2, 255, 254, 10, 13, 0, 0x80]));
  writeFileSync(join(dir, 'empty'), '');
  writeFileSync(Buffer.concat([Buffer.from(join(dir, 'name-')), Buffer.of(0xff)]), 'named in bytes');
  mkdirSync(join(dir, 'xdg-bytes'));
  writeFileSync(join(dir, 'xdg-bytes', 'mosquitto_pub'), Buffer.from('-m a\xffb\n-t w/bytes\n', 'latin1'));
});

after(async () => {
  if (skip) return;
  await coll.close();
  await testBrokers.stop();
});

interface Case {
  /** A Buffer is an argument's bytes, UTF-8 or not (run through bash). */
  args: Array<string | Buffer> | ((dir: string) => Array<string | Buffer>);
  input?: string | Buffer;
  /** Which broker to point -h/-p at ('none' adds no connection arguments). */
  to?: 'main' | 'auth' | 'refused' | 'none';
  /** Compare stdout as a sorted list of lines (pipelined traces may interleave differently). */
  sortLines?: boolean;
  /** Both print their (different) help text on stdout: compare that both did. */
  usage?: boolean;
  /** Compare the retained message left on this topic (and clear it after each run). */
  retained?: string;
  env?: (dir: string) => NodeJS.ProcessEnv;
}

async function side(cmd: string, c: Case, port: number): Promise<Outcome> {
  const conn = c.to === 'none' ? [] : ['-h', '127.0.0.1', '-p', String(port)];
  const args = [...conn, ...(typeof c.args === 'function' ? c.args(dir) : c.args)];
  const outcome = await runCollecting(
    cmd,
    args,
    { input: c.input, env: c.env ? c.env(dir) : env, timeoutMs: 15000 },
    coll,
  );
  if (c.retained) {
    outcome.retained = await retainedOn(broker.port, c.retained);
    await run(MOSQUITTO_PUB!, ['-h', '127.0.0.1', '-p', String(broker.port), '-t', c.retained, '-r', '-n'], { env });
    await coll.settle();
  }
  return outcome;
}

async function differential(c: Case) {
  const port = c.to === 'auth' ? auth.port : c.to === 'refused' ? await freePort() : broker.port;
  await compare(
    () => side(MOSQUITTO_PUB!, c, port),
    () => side(bin('tspub'), c, port),
    c,
  );
}

const CASES: Record<string, Case> = {
  // Each QoS, traced.
  'QoS 0 with -d': { args: ['-t', 'w/q0', '-m', 'hello', '-d'] },
  'QoS 1 with -d': { args: ['-t', 'w/q1', '-m', 'hello', '-q', '1', '-d'] },
  'QoS 2 with -d': { args: ['-t', 'w/q2', '-m', 'hello', '-q', '2', '-d'] },
  'MQTT v5 QoS 2 with -d (broker-assigned id)': {
    args: ['-t', 'w/v5', '-m', 'hello', '-q', '2', '-d', '-V', 'mqttv5'],
  },
  'MQTT v5 QoS 1 with -d': { args: ['-t', 'w/v5', '-m', 'hi', '-q', '1', '-d', '-V', '5'] },
  'MQTT v3.1 with -d (made-up id)': { args: ['-t', 'w/v31', '-m', 'hello', '-q', '1', '-d', '-V', 'mqttv31'] },
  'MQTT v3.1 with a 24-character id': {
    args: ['-t', 'w/v31', '-m', 'x', '-V', '31', '-i', '123456789012345678901234', '-d'],
  },
  'MQTT v3.1.1 spelled 311': { args: ['-t', 'w/v311', '-m', 'x', '-V', '311', '-d'] },
  // Input modes.
  'null message -n': { args: ['-t', 'w/null', '-n', '-d'] },
  'file -f, binary': { args: (d) => ['-t', 'w/file', '-f', join(d, 'binary'), '-q', '1', '-d'] },
  'empty file -f': { args: (d) => ['-t', 'w/file', '-f', join(d, 'empty'), '-d'] },
  'stdin -s, binary': { args: ['-t', 'w/s', '-s', '-q', '2', '-d'], input: Buffer.from([0, 255, 10, 10, 13, 65]) },
  'stdin -s, empty': { args: ['-t', 'w/s', '-s'], input: '' },
  'lines -l, QoS 0: empty lines, CRLF, last line without newline': {
    args: ['-t', 'w/l', '-l', '-d'],
    input: 'a\n\nb\r\nc',
    sortLines: true,
  },
  'lines -l, QoS 1': { args: ['-t', 'w/l', '-l', '-q', '1'], input: 'one\ntwo\nthree\n' },
  'lines -l, QoS 2, traced': { args: ['-t', 'w/l', '-l', '-q', '2', '-d'], input: 'one\ntwo\n', sortLines: true },
  'lines -l with -M 1, 300 lines in order': {
    args: ['-t', 'w/l', '-l', '-q', '1', '-M', '1'],
    input: Array.from({ length: 300 }, (_, i) => `line ${i}`).join('\n') + '\n',
  },
  'lines -l ignores --repeat': { args: ['-t', 'w/l', '-l', '--repeat', '3'], input: 'x\ny\n' },
  // Retained messages.
  'retained -r, QoS 1': { args: ['-t', 'w/ret', '-m', 'kept', '-r', '-q', '1', '-d'], retained: 'w/ret' },
  'retained null message clears': { args: ['-t', 'w/ret', '-r', '-n'], retained: 'w/ret' },
  // --repeat.
  '--repeat 3 QoS 0': { args: ['-t', 'w/rep', '-m', 'again', '--repeat', '3', '-d'] },
  '--repeat 2 --repeat-delay 0.2 QoS 1': {
    args: ['-t', 'w/rep', '-m', 'again', '--repeat', '2', '--repeat-delay', '0.2', '-q', '1', '-d'],
  },
  '--repeat 2 QoS 2 v5': { args: ['-t', 'w/rep', '-m', 'again', '--repeat', '2', '-q', '2', '-V', '5', '-d'] },
  // MQTT v5 properties.
  'v5 publish properties': {
    args: [
      '-t',
      'w/props',
      '-m',
      'p',
      '-q',
      '1',
      '-V',
      '5',
      '-d',
      '-D',
      'publish',
      'user-property',
      'k',
      'v',
      '-D',
      'publish',
      'content-type',
      'text/plain',
      '-D',
      'publish',
      'response-topic',
      'w/reply',
      '-D',
      'publish',
      'correlation-data',
      'abc',
      '-D',
      'publish',
      'message-expiry-interval',
      '60',
      '-D',
      'publish',
      'payload-format-indicator',
      '1',
    ],
  },
  'v5 connect and disconnect properties, -x': {
    args: [
      '-t',
      'w/props',
      '-m',
      'p',
      '-V',
      '5',
      '-d',
      '-i',
      'fixed-id',
      '-x',
      '30',
      '-D',
      'connect',
      'user-property',
      'a',
      'b',
      '-D',
      'connect',
      'receive-maximum',
      '10',
      '-D',
      'disconnect',
      'reason-string',
      'bye',
      '-D',
      'will',
      'content-type',
      'x',
    ],
  },
  'v5 --property spelling': {
    args: ['-t', 'w/props', '-m', 'p', '-V', '5', '--property', 'publish', 'user-property', 'k', 'v'],
  },
  // Session and connection flags.
  'persistent session -c -i': { args: ['-t', 'w/c', '-m', 'x', '-c', '-i', 'persist-me', '-q', '1', '-d'] },
  'keepalive -k 5, client id -i': { args: ['-t', 'w/k', '-m', 'x', '-k', '5', '-i', 'myid', '-d'] },
  'id prefix -I': { args: ['-t', 'w/I', '-m', 'x', '-I', 'pfx', '-d'] },
  'will': {
    args: [
      '-t',
      'w/will',
      '-m',
      'x',
      '--will-topic',
      'w/gone',
      '--will-payload',
      'bye',
      '--will-qos',
      '1',
      '--will-retain',
      '-d',
    ],
  },
  '--nodelay, -A': { args: ['-t', 'w/nd', '-m', 'x', '--nodelay', '-A', '127.0.0.1', '-d'] },
  'long spellings': {
    args: ['--topic', 'w/long', '--message', 'x', '--qos', '1', '--debug', '--retain', '--id', 'long-id'],
    retained: 'w/long',
  },
  'last -t wins': { args: ['-t', 'w/first', '-t', 'w/second', '-m', 'x'] },
  '-L URL': { args: () => ['-L', `mqtt://127.0.0.1:${broker.port}/w/url`, '-m', 'x', '-d'], to: 'none' },
  '--quiet hides a refusal': { args: ['-t', 'a', '-m', 'x', '--quiet'], to: 'refused' },
  // Authentication.
  'auth accepted': { args: ['-t', 'w/auth', '-m', 'x', '-u', 'bob', '-P', 'secret', '-q', '1', '-d'], to: 'auth' },
  'auth accepted via -L user:pass': {
    args: () => ['-L', `mqtt://bob:secret@127.0.0.1:${auth.port}/w/auth`, '-m', 'x'],
    to: 'none',
  },
  'auth refused, v3.1.1': { args: ['-t', 'w/auth', '-m', 'x', '-u', 'bob', '-P', 'wrong', '-d'], to: 'auth' },
  'auth refused, v3.1': { args: ['-t', 'w/auth', '-m', 'x', '-u', 'bob', '-P', 'wrong', '-V', '31'], to: 'auth' },
  'auth refused, v5': { args: ['-t', 'w/auth', '-m', 'x', '-u', 'bob', '-P', 'wrong', '-V', '5', '-d'], to: 'auth' },
  'anonymous refused': { args: ['-t', 'w/auth', '-m', 'x'], to: 'auth' },
  'password without username': { args: ['-t', 'w/auth', '-m', 'x', '-P', 'secret'], to: 'auth' },
  // Network failures.
  'refused port': { args: ['-t', 'a', '-m', 'x'], to: 'refused' },
  'unresolvable host': { args: ['-h', 'no-such-host.invalid', '-t', 'a', '-m', 'x'], to: 'none' },
  'port 0': { args: ['-t', 'a', '-m', 'x', '-p', '0'] },
  'missing file': { args: ['-t', 'a', '-f', '/nonexistent/file'] },
  'directory as file': { args: ['-t', 'a', '-f', '/etc'] },
  'empty client id': { args: ['-t', 'a', '-m', 'x', '-i', ''] },
  // Read one word at a time, as mosquitto_pub does.
  '-D takes the next words whatever they look like': {
    args: ['-t', 'w/dwords', '-m', 'x', '-d', '-D', 'connect', 'user-property', '-k', 'v'],
  },
  '-D with a bad command before a missing fourth word': {
    args: ['-t', 'a', '-m', 'x', '-D', 'bogus', 'user-property', 'k'],
  },
  '-- is an unknown option': { args: ['-t', 'a', '-m', 'x', '--', '-q', '1'] },
  '--help before a bad option': { args: ['--help', '-p', '99999'], usage: true, to: 'none' },
  '-i then -I, before a bad QoS': { args: ['-i', 'x', '-I', 'y', '-q', '3'] },
  'the same message mode twice': { args: ['-t', 'a', '-n', '-n'] },
  'a message mode before a missing -m argument': { args: ['-t', 'a', '-n', '-m'] },
  'missing file before missing topic': { args: ['-f', '/nonexistent'] },
  '-A with a host name': { args: ['-t', 'w/bind', '-m', 'x', '-A', 'localhost', '-d'] },
  '-A that does not resolve': { args: ['-t', 'a', '-m', 'x', '-A', '%t %p'] },
  // Validation: mosquitto's message, hint and status for each.
  'help': { args: ['--help'], usage: true, to: 'none' },
  // --version wins over what follows it, not over an error before it.
  'version': { args: ['--version', '--bogus', '-q', '3'], usage: true, to: 'none' },
  'error before --version': { args: ['-q', '3', '--version'], to: 'none' },
  'no message': { args: ['-t', 'a'], usage: true },
  'no topic': { args: ['-m', 'x'], usage: true },
  'wildcard topic': { args: ['-t', 'a/#', '-m', 'x'] },
  'wildcard + topic': { args: ['-t', 'a/+/b', '-m', 'x'] },
  'QoS 3': { args: ['-t', 'a', '-m', 'x', '-q', '3'] },
  'QoS not a number is 0': { args: ['-t', 'w/qa', '-m', 'x', '-q', 'abc', '-d'] },
  'keepalive 3': { args: ['-t', 'a', '-m', 'x', '-k', '3'] },
  'keepalive 70000': { args: ['-t', 'a', '-m', 'x', '-k', '70000'] },
  'unknown option': { args: ['--bogus'] },
  'stray word': { args: ['-t', 'a', '-m', 'x', 'extra'] },
  'grouped short options': { args: ['-t', 'a', '-m', 'x', '-rq', '1'] },
  'two input modes -m -n': { args: ['-t', 'a', '-m', 'x', '-n'] },
  'two input modes -l -s': { args: ['-t', 'a', '-l', '-s'] },
  'two -m': { args: ['-t', 'a', '-m', 'x', '-m', 'y'] },
  'port 65536': { args: ['-t', 'a', '-m', 'x', '-p', '65536'] },
  'port -1': { args: ['-t', 'a', '-m', 'x', '-p', '-1'] },
  'bad -V': { args: ['-t', 'a', '-m', 'x', '-V', '4'] },
  '-M 0': { args: ['-t', 'a', '-m', 'x', '-M', '0'] },
  '-x out of range': { args: ['-t', 'a', '-m', 'x', '-x', '-2'] },
  '-x not a number': { args: ['-t', 'a', '-m', 'x', '-x', 'abc'] },
  '--repeat 0': { args: ['-t', 'a', '-m', 'x', '--repeat', '0'] },
  '--repeat-delay negative': { args: ['-t', 'a', '-m', 'x', '--repeat-delay', '-1'] },
  'will payload without topic': { args: ['-t', 'a', '-m', 'x', '--will-payload', 'p'] },
  'will retain without topic': { args: ['-t', 'a', '-m', 'x', '--will-retain'] },
  'will QoS 3': { args: ['-t', 'a', '-m', 'x', '--will-topic', 'w', '--will-qos', '3'] },
  'will topic with wildcard': { args: ['-t', 'a', '-m', 'x', '--will-topic', 'a/+'] },
  '-i with -I': { args: ['-t', 'a', '-m', 'x', '-i', 'x', '-I', 'y'] },
  '-c without id': { args: ['-t', 'a', '-m', 'x', '-c'] },
  '-c without id, v5': { args: ['-t', 'a', '-m', 'x', '-c', '-V', '5'] },
  '-L unsupported scheme': { args: ['-L', 'ftp://x/a', '-m', 'x'] },
  '-L without topic': { args: ['-L', 'mqtt://127.0.0.1:1', '-m', 'x'] },
  'first of two errors wins': { args: ['-t', 'a', '-m', 'x', '-q', '5', '-k', '1'] },
  '-D bad property name': { args: ['-t', 'a', '-m', 'x', '-D', 'connect', 'bogus', '1'] },
  '-D bad command': { args: ['-t', 'a', '-m', 'x', '-D', 'bogus', 'content-type', 'x'] },
  '-D not allowed': { args: ['-t', 'a', '-m', 'x', '-D', 'publish', 'session-expiry-interval', '5'] },
  '-D not supported': { args: ['-t', 'a', '-m', 'x', '-D', 'publish', 'subscription-identifier', '1'] },
  '-D user-property short': { args: ['-t', 'a', '-m', 'x', '-D', 'publish', 'user-property', 'a'] },
  '-D out of range': { args: ['-t', 'a', '-m', 'x', '-D', 'publish', 'payload-format-indicator', '300'] },
  '-D topic-alias 0': { args: ['-t', 'a', '-m', 'x', '-D', 'publish', 'topic-alias', '0'] },
  '-D receive-maximum 0': { args: ['-t', 'a', '-m', 'x', '-D', 'connect', 'receive-maximum', '0'] },
  // Properties against the protocol version: -D switches to v5, a later -V switches back.
  '-V 311 then -D publish: v5 after all': {
    args: ['-V', '311', '-D', 'publish', 'user-property', 'k', 'v', '-t', 'w/v5', '-m', 'x', '-d'],
  },
  '-D will then -V 311: will refused': {
    args: ['-t', 'a', '-m', 'x', '--will-topic', 'w', '-D', 'will', 'user-property', 'a', 'b', '-V', '311', '-d'],
  },
  '-D will then -V 31 without --will-topic: unused': {
    args: ['-t', 'w/v31', '-m', 'x', '-D', 'will', 'content-type', 'c', '-V', '31'],
  },
  'will refused before -P without -u': {
    args: ['-t', 'a', '-m', 'x', '-P', 'pw', '--will-topic', 'w', '-D', 'will', 'content-type', 'c', '-V', '31'],
  },
  'id refused before -P without -u': { args: ['-t', 'a', '-m', 'x', '-P', 'pw', '-c', '-V', '5', '-x', '10'] },
  'v5 DISCONNECT refused by the broker, after ours': {
    args: ['-V', '31', '-D', 'disconnect', 'session-expiry-interval', '5', '-t', 'w/dis', '-m', 'x', '-d'],
  },
  'topic alias: named in the first message only, --repeat 3': {
    args: [
      '-t',
      'w/alias',
      '-m',
      'x',
      '-V',
      '5',
      '-D',
      'publish',
      'topic-alias',
      '1',
      '--repeat',
      '3',
      '-q',
      '1',
      '-d',
    ],
  },
  'topic alias with -l': {
    args: ['-t', 'w/alias', '-l', '-V', '5', '-D', 'publish', 'topic-alias', '2', '-q', '2', '-d'],
    input: 'a\nb\nc\n',
    sortLines: true,
  },
  'password without user name, v5': { args: ['-t', 'w/pw5', '-m', 'x', '-P', 'secret', '-V', '5', '-d'] },
  'password without user name, v5, password-protected broker': {
    args: ['-t', 'w/pw5', '-m', 'x', '-P', 'secret', '-V', '5', '-d'],
    to: 'auth',
  },
  // Arguments that are not UTF-8, or not UTF-8 as MQTT has it: bytes kept, or refused as mosquitto does.
  'message bytes that are not UTF-8 go out as they are': {
    args: ['-t', 'w/bytes', '-m', X('a', 0xff, 'b', 0xc0, 0x80), '-q', '1', '-d'],
  },
  'will payload bytes that are not UTF-8': {
    args: ['-t', 'w/bytes', '-m', 'x', '--will-topic', 'w/will', '--will-payload', X(0xfe, 'z'), '-d'],
  },
  '-t not UTF-8': { args: ['-t', X('a', 0xff), '-m', 'x'] },
  '-t not UTF-8 comes before the wildcard check': { args: ['-t', X('a/#', 0xff), '-m', 'x'] },
  '--topic with a control character': { args: ['--topic', 'a\u0001', '-m', 'x'] },
  '-t with U+009F': { args: ['-t', 'a\u009f', '-m', 'x'] },
  '-t with U+FDD0': { args: ['-t', 'a\ufdd0', '-m', 'x'] },
  '-t with U+1FFFF': { args: ['-t', 'a\u{1ffff}', '-m', 'x'] },
  '-t with an encoded surrogate': { args: ['-t', X('a', 0xed, 0xa0, 0x80), '-m', 'x'] },
  '-t with U+FFFD and U+00A0 is fine': { args: ['-t', 'w/\ufffd\u00a0', '-m', 'x', '-d'] },
  '--will-topic not UTF-8': { args: ['-t', 'a', '-m', 'x', '--will-topic', X(0xff)] },
  '-u not UTF-8': { args: ['-t', 'w/bytes', '-m', 'x', '-u', X('u', 0xff), '-d'] },
  '-u with a control character, after the client id': {
    args: ['-t', 'w/bytes', '-m', 'x', '-u', 'u\u007f', '-i', 'ok', '-d'],
  },
  '-i not UTF-8: refused without a word': { args: ['-t', 'w/bytes', '-m', 'x', '-i', X(0xff), '-d'] },
  '-I with a control character: refused without a word': { args: ['-t', 'w/bytes', '-m', 'x', '-I', '\u0085', '-d'] },
  '-P not UTF-8, accepted by the broker': {
    args: ['-t', 'w/bytes', '-m', 'x', '-u', 'raw', '-P', X('p', 0xff, 'q'), '-q', '1', '-d'],
    to: 'auth',
  },
  '-P not UTF-8, refused by the broker': {
    args: ['-t', 'w/bytes', '-m', 'x', '-u', 'raw', '-P', X('p', 0xfe, 'q'), '-d'],
    to: 'auth',
  },
  '-D string property not UTF-8': { args: ['-t', 'w/bytes', '-m', 'x', '-D', 'publish', 'content-type', X(0xff)] },
  '-D string property with a control character': {
    args: ['-t', 'w/bytes', '-m', 'x', '-D', 'disconnect', 'reason-string', '\u0001'],
  },
  '-D will string property not UTF-8': {
    args: ['-t', 'w/bytes', '-m', 'x', '--will-topic', 'w', '-D', 'will', 'response-topic', X(0xff)],
  },
  '-D user-property name with a control character': {
    args: ['-t', 'w/bytes', '-m', 'x', '-D', 'connect', 'user-property', '\u001f', 'v'],
  },
  '-D user-property value with a control character is sent (and the broker hangs up)': {
    args: ['-t', 'w/bytes', '-m', 'x', '-D', 'publish', 'user-property', 'k', '\u0001', '-d'],
  },
  '-D correlation-data bytes go out as they are': {
    args: ['-t', 'w/bytes', '-m', 'x', '-D', 'publish', 'correlation-data', X(0xff, 'c', 0x80), '-q', '1'],
  },
  '-f with a file name that is not UTF-8': {
    args: (d) => ['-t', 'w/bytes', '-f', Buffer.concat([Buffer.from(join(d, 'name-')), Buffer.of(0xff)]), '-d'],
  },
  '-f missing, its name echoed as bytes': {
    args: (d) => ['-t', 'w/bytes', '-f', Buffer.concat([Buffer.from(join(d, 'none-')), Buffer.of(0xfe)])],
  },
  'unknown option echoed as bytes': { args: ['-t', 'a', '-m', 'x', X('--bogus', 0xff)] },
  '-h not UTF-8': { args: ['-t', 'a', '-m', 'x', '-h', X('h', 0xff)], to: 'none' },
  '-A with a control character': { args: ['-t', 'a', '-m', 'x', '-A', 'a\u0001'] },
  'defaults file with bytes that are not UTF-8': {
    args: ['-q', '1'],
    env: (d) => ({ ...env, XDG_CONFIG_HOME: join(d, 'xdg-bytes') }),
  },
  '-L topic not UTF-8': { args: ['-m', 'x', '-L', X('mqtt://127.0.0.1:9/w/', 0xff)], to: 'none' },
  '-L topic with a control character': { args: ['-m', 'x', '-L', 'mqtt://127.0.0.1:9/w/\u0001'], to: 'none' },
  '-L topic with a wildcard': { args: ['-m', 'x', '-L', 'mqtt://127.0.0.1:9/w/#'], to: 'none' },
  '-L topic with a wildcard, -t after it': {
    args: ['-m', 'x', '-L', 'mqtt://127.0.0.1:9/w/+/x', '-t', 'b'],
    to: 'none',
  },
  '-l with the empty topic of -L mqtt://host/': {
    args: () => ['-L', `mqtt://127.0.0.1:${broker.port}/`, '-l', '-d'],
    to: 'none',
    input: 'a\nb\n',
  },
};

// Missing arguments: every flag that takes one, last on the line.
for (const flag of [
  '-A',
  '-f',
  '-h',
  '-i',
  '-I',
  '-k',
  '-L',
  '-M',
  '-p',
  '-P',
  '-q',
  '-u',
  '-V',
  '-x',
  '-D',
  '--repeat',
  '--repeat-delay',
  '--will-payload',
  '--will-qos',
  '--will-topic',
]) {
  CASES[`missing argument to ${flag}`] = { args: ['-t', 'a', '-m', 'x', flag] };
}
CASES['missing argument to -t'] = { args: ['-m', 'x', '-t'] };
CASES['missing argument to -m'] = { args: ['-t', 'a', '-m'] };

for (const [name, c] of Object.entries(CASES)) {
  test(`tspub = mosquitto_pub: ${name}`, { skip }, () => differential(c));
}

test('defaults file: options from $XDG_CONFIG_HOME/mosquitto_pub, command line wins', { skip }, async () => {
  const xdg = join(dir, 'xdg-defaults');
  mkdirSync(xdg, { recursive: true });
  writeFileSync(join(xdg, 'mosquitto_pub'), `# defaults\n-h 127.0.0.1\n\n  -p ${broker.port}\n-q 1\n-m from file\n`);
  await differential({
    args: ['-t', 'w/defaults', '-q', '2', '-d'],
    to: 'none',
    env: () => ({ ...process.env, XDG_CONFIG_HOME: xdg }),
  });
});

// Deliberate differences from mosquitto_pub 2.0.11.
test("--version: tspub's own line in the shape of mosquitto_pub's, status 1 like it", async () => {
  const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  const ours = await run(bin('tspub'), ['--version']);
  assert.equal(ours.code, 1);
  assert.equal(ours.stdout.toString(), `tspub version ${version} (equivalent of mosquitto_pub 2.0.11).\n`);
  assert.equal(ours.stderr.length, 0);
});

test('empty topic: same message as mosquitto_pub, but exit 1 instead of a silent 0', { skip }, async () => {
  const ref = await run(MOSQUITTO_PUB!, ['-h', '127.0.0.1', '-p', String(broker.port), '-t', '', '-m', 'x'], { env });
  const ours = await run(bin('tspub'), ['-h', '127.0.0.1', '-p', String(broker.port), '-t', '', '-m', 'x'], { env });
  assert.equal(ref.code, 0, 'mosquitto_pub 2.0.11 reports success although nothing was sent');
  assert.equal(ours.code, 1);
  assert.equal(ours.stderr.toString(), ref.stderr.toString());
});

// MQTT's largest packet: a remaining length of 268435455 bytes (sparse files, so nothing is written to disk).
test("-f larger than MQTT's largest packet: refused before connecting, as by mosquitto_pub", { skip }, async () => {
  const file = join(dir, 'too-large');
  writeFileSync(file, '');
  truncateSync(file, 268435456);
  await differential({ args: ['-t', 'w/huge', '-f', file, '-d'] });
});

test("a message whose packet would be over MQTT's largest: mosquitto_pub's message, status 9 (mosquitto_pub: 0, nothing sent)", {
  skip,
  timeout: 60000,
}, async () => {
  const file = join(dir, 'just-too-large');
  // Topic 'w/h' (2 + 3 bytes) and a 268435451-byte payload: 268435456 bytes, one too many.
  writeFileSync(file, '');
  truncateSync(file, 268435451);
  const args = ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'w/h', '-f', file, '-d'];
  coll.reset();
  const ref = await run(MOSQUITTO_PUB!, args, { env, timeoutMs: 50000 });
  const ours = await run(bin('tspub'), args, { env, timeoutMs: 50000 });
  assert.deepEqual(await coll.settle(), [], 'neither sent it');
  assert.equal(ref.code, 0);
  assert.equal(ours.code, 9);
  assert.equal(ours.stderr.toString(), 'Error: Message payload is too large.\n');
  assert.equal(ours.stderr.toString(), ref.stderr.toString());
  // mosquitto_pub traces the PUBLISH it then does not send; tspub does not.
  const unsent = "Client (null) sending PUBLISH (d0, q0, r0, m1, 'w/h', ... (268435451 bytes))\n";
  assert.ok(ref.stdout.toString().includes(unsent));
  assert.equal(ours.stdout.toString(), ref.stdout.toString().replace(unsent, ''));
});

test("-s with more than MQTT's largest packet on stdin: mosquitto_pub's message, status 1 (mosquitto_pub crashes)", {
  skip,
  timeout: 60000,
}, async () => {
  const input = Buffer.alloc(268435456);
  const args = ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'w/huge', '-s'];
  const ref = await run(MOSQUITTO_PUB!, args, { env, input, timeoutMs: 50000 });
  const ours = await run(bin('tspub'), args, { env, input, timeoutMs: 50000 });
  assert.equal(ours.code, 1);
  assert.equal(
    ours.stderr.toString(),
    'Error: Message length must be less than 268435455 bytes.\n\nError loading input from stdin.\n',
  );
  assert.equal(ours.stderr.toString(), ref.stderr.toString());
  assert.notEqual(ref.code, 0);
});

test("-D publish topic-alias above the broker's maximum: refused before sending, status 4 (mosquitto_pub sends it to be dropped: 4, or 0 at QoS 0)", {
  skip,
  timeout: 30000,
}, async () => {
  for (const qos of ['0', '1']) {
    const args = [
      '-h',
      '127.0.0.1',
      '-p',
      String(broker.port),
      '-t',
      'w/alias',
      '-m',
      'x',
      '-D',
      'publish',
      'topic-alias',
      '11',
      '-q',
      qos,
      '-d',
    ];
    coll.reset();
    const ref = await run(MOSQUITTO_PUB!, args, { env, timeoutMs: 10000 });
    const ours = await run(bin('tspub'), args, { env, timeoutMs: 10000 });
    assert.deepEqual(await coll.settle(), [], 'nothing delivered by either');
    // At QoS 0 mosquitto_pub is gone before the broker's DISCONNECT comes: status 0, message lost.
    assert.equal(ref.code, qos === '0' ? 0 : 4);
    if (qos === '1') assert.match(tidy(ref.stdout), /Received DISCONNECT \(148\)/);
    assert.equal(ours.code, 4, `QoS ${qos}`);
    assert.equal(
      ours.stderr.toString(),
      "Error: Topic alias 11 is above the broker's maximum of 10; nothing was sent.\n",
    );
    assert.equal(
      tidy(ours.stdout),
      'Client (null) sending CONNECT\nClient auto-ID received CONNACK (0)\nClient auto-ID sending DISCONNECT\n',
    );
  }
});

test('-D user-property value not UTF-8: refused (mosquitto_pub sends it and the broker hangs up)', {
  skip,
}, async () => {
  const args = [
    '-h',
    '127.0.0.1',
    '-p',
    String(broker.port),
    '-t',
    'w/bytes',
    '-m',
    'x',
    '-D',
    'publish',
    'user-property',
    'k',
    X(0xff),
    '-q',
    '1',
  ];
  const ref = await run(MOSQUITTO_PUB!, args, { env });
  const ours = await run(bin('tspub'), args, { env });
  assert.notEqual(ref.code, 0);
  assert.equal(ours.code, 1);
  assert.equal(ours.stderr.toString(), "Error adding property user-property 7\n\nUse 'tspub --help' to see usage.\n");
});

test('tspub = mosquitto_pub: the broker hangs up before CONNACK (status 7)', { skip }, async () => {
  const { createServer } = await import('node:net');
  const server = createServer((socket) => socket.once('data', () => socket.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const args = ['-h', '127.0.0.1', '-p', String(port), '-t', 'a', '-m', 'x', '-d'];
    const ref = await run(MOSQUITTO_PUB!, args, { env });
    const ours = await run(bin('tspub'), args, { env });
    assert.equal(ref.code, 7);
    assert.deepEqual([ours.code, tidy(ours.stdout), tidy(ours.stderr)], [ref.code, tidy(ref.stdout), tidy(ref.stderr)]);
  } finally {
    server.close();
  }
});

test("empty topic: DISCONNECT traced like mosquitto_pub's", { skip }, async () => {
  const args = ['-h', '127.0.0.1', '-p', String(broker.port), '-t', '', '-m', 'x', '-d'];
  const ref = await run(MOSQUITTO_PUB!, args, { env });
  const ours = await run(bin('tspub'), args, { env });
  assert.match(tidy(ref.stdout), /sending DISCONNECT\n$/);
  assert.equal(tidy(ours.stdout), tidy(ref.stdout));
});

test('-D publish then -V 311: an error once connected; mosquitto_pub publishes nothing and exits 0', {
  skip,
}, async () => {
  const base = ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'w/lost', '-m', 'x', '-d'];
  const args = [...base, '-D', 'publish', 'user-property', 'a', 'b', '-V', '311'];
  coll.reset();
  const ref = await run(MOSQUITTO_PUB!, args, { env });
  assert.equal(ref.code, 0, 'mosquitto_pub 2.0.11 reports success');
  assert.deepEqual(await coll.settle(), [], 'although nothing was published');
  const ours = await run(bin('tspub'), args, { env });
  assert.equal(ours.code, 1);
  assert.equal(tidy(ours.stdout), tidy(ref.stdout), 'the same trace: CONNECT, CONNACK, DISCONNECT');
  assert.equal(
    ours.stderr.toString(),
    'Error: publish properties (-D publish) need MQTT v5, but -V chose MQTT v3.1.1; nothing was sent.\n',
  );
  // The last word decides: a -D after -V switches back to v5.
  const v5 = await run(bin('tspub'), [...args, '-D', 'disconnect', 'user-property', 'a', 'b'], { env });
  assert.equal(v5.code, 0, v5.stderr.toString());
  const dis = await run(bin('tspub'), [...base, '-D', 'disconnect', 'user-property', 'a', 'b', '-V', '31'], { env });
  assert.equal(dis.code, 1);
  assert.equal(
    dis.stderr.toString(),
    'Error: disconnect properties (-D disconnect) need MQTT v5, but -V chose MQTT v3.1; nothing was sent.\n',
  );
});

test('PINGREQ/PINGRESP traced while -l waits for input, as mosquitto_pub does', { skip, timeout: 150000 }, async () => {
  // A broker of its own that logs every packet (log_type debug): when it has sent PINGRESP
  // and the tool has read it (its socket's receive queue empty), the line is typed.
  const own = await startBroker({ extra: ['log_dest stderr', 'log_type debug'] });
  const pingresps = () =>
    own
      .log()
      .split('\n')
      .filter((l) => l.includes('Sending PINGRESP')).length;
  const traces: string[] = [];
  try {
    for (const cmd of [MOSQUITTO_PUB!, bin('tspub')]) {
      // Input that arrives only after more than one keep-alive interval.
      const before = pingresps();
      const p = spawn(cmd, ['-h', '127.0.0.1', '-p', String(own.port), '-t', 'w/ping', '-l', '-k', '5', '-d'], { env });
      let out = '';
      p.stdout.on('data', (d) => {
        out += d;
      });
      const code = new Promise((r) => p.once('close', r));
      await waitFor(
        () => pingresps() > before && socketsDrained(p.pid!),
        `${cmd} to be sent a PINGRESP and read it`,
        60000,
      );
      p.stdin.end('late\n');
      assert.equal(await code, 0);
      traces.push(out);
    }
  } finally {
    await own.stop();
  }
  assert.match(traces[0]!, /sending PINGREQ\n.*received PINGRESP\n/s);
  assert.equal(traces[1], traces[0]);
});
