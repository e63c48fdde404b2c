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
