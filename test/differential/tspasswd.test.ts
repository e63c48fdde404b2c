// tspasswd against mosquitto_passwd 2.0.11: the same command lines give the same output,
// exit status and file; files go both ways between the two tools and into a real broker;
// and each safety promise mosquitto_passwd does not keep is shown to hold.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, normalise, run, ROOT, type RunResult } from '../helpers/run.ts';
import {
  loginArgs,
  MOSQUITTO_PASSWD,
  MOSQUITTO_PUB,
  MOSQUITTO_SUB,
  needMosquitto,
  startBroker,
} from '../helpers/broker.ts';
import { hashPassword, verifyPassword } from '../../src/passwd/hash.ts';
import { needPty, onTerminal } from '../helpers/pty.ts';

const TSPASSWD = bin('tspasswd');
const PASSWD = MOSQUITTO_PASSWD ?? 'mosquitto_passwd';

before(() => {
  // The tests run the bundled tool; make sure it is this source's.
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), 'tspasswd'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

// Lines as mosquitto_passwd 2.0.11 wrote them (-b): a/pa (pbkdf2), c/pc (sha512).
const A =
  'a:$7$101$daLnQsNHj95Mj18L$A45UWppttseu3jsktibR7kaprdIyzfYtlxaMhi24FCFm3p26ypsPHXE4oGm+z5Mm83KpLvOPjTVqrYgPGm7CIQ==';
const C =
  'c:$6$GUqBKwHRW2fdE7el$cgctYGJK/MhczYdF+B5ihaGrGYIpdV+7Y4GqDASb0uJK7nBNsiW/VDkOZbGL5wZlDo+1mhej8Tg47AYe2f2bNw==';

function tempDir(): string {
  return fs.realpathSync(fs.mkdtempSync(join(tmpdir(), 'passwd-test-')));
}

async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = tempDir();
  try {
    return await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A hash replaced by its kind, so files from two runs can be compared. */
function shape(text: string): string {
  return text
    .replace(/\$7\$(\d+)\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==/g, '$7$$$1$$SALT$$HASH')
    .replace(/\$6\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==/g, '$6$$SALT$$HASH')
    .replace(/\$2b\$(\d\d)\$[./A-Za-z0-9]{53}/g, '$2b$$$1$$HASH');
}

type Setup = Record<string, string | Buffer | null>;

interface Outcome {
  stdout: string;
  stderr: string;
  code: number | null;
  files: Record<string, string>;
}

/** Runs one tool in a fresh directory holding `setup` (null: a directory), then reads the directory back. */
async function outcome(
  tool: string,
  args: string[],
  setup: Setup = {},
  input?: string,
  shell = false,
): Promise<Outcome> {
  return inTempDir(async (dir) => {
    for (const [name, content] of Object.entries(setup)) {
      if (content === null) fs.mkdirSync(join(dir, name));
      else fs.writeFileSync(join(dir, name), content);
    }
    const r: RunResult = shell
      ? await run('sh', ['-c', `exec "${tool}" ${args.join(' ')}`], { cwd: dir, input })
      : await run(tool, args, { cwd: dir, input });
    const files: Record<string, string> = {};
    for (const name of fs.readdirSync(dir).sort()) {
      const st = fs.lstatSync(join(dir, name));
      files[name] = st.isFile() ? shape(fs.readFileSync(join(dir, name), 'latin1')) : st.isDirectory() ? 'DIR' : 'LINK';
    }
    const clean = (b: Buffer) => normalise(b.toString('utf8').split(dir).join('DIR'));
    return { stdout: clean(r.stdout), stderr: clean(r.stderr), code: r.code, files };
  });
}

async function both(args: string[], setup?: Setup, input?: string, shell = false): Promise<[Outcome, Outcome]> {
  return Promise.all([outcome(PASSWD, args, setup, input, shell), outcome(TSPASSWD, args, setup, input, shell)]);
}

// ---------------------------------------------------------------------------------------
// Same command line, same result

const SAME: Array<[string, string[], Setup?, string?]> = [
  ['-c without operands', ['-c']],
  ['-c with -D', ['-c', '-D', 'f', 'u']],
  ['-c with -U', ['-c', '-U', 'f']],
  ['-D with -U', ['-D', '-U', 'f']],
  ['-b with -D', ['-b', '-D', 'f', 'u']],
  ['unknown hash', ['-H', 'md5', 'f', 'u']],
  ['hash names are case-sensitive', ['-H', 'SHA512', '-b', 'f', 'u', 'p']],
  ['-H without value', ['-H']],
  ['-I without value', ['-I']],
  ['-I zero', ['-I', '0', 'f', 'u']],
  ['-I not a number', ['-I', 'abc', '-b', 'f', 'u', 'p']],
  ['first bad option wins', ['-I', '-5', '-H', 'md5']],
  ['-c -b missing password', ['-c', '-b', 'f', 'u']],
  ['-D missing user', ['-D', 'f']],
  ['-U without file', ['-U']],
  ['-U with two operands', ['-U', 'f', 'g']],
  ['colon in user name', ['-c', '-b', 'f', 'u:x', 'p']],
  ['control character in user name', ['-c', '-b', 'f', 'a\tb:', 'p']],
  ['-c -b makes a file', ['-c', '-b', 'f', 'u', 'p']],
  ['-c ignores extra operands', ['-c', '-b', 'f', 'u', 'p', 'extra']],
  ['"--" is a file name', ['-c', '-b', '--', 'f', 'u']],
  ['an unknown option is a file name', ['-x', 'f']],
  ['empty password with -b', ['-c', '-b', 'f', 'u', '']],
  ['-H sha512 -c', ['-H', 'sha512', '-c', '-b', 'f', 'u', 'p']],
  ['-I sets the iterations', ['-I', '7', '-c', '-b', 'f', 'u', 'p']],
  ['update of a missing file', ['-b', 'nothere', 'u', 'p']],
  ['-U of a missing file', ['-U', 'nothere']],
  ['-c in a missing directory', ['-c', '-b', 'nodir/x', 'u', 'p']],
  ['update of a directory', ['-b', 'd', 'u', 'p'], { d: null }],
  ['-c onto a directory', ['-c', '-b', 'd', 'u', 'p'], { d: null }],
  ['-D in a directory', ['-D', 'd', 'u'], { d: null }],
  ['a path through a file', ['-b', 'plain/x', 'u', 'p'], { plain: '' }],
  ['-c through a file', ['-c', '-b', 'plain/x', 'u', 'p'], { plain: '' }],
  ['prompted password', ['-c', 'f', 'u'], {}, 'secret\nsecret\n'],
  ['prompted passwords differ', ['-c', 'f', 'u'], {}, 'one\ntwo\n'],
  ['prompted password empty', ['-c', 'f', 'u'], {}, '\n\n'],
  ['prompt answered once', ['-c', 'f', 'u'], {}, 'abc'],
  ['no input at all', ['f', 'u'], { f: `${A}\n` }, ''],
  ['prompted password with CRLF', ['-c', 'f', 'u'], {}, 'a\r\na\r\n'],
  ['a missing file is reported before the prompt', ['nothere', 'u'], {}, 'a\na\n'],
  ['update a user', ['-b', 'f', 'a', 'new'], { f: `${A}\n${C}\n` }],
  ['add a user', ['-b', 'f', 'z', 'new'], { f: `${A}\n${C}\n` }],
  ['update with sha512', ['-H', 'sha512', '-b', 'f', 'a', 'new'], { f: `${A}\n${C}\n` }],
  ['update by prompt', ['f', 'c'], { f: `${A}\n${C}\n` }, 'x\nx\n'],
  ['delete a user', ['-D', 'f', 'a'], { f: `${A}\n${C}\n` }],
  ['delete a missing user', ['-D', 'f', 'nobody'], { f: `${A}\n${C}\n` }],
  ['add to an empty file', ['-b', 'g', 'u', 'p'], { g: '' }],
  ['delete from an empty file', ['-D', 'g', 'u'], { g: '' }],
  ['a user twice: both updated', ['-b', 'h', 'a', 'X'], { h: 'a:pa\nb:pb\na:pa2\n' }],
  ['user names are trimmed', ['-b', 'g', 'b', 'new'], { g: 'b :pb\n a:x\nc:y\n' }],
  ['delete a trimmed user name', ['-D', 'g', 'a'], { g: 'b :pb\n a:x\nc:y\n' }],
  ['-U hashes plain text', ['-U', 'g'], { g: 'x:plain\ny:plain2\n' }],
  ['-U with sha512', ['-H', 'sha512', '-U', 'g'], { g: 'x:plain\n' }],
  ['-U takes the password as mosquitto 1.x did', ['-U', 'g'], { g: 'x: lead\ny:tab\t\t\n v :sp\nw::q\n' }],
  // A line that is no entry, comment or blank line: no password file, nothing changed.
  ['-U of a file with a line without a colon', ['-U', 'g'], { g: `${A}\nnot a password file\nx:plain\n` }],
  ['-U of a file of one word', ['-U', 'g'], { g: 'word' }],
  ['-D, a line without a colon before the user', ['-D', 'g', 'c'], { g: `${A}\ngarbage\n${C}\n` }],
  ['-D, a line without a colon after the user', ['-D', 'g', 'a'], { g: `${A}\ngarbage\n${C}\n` }],
  ['-b, a line without a colon after the user', ['-b', 'g', 'a', 'new'], { g: `${A}\ngarbage\n${C}\n` }],
  ['prompted, a line without a colon after the user', ['g', 'a'], { g: `${A}\ngarbage\n` }, 'x\nx\n'],
];

test('same as mosquitto_passwd', { skip: needMosquitto, concurrency: 4 }, async (t) => {
  await Promise.all(
    SAME.map(([name, args, setup, input]) =>
      t.test(name, async () => {
        const [theirs, ours] = await both(args, setup, input);
        assert.deepEqual(ours, theirs);
      }),
    ),
  );
});

test('same as mosquitto_passwd: a user name that is not UTF-8 is kept as bytes', { skip: needMosquitto }, async () => {
  const [theirs, ours] = await both(['-b', 'g', '"$(printf \'a\\377b\')"', 'p'], { g: 'x:y\n' }, undefined, true);
  assert.deepEqual(ours, theirs);
  assert.match(ours.files.g!, /^x:y\na\xffb:\$7\$101\$SALT\$HASH\n$/);
});

test('usage: on stdout, exit 1, for every wrong command line mosquitto_passwd gives it for', {
  skip: needMosquitto,
}, async () => {
  for (const args of [
    [],
    ['--help'],
    ['-h'],
    ['a'],
    ['-x', 'f', 'u'],
    ['-b', 'f', 'u'],
    ['-b', 'f', 'u', 'p', 'q'],
    ['f', 'u', 'extra'],
    ['-b', 'f', 'u', 'p', '-c'],
  ]) {
    const [theirs, ours] = await both(args);
    for (const o of [theirs, ours]) {
      assert.equal(o.code, 1, args.join(' '));
      assert.equal(o.stderr, '', args.join(' '));
      assert.ok(
        o.stdout.startsWith('TOOL is a tool for managing password files for mosquitto.\n\nUsage: TOOL '),
        o.stdout,
      );
      assert.ok(o.stdout.endsWith(' for more information.\n\n'), args.join(' '));
      assert.deepEqual(o.files, {});
    }
  }
  const help = (await run(TSPASSWD, [])).stdout.toString();
  for (const flag of ['-b', '-c', '-D', '-H', '-I', '-U', '--verify', 'bcrypt']) assert.ok(help.includes(flag), flag);
});

const asNobody =
  process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0
    ? false
    : 'needs root and setpriv to run both tools as an unprivileged user';

/**
 * This build's tspasswd where user nobody can run it: its launcher and bundle copied into
 * `dir`, since the checkout may be where nobody cannot read (under /root, in a 0700
 * directory). Modes are set, not copied: a checkout made under umask 077 has 0600 files.
 */
function tspasswdForNobody(dir: string): string {
  const top = join(dir, 'tool');
  for (const sub of ['', 'bin', 'dist']) {
    fs.mkdirSync(join(top, sub), { recursive: true });
    fs.chmodSync(join(top, sub), 0o755);
  }
  const files = [
    'bin/tspasswd',
    'bin/launch.cjs',
    'bin/package.json',
    'dist/tspasswd.cjs',
    'dist/tspasswd.cjs.v8cache',
  ];
  for (const f of files) {
    if (f.endsWith('.v8cache') && !fs.existsSync(join(ROOT, f))) continue;
    fs.copyFileSync(join(ROOT, f), join(top, f));
    fs.chmodSync(join(top, f), f === 'bin/tspasswd' ? 0o755 : 0o644);
  }
  return join(top, 'bin', 'tspasswd');
}

test("permission errors are mosquitto_passwd's", { skip: needMosquitto || asNobody }, async () => {
  await inTempDir(async (dir) => {
    fs.chmodSync(dir, 0o777);
    const tspasswd = tspasswdForNobody(dir);
    const ro = join(dir, 'ro');
    const unread = join(dir, 'unread');
    fs.writeFileSync(ro, `${A}\n`);
    fs.chmodSync(ro, 0o444);
    fs.writeFileSync(unread, `${A}\n`);
    fs.chmodSync(unread, 0o600);
    const nobody = ['--reuid=65534', '--regid=65534', '--clear-groups'];
    for (const args of [
      ['-b', ro, 'u', 'p'],
      ['-c', '-b', ro, 'u', 'p'],
      ['-U', unread],
      ['-D', unread, 'a'],
    ]) {
      const [theirs, ours] = await Promise.all(
        [PASSWD, tspasswd].map((tool) => run('setpriv', [...nobody, tool, ...args])),
      );
      assert.deepEqual([ours.code, ours.stderr.toString()], [theirs.code, theirs.stderr.toString()], args.join(' '));
      assert.match(ours.stderr.toString(), /Permission denied\.\n$/);
    }
    const verify = await run('setpriv', [...nobody, tspasswd, '--verify', '-b', unread, 'a', 'pa']);
    assert.deepEqual(
      [verify.code, verify.stderr.toString()],
      [1, `Error: Unable to open password file ${unread}. Permission denied.\n`],
    );
    // A directory we may not write in: the file cannot be replaced safely, so it is left alone.
    fs.mkdirSync(join(dir, 'sub'));
    fs.chmodSync(join(dir, 'sub'), 0o755);
    fs.writeFileSync(join(dir, 'sub', 'w'), `${A}\n`);
    fs.chmodSync(join(dir, 'sub', 'w'), 0o666);
    const r = await run('setpriv', [...nobody, tspasswd, '-b', join(dir, 'sub', 'w'), 'u', 'p']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr.toString(),
      /^Error: Unable to create a file in the directory of .*\/sub\/w: Permission denied\. .*the file was not changed\.\n$/,
    );
    assert.equal(fs.readFileSync(join(dir, 'sub', 'w'), 'utf8'), `${A}\n`);
  });
});

// ---------------------------------------------------------------------------------------
// Deliberate differences, each shown against mosquitto_passwd

test('comments and blank lines are kept where mosquitto_passwd destroys the file', {
  skip: needMosquitto,
}, async () => {
  const file = `# users of the plant\n${A}\n\n# and the rest\n${C}\r\n   \nlast:$7$1$abc`;
  const [theirs, ours] = await both(['-b', 'f', 'zg', 'pass'], { f: file });
  assert.equal(theirs.stderr, 'Error: Corrupt password file at line 1.\n');
  assert.equal(theirs.code, 0);
  assert.equal(theirs.files.f, 'zg:$7$101$SALT$HASH\n', 'mosquitto_passwd kept only the new user');
  assert.equal(ours.code, 0);
  assert.equal(ours.stderr, '');
  assert.equal(ours.files.f, `${shape(file)}\nzg:$7$101$SALT$HASH\n`);
});

test("a new user in a file with a line without a colon: mosquitto_passwd's error, status 1, the file unchanged (mosquitto_passwd exits 0 and drops that line and all after it)", {
  skip: needMosquitto,
}, async () => {
  const file = `${A}\ngarbage\n${C}\n`;
  for (const [args, input] of [[['-b', 'f', 'zg', 'pass']], [['f', 'zg'], 'pass\npass\n']] as Array<
    [string[], string?]
  >) {
    const [theirs, ours] = await both(args, { f: file }, input);
    assert.equal(theirs.stderr, 'Error: Corrupt password file at line 2.\n');
    assert.equal(theirs.code, 0);
    assert.equal(theirs.files.f, `${shape(A)}\nzg:$7$101$SALT$HASH\n`, 'mosquitto_passwd dropped lines 2 and 3');
    assert.deepEqual(ours, { ...theirs, code: 1, files: { f: shape(file) } });
  }
});

test('changing and deleting users keep every other byte in place', async () => {
  await inTempDir(async (dir) => {
    const f = join(dir, 'f');
    const before = `# head\r\n${A}\n\n   \n${C}\r\nb:plain\n# tail`;
    fs.writeFileSync(f, before);
    let r = await run(TSPASSWD, ['-b', f, 'a', 'new']);
    assert.equal(r.code, 0);
    assert.equal(r.stderr.toString(), '');
    const lines = fs.readFileSync(f, 'latin1').split('\n');
    const old = before.split('\n');
    assert.equal(lines.length, old.length);
    for (const [i, line] of lines.entries()) {
      if (i === 1) assert.notEqual(line, old[i]);
      else assert.equal(line, old[i]);
    }
    assert.ok(verifyPassword(Buffer.from('new'), lines[1]!.slice(2)));
    r = await run(TSPASSWD, ['-D', f, 'c']);
    assert.equal(r.code, 0);
    assert.equal(fs.readFileSync(f, 'latin1'), [...lines.slice(0, 4), ...lines.slice(5)].join('\n'));
  });
});

test('-U twice: the second run changes nothing, where mosquitto_passwd hashes the hashes', {
  skip: needMosquitto,
}, async () => {
  await inTempDir(async (dir) => {
    const bc = `d:${hashPassword(Buffer.from('pd'), 'bcrypt', 4)}`;
    const start = `# plain\nx:px\n${A}\n${C}\n${bc}\ny:py\nfive:$5$rounds=1000$salt$hash\n`;
    fs.writeFileSync(join(dir, 'ours'), start);
    fs.writeFileSync(join(dir, 'theirs'), `x:px\n${A}\n`); // mosquitto_passwd -U refuses lines without ':'
    for (let i = 0; i < 2; i++) {
      await run(PASSWD, ['-U', join(dir, 'theirs')]);
      const r = await run(TSPASSWD, ['-U', join(dir, 'ours')]);
      assert.equal(r.code, 0);
      assert.equal(
        r.stderr.toString(),
        `Warning: Line 7 of ${join(dir, 'ours')}: the password of user five is a $5$ hash, which tspasswd does not make; left unchanged.\n`,
      );
    }
    const ours = fs.readFileSync(join(dir, 'ours'), 'utf8').split('\n');
    assert.deepEqual(
      [ours[0], ours[2], ours[3], ours[4], ours[6]],
      ['# plain', A, C, bc, 'five:$5$rounds=1000$salt$hash'],
    );
    assert.ok(verifyPassword(Buffer.from('px'), ours[1]!.slice(2)));
    assert.ok(verifyPassword(Buffer.from('py'), ours[5]!.slice(2)));
    const hashedOnce = fs.readFileSync(join(dir, 'ours'));
    await run(TSPASSWD, ['-U', join(dir, 'ours')]);
    assert.deepEqual(fs.readFileSync(join(dir, 'ours')), hashedOnce);
    // mosquitto_passwd: both users locked out, "a" after one run and "x" after the second.
    const theirs = fs.readFileSync(join(dir, 'theirs'), 'utf8').split('\n');
    assert.equal(verifyPassword(Buffer.from('px'), theirs[0]!.slice(2)), false);
    assert.equal(verifyPassword(Buffer.from('pa'), theirs[1]!.slice(2)), false);
  });
});

test('-U of an empty file succeeds (mosquitto_passwd fails silently)', { skip: needMosquitto }, async () => {
  const [theirs, ours] = await both(['-U', 'g'], { g: '' });
  assert.deepEqual([theirs.code, theirs.stderr], [1, '']);
  assert.deepEqual([ours.code, ours.stderr, ours.files.g], [0, '', '']);
});

test('a last line without newline gets one before the new user (mosquitto_passwd joins them)', {
  skip: needMosquitto,
}, async () => {
  const [theirs, ours] = await both(['-b', 'h', 'z', 'pz'], { h: 'a:pa\nb:pb' });
  assert.equal(theirs.files.h, 'a:pa\nb:pbz:$7$101$SALT$HASH\n');
  assert.equal(ours.files.h, 'a:pa\nb:pb\nz:$7$101$SALT$HASH\n');
});

test('a rewritten line keeps its CRLF', async () => {
  const [ours] = await Promise.all([outcome(TSPASSWD, ['-b', 'h', 'a', 'X'], { h: 'a:pa\r\nb:pb\r\n' })]);
  assert.equal(ours.files.h, 'a:$7$101$SALT$HASH\r\nb:pb\r\n');
});

test("a user name starting with '#' is refused: the broker would read a comment", { skip: needMosquitto }, async () => {
  const [theirs, ours] = await both(['-c', '-b', 'f', '#x', 'p']);
  assert.deepEqual([theirs.code, theirs.files.f], [0, '#x:$7$101$SALT$HASH\n']);
  assert.deepEqual(ours, {
    stdout: '',
    code: 1,
    files: {},
    stderr: "Error: Username must not start with '#': mosquitto reads such a line as a comment.\n",
  });
});

test('a new file is 0600 whatever the umask; an edited one keeps its mode', async () => {
  await inTempDir(async (dir) => {
    const f = join(dir, 'f');
    let r = await run('sh', ['-c', `umask 000; exec "${TSPASSWD}" -c -b "${f}" u p`]);
    assert.equal(r.code, 0);
    assert.equal(fs.statSync(f).mode & 0o7777, 0o600);
    fs.chmodSync(f, 0o640);
    r = await run(TSPASSWD, ['-b', f, 'v', 'q']);
    assert.equal(r.code, 0);
    assert.equal(fs.statSync(f).mode & 0o7777, 0o640);
    // -c over an existing file replaces its content but keeps its mode.
    r = await run(TSPASSWD, ['-c', '-b', f, 'w', 'q']);
    assert.equal(fs.statSync(f).mode & 0o7777, 0o640);
    assert.match(fs.readFileSync(f, 'utf8'), /^w:\$7\$101\$[^\n]+\n$/);
    assert.deepEqual(fs.readdirSync(dir), ['f'], 'no lock or temporary file left');
  });
});

const asRoot = process.getuid?.() !== 0 && "changing a file's owner needs root";

test('every edit keeps the owner, group and mode of the file', { skip: asRoot }, async () => {
  await inTempDir(async (dir) => {
    const f = join(dir, 'f');
    fs.writeFileSync(f, `${A}\nx:plain\n`);
    for (const [mode, uid, gid] of [
      [0o640, 4321, 4322],
      [0o604, 0, 4323],
      [0o660, 4324, 0],
    ]) {
      fs.chmodSync(f, mode);
      fs.chownSync(f, uid, gid);
      const edits: Array<[string[], string?]> = [
        [['-b', f, 'a', 'new']],
        [['-b', f, 'b', 'pb']],
        [[f, 'c'], 'pc\npc\n'],
        [[f, 'c'], 'qc\nqc\n'],
        [['-D', f, 'b']],
        [['-U', f]],
        [['-H', 'sha512', '-b', f, 'a', 'pa']],
        [['-c', '-b', f, 'a', 'pa']],
        [['-c', f, 'x'], 'px\npx\n'],
      ];
      for (const [args, input] of edits) {
        if (args[0] === '-U') fs.appendFileSync(f, 'y:plain\n');
        const before = fs.readFileSync(f);
        const r = await run(TSPASSWD, args, { input });
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        assert.notDeepEqual(fs.readFileSync(f), before, `${args.join(' ')} changed the file`);
        const st = fs.statSync(f);
        assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [uid, gid, mode], args.join(' '));
      }
    }
  });
});

/** User mosquitto: uid and primary gid, as id(1) tells them. */
const brokerUser = (() => {
  const [uid, gid] = ['-u', '-g'].map((o) => spawnSync('id', [o, 'mosquitto'], { encoding: 'utf8' }));
  return uid!.status === 0 && gid!.status === 0 ? { uid: Number(uid!.stdout), gid: Number(gid!.stdout) } : undefined;
})();
const dropsToMosquitto =
  needMosquitto || asRoot || (!brokerUser && 'there is no user mosquitto (apt-get install -y mosquitto)');

test('tspasswd -c as root: 0600, owned by user mosquitto and its group; read by mosquitto started as root, which drops to that user', {
  skip: dropsToMosquitto,
}, async () => {
  // A world-readable directory: mosquitto, once user mosquitto, must reach the file.
  const dir = tempDir();
  fs.chmodSync(dir, 0o755);
  try {
    const f = join(dir, 'passwd');
    const made = await run('sh', ['-c', `umask 022; exec "${TSPASSWD}" -c "${f}" zg`], { input: 'secret\nsecret\n' });
    assert.equal(made.code, 0, made.stderr.toString());
    const st = fs.statSync(f);
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [brokerUser!.uid, brokerUser!.gid, 0o600]);
    const broker = await startBroker({ passwordFile: f, dropPrivileges: true });
    try {
      const login = (password: string) => run(MOSQUITTO_PUB!, loginArgs(broker.port, 'zg', password));
      assert.equal((await login('secret')).code, 0, 'logged in with the password');
      assert.equal((await login('wrong')).code, 5, 'a wrong password is refused: the file was read');
      assert.match(
        spawnSync('ps', ['-o', 'user=', '-p', String(broker.proc.pid)], { encoding: 'utf8' }).stdout,
        /^mosquit/,
        'the broker runs as mosquitto',
      );
    } finally {
      await broker.stop();
    }
    // The same file root's own (what tspasswd made before, and mosquitto_passwd 2.1): unreadable.
    fs.chownSync(f, 0, 0);
    await assert.rejects(startBroker({ passwordFile: f, dropPrivileges: true }), /Unable to open pwfile/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('editing through a symbolic link changes the target and keeps the link', async () => {
  await inTempDir(async (dir) => {
    fs.mkdirSync(join(dir, 'real'));
    fs.writeFileSync(join(dir, 'real', 'passwd'), `${A}\n`);
    fs.symlinkSync('real/passwd', join(dir, 'link'));
    const r = await run(TSPASSWD, ['-b', join(dir, 'link'), 'b', 'pb']);
    assert.equal(r.code, 0);
    assert.ok(fs.lstatSync(join(dir, 'link')).isSymbolicLink());
    assert.match(fs.readFileSync(join(dir, 'real', 'passwd'), 'utf8'), /^a:.*\nb:\$7\$/);
    // -c through a dangling link creates its target, as mosquitto_passwd does.
    fs.symlinkSync('real/new', join(dir, 'dangling'));
    assert.equal((await run(TSPASSWD, ['-c', '-b', join(dir, 'dangling'), 'u', 'p'])).code, 0);
    assert.ok(fs.lstatSync(join(dir, 'dangling')).isSymbolicLink());
    assert.match(fs.readFileSync(join(dir, 'real', 'new'), 'utf8'), /^u:\$7\$/);
  });
});

test('20 runs at the same moment: every change is kept', async () => {
  await inTempDir(async (dir) => {
    const f = join(dir, 'f');
    fs.writeFileSync(f, '# concurrent\n');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => run(TSPASSWD, ['-b', f, `user${i}`, `pw${i}`], { timeoutMs: 30000 })),
    );
    for (const r of results) assert.equal(r.code, 0, r.stderr.toString());
    const text = fs.readFileSync(f, 'utf8');
    assert.ok(text.startsWith('# concurrent\n'));
    const lines = text.trimEnd().split('\n').slice(1);
    assert.equal(lines.length, 20);
    for (let i = 0; i < 20; i++) {
      const line = lines.find((l) => l.startsWith(`user${i}:`));
      assert.ok(line && verifyPassword(Buffer.from(`pw${i}`), line.slice(line.indexOf(':') + 1)), `user${i}`);
    }
    assert.deepEqual(fs.readdirSync(dir), ['f']);
  });
});

test('a lock left by a process that died does not block', async () => {
  await inTempDir(async (dir) => {
    const f = join(dir, 'f');
    fs.writeFileSync(f, `${A}\n`);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    }).stdout;
    fs.writeFileSync(`${f}.lock`, `${dead}\n`);
    const r = await run(TSPASSWD, ['-b', f, 'b', 'pb']);
    assert.equal(r.code, 0, r.stderr.toString());
    assert.deepEqual(fs.readdirSync(dir), ['f']);
  });
});

