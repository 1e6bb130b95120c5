import { Box, Text, useApp, useInput } from "ink";
import { type ReactNode, useState } from "react";
import { type ProgressAccess, Ui, type UiContext } from "./context";
import type { LessonEntry } from "./home-model";
import { useTerminalSize } from "./hooks/use-terminal-size";
import type { Lang } from "./i18n/locale";
import { t } from "./i18n/messages";
import { Home } from "./screens/home";
import { symbolsFor } from "./symbols";

/** Below this the screens cannot lay out; the app says so instead of drawing a broken frame. */
export const MIN_COLUMNS = 60;
export const MIN_ROWS = 18;

/** Which screen is up: the top-level navigation, as one value. */
export type Screen =
  | { readonly kind: "home" }
  | { readonly kind: "lesson"; readonly lessonId: string; readonly stepIndex: number }
  | { readonly kind: "compare" };

export interface LessonScreenProps {
  readonly lessonId: string;
  readonly stepIndex: number;
  readonly onExit: () => void;
}

export interface AppProps {
  readonly lessons: readonly LessonEntry[];
  readonly renderLesson: (props: LessonScreenProps) => ReactNode;
  /** The compare view (the CNI modes are built when it is first opened). */
  readonly renderCompare: (onClose: () => void) => ReactNode;
  readonly lang: Lang;
  readonly ascii: boolean;
  readonly progress: ProgressAccess;
  readonly notices: readonly string[];
  readonly now?: () => Date;
}

export function App(props: AppProps) {
  const { exit } = useApp();
  const size = useTerminalSize();
  const [lang, setLang] = useState<Lang>(props.lang);
  const [screen, setScreen] = useState<Screen>({ kind: "home" });
  const tooSmall = size.columns < MIN_COLUMNS || size.rows < MIN_ROWS;

  useInput(
    (input, key) => {
      if (input === "q" || input === "ㅂ" || key.escape) exit();
    },
    { isActive: tooSmall },
  );

  const ctx: UiContext = {
    lang,
    ascii: props.ascii,
    symbols: symbolsFor(props.ascii),
    // One row is left free: an Ink frame as tall as the terminal clears the screen every frame.
    columns: size.columns,
    rows: size.rows - 1,
    progress: props.progress,
    now: props.now ?? (() => new Date()),
  };

  if (tooSmall) {
    return (
      <Box flexDirection="column">
        <Text>
          {t(lang, "tooSmall", {
            cols: size.columns,
            rows: size.rows,
            minCols: MIN_COLUMNS,
            minRows: MIN_ROWS,
          })}
        </Text>
        <Text dimColor>{t(lang, "tooSmallHint")}</Text>
      </Box>
    );
  }

  let body: ReactNode;
  switch (screen.kind) {
    case "home":
      body = (
        <Home
          lessons={props.lessons}
          notices={props.notices}
          onOpen={(lesson, stepIndex) =>
            setScreen({ kind: "lesson", lessonId: lesson.id, stepIndex })
          }
          onCompare={() => setScreen({ kind: "compare" })}
          onToggleLang={() => {
            const next: Lang = lang === "en" ? "ko" : "en";
            setLang(next);
            props.progress.update((p) => {
              p.lang = next;
            });
          }}
          onQuit={() => exit()}
        />
      );
      break;
    case "lesson":
      body = props.renderLesson({
        lessonId: screen.lessonId,
        stepIndex: screen.stepIndex,
        onExit: () => setScreen({ kind: "home" }),
      });
      break;
    case "compare":
      body = props.renderCompare(() => setScreen({ kind: "home" }));
      break;
  }
  return (
    <Ui.Provider value={ctx}>
      <Box height={ctx.rows} flexDirection="column" overflow="hidden">
        {body}
      </Box>
    </Ui.Provider>
  );
}
