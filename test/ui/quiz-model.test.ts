import { describe, expect, test } from "vitest";
import { wrapIndented } from "../../src/ui/quiz-lines";
import {
  elapsedS,
  openCount,
  type QuizRules,
  type QuizState,
  quizRecord,
  quizReducer,
  remainingS,
  scoreOf,
  startQuiz,
} from "../../src/ui/quiz-model";
import { FIX, grader, PROXY, quizOf, WHERE } from "./quiz-fixtures";

function rules(extra: Partial<QuizRules> = {}, calls: string[] = []): QuizRules {
  return { quiz: quizOf(WHERE, PROXY, FIX), grade: grader(calls), exam: false, ...extra };
}

const choice = (c: string) => ({ kind: "choice", choice: c }) as const;

describe("the quiz model", () => {
  test("an answer is graded at once and shown (practice), with the time spent on it", () => {
    const calls: string[] = [];
    const r = rules({}, calls);
    let s = startQuiz(r, 1000);
    expect(s.phase).toEqual({ kind: "asking" });
    s = quizReducer(r, s, { type: "answer", answer: choice("a"), now: 8000 });
    expect(s.phase).toEqual({ kind: "feedback" });
    expect(s.index).toBe(0);
    expect(s.answered[0]).toMatchObject({ questionId: "q1", answer: choice("a"), ms: 7000 });
    expect(s.answered[0]?.grade.correct).toBe(true);
    expect(calls).toEqual(['q1={"kind":"choice","choice":"a"}']);
    // Answering again while the grade is shown changes nothing.
    expect(quizReducer(r, s, { type: "answer", answer: choice("b"), now: 9000 })).toBe(s);
    s = quizReducer(r, s, { type: "continue", now: 12_000 });
    expect([s.phase.kind, s.index, s.shownAt]).toEqual(["asking", 1, 12_000]);
  });

  test("exam mode records the answer and goes straight on: no feedback phase", () => {
    const r = rules({ exam: true });
    let s = startQuiz(r, 0);
    s = quizReducer(r, s, { type: "answer", answer: choice("c"), now: 3000 });
    expect([s.phase.kind, s.index]).toEqual(["asking", 1]);
    expect(s.answered[0]?.grade.correct).toBe(false);
    // continue has nothing to do without a feedback phase.
    expect(quizReducer(r, s, { type: "continue", now: 4000 })).toBe(s);
  });

  test("skip leaves a question open and comes back to it after the last; back goes to the previous open one", () => {
    const r = rules({ exam: true });
    let s = startQuiz(r, 0);
    s = quizReducer(r, s, { type: "skip", now: 2000 });
    expect(s.index).toBe(1);
    expect(s.spentMs[0]).toBe(2000);
    s = quizReducer(r, s, { type: "answer", answer: choice("b"), now: 5000 });
    expect(s.index).toBe(2);
    expect(s.answered[1]?.ms).toBe(3000);
    s = quizReducer(r, s, { type: "back", now: 6000 });
    // q2 is answered, so back passes over it to q1.
    expect(s.index).toBe(0);
    expect(s.spentMs[2]).toBe(1000);
    s = quizReducer(r, s, { type: "skip", now: 7000 });
    expect(s.index).toBe(2);
    // Time on a question adds up over its visits.
    s = quizReducer(r, s, {
      type: "answer",
      answer: { kind: "commands", lines: ["ip route add 10.244.2.0/24 via 192.168.1.12"] },
      now: 10_000,
    });
    expect(s.answered[2]).toMatchObject({ ms: 4000, grade: { correct: true } });
    expect(s.index).toBe(0);
    s = quizReducer(r, s, { type: "answer", answer: choice("a"), now: 11_000 });
    expect(s.answered[0]?.ms).toBe(2000 + 1000 + 1000);
    expect(s.phase).toEqual({ kind: "results", end: "completed", at: 11_000 });
    expect(openCount(s)).toBe(0);
  });

  test("the last answer leads to the results after its feedback (practice)", () => {
    const r = { ...rules(), quiz: quizOf(PROXY) };
    let s = startQuiz(r, 0);
    s = quizReducer(r, s, { type: "answer", answer: choice("a"), now: 1000 });
    expect(s.phase.kind).toBe("feedback");
    s = quizReducer(r, s, { type: "continue", now: 5000 });
    expect(s.phase).toEqual({ kind: "results", end: "completed", at: 5000 });
  });

  test("skipping the only open question keeps it on screen", () => {
    const r = { ...rules(), quiz: quizOf(PROXY) };
    const s = quizReducer(r, startQuiz(r, 0), { type: "skip", now: 1000 });
    expect([s.index, s.phase.kind, s.spentMs[0]]).toEqual([0, "asking", 1000]);
  });

  test("finish records every open question unanswered, graded with a null answer", () => {
    const calls: string[] = [];
    const r = rules({}, calls);
    let s = startQuiz(r, 0);
    s = quizReducer(r, s, { type: "answer", answer: choice("a"), now: 1000 });
    s = quizReducer(r, s, { type: "continue", now: 2000 });
    s = quizReducer(r, s, { type: "finish", end: "finished", now: 4500 });
    expect(s.phase).toEqual({ kind: "results", end: "finished", at: 4500 });
    expect(s.answered.map((a) => a?.answer ?? null)).toEqual([choice("a"), null, null]);
    expect(s.answered[1]?.ms).toBe(2500);
    expect(s.answered[2]?.ms).toBe(0);
    expect(calls.slice(1)).toEqual(["q2=null", "q3=null"]);
    // Nothing moves once the results are up.
    expect(quizReducer(r, s, { type: "skip", now: 9000 })).toBe(s);
  });

  test("quit ends the sitting the same way, and the record holds what was answered", () => {
    const r = rules({ timeLimitS: 600 });
    let s = startQuiz(r, 0);
    s = quizReducer(r, s, { type: "answer", answer: choice("b"), now: 1000 });
    s = quizReducer(r, s, { type: "finish", end: "quit", now: 2000 });
    expect(s.phase).toMatchObject({ kind: "results", end: "quit" });
    const record = quizRecord(r, s, { name: "Mina", startedAt: "2026-11-29T10:00:00.000Z" });
    expect(record).toMatchObject({
      name: "Mina",
      exam: false,
      timeLimitS: 600,
      startedAt: "2026-11-29T10:00:00.000Z",
    });
    expect(
      record.answers.map((a) => [a.questionId, a.answer?.kind ?? null, a.grade.correct]),
    ).toEqual([
      ["q1", "choice", false],
      ["q2", null, false],
      ["q3", null, false],
    ]);
  });

  test("the time limit: the clock counts down, and at 0 every open question is unanswered", () => {
    const r = rules({ exam: true, timeLimitS: 60 });
    let s: QuizState = startQuiz(r, 10_000);
    expect(remainingS(r, s, 10_000)).toBe(60);
    expect(remainingS(r, s, 40_000)).toBe(30);
    expect(elapsedS(s, 40_000)).toBe(30);
    s = quizReducer(r, s, { type: "answer", answer: choice("a"), now: 20_000 });
    s = quizReducer(r, s, { type: "tick", now: 69_999 });
    expect(s.phase.kind).toBe("asking");
    s = quizReducer(r, s, { type: "tick", now: 70_000 });
    expect(s.phase).toEqual({ kind: "results", end: "timeout", at: 70_000 });
    expect(s.answered.map((a) => a?.answer?.kind ?? null)).toEqual(["choice", null, null]);
    // q2 was on screen from the first answer to the limit.
    expect(s.answered[1]?.ms).toBe(50_000);
    expect(remainingS(r, s, 90_000)).toBe(0);
  });

  test("an answer that arrives after the limit does not count: the time ran out first", () => {
    const r = rules({ exam: true, timeLimitS: 30 });
    let s = startQuiz(r, 0);
    s = quizReducer(r, s, { type: "answer", answer: choice("a"), now: 31_000 });
    expect(s.phase).toEqual({ kind: "results", end: "timeout", at: 30_000 });
    expect(s.answered[0]).toMatchObject({ answer: null, ms: 30_000 });
  });

  test("without a limit there is no countdown", () => {
    const r = rules();
    const s = quizReducer(r, startQuiz(r, 0), { type: "tick", now: 10_000_000 });
    expect(remainingS(r, s, 10_000_000)).toBeNull();
    expect(s.phase.kind).toBe("asking");
  });

  test("the score counts right answers overall and by topic, in the quiz's order of topics", () => {
    const r = rules({ exam: true });
    let s = startQuiz(r, 0);
    s = quizReducer(r, s, { type: "answer", answer: choice("a"), now: 1 });
    s = quizReducer(r, s, { type: "answer", answer: choice("a"), now: 2 });
    s = quizReducer(r, s, { type: "finish", end: "finished", now: 3 });
    const score = scoreOf(
      r.quiz,
      s.answered.filter((a) => a !== null),
    );
    expect(score.overall).toEqual({ correct: 1, total: 3 });
    expect(score.byTopic).toEqual([
      { topic: "flannel", correct: 1, total: 1 },
      { topic: "services", correct: 0, total: 1 },
      { topic: "calico", correct: 0, total: 1 },
    ]);
  });
});

describe("quiz text layout", () => {
  test("indented lines keep their indent when wrapped; blank lines stay", () => {
    const text = "Cluster: Flannel\n  node subnets 192.168.52.0/24, 192.168.220.0/24\n\nthen";
    expect(wrapIndented(text, 30)).toEqual([
      "Cluster: Flannel",
      "  node subnets",
      "  192.168.52.0/24,",
      "  192.168.220.0/24",
      "",
      "then",
    ]);
  });
});
