// Unit tests of tspasswd's pieces: hashes against mosquitto_passwd's own output, the
// line-keeping file model, the atomic write under injected failures, and the lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword, isHashed, parseStored, verifyPassword } from '../../src/passwd/hash.ts';
import {
  classify,
  editPasswordFile,
  FileError,
  PasswordFile,
  plainPassword,
  resolvePasswordPath,
  fileErrorWords,
  withLock,
  writeFileAtomic,
  type WriteOps,
} from '../../src/passwd/file.ts';
import { atoi, parsePasswdArgs } from '../../src/passwd/options.ts';
import { UsageError } from '../../src/errors.ts';

// Written by mosquitto_passwd 2.0.11 (-b): user, password, line.
const MOSQUITTO_MADE = [
  [
    'a',
    'pa',
    '$7$101$daLnQsNHj95Mj18L$A45UWppttseu3jsktibR7kaprdIyzfYtlxaMhi24FCFm3p26ypsPHXE4oGm+z5Mm83KpLvOPjTVqrYgPGm7CIQ==',
  ],
  [
    'c',
    'pc',
    '$6$GUqBKwHRW2fdE7el$cgctYGJK/MhczYdF+B5ihaGrGYIpdV+7Y4GqDASb0uJK7nBNsiW/VDkOZbGL5wZlDo+1mhej8Tg47AYe2f2bNw==',
  ],
  [
    'u',
    'p',
    '$7$7$rxpXjnPvXoFW/9Yx$2no8G18LMvjoATiyz5zNJMkFjteqlno7iWdmUB6bvzvfcVTB25CoqN9xLO5RkhYrL425TXTxOZ3QA2XOFGiISw==',
  ],
] as const;

function tempDir(): string {
  return fs.realpathSync(fs.mkdtempSync(join(tmpdir(), 'tspasswd-unit-')));
}

test('hashes made by mosquitto_passwd verify, and wrong passwords do not', () => {
  for (const [, password, secret] of MOSQUITTO_MADE) {
    assert.equal(verifyPassword(Buffer.from(password), secret), true, secret);
    assert.equal(verifyPassword(Buffer.from(password + 'x'), secret), false, secret);
  }
});

test('the same salt gives the bytes mosquitto_passwd wrote', () => {
  const [, password, pbkdf2] = MOSQUITTO_MADE[0];
  const salt = Buffer.from('daLnQsNHj95Mj18L', 'base64');
  assert.equal(hashPassword(Buffer.from(password), 'sha512-pbkdf2', 101, salt), pbkdf2);
  const [, pw6, sha512] = MOSQUITTO_MADE[1];
  assert.equal(hashPassword(Buffer.from(pw6), 'sha512', 101, Buffer.from('GUqBKwHRW2fdE7el', 'base64')), sha512);
});

