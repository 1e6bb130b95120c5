import { Box, Text } from "ink";
import { useUi } from "../context";
import { type KeyBinding, keyLabel } from "../keys";
import { padTo } from "../text";

/** Every key of the current screen with what it does, drawn from the screen's key table. */
export function HelpOverlay<Action extends string>({
  table,
}: {
  readonly table: readonly KeyBinding<Action>[];
}) {
  const { t, ascii, symbols } = useUi();
  const rows = table.map((b) => ({
    keys: b.keys.map((k) => keyLabel(k, ascii)).join(" / "),
    label: t(b.label),
  }));
  const width = Math.max(...rows.map((r) => r.keys.length), 4) + 2;
  return (
    <Box flexDirection="column" borderStyle={symbols.border} paddingX={1}>
      <Text bold>{t("helpTitle")}</Text>
      {rows.map((r) => (
        <Text key={`${r.keys}-${r.label}`}>
          {padTo(r.keys, width)}
          {r.label}
        </Text>
      ))}
      <Text>
        {padTo("Ctrl+C", width)}
        {t("keyQuit")}
      </Text>
      <Text dimColor>{t("helpClose")}</Text>
    </Box>
  );
}
