// tspasswd's command line: mosquitto_passwd 2.0.11's options, its messages and its order of
// checks, plus -H bcrypt and --verify. Every flag is declared once, in PASSWD_OPTIONS.
import { UsageError } from '../errors.ts';
import { helpLines } from '../help.ts';
import { missingText, walkOptions, type OptionSpec } from '../options/parser.ts';
import { BCRYPT_COST_RANGE, HASH_TYPES, defaultWork, type HashType } from './hash.ts';

export const TOOL = 'passwd';

export interface PasswdConfig {
  batch: boolean;
  create: boolean;
  remove: boolean;
  upgrade: boolean;
  verify: boolean;
  hash: HashType;
  /** -I: PBKDF2 iterations or bcrypt cost; undefined for the hash's default. */
  work?: number;
}

export type Mode = 'create' | 'update' | 'delete' | 'upgrade' | 'verify';

/** A user name as typed (for messages) and as bytes (to find it in the file). */
export interface UserName {
  text: string;
  bytes: Buffer;
}

export interface PasswdCommand {
  mode: Mode;
  file: string;
  user?: UserName;
  /** The password given with -b. */
  password?: Buffer;
  hash: HashType;
  /** PBKDF2 iterations or bcrypt cost. */
  work: number;
}

/** mosquitto_passwd's messages: one line on stderr, no usage hint. */
const stop = (text: string): never => {
  throw new UsageError(`${text}\n`, false);
};

/** C's atoi(): leading blanks, a sign, digits; 0 if none; out-of-range wraps as glibc's does. */
export function atoi(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  if (!m) return 0;
  const LONG_MAX = 2n ** 63n - 1n;
  let v = BigInt(m[1]!);
  if (v > LONG_MAX) v = LONG_MAX;
  if (v < -LONG_MAX - 1n) v = -LONG_MAX - 1n;
  return Number(BigInt.asIntN(32, v));
}

const ONLY: readonly string[] = [TOOL];

export const PASSWD_OPTIONS: readonly OptionSpec<PasswdConfig>[] = [
  {
    flags: ['-b'],
    tools: ONLY,
    help: ['', 'batch mode: the password is the last argument (visible in ps and shell history)'],
    apply: (c) => {
      c.batch = true;
    },
  },
  {
    flags: ['-c'],
    tools: ONLY,
    help: ['', 'create a new password file, replacing an existing one (file - : write it to standard output)'],
    apply: (c) => {
      c.create = true;
    },
  },
  {
    flags: ['-D'],
    tools: ONLY,
    help: ['', 'delete the user instead of setting a password'],
    apply: (c) => {
      c.remove = true;
    },
  },
  {
    flags: ['-H'],
    tools: ONLY,
    takes: 'word',
    missing: 'Error: -H argument given but not enough other arguments.\n',
    complete: HASH_TYPES,
    help: [
      'hash',
      'sha512-pbkdf2 (default), sha512 (mosquitto 1.6 and earlier), argon2id (only for a mosquitto built with argon2) or bcrypt (not read by mosquitto itself)',
    ],
    apply: (c, v) => {
      if (!(HASH_TYPES as readonly string[]).includes(v)) stop(`Error: Unknown hash type '${v}'`);
      c.hash = v as HashType;
    },
  },
  {
    flags: ['-I'],
    tools: ONLY,
    takes: 'word',
    missing: 'Error: -I argument given but not enough other arguments.\n',
    help: [
      'iterations',
      `PBKDF2 iterations (default ${defaultWork('sha512-pbkdf2')}) or bcrypt cost (${BCRYPT_COST_RANGE.join('-')}, default ${defaultWork('bcrypt')}); not for argon2id`,
    ],
    apply: (c, v) => {
      const n = atoi(v);
      if (n < 1) stop('Error: Number of iterations must be > 0.');
      c.work = n;
    },
  },
  {
    flags: ['-U'],
    tools: ONLY,
    help: ['', 'hash the plain-text passwords of a file; entries already hashed are left alone'],
    apply: (c) => {
      c.upgrade = true;
    },
  },
  {
    flags: ['--verify'],
    tools: ONLY,
    help: ['', "check a user's password: exit 0 if it matches, 1 if not"],
    apply: (c) => {
      c.verify = true;
    },
  },
];

