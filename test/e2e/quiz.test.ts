/**
 * The quiz in a real terminal: tmux gives the built CLI an 80×24 pseudo-terminal, keys are sent
 * as a candidate types them, the screen is read back with capture-pane, and the report written
 * with --report is read from disk. CI is unset (Ink draws only the last frame when it is set).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { widthOf } from "../../src/ui/text";
import { hasTmux, tmuxPane } from "./tmux";

const root = join(import.meta.dirname, "..", "..");
const session = `podnet-quiz-e2e-${process.pid}`;

const { tmux, waitForScreen, keys } = tmuxPane(session);

/** Starts the built CLI in an 80×24 tmux window; the shell says how it exited. */
function start(args: string, lang: string): void {
  const command = `cd "${root}" && env -u CI LANG=${lang} node bin/podnet-learn.js quiz ${args}; echo EXITED $?; sleep 30`;
  tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command);
}

function fitsIn80x24(s: string): void {
  const lines = s.replace(/\n+$/, "").split("\n");
  expect(lines.length).toBeLessThanOrEqual(24);
  for (const line of lines) expect(widthOf(line)).toBeLessThanOrEqual(80);
}

interface ReportJson {
  readonly seed: number;
  readonly exam: boolean;
  readonly name: string | null;
  readonly score: { readonly correct: number; readonly total: number };
  readonly questions: readonly {
    readonly id: string;
    readonly answer: string | null;
    readonly correct: boolean;
  }[];
}

afterEach(() => {
  if (hasTmux) spawnSync("tmux", ["kill-session", "-t", session]);
});

describe.skipIf(!hasTmux)("the quiz in an 80×24 terminal (tmux)", () => {
  test("seed 7, 3 questions: answer two, see each graded, quit; the report holds both and the open one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "podnet-quiz-e2e-"));
    start(`--seed 7 --count 3 --name alice --report '${join(dir, "alice")}'`, "en_US.UTF-8");
    let s = await waitForScreen((x) => x.includes("Question 1 of 3"));
    expect(s.split("\n")[0]).toMatch(/elapsed/);
    fitsIn80x24(s);

    // The first choice of question 1, the second of question 2: what the screen says each was
    // (right or wrong) is what the report must say.
    const verdicts: boolean[] = [];
    await keys("1");
    s = await waitForScreen((x) => /[✓✗] (Correct|Wrong)/.test(x));
    fitsIn80x24(s);
    verdicts.push(s.includes("✓ Correct"));
    expect(s).toContain("Expected: ");
    expect(s).toContain("Why: ");
    await keys("Enter");
    await waitForScreen((x) => x.includes("Question 2 of 3"));
    await keys("2");
    s = await waitForScreen((x) => /[✓✗] (Correct|Wrong)/.test(x));
    verdicts.push(s.includes("✓ Correct"));
    await keys("Enter");
    await waitForScreen((x) => x.includes("Question 3 of 3"));

    await keys("q");
    await waitForScreen((x) => x.includes("Quit? 1 unanswered"));
    await keys("y");
    s = await waitForScreen((x) => x.includes("EXITED"));
    expect(s).toContain("EXITED 0");
    const right = verdicts.filter(Boolean).length;
    expect(s).toContain(`Score: ${right}/3`);

    const report = JSON.parse(readFileSync(join(dir, "alice.json"), "utf8")) as ReportJson;
    expect(report).toMatchObject({ seed: 7, exam: false, name: "alice" });
    expect(report.questions.map((q) => [q.id, q.answer, q.correct])).toEqual([
      ["q1", "a", verdicts[0]],
      ["q2", "b", verdicts[1]],
      ["q3", null, false],
    ]);
    expect(report.score).toEqual({ correct: right, total: 3 });
    const markdown = readFileSync(join(dir, "alice.md"), "utf8");
    expect(markdown).toContain("Candidate: alice");
  }, 60_000);

  test("exam in Korean: [시험] and the countdown, no grade until the results, Ctrl+C still writes the report", async () => {
    const dir = mkdtempSync(join(tmpdir(), "podnet-quiz-e2e-"));
    start(
      `--seed 7 --count 3 --exam --time-limit 10m --report '${join(dir, "exam")}'`,
      "ko_KR.UTF-8",
    );
    let s = await waitForScreen((x) => x.includes("3문제 중 1번"));
    const header = s.split("\n")[0] ?? "";
    expect(header).toContain("[시험]");
    expect(header).toMatch(/남은 시간 (10:00|9:5\d)/);
    fitsIn80x24(s);
    await keys("1");
    s = await waitForScreen((x) => x.includes("3문제 중 2번"));
    expect(s).toContain("1번 문제의 답을 기록했습니다");
    expect(s).not.toMatch(/정답입니다|오답/);
    await keys("C-c");
    s = await waitForScreen((x) => x.includes("EXITED"));
    expect(s).toContain("EXITED 0");
    const report = JSON.parse(readFileSync(join(dir, "exam.json"), "utf8")) as ReportJson;
    expect(report.exam).toBe(true);
    expect(report.questions.map((q) => q.answer)).toEqual(["a", null, null]);
  }, 60_000);
});
