// The password hashes of a mosquitto password file, made and checked with node:crypto:
//   $7$<iterations>$<salt>$<hash>  PBKDF2-HMAC-SHA512 (mosquitto 2.0's default)
//   $6$<salt>$<hash>               SHA-512 of the password followed by the salt (mosquitto 1.6)
// Salt and hash are standard base64 with padding; the salt is 12 random bytes and the hash
// 64 bytes, as mosquitto_passwd writes them. Beyond mosquitto, bcrypt ($2b$, via bcryptjs)
// for brokers and auth plugins that read it; and argon2id (mosquitto 2.1's argon2 code, which
// its stock builds leave out; in the PHC string format libargon2 writes: $argon2id$v=19$m=47104,t=1,p=1$<salt>$<hash>, salt
// and hash 64 bytes each, base64 without padding), computed by hash-wasm's WebAssembly
// argon2, loaded only for it.
import { createHash, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';

export type HashType = 'sha512-pbkdf2' | 'sha512' | 'bcrypt' | 'argon2id';

/** The names -H takes, default first. */
export const HASH_TYPES: readonly HashType[] = ['sha512-pbkdf2', 'sha512', 'bcrypt', 'argon2id'];

/** The argon2id parameters of mosquitto 2.1's code: one pass over 46 MiB, one lane, 64-byte salt and hash. */
export const ARGON2 = { iterations: 1, memorySize: 47104, parallelism: 1, saltBytes: 64, hashBytes: 64 } as const;

export const DEFAULT_ITERATIONS = 101;
export const DEFAULT_BCRYPT_COST = 10;
export const BCRYPT_COST_RANGE = [4, 31] as const;
/** bcrypt reads only this many bytes of a password. */
export const BCRYPT_MAX_BYTES = 72;

const SALT_BYTES = 12;
const DIGEST_BYTES = 64;

/** What -I means for each hash when it is not given. */
export function defaultWork(type: HashType): number {
  if (type === 'argon2id') return ARGON2.iterations;
  return type === 'bcrypt' ? DEFAULT_BCRYPT_COST : DEFAULT_ITERATIONS;
}

/** A stored password, as read from the text after "user:". */
export type Stored =
  | { kind: 'sha512'; salt: Buffer; digest: Buffer }
  | { kind: 'sha512-pbkdf2'; iterations: number; salt: Buffer; digest: Buffer }
  | { kind: 'bcrypt'; text: string }
  | { kind: 'argon2id'; text: string }
  /** Shaped like a crypt(3) hash ($id$...) of a scheme tspasswd does not make. */
  | { kind: 'foreign'; scheme: string }
  | { kind: 'plain' };

const B64 = '[A-Za-z0-9+/]+={0,2}';
const SHA512 = new RegExp(`^\\$6\\$(${B64})\\$(${B64})$`);
const PBKDF2 = new RegExp(`^\\$7\\$([0-9]+)\\$(${B64})\\$(${B64})$`);
const BCRYPT = /^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$/;
const ARGON2ID = /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
const CRYPT_LIKE = /^\$([0-9a-z]+)\$[^\s]*$/;

function digestOf(text: string): Buffer | undefined {
  const digest = Buffer.from(text, 'base64');
  return digest.length === DIGEST_BYTES ? digest : undefined;
}

/** Reads a stored password; surrounding blanks do not count, as for mosquitto. */
export function parseStored(secret: string): Stored {
  const text = secret.trim();
  let m = PBKDF2.exec(text);
  if (m) {
    const iterations = Number(m[1]);
    const digest = digestOf(m[3]!);
    if (iterations > 0 && digest)
      return { kind: 'sha512-pbkdf2', iterations, salt: Buffer.from(m[2]!, 'base64'), digest };
  }
  m = SHA512.exec(text);
  if (m) {
    const digest = digestOf(m[2]!);
    if (digest) return { kind: 'sha512', salt: Buffer.from(m[1]!, 'base64'), digest };
  }
  if (BCRYPT.test(text)) return { kind: 'bcrypt', text };
  if (ARGON2ID.test(text)) return { kind: 'argon2id', text };
  m = CRYPT_LIKE.exec(text);
  if (m) return { kind: 'foreign', scheme: `$${m[1]}$` };
  return { kind: 'plain' };
}

function sha512(password: Buffer, salt: Buffer): Buffer {
  return createHash('sha512').update(password).update(salt).digest();
}

function pbkdf2(password: Buffer, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(password, salt, iterations, DIGEST_BYTES, 'sha512');
}

/**
 * The text to store after "user:", for the hashes node:crypto and bcryptjs make at once.
 * `work` is the PBKDF2 iteration count or the bcrypt cost (ignored for sha512); `salt` is for
 * tests. argon2id: hashPasswordAsync.
 */
export function hashPassword(
  password: Buffer,
  type: Exclude<HashType, 'argon2id'>,
  work = defaultWork(type),
  salt: Buffer = randomBytes(SALT_BYTES),
): string {
  switch (type) {
    case 'sha512':
      return `$6$${salt.toString('base64')}$${sha512(password, salt).toString('base64')}`;
    case 'sha512-pbkdf2':
      return `$7$${work}$${salt.toString('base64')}$${pbkdf2(password, salt, work).toString('base64')}`;
    case 'bcrypt':
      return bcrypt.hashSync(password.toString('utf8'), bcrypt.genSaltSync(work));
  }
}

/** hashPassword for every -H, argon2id included (-I does not apply to it, as in mosquitto 2.1). */
export async function hashPasswordAsync(
  password: Buffer,
  type: HashType,
  work = defaultWork(type),
  salt?: Buffer,
): Promise<string> {
  if (type !== 'argon2id') return hashPassword(password, type, work, salt ?? randomBytes(SALT_BYTES));
  const { argon2id } = await import('hash-wasm');
  return argon2id({
    password,
    salt: salt ?? randomBytes(ARGON2.saltBytes),
    iterations: ARGON2.iterations,
    memorySize: ARGON2.memorySize,
    parallelism: ARGON2.parallelism,
    hashLength: ARGON2.hashBytes,
    outputType: 'encoded',
  });
}

/**
 * Whether `password` is the one stored; undefined when the entry is no hash this can check
 * at once (argon2id: verifyPasswordAsync).
 */
export function verifyPassword(password: Buffer, secret: string): boolean | undefined {
  const stored = parseStored(secret);
  switch (stored.kind) {
    case 'sha512':
      return timingSafeEqual(sha512(password, stored.salt), stored.digest);
    case 'sha512-pbkdf2':
      return timingSafeEqual(pbkdf2(password, stored.salt, stored.iterations), stored.digest);
    case 'bcrypt':
      return bcrypt.compareSync(password.toString('utf8'), stored.text);
    default:
      return undefined;
  }
}

/** verifyPassword for every hash tspasswd makes, argon2id included. */
export async function verifyPasswordAsync(password: Buffer, secret: string): Promise<boolean | undefined> {
  const stored = parseStored(secret);
  if (stored.kind !== 'argon2id') return verifyPassword(password, secret);
  const { argon2Verify } = await import('hash-wasm');
  return argon2Verify({ password, hash: stored.text });
}

/** Whether an entry is already a hash (of any crypt-like scheme) and must not be hashed again. */
export function isHashed(secret: string): boolean {
  return parseStored(secret).kind !== 'plain';
}
