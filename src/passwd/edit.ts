// The password file operations tspasswd runs, each failure worded as mosquitto_passwd
// words it (file.ts does the operations themselves).
import { existsSync, readFileSync } from 'node:fs';
import { ToolError } from '../errors.ts';
import {
  editPasswordFile,
  FileError,
  PasswordFile,
  readForUpdate,
  resolvePasswordPath,
  fileErrorWords,
  type PasswordPath,
} from './file.ts';

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
      if (!existsSync(path.target))
        return new ToolError(`Error: Unable to open file ${path.shown} for writing. ${why}.\n`);
      return new ToolError(
        `Error: Unable to create a file in the directory of ${path.shown}: ${why}. tspasswd writes a new file beside the old one and renames it over; the file was not changed.\n`,
      );
    case 'write':
      return new ToolError(`Error: Unable to write password file ${path.shown}: ${why}. The file was not changed.\n`);
    case 'owner':
      return new ToolError(
        `Error: Unable to keep the owner (${e.detail}) of password file ${path.shown}: ${why}. The file was not changed.\n`,
      );
    case 'locked':
      return new ToolError(
        `Error: Password file ${path.shown} is being changed by another tspasswd (${e.detail}). Try again, or remove the lock file if no tspasswd is running.\n`,
      );
  }
}

export function locate(file: string): PasswordPath {
  try {
    return resolvePasswordPath(file);
  } catch (e) {
    throw e instanceof FileError ? new ToolError(`Error reading password file: ${fileErrorWords(e.cause)}\n`) : e;
  }
}

/** Runs a file check, turning its failure into mosquitto_passwd's message. */
export function check<T>(path: PasswordPath, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw failure(path, e instanceof FileError ? e : new FileError('read', e));
  }
}

/** Fails early, before any prompt, when the file cannot be opened for changing. */
export function openForUpdate(path: PasswordPath): void {
  check(path, () => readForUpdate(path.target));
}

export function read(path: PasswordPath): PasswordFile {
  return check(path, () => PasswordFile.parse(readFileSync(path.target)));
}

/**
 * Edits under the lock. A line that is no entry, comment or blank line means this is no
 * password file: nothing is changed, with mosquitto_passwd's message (and `more`, what -D
 * adds to it) and status 1.
 */
export async function edit<T>(
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
