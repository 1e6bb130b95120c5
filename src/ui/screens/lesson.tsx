import { Box, Text } from "ink";
import { useEffect, useRef, useState } from "react";
import {
  addTime,
  enterStep,
  finishIfComplete,
  markRead,
  recordAttempt,
  recordHint,
  resetStep,
} from "../../progress/record";
import type { Progress } from "../../progress/schema";
import { useUi } from "../context";
import { useKeys } from "../hooks/use-keys";
import type { MessageKey } from "../i18n/messages";
import { CONFIRM_KEYS, EXAM_LESSON_KEYS, FIELD_KEYS, LESSON_KEYS } from "../keys";
import type {
  ChoiceStepView,
  FixStepView,
  LessonView,
  RouteStepView,
  StepView,
  VerdictView,
} from "../lesson-view";
import { shownText } from "../symbols";
import { fitTo, widthOf } from "../text";
import { AnswerInput } from "../widgets/answer-input";
import { ChoiceList } from "../widgets/choice-list";
import { HelpOverlay } from "../widgets/help-overlay";
import { KeyFooter } from "../widgets/key-footer";
import { NodeShellView, type ShellLike } from "../widgets/node-shell";
import { type Line, ScrollView } from "../widgets/scroll-view";
import { wrapText } from "../wrap";
import { TraceViewer } from "./trace-viewer";

export interface LessonScreenProps {
  readonly lesson: LessonView;
  readonly startAt: number;
  readonly onExit: () => void;
  /**
   * Exam mode: hints and the reference answer are off (their keys say so), and no answer is
   * checked once `deadline` (ms since the epoch; null: no time limit) has passed.
   */
  readonly exam?: { readonly deadline: number | null };
}

/** What the learner has done on the step they are on (it starts afresh on every visit). */
interface StepState {
  readonly hints: number;
  readonly verdict: VerdictView | null;
  readonly answers: readonly string[];
  readonly showAnswer: boolean;
}

const FRESH: StepState = { hints: 0, verdict: null, answers: [], showAnswer: false };

type Mode = "work" | "nav" | "trace" | "task" | "steps" | "help" | "confirm-reset";

/** Text steps (route, fix) start with the field focused; the others have no field. */
function hasField(step: StepView): boolean {
  return step.kind === "route" || step.kind === "fix";
}

