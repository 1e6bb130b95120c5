/**
 * The class summary, worked out once from the files read (inputs.ts) and then written as
 * Markdown, CSV or JUnit XML (markdown.ts, csv.ts, junit.ts). Pure and deterministic: learners
 * sorted by name (code points, not a locale's collation, so every machine sorts alike), then by
 * file; lessons and exercises in the order the exports list them; ties broken by id.
 */
import type { ExportedStep, ProgressExport } from "../progress/export";
import type { QuizResult, ResultFile } from "./inputs";

/** One learner's progress export. */
export interface LearnerRow {
  /** The name as shown: the export's, with its file when two exports share a name. */
  readonly name: string;
  readonly file: string;
  readonly exam: ProgressExport["exam"];
  readonly pack: string | null;
  /** Per lesson id: the steps as exported (absent: the export does not have that lesson). */
  readonly lessons: ReadonlyMap<
    string,
    { readonly steps: readonly ExportedStep[]; readonly finished: boolean }
  >;
}

/** A lesson some export has. */
export interface LessonColumn {
  readonly id: string;
  readonly title: string;
  /** Its exercises (steps that are not `read`), in order. */
  readonly exercises: readonly { readonly id: string; readonly kind: string }[];
}

/** How the class did on one exercise. */
export interface ExerciseStats {
  readonly lesson: string;
  readonly step: string;
  readonly kind: string;
  /** Learners whose export has the exercise. */
  readonly learners: number;
  readonly passed: number;
  /** Answers submitted, over every learner. */
  readonly attempts: number;
  /** Hints shown, over every learner. */
  readonly hints: number;
  /** Learners who asked for at least one hint. */
  readonly hintedBy: number;
  /** Median time of the learners who spent any on it, in seconds (null: none recorded). */
  readonly medianSeconds: number | null;
}

/** One quiz report. */
export interface QuizRow {
  readonly name: string;
  readonly file: string;
  readonly result: QuizResult;
}

export interface ClassReport {
  readonly learners: readonly LearnerRow[];
  readonly lessons: readonly LessonColumn[];
  readonly exercises: readonly ExerciseStats[];
  /** The exercises that took the most attempts, then hints: at most `HARDEST`. */
  readonly hardest: readonly ExerciseStats[];
  readonly quizzes: readonly QuizRow[];
  /** Every quiz question id, in quiz order, with how many answered it right. */
  readonly quizQuestions: readonly {
    readonly id: string;
    readonly topic: string;
    readonly kind: string;
    readonly correct: number;
    readonly sat: number;
  }[];
  /** When the exports do not all share one lessons digest: the learners per digest. */
  readonly packMismatch: readonly { readonly pack: string; readonly names: readonly string[] }[];
  /** When the quiz reports do not all share one seed: the learners per seed. */
  readonly seedMismatch: readonly { readonly seed: number; readonly names: readonly string[] }[];
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
}

/** How many exercises "took the most attempts or hints" lists. */
export const HARDEST = 5;

/** Code-point order: the same on every machine, whatever its locale. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Names made unique by their file where two results share one. */
function shownNames<T extends { name: string; file: string }>(rows: T[]): T[] {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.name, (counts.get(r.name) ?? 0) + 1);
  return rows.map((r) =>
    (counts.get(r.name) ?? 0) > 1 ? { ...r, name: `${r.name} (${r.file})` } : r,
  );
}

function grouped<K>(items: readonly { key: K; name: string }[]): { key: K; names: string[] }[] {
  const map = new Map<K, string[]>();
  for (const { key, name } of items) map.set(key, [...(map.get(key) ?? []), name]);
  return map.size > 1 ? [...map].map(([key, names]) => ({ key, names })) : [];
}

