/**
 * The class report as JUnit XML, for a learning platform or a CI dashboard. One <testsuite> per
 * learner (and per quiz sitting), one <testcase> per exercise: a platform that reads JUnit
 * shows a suite as one row with its pass count, which is a learner's score, the gradebook view
 * an instructor wants; the lesson is the testcase's classname, so tools that group by class
 * (Jenkins, GitLab) still show it per lesson. A failure is an exercise not passed.
 */
import type { ClassReport } from "./class-report";

/**
 * Text for an XML attribute or element: `&`, `<`, `>`, `"` and `'` escaped, and the characters
 * XML 1.0 cannot hold at all (most control characters) dropped.
 */
export function xmlText(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what XML 1.0 forbids
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&apos;")
  );
}

function attrs(values: Readonly<Record<string, string | number>>): string {
  return Object.entries(values)
    .map(([k, v]) => ` ${k}="${xmlText(String(v))}"`)
    .join("");
}

interface Case {
  readonly classname: string;
  readonly name: string;
  readonly seconds: number;
  /** null: passed. */
  readonly failure: string | null;
  readonly out: string;
}

function suite(name: string, cases: readonly Case[], id: number): string[] {
  const failures = cases.filter((c) => c.failure !== null).length;
  const time = cases.reduce((n, c) => n + c.seconds, 0);
  const lines = [
    `  <testsuite${attrs({ name, id, tests: cases.length, failures, errors: 0, skipped: 0, time: time.toFixed(3) })}>`,
  ];
  for (const c of cases) {
    const open = `    <testcase${attrs({ classname: c.classname, name: c.name, time: c.seconds.toFixed(3) })}>`;
    lines.push(open);
    if (c.failure !== null)
      lines.push(`      <failure${attrs({ message: c.failure, type: "not-passed" })}/>`);
    lines.push(`      <system-out>${xmlText(c.out)}</system-out>`, "    </testcase>");
  }
  lines.push("  </testsuite>");
  return lines;
}

export function formatJunit(report: ClassReport): string {
  const suites: string[] = [];
  let id = 0;
  let tests = 0;
  let failures = 0;
  const add = (name: string, cases: Case[]) => {
    suites.push(...suite(name, cases, id++));
    tests += cases.length;
    failures += cases.filter((c) => c.failure !== null).length;
  };
  for (const learner of report.learners) {
    const cases: Case[] = [];
    for (const lesson of report.lessons) {
      const steps = learner.lessons.get(lesson.id)?.steps ?? [];
      for (const step of steps) {
        if (step.kind === "read") continue;
        const tried = `${step.attempts} attempt${step.attempts === 1 ? "" : "s"}, ${step.hints} hint${step.hints === 1 ? "" : "s"}`;
        cases.push({
          classname: lesson.id,
          name: step.id,
          seconds: (step.ms ?? 0) / 1000,
          failure: step.passed ? null : `not passed (${tried})`,
          out: `${step.kind}: ${step.passed ? "passed" : "not passed"}, ${tried}`,
        });
      }
    }
    add(learner.exam ? `${learner.name} (exam)` : learner.name, cases);
  }
  for (const quiz of report.quizzes)
    add(
      `${quiz.name} (quiz, seed ${quiz.result.seed}${quiz.result.exam ? ", exam" : ""})`,
      quiz.result.questions.map((q) => ({
        classname: `quiz.${q.topic || "question"}`,
        name: q.id,
        seconds: q.ms / 1000,
        failure: q.correct ? null : q.answered ? "wrong answer" : "not answered",
        out: `${q.kind}: ${q.correct ? "right" : q.answered ? "wrong" : "not answered"}`,
      })),
    );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: "podnet-learn class report", tests, failures, errors: 0 })}>`,
    ...suites,
    "</testsuites>",
    "",
  ].join("\n");
}
