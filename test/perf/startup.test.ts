// Start-up: what a tool loads before it can answer. --help, --version and a usage error never
// load MQTT.js or the network modules (net, tls, dns), and tspasswd none of them either; chalk
// (and the tty and os modules it brings) only when colour is on. Read from Node's own list of
// the built-in modules it loaded, printed at exit by a --require'd hook, with stdout and
// stderr going to files (a pipe would load net for the stream itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin } from '../helpers/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'tsmqtt-startup-'));
const hook = join(dir, 'hook.cjs');
const list = join(dir, 'loaded');
writeFileSync(
  hook,
  `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`,
);
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** The built-in modules `tool args` loaded (NativeModule names). */
function loaded(tool: string, args: string[], env: NodeJS.ProcessEnv = {}): string[] {
  rmSync(list, { force: true });
  const { NO_COLOR: _n, FORCE_COLOR: _f, ...rest } = process.env;
  const r = spawnSync(bin(tool), args, {
    env: { ...rest, ...env, NODE_OPTIONS: `--require ${hook}` },
    stdio: ['ignore', openSync(join(dir, 'out'), 'w'), openSync(join(dir, 'err'), 'w')],
  });
  assert.notEqual(r.status, null);
  return readFileSync(list, 'utf8')
    .split('\n')
    .filter((m) => m.startsWith('NativeModule '))
    .map((m) => m.slice(13));
}

const NETWORK = ['net', 'tls', 'dns', '_tls_wrap', 'http'];

for (const tool of ['tspub', 'tssub', 'tsrr']) {
  for (const args of [['--help'], ['--version'], ['-t'], ['-q', '3', '-t', 't', '-m', 'm'], ['--bogus']]) {
    test(`${tool} ${args.join(' ')}: no MQTT.js, no network module`, () => {
      const mods = loaded(tool, args);
      assert.deepEqual(
        mods.filter((m) => NETWORK.includes(m)),
        [],
      );
    });
  }
}

test('tspasswd: no network module', () => {
  const pw = join(dir, 'pw');
  assert.deepEqual(
    loaded('tspasswd', ['-c', '-b', pw, 'u', 'p']).filter((m) => NETWORK.includes(m)),
    [],
  );
  assert.deepEqual(
    loaded('tspasswd', ['--help']).filter((m) => NETWORK.includes(m)),
    [],
  );
});

test('chalk and what it needs (tty, os) load only when colour is on', () => {
  assert.deepEqual(
    loaded('tspub', ['-t']).filter((m) => m === 'tty' || m === 'os'),
    [],
  );
  assert.deepEqual(
    loaded('tspub', ['-t'], { FORCE_COLOR: '1' })
      .filter((m) => m === 'tty' || m === 'os')
      .sort(),
    ['os', 'tty'],
  );
});
