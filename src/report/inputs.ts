/**
 * The files a class report is made from, read from JSON: progress exports
 * (`podnet-learn-progress`, src/progress/export.ts) and quiz reports (`podnet-learn-quiz`).
 * Pure: the caller reads the files. A file that is neither is a reason, never a throw, so one
 * stray file in the results directory does not stop the report.
 */
import {
  PROGRESS_EXPORT_FORMAT,
  PROGRESS_EXPORT_VERSION,
  type ProgressExport,
} from "../progress/export";

import { QUIZ_REPORT_FORMAT, QUIZ_REPORT_VERSION, type QuizReportJson } from "../quiz/report";

/** What the class report reads of one quiz question. */
export interface QuizResultQuestion {
  readonly id: string;
  readonly kind: string;
  readonly topic: string;
  readonly correct: boolean;
  /** Whether an answer was given (null: skipped or out of time). */
  readonly answered: boolean;
  readonly ms: number;
}

/** What the class report reads of a quiz report (src/quiz/report.ts writes it). */
export interface QuizResult
  extends Pick<
    QuizReportJson,
    "name" | "startedAt" | "seed" | "difficulty" | "exam" | "timeLimitS" | "score" | "byTopic"
  > {
  readonly questions: readonly QuizResultQuestion[];
}

/** One file of the results directory, read. */
export type ResultFile =
  | { readonly kind: "progress"; readonly file: string; readonly value: ProgressExport }
  | { readonly kind: "quiz"; readonly file: string; readonly value: QuizResult }
  | { readonly kind: "skipped"; readonly file: string; readonly reason: string };

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
const isText = (v: unknown): v is { en: string; ko: string } =>
  isRecord(v) && typeof v.en === "string" && typeof v.ko === "string";

/** Reads one file's text as a progress export or a quiz report, or says why it is neither. */
export function readResult(file: string, text: string): ResultFile {
  const skip = (reason: string): ResultFile => ({ kind: "skipped", file, reason });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return skip("not JSON");
  }
  if (!isRecord(raw)) return skip("not a podnet-learn progress export or quiz report");
  const format = raw.format;
  if (format !== PROGRESS_EXPORT_FORMAT && format !== QUIZ_REPORT_FORMAT)
    return skip("not a podnet-learn progress export or quiz report (no format field of ours)");
  const supported =
    format === PROGRESS_EXPORT_FORMAT ? PROGRESS_EXPORT_VERSION : QUIZ_REPORT_VERSION;
  if (raw.formatVersion !== supported)
    return skip(
      typeof raw.formatVersion === "number" && raw.formatVersion > supported
        ? `made by a newer podnet-learn (${format} formatVersion ${raw.formatVersion}; this one reads ${supported}): update podnet-learn`
        : `${format} formatVersion ${String(raw.formatVersion)} is not one this podnet-learn reads (${supported})`,
    );
  if (format === PROGRESS_EXPORT_FORMAT) {
    const problem = progressProblem(raw);
    return problem === null
      ? { kind: "progress", file, value: raw as unknown as ProgressExport }
      : skip(`a progress export, but ${problem}`);
  }
  const quiz = quizOf(raw);
  return typeof quiz === "string"
    ? skip(`a quiz report, but ${quiz}`)
    : { kind: "quiz", file, value: quiz };
}

/** What is wrong with a progress export's shape, or null. */
function progressProblem(raw: Json): string | null {
  if (typeof raw.name !== "string" || raw.name.trim() === "") return "it has no name";
  if (raw.exam !== null && raw.exam !== undefined && !isRecord(raw.exam))
    return "exam is not an object";
  if (!Array.isArray(raw.lessons)) return "it has no lessons list";
  for (const [i, lesson] of raw.lessons.entries()) {
    if (!isRecord(lesson) || typeof lesson.id !== "string" || !Array.isArray(lesson.steps))
      return `lessons[${i}] is not a lesson (id and steps)`;
    if (lesson.title !== undefined && !isText(lesson.title) && typeof lesson.title !== "string")
      return `lessons[${i}].title is not a text`;
    for (const [j, step] of lesson.steps.entries()) {
      if (
        !isRecord(step) ||
        typeof step.id !== "string" ||
        typeof step.kind !== "string" ||
        typeof step.passed !== "boolean" ||
        !isCount(step.attempts) ||
        !isCount(step.hints) ||
        (step.ms !== undefined && !isCount(step.ms))
      )
        return `lessons[${i}].steps[${j}] is not a step (id, kind, passed, attempts, hints)`;
    }
  }
  return null;
}

function quizOf(raw: Json): QuizResult | string {
  const { name, startedAt, seed, difficulty, exam, timeLimitS, score, byTopic, questions } = raw;
  if (name !== undefined && name !== null && typeof name !== "string")
    return "its name is not a text";
  if (!isCount(seed)) return "it has no seed";
  if (!isRecord(score) || !isCount(score.correct) || !isCount(score.total))
    return "it has no score";
  if (!Array.isArray(questions)) return "it has no questions list";
  const parsed: QuizResultQuestion[] = [];
  for (const [i, q] of questions.entries()) {
    if (!isRecord(q) || typeof q.id !== "string" || typeof q.correct !== "boolean")
      return `questions[${i}] is not a question (id, correct)`;
    parsed.push({
      id: q.id,
      kind: typeof q.kind === "string" ? q.kind : "",
      topic: typeof q.topic === "string" ? q.topic : "",
      correct: q.correct,
      answered: q.answer !== null && q.answer !== undefined,
      ms: isCount(q.ms) ? q.ms : 0,
    });
  }
  const topics: Record<string, { correct: number; total: number }> = {};
  if (isRecord(byTopic))
    for (const [topic, v] of Object.entries(byTopic))
      if (isRecord(v) && isCount(v.correct) && isCount(v.total))
        topics[topic] = { correct: v.correct, total: v.total };
  return {
    name: typeof name === "string" && name.trim() !== "" ? name.trim() : null,
    startedAt: typeof startedAt === "string" ? startedAt : "",
    seed,
    difficulty: typeof difficulty === "string" ? difficulty : "",
    exam: exam === true,
    timeLimitS: isCount(timeLimitS) ? timeLimitS : null,
    score: { correct: score.correct, total: score.total },
    byTopic: topics,
    questions: parsed,
  };
}