/** The class report of the files read. */
export function buildClassReport(files: readonly ResultFile[]): ClassReport {
  const ordered = [...files].sort((a, b) => byCodePoint(a.file, b.file));
  const progress = ordered.flatMap((f) => (f.kind === "progress" ? [f] : []));
  const learners = shownNames(
    progress
      .map((f) => ({
        name: f.value.name.trim(),
        file: f.file,
        exam: f.value.exam ?? null,
        pack: typeof f.value.pack === "string" ? f.value.pack : null,
        lessons: new Map(
          f.value.lessons.map((l) => [l.id, { steps: l.steps, finished: l.finished }]),
        ),
      }))
      .sort((a, b) => byCodePoint(a.name, b.name) || byCodePoint(a.file, b.file)),
  );

  // Lessons in the order the exports list them, first seen first (exports of one pack agree).
  const lessons: LessonColumn[] = [];
  const seen = new Set<string>();
  for (const f of progress)
    for (const l of f.value.lessons) {
      if (seen.has(l.id)) continue;
      seen.add(l.id);
      const title = typeof l.title === "string" ? l.title : (l.title?.en ?? l.id);
      lessons.push({
        id: l.id,
        title,
        exercises: l.steps
          .filter((s) => s.kind !== "read")
          .map((s) => ({ id: s.id, kind: s.kind })),
      });
    }

  const exercises: ExerciseStats[] = lessons.flatMap((lesson) =>
    lesson.exercises.map((exercise) => {
      const steps = learners.flatMap((r) => {
        const s = r.lessons.get(lesson.id)?.steps.find((x) => x.id === exercise.id);
        return s ? [s] : [];
      });
      return {
        lesson: lesson.id,
        step: exercise.id,
        kind: exercise.kind,
        learners: steps.length,
        passed: steps.filter((s) => s.passed).length,
        attempts: steps.reduce((n, s) => n + s.attempts, 0),
        hints: steps.reduce((n, s) => n + s.hints, 0),
        hintedBy: steps.filter((s) => s.hints > 0).length,
        medianSeconds: median(steps.flatMap((s) => (s.ms ? [Math.round(s.ms / 1000)] : []))),
      };
    }),
  );
  const hardest = exercises
    .filter((e) => e.attempts > 0 || e.hints > 0)
    .sort(
      (a, b) =>
        b.attempts - a.attempts ||
        b.hints - a.hints ||
        byCodePoint(a.lesson, b.lesson) ||
        byCodePoint(a.step, b.step),
    )
    .slice(0, HARDEST);

  const quizzes = shownNames(
    ordered
      .flatMap((f) => (f.kind === "quiz" ? [f] : []))
      .map((f) => ({ name: f.value.name ?? `(no name: ${f.file})`, file: f.file, result: f.value }))
      .sort((a, b) => byCodePoint(a.name, b.name) || byCodePoint(a.file, b.file)),
  );
  const questionOrder: string[] = [];
  const questions = new Map<
    string,
    { id: string; topic: string; kind: string; correct: number; sat: number }
  >();
  for (const q of quizzes)
    for (const question of q.result.questions) {
      let entry = questions.get(question.id);
      if (!entry) {
        entry = { id: question.id, topic: question.topic, kind: question.kind, correct: 0, sat: 0 };
        questions.set(question.id, entry);
        questionOrder.push(question.id);
      }
      entry.sat += 1;
      if (question.correct) entry.correct += 1;
    }

  return {
    learners,
    lessons,
    exercises,
    hardest,
    quizzes,
    quizQuestions: questionOrder.map(
      (id) => questions.get(id) as NonNullable<ReturnType<typeof questions.get>>,
    ),
    packMismatch: grouped(
      learners.filter((r) => r.pack !== null).map((r) => ({ key: r.pack as string, name: r.name })),
    ).map(({ key, names }) => ({ pack: key, names })),
    seedMismatch: grouped(quizzes.map((q) => ({ key: q.result.seed, name: q.name }))).map(
      ({ key, names }) => ({ seed: key, names }),
    ),
    skipped: ordered.flatMap((f) =>
      f.kind === "skipped" ? [{ file: f.file, reason: f.reason }] : [],
    ),
  };
}

/** A learner's state in a lesson: `done`, `k/n` exercises passed, or `-` (not in their export). */
export function lessonCell(row: LearnerRow, lesson: LessonColumn): string {
  const entry = row.lessons.get(lesson.id);
  if (!entry) return "-";
  if (entry.finished) return "done";
  const graded = entry.steps.filter((s) => s.kind !== "read");
  // A lesson of read steps only counts its steps read.
  const exercises = graded.length > 0 ? graded : entry.steps;
  const passed = exercises.filter((s) => s.passed).length;
  return `${passed}/${exercises.length}`;
}

/** Lessons a learner finished. */
export function lessonsFinished(row: LearnerRow): number {
  return [...row.lessons.values()].filter((l) => l.finished).length;
}
