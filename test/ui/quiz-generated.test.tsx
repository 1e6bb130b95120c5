/**
 * A generated quiz through the screen, graded by the engine: what the candidate sees after each
 * answer is what `gradeAnswer` says, and the record holds what was typed and chosen.
 */
import { describe, expect, test } from "vitest";
import { generateQuiz } from "../../src/quiz/generate";
import { gradeAnswer } from "../../src/quiz/grade";
import { repairFrom } from "../../src/quiz/kinds/fix-it";
import { quizShell } from "../../src/quiz/shell";
import type { QuizQuestion, QuizTopic } from "../../src/quiz/types";
import type { QuizState } from "../../src/ui/quiz-model";
import { QuizScreen } from "../../src/ui/screens/quiz";
import { widthOf } from "../../src/ui/text";
import { KEY, press, renderUi, settle, waitForFrame } from "../helpers/ui";

const ALL_TOPICS = ["flannel", "calico", "cilium", "weave", "services"] as const;

/** The position (1-based, as the digit keys pick) of the choice the engine grades right or wrong. */
function choiceKey(question: QuizQuestion, right: boolean): string {
  const i = question.choices.findIndex(
    (c) => gradeAnswer(question, { kind: "choice", choice: c.id }).correct === right,
  );
  expect(i).toBeGreaterThanOrEqual(0);
  return String(i + 1);
}

function sitting(seed: number, exam: boolean, topics: readonly QuizTopic[] = ALL_TOPICS) {
  const quiz = generateQuiz({ seed, count: 3, topics: [...topics], difficulty: "medium" });
  const states: QuizState[] = [];
  const view = renderUi(
    <QuizScreen
      rules={{ quiz, grade: gradeAnswer, exam }}
      newShell={quizShell}
      now={() => 0}
      onState={(s) => states.push(s)}
      onDone={() => {}}
    />,
  );
  return { ...view, quiz, states };
}

describe("a generated quiz through the screen", () => {
  test("seed 5 on Flannel: the fix-it repaired in the node shell passes, a right and a wrong choice follow", async () => {
    // One topic takes its kinds in turn: fix-it, where-dropped, missing-entry for this seed.
    const { lastFrame, stdin, quiz, states } = sitting(5, false, ["flannel"]);
    const [fix, second, third] = quiz.questions as [QuizQuestion, QuizQuestion, QuizQuestion];
    expect(fix.kind).toBe("fix-it");
    let frame = await waitForFrame(lastFrame, (f) => f.includes(`${fix.shellNode} $`));
    expect(frame).toContain("Question 1 of 3");
    for (const line of frame.split("\n")) expect(widthOf(line)).toBeLessThanOrEqual(80);
    await settle();
    // Typed as a paste: each line break runs the line before it.
    const repair = repairFrom(fix);
    stdin.write(`${repair.join("\r")}\r`);
    await waitForFrame(lastFrame, (f) => f.includes(repair.at(-1) as string));
    await press(stdin, ..."check".split(""), KEY.enter);
    frame = await waitForFrame(lastFrame, (f) => f.includes("✓ Correct"));
    const expected = gradeAnswer(fix, { kind: "commands", lines: repair });
    expect(expected.correct).toBe(true);
    expect(frame).toContain(`Expected: ${expected.expected.en.split("\n")[0]}`);

    await settle();
    await press(stdin, KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes("Question 2 of 3"));
    await settle();
    await press(stdin, choiceKey(second, true));
    await waitForFrame(lastFrame, (f) => f.includes("✓ Correct"));
    await settle();
    await press(stdin, KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes("Question 3 of 3"));
    await settle();
    await press(stdin, choiceKey(third, false));
    frame = await waitForFrame(lastFrame, (f) => f.includes("✗ Wrong"));
    expect(frame).toContain("Enter: the results");
    await settle();
    await press(stdin, KEY.enter);
    frame = await waitForFrame(lastFrame, (f) => f.includes("Results"));
    expect(frame).toContain("Score: 2 of 3 (67%)");

    const answered = states.at(-1)?.answered ?? [];
    expect(answered.map((a) => a?.grade.correct)).toEqual([true, true, false]);
    expect(answered[0]?.answer).toEqual({ kind: "commands", lines: repair });
  }, 20_000);

  test("seed 7 in exam mode: no grade until the results, then the engine's explanations", async () => {
    const { lastFrame, stdin, quiz } = sitting(7, true);
    const [first, second, third] = quiz.questions as [QuizQuestion, QuizQuestion, QuizQuestion];
    await waitForFrame(lastFrame, (f) => f.includes("Question 1 of 3"));
    await settle();
    await press(stdin, choiceKey(first, true));
    let frame = await waitForFrame(lastFrame, (f) => f.includes("Question 2 of 3"));
    expect(frame).not.toContain("Correct");
    await settle();
    await press(stdin, choiceKey(second, false));
    frame = await waitForFrame(lastFrame, (f) => f.includes("Question 3 of 3"));
    expect(frame).not.toContain("Wrong");
    await settle();
    await press(stdin, choiceKey(third, true));
    frame = await waitForFrame(lastFrame, (f) => f.includes("Results"));
    expect(frame).toContain("Score: 2 of 3 (67%)");
    expect(frame).toMatch(/2\. +✗ Wrong/);
    // The engine's explanation of the wrong answer is in the results, further down.
    const why = gradeAnswer(second, {
      kind: "choice",
      choice: second.choices[Number(choiceKey(second, false)) - 1]?.id ?? "",
    }).explanation.en.split("\n")[0] as string;
    for (let i = 0; i < 40 && !(lastFrame() ?? "").includes(why.slice(0, 40)); i++)
      await press(stdin, " ");
    expect(lastFrame()).toContain(why.slice(0, 40));
  }, 20_000);
});
