/**
 * The class report as CSV (RFC 4180): one row per learner and exercise (and per learner and
 * quiz question), for a spreadsheet or a learning platform's import.
 */
import type { ClassReport } from "./class-report";

export const CSV_HEADER = [
  "source",
  "learner",
  "file",
  "exam",
  "lesson",
  "item",
  "kind",
  "passed",
  "attempts",
  "hints",
  "seconds",
] as const;

/**
 * One field: quoted when it holds a comma, a quote, a line break or edge spaces, its quotes
 * doubled; a text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a
 * leading `'` (OWASP's advice for CSV injection), so a learner's name cannot be a formula.
 */
export function csvField(value: string | number | boolean): string {
  if (typeof value !== "string") return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function formatCsv(report: ClassReport): string {
  const rows: (string | number | boolean)[][] = [];
  for (const learner of report.learners)
    for (const lesson of report.lessons) {
      const steps = learner.lessons.get(lesson.id)?.steps;
      if (!steps) continue;
      for (const step of steps) {
        if (step.kind === "read") continue;
        rows.push([
          "progress",
          learner.name,
          learner.file,
          learner.exam !== null,
          lesson.id,
          step.id,
          step.kind,
          step.passed,
          step.attempts,
          step.hints,
          Math.round((step.ms ?? 0) / 1000),
        ]);
      }
    }
  for (const quiz of report.quizzes)
    for (const q of quiz.result.questions)
      rows.push([
        "quiz",
        quiz.name,
        quiz.file,
        quiz.result.exam,
        "quiz",
        q.id,
        q.kind,
        q.correct,
        q.answered ? 1 : 0,
        0,
        Math.round(q.ms / 1000),
      ]);
  // CRLF line ends, as RFC 4180 writes them (spreadsheets read either).
  return `${[CSV_HEADER, ...rows].map((r) => r.map(csvField).join(",")).join("\r\n")}\r\n`;
}
