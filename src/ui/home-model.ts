/**
 * What the home screen lists, worked out from the lessons and the learner's progress: pure, so
 * the rules (what is locked, where "continue" goes) are tested without drawing anything.
 */
import type { Progress } from "../progress/schema";
import type { Lang } from "./i18n/locale";

/** A text in both languages, as lesson files hold them. */
export interface Texts {
  readonly en: string;
  readonly ko: string;
}

/** What the home screen needs of a lesson. */
export interface LessonEntry {
  readonly id: string;
  readonly order: number;
  readonly minutes: number;
  readonly prerequisites: readonly string[];
  readonly title: Texts;
  readonly summary: Texts;
  readonly stepIds: readonly string[];
  /** From the `--lessons` pack used beside the built-in lessons (`--with-builtin`). */
  readonly fromPack?: boolean;
}

/**
 * The lesson's number as the home screen shows it: its order, with `+` for a lesson from a pack
 * beside the built-in lessons (both may have a lesson 1).
 */
export function lessonNumber(lesson: LessonEntry): string {
  return `${lesson.fromPack ? "+" : ""}${lesson.order}`;
}

export type LessonStatus =
  | { readonly kind: "done" }
  | { readonly kind: "in-progress"; readonly done: number; readonly steps: number }
  | { readonly kind: "new" }
  | { readonly kind: "locked"; readonly missing: readonly string[] };

export interface HomeRow {
  readonly lesson: LessonEntry;
  readonly status: LessonStatus;
}

/** Where "continue" leads: the lesson and the step index to open. */
export interface ContinuePoint {
  readonly lesson: LessonEntry;
  readonly stepIndex: number;
  /** True when nothing was started yet: the first unlocked lesson. */
  readonly fresh: boolean;
}

function doneSteps(lesson: LessonEntry, progress: Progress): number {
  const steps = progress.lessons[lesson.id]?.steps ?? {};
  return lesson.stepIds.filter((id) => steps[id]?.done === true).length;
}

function isDone(lesson: LessonEntry, progress: Progress): boolean {
  return lesson.stepIds.length > 0 && doneSteps(lesson, progress) === lesson.stepIds.length;
}

export function homeRows(lessons: readonly LessonEntry[], progress: Progress): HomeRow[] {
  const byId = new Map(lessons.map((l) => [l.id, l]));
  // The built-in lessons first, then the pack's: each in its own order.
  return [...lessons]
    .sort((a, b) => Number(a.fromPack ?? false) - Number(b.fromPack ?? false) || a.order - b.order)
    .map((lesson) => {
      if (isDone(lesson, progress)) return { lesson, status: { kind: "done" } };
      const missing = lesson.prerequisites.filter((id) => {
        const pre = byId.get(id);
        return pre !== undefined && !isDone(pre, progress);
      });
      if (missing.length > 0) return { lesson, status: { kind: "locked", missing } };
      const done = doneSteps(lesson, progress);
      const started = done > 0 || progress.lessons[lesson.id]?.current !== undefined;
      return {
        lesson,
        status: started
          ? { kind: "in-progress", done, steps: lesson.stepIds.length }
          : { kind: "new" },
      };
    });
}

/**
 * The lesson the learner was last in, at the step they were on, unless it is finished; then the
 * first lesson in order that is open and not done. Null when every lesson is done or locked.
 */
export function continuePoint(rows: readonly HomeRow[], progress: Progress): ContinuePoint | null {
  const last = rows.find((r) => r.lesson.id === progress.lastLesson);
  if (last && last.status.kind === "in-progress") {
    const current = progress.lessons[last.lesson.id]?.current;
    const index = current === undefined ? -1 : last.lesson.stepIds.indexOf(current);
    return { lesson: last.lesson, stepIndex: Math.max(0, index), fresh: false };
  }
  const open = rows.find((r) => r.status.kind === "in-progress" || r.status.kind === "new");
  if (!open) return null;
  const steps = progress.lessons[open.lesson.id]?.steps ?? {};
  const firstUndone = open.lesson.stepIds.findIndex((id) => steps[id]?.done !== true);
  return {
    lesson: open.lesson,
    stepIndex: Math.max(0, firstUndone),
    fresh: open.status.kind === "new",
  };
}

export function textIn(texts: Texts, lang: Lang): string {
  return texts[lang];
}

/** Lessons finished, for the progress line. */
export function lessonsDone(rows: readonly HomeRow[]): number {
  return rows.filter((r) => r.status.kind === "done").length;
}
