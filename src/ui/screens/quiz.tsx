/**
 * A quiz sitting on screen: a header (question N of M, topic, kind, the clock, EXAM in exam
 * mode), the question with its choices or its node shell, the grade after each answer (not in
 * exam mode), and the results. Every decision is the model's (src/ui/quiz-model.ts); this screen
 * reads the clock it is given, turns keys into events and draws the state.
 */
import { Box, type Key, Text, useInput } from "ink";
import { type ReactNode, useCallback, useEffect, useRef, useState } from "react";
import { formatClock } from "../../cli/duration";
import type { QuizQuestion } from "../../quiz/types";
import { unreachable } from "../../sim/unreachable";
import { useUi } from "../context";
import {
  actionFor,
  FIELD_KEYS,
  type KeyBinding,
  QUIZ_CHOICE_KEYS,
  QUIZ_CONFIRM_KEYS,
  QUIZ_FEEDBACK_KEYS,
  QUIZ_RESULTS_KEYS,
  QUIZ_SHELL_KEYS,
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
import { type RecordingShell, recordingShell } from "../widgets/recording-shell";
import { type Line, ScrollView } from "../widgets/scroll-view";
import { QuestionBody } from "./quiz-question";

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

/** The key table of what is on screen (the help overlay and the footer are drawn from it). */
function tableFor(state: QuizState, question: QuizQuestion): readonly KeyBinding<string>[] {
  switch (state.phase.kind) {
    case "results":
      return QUIZ_RESULTS_KEYS;
    case "feedback":
      return QUIZ_FEEDBACK_KEYS;
    case "asking":
      return question.kind === "fix-it" ? QUIZ_SHELL_KEYS : QUIZ_CHOICE_KEYS;
    default:
      return unreachable(state.phase);
  }
}

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

  const changeMode = (next: Mode) => {
    modeRef.current = next;
    setMode(next);
  };

  // Every input handler gets every key: the Enter that the select list (or the shell's `check`)
  // answers with reaches this screen's handler too, after the answer, and must not also
  // "continue" past the grade. Set while that key is being handled; cleared once it has been.
  const answering = useRef(false);

  const answer = (questionId: string, event: QuizEvent & { type: "answer" }) => {
    const before = stateRef.current as QuizState;
    // A widget whose unmount has not reached Ink yet (its listener is removed after the frame is
    // drawn) may still answer; only the question on screen, waiting for its answer, takes it.
    if (before.phase.kind !== "asking" || rules.quiz.questions[before.index]?.id !== questionId)
      return;
    answering.current = true;
    queueMicrotask(() => {
      answering.current = false;
    });
    const next = dispatch(event);
    if (rules.exam && next.phase.kind !== "results") setRecorded(before.index + 1);
  };
  const submitFix = () => {
    const current = rules.quiz.questions[stateRef.current?.index ?? 0] as QuizQuestion;
    answer(current.id, {
      type: "answer",
      answer: { kind: "commands", lines: [...shellOf(current).lines] },
      now: latest.current.now(),
    });
  };

  /**
   * Every key of the screen's own, in one handler that reads the mode and the state when the key
   * arrives (from refs, set as they change): a key right after an answer or a mode change acts on
   * the new screen, with no gap while a per-mode handler would be subscribing.
   */
  const onKey = (input: string, key: Key) => {
    if (answering.current) return;
    const current = stateRef.current as QuizState;
    const q = rules.quiz.questions[current.index] as QuizQuestion;
    const fix = q.kind === "fix-it";
    const now = latest.current.now();
    const m = modeRef.current;
    const keysHere = tableFor(current, q);
    switch (m) {
      case "confirm-quit":
      case "confirm-finish": {
        const action = actionFor(QUIZ_CONFIRM_KEYS, input, key);
        if (action === "no") changeMode(modeFor(rules, current));
        else if (action === "yes" && m === "confirm-quit")
          latest.current.onDone(dispatch({ type: "finish", end: "quit", now }));
        else if (action === "yes") {
          dispatch({ type: "finish", end: "finished", now });
          changeMode("nav");
        }
        return;
      }
      case "help":
      case "question": {
        // Closed with ?, Esc, q or t.
        const action = actionFor(keysHere, input, key);
        if (action === "help" || action === "quit" || action === "close" || action === "question")
          changeMode("nav");
        return;
      }
      case "work":
        if (actionFor(FIELD_KEYS, input, key) === "leave") changeMode("nav");
        return;
      case "nav":
        break;
      default:
        unreachable(m);
    }
    switch (current.phase.kind) {
      case "asking": {
        const action = actionFor(fix ? QUIZ_SHELL_KEYS : QUIZ_CHOICE_KEYS, input, key);
        switch (action) {
          case null:
          case "choose":
            // The select list moves its own pointer (↑↓, j k) and answers on Enter or 1-9.
            return;
          case "answer":
            // Enter on a choice is the select list's; on a fix-it it goes back into the shell.
            if (fix) changeMode("work");
            return;
          case "check":
            if (fix) submitFix();
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
            changeMode("question");
            return;
          case "finish":
            changeMode("confirm-finish");
            return;
          case "help":
            changeMode("help");
            return;
          case "quit":
            changeMode("confirm-quit");
            return;
          default:
            return unreachable(action);
        }
      }
      case "feedback": {
        const action = actionFor(QUIZ_FEEDBACK_KEYS, input, key);
        if (action === "continue") dispatch({ type: "continue", now });
        else if (action === "finish") changeMode("confirm-finish");
        else if (action === "help") changeMode("help");
        else if (action === "quit") changeMode("confirm-quit");
        // scroll: the scroll view moves.
        return;
      }
      case "results": {
        const action = actionFor(QUIZ_RESULTS_KEYS, input, key);
        if (action === "help") changeMode("help");
        else if (action === "close") latest.current.onDone(current);
        return;
      }
      default:
        return unreachable(current.phase);
    }
  };
  const onKeyRef = useRef(onKey);
  onKeyRef.current = onKey;
  // Subscribed once and never swapped (see src/ui/hooks/use-keys.ts for why swapping loses keys).
  const stableOnKey = useCallback((input: string, key: Key) => onKeyRef.current(input, key), []);
  useInput(stableOnKey);

  const table = tableFor(state, question);

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
          answer(question.id, {
            type: "answer",
            answer: { kind: "choice", choice },
            now: props.now(),
          });
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
        <Text dimColor>{fitTo(t("quizShellHelp", { sep: symbols.bullet }), width)}</Text>
      ) : (
        // One row, always: a footer that wrapped would push the header off the top.
        <Box height={1} overflow="hidden">
          <KeyFooter table={table} />
        </Box>
      )}
    </Box>
  );
}
