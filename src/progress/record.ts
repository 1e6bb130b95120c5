/**
 * Changes to progress, as pure functions on the data (the store applies them to the file as it
 * is on disk at that moment). Times come in as arguments: the clock belongs to the caller.
 */
import type { LessonProgress, Progress, StepProgress } from "./schema";

/**
 * Opens an exam on this progress (an exam's own file): the first opening starts the clock;
 * reopening the same pack's exam keeps it, so quitting and coming back gains no time.
 */
export function openExam(
  progress: Progress,
  pack: string,
  timeLimitS: number | null,
  at: Date,
): void {
  if (progress.exam?.pack === pack) return;
  progress.exam = { pack, startedAt: at.toISOString(), timeLimitS };
}

/** The exam's time ran out: answering stops. */
export function endExam(progress: Progress, at: Date): void {
  if (progress.exam && progress.exam.endedAt === undefined)
    progress.exam.endedAt = at.toISOString();
}

function lessonOf(progress: Progress, lesson: string): LessonProgress {
  let entry = progress.lessons[lesson];
  if (!entry) {
    entry = { steps: {} };
    progress.lessons[lesson] = entry;
  }
  return entry;
}

function stepOf(progress: Progress, lesson: string, step: string): StepProgress {
  const entry = lessonOf(progress, lesson);
  let s = entry.steps[step];
  if (!s) {
    s = { done: false, hints: 0, attempts: 0, seconds: 0 };
    entry.steps[step] = s;
  }
  return s;
}

/** The learner is on this step now: where "continue" takes them next time. */
export function enterStep(progress: Progress, lesson: string, step: string): void {
  lessonOf(progress, lesson).current = step;
  progress.lastLesson = lesson;
}

/** A hint was shown; `hint` is its number (1-3). Only the highest counts. */
export function recordHint(progress: Progress, lesson: string, step: string, hint: number): void {
  const s = stepOf(progress, lesson, step);
  s.hints = Math.max(s.hints, hint);
}

/** Time spent on a step, added when the learner leaves it. */
export function addTime(progress: Progress, lesson: string, step: string, seconds: number): void {
  if (seconds > 0) stepOf(progress, lesson, step).seconds += seconds;
}

/**
 * An answer was judged. A pass marks the step done (once); the streak counts exercises passed
 * without a hint and breaks on a pass that needed one.
 */
export function recordAttempt(
  progress: Progress,
  lesson: string,
  step: string,
  passed: boolean,
  at: Date,
): void {
  const s = stepOf(progress, lesson, step);
  s.attempts += 1;
  if (!passed || s.done) return;
  s.done = true;
  s.doneAt = at.toISOString();
  progress.streak = s.hints === 0 ? progress.streak + 1 : 0;
}

/** A read step read to the end. */
export function markRead(progress: Progress, lesson: string, step: string, at: Date): void {
  const s = stepOf(progress, lesson, step);
  if (s.done) return;
  s.done = true;
  s.doneAt = at.toISOString();
}

/** Marks the lesson finished when every one of `stepIds` is done. */
export function finishIfComplete(
  progress: Progress,
  lesson: string,
  stepIds: readonly string[],
  at: Date,
): boolean {
  const entry = lessonOf(progress, lesson);
  const complete = stepIds.every((id) => entry.steps[id]?.done === true);
  if (complete && !entry.finishedAt) entry.finishedAt = at.toISOString();
  return complete;
}

/** Forgets one step (resetting an exercise). */
export function resetStep(progress: Progress, lesson: string, step: string): void {
  const entry = progress.lessons[lesson];
  if (!entry) return;
  delete entry.steps[step];
  delete entry.finishedAt;
}

/** Forgets one lesson, or every lesson when `lesson` is null; the language setting stays. */
export function resetLessons(progress: Progress, lesson: string | null): void {
  if (lesson === null) {
    progress.lessons = {};
    progress.streak = 0;
    delete progress.lastLesson;
    return;
  }
  delete progress.lessons[lesson];
  if (progress.lastLesson === lesson) delete progress.lastLesson;
}
