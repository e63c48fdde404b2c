// A mosquitto password file, edited without losing anything: every line tspasswd does not
// manage (comments, blank lines) stays byte for byte where it was;
// a change is written to a new file beside the old one and renamed over it, under a lock
// that serialises concurrent runs.
import * as nodeFs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { errnoWords } from '../errors.ts';

// ---------------------------------------------------------------------------------------
// Lines

/**
 * One line. Text is kept as a "binary" (latin1) string, one character per byte, so bytes
 * that are not UTF-8 survive a round trip.
 */
export interface Line {
  text: string;
  /** '\n', '\r\n', or '' for a last line without one. */
  eol: string;
}

export type LineKind =
  | { kind: 'entry'; user: string; secret: string }
  | { kind: 'comment' }
  | { kind: 'blank' }
  | { kind: 'unknown' };

/** C's isspace(): what mosquitto trims from user names. */
const SPACE = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

/** The bytes of a string as a binary string, to compare with a file's lines. */
export const binary = (bytes: Buffer | string): string =>
  (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes).toString('latin1');

/**
 * How the broker reads a line: '#' in the first column starts a comment; a line with a ':'
 * is "user:password", the user name trimmed of blanks; anything else is no user.
 */
export function classify(line: Line): LineKind {
  const text = line.text;
  if (text.replace(SPACE, '') === '') return { kind: 'blank' };
  if (text.startsWith('#')) return { kind: 'comment' };
  const colon = text.indexOf(':');
  if (colon < 0) return { kind: 'unknown' };
  return { kind: 'entry', user: text.slice(0, colon).replace(SPACE, ''), secret: text.slice(colon + 1) };
}

/**
 * What mosquitto 1.x took as a plain-text password (and mosquitto_passwd -U hashes): the
 * text after the user up to the next ':', skipping empty fields, trimmed of blanks.
 */
export function plainPassword(secret: string): string {
  return (secret.split(':').find((field) => field !== '') ?? '').replace(SPACE, '');
}

export interface Entry {
  /** 0-based index in `lines`; line number is index + 1. */
  index: number;
  user: string;
  secret: string;
}

export class PasswordFile {
  constructor(readonly lines: Line[] = []) {}

  static parse(bytes: Buffer): PasswordFile {
    const text = bytes.toString('latin1');
    const lines: Line[] = [];
    let start = 0;
    while (start < text.length) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) {
        lines.push({ text: text.slice(start), eol: '' });
        break;
      }
      const cr = nl > start && text[nl - 1] === '\r';
      lines.push({ text: text.slice(start, cr ? nl - 1 : nl), eol: cr ? '\r\n' : '\n' });
      start = nl + 1;
    }
    return new PasswordFile(lines);
  }

  toBuffer(): Buffer {
    return Buffer.from(this.lines.map((l) => l.text + l.eol).join(''), 'latin1');
  }

  entries(): Entry[] {
    const out: Entry[] = [];
    this.lines.forEach((line, index) => {
      const k = classify(line);
      if (k.kind === 'entry') out.push({ index, user: k.user, secret: k.secret });
    });
    return out;
  }

  /** 1-based numbers of the lines that are neither entries, comments nor blank. */
  unknownLines(): number[] {
    return this.lines.flatMap((line, i) => (classify(line).kind === 'unknown' ? [i + 1] : []));
  }

  /** The entry the broker uses for `user` (the last one, when a user appears twice). */
  find(user: string): Entry | undefined {
    return this.entries()
      .filter((e) => e.user === user)
      .pop();
  }

  /** Replaces the password of every entry for `user`, or appends one; returns how many were replaced. */
  setUser(user: string, secret: string): number {
    const mine = this.entries().filter((e) => e.user === user);
    for (const e of mine) this.lines[e.index]!.text = `${user}:${secret}`;
    if (mine.length === 0) this.append(`${user}:${secret}`);
    return mine.length;
  }

  /** Replaces the password on one line, keeping its user and line ending. */
  replaceSecret(entry: Entry, secret: string): void {
    this.lines[entry.index]!.text = `${entry.user}:${secret}`;
  }

  /** Removes every entry for `user`; returns how many there were. */
  deleteUser(user: string): number {
    const doomed = new Set(
      this.entries()
        .filter((e) => e.user === user)
        .map((e) => e.index),
    );
    this.lines.splice(0, this.lines.length, ...this.lines.filter((_, i) => !doomed.has(i)));
    return doomed.size;
  }

  private append(text: string): void {
    const last = this.lines[this.lines.length - 1];
    if (last && last.eol === '') last.eol = '\n';
    this.lines.push({ text, eol: '\n' });
  }
}

