// The npm package: what `npm pack` puts in it (the launchers, the bundles, the man pages and
// nothing else), and that it installs into an empty prefix with no dependency and no install
// script, the installed tools then doing a round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needMosquitto, startBroker } from '../helpers/broker.ts';
import { ROOT, run } from '../helpers/run.ts';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string; version: string; bin: Record<string, string>; man: string[]; dependencies?: Record<string, string>;
};

/** npm pack without its scripts: `prepare` would rebuild dist/ under the other tests' feet. */
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
  const unexpected = files.filter((f) => !/^(bin\/|dist\/[a-z]+\.cjs(\.v8cache)?$|man\/[a-z]+\.1$|README\.md$|package\.json$)/.test(f));
  assert.deepEqual(unexpected, [], 'files that do not belong in the package');
  assert.deepEqual(pkg.dependencies ?? {}, {}, 'the bundles hold every library: nothing to install at run time');
});

test('npm install -g of the tarball into an empty prefix: no dependency, no script, the tools work', { skip: needMosquitto, timeout: 120000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsmqtt-pack-'));
  const broker = await startBroker();
  try {
    const [info] = JSON.parse(await pack(['--pack-destination', dir])) as Array<{ filename: string }>;
    const prefix = join(dir, 'prefix');
    const inst = await run('npm', ['install', '-g', '--prefix', prefix, '--ignore-scripts', '--offline', '--no-audit', '--no-fund', join(dir, info!.filename)], { cwd: dir, timeoutMs: 90000 });
    assert.equal(inst.code, 0, inst.stderr.toString());
    const installed = join(prefix, 'lib', 'node_modules', pkg.name);
    assert.ok(!existsSync(join(installed, 'node_modules')), `dependencies were installed: ${existsSync(join(installed, 'node_modules')) ? readdirSync(join(installed, 'node_modules')) : ''}`);
    for (const page of pkg.man) assert.ok(existsSync(join(prefix, 'share', 'man', 'man1', page.split('/').pop()!)), `man page ${page} installed`);
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
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
