/**
 * What the progress file holds. Progress is keyed by lesson id and step id, never by position,
 * so a lesson that gains a step keeps what the learner did. Checked on every read: a file that
 * does not match is set aside, not trusted and not wiped. The check is written out here rather
 * than with zod: the tutorial's first screen reads progress, and zod is large to load.
 */

/** The shape of the file; bumped only with a migration written here. */
export const PROGRESS_SCHEMA_VERSION = 1;

/** One step of one lesson. */
export interface StepProgress {
  /** The step was passed (an exercise) or read to the end (a read step). */
  done: boolean;
  /** Hints shown: the highest hint number asked for (0 to 3). */
  hints: number;
  /** Answers submitted to the checker. */
  attempts: number;
  /** Seconds spent on the step, summed over visits. */
  seconds: number;
  /** When it was passed (ISO 8601). */
  doneAt?: string;
}

export interface LessonProgress {
  /** Per step id. */
  steps: Record<string, StepProgress>;
  /** The step id the learner was last on, to continue where they left off. */
  current?: string;
  /** When the last step was passed (ISO 8601). */
  finishedAt?: string;
}

/**
 * An exam sitting (`podnet-learn --lessons DIR --exam`): its progress is kept in a file of its
 * own (store.ts `examConfigName`), so practice done before it counts for nothing in it.
 */
export interface ExamRecord {
  /** The lesson pack's digest (SHA-256, hex): the same for everyone who sat the same pack. */
  pack: string;
  /** When the learner first opened the exam (ISO 8601); the time limit counts from here. */
  startedAt: string;
  /** The time limit in seconds, or null for none. */
  timeLimitS: number | null;
  /** When the time ran out (ISO 8601), once it has. */
  endedAt?: string;
}

export interface Progress {
  schemaVersion: typeof PROGRESS_SCHEMA_VERSION;
  /** Present in an exam's progress file only. */
  exam?: ExamRecord;
  /** The language picked on the home screen (`--lang` overrides it for one run). */
  lang?: "en" | "ko";
  /** The lesson the learner was last in. */
  lastLesson?: string;
  /** Exercises passed in a row without a hint. */
  streak: number;
  /** Per lesson id. */
  lessons: Record<string, LessonProgress>;
}

export function emptyProgress(): Progress {
  return { schemaVersion: PROGRESS_SCHEMA_VERSION, streak: 0, lessons: {} };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const count = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
const optionalString = (v: unknown): boolean => v === undefined || typeof v === "string";

function stepOf(raw: unknown): StepProgress | null {
  if (!isRecord(raw)) return null;
  const { done = false, hints = 0, attempts = 0, seconds = 0, doneAt } = raw;
  if (typeof done !== "boolean" || !count(hints) || !count(attempts)) return null;
  if (typeof seconds !== "number" || seconds < 0 || !optionalString(doneAt)) return null;
  return {
    done,
    hints,
    attempts,
    seconds,
    ...(doneAt === undefined ? {} : { doneAt: doneAt as string }),
  };
}

function lessonOf(raw: unknown): LessonProgress | null {
  if (!isRecord(raw)) return null;
  const { steps = {}, current, finishedAt } = raw;
  if (!isRecord(steps) || !optionalString(current) || !optionalString(finishedAt)) return null;
  const out: LessonProgress = { steps: {} };
  for (const [id, step] of Object.entries(steps)) {
    const parsed = stepOf(step);
    if (!parsed) return null;
    out.steps[id] = parsed;
  }
  if (current !== undefined) out.current = current as string;
  if (finishedAt !== undefined) out.finishedAt = finishedAt as string;
  return out;
}

function examOf(raw: unknown): ExamRecord | null {
  if (!isRecord(raw)) return null;
  const { pack, startedAt, timeLimitS = null, endedAt } = raw;
  if (typeof pack !== "string" || typeof startedAt !== "string" || !optionalString(endedAt))
    return null;
  if (timeLimitS !== null && !count(timeLimitS)) return null;
  return {
    pack,
    startedAt,
    timeLimitS: timeLimitS as number | null,
    ...(endedAt === undefined ? {} : { endedAt: endedAt as string }),
  };
}

/** The progress in `raw` (defaults filled in), or null when it is not podnet-learn progress. */
export function parseProgress(raw: unknown): Progress | null {
  if (!isRecord(raw) || raw.schemaVersion !== PROGRESS_SCHEMA_VERSION) return null;
  const { lang, lastLesson, streak = 0, lessons = {}, exam } = raw;
  if (lang !== undefined && lang !== "en" && lang !== "ko") return null;
  if (!optionalString(lastLesson) || !count(streak) || !isRecord(lessons)) return null;
  const out: Progress = { schemaVersion: PROGRESS_SCHEMA_VERSION, streak, lessons: {} };
  for (const [id, lesson] of Object.entries(lessons)) {
    const parsed = lessonOf(lesson);
    if (!parsed) return null;
    out.lessons[id] = parsed;
  }
  if (exam !== undefined) {
    const parsed = examOf(exam);
    if (!parsed) return null;
    out.exam = parsed;
  }
  if (lang !== undefined) out.lang = lang;
  if (lastLesson !== undefined) out.lastLesson = lastLesson as string;
  return out;
}
