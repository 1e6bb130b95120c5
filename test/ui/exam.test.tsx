import { render } from "ink-testing-library";
import { describe, expect, test } from "vitest";
import { openExam } from "../../src/progress/record";
import { emptyProgress } from "../../src/progress/schema";
import { App, type ExamSession } from "../../src/ui/app";
import type { LessonEntry } from "../../src/ui/home-model";
import type { LessonView, StepView, VerdictView } from "../../src/ui/lesson-view";
import { LessonScreen } from "../../src/ui/screens/lesson";
import { KEY, memoryProgress, press, renderUi, settle, waitForFrame } from "../helpers/ui";

const both = (en: string, ko = en) => ({ en, ko });
const hints = [both("Look at node1's table."), both("ip route"), both("Add it via flannel.1.")];
const NOW = Date.parse("2026-11-29T10:00:00Z");

function verdict(passed: boolean, message: string): VerdictView {
  return { passed, message: both(message), path: [], trace: null };
}

const steps: StepView[] = [
  {
    kind: "predict",
    id: "which-port",
    prompt: both("Which UDP port?"),
    goal: null,
    hints,
    answer: "p8472",
    explanation: both("Flannel's VXLAN port."),
    options: [
      { id: "p4789", label: both("4789"), description: null },
      { id: "p8472", label: both("8472"), description: null },
    ],
  },
];

function lesson(checked: string[]): LessonView {
  return {
    id: "overlay",
    title: both("Overlay"),
    steps,
    check(stepId, answer) {
      checked.push(`${stepId}=${answer}`);
      return answer === "p8472" ? verdict(true, "right") : verdict(false, "the trace shows 8472");
    },
  };
}

describe("the lesson screen in an exam", () => {
  test("h and a say they are off, no hint is counted, and a wrong answer points to no hint", async () => {
    const progress = memoryProgress();
    const checked: string[] = [];
    const { lastFrame, stdin } = renderUi(
      <LessonScreen
        lesson={lesson(checked)}
        startAt={0}
        onExit={() => {}}
        exam={{ deadline: null }}
      />,
      { progress },
    );
    let frame = await waitForFrame(lastFrame, (f) => f.includes("Which UDP port?"));
    expect(frame).not.toContain("h hint");
    await settle();
    await press(stdin, "h");
    await waitForFrame(lastFrame, (f) => f.includes("Hints are off in this exam."));
    expect(progress.data.lessons.overlay?.steps["which-port"]?.hints ?? 0).toBe(0);
    await press(stdin, KEY.enter);
    frame = await waitForFrame(lastFrame, (f) => f.includes("Not yet"));
    expect(frame).not.toContain("Next hint");
    await press(stdin, KEY.down);
    // The select list takes a key only once it has drawn the last: wait for the pointer to move.
    await waitForFrame(lastFrame, (f) => f.includes("❯ 8472"));
    await settle();
    await press(stdin, KEY.enter);
    frame = await waitForFrame(lastFrame, (f) => f.includes("Correct"));
    await press(stdin, "a");
    frame = await waitForFrame(lastFrame, (f) =>
      f.includes("The reference answer is off in this exam."),
    );
    expect(frame).not.toContain("Reference answer");
    expect(checked).toEqual(["which-port=p4789", "which-port=p8472"]);
    expect(progress.data.lessons.overlay?.steps["which-port"]?.attempts).toBe(2);
  });

  test("after the deadline no answer is checked, and a reset keeps the attempts the report counts", async () => {
    const progress = memoryProgress();
    progress.update((p) => {
      p.lessons.overlay = {
        steps: { "which-port": { done: false, hints: 0, attempts: 3, seconds: 0 } },
      };
    });
    const checked: string[] = [];
    const { lastFrame, stdin } = renderUi(
      <LessonScreen
        lesson={lesson(checked)}
        startAt={0}
        onExit={() => {}}
        exam={{ deadline: NOW - 1000 }}
      />,
      { progress },
    );
    await waitForFrame(lastFrame, (f) => f.includes("Which UDP port?"));
    await settle();
    await press(stdin, KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes("Time is up: this answer was not checked."));
    expect(checked).toEqual([]);
    await press(stdin, "r", "y");
    await waitForFrame(lastFrame, (f) => f.includes("keeps your attempts"));
    expect(progress.data.lessons.overlay?.steps["which-port"]?.attempts).toBe(3);
  });
});

const entries: LessonEntry[] = [
  {
    id: "overlay",
    order: 1,
    minutes: 10,
    prerequisites: [],
    title: both("Overlay"),
    summary: both("A pack lesson."),
    stepIds: ["which-port"],
    fromPack: true,
  },
];

function session(deadline: number | null): ExamSession {
  return {
    startedAt: NOW - 60_000,
    deadline,
    exercises: new Map([["overlay", ["which-port"]]]),
    exportCommand: (name) =>
      `podnet-learn export-progress --name "${name}" --lessons pack --exam > result.json`,
    pack: "8c7f3283",
  };
}

function app(exam: ExamSession, clock: { now: number }, progress = memoryProgress()) {
  const p = emptyProgress();
  openExam(p, "8c7f3283".repeat(8), 120, new Date(NOW - 60_000));
  progress.update((q) => Object.assign(q, p));
  const view = render(
    <App
      lessons={entries}
      renderLesson={() => null}
      renderCompare={() => null}
      lang="en"
      ascii={false}
      progress={progress}
      notices={[]}
      now={() => new Date(clock.now)}
      exam={exam}
      packLabel="pack"
    />,
  );
  return { ...view, progress };
}

describe("the tutorial in an exam", () => {
  test("shows the pack and the time left above the home screen, which marks the pack's lessons", async () => {
    const { lastFrame } = app(session(NOW + 90_000), { now: NOW });
    const frame = await waitForFrame(lastFrame, (f) => f.includes("left"));
    expect(frame).toContain("EXAM 8c7f3283 · no hints, no reference answers");
    expect(frame).toContain("1:30 left");
    expect(frame).toContain("+ lessons from pack");
    expect(frame).toMatch(/ \+1 Overlay/);
  });

  test("when the time runs out, answering stops: the result and the hand-in command show, and the end is saved", async () => {
    const clock = { now: NOW };
    const { lastFrame, progress } = app(session(NOW + 2_000), clock);
    await waitForFrame(lastFrame, (f) => f.includes("0:02 left"));
    clock.now = NOW + 2_000;
    const frame = await waitForFrame(lastFrame, (f) => f.includes("Time is up"), 4000);
    expect(frame).toContain("You passed 0 of 1 exercises; 0 of 1 lessons finished.");
    expect(frame).toContain(
      'podnet-learn export-progress --name "YOUR NAME" --lessons pack --exam',
    );
    expect(progress.data.exam?.endedAt).toBe(new Date(NOW + 2_000).toISOString());
  });

  test("reopened after the deadline, it opens on the result, and r on the home screen cannot forget progress", async () => {
    const { lastFrame, progress } = app(session(NOW - 1), { now: NOW });
    await waitForFrame(lastFrame, (f) => f.includes("Time is up"));
    // It ended at the deadline, not when this run noticed.
    expect(progress.data.exam?.endedAt).toBe(new Date(NOW - 1).toISOString());
    const open = app(session(null), { now: NOW });
    const frame = await waitForFrame(open.lastFrame, (f) => f.includes("so far"));
    expect(frame).toContain("1:00 so far");
    await settle();
    await press(open.stdin, KEY.down, "r");
    await waitForFrame(open.lastFrame, (f) =>
      f.includes("In an exam, progress cannot be forgotten."),
    );
  });
});
