import { describe, expect, test } from "vitest";
import type { Quiz } from "../../src/quiz/types";
import type { QuizState } from "../../src/ui/quiz-model";
import { QuizScreen } from "../../src/ui/screens/quiz";
import { widthOf } from "../../src/ui/text";
import { KEY, press, renderUi, settle, waitForFrame } from "../helpers/ui";
import { FIX, fakeShell, grader, PROXY, quizOf, WHERE } from "./quiz-fixtures";

/** A clock the test moves by hand. */
function testClock(start = 0) {
  const clock = { ms: start, now: () => clock.ms };
  return clock;
}

function sitting(
  quiz: Quiz,
  options: {
    exam?: boolean;
    timeLimitS?: number;
    lang?: "en" | "ko";
    ascii?: boolean;
    calls?: string[];
    name?: string;
  } = {},
) {
  const clock = testClock();
  const done: QuizState[] = [];
  const states: QuizState[] = [];
  const shells: ReturnType<typeof fakeShell>[] = [];
  const view = renderUi(
    <QuizScreen
      rules={{
        quiz,
        grade: grader(options.calls),
        exam: options.exam ?? false,
        ...(options.timeLimitS !== undefined ? { timeLimitS: options.timeLimitS } : {}),
      }}
      newShell={(q) => {
        const shell = fakeShell(q.shellNode);
        shells.push(shell);
        return shell;
      }}
      now={clock.now}
      tickMs={20}
      {...(options.name !== undefined ? { name: options.name } : {})}
      onState={(s) => states.push(s)}
      onDone={(s) => done.push(s)}
    />,
    { lang: options.lang ?? "en", ascii: options.ascii ?? false },
  );
  return { ...view, clock, done, states, shells };
}

function fitsIn80(frame: string) {
  for (const line of frame.split("\n")) expect(widthOf(line)).toBeLessThanOrEqual(80);
}

