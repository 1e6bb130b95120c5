import { describe, expect, test } from "vitest";
import type { LessonView, StepView, VerdictView } from "../../src/ui/lesson-view";
import { LessonScreen } from "../../src/ui/screens/lesson";
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

const both = (en: string, ko = en) => ({ en, ko });

const hints = [
  both("Look at node1's table."),
  both("ip route"),
  both("Add the route via flannel.1."),
];

function verdict(passed: boolean, message: string): VerdictView {
  return {
    passed,
    message: both(message),
    path: passed ? ["pod-a", "node1", "node2", "pod-b"] : [],
    trace: null,
  };
}

const steps: StepView[] = [
  { kind: "read", id: "intro", text: both("Packets leave the pod by eth0."), diagram: null },
  {
    kind: "route",
    id: "add-route",
    prompt: both("Give node1 its route to node2's pods."),
    goal: both("a ping from pod-a reaches pod-b and the reply comes back"),
    hints,
    answer: "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
    explanation: both("flannel.1 carries it to node2."),
    node: "node1",
    routeTable: () => "10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1 \n",
    parse: (text) =>
      text.startsWith("10.")
        ? null
        : `Error: any valid prefix is expected rather than "${text.split(" ")[0]}".`,
  },
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
    id: "flannel-vxlan",
    title: both("Flannel VXLAN", "Flannel VXLAN 오버레이"),
    steps,
    check(stepId, answer) {
      checked.push(`${stepId}=${answer}`);
      if (stepId === "add-route")
        return answer.includes("onlink")
          ? verdict(true, "delivered to pod-b")
          : verdict(false, "refused: Error: Nexthop has invalid gateway.");
      return answer === "p8472" ? verdict(true, "right") : verdict(false, "the trace shows 8472");
    },
  };
}

