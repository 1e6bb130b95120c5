import { Box, Text } from "ink";
import { useState } from "react";
import { CLEAR_SCREEN } from "../../shell/clear";
import { useUi } from "../context";
import { AnswerInput } from "./answer-input";

/** What the shell widget needs of a node shell (src/shell/session.ts). */
export interface ShellLike {
  readonly node: string;
  readonly history: readonly string[];
  run(line: string): { output: string; ok: boolean; changed: boolean };
}

interface Entry {
  readonly id: number;
  readonly prompt: string;
  readonly line: string;
  readonly output: string;
  readonly ok: boolean;
}

export interface NodeShellViewProps {
  readonly shell: ShellLike;
  /** Rows the shell may use, its input included. */
  readonly height: number;
  readonly isActive: boolean;
  /** After every line: lets the exercise re-check or count changes. */
  readonly onRan?: (line: string, result: { ok: boolean; changed: boolean }) => void;
}

/**
 * A terminal on a simulated node: `node1 $` prompt, the output of each command as the real tool
 * prints it, ↑/↓ history, `clear`. The shell decides everything a command does; this only shows it.
 */
export function NodeShellView({ shell, height, isActive, onRan }: NodeShellViewProps) {
  const { columns } = useUi();
  const [entries, setEntries] = useState<readonly Entry[]>([]);
  const [, setRuns] = useState(0);
  const width = Math.max(20, columns - 1);

  // The newest lines that fit above the input (which takes two rows).
  const lines: { key: string; text: string; error: boolean; prompt: boolean }[] = [];
  for (const e of entries) {
    lines.push({ key: `${e.id}p`, text: `${e.prompt} ${e.line}`, error: false, prompt: true });
    const out = e.output.replace(/\n$/, "");
    if (out !== "")
      out.split("\n").forEach((text, i) => {
        lines.push({ key: `${e.id}o${i}`, text, error: !e.ok, prompt: false });
      });
  }
  const room = Math.max(1, height - 2);
  const visible = lines.slice(-room);

  return (
    <Box flexDirection="column" width={columns}>
      {visible.map((l) => (
        <Text key={l.key} color={l.error ? "red" : undefined} bold={l.prompt} wrap="truncate-end">
          {l.text === "" ? " " : l.text.slice(0, width * 2)}
        </Text>
      ))}
      <AnswerInput
        prompt={`${shell.node} $`}
        history={shell.history}
        isActive={isActive}
        onSubmit={(line) => {
          const prompt = `${shell.node} $`;
          const result = shell.run(line);
          // `clear` prints the terminal's clear sequence; this view clears its own lines instead.
          if (result.output === CLEAR_SCREEN) {
            setEntries([]);
            return;
          }
          setEntries((all) => [
            ...all,
            { id: all.length, prompt, line, output: result.output, ok: result.ok },
          ]);
          setRuns((n) => n + 1);
          onRan?.(line, result);
        }}
      />
    </Box>
  );
}