// ---------------------------------------------------------------------------------------
// Beyond mosquitto_passwd: bcrypt and --verify

test('-H bcrypt: $2b$ with the cost from -I (default 10), and a warning that mosquitto cannot read it', async () => {
  await inTempDir(async (dir) => {
    const f = join(dir, 'f');
    let r = await run(TSPASSWD, ['-H', 'bcrypt', '-I', '5', '-c', '-b', f, 'u', 'pu']);
    assert.equal(r.code, 0);
    assert.equal(
      r.stderr.toString(),
      'Warning: mosquitto cannot read bcrypt ($2b$) hashes; use this file with a broker or authentication plugin that can.\n',
    );
    assert.match(fs.readFileSync(f, 'utf8'), /^u:\$2b\$05\$[./A-Za-z0-9]{53}\n$/);
    r = await run(TSPASSWD, ['-H', 'bcrypt', '-b', f, 'v', 'pv']);
    assert.match(fs.readFileSync(f, 'utf8'), /\nv:\$2b\$10\$/);
    r = await run(TSPASSWD, ['-H', 'bcrypt', '-I', '32', '-b', f, 'w', 'pw']);
    assert.deepEqual([r.code, r.stderr.toString()], [1, 'Error: bcrypt cost (-I) must be between 4 and 31.\n']);
    r = await run(TSPASSWD, ['-H', 'bcrypt', '-I', '4', '-b', f, 'long', 'x'.repeat(80)]);
    assert.match(r.stderr.toString(), /Warning: bcrypt uses only the first 72 bytes of a password\.\n/);
  });
});

