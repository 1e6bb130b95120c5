import { describe, expect, it } from "vitest";
import { generateQuiz } from "../../src/quiz/generate";
import { gradeAnswer } from "../../src/quiz/grade";
import { repairFrom } from "../../src/quiz/kinds/fix-it";
import { reportJson, reportMarkdown } from "../../src/quiz/report";
import type { AnsweredQuestion, QuizAnswer, QuizRecord } from "../../src/quiz/types";
import { rightChoices } from "./helpers";

/** A sitting where every odd question is answered right, every even one wrong, the last skipped. */
function sitting(): QuizRecord {
  const quiz = generateQuiz({
    seed: 7,
    count: 5,
    topics: ["flannel", "services"],
    difficulty: "easy",
  });
  const answers: AnsweredQuestion[] = quiz.questions.map((q, i) => {
    let answer: QuizAnswer | null;
    if (i === quiz.questions.length - 1) answer = null;
    else if (q.kind === "fix-it")
      answer = { kind: "commands", lines: i % 2 === 0 ? repairFrom(q) : ["ip route"] };
    else {
      const right = rightChoices(q)[0] as string;
      const wrong = q.choices.find((c) => c.id !== right)?.id as string;
      answer = { kind: "choice", choice: i % 2 === 0 ? right : wrong };
    }
    return { questionId: q.id, answer, grade: gradeAnswer(q, answer), ms: 1000 * (i + 1) };
  });
  return {
    quiz,
    name: "alice",
    startedAt: "2026-11-29T10:00:00.000Z",
    exam: true,
    timeLimitS: 600,
    answers,
  };
}

describe("the quiz report", () => {
  const record = sitting();

  it("is JSON of format podnet-learn-quiz 1 with the sitting, the score and every question", () => {
    const json = reportJson(record, "en");
    expect(Object.keys(json)).toEqual([
      "format",
      "formatVersion",
      "name",
      "startedAt",
      "seed",
      "count",
      "topics",
      "difficulty",
      "exam",
      "timeLimitS",
      "score",
      "byTopic",
      "questions",
    ]);
    expect(json).toMatchObject({
      format: "podnet-learn-quiz",
      formatVersion: 1,
      name: "alice",
      startedAt: "2026-11-29T10:00:00.000Z",
      seed: 7,
      count: 5,
      topics: ["flannel", "services"],
      difficulty: "easy",
      exam: true,
      timeLimitS: 600,
    });
    // q1, q3 right; q2, q4 wrong; q5 skipped. flannel has q1, q3, q5; services q2, q4.
    expect(json.score).toEqual({ correct: 2, total: 5 });
    expect(json.byTopic).toEqual({
      flannel: { correct: 2, total: 3 },
      services: { correct: 0, total: 2 },
    });
    expect(json.questions.map((q) => [q.id, q.correct, q.ms])).toEqual([
      ["q1", true, 1000],
      ["q2", false, 2000],
      ["q3", true, 3000],
      ["q4", false, 4000],
      ["q5", false, 5000],
    ]);
    const [first, , , , last] = json.questions;
    expect(Object.keys(first ?? {})).toEqual([
      "id",
      "kind",
      "topic",
      "prompt",
      "answer",
      "correct",
      "expected",
      "explanation",
      "ms",
    ]);
    expect(last?.answer).toBeNull();
    for (const [i, q] of json.questions.entries()) {
      const question = record.quiz.questions[i];
      expect(q.prompt).toBe(question?.prompt.en);
      expect(q.expected).toBe(record.answers[i]?.grade.expected.en);
      expect(q.explanation).toBe(record.answers[i]?.grade.explanation.en);
      const answer = record.answers[i]?.answer;
      if (answer?.kind === "choice") expect(q.answer).toBe(answer.choice);
      if (answer?.kind === "commands") expect(q.answer).toEqual(answer.lines);
    }
  });

  it("speaks the language asked for", () => {
    const json = reportJson(record, "ko");
    expect(json.questions[0]?.prompt).toBe(record.quiz.questions[0]?.prompt.ko);
    expect(reportMarkdown(record, "ko")).toContain("점수: **2/5** (40%)");
  });

  it("is Markdown with the candidate, the seed, the score by topic and each question", () => {
    const md = reportMarkdown(record, "en");
    expect(md).toContain("- Candidate: alice");
    expect(md).toContain("- Seed: 7 (difficulty easy; topics flannel, services)");
    expect(md).toContain("- Mode: exam, time limit 600 s");
    expect(md).toContain("- Score: **2/5** (40%)");
    expect(md).toContain("| flannel | 2 | 3 |");
    expect(md).toContain("| services | 0 | 2 |");
    expect(md).toMatch(/^## q1 \(\S+, flannel\): ✓ right, 1\.0 s$/m);
    expect(md).toMatch(/^## q5 \(\S+, flannel\): ✗ wrong, 5\.0 s$/m);
    expect(md).toContain("Answer given: `(no answer)`");
  });
});