export function LessonScreen({ lesson, startAt, onExit, exam }: LessonScreenProps) {
  const ui = useUi();
  const { t, lang, symbols, columns, rows, ascii } = ui;
  const [index, setIndexState] = useState(Math.min(startAt, lesson.steps.length - 1));
  // A second → may come before the render of the first: moves count from here, not from the
  // render's `index`, so no key is lost (the trace viewer's list and the home screen do the same).
  const indexNow = useRef(index);
  const setIndex = (next: number) => {
    indexNow.current = next;
    setIndexState(next);
  };
  const step = lesson.steps[index] as StepView;
  const [state, setState] = useState<StepState>(FRESH);
  const [mode, setMode] = useState<Mode>(hasField(step) ? "work" : "nav");
  const [shell, setShell] = useState<(ShellLike & { lines: readonly string[] }) | null>(() =>
    step.kind === "fix" ? step.newShell() : null,
  );
  const enteredAt = useRef(ui.now());
  // A one-line answer to a key that does nothing here (a hint in an exam), until the next key.
  const [notice, setNotice] = useState<MessageKey | null>(null);
  // Once the exam's time is up, every answer gets this instead of a verdict (it stays).
  const [timeUp, setTimeUp] = useState(false);
  const keys = exam ? EXAM_LESSON_KEYS : LESSON_KEYS;

  // Where "continue" resumes, saved as soon as the step is on screen.
  useEffect(() => {
    ui.progress.update((p) => enterStep(p, lesson.id, step.id));
    enteredAt.current = ui.now();
  }, [lesson.id, step.id, ui]);

  const saveTime = () => {
    const seconds = Math.round((ui.now().getTime() - enteredAt.current.getTime()) / 1000);
    // From now on the step's clock counts afresh, so a second save adds only what came after.
    enteredAt.current = ui.now();
    if (seconds > 0) ui.progress.update((p) => addTime(p, lesson.id, step.id, seconds));
  };
  // The screen can also go without the learner leaving it (an exam's time running out): the
  // time on the step is saved then too.
  const saveOnUnmount = useRef(saveTime);
  saveOnUnmount.current = saveTime;
  useEffect(() => () => saveOnUnmount.current(), []);

  /** Marks the lesson finished when every step is done; true only the first time. */
  const finishes = (p: Progress): boolean => {
    const before = p.lessons[lesson.id]?.finishedAt;
    const ids = lesson.steps.map((s) => s.id);
    return finishIfComplete(p, lesson.id, ids, ui.now()) && before === undefined;
  };

  const goTo = (next: number) => {
    const from = indexNow.current;
    const leaving = lesson.steps[from] as StepView;
    // → on a last step that is read (a summary) marks it read: there is no step to go on to.
    const pastTheEnd = next === lesson.steps.length && leaving.kind === "read";
    if (next < 0 || (next >= lesson.steps.length && !pastTheEnd) || next === from) return;
    saveTime();
    if (leaving.kind === "read" && next > from) {
      let finished = false;
      ui.progress.update((p) => {
        markRead(p, lesson.id, leaving.id, ui.now());
        finished = finishes(p);
      });
      if (finished) setNotice("lessonComplete");
    }
    if (pastTheEnd) return;
    const target = lesson.steps[next] as StepView;
    setIndex(next);
    setState(FRESH);
    setShell(target.kind === "fix" ? target.newShell() : null);
    setMode(hasField(target) ? "work" : "nav");
  };

  const exit = () => {
    saveTime();
    onExit();
  };

  const submit = (answer: string) => {
    if (exam?.deadline != null && ui.now().getTime() >= exam.deadline) {
      setTimeUp(true);
      return;
    }
    const verdict = lesson.check(step.id, answer);
    let finished = false;
    ui.progress.update((p) => {
      recordAttempt(p, lesson.id, step.id, verdict.passed, ui.now());
      finished = finishes(p);
    });
    if (finished) setNotice("lessonComplete");
    setState((s) => ({
      ...s,
      verdict,
      answers: step.kind === "route" ? [...s.answers, answer] : s.answers,
    }));
    // A pass leaves the field, so → (or n) goes straight on to the next step.
    if (verdict.passed) setMode("nav");
  };

  const showHint = () => {
    if (step.kind === "read") return;
    if (exam) {
      setNotice("examHintsOff");
      return;
    }
    const next = Math.min(step.hints.length, state.hints + 1);
    if (next === state.hints) return;
    ui.progress.update((p) => recordHint(p, lesson.id, step.id, next));
    setState((s) => ({ ...s, hints: next }));
  };

  useKeys(
    keys,
    (action) => {
      setNotice(null);
      switch (action) {
        case "prev":
          goTo(indexNow.current - 1);
          return;
        case "next":
          goTo(indexNow.current + 1);
          return;
        case "focus":
          if (step.kind === "read") goTo(indexNow.current + 1);
          else if (hasField(step)) setMode("work");
          return;
        case "task":
          if (step.kind !== "read") setMode("task");
          return;
        case "steps":
          setMode("steps");
          return;
        case "hint":
          showHint();
          return;
        case "trace":
          if (state.verdict?.trace) setMode("trace");
          else if (!state.verdict && step.kind !== "read") setNotice("nothingToTrace");
          return;
        case "answer":
          if (exam) setNotice("examAnswerOff");
          else if (state.verdict?.passed) setState((s) => ({ ...s, showAnswer: !s.showAnswer }));
          else if (step.kind !== "read") setNotice("answerAfterPass");
          return;
        case "reset":
          if (step.kind !== "read") setMode("confirm-reset");
          return;
        case "help":
          setMode("help");
          return;
        case "back":
          exit();
          return;
      }
    },
    mode === "nav" || (mode === "work" && !hasField(step)),
  );

  useKeys(FIELD_KEYS, () => setMode("nav"), mode === "work" && hasField(step));
  useKeys(FIELD_KEYS, () => setMode(hasField(step) ? "work" : "nav"), mode === "steps");

  useKeys(
    CONFIRM_KEYS,
    (action) => {
      if (action === "yes") {
        // An exam keeps the record: a reset must not wipe the attempts the report counts.
        if (exam) setNotice("examResetKept");
        else ui.progress.update((p) => resetStep(p, lesson.id, step.id));
        setState(FRESH);
        if (step.kind === "fix") setShell(step.newShell());
      }
      setMode(hasField(step) ? "work" : "nav");
    },
    mode === "confirm-reset",
  );

  useKeys(
    keys,
    (action) => {
      if (action === "help" || action === "back" || action === "task")
        setMode(hasField(step) ? "work" : "nav");
    },
    mode === "help" || mode === "task",
  );

  if (mode === "help") return <HelpOverlay table={keys} />;
  if (mode === "trace" && state.verdict?.trace) {
    return (
      <TraceViewer
        hops={state.verdict.trace.hops}
        request={state.verdict.trace.request}
        reply={state.verdict.trace.reply}
        title={state.verdict.trace.title}
        onClose={() => setMode("nav")}
      />
    );
  }

  const width = Math.max(30, columns - 1);
  const total = lesson.steps.length;
  const barWidth = 12;
  const filled = Math.round(((index + 1) / total) * barWidth);
  const bar = symbols.barFull.repeat(filled) + symbols.barEmpty.repeat(barWidth - filled);
  const stepLabel = `${t("stepOf", { n: index + 1, total })} ${bar}`;
  // Title and rule above, one footer line below: the body gets the rest, and never more.
  const bodyHeight = Math.max(4, rows - 3);

  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Box justifyContent="space-between" width={width}>
        <Text bold>{fitTo(lesson.title[lang], width - widthOf(stepLabel) - 2)}</Text>
        <Text>{stepLabel}</Text>
      </Box>
      <Text dimColor>{(ascii ? "-" : "─").repeat(Math.min(width, 200))}</Text>
      <Box flexDirection="column" height={bodyHeight} overflow="hidden">
        {mode === "steps" ? (
          <StepList
            lesson={lesson}
            current={index}
            onPick={(i) => {
              if (i === index) setMode(hasField(step) ? "work" : "nav");
              else goTo(i);
            }}
          />
        ) : mode === "task" && step.kind !== "read" ? (
          <ScrollView lines={taskLines(step, lang, width, t)} height={bodyHeight} isActive />
        ) : (
          <StepBody
            key={step.id}
            step={step}
            state={state}
            exam={exam !== undefined}
            mode={mode}
            shell={shell}
            height={bodyHeight}
            onSubmit={submit}
            onShellLine={(line) => {
              if (line.trim() === "check" && shell) submit(shell.lines.join("\n"));
            }}
          />
        )}
      </Box>
      {mode === "confirm-reset" ? (
        <Text color="yellow">{t("confirmReset")}</Text>
      ) : timeUp || notice !== null ? (
        <Text color="yellow">{fitTo(shownText(t(notice ?? "examTimeUp"), ascii), width)}</Text>
      ) : mode === "work" && hasField(step) ? (
        <Text dimColor>{fitTo(t(step.kind === "fix" ? "shellHelp" : "fieldHelp"), width)}</Text>
      ) : (
        <KeyFooter table={keys} />
      )}
    </Box>
  );
}

