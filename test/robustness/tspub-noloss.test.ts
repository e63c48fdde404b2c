// Nothing lost silently: a million lines through `tspub -l` arrive complete and in order
// (exactly once at QoS 2), memory stays flat, and a broker that dies mid-stream makes tspub
// fail loudly with a count. (mosquitto_pub 2.0.11 delivers about a third at QoS 1 and exits 0.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startBroker, needMosquitto, MOSQUITTO_SUB, type Broker } from '../helpers/broker.ts';
import { run, bin } from '../helpers/run.ts';
import { watchMemory } from '../helpers/memory.ts';
import { waitFor } from '../helpers/wait.ts';

const skip = needMosquitto;

interface Outcome {
  code: number | null;
  stderr: string;
  peakKb: number;
  lines: string[];
  collector: string;
}

/** Streams `seq 1 n` into tspub -l while a persistent-session subscriber collects everything. */
async function stream(broker: Broker, n: number, qos: 1 | 2): Promise<Outcome> {
  const conn = ['-h', '127.0.0.1', '-p', String(broker.port)];
  // The collector subscribes at QoS 1 even for a QoS 2 stream: what is tested is what tspub
  // made the broker accept (a duplicate or a gap would still show), and mosquitto drains a
  // large QoS 2 backlog extremely slowly (168k of 1M messages in 300 s, measured).
  const session = ['-c', '-i', `collector-q${qos}-${n}`, '-q', '1', '-t', 'noloss'];
  // Subscribe first (a persistent session), so every message is kept for the collector.
  const setup = await run(MOSQUITTO_SUB!, [...conn, ...session, '-E']);
  assert.equal(setup.code, 0);
  const seq = spawn('seq', ['1', String(n)], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pub = spawn(bin('tspub'), [...conn, '-t', 'noloss', '-l', '-q', String(qos)], {
    stdio: [seq.stdout!, 'ignore', 'pipe'],
  });
  const stopRss = watchMemory(pub.pid!);
  let stderr = '';
  pub.stderr!.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((resolve) => pub.once('close', resolve));
  const peakKb = stopRss();
  // Every acknowledged message is now the broker's to deliver: drain the session. (Collecting
  // while a flood goes on is at the mercy of the broker's scheduling, which can starve a
  // subscriber for many seconds on a loaded machine.)
  const got = await run(MOSQUITTO_SUB!, [...conn, ...session, '-C', String(n), '-W', '120'], { timeoutMs: 300000 });
  return {
    code,
    stderr,
    peakKb,
    lines: got.stdout
      .toString()
      .split('\n')
      .filter((l) => l !== ''),
    collector: `collector exit ${got.code} ${got.signal ?? ''} ${got.stderr}`,
  };
}

function assertComplete({ lines, collector }: Outcome, n: number) {
  assert.equal(lines.length, n, `every line arrived, none twice (${collector})`);
  for (let i = 0; i < n; i++) {
    if (lines[i] !== String(i + 1))
      assert.fail(`line ${i + 1} arrived as ${JSON.stringify(lines[i])}: out of order or lost`);
  }
}

test('seq 1 1000000 | tspub -l -q 1: all delivered in order, exit 0, memory flat', {
  skip,
  timeout: 600000,
}, async () => {
  const broker = await startBroker();
  try {
    const small = await stream(broker, 50000, 1);
    assert.equal(small.code, 0, small.stderr);
    assertComplete(small, 50000);
    const big = await stream(broker, 1000000, 1);
    assert.equal(big.code, 0, big.stderr);
    assert.equal(big.stderr, '');
    assertComplete(big, 1000000);
    // Twenty times the input may not cost more than a little extra memory.
    assert.ok(
      big.peakKb < small.peakKb + 40 * 1024,
      `peak RSS ${big.peakKb} kB for 1M lines vs ${small.peakKb} kB for 50k`,
    );
  } finally {
    await broker.stop();
  }
});

test('seq 1 1000000 | tspub -l -q 2: each delivered exactly once, in order', { skip, timeout: 600000 }, async () => {
  const broker = await startBroker();
  try {
    const out = await stream(broker, 1000000, 2);
    assert.equal(out.code, 0, out.stderr);
    assertComplete(out, 1000000);
  } finally {
    await broker.stop();
  }
});

test('broker killed mid-stream, --reconnect-for 2: tspub fails with a count of unacknowledged messages once the time is up', {
  skip,
  timeout: 60000,
}, async () => {
  // The broker logs each PUBLISH it receives: the kill must come once tspub streams (a broker
  // killed before its CONNACK reached tspub fails the first connection, which is not retried).
  const broker = await startBroker({ extra: ['log_type all'] });
  const seq = spawn('seq', ['1', '100000000'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pub = spawn(
    bin('tspub'),
    ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'doomed', '-l', '-q', '1', '--reconnect-for', '2'],
    { stdio: [seq.stdout!, 'pipe', 'pipe'] },
  );
  let stderr = '';
  pub.stderr!.on('data', (d) => {
    stderr += d;
  });
  const closed = new Promise<number | null>((resolve) => pub.once('close', resolve));
  // Mid-stream: once the broker has received a line from the publisher.
  await waitFor(() => broker.log().includes('Received PUBLISH from'), 'tspub to stream');
  broker.proc.kill('SIGKILL');
  const code = await Promise.race([closed, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15000))]);
  seq.kill();
  if (code === 'hung') pub.kill('SIGKILL');
  await broker.stop();
  assert.notEqual(code, 'hung', 'tspub must not hang when the broker is gone');
  assert.equal(code, 7, `exit status (libmosquitto's "connection lost"); stderr: ${stderr}`);
  assert.match(
    stderr,
    /^Error: The connection was lost\.\nError: \d+ messages? (was|were) not acknowledged by the broker\.\n$/,
  );
});
