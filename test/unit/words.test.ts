// Unit tests for src/words.ts: command-line words kept as bytes, and MQTT's UTF-8 rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { bytesOf, commandLine, decodeBytes, isMqttUtf8, isWellFormed } from '../../src/words.ts';

test('decodeBytes then bytesOf gives back any bytes', () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  const pool = [
    0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f, 0x8f, 0x90,
  ];
  for (let n = 0; n < 5000; n++) {
    const b = Buffer.from(
      Array.from({ length: rand() % 10 }, () => (rand() % 3 ? pool[rand() % pool.length]! : rand() % 256)),
    );
    const s = decodeBytes(b);
    assert.deepEqual(bytesOf(s), b, b.toString('hex'));
    // Text that is UTF-8 decodes as Node decodes it; anything else keeps its bytes.
    assert.equal(isWellFormed(s), Buffer.from(b.toString('utf8')).equals(b), b.toString('hex'));
  }
});

test('decodeBytes keeps each stray byte as U+DC00+byte, and leaves UTF-8 alone', () => {
  assert.equal(decodeBytes(Buffer.from('a\u00e9\u{1f600}\ufffd')), 'a\u00e9\u{1f600}\ufffd');
  assert.equal(decodeBytes(Buffer.from([0x61, 0xff, 0x62])), 'a\udcffb');
  // An encoded surrogate and an overlong NUL are not UTF-8: byte by byte.
  assert.equal(decodeBytes(Buffer.from([0xed, 0xa0, 0x80])), '\udced\udca0\udc80');
  assert.equal(decodeBytes(Buffer.from([0xc0, 0x80])), '\udcc0\udc80');
  // A sequence cut short, then an ASCII letter.
  assert.equal(decodeBytes(Buffer.from([0xe2, 0x82, 0x41])), '\udce2\udc82A');
});

test('bytesOf: UTF-8 for text, the byte itself for a kept one, EF BF BD for other lone surrogates', () => {
  assert.deepEqual(bytesOf('h\u00e9'), Buffer.from([0x68, 0xc3, 0xa9]));
  assert.deepEqual(bytesOf('\u{1f600}\udcff'), Buffer.from([0xf0, 0x9f, 0x98, 0x80, 0xff]));
  assert.deepEqual(bytesOf('\ud800x'), Buffer.from([0xef, 0xbf, 0xbd, 0x78]));
  assert.deepEqual(bytesOf('\udc41'), Buffer.from([0xef, 0xbf, 0xbd]));
});

test('isMqttUtf8 at the edges of what MQTT refuses', () => {
  const ok = [0x20, 0x7e, 0xa0, 0xd7ff, 0xe000, 0xfdcf, 0xfdf0, 0xfffd, 0x10000, 0x1fffd, 0x10fffd];
  const bad = [0x01, 0x1f, 0x7f, 0x80, 0x9f, 0xfdd0, 0xfdef, 0xfffe, 0xffff, 0x1fffe, 0x2ffff, 0x10fffe, 0x10ffff];
  for (const cp of ok) assert.equal(isMqttUtf8(`a${String.fromCodePoint(cp)}b`), true, cp.toString(16));
  for (const cp of bad) assert.equal(isMqttUtf8(`a${String.fromCodePoint(cp)}b`), false, cp.toString(16));
  assert.equal(isMqttUtf8('a\udcffb'), false, 'a kept byte');
  assert.equal(isMqttUtf8('\ud800'), false, 'a lone surrogate');
  assert.equal(isMqttUtf8(''), true);
});

// libmosquitto's own check (mosquitto_validate_utf8) over every code point, through python's ctypes.
const PROBE = `
import ctypes, json
f = ctypes.CDLL('libmosquitto.so.1').mosquitto_validate_utf8
f.argtypes = [ctypes.c_char_p, ctypes.c_int]
bad = []
for cp in range(0x110000):
    b = chr(cp).encode('utf-8', 'surrogatepass')
    if f(b, len(b)) != 0:
        if bad and bad[-1][1] == cp - 1: bad[-1][1] = cp
        else: bad.append([cp, cp])
print(json.dumps(bad))
`;
const probe = spawnSync('python3', ['-c', PROBE], { encoding: 'utf8' });
const libmosquitto = probe.status === 0 ? (JSON.parse(probe.stdout) as Array<[number, number]>) : undefined;
if (!libmosquitto) console.log('# skipping the libmosquitto comparison: python3 or libmosquitto.so.1 is missing');

test('isMqttUtf8 refuses exactly the code points libmosquitto refuses', { skip: libmosquitto === undefined }, () => {
  const ours: Array<[number, number]> = [];
  for (let cp = 0; cp < 0x110000; cp++) {
    if (isMqttUtf8(String.fromCodePoint(cp))) continue;
    const last = ours[ours.length - 1];
    if (last && last[1] === cp - 1) last[1] = cp;
    else ours.push([cp, cp]);
  }
  assert.deepEqual(ours, libmosquitto);
});

test('commandLine: the words as given when none can have lost bytes', () => {
  const argv = ['-t', 'a/b', '-m', 'h\u00e9'];
  assert.deepEqual(commandLine(argv), argv);
  // A word with U+FFFD that is not on this process's command line: the decoded words stand.
  assert.deepEqual(commandLine(['x\ufffd']), ['x\ufffd']);
});
