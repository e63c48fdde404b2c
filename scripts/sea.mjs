// Builds the single executables (Node's single-executable applications), offline but for the
// npm registry, from the pinned Node binary of each platform (scripts/targets.mjs): on Linux
// one multi-call binary <out>/tsmqtt holding every tool, with the tool names as links to it
// (tspub -> tsmqtt, ...); on Windows the same executable once per tool (tspub.exe, ...), as
// Windows has no links an archive can carry. Then the release archive (release.mjs).
//
// The preparation blob must fit the Node that runs it: its layout depends on Node's version
// and word size, and the code cache in it on V8's version and flags. So the blob is made by
// the target's own Node, run here (natively, or under qemu-user for ARM), or for Windows by
// the Linux x64 Node of the same version (the same layout and the same V8).
// Start-up (--start): codecache (the default: the bundle compiled when the blob is made) or
// plain (compiled at each start). A V8 start-up snapshot was measured against them and
// dropped: no faster in a way that held from run to run (docs/benchmarks.md, "Start-up of
// the single executable"), and one for Windows could only be made by running node.exe under wine.
// Usage: node scripts/sea.mjs [--target T] [--start codecache|plain] [--out DIR] [--no-archive]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleOptions, root } from './bundle-options.mjs';
import { PINS, TARGETS, needRunner, nodeBinary, stripCommand } from './targets.mjs';

export const TOOLS = ['tspub', 'tssub', 'tsrr', 'tspasswd'];
export const DEFAULT_START = 'codecache';
/** The platform of this machine's builds (dist/sea): the one the tests and bench/ run. */
export const HOST_TARGET = 'linux-x64';
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** The Node that makes `target`'s blob, and the command line that runs it here. */
function blobMaker(target) {
  if (TARGETS[target].os === 'win') {
    const linux = Object.keys(PINS).find(
      (t) =>
        TARGETS[t]?.os === 'linux' &&
        TARGETS[t].cpu === TARGETS[target].cpu &&
        PINS[t].version === PINS[target].version,
    );
    if (!linux) throw new Error(`${target}: no Linux Node ${PINS[target].version} pinned to make its blob with`);
    return [...needRunner(linux), nodeBinary(linux)];
  }
  return [...needRunner(target), nodeBinary(target)];
}

/**
 * Makes `exe`, a copy of `target`'s pinned Node with the script `main` injected as its
 * single-executable application; `start`: 'codecache' or 'plain'.
 */
export function makeExecutable(main, exe, start, target = HOST_TARGET) {
  if (!['codecache', 'plain'].includes(start)) throw new Error(`start-up ${start}: codecache or plain`);
  const work = mkdtempSync(join(tmpdir(), 'tsmqtt-sea-'));
  try {
    const config = join(work, 'sea-config.json');
    const blob = join(work, 'app.blob');
    writeFileSync(
      config,
      JSON.stringify({
        main,
        output: blob,
        disableExperimentalSEAWarning: true,
        useCodeCache: start === 'codecache',
      }),
    );
    const [cmd, ...args] = blobMaker(target);
    run(cmd, [...args, '--experimental-sea-config', config]);
    rmSync(exe, { force: true });
    copyFileSync(nodeBinary(target), exe);
    chmodSync(exe, 0o755);
    // Node's Linux binaries come with their symbols (12 MB of 99): not needed to run.
    const strip = stripCommand(target);
    if (strip) run(strip, [exe]);
    run(process.execPath, [
      join(root, 'node_modules', 'postject', 'dist', 'cli.js'),
      exe,
      'NODE_SEA_BLOB',
      blob,
      '--sentinel-fuse',
      FUSE,
    ]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Bundles src/sea.ts into `dir`; the bundle's path. */
export async function bundleSea(dir) {
  await build(bundleOptions({ entryPoints: { tsmqtt: join(root, 'src', 'sea.ts') }, outdir: dir }));
  return join(dir, 'tsmqtt.cjs');
}

/** The executables' file names in `out` for `target`: [file, tool] pairs. */
export function executables(target) {
  return TARGETS[target].os === 'win'
    ? TOOLS.map((t) => [`${t}.exe`, t])
    : [['tsmqtt', undefined], ...TOOLS.map((t) => [t, t])];
}

/**
 * Builds `target`'s executables into `out` (emptied first): tsmqtt and its tool-named links,
 * or on Windows one tspub.exe, tssub.exe, ... each. Returns the size of one executable.
 */
export async function buildSea(out, start = DEFAULT_START, target = HOST_TARGET, bundle = undefined) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'tsmqtt-sea-bundle-'));
  try {
    const main = bundle ?? (await bundleSea(work));
    if (TARGETS[target].os === 'win') {
      makeExecutable(main, join(out, 'tspub.exe'), start, target);
      for (const t of TOOLS.slice(1)) copyFileSync(join(out, 'tspub.exe'), join(out, `${t}.exe`));
      return statSync(join(out, 'tspub.exe')).size;
    }
    makeExecutable(main, join(out, 'tsmqtt'), start, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  for (const t of TOOLS) symlinkSync('tsmqtt', join(out, t));
  return statSync(join(out, 'tsmqtt')).size;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, WINEDEBUG: '-all' },
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}${r.stdout}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : dflt;
  };
  const start = arg('--start', DEFAULT_START);
  const target = arg('--target', HOST_TARGET);
  if (!TARGETS[target]) throw new Error(`--target: one of ${Object.keys(TARGETS).join(', ')}`);
  const out = resolve(arg('--out', join(root, 'dist', target === HOST_TARGET ? 'sea' : `sea-${target}`)));
  const size = await buildSea(out, start, target);
  console.log(
    `${out}: ${executables(target)
      .map(([f]) => f)
      .join(', ')}; ${(size / 1e6).toFixed(1)} MB each executable (${start} start-up, ${target})`,
  );
  if (!process.argv.includes('--no-archive')) await (await import('./release.mjs')).archive(target, out);
}
