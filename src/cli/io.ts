/** Where a command writes, and what it knows of the terminal: process streams, or a test's. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether escape codes for colour may be written to `out`. */
  readonly color: boolean;
  /** The terminal's width when `out` is one (text is wrapped to it); undefined for a pipe or file. */
  readonly columns?: number;
}

/**
 * Colour only on a terminal, and never when the learner asked for none: `--no-color`, a
 * non-empty NO_COLOR (https://no-color.org), or FORCE_COLOR=0 (which the launcher sets for both).
 */
export function colorWanted(
  isTTY: boolean | undefined,
  env: NodeJS.ProcessEnv,
  noColorFlag: boolean,
): boolean {
  if (noColorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR === "0" || env.FORCE_COLOR === "false") return false;
  return isTTY === true;
}

export function processIo(noColorFlag: boolean): Io {
  // `podnet-learn show ... | head` closes the pipe early; that is the reader's choice, not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    color: colorWanted(process.stdout.isTTY, process.env, noColorFlag),
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
  };
}

/** Text with exactly one trailing newline, so outputs with or without one print alike. */
export function line(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}
