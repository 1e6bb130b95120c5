import { Text } from "ink";
import { useUi } from "../context";
import { type KeyBinding, keyLabel } from "../keys";

/** One line of the screen's keys, from its key table (the first key of each action, deduplicated by label). */
export function KeyFooter<Action extends string>({
  table,
}: {
  readonly table: readonly KeyBinding<Action>[];
}) {
  const { t, ascii, symbols } = useUi();
  const seen = new Map<string, string[]>();
  for (const binding of table) {
    if (binding.footer === false) continue;
    const first = binding.keys[0];
    if (first === undefined) continue;
    const keys = seen.get(binding.label) ?? [];
    keys.push(keyLabel(first, ascii));
    seen.set(binding.label, keys);
  }
  const parts = [...seen].map(([label, keys]) => `${keys.join("")} ${t(label as never)}`);
  return <Text dimColor>{parts.join(` ${symbols.bullet} `)}</Text>;
}
