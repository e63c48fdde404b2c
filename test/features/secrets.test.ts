// Secrets out of the process list: the value of -P and --psk, and the password inside -L and
// --proxy URLs, are starred out of /proc/<pid>/cmdline while the tool runs, and the broker
// (or proxy) still gets the real ones.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CLIENT_OPTIONS } from '../../src/options/table.ts';
import { starSecrets } from '../../src/options/secrets.ts';
import { needMosquitto, MOSQUITTO_PUB, startTestBrokers, type TestBrokers } from '../helpers/broker.ts';
import { needOpenssl, startPskBroker, type PskBroker } from '../helpers/tls.ts';
import { needMicrosocks, startSocks, type Socks } from '../helpers/socks.ts';
import { bin, run } from '../helpers/run.ts';
import { waitFor } from '../helpers/wait.ts';

test('starSecrets: what is starred, read one word at a time as the tools read the line', () => {
  const star = (...argv: string[]) => starSecrets(CLIENT_OPTIONS, 'sub', argv);
  assert.deepEqual(star('-h', 'b', '-P', 'secret', '-t', 'x'), ['-h', 'b', '-P', '******', '-t', 'x']);
  assert.deepEqual(star('--pw=secret', '-t', 'x'), ['--pw=******', '-t', 'x']);
  assert.deepEqual(star('--psk', 'deadbeef', '--psk-identity', 'id'), ['--psk', '********', '--psk-identity', 'id']);
  assert.deepEqual(star('-L', 'mqtt://u:p%40ss@h:1883/t'), ['-L', 'mqtt://u:******@h:1883/t']);
  assert.deepEqual(star('--proxy', 'socks5h://me:pw@proxy:1080'), ['--proxy', 'socks5h://me:**@proxy:1080']);
  assert.deepEqual(star('--url=mqtts://u:pässword@h/t'), ['--url=mqtts://u:*********@h/t'], 'stars count bytes');
  // Nothing secret: left alone.
  assert.equal(star('-h', 'b', '-t', 'x', '-L', 'mqtt://u@h/t'), undefined);
  // A flag's value is not a flag: tssub -U -P means unsubscribe from the topic "-P".
  assert.equal(star('-U', '-P', '-t', 'x'), undefined);
  // -D takes its words whatever they look like.
  assert.equal(starSecrets(CLIENT_OPTIONS, 'pub', ['-D', 'publish', 'user-property', '-P', 'v', '-m', 'x']), undefined);
  assert.deepEqual(starSecrets(CLIENT_OPTIONS, 'pub', ['-m', '-P', '-P', 'pw']), ['-m', '-P', '-P', '**']);
});

const skip = needMosquitto || needOpenssl || needMicrosocks;
let brokers: TestBrokers;
let psk: PskBroker;
let socks: Socks;

before(async () => {
  if (skip) return;
  // The brokers log each subscription, so a test knows when a subscriber is in place.
  brokers = await startTestBrokers('tsmqtt-secrets-', ['log_dest stderr', 'log_type subscribe']);
  psk = await startPskBroker({ keys: { 'test-id': 'deadbeef' } });
  socks = await startSocks({ user: 'alice', pass: 'proxy-secret' });
});

after(async () => {
  if (skip) return;
  await brokers.stop();
  await psk.stop();
  await socks.stop();
});

/**
 * Starts tssub with `args` (-C 1 -v -d added), waits until it has subscribed, reads its
 * command line, then publishes `topic` with `pub` so that it receives one message and exits.
 */
async function subscribeAndRead(
  args: string[],
  pub: string[],
  topic: string,
): Promise<{ cmdline: string; out: string; code: number | null }> {
  const sub = spawn(bin('tssub'), [...args, '-C', '1', '-v', '-d'], { env: brokers.env });
  let out = '';
  sub.stdout.on('data', (d) => {
    out += d;
  });
  sub.stderr.on('data', (d) => {
    out += d;
  });
  const done = new Promise<number | null>((resolve) => sub.once('close', resolve));
  await waitFor(() => out.includes('received SUBACK'), 'tssub to subscribe');
  const cmdline = readFileSync(`/proc/${sub.pid}/cmdline`, 'latin1');
  const p = await run(MOSQUITTO_PUB!, [...pub, '-t', topic, '-m', 'hello', '-q', '1'], { env: brokers.env });
  assert.equal(p.code, 0, p.stderr.toString());
  const code = await done;
  return { cmdline, out, code };
}

