/**
 * A quiz sitting on screen: a header (question N of M, topic, kind, the clock, EXAM in exam
 * mode), the question with its choices or its node shell, the grade after each answer (not in
 * exam mode), and the results. Every decision is the model's (src/ui/quiz-model.ts); this screen
 * reads the clock it is given, turns keys into events and draws the state.
 */
import { Box, Text } from "ink";
import { type ReactNode, useEffect, useRef, useState } from "react";
import { formatClock } from "../../cli/duration";
import type { QuizQuestion } from "../../quiz/types";
import { useUi } from "../context";
import { useKeys } from "../hooks/use-keys";
import {
  FIELD_KEYS,
  type KeyBinding,
  QUIZ_CHOICE_KEYS,
  QUIZ_CONFIRM_KEYS,
  QUIZ_FEEDBACK_KEYS,
  QUIZ_RESULTS_KEYS,
  QUIZ_SHELL_KEYS,
  type QuizAction,
} from "../keys";
import { gradeLines, kindLabel, resultsLines, topicLabel, wrapIndented } from "../quiz-lines";
import {
  elapsedS,
  openCount,
  type QuizEvent,
  type QuizRules,
  type QuizState,
  quizReducer,
  remainingS,
  startQuiz,
} from "../quiz-model";
import { fitTo, widthOf } from "../text";
import { HelpOverlay } from "../widgets/help-overlay";
import { KeyFooter } from "../widgets/key-footer";
import type { ShellLike } from "../widgets/node-shell";
import { type Line, ScrollView } from "../widgets/scroll-view";
import { QuestionBody, type RecordingShell, recordingShell } from "./quiz-question";

export interface QuizScreenProps {
  readonly rules: QuizRules;
  /** A fresh node shell on a fix-it question's broken scenario (the engine's `quizShell`). */
  readonly newShell: (question: QuizQuestion) => ShellLike;
  /** The clock in milliseconds: `Date.now` in the app, the test's own clock in tests. */
  readonly now: () => number;
  /** How often the clock is read for the timer, in milliseconds. */
  readonly tickMs?: number;
  /** The candidate's name, shown with the results. */
  readonly name?: string;
  /** Every new state, so the runner can write the record whatever ends the app (Ctrl+C too). */
  readonly onState?: (state: QuizState) => void;
  /** The sitting is over and closed: the results were closed, or the candidate quit. */
  readonly onDone: (state: QuizState) => void;
  /** Where to go on from (the screen was away while the terminal was too small). */
  readonly resume?: QuizState;
  /** The fix-it shells by question id, kept by the caller so they outlive this screen. */
  readonly shells?: Map<string, RecordingShell>;
}

/**
 * nav: the screen's letter keys act (and a choice list has ↑↓ Enter); work: the fix-it shell has
 * the keys; question: the whole prompt; the confirmations ask before ending the sitting.
 */
type Mode = "nav" | "work" | "help" | "question" | "confirm-quit" | "confirm-finish";

/** A fix-it question opens with the shell focused, as a lesson's fix step does. */
function modeFor(rules: QuizRules, state: QuizState): Mode {
  const q = rules.quiz.questions[state.index];
  return state.phase.kind === "asking" && q?.kind === "fix-it" ? "work" : "nav";
}

