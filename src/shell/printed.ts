/** Which stream a piece of a command's output went to. */
export type Stream = "stdout" | "stderr";

/** A piece of output, in the order the command wrote it. */
export interface Chunk {
  readonly stream: Stream;
  readonly text: string;
}

/**
 * What one command of the node shell printed and how it ended. The pieces keep their stream and
 * their order: a terminal shows them interleaved (ping's errors between its header and its
 * statistics), while `| grep` filters only what went to stdout and `2>/dev/null` drops the rest,
 * as in a real shell.
 */
export interface Printed {
  readonly chunks: readonly Chunk[];
  /** The exit status, as `$?` would show it: 0 for success. */
  readonly status: number;
  /** The command changed the simulated cluster (a route, a sysctl, a rule…). */
  readonly changed: boolean;
}

/** A command that wrote `text` to stdout; status 0 unless given. */
export function stdout(text: string, status = 0): Printed {
  return { chunks: text === "" ? [] : [{ stream: "stdout", text }], status, changed: false };
}

/** A command that wrote `text` to stderr; status 1 unless given. */
export function stderr(text: string, status = 1): Printed {
  return { chunks: text === "" ? [] : [{ stream: "stderr", text }], status, changed: false };
}

/** Builds a command's output piece by piece, in the order it is written. */
export class Writer {
  private readonly written: Chunk[] = [];

  out(text: string): void {
    this.push("stdout", text);
  }

  err(text: string): void {
    this.push("stderr", text);
  }

  done(status: number, changed = false): Printed {
    return { chunks: this.written, status, changed };
  }

  private push(stream: Stream, text: string): void {
    if (text === "") return;
    const last = this.written[this.written.length - 1];
    if (last?.stream === stream)
      this.written[this.written.length - 1] = { stream, text: last.text + text };
    else this.written.push({ stream, text });
  }
}

/** Everything a command wrote to one stream. */
export function streamText(printed: Printed, stream: Stream): string {
  return printed.chunks
    .filter((c) => c.stream === stream)
    .map((c) => c.text)
    .join("");
}

/** Text with exactly one trailing newline (empty stays empty), as a terminal shows a message. */
export function lines(text: string): string {
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}
