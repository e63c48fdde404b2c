// Signals, mosquitto's tools against ours: a signal the caller left ignored (nohup, a script's
// background job) stays ignored, one the tool handles is handled, and the rest end the tool.
// Node resets every signal to its default when it starts; bin/<tool> keeps the caller's choice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startBroker, needMosquitto, MOSQUITTO_PUB, MOSQUITTO_SUB, type Broker } from '../helpers/broker.ts';
import { bin, normalise } from '../helpers/run.ts';
import { collect, type Collector } from '../helpers/collector.ts';
import { inMask } from '../helpers/proc.ts';
import { waitFor } from '../helpers/wait.ts';

const skip = needMosquitto;
let broker: Broker;
let coll: Collector;

before(async () => {
  if (skip) return;
  // The broker logs each subscription: a subscriber is running its loop from then on.
  broker = await startBroker({ extra: ['log_dest stderr', 'log_type subscribe'] });
  coll = await collect(broker.port);
});

after(async () => {
  if (skip) return;
  await coll.close();
  await broker.stop();
});

/** How many subscriptions to `topic` the broker has logged. */
const subscriptions = (topic: string) =>
  broker
    .log()
    .split('\n')
    .filter((l) => l.endsWith(` ${topic}`)).length;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `tool args` with `ignored` signals set to be ignored (as `trap '' SIG` then exec does,
 * like nohup), sends `signal` once `ready()` says the tool is at work (and, for a signal left
 * ignored, once /proc shows the tool keeps it ignored or caught: Node resets it at start and
 * bin/<tool> sets it again), waits until the signal is no longer pending, then writes `later`
 * to its stdin and closes it.
 */
function withSignal(
  tool: string,
  args: string[],
  ignored: string[],
  signal: NodeJS.Signals,
  ready: () => boolean,
  first = '',
  later = '',
): Promise<Outcome> {
  const traps = ignored.map((s) => `trap '' ${s};`).join(' ');
  const child = spawn('bash', [
    '-c',
    `${traps} exec "$0" "$@"`,
    tool,
    '-h',
    '127.0.0.1',
    '-p',
    String(broker.port),
    ...args,
  ]);
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  child.stdin.on('error', () => {});
  if (first) child.stdin.write(first);
  const done = new Promise<Outcome>((resolve) =>
    child.once('close', (code, sig) => {
      exited = true;
      resolve({ code, signal: sig, stdout: normalise(stdout), stderr: normalise(stderr) });
    }),
  );
  const killer = setTimeout(() => child.kill('SIGKILL'), 60000);
  const pid = child.pid!;
  const keptIgnored = () =>
    !ignored.includes(signal.slice(3)) || inMask(pid, 'SigIgn', signal) || inMask(pid, 'SigCgt', signal);
  return (async () => {
    await waitFor(() => exited || (ready() && keptIgnored()), `${tool} to be at work, ${signal} set`);
    assert.ok(!exited, `${tool} ended before ${signal} was sent: ${stderr}`);
    child.kill(signal);
    await waitFor(
      () => exited || !(inMask(pid, 'ShdPnd', signal) || inMask(pid, 'SigPnd', signal)),
      `${signal} to be delivered`,
    );
    child.stdin.end(later);
    const outcome = await done;
    clearTimeout(killer);
    return outcome;
  })();
}

test('nohup: tssub keeps running through SIGHUP, as mosquitto_sub does (here until -W ends it)', { skip }, async () => {
  const args = ['-t', 'sig/hup', '-W', '5'];
  let n = subscriptions('sig/hup');
  const ref = await withSignal(MOSQUITTO_SUB!, args, ['HUP'], 'SIGHUP', () => subscriptions('sig/hup') > n);
  n = subscriptions('sig/hup');
  const ours = await withSignal(bin('tssub'), args, ['HUP'], 'SIGHUP', () => subscriptions('sig/hup') > n);
  assert.equal(ref.code, 27);
  assert.deepEqual(ours, ref);
});

test('SIGINT left ignored: tssub still handles it (DISCONNECT, status 0), as mosquitto_sub does', {
  skip,
}, async () => {
  const args = ['-t', 'sig/int', '-d'];
  let n = subscriptions('sig/int');
  const ref = await withSignal(MOSQUITTO_SUB!, args, ['INT'], 'SIGINT', () => subscriptions('sig/int') > n);
  n = subscriptions('sig/int');
  const ours = await withSignal(bin('tssub'), args, ['INT'], 'SIGINT', () => subscriptions('sig/int') > n);
  assert.equal(ref.code, 0);
  assert.match(ref.stdout, /sending DISCONNECT\n$/);
  assert.deepEqual(ours, ref);
});

test('SIGINT left ignored: tspub -l keeps publishing, as mosquitto_pub does', { skip }, async () => {
  const args = ['-t', 'sig/pub', '-l', '-q', '1', '-d'];
  coll.reset();
  // At work once the first line has been delivered.
  const ref = await withSignal(
    MOSQUITTO_PUB!,
    args,
    ['INT', 'HUP'],
    'SIGINT',
    () => coll.messages.length >= 1,
    'a\n',
    'b\n',
  );
  const refGot = await coll.settle(2);
  coll.reset();
  const ours = await withSignal(
    bin('tspub'),
    args,
    ['INT', 'HUP'],
    'SIGINT',
    () => coll.messages.length >= 1,
    'a\n',
    'b\n',
  );
  const oursGot = await coll.settle(2);
  assert.equal(ref.code, 0);
  assert.equal(refGot.length, 2);
  assert.deepEqual(ours, ref);
  assert.deepEqual(oursGot, refGot);
});

test('SIGINT not ignored: tspub -l ends by it, as mosquitto_pub does', { skip }, async () => {
  const args = ['-t', 'sig/end', '-l'];
  coll.reset();
  const ref = await withSignal(MOSQUITTO_PUB!, args, [], 'SIGINT', () => coll.messages.length >= 1, 'a\n');
  coll.reset();
  const ours = await withSignal(bin('tspub'), args, [], 'SIGINT', () => coll.messages.length >= 1, 'a\n');
  assert.equal(ref.signal, 'SIGINT');
  assert.deepEqual([ours.code, ours.signal, ours.stderr], [ref.code, ref.signal, ref.stderr]);
});
