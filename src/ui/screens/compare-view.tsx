import { Box, Text } from "ink";
import { useState } from "react";
import type { ModeSummary } from "../../compare/summary";
import { compareRows } from "../../compare/table";
import { useUi } from "../context";
import { useKeys } from "../hooks/use-keys";
import { COMPARE_KEYS } from "../keys";
import { fitTo, padTo } from "../text";
import { HelpOverlay } from "../widgets/help-overlay";
import { KeyFooter } from "../widgets/key-footer";

export interface CompareViewProps {
  readonly modes: readonly ModeSummary[];
  readonly onClose: () => void;
}

/** Width of the property names' column. */
const LABEL_WIDTH = 16;

/**
 * The modes side by side, as many as fit (three at 80 columns), ←/→ to bring the others in; a
 * row whose value differs between modes is marked in the label column with a word, not colour only.
 */
export function CompareView({ modes, onClose }: CompareViewProps) {
  const { t, columns, symbols } = useUi();
  const [first, setFirst] = useState(0);
  const [help, setHelp] = useState(false);
  const width = Math.max(40, columns - 1);
  const perPage = Math.max(1, Math.min(modes.length, Math.floor((width - LABEL_WIDTH) / 20)));
  const cellWidth = Math.floor((width - LABEL_WIDTH) / perPage) - 1;

  useKeys(COMPARE_KEYS, (action) => {
    if (help) {
      if (action === "help" || action === "back") setHelp(false);
      return;
    }
    switch (action) {
      case "left":
        setFirst((f) => Math.max(0, f - 1));
        return;
      case "right":
        setFirst((f) => Math.min(Math.max(0, modes.length - perPage), f + 1));
        return;
      case "help":
        setHelp(true);
        return;
      case "back":
        onClose();
        return;
    }
  });
  if (help) return <HelpOverlay table={COMPARE_KEYS} />;

  const shown = modes.slice(first, first + perPage);
  const rows = compareRows(modes);
  return (
    <Box flexDirection="column" width={columns}>
      <Text bold>{fitTo(t("compareTitle", { count: modes.length }), width)}</Text>
      <Text dimColor>
        {t("compareShowing", { from: first + 1, to: first + shown.length, count: modes.length })}
        {`  ${symbols.bullet}  * ${t("compareDiffers")}`}
      </Text>
      <Text> </Text>
      <Text bold>
        {padTo("", LABEL_WIDTH)}
        {shown.map((m) => padTo(m.label, cellWidth)).join(" ")}
      </Text>
      {rows.map((row) => (
        <Box key={row.property}>
          <Box width={LABEL_WIDTH}>
            <Text color={row.differs ? "yellow" : undefined}>
              {`${row.differs ? "* " : "  "}${t(`cmp_${row.property}` as "cmp_encap")}`}
            </Text>
          </Box>
          {row.cells.slice(first, first + perPage).map((lines, i) => (
            <Box key={shown[i]?.label ?? String(lines)} width={cellWidth + 1}>
              <Text>{lines.map((l) => fitTo(l, cellWidth)).join("\n")}</Text>
            </Box>
          ))}
        </Box>
      ))}
      <Box flexGrow={1} />
      <KeyFooter table={COMPARE_KEYS} />
    </Box>
  );
}
