/**
 * A mistake in how the command was typed (unknown option, missing value). Reported with a
 * pointer to `--help`, exit code 2, never a stack trace.
 */
export class UsageError extends Error {
  /** The command whose `--help` the message points to; undefined for the top level. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

/**
 * The command was typed right but cannot run here: an unreadable script file, an unknown
 * namespace. Reported as it is (the message says what to do), exit code 2.
 */
export class InputError extends Error {
  /** The command that failed, named in the message; undefined for the top level. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = "InputError";
    this.command = command;
  }
}
