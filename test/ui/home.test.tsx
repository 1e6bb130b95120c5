import { describe, expect, test } from "vitest";
import { recordAttempt } from "../../src/progress/record";
import { emptyProgress } from "../../src/progress/schema";
import { continuePoint, homeRows, type LessonEntry } from "../../src/ui/home-model";
import { Home } from "../../src/ui/screens/home";
import { widthOf } from "../../src/ui/text";
import {
  KEY,
  memoryProgress,
  press,
  pressEach,
  renderUi,
  settle,
  waitForFrame,
} from "../helpers/ui";

const at = new Date("2026-11-29T09:00:00Z");

function lesson(id: string, order: number, prerequisites: string[] = []): LessonEntry {
  return {
    id,
    order,
    minutes: 10 + order,
    prerequisites,
    title: { en: `Lesson ${id}`, ko: `레슨 ${id}` },
    summary: { en: `All about ${id}.`, ko: `${id}에 대한 모든 것.` },
    stepIds: ["a", "b"],
  };
}

const lessons = [lesson("one", 1), lesson("two", 2, ["one"]), lesson("three", 3)];

describe("what the home screen lists", () => {
  test("a lesson is locked until its prerequisites are done, and opens once they are", () => {
    const p = emptyProgress();
    expect(homeRows(lessons, p).map((r) => r.status.kind)).toEqual(["new", "locked", "new"]);
    recordAttempt(p, "one", "a", true, at);
    recordAttempt(p, "one", "b", true, at);
    expect(homeRows(lessons, p).map((r) => r.status.kind)).toEqual(["done", "new", "new"]);
  });

  test("continue goes back to the step the learner was on in the last lesson", () => {
    const p = emptyProgress();
    recordAttempt(p, "three", "a", true, at);
    p.lastLesson = "three";
    const entry = p.lessons.three;
    if (entry) entry.current = "b";
    const point = continuePoint(homeRows(lessons, p), p);
    expect([point?.lesson.id, point?.stepIndex, point?.fresh]).toEqual(["three", 1, false]);
  });

  test("with nothing started, the first choice starts the first lesson", () => {
    const p = emptyProgress();
    const point = continuePoint(homeRows(lessons, p), p);
    expect([point?.lesson.id, point?.fresh]).toEqual(["one", true]);
  });
});

describe("the home screen", () => {
  test("↓ ↓ ↓ and Enter arriving in one chunk open the row the pointer reached, not the first", async () => {
    const opened: string[] = [];
    const { lastFrame, stdin } = renderUi(
      <Home
        lessons={lessons}
        notices={[]}
        onOpen={(l, i) => opened.push(`${l.id}@${i}`)}
        onToggleLang={() => {}}
        onQuit={() => {}}
      />,
    );
    await waitForFrame(lastFrame, (f) => f.includes("Lesson three"));
    await settle();
    // The list: start, one, two (locked), three.
    stdin.write(`${KEY.down}${KEY.down}${KEY.down}${KEY.enter}`);
    await waitForFrame(lastFrame, (f) => /❯.*3 Lesson three/.test(f));
    expect(opened).toEqual(["three@0"]);
  });

  test("shows progress, the lessons with their status, and opens the selected one", async () => {
    const progress = memoryProgress();
    progress.update((p) => {
      recordAttempt(p, "one", "a", true, at);
      p.lastLesson = "one";
      const e = p.lessons.one;
      if (e) e.current = "b";
    });
    const opened: string[] = [];
    const { lastFrame, stdin } = renderUi(
      <Home
        lessons={lessons}
        notices={[]}
        onOpen={(l, i) => opened.push(`${l.id}@${i}`)}
        onToggleLang={() => {}}
        onQuit={() => {}}
      />,
      { progress },
    );
    const frame = await waitForFrame(lastFrame, (f) => f.includes("Continue"));
    expect(frame).toContain("0 of 3 lessons done");
    expect(frame).toContain("Continue: Lesson one (step 2 of 2)");
    expect(frame).toContain("1/2");
    expect(frame).toContain("after lesson 1");
    await settle();
    await press(stdin, KEY.enter);
    await pressEach(stdin, lastFrame, KEY.down, KEY.down);
    await press(stdin, KEY.enter);
    // the locked lesson does not open; the third does
    await pressEach(stdin, lastFrame, KEY.down);
    await press(stdin, KEY.enter);
    expect(opened).toEqual(["one@1", "three@0"]);
  });

  test("in Korean every row fits 80 columns", async () => {
    const { lastFrame } = renderUi(
      <Home
        lessons={lessons}
        notices={[]}
        onOpen={() => {}}
        onToggleLang={() => {}}
        onQuit={() => {}}
      />,
      { lang: "ko" },
    );
    const frame = await waitForFrame(lastFrame, (f) => f.includes("레슨"));
    expect(frame).toContain("시작하기: 레슨 one");
    for (const line of frame.split("\n")) expect(widthOf(line)).toBeLessThanOrEqual(80);
  });

  test("? shows every key of the screen, q in 한글 mode (ㅂ) quits", async () => {
    let quit = 0;
    const { lastFrame, stdin } = renderUi(
      <Home
        lessons={lessons}
        notices={[]}
        onOpen={() => {}}
        onToggleLang={() => {}}
        onQuit={() => quit++}
      />,
    );
    await waitForFrame(lastFrame, (f) => f.includes("Lesson one"));
    await press(stdin, "?");
    const help = await waitForFrame(lastFrame, (f) => f.includes("Keys on this screen"));
    expect(help).toContain("compare CNIs");
    expect(help).toContain("Ctrl+C");
    await press(stdin, KEY.escape);
    await waitForFrame(lastFrame, (f) => f.includes("Lesson one"));
    await press(stdin, "ㅂ");
    expect(quit).toBe(1);
  });
});

describe("resetting a lesson from the home screen", () => {
  test("r asks first; n keeps the progress, y forgets it", async () => {
    const progress = memoryProgress();
    progress.update((p) => {
      recordAttempt(p, "three", "a", true, at);
    });
    const { lastFrame, stdin } = renderUi(
      <Home
        lessons={lessons}
        notices={[]}
        onOpen={() => {}}
        onToggleLang={() => {}}
        onQuit={() => {}}
      />,
      { progress },
    );
    await waitForFrame(lastFrame, (f) => f.includes("Lesson three"));
    // The list: continue, one, two, three.
    await settle();
    await pressEach(stdin, lastFrame, KEY.down, KEY.down, KEY.down);
    await press(stdin, "r");
    await waitForFrame(lastFrame, (f) => f.includes("Forget your progress in Lesson three?"));
    await press(stdin, "n");
    expect(progress.data.lessons.three?.steps.a?.done).toBe(true);
    await press(stdin, "r", "y");
    await waitForFrame(lastFrame, (f) => !f.includes("Forget your progress"));
    expect(progress.data.lessons.three).toBeUndefined();
  });
});
