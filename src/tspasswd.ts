// tspasswd [-H sha512-pbkdf2 | -H sha512 | -H bcrypt] [-I iterations] [-c | -D] passwordfile username
// tspasswd [-H ...] [-I iterations] [-c] -b passwordfile username password
// tspasswd [-H ...] [-I iterations] -U passwordfile
// tspasswd --verify [-b] passwordfile username [password]
import { existsSync, readFileSync } from 'node:fs';
import { runTool, stdout, stderr } from './cli.ts';
import { ToolError } from './errors.ts';
import { terminalLine } from './terminal.ts';
import {
  binary, checkReplaceable, editPasswordFile, FileError, PasswordFile, plainPassword, readForUpdate,
  resolvePasswordPath, fileErrorWords, type PasswordPath,
} from './passwd/file.ts';
import { BCRYPT_MAX_BYTES, hashPasswordAsync, parseStored, verifyPasswordAsync, type HashType } from './passwd/hash.ts';
import { parsePasswdArgs, passwdHelp, type PasswdCommand, type UserName } from './passwd/options.ts';
import { bytesOf, commandLine } from './words.ts';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  // User names and passwords as the bytes given, UTF-8 or not.
  const cmd = parsePasswdArgs(argv, commandLine(argv).map(bytesOf));
  switch (cmd.mode) {
    case 'create':
    case 'update': return setPassword(cmd);
    case 'delete': return deleteUser(cmd);
    case 'upgrade': return hashPlainPasswords(cmd);
    case 'verify': return verify(cmd);
  }
}

/**
 * Adds the user or changes its password; everything else in the file stays as it was. With
 * -c the file starts empty (an existing one is replaced, keeping its mode and owner).
 */
async function setPassword(cmd: PasswdCommand): Promise<number> {
  const fresh = cmd.mode === 'create';
  if (fresh && cmd.file === '-') {
    // -c - (mosquitto 2.1): the new file goes to standard output, nothing is written.
    const password = cmd.password ?? (await promptPassword(true));
    stdout().write(Buffer.concat([Buffer.from(binary(cmd.user!.bytes), 'latin1'), Buffer.from(`:${await hashFor(cmd, password)}\n`)]));
    return 0;
  }
  const path = locate(cmd.file);
  if (!fresh) openForUpdate(path);
  const password = cmd.password ?? (await promptPassword(true));
  if (fresh) check(path, () => checkReplaceable(path.target));
  const secret = await hashFor(cmd, password);
  await edit(path, fresh, (file) => {
    file.setUser(binary(cmd.user!.bytes), secret);
    return { changed: true, value: undefined };
  });
  return 0;
}

/** -D */
async function deleteUser(cmd: PasswdCommand): Promise<number> {
  const path = locate(cmd.file);
  openForUpdate(path);
  const user = binary(cmd.user!.bytes);
  const removed = await edit(path, false, (file) => {
    const n = file.deleteUser(user);
    return { changed: n > 0, value: n };
  }, (file, line) => (file.entries().some((e) => e.index < line - 1 && e.user === user) ? '' : notFound(cmd.user!).text));
  if (removed === 0) throw notFound(cmd.user!);
  return 0;
}

/** -U: hashes the plain-text entries; hashes of any kind are left alone. */
async function hashPlainPasswords(cmd: PasswdCommand): Promise<number> {
  const path = locate(cmd.file);
  openForUpdate(path);
  const warnings = await edit(path, false, async (file) => {
    const notes: string[] = [];
    let hashed = 0;
    for (const entry of file.entries()) {
      const stored = parseStored(entry.secret);
      const where = `Line ${entry.index + 1} of ${path.shown}`;
      if (stored.kind === 'foreign') {
        notes.push(`Warning: ${where}: the password of user ${text(entry.user)} is a ${stored.scheme} hash, which tspasswd does not make; left unchanged.\n`);
      } else if (stored.kind === 'plain') {
        const plain = plainPassword(entry.secret);
        if (plain.length === 0) notes.push(`Warning: ${where}: user ${text(entry.user)} has no password; left unchanged.\n`);
        else {
          file.replaceSecret(entry, await hashFor(cmd, Buffer.from(plain, 'latin1')));
          hashed++;
        }
      }
    }
    return { changed: hashed > 0, value: notes };
  });
  stderr().write(warnings.join(''));
  return 0;
}

/** --verify: exit 0 if the password is the user's, 1 if not. */
async function verify(cmd: PasswdCommand): Promise<number> {
  const path = locate(cmd.file);
  const file = read(path);
  const entry = file.find(binary(cmd.user!.bytes));
  if (!entry) throw notFound(cmd.user!);
  const password = cmd.password ?? (await promptPassword(false));
  const ok = await verifyPasswordAsync(password, entry.secret);
  if (ok === undefined) {
    throw new ToolError(`Error: The password of user ${cmd.user!.text} is not a $7$, $6$, $2b$ or $argon2id$ hash; tspasswd cannot check it.\n`);
  }
  if (!ok) throw new ToolError(`Error: Password for user ${cmd.user!.text} does not match.\n`);
  stdout().write(`Password for user ${cmd.user!.text} is correct.\n`);
  return 0;
}

// ---------------------------------------------------------------------------------------

/** Said once a run when tspasswd writes a hash that mosquitto as shipped cannot read. */
const UNREADABLE: Partial<Record<HashType, string>> = {
  bcrypt: 'Warning: mosquitto cannot read bcrypt ($2b$) hashes; use this file with a broker or authentication plugin that can.\n',
  argon2id: 'Warning: stock mosquitto 2.0 and 2.1 brokers cannot read argon2id hashes (2.0 drops the user, 2.1 does not start); use -H sha512-pbkdf2 for them.\n',
};
let warned = false;

