// The Debian package (tsmqtt-clients_<version>_amd64.deb), built by the test from this tree
// (scripts/release.mjs), then: lintian's verdict in the test log (every tag it still gives
// is one docs/platforms.md "Debian package" explains), installed with apt as a user would (`apt-get
// install ./file.deb`: no Node.js package pulled in, beside mosquitto-clients), its tools run
// from /usr/bin with their man pages and completion where Debian looks, and removed with
// nothing left behind. Needs root, apt and dpkg (Debian); lintian is reported when present.
// The ARM packages are built alike (test/packaging/platforms.test.ts runs their executables).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRelease, type Release } from '../helpers/release.ts';
import { MOSQUITTO_PUB } from '../helpers/broker.ts';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's ${field} format
const STATUS = '${Status}';
const installed = (pkg: string) =>
  spawnSync('dpkg-query', ['-W', '-f', STATUS, pkg], { encoding: 'utf8' }).stdout.includes('ok installed');
const skip =
  (process.getuid?.() !== 0 && 'not root (apt-get install)') ||
  (!has('apt-get') && 'no apt-get (not Debian)') ||
  (installed('tsmqtt-clients') && 'tsmqtt-clients is installed on this machine already: not replaced by a test') ||
  false;
let dir: string;
let release: Release;

/**
 * The tags lintian may still give: overridden in the package (/usr/share/lintian/overrides,
 * with the reason; docs/platforms.md, "Debian package", too), as they come from Node's own build.
 */
const OVERRIDDEN = ['embedded-library', 'hardening-no-pie'];

before(
  async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'tsmqtt-deb-'));
    release = await buildRelease('linux-x64', dir, true);
  },
  { timeout: 600000 },
);

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 600000 });

/**
 * The installed package is the machine's, not the checkout's: a second copy of the suite
 * (another clone, another CI job on this runner) would install, test and remove the same
 * package at the same time. Until the returned function is called, a lock on a file of the
 * machine's (flock, util-linux) keeps the other copy waiting; held by a child process that
 * says so once it has it, and lets go when its input ends.
 */
async function machineLock(name: string): Promise<() => void> {
  const holder = spawn('flock', [`/var/lock/${name}.lock`, 'sh', '-c', 'echo locked; exec cat'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve());
    holder.once('exit', (code) => reject(new Error(`flock exited with ${code} before taking the lock`)));
  });
  return () => holder.stdin.end();
}
const apt = (...args: string[]) => sh('apt-get', ['-y', '-q', '-o', 'DPkg::Lock::Timeout=300', ...args]);

test("lintian on the .deb: no tag but the two overridden ones (Node's own build)", {
  skip: skip || (!has('lintian') && 'lintian is not installed (apt-get install lintian)'),
  timeout: 600000,
}, (t) => {
  const r = sh('lintian', ['--tag-display-limit', '0', '--show-overrides', release.deb!]);
  t.diagnostic(`lintian --show-overrides ${release.deb!.split('/').pop()}:`);
  for (const line of `${r.stdout}${r.stderr}`.split('\n').filter(Boolean)) t.diagnostic(line);
  const tags = [...r.stdout.matchAll(/^([EWIPXO]): \S+: (\S+)/gm)].map((m) => `${m[1]}: ${m[2]}`);
  assert.deepEqual(tags.sort(), OVERRIDDEN.map((tag) => `O: ${tag}`).sort());
});

test('apt-get install ./tsmqtt-clients_<version>_amd64.deb: tools in /usr/bin, man pages, completion; no Node package; removed cleanly', {
  skip,
  timeout: 600000,
}, async (t) => {
  t.after(await machineLock('tsmqtt-clients-deb-test'));
  const info = sh('dpkg-deb', ['--field', release.deb!, 'Depends', 'Architecture', 'Package']);
  assert.doesNotMatch(info.stdout, /node/i, 'depends on no Node.js package');
  assert.match(info.stdout, /Architecture: amd64/);
  const files = sh('dpkg-deb', ['--contents', release.deb!]).stdout;
  const expected = [
    ...['tspub', 'tssub', 'tsrr', 'tspasswd'].flatMap((t) => [
      `./usr/bin/${t}`,
      `./usr/share/man/man1/${t}.1.gz`,
      `./usr/share/bash-completion/completions/${t}`,
      `./usr/share/fish/vendor_completions.d/${t}.fish`,
      `./usr/libexec/tsmqtt/${t} -> tsmqtt`,
    ]),
    './usr/share/zsh/vendor-completions/_tsmqtt',
    './usr/libexec/tsmqtt/tsmqtt',
    './usr/share/doc/tsmqtt-clients/copyright',
  ];
  for (const f of expected) assert.ok(files.includes(` ${f}\n`) || files.includes(` ${f}`), `${f} in the package`);

  const inst = apt('install', release.deb!);
  try {
    assert.equal(inst.status, 0, `apt-get install: ${inst.stderr}${inst.stdout}`);
    assert.doesNotMatch(inst.stdout, /nodejs/, 'apt pulled in no nodejs');
    // Beside mosquitto's clients (when they are installed), both working.
    if (MOSQUITTO_PUB) assert.ok(installed('mosquitto-clients'));
    const v = sh('/usr/bin/tspub', ['--version']);
    assert.match(v.stdout, /^tspub version /);
    assert.equal(v.status, 1);
    for (const t of ['tssub', 'tsrr', 'tspasswd'])
      assert.match(sh(`/usr/bin/${t}`, ['--help']).stdout, new RegExp(`^${t} `));
    const pw = sh('/usr/bin/tspasswd', ['-c', '-b', '-', 'u', 'p']);
    assert.match(pw.stdout, /^u:\$7\$/);
    assert.equal(sh('man', ['-w', 'tspub']).stdout.trim(), '/usr/share/man/man1/tspub.1.gz');
    // The ignored-signal launcher is in the way, as in the archive: nohup's SIGHUP stays ignored.
    assert.match(sh('sh', ['-c', 'trap "" HUP; exec /usr/bin/tspub --version']).stdout, /^tspub version/);
    const list = sh('dpkg', ['-L', 'tsmqtt-clients']).stdout.split('\n').filter(Boolean);
    assert.ok(list.includes('/usr/bin/tspub'));
    const verify = sh('dpkg', ['--verify', 'tsmqtt-clients']);
    assert.equal(verify.stdout, '', 'dpkg --verify: every file as packaged');
  } finally {
    // (apt-get waits for dpkg's lock, which anything else installing may hold; dpkg -r does not.)
    const rm = apt('remove', 'tsmqtt-clients');
    assert.equal(rm.status, 0, `apt-get remove: ${rm.stderr}`);
  }
  // No configuration files: removed is purged, nothing of it known to dpkg.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's ${field} format
  const statusAbbrev = '${db:Status-Abbrev}';
  assert.equal(
    sh('dpkg-query', ['-W', '-f', statusAbbrev, 'tsmqtt-clients']).stdout.trim(),
    '',
    'dpkg has no trace of it',
  );
  for (const f of expected) {
    const path = f.slice(1).split(' -> ')[0]!;
    assert.ok(!existsSync(path), `${path} removed`);
  }
  assert.ok(!existsSync('/usr/libexec/tsmqtt'), '/usr/libexec/tsmqtt removed');
  assert.ok(!existsSync('/usr/share/doc/tsmqtt-clients'), 'its doc folder removed');
});