export function QuizScreen(props: QuizScreenProps) {
  const { rules } = props;
  const ui = useUi();
  const { t, lang, columns, rows, symbols, ascii } = ui;
  const latest = useRef(props);
  latest.current = props;
  // The state lives in a ref as well as in React: a key that arrives before the next render
  // (pasted, or fast) acts on the latest state, never on the one the handler was made with.
  const stateRef = useRef<QuizState | null>(null);
  if (stateRef.current === null) stateRef.current = props.resume ?? startQuiz(rules, props.now());
  const [, redraw] = useState(0);
  const [clock, setClock] = useState(() => props.now());
  const [mode, setMode] = useState<Mode>(() => modeFor(rules, stateRef.current as QuizState));
  const modeRef = useRef(mode);
  modeRef.current = mode;
  const ownShells = useRef(new Map<string, RecordingShell>());
  const shells = props.shells ?? ownShells.current;
  // Exam mode shows no grade: a line says the answer was taken.
  const [recorded, setRecorded] = useState<number | null>(null);
  const state = stateRef.current;

  const dispatch = (event: QuizEvent): QuizState => {
    const before = stateRef.current as QuizState;
    const next = quizReducer(rules, before, event);
    if (next === before) return before;
    stateRef.current = next;
    redraw((n) => n + 1);
    latest.current.onState?.(next);
    if (next.index !== before.index || next.phase.kind !== before.phase.kind) {
      const m = modeFor(rules, next);
      modeRef.current = m;
      setMode(m);
    }
    return next;
  };
  const dispatchRef = useRef(dispatch);
  dispatchRef.current = dispatch;

  // The runner holds the first state too, should the app end before any key.
  useEffect(() => {
    latest.current.onState?.(stateRef.current as QuizState);
  }, []);

  // The clock: read every tick for the header, and given to the model so a time limit ends
  // the sitting even when no key is pressed.
  useEffect(() => {
    const timer = setInterval(() => {
      if (stateRef.current?.phase.kind === "results") return;
      const now = latest.current.now();
      setClock(now);
      dispatchRef.current({ type: "tick", now });
    }, props.tickMs ?? 1000);
    return () => clearInterval(timer);
  }, [props.tickMs]);

  const question = rules.quiz.questions[state.index] as QuizQuestion;
  const phase = state.phase;
  const fixIt = question.kind === "fix-it";

  const shellOf = (q: QuizQuestion): RecordingShell => {
    // Kept per question: a candidate who skips a fix-it and comes back finds their changes.
    let shell = shells.get(q.id);
    if (!shell) {
      shell = recordingShell(latest.current.newShell(q));
      shells.set(q.id, shell);
    }
    return shell;
  };

  const answer = (event: QuizEvent & { type: "answer" }) => {
    const at = stateRef.current?.index ?? 0;
    const next = dispatch(event);
    if (rules.exam && next.phase.kind !== "results") setRecorded(at + 1);
  };
  const submitFix = () => {
    const shell = shellOf(question);
    answer({
      type: "answer",
      answer: { kind: "commands", lines: [...shell.lines] },
      now: props.now(),
    });
  };

  const asking = phase.kind === "asking";
  const askTable = fixIt ? QUIZ_SHELL_KEYS : QUIZ_CHOICE_KEYS;
  const table: readonly KeyBinding<string>[] =
    phase.kind === "results"
      ? QUIZ_RESULTS_KEYS
      : phase.kind === "feedback"
        ? QUIZ_FEEDBACK_KEYS
        : askTable;

  useKeys(
    askTable,
    (action: QuizAction) => {
      const now = latest.current.now();
      switch (action) {
        case "choose":
          // The select list moves its own pointer.
          return;
        case "answer":
          // Enter on a choice is the select list's; on a fix-it it goes back into the shell.
          if (fixIt) setMode("work");
          return;
        case "check":
          if (fixIt) submitFix();
          return;
        case "skip":
          setRecorded(null);
          dispatch({ type: "skip", now });
          return;
        case "back":
          setRecorded(null);
          dispatch({ type: "back", now });
          return;
        case "question":
          setMode("question");
          return;
        case "finish":
          setMode("confirm-finish");
          return;
        case "help":
          setMode("help");
          return;
        case "quit":
          setMode("confirm-quit");
          return;
      }
    },
    asking && mode === "nav",
  );

  useKeys(FIELD_KEYS, () => setMode("nav"), asking && mode === "work");

  useKeys(
    QUIZ_FEEDBACK_KEYS,
    (action) => {
      switch (action) {
        case "continue":
          dispatch({ type: "continue", now: latest.current.now() });
          return;
        case "scroll":
          // The scroll view moves.
          return;
        case "finish":
          setMode("confirm-finish");
          return;
        case "help":
          setMode("help");
          return;
        case "quit":
          setMode("confirm-quit");
          return;
      }
    },
    phase.kind === "feedback" && mode === "nav",
  );

  useKeys(
    QUIZ_RESULTS_KEYS,
    (action) => {
      if (action === "help") setMode("help");
      else if (action === "close") latest.current.onDone(stateRef.current as QuizState);
    },
    phase.kind === "results" && mode === "nav",
  );

  // The help overlay and the whole question close with ?, Esc, q or t.
  useKeys(
    table,
    (action) => {
      if (action === "help" || action === "quit" || action === "close" || action === "question")
        setMode("nav");
    },
    mode === "help" || mode === "question",
  );
  useKeys(FIELD_KEYS, () => setMode("nav"), mode === "question");

  useKeys(
    QUIZ_CONFIRM_KEYS,
    (action) => {
      const asked = modeRef.current;
      if (action === "no") {
        setMode(modeFor(rules, stateRef.current as QuizState));
        return;
      }
      const now = latest.current.now();
      if (asked === "confirm-quit") {
        latest.current.onDone(dispatch({ type: "finish", end: "quit", now }));
      } else {
        dispatch({ type: "finish", end: "finished", now });
        setMode("nav");
      }
    },
    mode === "confirm-quit" || mode === "confirm-finish",
  );

  if (mode === "help") return <HelpOverlay table={table} />;

  const width = Math.max(30, columns - 1);
  // Header and rule above, one footer line below: the body gets the rest, and never more.
  const bodyHeight = Math.max(4, rows - 3);
  const exam = rules.exam ? `[${t("quizExam")}]` : "";
  const left = remainingS(rules, state, clock);
  const timeText =
    phase.kind === "results"
      ? ""
      : left !== null
        ? t("quizTimeLeft", { time: formatClock(Math.ceil(left)) })
        : t("quizElapsed", { time: formatClock(elapsedS(state, clock)) });
  const right = [exam, timeText].filter((s) => s !== "").join("  ");
  const title =
    phase.kind === "results"
      ? t("quizResults")
      : [
          t("quizQuestionOf", { n: state.index + 1, total: rules.quiz.questions.length }),
          topicLabel(lang, question.topic),
          kindLabel(lang, question.kind),
        ].join(` ${symbols.bullet} `);
  const lowTime = left !== null && left <= 60;

  let body: ReactNode;
  if (mode === "question") {
    const lines: Line[] = [
      { text: t("quizWholeQuestion"), bold: true },
      ...wrapIndented(question.prompt[lang], width).map((text) => ({ text })),
    ];
    body = <ScrollView lines={lines} height={bodyHeight} isActive />;
  } else if (phase.kind === "results") {
    const lines = resultsLines(
      lang,
      symbols,
      {
        quiz: rules.quiz,
        answers: state.answered.filter((a) => a !== null),
        exam: rules.exam,
        end: phase.end,
        usedS: (phase.at - state.startedAt) / 1000,
        ...(rules.timeLimitS !== undefined ? { timeLimitS: rules.timeLimitS } : {}),
        ...(props.name !== undefined ? { name: props.name } : {}),
      },
      width,
    );
    body = <ScrollView key="results" lines={lines} height={bodyHeight} isActive={mode === "nav"} />;
  } else if (phase.kind === "feedback") {
    const record = state.answered[state.index];
    const next = openCount(state) > 0 ? t("quizNext") : t("quizToResults");
    const lines: Line[] = record ? gradeLines(lang, symbols, question, record, width, next) : [];
    lines.push(
      { text: "" },
      ...wrapIndented(question.prompt[lang], width).map((text) => ({ text, dim: true })),
    );
    body = (
      <ScrollView
        key={`feedback-${question.id}`}
        lines={lines}
        height={bodyHeight}
        isActive={mode === "nav"}
      />
    );
  } else {
    body = (
      <QuestionBody
        key={question.id}
        question={question}
        height={bodyHeight}
        active={mode === "nav"}
        shellFocused={mode === "work"}
        shell={fixIt ? shellOf(question) : null}
        notice={recorded !== null ? t("quizRecorded", { n: recorded }) : null}
        onChoice={(choice) => {
          setRecorded(null);
          answer({ type: "answer", answer: { kind: "choice", choice }, now: props.now() });
        }}
        onShellLine={(line) => {
          if (line.trim() === "check") submitFix();
        }}
      />
    );
  }

  const open = openCount(state);
  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Box justifyContent="space-between" width={width}>
        <Text bold>{fitTo(title, width - widthOf(right) - 2)}</Text>
        <Text>
          {rules.exam ? (
            <Text bold inverse>
              {exam}
            </Text>
          ) : null}
          {rules.exam && timeText !== "" ? "  " : ""}
          <Text color={lowTime ? "red" : undefined} bold={lowTime}>
            {timeText}
          </Text>
        </Text>
      </Box>
      <Text dimColor>{(ascii ? "-" : "─").repeat(Math.min(width, 200))}</Text>
      <Box flexDirection="column" height={bodyHeight} overflow="hidden">
        {body}
      </Box>
      {mode === "confirm-quit" ? (
        <Text color="yellow">{fitTo(t("quizConfirmQuit", { open }), width)}</Text>
      ) : mode === "confirm-finish" ? (
        <Text color="yellow">{fitTo(t("quizConfirmFinish", { open }), width)}</Text>
      ) : mode === "work" ? (
        <Text dimColor>{fitTo(t("quizShellHelp"), width)}</Text>
      ) : (
        // One row, always: a footer that wrapped would push the header off the top.
        <Box height={1} overflow="hidden">
          <KeyFooter table={table} />
        </Box>
      )}
    </Box>
  );
}
