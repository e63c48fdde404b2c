// Shared helpers for the benchmarks: a private mosquitto per measurement, timing, medians.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const bin = (t) => join(ROOT, 'bin', t);

export function need(cmds) {
  for (const c of cmds) {
    if (spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0) {
      console.error(
        `bench: ${c} is not installed (apt-get install -y ${c === '/usr/bin/time' ? 'time' : 'mosquitto mosquitto-clients'})`,
      );
      process.exit(2);
    }
  }
}

export async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/** A private mosquitto on an ephemeral 127.0.0.1 port; `extra` lines follow its listener
 * (e.g. TLS settings for it, or another `listener`). */
export async function startBroker(extra = []) {
  const dir = mkdtempSync(join(tmpdir(), 'tsmqtt-bench-'));
  const port = await freePort();
  const conf = join(dir, 'm.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      ...extra,
      'allow_anonymous true',
      'max_queued_messages 0',
      'persistence false',
      ...(process.getuid() === 0 ? ['user root'] : []),
    ].join('\n') + '\n',
  );
  const proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  for (let i = 0; i < 250; i++) {
    const ok = await new Promise((r) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a command to completion; resolves with its exit code and wall time in ms. */
export function timed(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(cmd, args, {
      env: opts.env ?? process.env,
      stdio: [opts.stdin ?? 'ignore', opts.stdout ?? 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.once('error', reject);
    p.once('close', (code) => resolve({ code, ms: Number(process.hrtime.bigint() - t0) / 1e6, err }));
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const fmt = (n, d = 1) => n.toFixed(d);
