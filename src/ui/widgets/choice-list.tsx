import { Box, Text, useInput } from "ink";
import { useEffect, useRef, useState } from "react";
import { useUi } from "../context";
import { shownText } from "../symbols";

/** One row of a choice list. */
export interface ChoiceItem<V> {
  readonly key: string;
  readonly value: V;
  readonly label: string;
}

export interface ChoiceListProps<V> {
  readonly items: readonly ChoiceItem<V>[];
  /** The row the pointer starts on. */
  readonly initialIndex?: number;
  readonly isActive?: boolean;
  /** Enter on the pointed row, or its number (1-9). */
  readonly onSelect: (item: ChoiceItem<V>) => void;
}

/**
 * A list to pick one row from: ↑/↓ (or k/j) move the pointer, Enter picks, 1-9 pick a row at
 * once. The pointer lives in a ref as well as in state: keys that arrive in one chunk (↓ then
 * Enter typed fast, or sent together by tmux) are handled before React draws again, and a
 * handler reading the state would pick the row the pointer was on before the ↓.
 */
export function ChoiceList<V>({
  items,
  initialIndex = 0,
  isActive = true,
  onSelect,
}: ChoiceListProps<V>) {
  const { symbols, ascii } = useUi();
  const clamp = (i: number) => Math.max(0, Math.min(items.length - 1, i));
  const [pointed, setPointed] = useState(() => clamp(initialIndex));
  const pointedRef = useRef(pointed);
  const keys = items.map((i) => i.key).join("\n");
  const shownKeys = useRef(keys);
  // A new set of rows (another question) starts at the top again.
  useEffect(() => {
    if (shownKeys.current === keys) return;
    shownKeys.current = keys;
    pointedRef.current = 0;
    setPointed(0);
  }, [keys]);
  const point = (index: number) => {
    pointedRef.current = index;
    setPointed(index);
  };
  useInput(
    (input, key) => {
      const n = items.length;
      if (n === 0) return;
      if (key.upArrow || input === "k") point((pointedRef.current - 1 + n) % n);
      else if (key.downArrow || input === "j") point((pointedRef.current + 1) % n);
      else if (/^[1-9]$/.test(input)) {
        const index = Number(input) - 1;
        const item = items[index];
        if (item === undefined) return;
        point(index);
        onSelect(item);
      } else if (key.return) {
        const item = items[pointedRef.current];
        if (item !== undefined) onSelect(item);
      }
    },
    { isActive },
  );
  return (
    <Box flexDirection="column">
      {items.map((item, index) => {
        const selected = index === pointed;
        return (
          <Box key={item.key}>
            <Box marginRight={1}>
              <Text color={selected ? "blue" : undefined}>{selected ? symbols.pointer : " "}</Text>
            </Box>
            <Text color={selected ? "blue" : undefined}>{shownText(item.label, ascii)}</Text>
          </Box>
        );
      })}
    </Box>
  );
}
