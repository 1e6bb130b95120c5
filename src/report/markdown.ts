/** The class report as Markdown: for the instructor to read, paste or print. */
import { formatClock } from "../cli/duration";
import { plural } from "../cli/words";
import {
  type ClassReport,
  type ExerciseStats,
  type LearnerRow,
  lessonCell,
  lessonsFinished,
} from "./class-report";

/** A table cell: one line, with `|` and `\` escaped so the table keeps its columns. */
export function mdCell(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters would break the row
      .replace(/[\u0000-\u001f\u007f]+/g, " ")
      .replace(/\\/g, "\\\\")
      .replace(/\|/g, "\\|")
      .replace(/</g, "&lt;")
      .trim()
  );
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.map(mdCell).join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(mdCell).join(" | ")} |`),
  ];
}

function examCell(row: LearnerRow): string {
  if (!row.exam) return "no";
  const limit = row.exam.timeLimitS === null ? "no limit" : formatClock(row.exam.timeLimitS);
  return `yes (${limit}${row.exam.endedAt ? ", time ran out" : ""})`;
}

function seconds(value: number | null): string {
  return value === null ? "-" : formatClock(value);
}

function exerciseName(e: ExerciseStats): string {
  return `${e.lesson} / ${e.step}`;
}

export function formatMarkdown(report: ClassReport): string {
  const out: string[] = ["# Class report", ""];
  const progress = report.learners.length;
  const quizzes = report.quizzes.length;
  out.push(
    `${progress} progress export${progress === 1 ? "" : "s"}, ${quizzes} quiz report${quizzes === 1 ? "" : "s"}${report.skipped.length > 0 ? `, ${report.skipped.length} file${report.skipped.length === 1 ? "" : "s"} left out` : ""}.`,
  );
  for (const m of report.packMismatch)
    out.push(
      "",
      `**Different lessons:** ${m.names.map(mdCell).join(", ")} had lessons with digest ${m.pack.slice(0, 12)}; the others had other lessons (a changed or different pack).`,
    );
  if (progress > 0) {
    out.push("", "## Who finished what", "");
    out.push(
      ...table(
        ["learner", "exam", ...report.lessons.map((l) => l.id), "lessons done"],
        report.learners.map((r) => [
          r.name,
          examCell(r),
          ...report.lessons.map((l) => lessonCell(r, l)),
          `${lessonsFinished(r)}/${report.lessons.length}`,
        ]),
      ),
    );
    out.push(
      "",
      "`done`: every step passed; `k/n`: exercises passed of the lesson's; `-`: not in the learner's lessons.",
    );
    out.push("", "## Exercises", "");
    out.push(
      ...table(
        [
          "lesson",
          "exercise",
          "kind",
          "passed",
          "attempts",
          "hints",
          "learners with hints",
          "median time",
        ],
        report.exercises.map((e) => [
          e.lesson,
          e.step,
          e.kind,
          `${e.passed}/${e.learners}`,
          String(e.attempts),
          String(e.hints),
          String(e.hintedBy),
          seconds(e.medianSeconds),
        ]),
      ),
    );
    out.push("", "## Took the most attempts or hints", "");
    if (report.hardest.length === 0) out.push("No exercise was attempted yet.");
    else
      report.hardest.forEach((e, i) => {
        out.push(
          `${i + 1}. ${mdCell(exerciseName(e))} (${e.kind}): ${plural(e.attempts, "attempt")}, ${plural(e.hints, "hint")}, passed by ${e.passed} of ${e.learners}`,
        );
      });
  }
  if (quizzes > 0) {
    const topics = [
      ...new Set(report.quizzes.flatMap((q) => Object.keys(q.result.byTopic))),
    ].sort();
    out.push("", "## Quiz", "");
    for (const m of report.seedMismatch)
      out.push(`**Different seed:** ${m.names.map(mdCell).join(", ")} had seed ${m.seed}.`, "");
    out.push(
      ...table(
        ["learner", "seed", "difficulty", "exam", "score", ...topics],
        report.quizzes.map((q) => [
          q.name,
          String(q.result.seed),
          q.result.difficulty,
          q.result.exam
            ? `yes${q.result.timeLimitS === null ? "" : ` (${formatClock(q.result.timeLimitS)})`}`
            : "no",
          `${q.result.score.correct}/${q.result.score.total}`,
          ...topics.map((t) => {
            const s = q.result.byTopic[t];
            return s ? `${s.correct}/${s.total}` : "-";
          }),
        ]),
      ),
    );
    out.push(
      "",
      ...table(
        ["question", "topic", "kind", "right"],
        report.quizQuestions.map((q) => [q.id, q.topic, q.kind, `${q.correct}/${q.sat}`]),
      ),
    );
  }
  if (report.skipped.length > 0) {
    out.push("", "## Files left out", "");
    for (const s of report.skipped) out.push(`- ${mdCell(s.file)}: ${mdCell(s.reason)}`);
  }
  return `${out.join("\n")}\n`;
}
