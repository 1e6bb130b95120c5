import { type Key, useInput } from "ink";
import { useCallback, useRef } from "react";
import { actionFor, type KeyBinding } from "../keys";

/**
 * Runs `onAction` for the keys of `table`. Ink re-subscribes `useInput` whenever its handler
 * changes, and a key that arrives in between reaches the handler of the render before (a fast ↓
 * then Enter picked the wrong item). The handler given to Ink here never changes; it reads the
 * latest table and callback from refs set during render, so fast or pasted keys act on the
 * current state.
 */
export function useKeys<Action extends string>(
  table: readonly KeyBinding<Action>[],
  onAction: (action: Action, input: string, key: Key) => void,
  isActive = true,
): void {
  const latest = useRef({ table, onAction });
  latest.current = { table, onAction };
  const handler = useCallback((input: string, key: Key) => {
    const { table: current, onAction: act } = latest.current;
    const action = actionFor(current, input, key);
    if (action !== null) act(action, input, key);
  }, []);
  useInput(handler, { isActive });
}
