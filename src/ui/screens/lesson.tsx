import { Box, Text } from "ink";
import SelectInput from "ink-select-input";
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
import { useUi } from "../context";
import { useKeys } from "../hooks/use-keys";
import { CONFIRM_KEYS, FIELD_KEYS, LESSON_KEYS } from "../keys";
import type {
  ChoiceStepView,
  FixStepView,
  LessonView,
  RouteStepView,
  StepView,
  VerdictView,
} from "../lesson-view";
import { fitTo } from "../text";
import { AnswerInput } from "../widgets/answer-input";
import { HelpOverlay } from "../widgets/help-overlay";
import { KeyFooter } from "../widgets/key-footer";
import { NodeShellView, type ShellLike } from "../widgets/node-shell";
import { TraceViewer } from "./trace-viewer";

export interface LessonScreenProps {
  readonly lesson: LessonView;
  readonly startAt: number;
  readonly onExit: () => void;
}

/** What the learner has done on the step they are on (it starts afresh on every visit). */
interface StepState {
  readonly hints: number;
  readonly verdict: VerdictView | null;
  readonly answers: readonly string[];
  readonly showAnswer: boolean;
}

const FRESH: StepState = { hints: 0, verdict: null, answers: [], showAnswer: false };

type Mode = "work" | "nav" | "trace" | "help" | "confirm-reset";

/** Text steps (route, fix) start with the field focused; the others have no field. */
function hasField(step: StepView): boolean {
  return step.kind === "route" || step.kind === "fix";
}