test('--verify: exit 0 when the password matches, 1 when not, for $7$, $6$ and $2b$', async () => {
  await inTempDir(async (dir) => {
    const f = join(dir, 'f');
    fs.writeFileSync(f, `# c\n${A}\n${C}\nd:${hashPassword(Buffer.from('pd'), 'bcrypt', 4)}\nplain:text\n`);
    const verify = async (...args: string[]) => {
      const r = await run(TSPASSWD, ['--verify', ...args]);
      return [r.code, r.stdout.toString() + r.stderr.toString()];
    };
    assert.deepEqual(await verify('-b', f, 'a', 'pa'), [0, 'Password for user a is correct.\n']);
    assert.deepEqual(await verify('-b', f, 'c', 'pc'), [0, 'Password for user c is correct.\n']);
    assert.deepEqual(await verify('-b', f, 'd', 'pd'), [0, 'Password for user d is correct.\n']);
    assert.deepEqual(await verify('-b', f, 'a', 'pc'), [1, 'Error: Password for user a does not match.\n']);
    assert.deepEqual(await verify('-b', f, 'd', 'pa'), [1, 'Error: Password for user d does not match.\n']);
    assert.deepEqual(await verify('-b', f, 'nobody', 'x'), [1, 'Warning: User nobody not found in password file.\n']);
    assert.deepEqual(await verify('-b', f, 'plain', 'text'), [
      1,
      'Error: The password of user plain is not a $7$, $6$, $2b$ or $argon2id$ hash; tspasswd cannot check it.\n',
    ]);
    // Prompted: one "Password: ", no second one.
    const r = await run(TSPASSWD, ['--verify', f, 'c'], { input: 'pc\n' });
    assert.deepEqual([r.code, r.stdout.toString()], [0, 'Password: \nPassword for user c is correct.\n']);
    const wrong = await run(TSPASSWD, ['--verify', f, 'c'], { input: 'nope\n' });
    assert.equal(wrong.code, 1);
    assert.equal(fs.readFileSync(f, 'utf8').split('\n')[1], A, 'verify never writes');
  });
});

