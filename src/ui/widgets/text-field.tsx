import { type Key, Text, useInput } from "ink";
import { useCallback, useRef, useState } from "react";

/**
 * A one-line text field. Not ink-text-input: its input handler closes over the value of the
 * render it came from, and Ink swaps handlers after each render, so a key that arrives before the
 * swap is applied to the old value and the key before it is lost (typing `x.0/24` on a loaded
 * machine gave `x.024`). Here the handler never changes and every edit is a function of the
 * latest state, so no key is lost however fast they come.
 */
export interface TextFieldProps {
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly onSubmit: (value: string) => void;
  readonly focus: boolean;
  readonly placeholder?: string;
}

interface Edit {
  readonly value: string;
  readonly cursor: number;
}

/** What a key does to the text and the cursor; null when the key is not the field's. */
export function applyKey(state: Edit, input: string, key: Key): Edit | null {
  const { value, cursor } = state;
  if (key.upArrow || key.downArrow || key.tab || key.escape || key.return) return null;
  if (key.leftArrow) return { value, cursor: Math.max(0, cursor - 1) };
  if (key.rightArrow) return { value, cursor: Math.min(value.length, cursor + 1) };
  if (key.home || (key.ctrl && input === "a")) return { value, cursor: 0 };
  if (key.end || (key.ctrl && input === "e")) return { value, cursor: value.length };
  if (key.ctrl && input === "u") return { value: value.slice(cursor), cursor: 0 };
  if (key.ctrl && input === "k") return { value: value.slice(0, cursor), cursor };
  if (key.ctrl && input === "w") {
    const before = value.slice(0, cursor).replace(/\S+\s*$/, "");
    return { value: before + value.slice(cursor), cursor: before.length };
  }
  // Terminals send Backspace as DEL (0x7f), which Ink reports as `delete`.
  if (key.backspace || key.delete) {
    if (cursor === 0) return state;
    return { value: value.slice(0, cursor - 1) + value.slice(cursor), cursor: cursor - 1 };
  }
  if (key.ctrl || key.meta || input === "") return null;
  // A paste arrives as one chunk: strip line breaks, keep the rest as typed.
  const text = input.replace(/[\r\n]+/g, " ");
  return {
    value: value.slice(0, cursor) + text + value.slice(cursor),
    cursor: cursor + text.length,
  };
}

export function TextField({ value, onChange, onSubmit, focus, placeholder }: TextFieldProps) {
  const [cursor, setCursor] = useState(value.length);
  // The latest value and cursor, updated synchronously by every key: the next key builds on them
  // even before React renders.
  const state = useRef<Edit>({ value, cursor });
  if (state.current.value !== value) state.current = { value, cursor: value.length };
  const latest = useRef({ onChange, onSubmit });
  latest.current = { onChange, onSubmit };

  const handler = useCallback((input: string, key: Key) => {
    if (key.return) {
      latest.current.onSubmit(state.current.value);
      return;
    }
    // Text and Enter in one chunk (a pasted line, or keys sent together): each line break
    // submits what is before it, as typing it would.
    if (/[\r\n]/.test(input)) {
      const parts = input.split(/\r\n|\r|\n/);
      parts.forEach((part, i) => {
        const typed = applyKey(state.current, part, { ...key, return: false });
        if (typed) state.current = typed;
        if (i < parts.length - 1) {
          latest.current.onSubmit(state.current.value);
          state.current = { value: "", cursor: 0 };
        }
      });
      setCursor(state.current.cursor);
      latest.current.onChange(state.current.value);
      return;
    }
    const next = applyKey(state.current, input, key);
    if (next === null) return;
    const changed = next.value !== state.current.value;
    state.current = next;
    setCursor(next.cursor);
    if (changed) latest.current.onChange(next.value);
  }, []);
  useInput(handler, { isActive: focus });

  const at = Math.min(cursor, value.length);
  if (value === "" && placeholder) {
    return (
      <Text dimColor>
        {focus ? <Text inverse>{placeholder[0] ?? " "}</Text> : null}
        {placeholder.slice(focus ? 1 : 0)}
      </Text>
    );
  }
  return (
    <Text>
      {value.slice(0, at)}
      {focus ? <Text inverse>{value[at] ?? " "}</Text> : (value[at] ?? "")}
      {value.slice(at + 1)}
    </Text>
  );
}
