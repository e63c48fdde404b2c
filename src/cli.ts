// What every tool's main shares: printing usage errors and failures the way mosquitto's
// tools do, and leaving with the right status once stdout and stderr are flushed.
import { ToolError, UsageError } from './errors.ts';
import { paintFor, type Paint } from './colour.ts';
import { keepIgnoredSignals } from './signals.ts';
import { bytesOf } from './words.ts';

export interface ToolInfo {
  /** Our name, as it appears in "Use 'tspub --help' to see usage." */
  name: string;
  /** The full help text (stdout). */
  help: () => string;
  quiet?: () => boolean;
  /** Handles errors on stdout itself (default: EPIPE ends the tool as SIGPIPE would). */
  stdoutError?: (err: NodeJS.ErrnoException) => void;
}

let stdoutError: ((err: NodeJS.ErrnoException) => void) | undefined;
let out: NodeJS.WriteStream | undefined;
let err: NodeJS.WriteStream | undefined;

/**
 * The tool's stdout. Node makes the stream on first use, which costs start-up time a quiet
 * one-shot publish need not pay, so every tool goes through here; the first use installs
 * the handler for a reader that goes away.
 */
export function stdout(): NodeJS.WriteStream {
  if (out === undefined) {
    out = process.stdout;
    // `tool | head -1`: end quietly, with the status a shell reports for a process killed
    // by SIGPIPE, as mosquitto's tools do (a tool may handle it itself: runTool's stdoutError).
    out.on('error', (e: NodeJS.ErrnoException) => {
      if (stdoutError) return stdoutError(e);
      if (e.code === 'EPIPE') process.exit(128 + 13);
      throw e;
    });
  }
  return out;
}

/** The -d trace's colours: it goes to stdout in every tool, coloured when that is a terminal. */
export function traceColours(): Paint | undefined {
  return paintFor(stdout());
}

/** The tool's stderr, made on first use like stdout(). */
export function stderr(): NodeJS.WriteStream {
  err ??= process.stderr;
  return err;
}

/** Runs a tool's main; every way out goes through here. */
export function runTool(info: ToolInfo, main: () => Promise<number>): void {
  keepIgnoredSignals();
  stdoutError = info.stdoutError;
  main().then(
    (status) => exit(status),
    (e: unknown) => {
      if (e instanceof UsageError) {
        let text = e.text;
        if (e.hint) text += `\nUse '${info.name} --help' to see usage.\n`;
        stderr().write(bytesOf(painted(text)));
        if (e.help) stdout().write(info.help());
        exit(e.status);
      } else if (e instanceof ToolError) {
        if (!info.quiet?.()) stderr().write(bytesOf(painted(e.text)));
        exit(e.status);
      } else {
        stderr().write(painted(`Error: ${(e as Error)?.stack ?? String(e)}\n`));
        exit(1);
      }
    },
  );
}

/** An error message as it goes to stderr: red on a terminal (colour.ts). */
function painted(text: string): string {
  const paint = text === '' ? undefined : paintFor(stderr());
  return paint ? paint.error(text) : text;
}

/** Exits once what was written to stdout and stderr has left the process. */
export function exit(status: number): void {
  process.exitCode = status;
  const used = [out, err].filter((s) => s !== undefined);
  let pending = used.length;
  const done = () => {
    if (--pending <= 0) process.exit(status);
  };
  if (pending === 0) done();
  for (const stream of used) {
    if (stream.writableLength === 0 || stream.destroyed) done();
    else stream.write('', done);
  }
}
