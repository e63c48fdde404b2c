// Colour, only where a person reads a terminal (src/colour.ts): the -d trace (sent cyan,
// received green), error lines (red) and --pretty JSON. Run on a pseudo-terminal (python3's
// pty); the same commands through a pipe, or with NO_COLOR, give mosquitto's bytes; FORCE_COLOR
// colours a pipe too. Every differential test checks the bytes with colour off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, needMosquitto, type Broker } from '../helpers/broker.ts';
import { needPty, onTerminal } from '../helpers/pty.ts';
import { bin, run } from '../helpers/run.ts';

const skip = needMosquitto || needPty;
let broker: Broker;
const ESC = '\u001b[';

before(async () => {
  if (!skip) broker = await startBroker();
});
after(async () => {
  if (!skip) await broker.stop();
});

const at = () => `-h 127.0.0.1 -p ${broker.port}`;
/** A command on the terminal, its output with the terminal's \r\n made \n. */
async function onTty(command: string): Promise<string> {
  const r = await onTerminal([], command, 'no prompt here');
  return r.out.replace(/\r\n/g, '\n');
}

test('on a terminal: -d lines sent in cyan, received in green', { skip }, async () => {
  const out = await onTty(`unset NO_COLOR FORCE_COLOR; ${bin('tspub')} ${at()} -t c/d -m x -q 1 -d`);
  assert.equal(
    out,
    [
      `${ESC}36mClient (null) sending CONNECT${ESC}39m`,
      `${ESC}32mClient (null) received CONNACK (0)${ESC}39m`,
      `${ESC}36mClient (null) sending PUBLISH (d0, q1, r0, m1, 'c/d', ... (1 bytes))${ESC}39m`,
      `${ESC}32mClient (null) received PUBACK (Mid: 1, RC:0)${ESC}39m`,
      `${ESC}36mClient (null) sending DISCONNECT${ESC}39m`,
      '',
    ].join('\n'),
  );
});

test('on a terminal: error lines in red, each line on its own', { skip }, async () => {
  const out = await onTty(`unset NO_COLOR FORCE_COLOR; ${bin('tspub')} -t`);
  assert.equal(
    out,
    `${ESC}31mError: -t argument given but no topic specified.${ESC}39m\n\n\n${ESC}31mUse 'tspub --help' to see usage.${ESC}39m\n`,
  );
});

test('on a terminal: --pretty JSON coloured, keys, strings, numbers and literals apart', { skip }, async () => {
  await run(bin('tspub'), [
    '-h',
    '127.0.0.1',
    '-p',
    String(broker.port),
    '-t',
    'c/j',
    '-r',
    '-m',
    '{"a":[1,true,"s"]}',
  ]);
  const out = await onTty(`unset NO_COLOR FORCE_COLOR; ${bin('tssub')} ${at()} -t c/j -C 1 -F '%J' --pretty`);
  assert.match(
    out,
    new RegExp(
      `\\t${ESC.replace('[', '\\[')}34m"topic"${ESC.replace('[', '\\[')}39m:\\t${ESC.replace('[', '\\[')}32m"c/j"`,
    ),
  );
  assert.ok(out.includes(`[${ESC}33m1${ESC}39m, ${ESC}35mtrue${ESC}39m, ${ESC}32m"s"${ESC}39m]`), out);
  // Without --pretty, no colour: %J is then one line for programs to read.
  const plain = await onTty(`unset NO_COLOR FORCE_COLOR; ${bin('tssub')} ${at()} -t c/j -C 1 -F '%J'`);
  assert.ok(!plain.includes(ESC), plain);
});

test("NO_COLOR on a terminal, or a pipe: mosquitto's bytes; FORCE_COLOR colours a pipe; NO_COLOR wins", {
  skip,
}, async () => {
  const noColour = await onTty(`export NO_COLOR=1; ${bin('tspub')} ${at()} -t c/n -m x -d; ${bin('tspub')} -t`);
  assert.ok(!noColour.includes(ESC), noColour);
  assert.match(noColour, /^Client \(null\) sending CONNECT\n/);
  const pipe = await onTty(
    `unset NO_COLOR FORCE_COLOR; ${bin('tspub')} ${at()} -t c/n -m x -d 2>&1 | cat; ${bin('tspub')} -t 2>&1 | cat`,
  );
  assert.ok(!pipe.includes(ESC), pipe);
  const args = ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'c/f', '-m', 'x', '-d'];
  const forced = await run(bin('tspub'), args, { env: { ...process.env, FORCE_COLOR: '1' } });
  assert.ok(forced.stdout.toString().startsWith(`${ESC}36mClient`), forced.stdout.toString());
  const both = await run(bin('tspub'), args, { env: { ...process.env, FORCE_COLOR: '1', NO_COLOR: '1' } });
  assert.ok(!both.stdout.toString().includes(ESC));
  const off = await run(bin('tspub'), args, { env: { ...process.env, FORCE_COLOR: '0' } });
  assert.ok(!off.stdout.toString().includes(ESC));
});
