// Other brokers: RabbitMQ 3.10 (MQTT plugin) and aedes, with the paho-mqtt Python client on
// the other side of each round trip: QoS 0, 1 and 2 both ways, a retained message, a will,
// a persistent session, a 10k-line stream, a 1 MiB payload, a refused login. Where a broker
// does something odd, the test states the tools' documented answer: RabbitMQ 3.10 answers a
// QoS 2 PUBLISH with PUBACK (it keeps QoS 2 messages as QoS 1), which tspub reports as the
// protocol error it is, as mosquitto_pub does; RabbitMQ 3.10 and aedes 1.x have no MQTT v5.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needMosquitto, MOSQUITTO_PUB, MOSQUITTO_SUB } from '../helpers/broker.ts';
import { run, bin, normalise } from '../helpers/run.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  startRabbit,
  startAedes,
  needRabbit,
  needPaho,
  PYTHON,
  PAHO_CLIENT,
  type OtherBroker,
} from '../helpers/otherbrokers.ts';

const TSPUB = bin('tspub');
const TSSUB = bin('tssub');
const dir = mkdtempSync(join(tmpdir(), 'tsmqtt-interop-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  topic: string;
  qos: number;
  retain: number;
  length: number;
  sha256: string;
  payload?: string;
}

/** A paho subscriber: `ready` once its SUBACK came (with the granted QoS), `done` with what it got. */
function pahoSub(port: number, topic: string, qos: number, count: number, seconds = 20, id?: string) {
  const p = spawn(
    PYTHON!,
    [
      PAHO_CLIENT,
      'sub',
      '127.0.0.1',
      String(port),
      topic,
      String(qos),
      String(count),
      String(seconds),
      ...(id ? [id] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  let readyFn!: (granted: number[]) => void;
  const ready = new Promise<number[]>((resolve) => {
    readyFn = resolve;
  });
  p.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    const m = /^READY (.*)$/m.exec(out);
    if (m) readyFn(m[1]!.split(',').map(Number));
  });
  p.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const done = new Promise<Row[]>((resolve, reject) =>
    p.once('close', (code) => {
      if (code !== 0) reject(new Error(`paho subscriber: status ${code}: ${err}`));
      else
        resolve(
          out
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as Row),
        );
    }),
  );
  void done.catch(() => {});
  return {
    ready: Promise.race([
      ready,
      done.then(() => {
        throw new Error(`paho subscriber never subscribed: ${err}`);
      }),
    ]),
    done,
  };
}

async function pahoPub(
  port: number,
  topic: string,
  qos: number,
  payload: Buffer,
  opts: { retain?: boolean; count?: number } = {},
): Promise<void> {
  const file = join(dir, `payload-${process.hrtime.bigint()}`);
  writeFileSync(file, payload);
  const r = await run(
    PYTHON!,
    [
      PAHO_CLIENT,
      'pub',
      '127.0.0.1',
      String(port),
      topic,
      String(qos),
      opts.retain ? '1' : '0',
      file,
      String(opts.count ?? 1),
    ],
    { timeoutMs: 30000 },
  );
  assert.equal(r.code, 0, `paho publisher: ${r.stderr}`);
}

/** tssub running in the background (-d, so that we know when it has subscribed). */
function tssub(port: number, args: string[]) {
  // -W: a message that never comes fails the test instead of hanging it.
  const p = spawn(TSSUB, ['-h', '127.0.0.1', '-p', String(port), '-d', '-W', '30', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  let err = '';
  let subscribed!: () => void;
  const ready = new Promise<void>((resolve) => {
    subscribed = resolve;
  });
  p.stdout.on('data', (d: Buffer) => {
    out.push(d);
    if (/^Subscribed \(mid/m.test(Buffer.concat(out).toString('latin1'))) subscribed();
  });
  p.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exit = new Promise<{ code: number | null; out: Buffer; err: string }>((resolve) =>
    p.once('close', (code) => resolve({ code, out: Buffer.concat(out), err })),
  );
  return {
    ready: Promise.race([
      ready,
      exit.then((e) => {
        throw new Error(`tssub exited ${e.code}: ${e.err}`);
      }),
    ]),
    exit,
    kill: () => p.kill('SIGKILL'),
  };
}

/** stdout without the -d lines. */
const messages = (out: Buffer) =>
  out
    .toString('latin1')
    .split('\n')
    .filter((l) => l !== '' && !/^(Client |Subscribed \(mid)/.test(l));
/** No test may hang the suite. */
const T = { timeout: 90000 };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const BROKERS: Array<{ name: string; start: () => Promise<OtherBroker>; skip: string | false; qos2: boolean }> = [
  { name: 'RabbitMQ 3.10', start: startRabbit, skip: needRabbit || needPaho, qos2: false },
  { name: 'aedes', start: startAedes, skip: needPaho, qos2: true },
];

for (const b of BROKERS) {
  describe(b.name, { skip: b.skip }, () => {
    let broker: OtherBroker;
    let port: number;
    let topicNo = 0;
    const topic = (what: string) => `interop/${what}/${process.pid}/${++topicNo}`;
    before(
      async () => {
        broker = await b.start();
        port = broker.port;
      },
      { timeout: 120000 },
    );
    after(async () => {
      await broker?.stop();
    });
    const at = () => ['-h', '127.0.0.1', '-p', String(port)];

    for (const qos of [0, 1, 2]) {
      test(`tspub -q ${qos} -> ${b.name} -> paho`, T, async () => {
        const t = topic(`pub${qos}`);
        const sub = pahoSub(port, t, 2, 1, 10);
        const granted = await sub.ready;
        const r = await run(TSPUB, [...at(), '-t', t, '-m', `hello ${qos}`, '-q', String(qos), '-d']);
        const got = await sub.done;
        assert.equal(got.length, 1, 'delivered once');
        assert.equal(got[0]!.payload, `hello ${qos}`);
        if (qos === 2 && !b.qos2) {
          // RabbitMQ 3.10 grants QoS 1 at most and answers the QoS 2 PUBLISH with PUBACK:
          // tspub says so as mosquitto_pub does (status 2); the message went at QoS 1.
          assert.deepEqual(granted, [1]);
          assert.equal(got[0]!.qos, 1);
          const ref = await run(MOSQUITTO_PUB!, [...at(), '-t', t, '-m', `hello ${qos}`, '-q', '2', '-d']);
          assert.equal(r.code, 2);
          assert.equal(ref.code, 2);
          assert.match(r.stdout.toString(), /received PUBACK \(Mid: 1, RC:0\)\n$/);
          assert.equal(r.stdout.toString(), ref.stdout.toString());
          assert.equal(r.stderr.toString(), `${ref.stderr}Error: 1 message was not acknowledged by the broker.\n`);
        } else {
          assert.equal(r.code, 0, r.stderr.toString());
          assert.equal(got[0]!.qos, qos);
        }
      });

      test(`paho -q ${qos} -> ${b.name} -> tssub`, T, async () => {
        const t = topic(`sub${qos}`);
        const sub = tssub(port, ['-t', t, '-q', '2', '-C', '1', '-F', '%q %p']);
        await sub.ready;
        await pahoPub(port, t, qos, Buffer.from(`hi ${qos}`));
        const { code, out, err } = await sub.exit;
        assert.equal(code, 0, err);
        assert.deepEqual(messages(out), [`${b.qos2 ? qos : Math.min(qos, 1)} hi ${qos}`]);
        // The acknowledgement before DISCONNECT, nothing after it.
        const trace = out
          .toString()
          .split('\n')
          .filter((l) => / sending /.test(l))
          .map((l) => l.replace(/^Client \S+ sending (\w+).*/, '$1'));
        assert.deepEqual(trace, [
          'CONNECT',
          'SUBSCRIBE',
          ...(qos === 1 || (qos === 2 && !b.qos2) ? ['PUBACK'] : qos === 2 ? ['PUBREC', 'PUBCOMP'] : []),
          'DISCONNECT',
        ]);
      });
    }

    test('a retained message: tspub -r -> paho and tssub see it retained', T, async () => {
      const t = topic('retained');
      const r = await run(TSPUB, [...at(), '-t', t, '-m', 'kept', '-r', '-q', '1']);
      assert.equal(r.code, 0, r.stderr.toString());
      const got = await pahoSub(port, t, 1, 1, 10).done;
      assert.deepEqual(
        got.map((m) => [m.payload, m.retain]),
        [['kept', 1]],
      );
      const s = await run(TSSUB, [...at(), '-t', t, '-C', '1', '-F', '%r %p', '-W', '10']);
      assert.equal(s.stdout.toString(), '1 kept\n');
      await run(TSPUB, [...at(), '-t', t, '-r', '-n', '-q', '1']);
    });

    test('a will: tspub killed while connected -> paho gets the will', T, async () => {
      const t = topic('will');
      const sub = pahoSub(port, t, 1, 1, 15);
      await sub.ready;
      const p = spawn(
        TSPUB,
        [
          ...at(),
          '-t',
          topic('alive'),
          '-l',
          '-d',
          '-k',
          '5',
          '--will-topic',
          t,
          '--will-payload',
          'gone',
          '--will-qos',
          '1',
        ],
        { stdio: ['pipe', 'pipe', 'ignore'] },
      );
      let out = '';
      p.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      p.stdin.write('one\n');
      await waitFor(() => /sending PUBLISH/.test(out), 'tspub to publish its line');
      p.kill('SIGKILL');
      const got = await sub.done;
      assert.deepEqual(
        got.map((m) => m.payload),
        ['gone'],
      );
    });

    test(
      'a persistent session: what was queued while tssub was away comes once, acknowledged before DISCONNECT',
      T,
      async () => {
        const t = topic('session');
        const id = `tsmqtt-interop-${process.pid}-${b.qos2 ? 'a' : 'r'}`;
        const session = [...at(), '-t', t, '-q', '1', '-c', '-i', id];
        const first = await run(TSSUB, [...session, '-E']);
        assert.equal(first.code, 0, first.stderr.toString());
        await pahoPub(port, t, 1, Buffer.from('queued'));
        const second = await run(TSSUB, [...session, '-C', '1', '-W', '10']);
        assert.equal(second.stdout.toString(), 'queued\n');
        // Had the PUBACK gone after DISCONNECT, the broker would deliver it again.
        const third = await run(TSSUB, [...session, '-C', '1', '-W', '2']);
        assert.equal(third.code, 27, `nothing redelivered: ${third.stdout}`);
        assert.equal(third.stdout.toString(), '');
        // Leave no session behind.
        await run(TSSUB, [...at(), '-t', t, '-i', id, '-E']);
      },
    );

    test('a 10k-line stream: tspub -l -q 1 -> paho, all in order', T, async () => {
      const t = topic('stream');
      const sub = pahoSub(port, t, 1, 10000, 60);
      await sub.ready;
      const lines = Array.from({ length: 10000 }, (_, i) => `line ${String(i).padStart(5, '0')}`);
      const r = await run(TSPUB, [...at(), '-t', t, '-l', '-q', '1'], {
        input: lines.join('\n') + '\n',
        timeoutMs: 60000,
      });
      assert.equal(r.code, 0, r.stderr.toString());
      const got = await sub.done;
      assert.equal(got.length, 10000);
      assert.deepEqual(
        got.map((m) => m.payload),
        lines,
      );
    });

    test('a 1 MiB payload both ways: tspub -f -> paho, paho -> tssub', T, async () => {
      const payload = Buffer.from(randomBytes(768 * 1024).toString('base64'));
      assert.equal(payload.length, 1024 * 1024);
      const file = join(dir, 'mib');
      writeFileSync(file, payload);
      const t = topic('mib');
      const sub = pahoSub(port, t, 1, 1, 30);
      await sub.ready;
      const r = await run(TSPUB, [...at(), '-t', t, '-f', file, '-q', '1']);
      assert.equal(r.code, 0, r.stderr.toString());
      const got = await sub.done;
      assert.deepEqual(
        got.map((m) => [m.length, m.sha256]),
        [[payload.length, sha(payload)]],
      );
      const s = tssub(port, ['-t', t, '-q', '1', '-C', '1', '-N']);
      await s.ready;
      await pahoPub(port, t, 1, payload);
      const { out } = await s.exit;
      // The message (-N: no newline after it), then the DISCONNECT line of the -d trace.
      const tail = /Client \S+ sending DISCONNECT\n$/.exec(out.toString('latin1'))!;
      const body = out.subarray(tail.index - payload.length, tail.index);
      assert.equal(sha(body), sha(payload));
    });

    test('a refused login: tspub and tssub say what mosquitto_pub and mosquitto_sub say', {
      ...T,
      skip: needMosquitto,
    }, async () => {
      const login = [...at(), '-t', topic('auth'), '-u', 'nobody', '-P', 'wrong'];
      for (const [ours, ref, extra] of [
        [TSPUB, MOSQUITTO_PUB!, ['-m', 'x']],
        [TSSUB, MOSQUITTO_SUB!, []],
      ] as const) {
        const [a, m] = await Promise.all([run(ours, [...login, ...extra]), run(ref, [...login, ...extra])]);
        assert.notEqual(m.code, 0);
        assert.equal(a.code, m.code);
        assert.equal(normalise(a.stderr), normalise(m.stderr));
      }
    });

    test('MQTT v5: the broker has none; tspub says what mosquitto_pub says', {
      ...T,
      skip: needMosquitto,
    }, async () => {
      const args = [...at(), '-t', topic('v5'), '-m', 'x', '-V', '5', '-d'];
      const [a, m] = await Promise.all([run(TSPUB, args), run(MOSQUITTO_PUB!, args)]);
      assert.equal(a.code, m.code);
      assert.equal(normalise(a.stderr), normalise(m.stderr));
      assert.equal(a.stdout.toString(), m.stdout.toString());
    });
  });
}