type Translate = ReturnType<typeof useUi>["t"];

/** The task in full: the prompt and the goal, wrapped. */
function taskLines(
  step: Exclude<StepView, { kind: "read" }>,
  lang: "en" | "ko",
  width: number,
  t: Translate,
): Line[] {
  const lines: Line[] = wrapText(step.prompt[lang], width).map((text) => ({ text }));
  if (step.goal) {
    lines.push({ text: "" });
    wrapText(`${t("goal")}: ${step.goal[lang]}`, width).forEach((text, i) => {
      lines.push({ text, bold: i === 0 });
    });
  }
  return lines;
}

/** The hints shown so far and the verdict, wrapped: what goes under the widget. */
function feedbackLines(
  step: Exclude<StepView, { kind: "read" }>,
  state: StepState,
  lang: "en" | "ko",
  width: number,
  t: Translate,
  arrow: string,
  exam: boolean,
): Line[] {
  const lines: Line[] = [];
  step.hints.slice(0, state.hints).forEach((hint, i) => {
    lines.push({ text: "" });
    const label = `${t("hint", { n: i + 1, total: step.hints.length })}: ${hint[lang]}`;
    for (const text of wrapText(label, width)) lines.push({ text, color: "cyan" });
  });
  if (state.hints >= step.hints.length) lines.push({ text: t("noMoreHints"), dim: true });
  const verdict = state.verdict;
  if (!verdict) return lines;
  lines.push({ text: "" });
  lines.push({
    text: verdict.passed ? t("passed") : t("failed"),
    bold: true,
    color: verdict.passed ? "green" : "red",
  });
  for (const text of wrapText(verdict.message[lang], width)) lines.push({ text });
  if (verdict.passed) {
    for (const text of wrapText(step.explanation[lang], width)) lines.push({ text });
    if (state.showAnswer)
      for (const text of wrapText(`${t("referenceAnswer")}: ${step.answer}`, width))
        lines.push({ text, bold: true });
  } else if (verdict.path.length > 0) {
    // A packet that arrived (a wrong prediction, a condition not met) did not stop anywhere.
    const label = verdict.trace?.request === "delivered" ? t("pathTaken") : t("diedAt");
    for (const text of wrapText(`${label}: ${verdict.path.join(` ${arrow} `)}`, width))
      lines.push({ text, dim: true });
  }
  if (!verdict.passed && !exam && state.hints < step.hints.length)
    lines.push({ text: t("nextHint", { key: "h" }), dim: true });
  return lines;
}