test("new hashes have mosquitto_passwd's shape: 12-byte salt, 64-byte digest, base64", () => {
  const pb = hashPassword(Buffer.from('secret'), 'sha512-pbkdf2');
  assert.match(pb, /^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
  assert.match(hashPassword(Buffer.from('secret'), 'sha512-pbkdf2', 5000), /^\$7\$5000\$/);
  assert.match(hashPassword(Buffer.from('secret'), 'sha512'), /^\$6\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
  const bc = hashPassword(Buffer.from('secret'), 'bcrypt', 4);
  assert.match(bc, /^\$2b\$04\$[./A-Za-z0-9]{53}$/);
  assert.equal(verifyPassword(Buffer.from('secret'), bc), true);
  assert.equal(verifyPassword(Buffer.from('Secret'), bc), false);
  // Two hashes of one password differ (random salt).
  assert.notEqual(hashPassword(Buffer.from('secret'), 'sha512-pbkdf2'), pb);
});

test('passwords are bytes: a non-UTF-8 password hashes and verifies as such', () => {
  const pw = Buffer.from([0x70, 0xff, 0xfe]);
  const h = hashPassword(pw, 'sha512-pbkdf2');
  assert.equal(verifyPassword(pw, h), true);
  assert.equal(verifyPassword(Buffer.from(pw.toString('utf8')), h), false);
});

test('what counts as hashed: $6$, $7$, $2a/b/y$ and other crypt schemes; the rest is plain text', () => {
  assert.equal(parseStored(MOSQUITTO_MADE[0][2]).kind, 'sha512-pbkdf2');
  assert.equal(parseStored(MOSQUITTO_MADE[1][2]).kind, 'sha512');
  assert.equal(parseStored(hashPassword(Buffer.from('x'), 'bcrypt', 4).replace('$2b$', '$2y$')).kind, 'bcrypt');
  assert.deepEqual(parseStored('$5$rounds=5000$abc$def'), { kind: 'foreign', scheme: '$5$' });
  assert.equal(parseStored(`${MOSQUITTO_MADE[0][2]}  `).kind, 'sha512-pbkdf2');
  for (const plain of ['password', 'pa$$word', '$ money', '']) assert.equal(isHashed(plain), false, plain);
  // A $7$ whose digest is not 64 bytes is no mosquitto hash, but still no plain text.
  assert.equal(parseStored('$7$101$abcd$abcd').kind, 'foreign');
  assert.equal(verifyPassword(Buffer.from('x'), 'plain'), undefined);
});

test('lines are classified as the broker reads them', () => {
  const kinds = ['a:b', ' b :x', '# c:d', ' #e:f', '', '   ', 'nocolon', ':nouser'].map((text) =>
    classify({ text, eol: '\n' }),
  );
  assert.deepEqual(kinds, [
    { kind: 'entry', user: 'a', secret: 'b' },
    { kind: 'entry', user: 'b', secret: 'x' },
    { kind: 'comment' },
    { kind: 'entry', user: '#e', secret: 'f' },
    { kind: 'blank' },
    { kind: 'blank' },
    { kind: 'unknown' },
    { kind: 'entry', user: '', secret: 'nouser' },
  ]);
  // mosquitto 1.x plain text: up to the next ':', blanks trimmed.
  assert.equal(plainPassword(' p:q '), 'p');
  assert.equal(plainPassword(':q'), 'q');
  assert.equal(plainPassword('  '), '');
});

test('parse and serialise give back every byte: CRLF, no final newline, non-UTF-8, NUL', () => {
  const bytes = Buffer.concat([
    Buffer.from('# c\r\nA:x\n\n'),
    Buffer.from([0xff, 0x00, 0x3a, 0x41]),
    Buffer.from('\nlast'),
  ]);
  assert.deepEqual(PasswordFile.parse(bytes).toBuffer(), bytes);
  assert.deepEqual(PasswordFile.parse(Buffer.alloc(0)).toBuffer(), Buffer.alloc(0));
});

test("edits change only the named user's lines", () => {
  const f = PasswordFile.parse(Buffer.from('# head\na:1\r\nb:2\njunk\na:3\nlast:4'));
  assert.equal(f.setUser('a', 'N'), 2);
  assert.equal(f.toBuffer().toString(), '# head\na:N\r\nb:2\njunk\na:N\nlast:4');
  assert.equal(f.setUser('z', 'Z'), 0);
  assert.equal(f.toBuffer().toString(), '# head\na:N\r\nb:2\njunk\na:N\nlast:4\nz:Z\n');
  assert.equal(f.deleteUser('a'), 2);
  assert.equal(f.deleteUser('nobody'), 0);
  assert.equal(f.toBuffer().toString(), '# head\nb:2\njunk\nlast:4\nz:Z\n');
  assert.deepEqual(f.unknownLines(), [3]);
  assert.equal(f.find('last')?.secret, '4');
});

test("the broker's entry for a user appearing twice is the last one", () => {
  const f = PasswordFile.parse(Buffer.from('d:first\nd:second\n'));
  assert.equal(f.find('d')?.secret, 'second');
});

/** Real fs calls, with one of them replaced by a failure. */
function failing(name: keyof WriteOps, code: string, after = 0): WriteOps {
  let calls = 0;
  const ops = { ...fs } as unknown as WriteOps;
  const real = ops[name] as (...a: unknown[]) => unknown;
  (ops as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
    if (calls++ >= after) throw Object.assign(new Error(`${code}: simulated failure`), { code });
    return real(...args);
  };
  return ops;
}

test('atomic write: a failure at any step leaves the old file as it was and no temporary file', () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'passwd');
    const old = Buffer.from('# keep me\nuser:$7$old\n');
    fs.writeFileSync(file, old, { mode: 0o640 });
    const big = Buffer.alloc(1 << 20, 0x61);
    const cases: Array<[keyof WriteOps, string, number]> = [
      ['writeSync', 'ENOSPC', 0],
      ['writeSync', 'ENOSPC', 1], // disk full after a partial write
      ['fsyncSync', 'EIO', 0],
      ['fchmodSync', 'EPERM', 0],
      ['closeSync', 'EIO', 0],
      ['renameSync', 'EXDEV', 0], // the crash between write and rename
    ];
    for (const [name, code, after] of cases) {
      const partial: WriteOps = { ...failing(name, code, after) };
      if (name === 'writeSync')
        partial.writeSync = (
          (real) => (fd: number, d: Buffer, o: number, l: number) =>
            real(fd, d, o, Math.min(l, 4096))
        )(partial.writeSync);
      assert.throws(
        () => writeFileAtomic(file, big, { mode: 0o640, uid: process.getuid!(), gid: process.getgid!() }, partial),
        (e: unknown) =>
          e instanceof FileError && e.stage === 'write' && (e.cause as NodeJS.ErrnoException).code === code,
        `${name} ${code}`,
      );
      assert.deepEqual(fs.readFileSync(file), old, `${name}: old file intact`);
      assert.deepEqual(fs.readdirSync(dir), ['passwd'], `${name}: no temporary file left`);
    }
    // Failing to keep the owner is refused, not silently changed.
    assert.throws(
      () => writeFileAtomic(file, big, { mode: 0o640, uid: 4242, gid: 4242 }, failing('fchownSync', 'EPERM')),
      (e: unknown) => e instanceof FileError && e.stage === 'owner',
    );
    assert.deepEqual(fs.readdirSync(dir), ['passwd']);
    // Creating the temporary file fails: nothing happens.
    assert.throws(
      () => writeFileAtomic(file, big, undefined, failing('openSync', 'EACCES')),
      (e: unknown) => e instanceof FileError && e.stage === 'beside',
    );
    assert.deepEqual(fs.readFileSync(file), old);
    // And without failures it replaces the file, keeping its mode.
    writeFileAtomic(file, big, { mode: fs.statSync(file).mode, uid: process.getuid!(), gid: process.getgid!() });
    assert.deepEqual(fs.readFileSync(file), big);
    assert.equal(fs.statSync(file).mode & 0o777, 0o640);
    assert.deepEqual(fs.readdirSync(dir), ['passwd']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a new file is 0600 whatever the umask', () => {
  const dir = tempDir();
  const old = process.umask(0);
  try {
    writeFileAtomic(join(dir, 'new'), Buffer.from('u:x\n'), undefined);
    assert.equal(fs.statSync(join(dir, 'new')).mode & 0o777, 0o600);
  } finally {
    process.umask(old);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the lock: a live holder is waited for, a dead one is taken over', async () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'passwd');
    // Held by a live process (this one's parent): we wait, then give up.
    fs.writeFileSync(`${file}.lock`, `${process.ppid}\n`);
    const t0 = Date.now();
    await assert.rejects(
      withLock(file, () => 1, { timeoutMs: 150 }),
      (e: unknown) => e instanceof FileError && e.stage === 'locked',
    );
    assert.ok(Date.now() - t0 >= 150);
    assert.equal(fs.readFileSync(`${file}.lock`, 'utf8'), `${process.ppid}\n`, 'a live lock is never removed');
    // Released while we wait: we get it.
    setTimeout(() => fs.unlinkSync(`${file}.lock`), 50);
    assert.equal(await withLock(file, () => 'got it', { timeoutMs: 30000 }), 'got it');
    // Held by a process that has exited: taken over at once.
    const child = spawn(process.execPath, ['-e', '0']);
    const dead = child.pid!;
    await new Promise((r) => child.once('exit', r));
    fs.writeFileSync(`${file}.lock`, `${dead}\n`);
    assert.equal(
      await withLock(file, () => fs.readFileSync(`${file}.lock`, 'utf8'), { timeoutMs: 500 }),
      `${process.pid}\n`,
    );
    assert.deepEqual(fs.readdirSync(dir), [], 'lock released');
    // A lock file without a pid is stale only when old.
    fs.writeFileSync(`${file}.lock`, '');
    await assert.rejects(withLock(file, () => 1, { timeoutMs: 100, staleMs: 60_000 }));
    assert.equal(await withLock(file, () => 2, { timeoutMs: 1000, staleMs: 10 }), 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('concurrent edits in one process never lose a change', async () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'passwd');
    fs.writeFileSync(file, '# users\n');
    const path = resolvePasswordPath(file);
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        editPasswordFile(path, false, (f) => {
          f.setUser(`u${i}`, `p${i}`);
          return { changed: true, value: 0 };
        }),
      ),
    );
    const users = PasswordFile.parse(fs.readFileSync(file))
      .entries()
      .map((e) => e.user)
      .sort();
    assert.equal(users.length, 30);
    assert.ok(fs.readFileSync(file, 'utf8').startsWith('# users\n'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('atoi reads numbers the way C does', () => {
  assert.deepEqual(['7', ' 12x', '+3', '-5', 'abc', '', '4294967297'].map(atoi), [7, 12, 3, -5, 0, 0, 1]);
});

test("command line: options only before the operands, in mosquitto_passwd's order of checks", () => {
  const parse = (...a: string[]) => parsePasswdArgs(a);
  const error = (a: string[]) => {
    try {
      parsePasswdArgs(a);
    } catch (e) {
      assert.ok(e instanceof UsageError);
      return (e.help ? 'USAGE ' : '') + e.text;
    }
    assert.fail(`no error for ${a.join(' ')}`);
  };
  assert.deepEqual(parse('-b', 'f', 'u', 'p').mode, 'update');
  assert.equal(parse('-c', '-b', '--', 'f', 'u').file, '--');
  assert.equal(parse('-x', 'f').file, '-x');
  assert.equal(parse('-H', 'sha512', '-I', '9', 'f', 'u').work, 9);
  assert.equal(parse('-H', 'bcrypt', 'f', 'u').work, 10);
  assert.equal(parse('--verify', '-b', 'f', 'u', 'p').mode, 'verify');
  assert.equal(error(['f', 'u', '-b']), 'USAGE ');
  assert.equal(error(['-H', 'sha512', '-I', '0', '-H', 'md5']), 'Error: Number of iterations must be > 0.\n');
  assert.equal(error(['-H', 'md5', '-I', '0']), "Error: Unknown hash type 'md5'\n");
  assert.equal(error(['-H', 'bcrypt', '-I', '3', 'f', 'u']), 'Error: bcrypt cost (-I) must be between 4 and 31.\n');
  assert.equal(error(['--verify', '-U', 'f']), 'Error: --verify and -U cannot be used together.\n');
  assert.equal(error(['--verify', 'f']), 'Error: --verify argument given but password file or username missing.\n');
  assert.equal(
    error(['-b', 'f', '#x', 'p']),
    "Error: Username must not start with '#': mosquitto reads such a line as a comment.\n",
  );
});

test("system error texts are C's strerror()", () => {
  const err = (code: string, message: string) => Object.assign(new Error(message), { code });
  assert.equal(
    fileErrorWords(err('ENOENT', "ENOENT: no such file or directory, open 'x'")),
    'No such file or directory',
  );
  assert.equal(fileErrorWords(err('EISDIR', 'EISDIR: illegal operation on a directory, read')), 'Is a directory');
  assert.equal(fileErrorWords(err('ENOTDIR', "ENOTDIR: not a directory, realpath 'a/b'")), 'Not a directory');
  assert.equal(fileErrorWords(err('EACCES', "EACCES: permission denied, open 'x'")), 'Permission denied');
});

test('a flag missing its argument is reported after the options before it', () => {
  const text = (a: string[]) => {
    try {
      parsePasswdArgs(a);
    } catch (e) {
      return (e as UsageError).text;
    }
    return 'no error';
  };
  assert.equal(text(['-H']), 'Error: -H argument given but not enough other arguments.\n');
  assert.equal(text(['-b', '-I']), 'Error: -I argument given but not enough other arguments.\n');
  assert.equal(text(['-I', '0', '-H']), 'Error: Number of iterations must be > 0.\n');
  assert.equal(text(['-H', '-I']), "Error: Unknown hash type '-I'\n");
});
