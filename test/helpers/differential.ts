// The differential comparison every suite shares: mosquitto's tool and ours (or ours over two
// transports) run with the same arguments, and their exit status, stderr, stdout and what a
// subscriber received must be the same once tool names and run-made ids are tidied away.
import assert from 'node:assert/strict';
import { run, tidy, type RunOptions } from './run.ts';
import type { Collector, Received } from './collector.ts';

/** What one run left behind. */
export interface Outcome {
  code: number | null;
  stdout: Buffer | string;
  stderr: Buffer | string;
  /** What a subscriber received meanwhile (compared when the reference has it). */
  got?: Received[];
  /** The retained message left on a topic (compared when the reference has it). */
  retained?: Received;
}

export interface SameOptions {
  /** Both print their (different) help text on stdout: compare only that both did. */
  usage?: boolean;
  /** Compare stdout as a sorted list of lines (pipelined traces may interleave differently). */
  sortLines?: boolean;
  /** Compare stdout byte for byte too (output that need not be UTF-8). */
  bytes?: boolean;
  /** What ours must print on stdout, given the reference's tidied stdout (default: the same). */
  expectStdout?: (ref: string) => string;
  /** Normalises stdout and stderr before comparing (default: run.ts's tidy). */
  tidy?: (text: Buffer | string) => string;
  /** Said before each failure's message (which of several comparisons in a test). */
  label?: string;
}

/** Asserts that `ours` did what `ref` did. */
export function assertSame(ours: Outcome, ref: Outcome, o: SameOptions = {}): void {
  const t = o.tidy ?? tidy;
  const lines = (b: Buffer | string) => (o.sortLines ? t(b).split('\n').sort().join('\n') : t(b));
  const say = (what: string) => (o.label ? `${o.label}: ${what}` : what);
  assert.equal(ours.code, ref.code, say(`exit status; stderr: ${ours.stderr}`));
  assert.equal(t(ours.stderr), t(ref.stderr), say('stderr'));
  if (o.usage) assert.ok(ref.stdout.length > 0 && ours.stdout.length > 0, say('both print help on stdout'));
  else assert.equal(lines(ours.stdout), (o.expectStdout ?? ((s: string) => s))(lines(ref.stdout)), say('stdout'));
  if (o.bytes) assert.deepEqual(Buffer.from(ours.stdout), Buffer.from(ref.stdout), say('stdout bytes'));
  if (ref.got !== undefined) assert.deepEqual(ours.got, ref.got, say('what the subscriber received'));
  if (ref.retained !== undefined || ours.retained !== undefined)
    assert.deepEqual(ours.retained, ref.retained, say('retained message'));
}

/** Runs the reference, then ours (one after the other: they share brokers), and compares. */
export async function differential(
  ref: () => Promise<Outcome>,
  ours: () => Promise<Outcome>,
  o: SameOptions = {},
): Promise<void> {
  const a = await ref();
  const b = await ours();
  assertSame(b, a, o);
}

/** Runs a command to its end while `collector` (reset first) records what the broker delivers. */
export async function runCollecting(
  cmd: string,
  args: Array<string | Buffer>,
  opts: RunOptions,
  collector?: Collector,
): Promise<Outcome> {
  collector?.reset();
  const r = await run(cmd, args, opts);
  return { ...r, ...(collector ? { got: await collector.settle() } : {}) };
}
