import { render } from "ink-testing-library";
import { describe, expect, test } from "vitest";
import type { QuizState } from "../../src/ui/quiz-model";
import { QuizApp } from "../../src/ui/screens/quiz-app";
import { KEY, press, settle, waitForFrame } from "../helpers/ui";
import { fakeShell, grader, PROXY, quizOf, WHERE } from "./quiz-fixtures";

/** Gives the test terminal a size and tells Ink it changed, as a window resize does. */
function resize(stdout: NodeJS.EventEmitter, columns: number, rows: number) {
  Object.defineProperty(stdout, "columns", { value: columns, configurable: true });
  Object.defineProperty(stdout, "rows", { value: rows, configurable: true });
  stdout.emit("resize");
}

describe("the quiz app", () => {
  test("below the minimum size it says so; back at 80×24 the sitting goes on where it was", async () => {
    const states: QuizState[] = [];
    const { lastFrame, stdin, stdout } = render(
      <QuizApp
        rules={{ quiz: quizOf(WHERE, PROXY), grade: grader(), exam: true }}
        lang="ko"
        ascii={false}
        newShell={() => fakeShell()}
        now={() => 0}
        onState={(s) => states.push(s)}
        onDone={() => {}}
      />,
    );
    await waitForFrame(lastFrame, (f) => f.includes("2문제 중 1번"));
    await settle();
    await press(stdin, KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes("2문제 중 2번"));
    resize(stdout, 50, 14);
    const small = await waitForFrame(lastFrame, (f) => f.includes("50×14"));
    expect(small.replace(/\s+/g, " ")).toContain("최소 60×18");
    resize(stdout, 80, 24);
    const back = await waitForFrame(lastFrame, (f) => f.includes("2문제 중 2번"));
    expect(back).toContain("[시험]");
    expect(states.at(-1)?.answered[0]?.answer).toEqual({ kind: "choice", choice: "a" });
  });
});
