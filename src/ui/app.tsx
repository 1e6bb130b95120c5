import { Box, Text, useApp, useInput } from "ink";
import { type ReactNode, useCallback, useState } from "react";
import { endExam } from "../progress/record";
import { type ProgressAccess, Ui, type UiContext } from "./context";
import type { LessonEntry } from "./home-model";
import { useTerminalSize } from "./hooks/use-terminal-size";
import type { Lang } from "./i18n/locale";
import { t } from "./i18n/messages";
import { ExamOver } from "./screens/exam-over";
import { Home } from "./screens/home";
import { symbolsFor } from "./symbols";
import { ExamClock } from "./widgets/exam-clock";

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

/** An exam in progress (`--exam`): its clock, and what the end screen needs. */
export interface ExamSession {
  /** When the exam was first opened (ms since the epoch). */
  readonly startedAt: number;
  /** When it ends (ms since the epoch), or null for no time limit. */
  readonly deadline: number | null;
  /** The exercises of each lesson, by lesson id (the end screen counts them). */
  readonly exercises: ReadonlyMap<string, readonly string[]>;
  /** The command that exports the exam's result, with the learner's name written as `yourName`. */
  readonly exportCommand: (yourName: string) => string;
  /** The lessons' digest, shortened: the same on every learner's screen when they sit the same pack. */
  readonly pack: string;
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
  /** The `--lessons` pack's name, when used beside the built-in lessons (the home screen marks its lessons). */
  readonly packLabel?: string;
  /** Exam mode; the lesson screen gets it through `renderLesson`'s caller. */
  readonly exam?: ExamSession;
}

export function App(props: AppProps) {
  const { exit } = useApp();
  const size = useTerminalSize();
  const [lang, setLang] = useState<Lang>(props.lang);
  const [screen, setScreen] = useState<Screen>({ kind: "home" });
  const tooSmall = size.columns < MIN_COLUMNS || size.rows < MIN_ROWS;
  const now = props.now ?? (() => new Date());
  const exam = props.exam;
  // Reopened after the time ran out: straight to the end screen.
  const [timeUp, setTimeUp] = useState(
    () => exam?.deadline != null && now().getTime() >= exam.deadline,
  );
  const { progress } = props;
  const deadline = exam?.deadline ?? null;
  const expire = useCallback(() => {
    setTimeUp(true);
    // The time ran out at the deadline, whenever the clock noticed (even in a later run).
    if (deadline !== null) progress.update((p) => endExam(p, new Date(deadline)));
  }, [progress, deadline]);

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
    // An exam's clock takes one more.
    columns: size.columns,
    rows: size.rows - 1 - (exam ? 1 : 0),
    progress: props.progress,
    now,
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
  // When the exam's time is up, answering stops: the end screen replaces whatever was open.
  if (timeUp && exam)
    body = (
      <ExamOver
        lessons={props.lessons}
        exercises={exam.exercises}
        exportCommand={exam.exportCommand}
      />
    );
  else
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
            {...(props.packLabel === undefined ? {} : { packLabel: props.packLabel })}
            exam={exam !== undefined}
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
      {exam ? (
        <ExamClock
          startedAt={exam.startedAt}
          deadline={exam.deadline}
          pack={exam.pack}
          onExpire={expire}
        />
      ) : null}
      <Box height={ctx.rows} flexDirection="column" overflow="hidden">
        {body}
      </Box>
    </Ui.Provider>
  );
}
