// A private SOCKS5 proxy for --proxy tests: Debian's microsocks on an ephemeral 127.0.0.1
// port, optionally with username/password auth, stopped by pid.
import { spawn } from 'node:child_process';
import { freePort, waitForPort, which } from './broker.ts';

export const MICROSOCKS = which('microsocks');
/** The reason to skip a test that needs microsocks, or false when it is installed. */
export const needMicrosocks: string | false = MICROSOCKS
  ? false
  : 'microsocks is not installed (apt-get install -y microsocks)';
if (needMicrosocks) process.stderr.write(`# SKIPPING proxy tests: ${needMicrosocks}\n`);

export interface SocksOptions {
  /** With user and pass, the proxy requires RFC 1929 username/password auth. */
  user?: string;
  pass?: string;
  port?: number;
}

export interface Socks {
  port: number;
  /** socks5h://[user:pass@]127.0.0.1:port, user and pass percent-encoded. */
  url: string;
  log(): string;
  stop(): Promise<void>;
}

/** Starts microsocks -i 127.0.0.1 -p PORT [-u user -P pass] and waits until it listens. */
export async function startSocks(opts: SocksOptions = {}): Promise<Socks> {
  if (!MICROSOCKS) throw new Error('microsocks is not installed');
  if ((opts.user === undefined) !== (opts.pass === undefined))
    throw new Error('startSocks: give both user and pass, or neither');
  const port = opts.port ?? (await freePort());
  const args = ['-i', '127.0.0.1', '-p', String(port)];
  if (opts.user !== undefined) args.push('-u', opts.user, '-P', opts.pass!);
  const proc = spawn(MICROSOCKS, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.on('data', (d) => {
    log += d;
  });
  proc.stderr!.on('data', (d) => {
    log += d;
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const dead = () => proc.exitCode !== null || proc.signalCode !== null;
  try {
    await waitForPort(port, 5000, 'microsocks', dead);
  } catch (e) {
    if (!dead()) proc.kill('SIGKILL');
    await exited;
    throw new Error(`${(e as Error).message}: ${log}`);
  }
  const auth = opts.user !== undefined ? `${encodeURIComponent(opts.user)}:${encodeURIComponent(opts.pass!)}@` : '';
  return {
    port,
    url: `socks5h://${auth}127.0.0.1:${port}`,
    log: () => log,
    async stop() {
      if (!dead()) proc.kill('SIGTERM');
      await exited;
    },
  };
}
