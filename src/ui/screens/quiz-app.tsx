/**
 * The quiz's top level: the terminal's size (with the same minimum as the tutorial, and the same
 * message below it), the UI context, and the sitting. The quiz keeps no progress: the context's
 * progress store is an empty one the quiz screens never read.
 */
import { Box, Text, useApp, useInput } from "ink";
import { useRef } from "react";
import { emptyProgress } from "../../progress/schema";
import { MIN_COLUMNS, MIN_ROWS } from "../app";
import { type ProgressAccess, Ui, type UiContext } from "../context";
import { useTerminalSize } from "../hooks/use-terminal-size";
import type { Lang } from "../i18n/locale";
import { t } from "../i18n/messages";
import type { QuizState } from "../quiz-model";
import { symbolsFor } from "../symbols";
import type { RecordingShell } from "../widgets/recording-shell";
import { QuizScreen, type QuizScreenProps } from "./quiz";

/** No progress is kept for a quiz; the context still wants a store. */
const NO_PROGRESS: ProgressAccess = {
  read: emptyProgress,
  update: (change) => {
    const p = emptyProgress();
    change(p);
    return p;
  },
};

export interface QuizAppProps extends QuizScreenProps {
  readonly lang: Lang;
  readonly ascii: boolean;
}

export function QuizApp(props: QuizAppProps) {
  const { exit } = useApp();
  // The sitting outlives the screen: below the minimum size the screen goes, and comes back
  // where it was (its state and its fix-it shells) when the terminal is big enough again.
  const kept = useRef<{ state: QuizState | undefined; shells: Map<string, RecordingShell> }>({
    state: undefined,
    shells: new Map(),
  });
  const size = useTerminalSize();
  const tooSmall = size.columns < MIN_COLUMNS || size.rows < MIN_ROWS;

  // Too small to draw: q quits, as in the tutorial (the sitting ends with what was answered).
  useInput(
    (input, key) => {
      if (input === "q" || input === "ㅂ" || key.escape) exit();
    },
    { isActive: tooSmall },
  );

  if (tooSmall) {
    return (
      <Box flexDirection="column">
        <Text>
          {t(props.lang, "tooSmall", {
            cols: size.columns,
            rows: size.rows,
            minCols: MIN_COLUMNS,
            minRows: MIN_ROWS,
          })}
        </Text>
        <Text dimColor>{t(props.lang, "tooSmallHint")}</Text>
      </Box>
    );
  }

  const ctx: UiContext = {
    lang: props.lang,
    ascii: props.ascii,
    symbols: symbolsFor(props.ascii),
    columns: size.columns,
    // One row is left free: an Ink frame as tall as the terminal clears the screen every frame.
    rows: size.rows - 1,
    progress: NO_PROGRESS,
    now: () => new Date(props.now()),
  };
  return (
    <Ui.Provider value={ctx}>
      <Box height={ctx.rows} flexDirection="column" overflow="hidden">
        <QuizScreen
          {...props}
          {...(kept.current.state !== undefined ? { resume: kept.current.state } : {})}
          shells={kept.current.shells}
          onState={(state) => {
            kept.current.state = state;
            props.onState?.(state);
          }}
        />
      </Box>
    </Ui.Provider>
  );
}
