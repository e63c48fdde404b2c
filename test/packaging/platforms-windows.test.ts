// The Windows release (win-x64) under wine64, from its unpacked zip, against mosquitto here:
// --help and usage errors as the Linux build prints them, with the same exit statuses; -f and
// -s with binary data sent byte for byte; -l with CRLF lines (lines as mosquitto_pub.exe reads
// them); tssub -C output byte for byte the Linux build's; the defaults file where mosquitto
// looks on Windows (%USERPROFILE%\mosquitto_pub.conf); TZ by IANA name; password files
// mosquitto accepts; Ctrl-C ending tssub with a DISCONNECT; on the console (wine's, in tmux),
// tspasswd's password and an encrypted --key's pass phrase asked with echo off, and TLS.
// The tools are run by a driver script in the Windows node.exe the release is made from, so
// their standard input and output are Windows pipes (wine cannot hand a Windows program a
// Linux pipe: Node fails on it with EBADF); all cases run in one wine process.
// wine64 is a large Debian package (about 670 MB installed): .ci/run installs it unless
// TSMQTT_WINE=0, and without it this test skips saying so. TSMQTT_WINE=0 skips it too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loginArgs, needMosquitto, startBroker, type Broker } from '../helpers/broker.ts';
import { collect, retainedOn } from '../helpers/collector.ts';
import { buildRelease, cannotRun, type Release } from '../helpers/release.ts';
import { bin, run } from '../helpers/run.ts';
import { waitFor } from '../helpers/wait.ts';
import { makeCerts, needOpenssl, startTlsBroker } from '../helpers/tls.ts';
// @ts-expect-error: plain JavaScript build scripts, no types
import { nodeBinary, runner } from '../../scripts/targets.mjs';

const skip = needMosquitto || (process.env.TSMQTT_WINE === '0' && 'TSMQTT_WINE=0') || cannotRun('win-x64');
let dir: string;
let release: Release;
let broker: Broker;
let wineEnv: NodeJS.ProcessEnv;

/** The wine server beside the wine that runs the Windows build. */
const wineserver = () => join(runner('win-x64')[0], '..', 'wineserver');

/** A path here as Windows programs under wine see it (drive Z: is /). */
const win = (path: string) => `Z:${path.replace(/\//g, '\\')}`;

before(
  async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'tsmqtt-windows-'));
    release = await buildRelease('win-x64', join(dir, 'build'));
    // A wine prefix of its own, set to Windows 10 (Node 20 refuses to start on wine's default, 7).
    wineEnv = { ...process.env, WINEPREFIX: join(dir, 'wine'), WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
    const cfg = spawnSync(runner('win-x64')[0], ['winecfg', '-v', 'win10'], {
      env: wineEnv,
      encoding: 'utf8',
      timeout: 300000,
    });
    assert.equal(cfg.status, 0, `winecfg: ${cfg.stderr}`);
    // One wine server for the whole file, kept until after() stops it: a server that exits
    // when its last program has (wine's default, a few seconds later) can be going away just
    // as the next program connects ("wine client error:0: recvmsg: Connection reset by peer",
    // seen with a second copy of the suite running). winecfg's server is waited out first.
    const server = (arg: string) => spawnSync(wineserver(), [arg], { env: wineEnv, encoding: 'utf8', timeout: 120000 });
    assert.equal(server('-w').status, 0, 'the wine server of winecfg has ended');
    const kept = server('-p');
    assert.equal(kept.status, 0, `wineserver -p: ${kept.stderr}`);
    broker = await startBroker();
  },
  { timeout: 900000 },
);

