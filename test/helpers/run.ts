// Runs a command (ours or mosquitto's) and collects its bytes and exit status.
import { spawn, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

// node --test sets FORCE_COLOR=1 for its test files when it prints to a terminal: the tools
// would colour their output (src/colour.ts) and differ from mosquitto's. Tests that want
// colour ask for it.
delete process.env.FORCE_COLOR;

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * The tool under test: bin/<tool>, or <tool> in $TSMQTT_BIN_DIR (test/packaging/sea.test.ts runs the
 * differential suites against the single executables so).
 */
export const bin = (tool: string) => join(process.env.TSMQTT_BIN_DIR ?? join(ROOT, 'bin'), tool);

export interface RunResult {
  stdout: Buffer;
  stderr: Buffer;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
}

/** An argument's bytes, UTF-8 or not: strings as UTF-8, numbers as single bytes. */
export const argBytes = (...parts: Array<string | number>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.of(p) : Buffer.from(p, 'utf8'))));

/**
 * Node passes arguments as UTF-8 strings only: when an argument is a Buffer (bytes that need
 * not be UTF-8), the command goes through bash with every byte $'\xNN'-quoted.
 */
export function withBytes(cmd: string, args: ReadonlyArray<string | Buffer>): [string, string[]] {
  if (!args.some((a) => Buffer.isBuffer(a))) return [cmd, args as string[]];
  const quote = (a: string | Buffer) =>
    `$'${[...(Buffer.isBuffer(a) ? a : Buffer.from(a, 'utf8'))].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}'`;
  return ['bash', ['-c', ['exec', cmd, ...args].map(quote).join(' ')]];
}

export function run(cmd: string, args: Array<string | Buffer>, opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const so: SpawnOptions = { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] };
    const p = spawn(...withBytes(cmd, args), so);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout!.on('data', (d) => out.push(d));
    p.stderr!.on('data', (d) => err.push(d));
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 20000);
    p.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), code, signal });
    });
    p.stdin!.on('error', () => {});
    if (opts.input !== undefined) p.stdin!.end(opts.input);
    else p.stdin!.end();
  });
}

/** Replaces each tool's own name so mosquitto's and ours can be compared. */
export function normalise(
  text: Buffer | string,
  names: string[] = [
    'mosquitto_pub',
    'mosquitto_sub',
    'mosquitto_rr',
    'mosquitto_passwd',
    'tspub',
    'tssub',
    'tsrr',
    'tspasswd',
  ],
): string {
  let s = text.toString('utf8');
  for (const n of names) s = s.split(n).join('TOOL');
  return s;
}

/**
 * What differs between any two runs besides the tool's name: client ids the broker or
 * libmosquitto makes up, process ids (after -I pfx), the receive times of %j and %J.
 */
export function tidy(text: Buffer | string): string {
  return normalise(text)
    .replace(/auto-[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}/g, 'auto-ID')
    .replace(/mosq-[A-Za-z0-9]{18}/g, 'mosq-ID')
    .replace(/pfx\d+/g, 'pfxPID')
    .replace(/"tst":(\s*)"[^"]*"/g, '"tst":$1"TST"');
}