function hashFor(cmd: PasswdCommand, password: Buffer): Promise<string> {
  const warning = UNREADABLE[cmd.hash];
  if (warning && !warned) {
    stderr().write(warning);
    warned = true;
  }
  if (cmd.hash === 'bcrypt' && password.length > BCRYPT_MAX_BYTES) {
    stderr().write(`Warning: bcrypt uses only the first ${BCRYPT_MAX_BYTES} bytes of a password.\n`);
  }
  return hashPasswordAsync(password, cmd.hash, cmd.work);
}

const text = (bin: string) => Buffer.from(bin, 'latin1').toString('utf8');

const notFound = (user: UserName) => new ToolError(`Warning: User ${user.text} not found in password file.\n`);

/** The messages mosquitto_passwd prints for each way a file operation can fail. */
function failure(path: PasswordPath, e: unknown): unknown {
  if (!(e instanceof FileError)) return e;
  const why = fileErrorWords(e.cause);
  switch (e.stage) {
    case 'read':
      return new ToolError(`Error: Unable to open password file ${path.shown}. ${why}.\n`);
    case 'create':
      return new ToolError(`Error: Unable to open file ${path.shown} for writing. ${why}.\n`);
    case 'beside':
      if (!existsSync(path.target)) return new ToolError(`Error: Unable to open file ${path.shown} for writing. ${why}.\n`);
      return new ToolError(`Error: Unable to create a file in the directory of ${path.shown}: ${why}. tspasswd writes a new file beside the old one and renames it over; the file was not changed.\n`);
    case 'write':
      return new ToolError(`Error: Unable to write password file ${path.shown}: ${why}. The file was not changed.\n`);
    case 'owner':
      return new ToolError(`Error: Unable to keep the owner (${e.detail}) of password file ${path.shown}: ${why}. The file was not changed.\n`);
    case 'locked':
      return new ToolError(`Error: Password file ${path.shown} is being changed by another tspasswd (${e.detail}). Try again, or remove the lock file if no tspasswd is running.\n`);
  }
}

function locate(file: string): PasswordPath {
  try {
    return resolvePasswordPath(file);
  } catch (e) {
    throw e instanceof FileError ? new ToolError(`Error reading password file: ${fileErrorWords(e.cause)}\n`) : e;
  }
}

/** Runs a file check, turning its failure into mosquitto_passwd's message. */
function check<T>(path: PasswordPath, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw failure(path, e instanceof FileError ? e : new FileError('read', e));
  }
}

/** Fails early, before any prompt, when the file cannot be opened for changing. */
function openForUpdate(path: PasswordPath): void {
  check(path, () => readForUpdate(path.target));
}

function read(path: PasswordPath): PasswordFile {
  return check(path, () => PasswordFile.parse(readFileSync(path.target)));
}

/**
 * Edits under the lock. A line that is no entry, comment or blank line means this is no
 * password file: nothing is changed, with mosquitto_passwd's message (and `more`, what -D
 * adds to it) and status 1.
 */
async function edit<T>(
  path: PasswordPath,
  fresh: boolean,
  change: (file: PasswordFile) => { changed: boolean; value: T } | Promise<{ changed: boolean; value: T }>,
  more: (file: PasswordFile, line: number) => string = () => '',
): Promise<T> {
  try {
    return await editPasswordFile(path, fresh, (file) => {
      const bad = file.unknownLines()[0];
      if (bad !== undefined) throw new ToolError(`Error: Corrupt password file at line ${bad}.\n${more(file, bad)}`);
      return change(file);
    });
  } catch (e) {
    throw failure(path, e);
  }
}

// ---------------------------------------------------------------------------------------
// Password prompt: "Password: " and "Reenter password: " on stdout; the answer is read with
// echo off from a terminal, or as lines from whatever else stdin is.

async function promptPassword(twice: boolean): Promise<Buffer> {
  const first = await ask('Password: ');
  if (!twice) return first;
  const second = await ask('Reenter password: ');
  if (!first.equals(second)) throw new ToolError('Error: Passwords do not match.\n', 2);
  return first;
}

async function ask(prompt: string): Promise<Buffer> {
  stdout().write(prompt);
  const answer = await stdinLine();
  if (!answer || answer.length === 0) throw new ToolError('Error: Empty password.\n');
  stdout().write('\n');
  return answer;
}

let chunks: AsyncIterator<Buffer> | undefined;
let pending = Buffer.alloc(0);

async function nextChunk(): Promise<Buffer | null> {
  chunks ??= (process.stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const r = await chunks.next();
  return r.done ? null : Buffer.from(r.value);
}

/** One line from stdin without its line ending; null at end of input with nothing read. */
async function stdinLine(): Promise<Buffer | null> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    stdin.setRawMode(true);
    try {
      return await terminalLine(nextChunk, () => {
        process.stdin.setRawMode(false);
        stdout().write('\n');
      });
    } finally {
      stdin.setRawMode(false);
    }
  }
  for (;;) {
    const nl = pending.indexOf(0x0a);
    if (nl >= 0) {
      const line = pending.subarray(0, nl);
      pending = pending.subarray(nl + 1);
      return stripEol(line);
    }
    const chunk = await nextChunk();
    if (!chunk) {
      const rest = pending;
      pending = Buffer.alloc(0);
      return rest.length ? stripEol(rest) : null;
    }
    pending = Buffer.concat([pending, chunk]);
  }
}

function stripEol(line: Buffer): Buffer {
  let end = line.length;
  while (end > 0 && (line[end - 1] === 0x0a || line[end - 1] === 0x0d)) end--;
  return line.subarray(0, end);
}

runTool({ name: 'tspasswd', help: passwdHelp }, main);
