import { Box, Text } from "ink";
import { useState } from "react";
import { useUi } from "../context";
import { useKeys } from "../hooks/use-keys";
import { SCROLL_KEYS } from "../keys";
import { shownText } from "../symbols";

/** One line of a scroll view, already wrapped to the width. */
export interface Line {
  readonly text: string;
  readonly color?: string;
  readonly bold?: boolean;
  readonly dim?: boolean;
}

/**
 * Lines in a window of `height` rows, ↑/↓ and PgUp/PgDn to move when it is active; the last row
 * says how much is below when something is, in words, not only with an arrow.
 */
export function ScrollView({
  lines,
  height,
  isActive,
}: {
  readonly lines: readonly Line[];
  readonly height: number;
  readonly isActive: boolean;
}) {
  const { t, ascii } = useUi();
  const [top, setTop] = useState(0);
  const fits = lines.length <= height;
  const room = fits ? height : Math.max(1, height - 1);
  const maxTop = Math.max(0, lines.length - room);
  const at = Math.min(top, maxTop);
  useKeys(
    SCROLL_KEYS,
    (action) => {
      if (action === "up") setTop(Math.max(0, at - 1));
      if (action === "down") setTop(Math.min(maxTop, at + 1));
      if (action === "pageup") setTop(Math.max(0, at - room));
      if (action === "pagedown") setTop(Math.min(maxTop, at + room));
    },
    isActive && !fits,
  );
  const shown = lines.slice(at, at + room);
  const below = lines.length - at - shown.length;
  return (
    <Box flexDirection="column" height={height}>
      {shown.map((l, i) => (
        <Text
          // Rows of a window: their position is what they are.
          // biome-ignore lint/suspicious/noArrayIndexKey: the window's rows
          key={i}
          color={l.color}
          bold={l.bold}
          dimColor={l.dim}
        >
          {l.text === "" ? " " : shownText(l.text, ascii)}
        </Text>
      ))}
      {!fits ? (
        <Text dimColor>
          {shownText(below > 0 ? t("moreBelow", { n: below }) : t("scrollTop"), ascii)}
        </Text>
      ) : null}
    </Box>
  );
}
