// The single executables (npm run sea): built from this tree, then the differential suites
// run against them instead of bin/, with no node on the PATH: tspub, tssub and tsrr against
// mosquitto's tools byte for byte (output, exit statuses, packets), the command-line words
// and the CONNECT bytes. The release archive is unpacked and its launchers run the signal
// tests (signals the caller left ignored stay ignored). Its completion scripts are sourced
// in bash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { needMosquitto } from '../helpers/broker.ts';
import { ROOT, run } from '../helpers/run.ts';

const SEA = join(ROOT, 'dist', 'sea');
const SUITES = [
  'differential/tspub',
  'differential/tssub',
  'differential/tsrr',
  'differential/connect-bytes',
  'unit/words',
].map((f) => `test/${f}.test.ts`);
let dir: string;
let pathWithoutNode: string;
let unpacked: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsmqtt-sea-test-'));
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'sea.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300000,
  });
  assert.equal(r.status, 0, `npm run sea: ${r.stderr}`);
  // Every command on the PATH but node and what runs on it.
  pathWithoutNode = join(dir, 'path');
  mkdirSync(pathWithoutNode);
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (!d || !existsSync(d)) continue;
    for (const f of readdirSync(d)) {
      if (['node', 'nodejs', 'npm', 'npx', 'corepack', 'tsx'].includes(f) || existsSync(join(pathWithoutNode, f)))
        continue;
      try {
        symlinkSync(join(d, f), join(pathWithoutNode, f));
      } catch {
        /* a name twice */
      }
    }
  }
  unpacked = join(dir, 'prefix');
  mkdirSync(unpacked);
  const archive = readdirSync(join(ROOT, 'dist')).find((f) => /^tsmqtt-.*-linux-x64\.tar\.gz$/.test(f));
  assert.ok(archive, 'the release archive');
  const tar = spawnSync('tar', ['-xzf', join(ROOT, 'dist', archive!), '-C', unpacked, '--strip-components=1']);
  assert.equal(tar.status, 0);
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs test files with the tools taken from `binDir` and no node on the PATH; the TAP summary. */
async function suites(files: string[], binDir: string): Promise<{ pass: number; fail: number; out: string }> {
  // Without NODE_TEST_CONTEXT, which would make the inner runner report to this one in its
  // own format.
  const { NODE_TEST_CONTEXT: _, ...outer } = process.env;
  const env = { ...outer, PATH: pathWithoutNode, TSMQTT_BIN_DIR: binDir };
  const r = await run(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-concurrency=2', ...files],
    { cwd: ROOT, env, timeoutMs: 600000 },
  );
  const out = r.stdout.toString();
  const count = (what: string) => Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(out)?.[1] ?? NaN);
  return { pass: count('pass'), fail: count('fail'), out };
}

/** Each failed case of the inner run with its diagnostic block (what was expected, what came). */
function failures(out: string): string {
  const lines = out.split('\n');
  const shown: string[] = [];
  lines.forEach((l, i) => {
    const m = /^(\s*)not ok/.exec(l);
    if (!m) return;
    const end = lines.indexOf(`${m[1]}  ...`, i);
    shown.push(...lines.slice(i, end < 0 ? i + 1 : Math.min(end + 1, i + 200)));
  });
  return shown.join('\n');
}

test('no node on the PATH the suites run with; the executables run without it', () => {
  const r = spawnSync('sh', ['-c', 'command -v node || echo none'], {
    env: { PATH: pathWithoutNode },
    encoding: 'utf8',
  });
  assert.equal(r.stdout, 'none\n');
  const v = spawnSync(join(SEA, 'tspub'), ['--version'], { env: { PATH: pathWithoutNode }, encoding: 'utf8' });
  assert.match(v.stdout, /^tspub version /);
  assert.equal(v.status, 1);
});

test('the differential suites of tspub, tssub and tsrr, the command-line words and CONNECT bytes, against the single executables', {
  skip: needMosquitto,
  timeout: 600000,
}, async (t) => {
  const r = await suites(SUITES, SEA);
  t.diagnostic(`${r.pass} cases passed against dist/sea/ (${SUITES.join(', ')})`);
  assert.equal(r.fail, 0, failures(r.out));
  assert.ok(r.pass >= 60, `only ${r.pass} cases ran`);
});

test("signals: the release archive's launchers keep what the caller left ignored, as bin/<tool> does", {
  skip: needMosquitto,
  timeout: 120000,
}, async () => {
  const r = await suites(['test/differential/signals.test.ts'], join(unpacked, 'bin'));
  assert.equal(r.fail, 0, failures(r.out));
  assert.ok(r.pass >= 4, `only ${r.pass} cases ran`);
});

test('the executable started under another name says which names it answers to', () => {
  const other = join(dir, 'mqtt-thing');
  symlinkSync(join(SEA, 'tsmqtt'), other);
  const r = spawnSync(other, [], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /one of tspub, tssub, tsrr, tspasswd/);
});

test('bash completion from the archive: tspub --ti<TAB> offers nothing, --tls-v<TAB> --tls-version, tssub -V <TAB> the versions, --cafile <TAB> files', () => {
  const completions = join(unpacked, 'share', 'bash-completion', 'completions');
  const complete = (tool: string, words: string[]) => {
    const script = `source "${join(completions, tool)}"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _${tool}; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['-c', script], { cwd: unpacked, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean).sort();
  };
  assert.deepEqual(complete('tspub', ['tspub', '--ti']), []);
  assert.deepEqual(complete('tspub', ['tspub', '--tls-v']), ['--tls-version']);
  assert.deepEqual(complete('tspub', ['tspub', '--tl']), [
    '--tls-alpn',
    '--tls-keylog',
    '--tls-use-os-certs',
    '--tls-version',
  ]);
  assert.deepEqual(complete('tssub', ['tssub', '-V', '']), ['31', '311', '5', 'mqttv31', 'mqttv311', 'mqttv5']);
  assert.deepEqual(complete('tssub', ['tssub', '--tls-version', 'tlsv1.']), ['tlsv1.1', 'tlsv1.2', 'tlsv1.3']);
  assert.deepEqual(complete('tspub', ['tspub', '--cafile', 'sh']), ['share']);
  // A flag only tssub takes is not offered for tspub, and the other way round.
  assert.deepEqual(complete('tspub', ['tspub', '--retained-o']), []);
  assert.deepEqual(complete('tssub', ['tssub', '--retained-o']), ['--retained-only']);
  assert.deepEqual(complete('tssub', ['tssub', '--repe']), []);
  assert.deepEqual(complete('tspasswd', ['tspasswd', '-H', '']), ['argon2id', 'bcrypt', 'sha512', 'sha512-pbkdf2']);
});
