// Bundles each tool into one CommonJS file under dist/ (see bundle-options.mjs) and warms
// each one's V8 code cache.
import { build } from 'esbuild';
import { existsSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { bundleOptions, root } from './bundle-options.mjs';

const tools = (process.argv.slice(2).length ? process.argv.slice(2) : ['tspub', 'tssub', 'tsrr', 'tspasswd']).filter(
  (t) => existsSync(join(root, 'src', `${t}.ts`)),
);

await build(
  bundleOptions({
    entryPoints: Object.fromEntries(tools.map((t) => [t, join(root, 'src', `${t}.ts`)])),
    outdir: join(root, 'dist'),
  }),
);

// Warm each tool's V8 code cache (see bin/launch.cjs) with one run through its usual path, so
// the functions a real run needs are in it: against the embedded broker (aedes, a dev
// dependency) when it is installed, else against a port nobody listens on.
const run = (t, args) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', t), ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill(), 10000);
    child.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
const broker = await startWarmBroker();
const at = ['-h', '127.0.0.1', '-p', String(broker?.port ?? 9)];
const WARM = {
  // A retained QoS 1 message first, so the subscriber's run receives one and exits.
  tspub: [...at, '-t', 'warm/up', '-m', 'up', '-q', '1', '-r', '--quiet'],
  tssub: [...at, '-t', 'warm/#', '-q', '1', '-v', '-C', '1', '-W', '5', '--quiet'],
  // A request that answers itself (the same topic both ways; MQTT 3.1.1, which aedes speaks).
  tsrr: [...at, '-V', '311', '-t', 'warm/echo', '-e', 'warm/echo', '-m', 'up', '-W', '5', '--quiet'],
  tspasswd: ['--help'],
};
for (const t of tools) {
  rmSync(join(root, 'dist', `${t}.cjs.v8cache`), { force: true });
  await run(t, WARM[t] ?? ['--help']);
}
await broker?.close();

async function startWarmBroker() {
  let Aedes;
  try {
    ({ Aedes } = await import('aedes'));
  } catch {
    return undefined;
  }
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: () => new Promise((resolve) => aedes.close(() => server.close(resolve))),
  };
}
