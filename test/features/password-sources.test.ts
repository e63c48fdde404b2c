// Password sources (not mosquitto's): --pw-env NAME, --pw-file FILE, --pw-prompt, for tspub,
// tssub and tsrr, against a mosquitto with a password file (user bob, password secret). Each
// source with the right and a wrong password; what fails before connecting (a missing or empty
// variable, a file that cannot be read, no terminal) with one line on stderr and status 1; two
// passwords refused; and the password nowhere in /proc/<pid>/cmdline, the -d trace or a message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, needMosquitto, startTestBrokers, type TestBrokers } from '../helpers/broker.ts';
import { needPty, onTerminal } from '../helpers/pty.ts';
import { needMicrosocks, startSocks } from '../helpers/socks.ts';
import { bin, run } from '../helpers/run.ts';

const skip = needMosquitto;
let brokers: TestBrokers;
let conn: string[];
let files: { right: string; crlf: string; wrong: string; empty: string; dir: string; missing: string };

before(async () => {
  if (skip) return;
  // The broker logs each subscription ("<client id> <qos> <topic>"): what the cmdline test waits for.
  brokers = await startTestBrokers('tsmqtt-pwsrc-', ['log_dest stderr', 'log_type subscribe']);
  conn = ['-h', '127.0.0.1', '-p', String(brokers.auth.port), '-u', 'bob'];
  const f = (name: string, text: string) => {
    const path = join(brokers.dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  files = {
    // Only the first line counts; the rest of the file is never read as the password.
    right: f('right', 'secret\nsecond line\n'),
    crlf: f('crlf', 'secret\r\n'),
    wrong: f('wrong', 'not-the-secret'),
    empty: f('empty', '\nsecret\n'),
    dir: join(brokers.dir, 'a-directory'),
    missing: join(brokers.dir, 'no-such-file'),
  };
  mkdirSync(files.dir);
});

after(async () => {
  if (!skip) await brokers.stop();
});

const env = (extra: Record<string, string> = {}) => ({ ...brokers.env, ...extra });
const NOT_AUTHORISED = 'Connection error: Connection Refused: not authorised.\nError: The connection was refused.\n';

test('tspub: each source with the right password publishes, with a wrong one is refused by the broker', {
  skip,
}, async () => {
  const pub = (args: string[], e = env()) =>
    run(bin('tspub'), [...conn, ...args, '-t', 'pw/pub', '-m', 'x', '-q', '1'], { env: e });
  for (const [how, args, e] of [
    ['--pw-env', ['--pw-env', 'MQTT_PW'], env({ MQTT_PW: 'secret' })],
    ['--pw-file', ['--pw-file', files.right], env()],
    ['--pw-file (CR LF)', ['--pw-file', files.crlf], env()],
  ] as const) {
    const r = await pub([...args], e);
    assert.equal(r.stderr.toString(), '', how);
    assert.equal(r.code, 0, how);
  }
  for (const [how, args, e] of [
    ['--pw-env', ['--pw-env', 'MQTT_PW'], env({ MQTT_PW: 'secret2' })],
    ['--pw-file', ['--pw-file', files.wrong], env()],
  ] as const) {
    const r = await pub([...args], e);
    assert.equal(r.stderr.toString(), NOT_AUTHORISED, how);
    assert.equal(r.code, 5, how);
  }
});

test('tssub and tsrr: --pw-env and --pw-file, right and wrong', { skip }, async () => {
  const sub = (args: string[], e: NodeJS.ProcessEnv) =>
    run(bin('tssub'), [...conn, ...args, '-t', 'pw/sub', '-E', '-d'], { env: e });
  let r = await sub(['--pw-env', 'PW'], env({ PW: 'secret' }));
  assert.equal(r.code, 0, r.stderr.toString());
  assert.match(r.stdout.toString(), /received SUBACK/);
  r = await sub(['--pw-file', files.right], env());
  assert.equal(r.code, 0, r.stderr.toString());
  r = await sub(['--pw-env', 'PW'], env({ PW: 'nope' }));
  assert.equal(r.code, 5);
  // As mosquitto_sub: the refusal, without tspub's second line.
  assert.equal(r.stderr.toString(), 'Connection error: Connection Refused: not authorised.\n');
  r = await sub(['--pw-file', files.wrong], env());
  assert.equal(r.code, 5);
  // tsrr listening on its own request topic: it receives its request, so the whole round
  // (connect, subscribe, publish) went through with the password from the source.
  const rr = (args: string[], e: NodeJS.ProcessEnv) =>
    run(bin('tsrr'), [...conn, ...args, '-t', 'pw/rr', '-e', 'pw/rr', '-m', 'ping', '-W', '10'], { env: e });
  r = await rr(['--pw-env', 'PW'], env({ PW: 'secret' }));
  assert.equal(r.code, 0, r.stderr.toString());
  assert.equal(r.stdout.toString(), 'ping\n');
  r = await rr(['--pw-file', files.right], env());
  assert.equal(r.code, 0, r.stderr.toString());
  // MQTT v5 (tsrr's default): the broker's reason code is the status, as with mosquitto_rr.
  r = await rr(['--pw-file', files.wrong], env());
  assert.equal(r.stderr.toString(), 'Connection error: Not authorized\n');
  assert.equal(r.code, 135);
});

test('-L with a user and no password takes the password from the source', { skip }, async () => {
  const url = `mqtt://bob@127.0.0.1:${brokers.auth.port}/pw/url`;
  let r = await run(bin('tspub'), ['-L', url, '--pw-env', 'PW', '-m', 'x'], { env: env({ PW: 'secret' }) });
  assert.equal(r.code, 0, r.stderr.toString());
  r = await run(bin('tssub'), ['-L', url, '--pw-file', files.right, '-E'], { env: env() });
  assert.equal(r.code, 0, r.stderr.toString());
});

test("--proxy: the source never fills the proxy's password", { skip: skip || needMicrosocks }, async () => {
  // A proxy whose password is the broker's: were the source's password handed to the proxy,
  // the login through it would succeed.
  const socks = await startSocks({ user: 'alice', pass: 'secret' });
  try {
    const pub = (proxy: string) =>
      run(bin('tspub'), [...conn, '--proxy', proxy, '--pw-env', 'PW', '-t', 'pw/proxy', '-m', 'x'], {
        env: env({ PW: 'secret' }),
      });
    let r = await pub(`socks5h://alice@127.0.0.1:${socks.port}`);
    assert.equal(r.stderr.toString(), 'Error: Authorisation failed.\n');
    assert.equal(r.code, 11);
    // The proxy's password in its URL, the broker's from the source: both logins work.
    r = await pub(`socks5h://alice:secret@127.0.0.1:${socks.port}`);
    assert.equal(r.code, 0, r.stderr.toString());
  } finally {
    await socks.stop();
  }
});

test('the options file (-o, and the defaults file) takes the sources too', { skip }, async () => {
  const opts = join(brokers.dir, 'opts');
  writeFileSync(opts, `-u bob\n--pw-file ${files.right}\n`);
  let r = await run(
    bin('tspub'),
    ['-h', '127.0.0.1', '-p', String(brokers.auth.port), '-o', opts, '-t', 'pw/o', '-m', 'x'],
    { env: env() },
  );
  assert.equal(r.code, 0, r.stderr.toString());
  // The defaults file ($XDG_CONFIG_HOME/mosquitto_sub) with --pw-env.
  const xdg = join(brokers.dir, 'xdg-pw');
  mkdirSync(xdg, { recursive: true });
  writeFileSync(join(xdg, 'mosquitto_sub'), '-u bob\n--pw-env PW\n');
  r = await run(bin('tssub'), ['-h', '127.0.0.1', '-p', String(brokers.auth.port), '-t', 'pw/o', '-E'], {
    env: env({ XDG_CONFIG_HOME: xdg, PW: 'secret' }),
  });
  assert.equal(r.code, 0, r.stderr.toString());
  // A source in the file and -P on the command line: two passwords, refused.
  r = await run(bin('tspub'), ['-p', String(brokers.auth.port), '-o', opts, '-P', 'secret', '-t', 'pw/o', '-m', 'x'], {
    env: env(),
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr.toString(), /^Error: -P and --pw-file both give a password/);
});

test('a missing or empty variable, a file that cannot be read, an empty first line: status 1 before connecting', {
  skip,
}, async () => {
  // Nothing listens on this port: a tool that tried to connect would say "Connection refused".
  const nowhere = ['-h', '127.0.0.1', '-p', String(await freePort()), '-u', 'bob'];
  const cases: Array<[string, string[], NodeJS.ProcessEnv, string]> = [
    [
      'tspub',
      ['--pw-env', 'TSMQTT_NO_SUCH_VAR', '-t', 'a', '-m', 'x'],
      env(),
      'Error: --pw-env: the environment variable "TSMQTT_NO_SUCH_VAR" is not set.\n',
    ],
    [
      'tssub',
      ['--pw-env', 'PW', '-t', 'a'],
      env({ PW: '' }),
      'Error: --pw-env: the environment variable "PW" is empty.\n',
    ],
    [
      'tsrr',
      ['--pw-file', files.missing, '-t', 'a', '-e', 'b', '-m', 'x'],
      env(),
      `Error: --pw-file: cannot read "${files.missing}": No such file or directory.\n`,
    ],
    [
      'tspub',
      ['--pw-file', files.dir, '-t', 'a', '-m', 'x'],
      env(),
      `Error: --pw-file: cannot read "${files.dir}": Is a directory.\n`,
    ],
    [
      'tssub',
      ['--pw-file', files.empty, '-t', 'a'],
      env(),
      `Error: --pw-file: "${files.empty}" holds no password (its first line is empty).\n`,
    ],
  ];
  if (process.getuid?.() !== 0) {
    // Root reads any file: an unreadable one can only be made for another user.
    const locked = join(brokers.dir, 'locked');
    writeFileSync(locked, 'secret\n');
    chmodSync(locked, 0);
    cases.push([
      'tspub',
      ['--pw-file', locked, '-t', 'a', '-m', 'x'],
      env(),
      `Error: --pw-file: cannot read "${locked}": Permission denied.\n`,
    ]);
  }
  for (const [tool, args, e, message] of cases) {
    // --quiet keeps no failure to get the password quiet.
    const r = await run(bin(tool), [...nowhere, ...args, '--quiet'], { env: e });
    assert.equal(r.stderr.toString(), message, `${tool} ${args.join(' ')}`);
    assert.equal(r.code, 1);
    assert.equal(r.stdout.toString(), '');
  }
});

test('two passwords at once are refused: -P, a -L password, two sources', { skip }, async () => {
  const url = `mqtt://bob:secret@127.0.0.1:${brokers.auth.port}/pw/two`;
  for (const [args, first, second] of [
    [['-P', 'secret', '--pw-env', 'PW', '-t', 'a', '-m', 'x'], '-P', '--pw-env'],
    [['--pw-file', files.right, '-P', 'secret', '-t', 'a', '-m', 'x'], '-P', '--pw-file'],
    [['--pw-env', 'PW', '--pw-prompt', '-t', 'a', '-m', 'x'], '--pw-env', '--pw-prompt'],
    [['-L', url, '--pw-file', files.right, '-m', 'x'], '-P', '--pw-file'],
  ] as const) {
    const r = await run(bin('tspub'), [...args], { env: env({ PW: 'secret' }) });
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(
      r.stderr.toString(),
      `Error: ${first} and ${second} both give a password: only one of -P (or a password in -L), --pw-env, --pw-file and --pw-prompt may be used at once.\n\nUse 'tspub --help' to see usage.\n`,
    );
  }
  // The same source twice: the last one given counts, as with -P.
  const r = await run(
    bin('tspub'),
    [...conn, '--pw-file', files.wrong, '--pw-file', files.right, '-t', 'a', '-m', 'x'],
    { env: env() },
  );
  assert.equal(r.code, 0, r.stderr.toString());
});

test('--pw-prompt on a terminal: asked once, typed without echo, right and wrong', {
  skip: skip || needPty,
}, async () => {
  const q = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const cmd = (tool: string, extra: string) => `${bin(tool)} ${conn.map(q).join(' ')} --pw-prompt ${extra}`;
  let r = await onTerminal(['secret\r'], cmd('tspub', '-t pw/prompt -m x -d'));
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /^Password: \r\n/);
  assert.match(r.out, /received CONNACK \(0\)/);
  assert.ok(!r.out.includes('secret'), `no echo: ${JSON.stringify(r.out)}`);
  r = await onTerminal(['wrong-one\r'], cmd('tssub', '-t pw/prompt -E'));
  assert.equal(r.status, 5, r.out);
  assert.ok(!r.out.includes('wrong-one'), r.out);
  assert.match(r.out, /not authorised/);
  r = await onTerminal(['secret\r'], cmd('tsrr', '-t pw/p -e pw/p -m hi -W 10'));
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /^Password: \r\nhi\r\n$/);
  // Enter alone: nothing typed, nothing sent.
  r = await onTerminal(['\r'], cmd('tspub', '-t pw/prompt -m x'));
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /Error: --pw-prompt: no password typed\./);
});