// ---------------------------------------------------------------------------------------
// Errors and paths

/** C's strerror() text for a file error, as mosquitto_passwd prints it. */
export function fileErrorWords(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const known = errnoWords(e);
  if (known !== undefined) return known;
  // libuv's texts are glibc's in lower case for the rest: "no such file or directory".
  const m = /^[A-Z0-9]+: ([^,]+)/.exec(e?.message ?? '');
  const text = m ? m[1]! : String(e?.message ?? err);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A failure tied to one file operation; `stage` says which, for the caller's message. */
export class FileError extends Error {
  constructor(
    /**
     * read: opening the file to change it; create: opening it to replace it; beside: making
     * the lock or the new file in its directory; write, owner: writing the new file; locked:
     * another run holds the lock.
     */
    readonly stage: 'read' | 'create' | 'beside' | 'write' | 'owner' | 'locked',
    readonly cause: unknown,
    readonly detail = '',
  ) {
    super(`${stage}: ${fileErrorWords(cause)}`);
  }
}

export interface PasswordPath {
  /** What messages show: the real path when the file exists, else the path as given. */
  shown: string;
  /** What is written: the real path, or where a dangling symbolic link points. */
  target: string;
}

/**
 * Resolves the file the way mosquitto_passwd does (realpath, or the name as given when it
 * does not exist yet), following a dangling symbolic link so -c creates its target as
 * mosquitto_passwd does, rather than replacing the link.
 */
export function resolvePasswordPath(given: string, fs: typeof nodeFs = nodeFs): PasswordPath {
  try {
    const real = fs.realpathSync(given);
    return { shown: real, target: real };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new FileError('read', e);
  }
  let target = given;
  for (let hops = 0; hops < 40; hops++) {
    let link: string;
    try {
      link = fs.readlinkSync(target);
    } catch {
      break;
    }
    target = isAbsolute(link) ? link : resolve(dirname(target), link);
  }
  return { shown: given, target };
}

// ---------------------------------------------------------------------------------------
// Atomic write

/** The file-system calls the atomic write makes, so tests can make any of them fail. */
export interface WriteOps {
  openSync: typeof nodeFs.openSync;
  writeSync: (fd: number, data: Buffer, offset: number, length: number) => number;
  fchownSync: typeof nodeFs.fchownSync;
  fchmodSync: typeof nodeFs.fchmodSync;
  fstatSync: typeof nodeFs.fstatSync;
  fsyncSync: typeof nodeFs.fsyncSync;
  closeSync: typeof nodeFs.closeSync;
  renameSync: typeof nodeFs.renameSync;
  unlinkSync: typeof nodeFs.unlinkSync;
}

export interface Ownership {
  mode: number;
  uid: number;
  gid: number;
}

/** Permissions of a file tspasswd creates. */
export const NEW_FILE_MODE = 0o600;

/** The user a mosquitto broker started as root runs as (mosquitto.conf's `user` default). */
export const BROKER_USER = 'mosquitto';

/**
 * Who owns a file tspasswd creates. Run as root: the broker's user and its primary group,
 * when /etc/passwd has that user, since the broker reads the file only after dropping to it
 * (and mosquitto 2.0.16 and later warn about a file owned by another user or group).
 * Otherwise whoever runs tspasswd (undefined).
 */
export function newFileOwner(passwd = '/etc/passwd'): Ownership | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let text: string;
  try {
    text = nodeFs.readFileSync(passwd, 'utf8');
  } catch {
    return undefined;
  }
  const [, uid, gid] =
    text
      .split('\n')
      .map((line) => line.split(':'))
      .find((f) => f[0] === BROKER_USER)
      ?.slice(1) ?? [];
  return uid && gid && /^\d+$/.test(uid) && /^\d+$/.test(gid)
    ? { mode: NEW_FILE_MODE, uid: Number(uid), gid: Number(gid) }
    : undefined;
}

