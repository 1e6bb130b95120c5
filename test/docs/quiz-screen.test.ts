/**
 * docs/quiz-screen.md shows a screen captured from `quiz --seed 7 --count 3 --exam`: the quiz a
 * seed draws changes when the generator or the fault catalogue does, and the page must follow.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { generateQuiz } from "../../src/quiz/generate";
import { QUIZ_TOPICS } from "../../src/quiz/types";

const page = readFileSync(join(__dirname, "..", "..", "docs", "quiz-screen.md"), "utf8");
const screen = /```\n(Question 2 of 3[\s\S]*?)\n```/.exec(page)?.[1] ?? "";

describe("docs/quiz-screen.md", () => {
  test("its screen is seed 7's second question as the generator draws it now", () => {
    expect(screen).not.toBe("");
    const quiz = generateQuiz({
      seed: 7,
      count: 3,
      topics: [...QUIZ_TOPICS],
      difficulty: "medium",
    });
    const question = quiz.questions[1];
    expect(question).toBeDefined();
    if (!question) return;
    expect(screen).toContain(`Question 2 of 3 · ${question.topic}`);
    // The prompt, compared word by word: the screen wraps it at 80 columns.
    const words = (text: string) => text.split(/\s+/).filter((w) => w !== "");
    expect(words(screen).join(" ")).toContain(words(question.prompt.en).join(" "));
    for (const choice of question.choices) expect(screen).toContain(choice.label.en);
  });
});