describe("the quiz screen", () => {
  test("a right answer, then a wrong one: ✓/✗ with words, the expected answer and why", async () => {
    const calls: string[] = [];
    const { lastFrame, stdin, clock } = sitting(quizOf(WHERE, PROXY), { calls });
    let frame = await waitForFrame(lastFrame, (f) => f.includes("Question 1 of 2"));
    expect(frame).toContain("flannel · where is it dropped?");
    expect(frame).toContain("Where is the packet dropped?");
    expect(frame).toContain("❯ node1: no route to 10.244.2.0/24");
    expect(frame).toContain("0:00");
    fitsIn80(frame);
    await settle();
    clock.ms = 65_000;
    await waitForFrame(lastFrame, (f) => f.includes("1:05"));
    await settle();
    await press(stdin, KEY.enter);
    frame = await waitForFrame(lastFrame, (f) => f.includes("✓ Correct"));
    expect(frame).toContain("Your answer: node1: no route to 10.244.2.0/24");
    expect(frame).toContain("Expected: node1: no route to 10.244.2.0/24");
    expect(frame).toContain("Why: Explained: q1 follows the route lookup on node1.");
    expect(frame).toContain("Enter: next question");
    await press(stdin, KEY.enter);
    frame = await waitForFrame(lastFrame, (f) => f.includes("Question 2 of 2"));
    expect(frame).toContain("Services · kube-proxy mode");
    await settle();
    await press(stdin, KEY.enter);
    frame = await waitForFrame(lastFrame, (f) => f.includes("✗ Wrong"));
    expect(frame).toContain("Your answer: iptables");
    expect(frame).toContain("Expected: ipvs");
    expect(frame).toContain("Enter: the results");
    expect(calls).toEqual([
      'q1={"kind":"choice","choice":"a"}',
      'q2={"kind":"choice","choice":"a"}',
    ]);
  });

  test("a fix-it goes through the node shell: the typed lines are the answer, check submits", async () => {
    const calls: string[] = [];
    const { lastFrame, stdin, shells } = sitting(quizOf(FIX), { calls });
    let frame = await waitForFrame(lastFrame, (f) => f.includes("node1 $"));
    expect(frame).toContain("calico · fix it");
    expect(frame).toContain("Repair node1 so the ping passes.");
    expect(frame).toContain("type check to submit your fix");
    await settle();
    await press(stdin, ..."route -n".split(""), KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes("sh: route: not found"));
    await settle();
    await press(stdin, ..."ip route add 10.244.2.0/24 via 192.168.1.12".split(""), KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes("node1 $ ip route add 10.244.2.0/24"));
    await settle();
    await press(stdin, ..."check".split(""), KEY.enter);
    frame = await waitForFrame(lastFrame, (f) => f.includes("✓ Correct"));
    expect(frame).toContain("Your answer: route -n; ip route add 10.244.2.0/24 via 192.168.1.12");
    expect(calls).toEqual([
      'q3={"kind":"commands","lines":["route -n","ip route add 10.244.2.0/24 via 192.168.1.12"]}',
    ]);
    // The shell ran the commands, not `check`.
    expect(shells[0]?.history).toEqual(["route -n", "ip route add 10.244.2.0/24 via 192.168.1.12"]);
  });

  test("Esc leaves the shell, then c submits what was typed", async () => {
    const calls: string[] = [];
    const { lastFrame, stdin } = sitting(quizOf(FIX, PROXY), { calls });
    await waitForFrame(lastFrame, (f) => f.includes("node1 $"));
    await settle();
    await press(stdin, ..."ip link".split(""), KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes("node1 $ ip link"));
    await settle();
    await press(stdin, KEY.escape);
    await waitForFrame(lastFrame, (f) => f.includes("c submit the fix"));
    await settle();
    await press(stdin, "c");
    const frame = await waitForFrame(lastFrame, (f) => f.includes("✗ Wrong"));
    expect(frame).toContain("Expected: ip route add 10.244.2.0/24 via 192.168.1.12");
    expect(calls).toEqual(['q3={"kind":"commands","lines":["ip link"]}']);
  });

  test("? shows every key of the screen, from its key table; ? closes it", async () => {
    const { lastFrame, stdin } = sitting(quizOf(WHERE, PROXY));
    await waitForFrame(lastFrame, (f) => f.includes("Question 1 of 2"));
    await settle();
    await press(stdin, "?");
    const frame = await waitForFrame(lastFrame, (f) => f.includes("Keys on this screen"));
    for (const text of [
      "↑ / ↓",
      "choose",
      "s / →",
      "skip",
      "b / ←",
      "previous open",
      "finish now",
      "the whole question",
      "q / Esc",
    ])
      expect(frame).toContain(text);
    await press(stdin, "?");
    await waitForFrame(lastFrame, (f) => f.includes("Question 1 of 2"));
  });

  test("exam mode: EXAM in the header, no grade during the sitting, explanations with the results", async () => {
    const { lastFrame, stdin, done } = sitting(quizOf(WHERE, PROXY), {
      exam: true,
      timeLimitS: 600,
      name: "Mina",
    });
    let frame = await waitForFrame(lastFrame, (f) => f.includes("Question 1 of 2"));
    expect(frame.split("\n")[0]).toContain("[EXAM]");
    expect(frame.split("\n")[0]).toContain("10:00 left");
    await settle();
    await press(stdin, KEY.down, KEY.enter);
    frame = await waitForFrame(lastFrame, (f) => f.includes("Question 2 of 2"));
    expect(frame).toContain("Answer to question 1 recorded");
    expect(frame).not.toContain("Wrong");
    expect(frame).not.toContain("Explained");
    await settle();
    await press(stdin, KEY.down, KEY.enter);
    frame = await waitForFrame(lastFrame, (f) => f.includes("Results"));
    expect(frame).toContain("Candidate: Mina");
    expect(frame).toContain("Score: 1 of 2 (50%)");
    expect(frame).toContain("Every question answered.");
    expect(frame).toMatch(/1\. +✗ Wrong/);
    expect(frame).toMatch(/2\. +✓ Correct/);
    // The explanations are below the list: scroll to them.
    for (let i = 0; i < 12; i++) await press(stdin, KEY.down);
    frame = await waitForFrame(lastFrame, (f) => f.includes("Explained: q2"));
    expect(frame).toContain("Answers and explanations");
    await press(stdin, "q");
    expect(done).toHaveLength(1);
    expect(done[0]?.phase).toMatchObject({ kind: "results", end: "completed" });
  });

  test("the countdown reaching 0 records the open questions unanswered and shows the results", async () => {
    const { lastFrame, clock, states } = sitting(quizOf(WHERE, PROXY), {
      exam: true,
      timeLimitS: 90,
    });
    await waitForFrame(lastFrame, (f) => f.includes("1:30 left"));
    clock.ms = 89_500;
    await waitForFrame(lastFrame, (f) => f.includes("0:01 left"));
    clock.ms = 90_000;
    const frame = await waitForFrame(lastFrame, (f) => f.includes("Results"));
    expect(frame).toContain("Time is up");
    expect(frame).toContain("Score: 0 of 2 (0%)");
    expect(frame).toContain("Time: 1:30 of 1:30");
    expect(frame).toMatch(/1\. +· Unanswered/);
    const last = states.at(-1);
    expect(last?.answered.map((a) => (a === null ? "open" : a.answer))).toEqual([null, null]);
  });

  test("skip, answer the next, come back to the skipped one", async () => {
    const { lastFrame, stdin } = sitting(quizOf(WHERE, PROXY), { exam: true });
    await waitForFrame(lastFrame, (f) => f.includes("Question 1 of 2"));
    await settle();
    await press(stdin, "s");
    await waitForFrame(lastFrame, (f) => f.includes("Question 2 of 2"));
    await settle();
    await press(stdin, KEY.down, KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes("Question 1 of 2"));
    await settle();
    await press(stdin, KEY.enter);
    const frame = await waitForFrame(lastFrame, (f) => f.includes("Results"));
    expect(frame).toContain("Score: 2 of 2 (100%)");
  });

  test("q asks first, then ends with what was answered; n goes back to the question", async () => {
    const { lastFrame, stdin, done } = sitting(quizOf(WHERE, PROXY));
    await waitForFrame(lastFrame, (f) => f.includes("Question 1 of 2"));
    await settle();
    await press(stdin, "q");
    await waitForFrame(lastFrame, (f) => f.includes("Quit? 2 unanswered"));
    await settle();
    await press(stdin, "n");
    await waitForFrame(lastFrame, (f) => !f.includes("Quit?"));
    expect(done).toHaveLength(0);
    await press(stdin, KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes("✓ Correct"));
    await settle();
    await press(stdin, "q");
    await waitForFrame(lastFrame, (f) => f.includes("Quit? 1 unanswered"));
    await settle();
    await press(stdin, "y");
    expect(done).toHaveLength(1);
    expect(done[0]?.phase).toMatchObject({ kind: "results", end: "quit" });
    expect(done[0]?.answered.map((a) => a?.answer?.kind ?? null)).toEqual(["choice", null]);
  });

  test("f finishes early after asking: the results say so", async () => {
    const { lastFrame, stdin } = sitting(quizOf(WHERE, PROXY, FIX));
    await waitForFrame(lastFrame, (f) => f.includes("Question 1 of 3"));
    await settle();
    await press(stdin, "f");
    await waitForFrame(lastFrame, (f) => f.includes("Finish now? 3 question(s)"));
    await settle();
    await press(stdin, "y");
    const frame = await waitForFrame(lastFrame, (f) => f.includes("Results"));
    expect(frame).toContain("Finished early");
    expect(frame).toContain("By topic");
    expect(frame).toMatch(/calico +0\/1 +0%/);
  });

  test("in Korean with --ascii: Korean words, plain symbols, every row within 80 columns", async () => {
    const { lastFrame, stdin } = sitting(quizOf(WHERE, PROXY), { lang: "ko", ascii: true });
    let frame = await waitForFrame(lastFrame, (f) => f.includes("2문제 중 1번"));
    expect(frame).toContain("패킷은 어디서 드롭될까요?");
    expect(frame).toContain("> node1: 10.244.2.0/24 라우트 없음");
    expect(frame).toContain("-".repeat(40));
    expect(frame).toContain("UpDown");
    for (const wide of ["❯", "─", "↑", "·", "✗"]) expect(frame).not.toContain(wide);
    fitsIn80(frame);
    await settle();
    await press(stdin, KEY.down, KEY.enter);
    frame = await waitForFrame(lastFrame, (f) => f.includes("x 오답"));
    expect(frame).toContain("내 답: node2: FORWARD에서 드롭");
    expect(frame).toContain("해설: q1는 node1의 라우트 조회를 따릅니다.");
    fitsIn80(frame);
    // ㅂ is q on a Korean keyboard in 한글 mode.
    await press(stdin, "ㅂ");
    await waitForFrame(lastFrame, (f) => f.includes("끝낼까요?"));
  });
});

describe("keys between screens", () => {
  test("the Enter that answers does not also pass the grade; the next Enter, sent at once, does", async () => {
    const { lastFrame, stdin } = sitting(quizOf(WHERE, PROXY));
    await waitForFrame(lastFrame, (f) => f.includes("Question 1 of 2"));
    await settle();
    stdin.write(KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes("✓ Correct"));
    // No settle: the screen's keys are not re-subscribed when the grade appears.
    stdin.write(KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes("Question 2 of 2"));
  });
});

describe("the quiz screen's layout", () => {
  test("a Korean fix-it outside the shell: the key footer stays one row, the header stays on top", async () => {
    const { lastFrame, stdin } = sitting(quizOf(FIX), { lang: "ko", exam: true, timeLimitS: 60 });
    await waitForFrame(lastFrame, (f) => f.includes("node1 $"));
    await settle();
    await press(stdin, KEY.escape);
    const frame = await waitForFrame(lastFrame, (f) => f.includes("c 고친 것 제출"));
    const lines = frame.split("\n");
    expect(lines[0]).toContain("1문제 중 1번");
    expect(lines[0]).toContain("[시험]");
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(lines.at(-1)).toContain("q 종료");
    fitsIn80(frame);
  });
});
