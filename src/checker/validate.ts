/**
 * `validate`'s proof that a lesson pack works: every scenario's changes apply, every reference
 * answer passes, every known wrong answer fails exactly as the lesson says, a route or fix step's
 * scenario does not already pass, and a predict or quiz step's trace makes exactly its reference
 * option right. Every answer is judged by `checkAnswer`, as the learner's will be.
 */
import { atPath } from "../lessons/issues";
import type { Lesson, LessonProblem } from "../lessons/parse";
import type { Exercise, Fails } from "../lessons/schema";
import type { Path } from "../sim/cluster/load";
import { unreachable } from "../sim/unreachable";
import { checkAnswer, checkUnanswered } from "./check";
import { buildScenario, scenarioPlan } from "./scenario";
import type { Failure, Verdict } from "./verdict";

/** What validating a pack found. */
export interface PackValidation {
  readonly problems: readonly LessonProblem[];
  /** How many exercises (steps other than `read`) were judged. */
  readonly exercises: number;
}

/** `{dropped: no-route, at: router}` as a reader writes it. */
export function formatFails(fails: Fails): string {
  switch (fails.kind) {
    case "refused":
      return `refused (with "${fails.text}")`;
    case "dropped":
      return `dropped (${fails.reason}${fails.at ? ` in ${fails.at}` : ""})`;
    case "noReply":
      return "no reply";
    case "condition":
      return `condition ${fails.condition} not met`;
    case "notTheFact":
      return "not the fact";
    default:
      return unreachable(fails);
  }
}

/** What actually happened to an answer, in a line. */
export function formatOutcome(verdict: Verdict): string {
  const f = verdict.failure;
  if (!f) return "it passed";
  const probe = f.probe !== null && f.kind !== "notTheFact" ? ` (goal probe ${f.probe + 1})` : "";
  switch (f.kind) {
    case "refused":
      return `it was refused: \`${f.command}\`: ${f.message}`;
    case "unparsable":
      return `it could not be read: ${f.message}`;
    case "dropped":
      return `it was dropped${probe} (${f.dropReason} in ${f.netns}): ${f.message}`;
    case "noReply":
      return `the reply did not come back${probe} (${f.dropReason} in ${f.netns}): ${f.message}`;
    case "condition":
      return `condition ${f.condition} not met${probe}: ${f.message}`;
    case "notTheFact":
      return f.message;
    default:
      return unreachable(f.kind);
  }
}

/** Whether a failure is the one a wrong answer's `fails` states. */
export function failsAsStated(fails: Fails, failure: Failure | undefined): boolean {
  if (!failure) return false;
  switch (fails.kind) {
    case "refused":
      return (
        failure.kind === "refused" &&
        failure.message.toLowerCase().includes(fails.text.toLowerCase())
      );
    case "dropped":
      // "A goal probe's request (or reply) is dropped": a dropped reply is a `noReply` failure.
      return (
        (failure.kind === "dropped" || failure.kind === "noReply") &&
        failure.dropReason === fails.reason &&
        (fails.at === undefined || failure.netns === fails.at)
      );
    case "noReply":
      return failure.kind === "noReply";
    case "condition":
      return failure.kind === "condition" && failure.condition === fails.condition;
    case "notTheFact":
      return failure.kind === "notTheFact";
    default:
      return unreachable(fails);
  }
}

/** Judges every answer of every lesson; `cache` (see CheckOptions) is shared across them. */
export function validateLessons(lessons: readonly Lesson[]): PackValidation {
  const problems: LessonProblem[] = [];
  const cache = new Map<string, unknown>();
  let exercises = 0;
  for (const lesson of lessons) {
    const report = (path: Path, message: string): void => {
      problems.push({ file: lesson.file, ...lesson.locate(path), message });
    };
    lesson.steps.forEach((step, i) => {
      if (step.kind === "read") return;
      exercises++;
      validateExercise(lesson, step, ["steps", i], report, cache);
    });
  }
  problems.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col,
  );
  return { problems, exercises };
}

function validateExercise(
  lesson: Lesson,
  step: Exercise,
  at: Path,
  report: (path: Path, message: string) => void,
  cache: Map<string, unknown>,
): void {
  const where = (path: Path, message: string): void => report(path, atPath(path, message));
  // Each change applies on the scenario's cluster (and on every option's, for a choice step).
  const options =
    step.kind === "encapsulation" || step.kind === "proxy-mode"
      ? step.options.map((o) => o.id)
      : [undefined];
  const seen = new Set<string>();
  for (const option of options) {
    const plan = scenarioPlan(lesson, step, option);
    if (!plan || step.scenario.changes.length === 0) continue;
    for (const error of buildScenario(plan, step.scenario.changes).errors) {
      const k = step.scenario.changes.findIndex((c) => c.trim() === error.line);
      const key = `${k}\n${error.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      where(
        k >= 0 ? [...at, "scenario", "changes", k] : [...at, "scenario"],
        `this change is refused${option === undefined ? "" : ` (with option ${option})`}: ${error.message}`,
      );
    }
  }
  const reference = checkAnswer(lesson, step, step.answer, { cache });
  if (!reference.passed) {
    const fact =
      step.kind === "predict" || step.kind === "quiz"
        ? `; the trace shows ${step.fact} ${JSON.stringify(reference.fact)}${
            step.options.some((o) => o.value === reference.fact)
              ? `, which is option ${step.options.find((o) => o.value === reference.fact)?.id}`
              : ", which no option has"
          }`
        : "";
    where([...at, "answer"], `the reference answer fails: ${formatOutcome(reference)}${fact}`);
  }
  if (step.kind === "predict" || step.kind === "quiz") {
    const right = step.options.filter((o) => o.value === reference.fact);
    if (right.length > 1)
      where(
        [...at, "options"],
        `${right.length} options (${right.map((o) => o.id).join(", ")}) have the value the trace shows, ${JSON.stringify(reference.fact)}; exactly one may`,
      );
  }
  step.wrong.forEach((wrong, j) => {
    const verdict = checkAnswer(lesson, step, wrong.answer, { cache });
    if (failsAsStated(wrong.fails, verdict.failure)) return;
    const path: Path = [...at, "wrong", j, verdict.passed ? "answer" : "fails"];
    where(
      path,
      `the wrong answer ${JSON.stringify(wrong.answer.trim())} was to fail as ${formatFails(wrong.fails)}, but ${formatOutcome(verdict)}`,
    );
  });
  if (step.kind === "route" || step.kind === "fix") {
    const untouched = checkUnanswered(lesson, step);
    if (untouched.passed)
      where(
        [...at, "scenario"],
        "the scenario already passes the goal without an answer: the exercise asks for nothing",
      );
  }
}
