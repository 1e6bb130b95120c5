/**
 * `podnet-learn export-progress`: one learner's progress as a file an instructor collects
 * (`podnet-learn report` reads a directory of them). Pure: the progress, the lessons, the name,
 * the time and the version come in as arguments. It holds what the progress store records,
 * by lesson and step id, and nothing about the machine: no paths, no user name but the one given.
 */
import type { Progress } from "./schema";

/** The `format` field of an export. */
export const PROGRESS_EXPORT_FORMAT = "podnet-learn-progress";
/** Bumped when a field changes meaning or goes; new fields may be added within a version. */
export const PROGRESS_EXPORT_VERSION = 1;
/** The longest name an export carries. */
export const MAX_NAME_LENGTH = 100;

/** A text in both languages, as lesson files hold them. */
export interface ExportTexts {
  readonly en: string;
  readonly ko: string;
}

/** What an export needs of a lesson. */
export interface ExportableLesson {
  readonly id: string;
  readonly title: ExportTexts;
  readonly steps: readonly { readonly id: string; readonly kind: string }[];
}

/** One step of one lesson, as exported. */
export interface ExportedStep {
  readonly id: string;
  /** The step's kind: `read`, `route`, `fix`… */
  readonly kind: string;
  /** Passed (an exercise) or read to the end (a read step). */
  readonly passed: boolean;
  /** Answers submitted. */
  readonly attempts: number;
  /** Hints shown (the highest hint number asked for, 0 to 3). */
  readonly hints: number;
  /** Time spent on the step, in milliseconds (whole seconds recorded); left out when none. */
  readonly ms?: number;
  /** When it was passed (ISO 8601). */
  readonly passedAt?: string;
}

export interface ExportedLesson {
  readonly id: string;
  readonly title: ExportTexts;
  /** Whether the lesson came from the built-in lessons (true) or the pack (false). */
  readonly builtIn: boolean;
  readonly steps: readonly ExportedStep[];
  /** Every step passed. */
  readonly finished: boolean;
  /** When the last step was passed (ISO 8601). */
  readonly finishedAt?: string;
}

/** The exam the progress was made in, or null for practice. */
export interface ExportedExam {
  /** When the exam was first opened (ISO 8601). */
  readonly startedAt: string;
  /** The time limit in seconds, or null for none. */
  readonly timeLimitS: number | null;
  /** When the time ran out (ISO 8601), or null when it had not (yet). */
  readonly endedAt: string | null;
}

/** The file `export-progress` writes. */
export interface ProgressExport {
  readonly format: typeof PROGRESS_EXPORT_FORMAT;
  readonly formatVersion: typeof PROGRESS_EXPORT_VERSION;
  /** The learner, as they gave it with `--name`. */
  readonly name: string;
  /** When the export was made (ISO 8601). */
  readonly exportedAt: string;
  /** podnet-learn's version. */
  readonly version: string;
  /** The lessons' digest (SHA-256, hex): the same for everyone who had the same lessons. */
  readonly pack: string;
  readonly exam: ExportedExam | null;
  /** Every lesson, in the order the tutorial lists them. */
  readonly lessons: readonly ExportedLesson[];
}

/** Why `name` cannot be a learner's name in an export, or null when it can. */
export function nameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === "") return "--name is empty: give the name the instructor knows you by";
  if ([...trimmed].length > MAX_NAME_LENGTH)
    return `--name is longer than ${MAX_NAME_LENGTH} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (/[\u0000-\u001f\u007f]/.test(trimmed))
    return "--name holds a control character (a newline or tab): write it on one line";
  return null;
}

export interface ExportInput {
  readonly progress: Progress;
  readonly lessons: readonly ExportableLesson[];
  /** Ids of the lessons that came from a pack beside the built-in lessons (empty otherwise). */
  readonly fromPack: readonly string[];
  /** True when the lessons are the built-in ones alone. */
  readonly builtInOnly: boolean;
  readonly pack: string;
  readonly name: string;
  readonly version: string;
  readonly exportedAt: Date;
}

/** The export of `progress` over `lessons`. */
export function exportProgress(input: ExportInput): ProgressExport {
  const fromPack = new Set(input.fromPack);
  const exam = input.progress.exam;
  return {
    format: PROGRESS_EXPORT_FORMAT,
    formatVersion: PROGRESS_EXPORT_VERSION,
    name: input.name.trim(),
    exportedAt: input.exportedAt.toISOString(),
    version: input.version,
    pack: input.pack,
    exam: exam
      ? { startedAt: exam.startedAt, timeLimitS: exam.timeLimitS, endedAt: exam.endedAt ?? null }
      : null,
    lessons: input.lessons.map((lesson) => {
      const saved = input.progress.lessons[lesson.id];
      const steps: ExportedStep[] = lesson.steps.map((step) => {
        const s = saved?.steps[step.id];
        return {
          id: step.id,
          kind: step.kind,
          passed: s?.done === true,
          attempts: s?.attempts ?? 0,
          hints: s?.hints ?? 0,
          ...(s && s.seconds > 0 ? { ms: Math.round(s.seconds * 1000) } : {}),
          ...(s?.doneAt === undefined ? {} : { passedAt: s.doneAt }),
        };
      });
      const finished = steps.length > 0 && steps.every((s) => s.passed);
      return {
        id: lesson.id,
        title: { en: lesson.title.en, ko: lesson.title.ko },
        builtIn: input.builtInOnly || (input.fromPack.length > 0 && !fromPack.has(lesson.id)),
        steps,
        finished,
        ...(finished && saved?.finishedAt !== undefined ? { finishedAt: saved.finishedAt } : {}),
      };
    }),
  };
}