// mosquitto 2.1's additions: -H argon2id and -c -.

const ARGON2_TOOL =
  spawnSync('sh', ['-c', 'command -v argon2']).status === 0
    ? false
    : 'the reference argon2 tool is not installed (apt-get install -y argon2)';

/** What tspasswd says each run that writes an argon2id hash. */
const ARGON2_WARNING =
  'Warning: stock mosquitto 2.0 and 2.1 brokers cannot read argon2id hashes (2.0 drops the user, 2.1 does not start); use -H sha512-pbkdf2 for them.\n';

test("-H argon2id: mosquitto 2.1's parameters and format, with a warning; --verify and -U take it; -I does not apply", async () => {
  await inTempDir(async (dir) => {
    const f = join(dir, 'f');
    let r = await run(TSPASSWD, ['-H', 'argon2id', '-c', '-b', f, 'u', 'pu']);
    assert.deepEqual([r.code, r.stdout.toString(), r.stderr.toString()], [0, '', ARGON2_WARNING]);
    const line = fs.readFileSync(f, 'utf8');
    assert.match(line, /^u:\$argon2id\$v=19\$m=47104,t=1,p=1\$[A-Za-z0-9+/]{86}\$[A-Za-z0-9+/]{86}\n$/);
    r = await run(TSPASSWD, ['--verify', '-b', f, 'u', 'pu']);
    assert.deepEqual([r.code, r.stdout.toString()], [0, 'Password for user u is correct.\n']);
    r = await run(TSPASSWD, ['--verify', '-b', f, 'u', 'pU']);
    assert.deepEqual([r.code, r.stderr.toString()], [1, 'Error: Password for user u does not match.\n']);
    // -I is for PBKDF2 and bcrypt: the argon2id parameters stay mosquitto 2.1's.
    r = await run(TSPASSWD, ['-H', 'argon2id', '-I', '3', '-b', f, 'v', 'pv']);
    assert.equal(r.stderr.toString(), ARGON2_WARNING);
    assert.match(fs.readFileSync(f, 'utf8'), /\nv:\$argon2id\$v=19\$m=47104,t=1,p=1\$/);
    // -U: plain entries become argon2id, the hashed ones are left alone.
    fs.appendFileSync(f, 'w:plain-pw\n');
    const before = fs.readFileSync(f, 'utf8').split('\n');
    r = await run(TSPASSWD, ['-H', 'argon2id', '-U', f]);
    assert.deepEqual([r.code, r.stderr.toString()], [0, ARGON2_WARNING], 'once, for the one entry hashed');
    const after = fs.readFileSync(f, 'utf8').split('\n');
    assert.deepEqual(after.slice(0, 2), before.slice(0, 2));
    assert.match(after[2]!, /^w:\$argon2id\$/);
    r = await run(TSPASSWD, ['--verify', '-b', f, 'w', 'plain-pw']);
    assert.equal(r.code, 0);
  });
});

