// Bundles each tool into one CommonJS file under dist/: a CLI's start-up is dominated by
// module loading, so the tools ship as single pre-linked files with browser-only and
// debug-only dependencies replaced by Node built-ins (see scripts/shims/).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shim = (name) => join(root, 'scripts', 'shims', name);
const tools = (process.argv.slice(2).length ? process.argv.slice(2) : ['tspub', 'tssub', 'tspasswd'])
  .filter((t) => existsSync(join(root, 'src', `${t}.ts`)));

await build({
  entryPoints: Object.fromEntries(tools.map((t) => [t, join(root, 'src', `${t}.ts`)])),
  outdir: join(root, 'dist'),
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  // ESM-only dependencies (yargs-parser) ask import.meta.url for createRequire.
  // lru-cache (MQTT.js's topic-alias table) probes `performance` when it loads, which loads
  // perf_hooks and a dozen internal modules; without it, it uses Date (we set no TTLs).
  define: { 'import.meta.url': '__importMetaUrl', performance: 'undefined' },
  banner: { js: "var __importMetaUrl=require('node:url').pathToFileURL(__filename).href;" },
  alias: {
    'readable-stream': shim('readable-stream.cjs'),
    'worker-timers': shim('worker-timers.cjs'),
    debug: shim('debug.cjs'),
  },
});

// Warm each tool's V8 code cache (see bin/launch.cjs) with one run through its start-up and
// connection path: a connection to a port nobody listens on.
const WARM = {
  tspub: ['-h', '127.0.0.1', '-p', '9', '-t', 'warm', '-m', 'up', '-q', '1', '--quiet'],
  tssub: ['-h', '127.0.0.1', '-p', '9', '-t', 'warm', '-v', '--quiet'],
  tspasswd: ['--help'],
};
for (const t of tools) {
  rmSync(join(root, 'dist', `${t}.cjs.v8cache`), { force: true });
  spawnSync(process.execPath, [join(root, 'bin', t), ...(WARM[t] ?? ['--help'])], { stdio: 'ignore', timeout: 10000 });
}
