// What every tool's main shares: printing usage errors and failures the way mosquitto's
// tools do, and leaving with the right status once stdout and stderr are flushed.
import { ToolError, UsageError } from './errors.ts';

export interface ToolInfo {
  /** Our name, as it appears in "Use 'tspub --help' to see usage." */
  name: string;
  /** The full help text (stdout). */
  help: () => string;
  quiet?: () => boolean;
  /** Handles errors on stdout itself (default: EPIPE ends the tool as SIGPIPE would). */
  stdoutError?: (err: NodeJS.ErrnoException) => void;
}

/** Runs a tool's main; every way out goes through here. */
export function runTool(info: ToolInfo, main: () => Promise<number>): void {
  // A reader that goes away (`tool | head -1`) ends the tool quietly, with the status a
  // shell reports for a process killed by SIGPIPE, as mosquitto's tools are.
  process.stdout.on('error', info.stdoutError ?? ((err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(128 + 13);
    throw err;
  }));
  main().then(
    (status) => exit(status),
    (err: unknown) => {
      if (err instanceof UsageError) {
        let text = err.text;
        if (err.hint) text += `\nUse '${info.name} --help' to see usage.\n`;
        process.stderr.write(text);
        if (err.help) process.stdout.write(info.help());
        exit(err.status);
      } else if (err instanceof ToolError) {
        if (!info.quiet?.()) process.stderr.write(err.text);
        exit(err.status);
      } else {
        process.stderr.write(`Error: ${(err as Error)?.stack ?? String(err)}\n`);
        exit(1);
      }
    },
  );
}

/** Exits once what was written to stdout and stderr has left the process. */
export function exit(status: number): void {
  process.exitCode = status;
  let pending = 2;
  const done = () => { if (--pending === 0) process.exit(status); };
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.writableLength === 0 || stream.destroyed) done();
    else stream.write('', done);
  }
}
