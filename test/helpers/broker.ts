// Starts a private mosquitto broker for one test file: its own config in a temp dir and an
// ephemeral port on 127.0.0.1. Tests that need it skip, with a visible reason, when
// mosquitto is not installed (CI installs it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, rmSync, readFileSync, statSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where a command is installed, or null. */
export function which(cmd: string): string | null {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
    if (existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export const MOSQUITTO = which('mosquitto');
export const MOSQUITTO_PUB = which('mosquitto_pub');
export const MOSQUITTO_SUB = which('mosquitto_sub');
export const MOSQUITTO_PASSWD = which('mosquitto_passwd');
export const MOSQUITTO_RR = which('mosquitto_rr');

/** The reason to skip a test that needs the mosquitto tools, or false when they are all here. */
export const needMosquitto: string | false =
  MOSQUITTO && MOSQUITTO_PUB && MOSQUITTO_SUB && MOSQUITTO_PASSWD
    ? false
    : 'mosquitto and mosquitto-clients are not installed (apt-get install -y mosquitto mosquitto-clients)';
if (needMosquitto) process.stderr.write(`# SKIPPING broker tests: ${needMosquitto}\n`);

/** A one-shot publish that logs in to the broker on 127.0.0.1:port (for password-file tests). */
export const loginArgs = (port: number, user: string, password: string): string[] => [
  ...['-h', '127.0.0.1', '-p', String(port)],
  ...['-u', user, '-P', password],
  ...['-t', 't', '-m', 'x'],
];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Waits until something accepts connections on 127.0.0.1:port (`name` started it; `dead`
 * tells when it has exited, so waiting stops early). */
export async function waitForPort(
  port: number,
  deadlineMs: number,
  name = 'mosquitto',
  dead: () => boolean = () => false,
): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (dead()) throw new Error(`${name} exited`);
    if (Date.now() > end) throw new Error(`${name} did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface BrokerOptions {
  /** Path of a password file; sets allow_anonymous false. */
  passwordFile?: string;
  /** Extra mosquitto.conf lines. */
  extra?: string[];
  /** Port to listen on (default: a free ephemeral one). */
  port?: number;
  /** Started as root: leave out `user root`, so that mosquitto drops to user mosquitto before reading its files. */
  dropPrivileges?: boolean;
}

export interface Broker {
  port: number;
  dir: string;
  proc: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

export async function startBroker(opts: BrokerOptions = {}): Promise<Broker> {
  if (!MOSQUITTO) throw new Error('mosquitto is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'tsmqtt-broker-'));
  const port = opts.port ?? (await freePort());
  const lines = [
    `listener ${port} 127.0.0.1`,
    opts.passwordFile ? 'allow_anonymous false' : 'allow_anonymous true',
    ...(opts.passwordFile ? [`password_file ${opts.passwordFile}`] : []),
    'max_queued_messages 0',
    'persistence false',
    ...(process.getuid?.() === 0 && !opts.dropPrivileges ? ['user root'] : []),
    ...(opts.extra ?? []),
  ];
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, lines.join('\n') + '\n');
  const logFile = join(dir, 'broker.log');
  const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (d) => {
    log += d;
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  try {
    await waitForPort(port, 5000, 'mosquitto', () => proc.exitCode !== null);
  } catch (e) {
    proc.kill('SIGKILL');
    throw new Error(`${(e as Error).message}: ${log}`);
  }
  return {
    port,
    dir,
    proc,
    log: () => log + (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestBrokers {
  /** A temp dir for the test file; `env` points XDG_CONFIG_HOME at an empty folder in it,
   * so a user's own ~/.config/mosquitto_* defaults cannot interfere. */
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Anonymous broker. */
  broker: Broker;
  /** Broker with a password file: user bob, password secret; user raw, password p 0xFF q. */
  auth: Broker;
  stop(): Promise<void>;
}

/** The set-up the differential tests share: an anonymous broker and a password-protected one. */
export async function startTestBrokers(prefix: string, extra: string[] = []): Promise<TestBrokers> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'xdg'));
  const env = { ...process.env, XDG_CONFIG_HOME: join(dir, 'xdg') };
  const broker = await startBroker({ extra });
  const pw = join(dir, 'passwd');
  const made = spawnSync(MOSQUITTO_PASSWD!, ['-c', '-b', pw, 'bob', 'secret']);
  if (made.status !== 0) throw new Error(`mosquitto_passwd failed: ${made.stderr}`);
  // And user raw, whose password is not UTF-8: p, 0xFF, q.
  const raw = spawnSync('bash', ['-c', `exec "$0" -b "$1" raw $'p\\xffq'`, MOSQUITTO_PASSWD!, pw]);
  if (raw.status !== 0) throw new Error(`mosquitto_passwd failed: ${raw.stderr}`);
  const auth = await startBroker({ passwordFile: pw, extra });
  return {
    dir,
    env,
    broker,
    auth,
    async stop() {
      await broker.stop();
      await auth.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PersistentBroker {
  /** Fixed for the broker's life: each restart listens on it again. */
  port: number;
  /** Temp dir: mosquitto.conf, and mosquitto.db (persistence_location). */
  dir: string;
  /** The running process's pid (undefined while stopped). */
  pid(): number | undefined;
  running(): boolean;
  /** Everything every run has logged (stderr), runs separated by "=== start N ===" lines. */
  log(): string;
  /** How many log lines (all runs) match `re`. */
  count(re: RegExp): number;
  /** Sends `signal` to the running broker by pid and resolves once it has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Starts it again with the same config (port, persistence file) and waits until it listens. */
  start(): Promise<void>;
  /** SIGUSR1 (write the in-memory database now) and resolves once the new file has replaced
   * the old (mosquitto writes mosquitto.db.new and renames it: a new inode). */
  save(): Promise<void>;
  /** Stops it (SIGTERM) if running and removes the temp dir. */
  close(): Promise<void>;
}

/**
 * A mosquitto with persistence on, in its own temp dir, on a port kept across restarts. The
 * database is written only when mosquitto exits (SIGTERM) or is sent SIGUSR1
 * (`autosave_interval 0`): after SIGKILL it restarts from the last save() exactly, so a test
 * decides what the broker could have lost.
 */
export async function startPersistentBroker(opts: { extra?: string[]; port?: number } = {}): Promise<PersistentBroker> {
  if (!MOSQUITTO) throw new Error('mosquitto is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'tsmqtt-pbroker-'));
  const port = opts.port ?? (await freePort());
  const conf = join(dir, 'mosquitto.conf');
  const db = join(dir, 'mosquitto.db');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir}/`,
      'autosave_interval 0',
      'max_queued_messages 0',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      ...(opts.extra ?? []),
    ].join('\n') + '\n',
  );
  let log = '';
  let runs = 0;
  let proc: ChildProcess | null = null;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> = Promise.resolve({
    code: null,
    signal: null,
  });
  const inode = () => {
    try {
      return statSync(db).ino;
    } catch {
      return -1;
    }
  };
  const running = () => proc !== null && proc.exitCode === null && proc.signalCode === null;
  const broker: PersistentBroker = {
    port,
    dir,
    pid: () => (running() ? proc!.pid : undefined),
    running,
    log: () => log,
    count: (re) => log.split('\n').filter((l) => re.test(l)).length,
    async start() {
      if (running()) throw new Error('mosquitto is already running');
      log += `=== start ${++runs} ===\n`;
      const p = spawn(MOSQUITTO!, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      proc = p;
      p.stderr!.setEncoding('utf8').on('data', (d: string) => {
        log += d;
      });
      exited = new Promise((resolve) => p.once('exit', (code, signal) => resolve({ code, signal })));
      try {
        await waitForPort(port, 10000, 'mosquitto', () => p.exitCode !== null || p.signalCode !== null);
      } catch (e) {
        p.kill('SIGKILL');
        await exited;
        throw new Error(`${(e as Error).message}: ${log}`);
      }
    },
    async stop(signal = 'SIGTERM') {
      if (!running()) throw new Error('mosquitto is not running');
      proc!.kill(signal);
      return exited;
    },
    async save() {
      if (!running()) throw new Error('mosquitto is not running');
      const before = inode();
      proc!.kill('SIGUSR1');
      const end = Date.now() + 30000;
      while (inode() === before) {
        if (!running()) throw new Error('mosquitto exited while saving');
        if (Date.now() > end) throw new Error('mosquitto did not write its database within 30 s of SIGUSR1');
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async close() {
      if (running()) {
        proc!.kill('SIGTERM');
        const t = setTimeout(() => proc?.kill('SIGKILL'), 10000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}
