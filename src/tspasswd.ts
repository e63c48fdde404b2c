// tspasswd [-H sha512-pbkdf2 | -H sha512 | -H bcrypt] [-I iterations] [-c | -D] passwordfile username
// tspasswd [-H ...] [-I iterations] [-c] -b passwordfile username password
// tspasswd [-H ...] [-I iterations] -U passwordfile
// tspasswd --verify [-b] passwordfile username [password]
import { runTool, stdout, stderr } from './cli.ts';
import { ToolError } from './errors.ts';
import { check, edit, locate, openForUpdate, read } from './passwd/edit.ts';
import { binary, checkReplaceable, plainPassword } from './passwd/file.ts';
import { promptPassword } from './passwd/prompt.ts';
import { BCRYPT_MAX_BYTES, hashPasswordAsync, parseStored, verifyPasswordAsync, type HashType } from './passwd/hash.ts';
import { parsePasswdArgs, passwdHelp, type PasswdCommand, type UserName } from './passwd/options.ts';
import { bytesOf, commandLine } from './words.ts';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  // User names and passwords as the bytes given, UTF-8 or not.
  const cmd = parsePasswdArgs(argv, commandLine(argv).map(bytesOf));
  switch (cmd.mode) {
    case 'create':
    case 'update':
      return setPassword(cmd);
    case 'delete':
      return deleteUser(cmd);
    case 'upgrade':
      return hashPlainPasswords(cmd);
    case 'verify':
      return verify(cmd);
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
    const password = cmd.password ?? (await promptPassword(true, stdout()));
    stdout().write(
      Buffer.concat([
        Buffer.from(binary(cmd.user!.bytes), 'latin1'),
        Buffer.from(`:${await hashFor(cmd, password)}\n`),
      ]),
    );
    return 0;
  }
  const path = locate(cmd.file);
  if (!fresh) openForUpdate(path);
  const password = cmd.password ?? (await promptPassword(true, stdout()));
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
  const removed = await edit(
    path,
    false,
    (file) => {
      const n = file.deleteUser(user);
      return { changed: n > 0, value: n };
    },
    (file, line) => (file.entries().some((e) => e.index < line - 1 && e.user === user) ? '' : notFound(cmd.user!).text),
  );
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
        notes.push(
          `Warning: ${where}: the password of user ${text(entry.user)} is a ${stored.scheme} hash, which tspasswd does not make; left unchanged.\n`,
        );
      } else if (stored.kind === 'plain') {
        const plain = plainPassword(entry.secret);
        if (plain.length === 0)
          notes.push(`Warning: ${where}: user ${text(entry.user)} has no password; left unchanged.\n`);
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
  const password = cmd.password ?? (await promptPassword(false, stdout()));
  const ok = await verifyPasswordAsync(password, entry.secret);
  if (ok === undefined) {
    throw new ToolError(
      `Error: The password of user ${cmd.user!.text} is not a $7$, $6$, $2b$ or $argon2id$ hash; tspasswd cannot check it.\n`,
    );
  }
  if (!ok) throw new ToolError(`Error: Password for user ${cmd.user!.text} does not match.\n`);
  stdout().write(`Password for user ${cmd.user!.text} is correct.\n`);
  return 0;
}

/** Said once a run when tspasswd writes a hash that mosquitto as shipped cannot read. */
const UNREADABLE: Partial<Record<HashType, string>> = {
  bcrypt:
    'Warning: mosquitto cannot read bcrypt ($2b$) hashes; use this file with a broker or authentication plugin that can.\n',
  argon2id:
    'Warning: stock mosquitto 2.0 and 2.1 brokers cannot read argon2id hashes (2.0 drops the user, 2.1 does not start); use -H sha512-pbkdf2 for them.\n',
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

runTool({ name: 'tspasswd', help: passwdHelp }, main);
