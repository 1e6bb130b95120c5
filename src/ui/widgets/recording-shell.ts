import type { ShellLike } from "./node-shell";

/** A node shell that keeps the lines typed in it: the answer of a fix step or a fix-it question. */
export interface RecordingShell extends ShellLike {
  /** Every non-blank line run, in order, but `check`. */
  readonly lines: readonly string[];
}

/**
 * Wraps a node shell so that what the learner types is kept as their answer. `check` is the
 * tutorial's and the quiz's word, not the node's: it asks for the verdict, so it neither runs
 * on the node nor becomes part of the answer.
 */
export function recordingShell(shell: ShellLike): RecordingShell {
  const lines: string[] = [];
  return {
    get node() {
      return shell.node;
    },
    get history() {
      return shell.history;
    },
    lines,
    run(line: string) {
      if (line.trim() === "check") return { output: "", ok: true, changed: false };
      if (line.trim() !== "") lines.push(line);
      return shell.run(line);
    },
  };
}