test('-H argon2id: mosquitto 2.0.11 drops the user, as the warning says; the other hashes log in', {
  skip: needMosquitto,
}, async () => {
  await inTempDir(async (dir) => {
    const f = join(dir, 'f');
    for (const [hash, user] of [
      ['argon2id', 'argon'],
      ['sha512-pbkdf2', 'pbkdf2'],
      ['sha512', 'sha'],
    ]) {
      const r = await run(TSPASSWD, ['-H', hash!, '-b', ...(fs.existsSync(f) ? [] : ['-c']), f, user!, 'pw']);
      assert.equal(r.code, 0, r.stderr.toString());
    }
    const broker = await startBroker({ passwordFile: f, extra: ['log_dest stderr'] });
    try {
      const login = (user: string) => run(MOSQUITTO_PUB!, loginArgs(broker.port, user, 'pw'));
      assert.deepEqual(
        [(await login('argon')).code, (await login('pbkdf2')).code, (await login('sha')).code],
        [5, 0, 0],
      );
      assert.match(broker.log(), /Error: Invalid password hash type for user argon, removing entry\./);
    } finally {
      await broker.stop();
    }
  });
});

test('-H argon2id: the same hash as the reference argon2 tool for the same salt', { skip: ARGON2_TOOL }, async () => {
  const { hashPasswordAsync, verifyPasswordAsync } = await import('../../src/passwd/hash.ts');
  const salt = 'tsmqtt-salt-0123456789-tsmqtt-salt-0123456789-tsmqtt-salt-012345';
  for (const password of ['secret', 'pässwörd with spaces', 'x'.repeat(100)]) {
    const ref = await run('argon2', [salt, '-id', '-t', '1', '-k', '47104', '-p', '1', '-l', '64', '-e'], {
      input: password,
    });
    assert.equal(ref.code, 0, ref.stderr.toString());
    const ours = await hashPasswordAsync(Buffer.from(password), 'argon2id', undefined, Buffer.from(salt));
    assert.equal(ours, ref.stdout.toString().trim());
    assert.equal(await verifyPasswordAsync(Buffer.from(password), ref.stdout.toString().trim()), true);
    assert.equal(await verifyPasswordAsync(Buffer.from(`${password}!`), ref.stdout.toString().trim()), false);
  }
});