after(async () => {
  await broker?.stop();
  if (wineEnv) spawnSync(wineserver(), ['-k'], { env: wineEnv });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Case {
  tool: string;
  args: string[];
  input?: Buffer;
  env?: Record<string, string>;
}
interface Result {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

/** The driver: runs each case with pipes for stdin, stdout and stderr, one after the other. */
const DRIVER = `
const { spawn } = require('child_process');
const fs = require('fs');
const [casesFile, resultsFile] = process.argv.slice(2);
const cases = JSON.parse(fs.readFileSync(casesFile, 'utf8'));
const results = [];
(async () => {
  for (const c of cases) {
    results.push(await new Promise((resolve) => {
      const p = spawn(c.exe, c.args, { stdio: 'pipe', env: { ...process.env, ...c.env } });
      const out = [], err = [];
      p.stdout.on('data', (d) => out.push(d));
      p.stderr.on('data', (d) => err.push(d));
      p.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('base64'), stderr: Buffer.concat(err).toString('base64') }));
      p.stdin.on('error', () => {});
      p.stdin.end(Buffer.from(c.input || '', 'base64'));
    }));
  }
  fs.writeFileSync(resultsFile, JSON.stringify(results));
})();
`;

/** Runs the cases on Windows (one wine process); their results, in order. */
async function onWindows(cases: Case[]): Promise<Result[]> {
  const work = mkdtempSync(join(dir, 'cases-'));
  writeFileSync(join(work, 'driver.js'), DRIVER);
  writeFileSync(
    join(work, 'cases.json'),
    JSON.stringify(
      cases.map((c) => ({
        exe: win(join(release.unpacked, `${c.tool}.exe`)),
        args: c.args,
        input: (c.input ?? Buffer.alloc(0)).toString('base64'),
        env: c.env ?? {},
      })),
    ),
  );
  // The driver's own output goes to files: a Linux pipe is what Node under wine cannot use.
  const log = openSync(join(work, 'driver.log'), 'w');
  const r = await new Promise<number | null>((resolve) => {
    const p = spawn(
      runner('win-x64')[0],
      [
        nodeBinary('win-x64'),
        win(join(work, 'driver.js')),
        win(join(work, 'cases.json')),
        win(join(work, 'results.json')),
      ],
      { env: wineEnv, stdio: ['ignore', log, log] },
    );
    p.once('close', resolve);
  });
  closeSync(log);
  assert.equal(r, 0, `the driver under wine: ${readFileSync(join(work, 'driver.log'), 'utf8')}`);
  const results = JSON.parse(readFileSync(join(work, 'results.json'), 'utf8')) as Array<{
    code: number;
    stdout: string;
    stderr: string;
  }>;
  return results.map((x) => ({
    code: x.code,
    stdout: Buffer.from(x.stdout, 'base64'),
    stderr: Buffer.from(x.stderr, 'base64'),
  }));
}

const at = () => ['-h', '127.0.0.1', '-p', String(broker.port)];
/** Every byte value, a CRLF and a Ctrl-Z among them: a text-mode read would change it. */
const BINARY = Buffer.concat([Buffer.from([...Array(256).keys()]), Buffer.from('\r\n\x1a\r\nend')]);

test('win-x64 under wine: --help, usage errors, a refused connection and a timeout as the Linux build (text and exit status)', {
  skip,
  timeout: 600000,
}, async () => {
  const cases: Case[] = [
    { tool: 'tspub', args: ['--help'] },
    { tool: 'tssub', args: ['--help'] },
    { tool: 'tsrr', args: ['--help'] },
    { tool: 'tspasswd', args: ['--help'] },
    { tool: 'tspub', args: ['--version'] },
    { tool: 'tspub', args: [] },
    { tool: 'tssub', args: ['-t', 'x', '-q', '3'] },
    { tool: 'tspub', args: ['-h', '127.0.0.1', '-p', '1', '-t', 't', '-m', 'x'] },
    { tool: 'tspub', args: ['-t', 't', '-f', win(join(dir, 'no such file'))] },
    // Nothing arrives within -W: mosquitto's timeout status, 27.
    { tool: 'tssub', args: [...at(), '-t', 'win/nothing', '-C', '1', '-W', '1'] },
  ];
  const results = await onWindows(cases);
  const missing = join(dir, 'no such file');
  for (const [i, c] of cases.entries()) {
    const linux = await run(
      bin(c.tool),
      c.args.map((a) => (a === win(missing) ? missing : a)),
    );
    const got = results[i]!;
    const what = `${c.tool} ${c.args.join(' ')}`;
    assert.equal(got.stdout.toString(), linux.stdout.toString(), `${what}: stdout`);
    // The messages name the file as it was given.
    assert.equal(got.stderr.toString(), linux.stderr.toString().split(missing).join(win(missing)), `${what}: stderr`);
    assert.equal(got.code, linux.code, `${what}: exit status`);
  }
});

test('win-x64 under wine: -f and -s send binary data byte for byte; -l ends lines at CRLF; tssub -C writes what the Linux build writes', {
  skip,
  timeout: 600000,
}, async () => {
  const file = join(dir, 'binary.dat');
  writeFileSync(file, BINARY);
  const lines = await collect(broker.port, 'win/lines', 4);
  const [f, s, l, sub, subF] = await onWindows([
    { tool: 'tspub', args: [...at(), '-t', 'win/f', '-f', win(file), '-r', '-q', '1'] },
    { tool: 'tspub', args: [...at(), '-t', 'win/s', '-s', '-r', '-q', '2'], input: BINARY },
    {
      tool: 'tspub',
      args: [...at(), '-t', 'win/lines', '-l', '-q', '1'],
      input: Buffer.from('one\r\ntwo\n\r\nbare\rcr\r\nlast'),
    },
    { tool: 'tssub', args: [...at(), '-t', 'win/f', '-C', '1', '-q', '1', '-v'] },
    { tool: 'tssub', args: [...at(), '-t', 'win/s', '-C', '1', '-F', '%t|%q|%r|%l|%p|%x'] },
  ]);
  for (const r of [f, s, l]) assert.equal(r!.code, 0, r!.stderr.toString());
  assert.equal((await retainedOn(broker.port, 'win/f'))?.payload, BINARY.toString('hex'), '-f: the file byte for byte');
  assert.equal(
    (await retainedOn(broker.port, 'win/s'))?.payload,
    BINARY.toString('hex'),
    '-s: standard input byte for byte',
  );
  const got = (await lines.settle(5)).map((m) => Buffer.from(m.payload, 'hex').toString('latin1'));
  await lines.close();
  assert.deepEqual(got, ['one', 'two', '', 'bare\rcr', 'last'], '-l: a CRLF ends a line, a lone CR stays');
  const linuxSub = await run(bin('tssub'), [...at(), '-t', 'win/f', '-C', '1', '-q', '1', '-v']);
  const linuxSubF = await run(bin('tssub'), [...at(), '-t', 'win/s', '-C', '1', '-F', '%t|%q|%r|%l|%p|%x']);
  assert.ok(sub!.stdout.equals(linuxSub.stdout), "tssub -v: the Linux build's bytes");
  assert.ok(sub!.stdout.equals(Buffer.concat([Buffer.from('win/f '), BINARY, Buffer.from('\n')])));
  assert.ok(subF!.stdout.equals(linuxSubF.stdout), "tssub -F: the Linux build's bytes");
  assert.equal(sub!.code, linuxSub.code);
  assert.equal(subF!.code, 0);
});

test('win-x64 under wine: the defaults file %USERPROFILE%\\mosquitto_pub.conf (CRLF lines), TZ by IANA name', {
  skip,
  timeout: 600000,
}, async () => {
  const profile = join(dir, 'profile');
  mkdirSync(profile);
  writeFileSync(
    join(profile, 'mosquitto_pub.conf'),
    `# as Notepad writes it\r\n-h 127.0.0.1\r\n-p ${broker.port}\r\n-t win/conf\r\n-r\r\n`,
  );
  writeFileSync(join(profile, 'mosquitto_sub.conf'), `-h 127.0.0.1\r\n-p ${broker.port}\r\n`);
  const [pub, ignored, tz] = await onWindows([
    { tool: 'tspub', args: ['-m', 'from the defaults file'], env: { USERPROFILE: win(profile) } },
    // XDG_CONFIG_HOME is not where Windows tools look.
    { tool: 'tspub', args: ['-m', 'x'], env: { USERPROFILE: win(join(dir, 'empty')), XDG_CONFIG_HOME: win(profile) } },
    {
      tool: 'tssub',
      args: ['-t', 'win/conf', '-C', '1', '-F', '@z @Z|%p'],
      env: { USERPROFILE: win(profile), TZ: 'Asia/Tokyo' },
    },
  ]);
  assert.equal(pub!.code, 0, pub!.stderr.toString());
  assert.equal(
    Buffer.from((await retainedOn(broker.port, 'win/conf'))!.payload, 'hex').toString(),
    'from the defaults file',
  );
  // No defaults: no topic, mosquitto's usage error.
  assert.equal(ignored!.code, 1);
  assert.match(ignored!.stderr.toString(), /^Error: Both topic and message must be supplied\./);
  // Node's time zone data names the zone as ICU does in English (Linux's zoneinfo: JST).
  assert.equal(tz!.stdout.toString(), '+0900 GMT+9|from the defaults file\n', tz!.stderr.toString());
});

test('win-x64 under wine: tspasswd files (made, then changed in place) are accepted by mosquitto', {
  skip,
  timeout: 600000,
}, async () => {
  const file = join(dir, 'passwd');
  const [made, added] = await onWindows([
    { tool: 'tspasswd', args: ['-c', '-b', win(file), 'alice', 'wonder land'] },
    { tool: 'tspasswd', args: ['-b', win(file), 'bob', 'secret'] },
  ]);
  assert.equal(made!.code, 0, made!.stderr.toString());
  assert.equal(added!.code, 0, added!.stderr.toString());
  assert.match(readFileSync(file, 'utf8'), /^alice:\$7\$[^\n]+\nbob:\$7\$[^\n]+\n$/);
  const auth = await startBroker({ passwordFile: file });
  try {
    for (const [user, pw] of [
      ['alice', 'wonder land'],
      ['bob', 'secret'],
    ]) {
      const ok = await run(bin('tspub'), [...loginArgs(auth.port, user!, pw!), '-q', '1']);
      assert.equal(ok.code, 0, `${user}: ${ok.stderr}`);
    }
  } finally {
    await auth.stop();
  }
});

test('win-x64 under wine: Ctrl-C ends tssub with a DISCONNECT and status 0, as on Linux', {
  skip,
  timeout: 600000,
}, async () => {
  // Here the tool's output goes to a file (wine turns SIGINT into the console's Ctrl-C).
  const out = join(dir, 'ctrl-c.out');
  const fd = openSync(out, 'w');
  const p = spawn(
    runner('win-x64')[0],
    [join(release.unpacked, 'tssub.exe'), ...at(), '-t', 'win/ctrl-c', '-d', '-i', 'ctrlc'],
    { env: wineEnv, stdio: ['ignore', fd, fd] },
  );
  const exited = new Promise<number | null>((resolve) => p.once('close', resolve));
  try {
    await waitFor(
      () => {
        assert.ok(p.exitCode === null, `tssub ended before subscribing: ${readFileSync(out, 'utf8')}`);
        return readFileSync(out, 'utf8').includes('Subscribed (mid: 1)');
      },
      () => `tssub to subscribe: ${readFileSync(out, 'utf8')}`,
      120000,
      50,
    );
    p.kill('SIGINT');
    assert.equal(await exited, 0);
  } finally {
    closeSync(fd);
    if (p.exitCode === null) p.kill('SIGKILL');
  }
  assert.equal(
    readFileSync(out, 'utf8'),
    [
      'sending CONNECT',
      'received CONNACK (0)',
      'sending SUBSCRIBE (Mid: 1, Topic: win/ctrl-c, QoS: 0, Options: 0x00)',
      'received SUBACK',
    ]
      .map((l) => `Client ctrlc ${l}\n`)
      .join('') + 'Subscribed (mid: 1): 0\nClient ctrlc sending DISCONNECT\n',
  );
});

test("win-x64 under wine, on the console (tmux): tspasswd asks the password with echo off; an encrypted --key's pass phrase is asked on the console, then TLS with a client certificate", {
  skip: skip || needOpenssl || (spawnSync('sh', ['-c', 'command -v tmux']).status !== 0 && 'tmux is not installed'),
  timeout: 600000,
}, async () => {
  const certs = makeCerts(join(dir, 'certs'));
  const tlsBroker = await startTlsBroker(certs, { requireCertificate: true });
  const sock = join(dir, 'tmux.sock');
  const tmux = (...args: string[]) => run('tmux', ['-S', sock, ...args]);
  const screen = async () => (await tmux('capture-pane', '-p')).stdout.toString();
  const until = async (text: string) => {
    // Generous: wine's first start of a 73 MB executable took over two minutes in a full
    // suite run with the other core busy.
    let s = '';
    return waitFor(
      async () => {
        s = await screen();
        return s.includes(text) ? s : '';
      },
      () => `${text}; the screen:\n${s}`,
      400000,
      100,
    );
  };
  /** Runs a Windows command line in a fresh tmux pane (wine's console), then its exit status. */
  const onConsole = async (exe: string, args: string[]) => {
    const env = Object.entries(wineEnv)
      .filter(([k]) => k.startsWith('WINE'))
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ');
    const line = [runner('win-x64')[0], join(release.unpacked, exe), ...args].map((a) => `'${a}'`).join(' ');
    await tmux('new-session', '-d', '-x', '160', '-y', '30', `env ${env} ${line}; echo "EXIT=$?"; sleep 60`);
  };
  try {
    const file = join(dir, 'console.passwd');
    await onConsole('tspasswd.exe', ['-c', win(file), 'carol']);
    await until('Password:');
    await tmux('send-keys', 'c0nsole secret', 'Enter');
    await until('Reenter password:');
    await tmux('send-keys', 'c0nsole secret', 'Enter');
    const passwd = await until('EXIT=');
    assert.match(passwd, /EXIT=0/);
    assert.ok(!passwd.includes('c0nsole'), `the password was echoed:\n${passwd}`);
    assert.equal((await run(bin('tspasswd'), ['--verify', '-b', file, 'carol', 'c0nsole secret'])).code, 0);
    await tmux('kill-server');

    await onConsole('tspub.exe', [
      '--cafile',
      win(certs.caFile),
      '--cert',
      win(certs.clientCert),
      '--key',
      win(certs.clientKeyEncrypted),
      '-h',
      '127.0.0.1',
      '-p',
      String(tlsBroker.port),
      '-t',
      'win/tls',
      '-m',
      'x',
      '-q',
      '1',
      '-d',
      '-i',
      'wintls',
    ]);
    await until('Enter PEM pass phrase:');
    await tmux('send-keys', certs.clientKeyPassphrase, 'Enter');
    const tls = await until('EXIT=');
    assert.match(tls, /EXIT=0/, tls);
    assert.match(tls, /Client wintls received PUBACK \(Mid: 1, RC:0\)/);
    assert.ok(!tls.includes(certs.clientKeyPassphrase), `the pass phrase was echoed:\n${tls}`);
  } finally {
    await tmux('kill-server');
    await tlsBroker.stop();
  }
});
