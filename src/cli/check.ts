import { checkAnswer } from "../checker/check";
import { byLang, describeGoal, type Lang } from "../checker/describe";
import { describeFailure, explainFailure } from "../checker/explain";
import { formatProbePath } from "../checker/path";
import type { Verdict } from "../checker/verdict";
import { findStep, type Lesson } from "../lessons/parse";
import type { Exercise } from "../lessons/schema";
import { hopsToJson } from "../sim";
import { integerOption, parseCommandLine, requiredOption, stringOption, suggest } from "./args";
import { checkCommand } from "./commands";
import { InputError, UsageError } from "./errors";
import { formatHelp } from "./help";
import type { Io } from "./io";
import { languageOf, openPack, packChoice } from "./lesson-pack";

/** The lesson a LESSON-ID names, or an input error with the nearest id and the way to see them all. */
function lessonNamed(lessons: readonly Lesson[], id: string, broken: number): Lesson {
  const found = lessons.find((l) => l.id === id);
  if (found) return found;
  const near = suggest(
    id,
    lessons.map((l) => l.id),
  );
  const known =
    lessons.length === 0
      ? "there are no lessons"
      : `the lessons are ${lessons.map((l) => l.id).join(", ")}`;
  const problems =
    broken > 0
      ? `; ${broken} lesson file${broken === 1 ? " has" : "s have"} problems (podnet-learn validate shows them)`
      : "";
  throw new InputError(
    `no lesson "${id}"${near ? `; did you mean "${near}"?` : ""} (${known}${problems})`,
    checkCommand.name,
  );
}

function exerciseOf(lesson: Lesson, key: string): { step: Exercise; index: number } {
  const found = findStep(lesson, key);
  const list = lesson.steps.map((s, i) => `${i + 1} ${s.id} (${s.kind})`).join(", ");
  if (!found) {
    const near = suggest(
      key,
      lesson.steps.map((s) => s.id),
    );
    throw new InputError(
      `lesson ${lesson.id} has no step "${key}"${near ? `; did you mean "${near}"?` : ""} (its steps: ${list})`,
      checkCommand.name,
    );
  }
  if (found.step.kind === "read")
    throw new InputError(
      `step ${found.index + 1} (${found.step.id}) of ${lesson.id} is text to read: there is nothing to check (its steps: ${list})`,
      checkCommand.name,
    );
  return { step: found.step, index: found.index };
}

export function runCheck(args: readonly string[], io: Io): number {
  const name = checkCommand.name;
  const parsed = parseCommandLine(args, checkCommand.options, name);
  if (parsed.values.has("help")) {
    io.out(formatHelp(checkCommand));
    return 0;
  }
  const [lessonId, ...extra] = [...parsed.positionals, ...parsed.rest];
  if (lessonId === undefined) throw new UsageError("missing LESSON-ID: the lesson to check", name);
  if (extra.length > 0)
    throw new UsageError(`unexpected argument "${extra[0]}" (check takes one LESSON-ID)`, name);
  const stepKey = requiredOption(parsed, checkCommand.options, "step", name);
  const answer = requiredOption(parsed, checkCommand.options, "answer", name);
  const hintText = stringOption(parsed, "hint");
  const exam = parsed.values.has("exam");
  if (exam && hintText !== undefined)
    throw new UsageError("--exam shows no hints: leave out --hint, or --exam", name);
  const hint = hintText === undefined ? 1 : integerOption(hintText, "hint", 1, 3, name);
  const lang = languageOf(parsed, name);
  const choice = packChoice(parsed, name);
  const pack = openPack(choice.dir, name, choice.withBuiltin);
  const brokenFiles = new Set(pack.problems.map((p) => p.file)).size;
  const lesson = lessonNamed(pack.lessons, lessonId, brokenFiles);
  const { step, index } = exerciseOf(lesson, stepKey);
  const verdict = checkAnswer(lesson, step, answer);
  if (verdict.scenarioErrors.length > 0)
    io.err(
      `podnet-learn check: this exercise's scenario did not build cleanly (podnet-learn validate shows why):\n${verdict.scenarioErrors.map((e) => `  ${e.line}\n  -> ${e.message}\n`).join("")}`,
    );
  const shown: Shown = { lesson, step, index, answer, verdict, lang, hint, exam };
  io.out(
    parsed.values.has("json")
      ? `${JSON.stringify(checkJson(shown), null, 2)}\n`
      : checkText(shown, io.color),
  );
  return verdict.passed ? 0 : 1;
}