export function tempName(target: string): string {
  return join(dirname(target), `${basename(target)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/**
 * Replaces `target` with `data` so that a reader sees either the old file or the new one,
 * never a mix: a new file in the same directory, with the old one's mode and owner (or
 * 0600 and ours when there is none), flushed to disk, then renamed over the old one, and
 * the directory flushed. On any failure the temporary file is removed and the old file is
 * as it was.
 */
export function writeFileAtomic(
  target: string,
  data: Buffer,
  keep: Ownership | undefined,
  ops: WriteOps = nodeFs,
): void {
  const tmp = tempName(target);
  let fd: number;
  try {
    fd = ops.openSync(
      tmp,
      nodeFs.constants.O_WRONLY | nodeFs.constants.O_CREAT | nodeFs.constants.O_EXCL,
      NEW_FILE_MODE,
    );
  } catch (e) {
    throw new FileError('beside', e);
  }
  let stage: FileError['stage'] = 'write';
  try {
    for (let off = 0; off < data.length; ) off += ops.writeSync(fd, data, off, data.length - off);
    if (keep) {
      const now = ops.fstatSync(fd);
      if (now.uid !== keep.uid || now.gid !== keep.gid) {
        stage = 'owner';
        ops.fchownSync(fd, keep.uid, keep.gid);
        stage = 'write';
      }
    }
    ops.fchmodSync(fd, keep ? keep.mode & 0o7777 : NEW_FILE_MODE);
    ops.fsyncSync(fd);
    ops.closeSync(fd);
    fd = -1;
    ops.renameSync(tmp, target);
  } catch (e) {
    if (fd >= 0) {
      try {
        ops.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      ops.unlinkSync(tmp);
    } catch {
      /* gone or never made */
    }
    throw new FileError(stage, e, stage === 'owner' && keep ? `${keep.uid}:${keep.gid}` : '');
  }
  syncDirectory(dirname(target));
}

/** Flushes a directory entry change (the rename) to disk, where the system allows it. */
function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = nodeFs.openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    nodeFs.fsyncSync(fd);
  } catch {
    // Some file systems cannot fsync a directory; the rename itself is still atomic.
  } finally {
    nodeFs.closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------
// Lock

export interface LockOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** A lock file without a process id this old is left over from a crash (default 5 s). */
  staleMs?: number;
}

/** Locks this process holds, to tell them from ones a process with our id left behind. */
const held = new Set<string>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLockPid(lock: string): { pid: number; mtimeMs: number } | undefined {
  try {
    const text = nodeFs.readFileSync(lock, 'utf8');
    const { mtimeMs } = nodeFs.statSync(lock);
    const pid = /^\d+\n$/.test(text) ? Number(text.trim()) : 0;
    return { pid, mtimeMs };
  } catch {
    return undefined;
  }
}

/**
 * Removes a lock whose holder is gone. Only one process at a time may do this (it holds
 * "<lock>.break"), and it removes the lock only if it is still the dead holder's: a live
 * holder never loses its lock.
 */
function breakStaleLock(lock: string, holder: { pid: number; mtimeMs: number }): void {
  const breaker = `${lock}.break`;
  try {
    nodeFs.closeSync(nodeFs.openSync(breaker, 'wx', NEW_FILE_MODE));
  } catch {
    // Someone else is breaking it; a breaker left by a crash expires.
    try {
      if (Date.now() - nodeFs.statSync(breaker).mtimeMs > 10_000) nodeFs.unlinkSync(breaker);
    } catch {
      /* gone */
    }
    return;
  }
  try {
    const now = readLockPid(lock);
    if (now && now.pid === holder.pid && now.mtimeMs === holder.mtimeMs) nodeFs.unlinkSync(lock);
  } finally {
    nodeFs.unlinkSync(breaker);
  }
}

/**
 * Runs `fn` holding "<target>.lock", a file created exclusively and holding our process id.
 * A lock whose process has died is taken over; a live one is waited for, with growing
 * random back-off, up to the timeout.
 */
export async function withLock<T>(target: string, fn: () => T | Promise<T>, opts: LockOptions = {}): Promise<T> {
  const lock = `${target}.lock`;
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  const staleMs = opts.staleMs ?? 5_000;
  let delay = 2;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = nodeFs.openSync(lock, 'wx', NEW_FILE_MODE);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new FileError('beside', e);
    }
    if (fd !== undefined) {
      try {
        nodeFs.writeSync(fd, `${process.pid}\n`);
      } finally {
        nodeFs.closeSync(fd);
      }
      held.add(lock);
      break;
    }
    const holder = readLockPid(lock);
    if (holder) {
      // Our own id in a lock we do not hold is left from an earlier process that had it.
      const dead =
        holder.pid > 0
          ? holder.pid === process.pid
            ? !held.has(lock)
            : !processAlive(holder.pid)
          : Date.now() - holder.mtimeMs > staleMs;
      if (dead) {
        breakStaleLock(lock, holder);
        continue;
      }
    }
    if (Date.now() > deadline) {
      throw new FileError(
        'locked',
        undefined,
        `lock file ${lock}${holder?.pid ? `, held by process ${holder.pid}` : ''}`,
      );
    }
    await sleep(delay * (0.5 + Math.random()));
    delay = Math.min(delay * 2, 100);
  }
  try {
    return await fn();
  } finally {
    held.delete(lock);
    const mine = readLockPid(lock);
    if (mine?.pid === process.pid) nodeFs.unlinkSync(lock);
  }
}

// ---------------------------------------------------------------------------------------
// The whole edit

/**
 * Reads the file (or starts an empty one with `fresh`), lets `edit` change it, and writes it
 * back atomically if anything changed, all under the lock. `edit` returns whether it changed
 * the file and a value for the caller.
 */
export async function editPasswordFile<T>(
  path: PasswordPath,
  fresh: boolean,
  edit: (file: PasswordFile) => { changed: boolean; value: T } | Promise<{ changed: boolean; value: T }>,
  lockOptions?: LockOptions,
): Promise<T> {
  return withLock(
    path.target,
    async () => {
      let keep: Ownership | undefined;
      let file: PasswordFile;
      try {
        const st = nodeFs.statSync(path.target);
        if (st.isDirectory())
          throw Object.assign(new Error('EISDIR: illegal operation on a directory'), { code: 'EISDIR' });
        keep = { mode: st.mode, uid: st.uid, gid: st.gid };
      } catch (e) {
        if (!fresh || (e as NodeJS.ErrnoException).code !== 'ENOENT') throw new FileError(fresh ? 'create' : 'read', e);
      }
      if (fresh) {
        file = new PasswordFile();
      } else {
        try {
          file = PasswordFile.parse(readForUpdate(path.target));
        } catch (e) {
          throw new FileError('read', e);
        }
      }
      const { changed, value } = await edit(file);
      if (changed) writeFileAtomic(path.target, file.toBuffer(), keep ?? newFileOwner());
      return value;
    },
    lockOptions,
  );
}

/**
 * Fails as mosquitto_passwd's open for writing would for a file -c replaces: a directory, or
 * a file we may not write (replacing it by rename would otherwise sidestep its permissions).
 */
export function checkReplaceable(target: string): void {
  let fd: number;
  try {
    fd = nodeFs.openSync(target, 'r+');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new FileError('create', e);
  }
  nodeFs.closeSync(fd);
}

/** Reads a file the way mosquitto_passwd opens one it will change: it must be writable. */
export function readForUpdate(target: string): Buffer {
  const fd = nodeFs.openSync(target, 'r+');
  try {
    return nodeFs.readFileSync(fd);
  } finally {
    nodeFs.closeSync(fd);
  }
}
