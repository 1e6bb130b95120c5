/**
 * What the progress file holds. Progress is keyed by lesson id and step id, never by position,
 * so a lesson that gains a step keeps what the learner did. Validated on every read: a file that
 * does not match is set aside, not trusted and not wiped.
 */
import { z } from "zod";

/** The shape of the file; bumped only with a migration written here. */
export const PROGRESS_SCHEMA_VERSION = 1;

/** One step of one lesson. */
export const stepProgressSchema = z.object({
  /** The step was passed (an exercise) or read to the end (a read step). */
  done: z.boolean().default(false),
  /** Hints shown, the highest hint number asked for (0 to 3). */
  hints: z.number().int().min(0).default(0),
  /** Answers submitted to the checker. */
  attempts: z.number().int().min(0).default(0),
  /** Seconds spent on the step, summed over visits. */
  seconds: z.number().min(0).default(0),
  /** When it was passed (ISO 8601). */
  doneAt: z.string().optional(),
});

export const lessonProgressSchema = z.object({
  /** Per step id. */
  steps: z.record(z.string(), stepProgressSchema).default({}),
  /** The step id the learner was last on, to continue where they left off. */
  current: z.string().optional(),
  /** When the last step was passed (ISO 8601). */
  finishedAt: z.string().optional(),
});

export const progressSchema = z.object({
  schemaVersion: z.literal(PROGRESS_SCHEMA_VERSION),
  /** The language picked on the home screen (`--lang` overrides it for one run). */
  lang: z.enum(["en", "ko"]).optional(),
  /** The lesson the learner was last in. */
  lastLesson: z.string().optional(),
  /** Exercises passed in a row without a hint. */
  streak: z.number().int().min(0).default(0),
  /** Per lesson id. */
  lessons: z.record(z.string(), lessonProgressSchema).default({}),
});

export type StepProgress = z.infer<typeof stepProgressSchema>;
export type LessonProgress = z.infer<typeof lessonProgressSchema>;
export type Progress = z.infer<typeof progressSchema>;

export function emptyProgress(): Progress {
  return { schemaVersion: PROGRESS_SCHEMA_VERSION, streak: 0, lessons: {} };
}