export function LessonScreen({ lesson, startAt, onExit }: LessonScreenProps) {
  const ui = useUi();
  const { t, lang, symbols, columns, rows } = ui;
  const [index, setIndex] = useState(Math.min(startAt, lesson.steps.length - 1));
  const step = lesson.steps[index] as StepView;
  const [state, setState] = useState<StepState>(FRESH);
  const [mode, setMode] = useState<Mode>(hasField(step) ? "work" : "nav");
  const [shell, setShell] = useState<(ShellLike & { lines: readonly string[] }) | null>(() =>
    step.kind === "fix" ? step.newShell() : null,
  );
  const enteredAt = useRef(ui.now());

  // Where "continue" resumes, saved as soon as the step is on screen.
  useEffect(() => {
    ui.progress.update((p) => enterStep(p, lesson.id, step.id));
    enteredAt.current = ui.now();
  }, [lesson.id, step.id, ui]);

  const saveTime = () => {
    const seconds = Math.round((ui.now().getTime() - enteredAt.current.getTime()) / 1000);
    ui.progress.update((p) => addTime(p, lesson.id, step.id, seconds));
  };

  const goTo = (next: number) => {
    if (next < 0 || next >= lesson.steps.length || next === index) return;
    saveTime();
    if (step.kind === "read" && next > index)
      ui.progress.update((p) => {
        markRead(p, lesson.id, step.id, ui.now());
        finishIfComplete(
          p,
          lesson.id,
          lesson.steps.map((s) => s.id),
          ui.now(),
        );
      });
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
    const verdict = lesson.check(step.id, answer);
    ui.progress.update((p) => {
      recordAttempt(p, lesson.id, step.id, verdict.passed, ui.now());
      finishIfComplete(
        p,
        lesson.id,
        lesson.steps.map((s) => s.id),
        ui.now(),
      );
    });
    setState((s) => ({
      ...s,
      verdict,
      answers: step.kind === "route" ? [...s.answers, answer] : s.answers,
    }));
  };

  const showHint = () => {
    if (step.kind === "read") return;
    const next = Math.min(step.hints.length, state.hints + 1);
    if (next === state.hints) return;
    ui.progress.update((p) => recordHint(p, lesson.id, step.id, next));
    setState((s) => ({ ...s, hints: next }));
  };

  useKeys(
    LESSON_KEYS,
    (action) => {
      switch (action) {
        case "prev":
          goTo(index - 1);
          return;
        case "next":
          goTo(index + 1);
          return;
        case "focus":
          if (step.kind === "read") goTo(index + 1);
          else if (hasField(step)) setMode("work");
          return;
        case "check":
          return;
        case "hint":
          showHint();
          return;
        case "trace":
          if (state.verdict?.trace) setMode("trace");
          return;
        case "answer":
          if (state.verdict?.passed) setState((s) => ({ ...s, showAnswer: !s.showAnswer }));
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

  useKeys(
    CONFIRM_KEYS,
    (action) => {
      if (action === "yes") {
        ui.progress.update((p) => resetStep(p, lesson.id, step.id));
        setState(FRESH);
        if (step.kind === "fix") setShell(step.newShell());
      }
      setMode(hasField(step) ? "work" : "nav");
    },
    mode === "confirm-reset",
  );

  useKeys(
    LESSON_KEYS,
    (action) => {
      if (action === "help" || action === "back") setMode(hasField(step) ? "work" : "nav");
    },
    mode === "help",
  );

  if (mode === "help") return <HelpOverlay table={LESSON_KEYS} />;
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

  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Box justifyContent="space-between" width={width}>
        <Text bold>{fitTo(lesson.title[lang], width - stepLabel.length - 2)}</Text>
        <Text>{stepLabel}</Text>
      </Box>
      <Text dimColor>{"─".repeat(Math.min(width, 200))}</Text>
      <Box flexDirection="column" flexGrow={1} overflow="hidden">
        <StepBody
          step={step}
          state={state}
          mode={mode}
          shell={shell}
          onSubmit={submit}
          onShellLine={(line) => {
            if (line.trim() === "check" && shell) submit(shell.lines.join("\n"));
          }}
        />
      </Box>
      {mode === "confirm-reset" ? (
        <Text color="yellow">{t("confirmReset")}</Text>
      ) : mode === "work" && hasField(step) ? (
        <Text dimColor>{t(step.kind === "fix" ? "shellHelp" : "fieldHelp")}</Text>
      ) : (
        <KeyFooter table={LESSON_KEYS} />
      )}
    </Box>
  );
}

interface BodyProps {
  readonly step: StepView;
  readonly state: StepState;
  readonly mode: Mode;
  readonly shell: ShellLike | null;
  readonly onSubmit: (answer: string) => void;
  readonly onShellLine: (line: string) => void;
}

function StepBody({ step, state, mode, shell, onSubmit, onShellLine }: BodyProps) {
  const { t, lang, columns, ascii } = useUi();
  const width = Math.max(30, columns - 1);
  if (step.kind === "read") {
    return (
      <Box flexDirection="column">
        <Text wrap="wrap">{step.text[lang]}</Text>
        {step.diagram ? (
          <Box flexDirection="column" marginTop={1}>
            {step.diagram(width, ascii).map((line, i) => (
              // Diagram lines are a picture: their order is their identity.
              // biome-ignore lint/suspicious/noArrayIndexKey: rows of a fixed drawing
              <Text key={i}>{line}</Text>
            ))}
          </Box>
        ) : null}
        <Box marginTop={1}>
          <Text dimColor>{t("readNext")}</Text>
        </Box>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <Text wrap="wrap">{step.prompt[lang]}</Text>
      {step.goal ? (
        <Text wrap="wrap">
          <Text bold>{t("goal")}: </Text>
          {step.goal[lang]}
        </Text>
      ) : null}
      <Box marginTop={1} flexDirection="column">
        {step.kind === "route" ? (
          <RouteWidget step={step} state={state} active={mode === "work"} onSubmit={onSubmit} />
        ) : step.kind === "fix" ? (
          <FixWidget step={step} shell={shell} active={mode === "work"} onLine={onShellLine} />
        ) : (
          <ChoiceWidget
            step={step}
            active={mode === "work" || mode === "nav"}
            onSubmit={onSubmit}
          />
        )}
      </Box>
      <Hints step={step} shown={state.hints} />
      <Result step={step} state={state} />
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
  onLine,
}: {
  readonly step: FixStepView;
  readonly shell: ShellLike | null;
  readonly active: boolean;
  readonly onLine: (line: string) => void;
}) {
  const { rows } = useUi();
  if (!shell) return null;
  return (
    <NodeShellView
      key={step.id}
      shell={shell}
      height={Math.max(4, rows - 14)}
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
      <SelectInput
        key={step.id}
        items={items}
        isFocused={active}
        onSelect={(item) => onSubmit(item.value)}
      />
      <Text dimColor>{t("choiceHelp")}</Text>
    </Box>
  );
}

function Hints({
  step,
  shown,
}: {
  readonly step: Exclude<StepView, { kind: "read" }>;
  readonly shown: number;
}) {
  const { t, lang } = useUi();
  if (shown === 0) return null;
  return (
    <Box flexDirection="column" marginTop={1}>
      {step.hints.slice(0, shown).map((hint, i) => (
        <Text key={hint.en} wrap="wrap">
          <Text color="cyan">{t("hint", { n: i + 1, total: step.hints.length })}: </Text>
          {hint[lang]}
        </Text>
      ))}
      {shown >= step.hints.length ? <Text dimColor>{t("noMoreHints")}</Text> : null}
    </Box>
  );
}

function Result({
  step,
  state,
}: {
  readonly step: Exclude<StepView, { kind: "read" }>;
  readonly state: StepState;
}) {
  const { t, lang, symbols } = useUi();
  const verdict = state.verdict;
  if (!verdict) return null;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold color={verdict.passed ? "green" : "red"}>
        {verdict.passed ? t("passed") : t("failed")}
      </Text>
      <Text wrap="wrap">{verdict.message[lang]}</Text>
      {verdict.path.length > 0 ? (
        <Text wrap="wrap" dimColor>
          {verdict.passed ? t("pathTaken") : t("diedAt")}: {verdict.path.join(` ${symbols.arrow} `)}
        </Text>
      ) : null}
      {verdict.passed ? (
        <Text wrap="wrap">{step.explanation[lang]}</Text>
      ) : state.hints < step.hints.length ? (
        <Text dimColor>{t("nextHint", { key: "h" })}</Text>
      ) : null}
      {verdict.passed && state.showAnswer ? (
        <Text>
          <Text bold>{t("referenceAnswer")}: </Text>
          {step.answer}
        </Text>
      ) : null}
    </Box>
  );
}
