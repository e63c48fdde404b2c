// The walk over the option table (src/options/parser.ts): what each flag takes, whatever the
// next words look like; and the '=' spellings, taken only as --long=value for a flag that
// takes a word (a documented difference), refused as unknown options otherwise, as
// mosquitto's tools refuse them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, needMosquitto, MOSQUITTO_PUB } from '../helpers/broker.ts';
import { run, bin, normalise } from '../helpers/run.ts';
import { walkOptions } from '../../src/options/parser.ts';
import { CLIENT_OPTIONS } from '../../src/options/table.ts';

const walk = (tool: string, argv: string[]) =>
  [...walkOptions(CLIENT_OPTIONS, tool, argv)].map((m) => [
    m.spec ? m.spec.flags[0] : null,
    m.word,
    m.value ?? m.group ?? null,
    m.at,
    m.inline,
  ]);

test('a flag takes its words whatever they look like; other words are met as they stand', () => {
  assert.deepEqual(
    walk('pub', ['-t', '--', '-m', '-q', '-rq', '-D', 'publish', 'user-property', 'k', 'v', '-r', '-q']),
    [
      ['-t', '-t', '--', 1, false],
      ['-m', '-m', '-q', 3, false],
      [null, '-rq', null, 4, false],
      ['-D', '-D', ['publish', 'user-property', 'k', 'v'], -1, false],
      ['-r', '-r', null, -1, false],
      ['-q', '-q', null, -1, false],
    ],
  );
  assert.deepEqual(walk('pub', ['-D', 'publish', 'content-type']), [
    ['-D', '-D', ['publish', 'content-type'], -1, false],
  ]);
  assert.deepEqual(walk('sub', ['-m', 'x']), [
    [null, '-m', null, 0, false],
    [null, 'x', null, 1, false],
  ]);
});

test('--long=value for a flag that takes a word; any other word with = is no option', () => {
  assert.deepEqual(walk('pub', ['--topic=a=b', '-t=x', '--retain=1', '--bogus=1']), [
    ['-t', '--topic', 'a=b', 0, true],
    [null, '-t=x', null, 1, false],
    [null, '--retain=1', null, 2, false],
    [null, '--bogus=1', null, 3, false],
  ]);
});

for (const word of ['-p=1883', '--retain=1', '-q=1', '--property=connect']) {
  test(`tspub ${word} = mosquitto_pub ${word}: an unknown option`, { skip: needMosquitto }, async () => {
    const args = ['-p', String(await freePort()), '-t', 't', '-m', 'm', word];
    const [a, b] = await Promise.all([run(MOSQUITTO_PUB!, args), run(bin('tspub'), args)]);
    assert.equal(b.code, a.code);
    assert.equal(normalise(b.stderr), normalise(a.stderr));
    assert.match(b.stderr.toString(), /Unknown option/);
  });
}
