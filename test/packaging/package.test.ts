// The npm package: what `npm pack` puts in it (the launchers, the bundles, the man pages and
// nothing else), that its package.json carries no script npm would run when installing it,
// and that it installs into an empty prefix with no dependency and without npm running or
// warning about a script, the installed tools then doing a round trip, and uninstalls
// leaving nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needMosquitto, startBroker } from '../helpers/broker.ts';
import { ROOT, run } from '../helpers/run.ts';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
  man: string[];
  dependencies?: Record<string, string>;
};

/** npm pack without its scripts: `prepack` would rebuild dist/ under the other tests' feet. */
async function pack(args: string[]): Promise<string> {
  const r = await run('npm', ['pack', '--ignore-scripts', '--json', ...args], { cwd: ROOT, timeoutMs: 60000 });
  assert.equal(r.code, 0, r.stderr.toString());
  return r.stdout.toString();
}

test('npm pack: the tools, their bundles and man pages, nothing else; no runtime dependency', async () => {
  const [info] = JSON.parse(await pack(['--dry-run'])) as Array<{ files: Array<{ path: string }> }>;
  const files = info!.files.map((f) => f.path).sort();
  for (const [tool, path] of Object.entries(pkg.bin)) {
    assert.ok(files.includes(path), `bin ${tool}: ${path}`);
    assert.ok(files.includes(`dist/${tool}.cjs`), `bundle of ${tool}`);
  }
  for (const page of pkg.man) assert.ok(files.includes(page), `man page ${page}`);
  assert.ok(files.includes('bin/launch.cjs'));
  assert.ok(files.includes('docs/differences.md'), 'docs/, which the README links to');
  const unexpected = files.filter(
    (f) =>
      !/^(bin\/|dist\/[a-z]+\.cjs(\.v8cache)?$|man\/[a-z]+\.1$|docs\/[a-z-]+\.md$|README\.md$|package\.json$)/.test(f),
  );
  assert.deepEqual(unexpected, [], 'files that do not belong in the package');
  assert.deepEqual(pkg.dependencies ?? {}, {}, 'the bundles hold every library: nothing to install at run time');
});

/** The lifecycle scripts npm runs when it installs a package (a tarball, a registry name or a git URL). */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

test('the packed package.json has no install-time script', { timeout: 120000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsmqtt-pack-'));
  try {
    const [info] = JSON.parse(await pack(['--pack-destination', dir])) as Array<{ filename: string }>;
    const r = await run('tar', ['-xzOf', join(dir, info!.filename), 'package/package.json']);
    assert.equal(r.code, 0, r.stderr.toString());
    const packed = JSON.parse(r.stdout.toString()) as { scripts?: Record<string, string> };
    const found = INSTALL_SCRIPTS.filter((name) => packed.scripts?.[name] !== undefined);
    assert.deepEqual(found, [], 'scripts npm would run (and warn about) on npm install of the package');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm install -g of the tarball into an empty prefix: no dependency, no script, the tools work, uninstall removes them', {
  skip: needMosquitto,
  timeout: 120000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsmqtt-pack-'));
  const broker = await startBroker();
  try {
    const [info] = JSON.parse(await pack(['--pack-destination', dir])) as Array<{ filename: string }>;
    const prefix = join(dir, 'prefix');
    // Scripts allowed, as a user's `npm install -g` has them: npm must find none to run or warn about.
    const inst = await run(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--offline',
        '--no-audit',
        '--no-fund',
        '--foreground-scripts',
        join(dir, info!.filename),
      ],
      { cwd: dir, timeoutMs: 90000 },
    );
    assert.equal(inst.code, 0, inst.stderr.toString());
    assert.doesNotMatch(
      inst.stderr.toString() + inst.stdout.toString(),
      /install-scripts|scripts\/build|> tsmqtt-clients@/,
      'npm ran or warned about a script',
    );
    const installed = join(prefix, 'lib', 'node_modules', pkg.name);
    assert.ok(
      !existsSync(join(installed, 'node_modules')),
      `dependencies were installed: ${existsSync(join(installed, 'node_modules')) ? readdirSync(join(installed, 'node_modules')) : ''}`,
    );
    for (const page of pkg.man)
      assert.ok(existsSync(join(prefix, 'share', 'man', 'man1', page.split('/').pop()!)), `man page ${page} installed`);
    const tool = (name: string) => join(prefix, 'bin', name);
    const conn = ['-h', '127.0.0.1', '-p', String(broker.port)];
    const pub = await run(tool('tspub'), [...conn, '-t', 'pack/t', '-m', 'from the tarball', '-r', '-q', '1']);
    assert.equal(pub.code, 0, pub.stderr.toString());
    const sub = await run(tool('tssub'), [...conn, '-t', 'pack/t', '-C', '1', '-v']);
    assert.equal(sub.stdout.toString(), 'pack/t from the tarball\n');
    assert.equal(sub.code, 0);
    const passwd = await run(tool('tspasswd'), ['-c', '-b', join(dir, 'pw'), 'u', 'p']);
    assert.equal(passwd.code, 0, passwd.stderr.toString());
    assert.match(readFileSync(join(dir, 'pw'), 'utf8'), /^u:\$7\$101\$/);
    const uninst = await run(
      'npm',
      ['uninstall', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', pkg.name],
      { cwd: dir, timeoutMs: 90000 },
    );
    assert.equal(uninst.code, 0, uninst.stderr.toString());
    const left = [
      ...Object.keys(pkg.bin).map((name) => tool(name)),
      installed,
      ...pkg.man.map((page) => join(prefix, 'share', 'man', 'man1', page.split('/').pop()!)),
    ].filter((f) => existsSync(f));
    assert.deepEqual(left, [], 'files npm uninstall left behind');
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