describe("the lesson screen", () => {
  test("a lesson that ends with a read step is finished by → on it, and says so", async () => {
    const progress = memoryProgress();
    const base = lesson([]);
    const [intro, , predict] = base.steps as [StepView, StepView, StepView];
    const view: LessonView = { ...base, steps: [predict, { ...intro, id: "summary" }] };
    const { lastFrame, stdin } = renderUi(
      <LessonScreen lesson={view} startAt={0} onExit={() => {}} />,
      { progress },
    );
    await waitForFrame(lastFrame, (f) => f.includes("step 1 of 2"));
    await settle();
    await press(stdin, "2");
    await waitForFrame(lastFrame, (f) => f.includes("Correct"));
    await press(stdin, KEY.right);
    await waitForFrame(lastFrame, (f) => f.includes("step 2 of 2"));
    expect(progress.data.lessons["flannel-vxlan"]?.finishedAt).toBeUndefined();
    await settle();
    await press(stdin, KEY.right);
    await waitForFrame(lastFrame, (f) => f.includes("Lesson complete"));
    expect(progress.data.lessons["flannel-vxlan"]?.steps.summary?.done).toBe(true);
    expect(progress.data.lessons["flannel-vxlan"]?.finishedAt).toBeDefined();
  });

  test("a and v before an answer say why nothing opens", async () => {
    const { lastFrame, stdin } = renderUi(
      <LessonScreen lesson={lesson([])} startAt={2} onExit={() => {}} />,
    );
    await waitForFrame(lastFrame, (f) => f.includes("step 3 of 3"));
    await settle();
    await press(stdin, "a");
    await waitForFrame(lastFrame, (f) =>
      f.includes("The reference answer is shown once you have passed"),
    );
    await press(stdin, "v");
    await waitForFrame(lastFrame, (f) => f.includes("Check an answer first"));
  });

  test("a wrong prediction shows the path the packet took; a drop, where it stopped", async () => {
    const wrong = (request: string, path: string[]): VerdictView => ({
      passed: false,
      message: both("Not what the trace shows."),
      path,
      trace: { title: "ping", hops: [], request, reply: "delivered" },
    });
    for (const [request, path, label] of [
      [
        "delivered",
        ["pod-a", "node1", "node2", "pod-b"],
        "Path taken: pod-a → node1 → node2 → pod-b",
      ],
      ["dropped in node1 (no-route)", ["pod-a", "node1"], "Where it stopped: pod-a → node1"],
    ] as const) {
      const view: LessonView = {
        ...lesson([]),
        check: () => wrong(request, [...path]),
      };
      const { lastFrame, stdin, unmount } = renderUi(
        <LessonScreen lesson={view} startAt={2} onExit={() => {}} />,
      );
      await waitForFrame(lastFrame, (f) => f.includes("step 3 of 3"));
      await settle();
      await press(stdin, KEY.enter);
      const frame = await waitForFrame(lastFrame, (f) => f.includes("Not what the trace shows."));
      expect(frame).toContain(label);
      unmount();
    }
  });

  test("→ → arriving in one chunk move two steps, not one", async () => {
    const progress = memoryProgress();
    const { lastFrame, stdin } = renderUi(
      <LessonScreen lesson={lesson([])} startAt={0} onExit={() => {}} />,
      { progress },
    );
    await waitForFrame(lastFrame, (f) => f.includes("step 1 of 3"));
    await settle();
    stdin.write(`${KEY.right}${KEY.right}`);
    await waitForFrame(lastFrame, (f) => f.includes("step 3 of 3"));
    expect(progress.data.lessons["flannel-vxlan"]?.steps.intro?.done).toBe(true);
  });

  test("read, then type a route: the parse error shows as you type, a wrong answer explains, a right one passes", async () => {
    const checked: string[] = [];
    const progress = memoryProgress();
    const { lastFrame, stdin } = renderUi(
      <LessonScreen lesson={lesson(checked)} startAt={0} onExit={() => {}} />,
      { progress },
    );
    let frame = await waitForFrame(lastFrame, (f) => f.includes("step 1 of 3"));
    expect(frame).toContain("Packets leave the pod by eth0.");
    await press(stdin, KEY.right);
    frame = await waitForFrame(lastFrame, (f) => f.includes("step 2 of 3"));
    expect(frame).toContain("Goal: a ping from pod-a reaches pod-b");
    expect(frame).toContain("ip route on node1 now");
    expect(progress.data.lessons["flannel-vxlan"]?.steps.intro?.done).toBe(true);
    await settle();

    await press(stdin, ..."x.0/24".split(""));
    await waitForFrame(lastFrame, (f) => f.includes('rather than "x.0/24"'));
    for (let i = 0; i < 6; i++) await press(stdin, KEY.backspace);
    await press(stdin, ..."10.244.2.0/24 via 10.244.2.0 dev flannel.1".split(""), KEY.enter);
    frame = await waitForFrame(lastFrame, (f) => f.includes("Not yet"));
    expect(frame).toContain("Nexthop has invalid gateway");
    await press(stdin, KEY.up);
    await press(stdin, ..." onlink".split(""), KEY.enter);
    frame = await waitForFrame(lastFrame, (f) => f.includes("Correct"));
    expect(frame).toContain("flannel.1 carries it to node2.");
    expect(checked).toEqual([
      "add-route=10.244.2.0/24 via 10.244.2.0 dev flannel.1",
      "add-route=10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
    ]);
    const saved = progress.data.lessons["flannel-vxlan"]?.steps["add-route"];
    expect([saved?.done, saved?.attempts]).toEqual([true, 2]);
    for (const line of frame.split("\n")) expect(widthOf(line)).toBeLessThanOrEqual(80);
  });

  test("hints come one at a time and are counted; Esc leaves the field so h works", async () => {
    const progress = memoryProgress();
    const { lastFrame, stdin } = renderUi(
      <LessonScreen lesson={lesson([])} startAt={1} onExit={() => {}} />,
      { progress },
    );
    await waitForFrame(lastFrame, (f) => f.includes("step 2 of 3"));
    await press(stdin, KEY.escape, "h");
    await waitForFrame(lastFrame, (f) => f.includes("Hint 1 of 3"));
    await press(stdin, "h", "h", "h");
    const frame = await waitForFrame(lastFrame, (f) => f.includes("Hint 3 of 3"));
    expect(frame).toContain("That was the last hint.");
    expect(progress.data.lessons["flannel-vxlan"]?.steps["add-route"]?.hints).toBe(3);
  });

  test("a choice is checked on Enter, and the lesson continues where it was left", async () => {
    const checked: string[] = [];
    const progress = memoryProgress();
    let exited = 0;
    const { lastFrame, stdin } = renderUi(
      <LessonScreen lesson={lesson(checked)} startAt={2} onExit={() => exited++} />,
      { progress, lang: "ko" },
    );
    await waitForFrame(lastFrame, (f) => f.includes("3단계 중 3단계"));
    await press(stdin, KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes("아직 아닙니다"));
    await pressEach(stdin, lastFrame, KEY.down);
    await press(stdin, KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes("정답입니다"));
    expect(checked).toEqual(["which-port=p4789", "which-port=p8472"]);
    expect(progress.data.lessons["flannel-vxlan"]?.current).toBe("which-port");
    await press(stdin, "q");
    expect(exited).toBe(1);
  });
});

describe("jumping to a step", () => {
  test("s lists the steps with the passed ones marked, Enter goes to the one picked", async () => {
    const progress = memoryProgress();
    progress.update((p) => {
      p.lessons["flannel-vxlan"] = {
        steps: { intro: { done: true, hints: 0, attempts: 0, seconds: 0 } },
      };
    });
    const { lastFrame, stdin } = renderUi(
      <LessonScreen lesson={lesson([])} startAt={0} onExit={() => {}} />,
      { progress },
    );
    await waitForFrame(lastFrame, (f) => f.includes("step 1 of 3"));
    await press(stdin, "s");
    const list = await waitForFrame(lastFrame, (f) => f.includes("Steps of Flannel VXLAN"));
    expect(list).toMatch(/1\. ✓ read +intro/);
    expect(list).toMatch(/3\. {3}predict +which-port/);
    await settle();
    await pressEach(stdin, lastFrame, KEY.down, KEY.down);
    await press(stdin, KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes("step 3 of 3"));
  });
});
