// Errors that end a tool with a message and an exit status, the way mosquitto's clients do.

/**
 * An invalid command line. `text` is exactly what mosquitto prints before its usage hint
 * (including its own trailing newlines, which differ from message to message).
 */
export class UsageError extends Error {
  constructor(
    readonly text: string,
    /** Append "\nUse 'TOOL --help' to see usage.\n". */
    readonly hint: boolean = true,
    /** Print the full help on stdout after the message (mosquitto does for missing topic/message). */
    readonly help: boolean = false,
    readonly status: number = 1,
  ) {
    super(text.trimEnd());
  }
}

/** A failure after the command line was accepted: `text` goes to stderr unless --quiet. */
export class ToolError extends Error {
  constructor(
    readonly text: string,
    readonly status: number = 1,
  ) {
    super(text.trimEnd());
  }
}

/** libmosquitto's error codes that the tools end with (their exit statuses). */
export const MOSQ_ERR = {
  PROTOCOL: 2,
  INVAL: 3,
  NO_CONN: 4,
  CONN_REFUSED: 5,
  CONN_LOST: 7,
  TLS: 8,
  /** MOSQ_ERR_ERRNO: a system error, errno telling which (here always EPROTO, see below). */
  ERRNO: 14,
  AUTH: 11,
  PROXY: 16,
  MALFORMED_UTF8: 18,
  KEEPALIVE: 19,
  DUPLICATE_PROPERTY: 22,
} as const;

/** mosquitto_strerror()'s words (2.0.11) for those codes. */
const MOSQ_STRERROR: Readonly<Record<number, string>> = {
  2: 'A network protocol error occurred when communicating with the broker.',
  3: 'Invalid function arguments provided.',
  4: 'The client is not currently connected.',
  5: 'The connection was refused.',
  7: 'The connection was lost.',
  8: 'A TLS error occurred.',
  11: 'Authorisation failed.',
  // mosquitto_strerror(MOSQ_ERR_ERRNO) is strerror(errno). The one errno a client ends with
  // here is EPROTO: libmosquitto sets it when OpenSSL fails on an open connection.
  14: 'Protocol error',
  16: 'Proxy error.',
  18: 'Malformed UTF-8',
  // 2.0.11 has no words for MOSQ_ERR_KEEPALIVE.
  19: 'Unknown error.',
  22: 'Duplicate property in property list',
};

/** mosquitto_strerror(code), as mosquitto's clients word a libmosquitto error. */
export const mosquittoStrerror = (code: number): string => MOSQ_STRERROR[code] ?? 'Unknown error.';

/** The line a client prints for a libmosquitto error: "Error: <mosquitto_strerror>". */
export const mosquittoError = (code: number): string => `Error: ${mosquittoStrerror(code)}\n`;

/** C's strerror() words (glibc's) for the system errors a user can meet, by Node's code. */
const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EADDRINUSE: 'Address already in use',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EINVAL: 'Invalid argument',
  ENETUNREACH: 'Network is unreachable',
  EHOSTUNREACH: 'No route to host',
  ETIMEDOUT: 'Connection timed out',
  EPIPE: 'Broken pipe',
  EACCES: 'Permission denied',
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  ENOTSOCK: 'Socket operation on non-socket',
  ENAMETOOLONG: 'File name too long',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ELOOP: 'Too many levels of symbolic links',
  EDQUOT: 'Disk quota exceeded',
  EIO: 'Input/output error',
  EEXIST: 'File exists',
  ETXTBSY: 'Text file busy',
  EXDEV: 'Invalid cross-device link',
};

/** C's strerror() for a Node system error, or undefined for a code not in the table. */
export const errnoWords = (err: unknown): string | undefined => {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === undefined ? undefined : ERRNO_WORDS[code];
};