interface Shown {
  readonly lesson: Lesson;
  readonly step: Exercise;
  readonly index: number;
  readonly answer: string;
  readonly verdict: Verdict;
  readonly lang: Lang;
  readonly hint: number;
  /** `--exam`: the trace's words only, no hint, no reference answer. */
  readonly exam: boolean;
}

/** Why the answer failed, in words: in an exam the trace's alone (a lesson's words for a known wrong answer often name the right one). */
function failureText(shown: Shown, failure: NonNullable<Verdict["failure"]>): string {
  const { step, answer, lang } = shown;
  return shown.exam
    ? describeFailure(failure, lang)
    : explainFailure(step, answer, failure, lang, shown.hint);
}

/** The goal sentences, or for predict and quiz the question. */
function goalOf(shown: Shown): string[] {
  const { lesson, step, lang } = shown;
  if (!("goal" in step)) return [];
  return describeGoal(step.goal, lang, lesson.clusterPlans.get(step.scenario.cluster)?.plan);
}

/** The text a learner reads: the task, the verdict, where the packet went, and what next. */
function checkText(shown: Shown, color: boolean): string {
  const { lesson, step, index, answer, verdict, lang } = shown;
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const out: string[] = [];
  out.push(
    `${lesson.title[lang]} (${lesson.id}), ${byLang(lang, "step", "단계")} ${index + 1}/${lesson.steps.length}: ${step.id} (${step.kind})`,
  );
  const goal = goalOf(shown);
  if (goal.length > 0)
    for (const sentence of goal) out.push(`${byLang(lang, "Goal", "목표")}: ${sentence}`);
  else out.push(`${byLang(lang, "Question", "질문")}: ${step.prompt[lang]}`);
  out.push(`${byLang(lang, "Answer", "답")}: ${answer.trim().replaceAll("\n", "\n        ")}`);
  out.push("");
  const isFact = step.kind === "predict" || step.kind === "quiz";
  if (verdict.passed) {
    out.push(paint("32", byLang(lang, "✓ Passed.", "✓ 통과했습니다.")));
    for (const p of verdict.path)
      out.push(`${byLang(lang, "Path", "경로")}: ${formatProbePath(p, lang)}`);
    if (!shown.exam)
      out.push(
        `${byLang(lang, "Reference answer", "모범 답안")}: ${step.answer.trim().replaceAll("\n", "\n  ")}`,
      );
    out.push(step.explanation[lang]);
  } else {
    out.push(paint("31", byLang(lang, "✗ Not yet.", "✗ 아직 아닙니다.")));
    const failure = verdict.failure;
    // A predict or quiz step's trace would give the answer away.
    if (!isFact)
      for (const p of verdict.path)
        out.push(`${byLang(lang, "Path", "경로")}: ${formatProbePath(p, lang)}`);
    if (failure) out.push(failureText(shown, failure));
  }
  return `${out.join("\n")}\n`;
}

/** The `check --json` object, documented in docs/lessons.md ("check --json"). */
function checkJson(shown: Shown) {
  const { lesson, step, index, answer, verdict, lang } = shown;
  const failure = verdict.failure ?? null;
  return {
    lesson: lesson.id,
    step: { id: step.id, number: index + 1, kind: step.kind },
    answer,
    passed: verdict.passed,
    lang,
    goal: goalOf(shown),
    failure,
    explanation: failure ? failureText(shown, failure) : step.explanation[lang],
    reference:
      verdict.passed && !shown.exam
        ? { answer: step.answer, explanation: step.explanation[lang] }
        : null,
    fact: verdict.passed && verdict.fact !== undefined ? verdict.fact : null,
    path: verdict.path.map((p) => ({
      probe: p.probe,
      from: p.spec.from,
      to: p.spec.to,
      proto: p.spec.proto,
      ...(p.spec.dport === undefined ? {} : { dport: p.spec.dport }),
      stops: p.stops,
      delivered: p.delivered,
      replied: p.replied,
      drop: p.drop,
    })),
    scenarioErrors: verdict.scenarioErrors,
    hops: hopsToJson(verdict.hops),
  };
}