test('tssub -P: starred in /proc/<pid>/cmdline, and the broker got the right password', { skip }, async () => {
  const conn = ['-h', '127.0.0.1', '-p', String(brokers.auth.port), '-u', 'bob'];
  const r = await subscribeAndRead([...conn, '-P', 'secret', '-t', 'sec/p'], [...conn, '-P', 'secret'], 'sec/p');
  assert.ok(!r.cmdline.includes('secret'), r.cmdline);
  assert.match(r.cmdline, / -u bob -P \*{6} -t sec\/p /);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^sec\/p hello$/m);
});

test('tssub -L mqtt://user:password@...: the password starred, the login works', { skip }, async () => {
  const url = `mqtt://bob:secret@127.0.0.1:${brokers.auth.port}/sec/l`;
  const r = await subscribeAndRead(
    ['-L', url],
    ['-h', '127.0.0.1', '-p', String(brokers.auth.port), '-u', 'bob', '-P', 'secret'],
    'sec/l',
  );
  assert.ok(!r.cmdline.includes('secret'), r.cmdline);
  assert.ok(r.cmdline.includes(`mqtt://bob:******@127.0.0.1:${brokers.auth.port}/sec/l`), r.cmdline);
  assert.equal(r.code, 0, r.out);
});

test('tssub --psk and --proxy password: starred, and both still work', { skip }, async () => {
  const conn = ['-h', '127.0.0.1', '-p', String(psk.port), '--psk', 'deadbeef', '--psk-identity', 'test-id'];
  const r = await subscribeAndRead(
    [...conn, '--proxy', `socks5h://alice:proxy-secret@127.0.0.1:${socks.port}`, '-t', 'sec/psk'],
    conn,
    'sec/psk',
  );
  assert.ok(!r.cmdline.includes('deadbeef') && !r.cmdline.includes('proxy-secret'), r.cmdline);
  assert.match(r.cmdline, /--psk \*{8} --psk-identity test-id --proxy socks5h:\/\/alice:\*{12}@/);
  assert.equal(r.code, 0, r.out);
});

test('the process keeps its name (ps -o comm, pgrep) after the rewrite', { skip }, async () => {
  const sub = spawn(
    bin('tssub'),
    ['-h', '127.0.0.1', '-p', String(brokers.auth.port), '-u', 'bob', '-P', 'secret', '-t', 'x', '-W', '2'],
    { env: brokers.env },
  );
  let exited = false;
  const done = new Promise((resolve) =>
    sub.once('close', () => {
      exited = true;
      resolve(undefined);
    }),
  );
  // Once the command line has been rewritten and the name put back (or the tool has ended,
  // which fails below). The rewrite renames the thread for an instant (process.title) before
  // the name is written back: read between the two, comm is the new title's start.
  let comm = '';
  const cmdline = await waitFor(
    () => {
      if (exited) return 'ended before its command line was read';
      let now = '';
      try {
        now = readFileSync(`/proc/${sub.pid}/cmdline`, 'latin1');
        comm = readFileSync(`/proc/${sub.pid}/comm`, 'utf8').trim();
      } catch {
        return ''; // gone: `exited` says so at the next look
      }
      return now.includes('-P ******') && comm === 'node' ? now : '';
    },
    () => `tssub to star -P in its command line and keep its name (comm now: ${JSON.stringify(comm)})`,
  );
  await done;
  assert.ok(cmdline.includes('-P ******'), cmdline);
  assert.equal(comm, 'node');
});

test('-L: user and password are percent-decoded (RFC 3986), the topic is not', { skip }, async () => {
  const { MOSQUITTO_SUB } = await import('../helpers/broker.ts');
  const port = brokers.auth.port;
  // secret as s%65cret, and a topic with a %: it goes out as given.
  const sub = spawn(
    MOSQUITTO_SUB!,
    ['-h', '127.0.0.1', '-p', String(port), '-u', 'bob', '-P', 'secret', '-t', 'pct/#', '-C', '1', '-v'],
    { env: brokers.env },
  );
  let out = '';
  sub.stdout.on('data', (d) => {
    out += d;
  });
  const done = new Promise((resolve) => sub.once('close', resolve));
  await waitFor(() => brokers.auth.log().includes(' pct/#'), 'mosquitto_sub to subscribe');
  const r = await run(
    bin('tspub'),
    ['-L', `mqtt://b%6Fb:s%65cret@127.0.0.1:${port}/pct/100%25`, '-m', 'x', '-q', '1'],
    { env: brokers.env },
  );
  assert.equal(r.stderr.toString(), '');
  assert.equal(r.code, 0);
  await done;
  assert.equal(out, 'pct/100%25 x\n');
});