test('--pw-prompt with no terminal: status 1 and why, before connecting', { skip }, async () => {
  // setsid: a new session without a controlling terminal (stdin is a pipe as well).
  const nowhere = ['-h', '127.0.0.1', '-p', String(await freePort()), '-u', 'bob'];
  for (const tool of ['tspub', 'tssub'] as const) {
    const args = tool === 'tspub' ? ['-t', 'a', '-m', 'x'] : ['-t', 'a'];
    const r = await run('setsid', ['-w', bin(tool), ...nowhere, '--pw-prompt', ...args], {
      env: env(),
      input: 'secret\n',
    });
    assert.equal(
      r.stderr.toString(),
      'Error: --pw-prompt: no terminal to ask for the password on (use --pw-env or --pw-file).\n',
    );
    assert.equal(r.code, 1);
  }
});

/**
 * tssub with `args`, running: waits for the broker to log its subscription, reads its command
 * line and environment, then stops it; returns those and all it printed.
 */
async function whileSubscribed(
  args: string[],
  e: NodeJS.ProcessEnv,
  topic: string,
): Promise<{ cmdline: string; out: string; code: number | null }> {
  const id = `pwsrc-${topic.replace(/\W/g, '')}`;
  const logged = () =>
    brokers.auth
      .log()
      .split('\n')
      .some((l) => l.endsWith(`: ${id} 0 ${topic}`));
  const sub = spawn(bin('tssub'), [...conn, ...args, '-i', id, '-t', topic, '-d', '-v'], { env: e });
  let out = '';
  sub.stdout.on('data', (d) => {
    out += d;
  });
  sub.stderr.on('data', (d) => {
    out += d;
  });
  const done = new Promise<number | null>((resolve) => sub.once('close', resolve));
  const end = Date.now() + 20000;
  while (!logged()) {
    assert.ok(Date.now() < end && sub.exitCode === null, `no subscription logged: ${out}\n${brokers.auth.log()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const cmdline = readFileSync(`/proc/${sub.pid}/cmdline`, 'latin1');
  // Published with the password given the old way, from the test: the subscriber prints it and exits.
  const p = await run(bin('tspub'), [...conn, '-P', 'secret', '-t', topic, '-m', 'hello', '-q', '1'], { env: env() });
  assert.equal(p.code, 0, p.stderr.toString());
  return { cmdline, out, code: await done };
}

test('the password is in neither /proc/<pid>/cmdline nor the -d trace of a running tssub', { skip }, async () => {
  const secretOf = 'secret';
  for (const [args, e, topic] of [
    [['--pw-env', 'MQTT_PW', '-C', '1'], env({ MQTT_PW: secretOf }), 'pw/cmd/env'],
    [['--pw-file', files.right, '-C', '1'], env(), 'pw/cmd/file'],
  ] as const) {
    const r = await whileSubscribed([...args], e, topic);
    assert.equal(r.code, 0, r.out);
    assert.match(r.cmdline, new RegExp(`\0${args[0]}\0`), "the command line read is the tool's");
    assert.ok(!r.cmdline.includes(secretOf), `cmdline: ${JSON.stringify(r.cmdline)}`);
    assert.match(r.out, /sending CONNECT[\s\S]*received SUBACK[\s\S]*hello/);
    assert.ok(!r.out.includes(secretOf), `output: ${r.out}`);
  }
});