interface BodyProps {
  readonly step: StepView;
  readonly state: StepState;
  /** Exam mode: no "next hint" pointer. */
  readonly exam: boolean;
  readonly mode: Mode;
  readonly shell: ShellLike | null;
  readonly height: number;
  readonly onSubmit: (answer: string) => void;
  readonly onShellLine: (line: string) => void;
}

/**
 * A step laid out in `height` rows: a read step scrolls; an exercise shows its task, its widget
 * and what the checker said, and when they do not all fit, the task shrinks to its first lines
 * (t shows it whole) so the widget and the verdict stay on screen.
 */
function StepBody({ step, state, exam, mode, shell, height, onSubmit, onShellLine }: BodyProps) {
  const { t, lang, columns, ascii, symbols } = useUi();
  const width = Math.max(30, columns - 1);
  if (step.kind === "read") {
    const lines: Line[] = wrapText(step.text[lang], width).map((text) => ({ text }));
    if (step.diagram) {
      lines.push({ text: "" });
      for (const text of step.diagram(width, ascii, lang)) lines.push({ text });
    }
    lines.push({ text: "" }, { text: t("readNext"), dim: true });
    return <ScrollView lines={lines} height={height} isActive={mode === "nav"} />;
  }
  const task = taskLines(step, lang, width, t);
  const feedback = feedbackLines(step, state, lang, width, t, symbols.arrow, exam);
  const widget =
    step.kind === "route"
      ? 3 + step.routeTable().replace(/\n$/, "").split("\n").length
      : step.kind === "fix"
        ? Math.max(5, height - Math.min(task.length, 6) - feedback.length - 1)
        : step.options.reduce(
            (n, o) =>
              n +
              wrapText(
                o.description ? `${o.label[lang]}: ${o.description[lang]}` : o.label[lang],
                width - 2,
              ).length,
            0,
          ) + 2;
  // The widget's rows and the blank line above it.
  const forText = Math.max(2, height - widget - 1);
  const shownFeedback = feedback.slice(0, Math.max(0, forText - Math.min(task.length, 2)));
  const roomForTask = Math.max(1, forText - shownFeedback.length);
  const shownTask =
    task.length <= roomForTask
      ? task
      : [...task.slice(0, Math.max(1, roomForTask - 1)), { text: t("taskMore"), dim: true }];
  // flexShrink 0: should the estimate be short, the body is cut at the bottom by its parent,
  // instead of Yoga squeezing every line (which garbles them).
  return (
    <Box flexDirection="column" flexShrink={0}>
      {shownTask.map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows of wrapped text
        <Text key={`t${i}`} bold={l.bold} dimColor={l.dim}>
          {l.text === "" ? " " : shownText(l.text, ascii)}
        </Text>
      ))}
      <Box marginTop={1} flexDirection="column" flexShrink={0}>
        {step.kind === "route" ? (
          <RouteWidget step={step} state={state} active={mode === "work"} onSubmit={onSubmit} />
        ) : step.kind === "fix" ? (
          <FixWidget
            step={step}
            shell={shell}
            active={mode === "work"}
            height={widget - 1}
            onLine={onShellLine}
          />
        ) : (
          <ChoiceWidget
            step={step}
            active={mode === "work" || mode === "nav"}
            onSubmit={onSubmit}
          />
        )}
      </Box>
      {shownFeedback.map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows of wrapped text
        <Text key={`f${i}`} bold={l.bold} dimColor={l.dim} color={l.color}>
          {l.text === "" ? " " : shownText(l.text, ascii)}
        </Text>
      ))}
    </Box>
  );
}