test('-c -: the new file on standard output, nothing written (mosquitto 2.1; 2.0.11 makes a file named -)', async () => {
  await inTempDir(async (dir) => {
    let r = await run(TSPASSWD, ['-c', '-b', '-', 'u', 'pu'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr.toString());
    const out = r.stdout.toString();
    assert.match(out, /^u:\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==\n$/);
    assert.equal(verifyPassword(Buffer.from('pu'), out.trim().slice(2)), true);
    assert.deepEqual(fs.readdirSync(dir), [], 'no file was made');
    r = await run(TSPASSWD, ['-H', 'argon2id', '-c', '-b', '-', 'v', 'pv'], { cwd: dir });
    assert.match(r.stdout.toString(), /^v:\$argon2id\$/);
    assert.equal(r.stderr.toString(), ARGON2_WARNING);
    // Prompted: the prompts, then the line, on standard output (as mosquitto 2.1 prints them).
    r = await run(TSPASSWD, ['-c', '-', 'w'], { cwd: dir, input: 'pw\npw\n' });
    assert.equal(r.code, 0);
    assert.match(r.stdout.toString(), /^Password: \nReenter password: \nw:\$7\$101\$/);
  });
});

// ---------------------------------------------------------------------------------------
// The prompt on a real terminal (test/helpers/pty.ts)

test('on a terminal the password is asked twice with echo off, and echo is back afterwards', {
  skip: needPty,
}, async () => {
  await inTempDir(async (dir) => {
    const f = join(dir, 'f');
    const t = await onTerminal(
      ['Tr0ub4dor&3\r', 'Tr0ub4dor&3\r'],
      `"${TSPASSWD}" -c "${f}" u; echo "exit=$?"; stty -a`,
    );
    assert.equal(t.status, 0);
    assert.ok(t.out.startsWith('Password: \r\nReenter password: \r\nexit=0\r\n'), JSON.stringify(t.out));
    assert.ok(!t.out.includes('Tr0ub4dor'), 'the password was echoed');
    assert.match(t.out, /(^|\s)echo(\s|$)/, 'echo is on again');
    assert.ok(verifyPassword(Buffer.from('Tr0ub4dor&3'), fs.readFileSync(f, 'utf8').trim().slice(2)));
    // Backspace edits the hidden line.
    const b = await onTerminal(
      ['ab\x7fc\r', 'ac\r'],
      `"${TSPASSWD}" -b "${f}" u old >/dev/null; "${TSPASSWD}" "${f}" u`,
    );
    assert.equal(b.status, 0);
    assert.ok(verifyPassword(Buffer.from('ac'), fs.readFileSync(f, 'utf8').trim().slice(2)));
    // Mismatch and empty answers, as mosquitto_passwd prints them on a terminal.
    const m = await onTerminal(['one\r', 'two\r'], `"${TSPASSWD}" -c "${f}" u`);
    assert.deepEqual([m.status, m.out], [2, 'Password: \r\nReenter password: \r\nError: Passwords do not match.\r\n']);
    const e = await onTerminal(['\r'], `"${TSPASSWD}" -c "${f}" u`);
    assert.deepEqual([e.status, e.out], [1, 'Password: Error: Empty password.\r\n']);
    // Ctrl-C: killed by SIGINT, nothing written, echo on again.
    const before = fs.readFileSync(f);
    const c = await onTerminal(['secr\x03'], `"${TSPASSWD}" -c "${f}" u; echo "exit=$?"; stty -a`);
    assert.match(c.out, /^Password: \r\nexit=130\r\n/);
    assert.match(c.out, /(^|\s)echo(\s|$)/);
    assert.deepEqual(fs.readFileSync(f), before);
  });
});

test('mosquitto_passwd prints the same on a terminal', { skip: needMosquitto || needPty }, async () => {
  await inTempDir(async (dir) => {
    const theirs = await onTerminal(['s3cret\r', 's3cret\r'], `"${PASSWD}" -c "${join(dir, 'a')}" u`);
    const ours = await onTerminal(['s3cret\r', 's3cret\r'], `"${TSPASSWD}" -c "${join(dir, 'b')}" u`);
    assert.deepEqual(ours, theirs);
    assert.equal(shape(fs.readFileSync(join(dir, 'a'), 'utf8')), shape(fs.readFileSync(join(dir, 'b'), 'utf8')));
  });
});

// ---------------------------------------------------------------------------------------
// Into a real broker, both ways

/** Whether the broker lets `user` in with `password`. */
async function logsIn(port: number, user: string, password: string): Promise<boolean> {
  const r = await run(
    MOSQUITTO_SUB!,
    ['-h', '127.0.0.1', '-p', String(port), '-u', user, '-P', password, '-t', 'x', '-E', '-W', '5'],
    { timeoutMs: 10000 },
  );
  return r.code === 0;
}

test('mosquitto 2.0.11 lets in the users of a file tspasswd made, and nobody else', {
  skip: needMosquitto,
}, async () => {
  await inTempDir(async (dir) => {
    const f = join(dir, 'passwd');
    const tp = (...a: string[]) => run(TSPASSWD, a);
    assert.equal((await tp('-c', '-b', f, 'zg', 'pass')).code, 0);
    fs.appendFileSync(f, '# sensors\n\n');
    assert.equal((await tp('-b', f, 'old', 'style')).code, 0);
    assert.equal((await tp('-H', 'sha512', '-b', f, 'old', 'sha')).code, 0);
    assert.equal((await tp('-I', '1000', '-b', f, 'many', 'rounds')).code, 0);
    assert.equal((await run(TSPASSWD, [f, 'typed'], { input: 'by hand\nby hand\n' })).code, 0);
    assert.equal((await tp('-b', f, 'gone', 'soon')).code, 0);
    assert.equal((await tp('-D', f, 'gone')).code, 0);
    assert.equal((await tp('-H', 'bcrypt', '-I', '4', '-b', f, 'bc', 'pbc')).code, 0);
    fs.appendFileSync(f, 'plain:text\n');
    assert.equal((await tp('-U', f)).code, 0);
    const broker = await startBroker({ passwordFile: f });
    try {
      const checks: Array<[string, string, boolean]> = [
        ['zg', 'pass', true],
        ['zg', 'wrong', false],
        ['old', 'sha', true],
        ['old', 'style', false],
        ['many', 'rounds', true],
        ['typed', 'by hand', true],
        ['gone', 'soon', false],
        ['plain', 'text', true],
        ['bc', 'pbc', false],
        ['nobody', 'pass', false],
      ];
      for (const [user, password, ok] of checks)
        assert.equal(await logsIn(broker.port, user, password), ok, `${user}/${password}: ${broker.log()}`);
      assert.match(broker.log(), /Invalid password hash type for user bc/);
    } finally {
      await broker.stop();
    }
    // And mosquitto_passwd reads it back (once the lines it cannot parse are gone).
    const noComments =
      fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l.includes(':'))
        .join('\n') + '\n';
    fs.writeFileSync(f, noComments);
    const r = await run(PASSWD, ['-b', f, 'zg', 'again']);
    assert.deepEqual([r.code, r.stderr.toString()], [0, '']);
  });
});

