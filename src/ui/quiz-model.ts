/**
 * A quiz sitting as a pure reducer: which question is up, what was answered and how it was
 * graded, how long each question took, and whether the time limit has run out. The clock is a
 * value the caller passes with every event (milliseconds), and grading is a function passed in
 * (the engine's `gradeAnswer`, or a stand-in in tests), so every sitting replays in a test.
 */
import type {
  AnsweredQuestion,
  Quiz,
  QuizAnswer,
  QuizGrade,
  QuizQuestion,
  QuizRecord,
  QuizTopic,
} from "../quiz/types";
import { unreachable } from "../sim/unreachable";

/** Judges one answer (null: unanswered); the engine's `gradeAnswer` in the app. */
export type Grader = (question: QuizQuestion, answer: QuizAnswer | null) => QuizGrade;

/** What does not change during a sitting. */
export interface QuizRules {
  readonly quiz: Quiz;
  readonly grade: Grader;
  /** Exam mode: no grade or explanation until the results. */
  readonly exam: boolean;
  /** The time limit in seconds, when there is one. */
  readonly timeLimitS?: number;
}

/** Why the sitting ended. */
export type QuizEnd =
  /** Every question was answered. */
  | "completed"
  /** The candidate chose to finish with questions left. */
  | "finished"
  /** The time limit ran out. */
  | "timeout"
  /** The candidate quit (q, Ctrl+C). */
  | "quit";

export type QuizPhase =
  /** The current question waits for an answer. */
  | { readonly kind: "asking" }
  /** The current question was just answered: its grade is shown (never in exam mode). */
  | { readonly kind: "feedback" }
  /** The sitting is over: every question has its record. */
  | {
      readonly kind: "results";
      readonly end: QuizEnd;
      /** Clock value (ms) when it ended (the limit itself after a time-out). */
      readonly at: number;
    };

export interface QuizState {
  /** Clock value (ms) when the sitting started. */
  readonly startedAt: number;
  /** Index of the question on screen. */
  readonly index: number;
  /** Clock value (ms) when the current question was shown (or shown again). */
  readonly shownAt: number;
  /** Milliseconds spent on each question before its current visit. */
  readonly spentMs: readonly number[];
  /** Each question's record once it is answered (or, at the end, left unanswered). */
  readonly answered: readonly (AnsweredQuestion | null)[];
  readonly phase: QuizPhase;
}

export type QuizEvent =
  /** The candidate answered the current question. */
  | { readonly type: "answer"; readonly answer: QuizAnswer; readonly now: number }
  /** Leave the current question unanswered for now; go to the next open one. */
  | { readonly type: "skip"; readonly now: number }
  /** Go back to the open question before this one. */
  | { readonly type: "back"; readonly now: number }
  /** From the feedback, on to the next open question (or the results). */
  | { readonly type: "continue"; readonly now: number }
  /** End now: every open question is recorded unanswered. */
  | { readonly type: "finish"; readonly now: number; readonly end: "finished" | "quit" }
  /** The clock moved: ends the sitting when the time limit is reached. */
  | { readonly type: "tick"; readonly now: number };

export function startQuiz(rules: QuizRules, now: number): QuizState {
  const n = rules.quiz.questions.length;
  return {
    startedAt: now,
    index: 0,
    shownAt: now,
    spentMs: new Array<number>(n).fill(0),
    answered: new Array<AnsweredQuestion | null>(n).fill(null),
    phase: n === 0 ? { kind: "results", end: "completed", at: now } : { kind: "asking" },
  };
}

/** Seconds left before the limit (never below 0), or null without a limit. */
export function remainingS(rules: QuizRules, state: QuizState, now: number): number | null {
  if (rules.timeLimitS === undefined) return null;
  return Math.max(0, rules.timeLimitS - (now - state.startedAt) / 1000);
}

/** Seconds since the sitting started. */
export function elapsedS(state: QuizState, now: number): number {
  return Math.max(0, (now - state.startedAt) / 1000);
}

/** Questions without a record yet. */
export function openCount(state: QuizState): number {
  return state.answered.filter((a) => a === null).length;
}

/** The first open question after `from` going forward (wrapping), or null when none is open. */
function nextOpen(state: QuizState, from: number, step: 1 | -1): number | null {
  const n = state.answered.length;
  for (let k = 1; k <= n; k++) {
    const i = (((from + step * k) % n) + n) % n;
    if (state.answered[i] === null) return i;
  }
  return null;
}

/** The time spent on the current question so far, its earlier visits included. */
function spentOnCurrent(state: QuizState, now: number): number {
  return (state.spentMs[state.index] ?? 0) + Math.max(0, now - state.shownAt);
}

/** The current visit's time added to the current question: done whenever it leaves the screen. */
function leaveCurrent(state: QuizState, now: number): QuizState {
  if (state.phase.kind !== "asking") return state;
  const spentMs = state.spentMs.map((ms, i) =>
    i === state.index ? spentOnCurrent(state, now) : ms,
  );
  return { ...state, spentMs, shownAt: now };
}