function RouteWidget({
  step,
  state,
  active,
  onSubmit,
}: {
  readonly step: RouteStepView;
  readonly state: StepState;
  readonly active: boolean;
  readonly onSubmit: (answer: string) => void;
}) {
  const { t } = useUi();
  const table = step.routeTable().replace(/\n$/, "");
  return (
    <Box flexDirection="column">
      <Text dimColor>{t("routeTableOf", { node: step.node })}</Text>
      {table.split("\n").map((line) => (
        <Text key={line} dimColor>
          {"  "}
          {line}
        </Text>
      ))}
      <AnswerInput
        prompt={t("routePrompt", { node: step.node })}
        history={state.answers}
        isActive={active}
        validate={step.parse}
        okText={t("parseOk")}
        onSubmit={onSubmit}
      />
    </Box>
  );
}

function FixWidget({
  step,
  shell,
  active,
  height,
  onLine,
}: {
  readonly step: FixStepView;
  readonly shell: ShellLike | null;
  readonly active: boolean;
  readonly height: number;
  readonly onLine: (line: string) => void;
}) {
  if (!shell) return null;
  return (
    <NodeShellView
      key={step.id}
      shell={shell}
      height={height}
      isActive={active}
      onRan={(line) => onLine(line)}
    />
  );
}

function ChoiceWidget({
  step,
  active,
  onSubmit,
}: {
  readonly step: ChoiceStepView;
  readonly active: boolean;
  readonly onSubmit: (answer: string) => void;
}) {
  const { lang, t } = useUi();
  const items = step.options.map((o) => ({
    key: o.id,
    value: o.id,
    label: o.description ? `${o.label[lang]}: ${o.description[lang]}` : o.label[lang],
  }));
  return (
    <Box flexDirection="column">
      <ChoiceList
        key={step.id}
        items={items}
        isActive={active}
        onSelect={(item) => onSubmit(item.value)}
      />
      <Text dimColor>{t("choiceHelp")}</Text>
    </Box>
  );
}

/** Every step of the lesson, passed ones marked, to jump to any of them. */
function StepList({
  lesson,
  current,
  onPick,
}: {
  readonly lesson: LessonView;
  readonly current: number;
  readonly onPick: (index: number) => void;
}) {
  const ui = useUi();
  const { t, lang, symbols } = ui;
  const saved = ui.progress.read().lessons[lesson.id]?.steps ?? {};
  const items = lesson.steps.map((s, i) => ({
    key: s.id,
    value: i,
    label: `${String(i + 1).padStart(2)}. ${saved[s.id]?.done ? symbols.pass : " "} ${s.kind.padEnd(13)} ${s.id}`,
  }));
  return (
    <Box flexDirection="column">
      <Text bold>{t("stepListTitle", { lesson: lesson.title[lang] })}</Text>
      <ChoiceList items={items} initialIndex={current} onSelect={(item) => onPick(item.value)} />
    </Box>
  );
}