test('tspasswd edits a file mosquitto_passwd made, and mosquitto 2.0.11 agrees', { skip: needMosquitto }, async () => {
  await inTempDir(async (dir) => {
    const f = join(dir, 'passwd');
    const mp = (...a: string[]) => run(PASSWD, a);
    await mp('-c', '-b', f, 'keep', 'kept');
    await mp('-H', 'sha512', '-b', f, 'six', 'sixpw');
    await mp('-b', f, 'change', 'before');
    await mp('-b', f, 'drop', 'dropped');
    await mp('-I', '50', '-b', f, 'fifty', 'iter');
    const made = fs.readFileSync(f, 'utf8').split('\n');
    for (const [user, pw] of [
      ['keep', 'kept'],
      ['six', 'sixpw'],
      ['fifty', 'iter'],
    ]) {
      assert.equal((await run(TSPASSWD, ['--verify', '-b', f, user!, pw!])).code, 0, user);
      assert.equal((await run(TSPASSWD, ['--verify', '-b', f, user!, 'no'])).code, 1, user);
    }
    assert.equal((await run(TSPASSWD, ['-b', f, 'change', 'after'])).code, 0);
    assert.equal((await run(TSPASSWD, ['-D', f, 'drop'])).code, 0);
    assert.equal((await run(TSPASSWD, ['-H', 'sha512', '-b', f, 'new', 'newpw'])).code, 0);
    const now = fs.readFileSync(f, 'utf8').split('\n');
    assert.deepEqual([now[0], now[1], now[3]], [made[0], made[1], made[4]], 'untouched users keep their lines');
    const broker = await startBroker({ passwordFile: f });
    try {
      const checks: Array<[string, string, boolean]> = [
        ['keep', 'kept', true],
        ['six', 'sixpw', true],
        ['fifty', 'iter', true],
        ['change', 'after', true],
        ['change', 'before', false],
        ['drop', 'dropped', false],
        ['new', 'newpw', true],
      ];
      for (const [user, password, ok] of checks)
        assert.equal(await logsIn(broker.port, user, password), ok, `${user}/${password}`);
    } finally {
      await broker.stop();
    }
  });
});
