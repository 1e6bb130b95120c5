import { Box, Text, useInput } from "ink";
import { useRef, useState } from "react";
import { useUi } from "../context";
import { TextField } from "./text-field";

export interface AnswerInputProps {
  /** Shown before the field: `node1 # ip route add`. */
  readonly prompt: string;
  /** Earlier entries, oldest first; ↑ and ↓ walk through them. */
  readonly history: readonly string[];
  readonly onSubmit: (text: string) => void;
  /** Checked as the learner types: an error to show under the field, or null. */
  readonly validate?: (text: string) => string | null;
  /** Shown under the field when `validate` finds nothing wrong. */
  readonly okText?: string;
  readonly isActive: boolean;
  readonly placeholder?: string;
}

/**
 * A one-line text field with history and a live check: the parse error (as iproute2 words it)
 * appears under the field while the learner types, before anything is submitted.
 */
export function AnswerInput({
  prompt,
  history,
  onSubmit,
  validate,
  okText,
  isActive,
  placeholder,
}: AnswerInputProps) {
  const { symbols } = useUi();
  const [value, setValue] = useState("");
  // Where ↑/↓ are in the history: history.length means "the line being typed".
  const [position, setPosition] = useState(history.length);
  const draft = useRef("");
  // A new field per recalled line puts the cursor at its end, where the learner goes on typing.
  const [recalls, setRecalls] = useState(0);
  const latest = useRef({ position, history, value });
  latest.current = { position, history, value };

  useInput(
    (_input, key) => {
      const { history: past, value: typed } = latest.current;
      const at = Math.min(latest.current.position, past.length);
      if (key.upArrow && at > 0) {
        if (at === past.length) draft.current = typed;
        setPosition(at - 1);
        setValue(past[at - 1] ?? "");
        setRecalls((n) => n + 1);
      } else if (key.downArrow && at < past.length) {
        setPosition(at + 1);
        setValue(at + 1 === past.length ? draft.current : (past[at + 1] ?? ""));
        setRecalls((n) => n + 1);
      }
    },
    { isActive },
  );

  const problem = value.trim() === "" || !validate ? null : validate(value);
  return (
    <Box flexDirection="column">
      <Box>
        <Text bold>{prompt} </Text>
        <TextField
          key={recalls}
          value={value}
          onChange={setValue}
          focus={isActive}
          placeholder={placeholder}
          onSubmit={(text) => {
            if (text.trim() === "") return;
            onSubmit(text);
            setValue("");
            draft.current = "";
            setPosition(history.length + 1);
          }}
        />
      </Box>
      {problem !== null ? (
        <Text color="red">
          {symbols.fail} {problem}
        </Text>
      ) : value.trim() !== "" && okText ? (
        <Text dimColor>
          {symbols.pass} {okText}
        </Text>
      ) : (
        <Text> </Text>
      )}
    </Box>
  );
}
