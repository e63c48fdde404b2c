// Builds the single executables (Node's single-executable applications), offline, from the
// installed node: one multi-call binary dist/sea/tsmqtt holding every tool, with the tool
// names as links to it (dist/sea/tspub -> tsmqtt, ...); then the release archive (release.mjs).
// The bundle starts from a V8 start-up snapshot in which its modules, MQTT.js's included, are
// already loaded (--start snapshot, the default: fastest, see README "Start-up"), or is
// compiled from a V8 code cache made at build time (--start codecache).
// Usage: node scripts/sea.mjs [--start snapshot|codecache] [--out DIR] [--no-archive]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleOptions, root } from './bundle-options.mjs';

export const TOOLS = ['tspub', 'tssub', 'tsrr', 'tspasswd'];
export const DEFAULT_START = 'snapshot';
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * Makes `exe`, a copy of the running node with the script `main` injected as its
 * single-executable application; `start`: 'snapshot', 'codecache' or 'plain'.
 */
export function makeExecutable(main, exe, start) {
  const work = mkdtempSync(join(tmpdir(), 'tsmqtt-sea-'));
  try {
    const config = join(work, 'sea-config.json');
    const blob = join(work, 'app.blob');
    writeFileSync(config, JSON.stringify({
      main,
      output: blob,
      disableExperimentalSEAWarning: true,
      useSnapshot: start === 'snapshot',
      useCodeCache: start === 'codecache',
    }));
    run(process.execPath, ['--experimental-sea-config', config]);
    rmSync(exe, { force: true });
    copyFileSync(process.execPath, exe);
    chmodSync(exe, 0o755);
    run(process.execPath, [join(root, 'node_modules', 'postject', 'dist', 'cli.js'), exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Builds the multi-call executable `tsmqtt` and its links into `out`. */
export async function buildSea(out, start = DEFAULT_START) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'tsmqtt-sea-bundle-'));
  try {
    const options = bundleOptions({ entryPoints: { tsmqtt: join(root, 'src', 'sea.ts') }, outdir: work });
    options.define = { ...options.define, SEA_SNAPSHOT: JSON.stringify(start === 'snapshot') };
    await build(options);
    makeExecutable(join(work, 'tsmqtt.cjs'), join(out, 'tsmqtt'), start);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  for (const t of TOOLS) symlinkSync('tsmqtt', join(out, t));
  return statSync(join(out, 'tsmqtt')).size;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}${r.stdout}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
  const start = arg('--start', 'snapshot');
  const out = resolve(arg('--out', join(root, 'dist', 'sea')));
  const size = await buildSea(out, start);
  console.log(`${out}/tsmqtt: ${(size / 1e6).toFixed(1)} MB (${start} start-up), links ${TOOLS.join(', ')}`);
  if (!process.argv.includes('--no-archive')) await (await import('./release.mjs')).release(out);
}