function show(state: QuizState, index: number, now: number): QuizState {
  return { ...state, index, shownAt: now, phase: { kind: "asking" } };
}

/** Every question's record: the open ones as unanswered, graded as such. */
function withUnanswered(rules: QuizRules, state: QuizState): AnsweredQuestion[] {
  return state.answered.map((a, i) => {
    if (a !== null) return a;
    const question = rules.quiz.questions[i] as QuizQuestion;
    return {
      questionId: question.id,
      answer: null,
      grade: rules.grade(question, null),
      ms: state.spentMs[i] ?? 0,
    };
  });
}

/** Every open question recorded unanswered (graded as such), and the results. */
function end(rules: QuizRules, state: QuizState, now: number, why: QuizEnd): QuizState {
  const left = leaveCurrent(state, now);
  const answered = withUnanswered(rules, left);
  return { ...left, answered, phase: { kind: "results", end: why, at: now } };
}

/** On to the next open question after the current one, or the results when none is left. */
function advance(rules: QuizRules, state: QuizState, now: number): QuizState {
  const next = nextOpen(state, state.index, 1);
  return next === null ? end(rules, state, now, "completed") : show(state, next, now);
}

function timedOut(rules: QuizRules, state: QuizState, now: number): boolean {
  const left = remainingS(rules, state, now);
  return left !== null && left <= 0;
}

export function quizReducer(rules: QuizRules, state: QuizState, event: QuizEvent): QuizState {
  if (state.phase.kind === "results") return state;
  // The limit is checked at every event, not only at ticks: an answer given after the limit
  // (the tick was late) does not count, as on paper once the time is called.
  if (timedOut(rules, state, event.now)) {
    const limitAt = state.startedAt + (rules.timeLimitS ?? 0) * 1000;
    return end(rules, state, Math.min(event.now, limitAt), "timeout");
  }
  switch (event.type) {
    case "answer": {
      if (state.phase.kind !== "asking") return state;
      const question = rules.quiz.questions[state.index] as QuizQuestion;
      const record: AnsweredQuestion = {
        questionId: question.id,
        answer: event.answer,
        grade: rules.grade(question, event.answer),
        ms: spentOnCurrent(state, event.now),
      };
      const spentMs = state.spentMs.map((ms, i) => (i === state.index ? record.ms : ms));
      const answered = state.answered.map((a, i) => (i === state.index ? record : a));
      const next: QuizState = { ...state, spentMs, answered, shownAt: event.now };
      return rules.exam
        ? advance(rules, next, event.now)
        : { ...next, phase: { kind: "feedback" } };
    }
    case "continue":
      return state.phase.kind === "feedback" ? advance(rules, state, event.now) : state;
    case "skip": {
      if (state.phase.kind !== "asking") return state;
      const next = nextOpen(state, state.index, 1);
      if (next === null) return state;
      return show(leaveCurrent(state, event.now), next, event.now);
    }
    case "back": {
      if (state.phase.kind !== "asking") return state;
      const previous = nextOpen(state, state.index, -1);
      if (previous === null) return state;
      return show(leaveCurrent(state, event.now), previous, event.now);
    }
    case "finish":
      return end(rules, state, event.now, event.end);
    case "tick":
      return state;
    default:
      return unreachable(event);
  }
}

/** The record of a sitting, for the report: every question, answered or not, in quiz order. */
export function quizRecord(
  rules: QuizRules,
  state: QuizState,
  meta: { readonly name?: string; readonly startedAt: string },
): QuizRecord {
  // A sitting not ended through the reducer (should not happen) still gives a full record.
  const answers = withUnanswered(rules, state);
  return {
    quiz: rules.quiz,
    ...(meta.name !== undefined ? { name: meta.name } : {}),
    startedAt: meta.startedAt,
    exam: rules.exam,
    ...(rules.timeLimitS !== undefined ? { timeLimitS: rules.timeLimitS } : {}),
    answers,
  };
}

/** Right answers out of questions, for one topic or the whole quiz. */
export interface Score {
  readonly correct: number;
  readonly total: number;
}

/** The score overall and by topic (topics in the order the quiz first asks them). */
export function scoreOf(
  quiz: Quiz,
  answers: readonly AnsweredQuestion[],
): { readonly overall: Score; readonly byTopic: readonly (Score & { topic: QuizTopic })[] } {
  const topics = new Map<QuizTopic, { correct: number; total: number }>();
  let correct = 0;
  quiz.questions.forEach((q, i) => {
    const right = answers[i]?.grade.correct === true;
    if (right) correct++;
    const s = topics.get(q.topic) ?? { correct: 0, total: 0 };
    s.total++;
    if (right) s.correct++;
    topics.set(q.topic, s);
  });
  return {
    overall: { correct, total: quiz.questions.length },
    byTopic: [...topics].map(([topic, s]) => ({ topic, ...s })),
  };
}