export function passwdHelp(): string {
  const H = '[-H sha512-pbkdf2 | -H sha512 | -H argon2id | -H bcrypt] [-I iterations]';
  return `tspasswd is a tool for managing password files for mosquitto.

Usage: tspasswd ${H} [-c | -D] passwordfile username
       tspasswd ${H} [-c] -b passwordfile username password
       tspasswd ${H} -U passwordfile
       tspasswd --verify passwordfile username
       tspasswd --verify -b passwordfile username password
${helpLines(PASSWD_OPTIONS, TOOL)}
See 'man tspasswd' for more information.

`;
}

/** Prints the usage on stdout and exits 1, as mosquitto_passwd does for a wrong command line. */
const usage = (): never => {
  throw new UsageError('', false, true, 1);
};

function checkUserName(user: UserName): void {
  if (user.bytes.some((b) => b < 0x20 || b === 0x7f)) stop('Error: Username must not contain control characters.');
  if (user.bytes.includes(0x3a)) stop("Error: Username must not contain the ':' character.");
  // Deliberate difference: mosquitto_passwd accepts it, and the broker then reads the line as a comment.
  if (user.bytes[0] === 0x23)
    stop("Error: Username must not start with '#': mosquitto reads such a line as a comment.");
}

/**
 * Reads the command line as mosquitto_passwd does: options only before the first word that
 * is not one (so "--" or "-x" is a file name, and options after the file are operands), in
 * order, each checked as it comes; then the checks across options; then the operands.
 */
export function parsePasswdArgs(
  argv: readonly string[],
  raw: readonly Buffer[] = argv.map((a) => Buffer.from(a, 'utf8')),
): PasswdCommand {
  const cfg: PasswdConfig = {
    batch: false,
    create: false,
    remove: false,
    upgrade: false,
    verify: false,
    hash: 'sha512-pbkdf2',
  };
  let end = argv.length;
  for (const met of walkOptions(PASSWD_OPTIONS, TOOL, argv)) {
    if (!met.spec) {
      end = met.at;
      break;
    }
    // The last word is a flag whose argument is missing: reported after the options before it.
    if (met.spec.takes && met.value === undefined) stop(missingText(met).trimEnd());
    met.spec.apply(cfg, met.value ?? '');
  }

  if (cfg.create && cfg.remove) stop('Error: -c and -D cannot be used together.');
  if (cfg.create && cfg.upgrade) stop('Error: -c and -U cannot be used together.');
  if (cfg.remove && cfg.upgrade) stop('Error: -D and -U cannot be used together.');
  if (cfg.remove && cfg.batch) stop('Error: -b and -D cannot be used together.');
  for (const [on, flag] of [
    [cfg.create, '-c'],
    [cfg.remove, '-D'],
    [cfg.upgrade, '-U'],
  ] as const) {
    if (cfg.verify && on) stop(`Error: --verify and ${flag} cannot be used together.`);
  }
  const [lo, hi] = BCRYPT_COST_RANGE;
  if (cfg.hash === 'bcrypt' && cfg.work !== undefined && (cfg.work < lo || cfg.work > hi)) {
    stop(`Error: bcrypt cost (-I) must be between ${lo} and ${hi}.`);
  }

  const words = argv.slice(end);
  const bytes = raw.slice(end);
  const n = words.length;
  let mode: Mode;
  let withPassword = cfg.batch;
  if (cfg.create) {
    mode = 'create';
    if (cfg.batch ? n < 3 : n < 2) {
      stop(
        `Error: -c argument given but ${cfg.batch ? 'password file, username, or password' : 'password file or username'} missing.`,
      );
    }
  } else if (cfg.remove) {
    mode = 'delete';
    if (n < 2) stop('Error: -D argument given but password file or username missing.');
  } else if (cfg.upgrade) {
    mode = 'upgrade';
    withPassword = false;
    if (n !== 1) stop('Error: -U argument given but password file missing.');
  } else if (cfg.verify) {
    mode = 'verify';
    if (n < (cfg.batch ? 3 : 2)) {
      stop(
        `Error: --verify argument given but ${cfg.batch ? 'password file, username, or password' : 'password file or username'} missing.`,
      );
    }
    if (n > (cfg.batch ? 3 : 2)) usage();
  } else {
    mode = 'update';
    if (n !== (cfg.batch ? 3 : 2)) usage();
  }

  const cmd: PasswdCommand = { mode, file: words[0]!, hash: cfg.hash, work: cfg.work ?? defaultWork(cfg.hash) };
  if (mode !== 'upgrade') {
    cmd.user = { text: words[1]!, bytes: bytes[1]! };
    checkUserName(cmd.user);
  }
  if (withPassword) cmd.password = bytes[2]!;
  return cmd;
}
