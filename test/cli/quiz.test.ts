import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reportPaths, writeReport } from "../../src/cli/quiz";
import { generateQuiz } from "../../src/quiz/generate";
import { gradeAnswer } from "../../src/quiz/grade";
import { runCli } from "./run-cli";

const quiz = (...args: string[]) => runCli(["quiz", ...args]);

describe("podnet-learn quiz", () => {
  it("prints its help with examples", async () => {
    const run = await quiz("--help");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: podnet-learn quiz");
    expect(run.stdout).toContain("podnet-learn quiz --print --seed 42 --answers");
    expect(run.stdout).toContain("--time-limit DURATION");
  });

  it("prints the same questions for the same seed, others for another, and the key with --answers", async () => {
    const [a, b, c, key] = await Promise.all([
      quiz("--print", "--seed", "5", "--count", "3", "--topics", "flannel"),
      quiz("--print", "--seed", "5", "--count", "3", "--topics", "flannel"),
      quiz("--print", "--seed", "6", "--count", "3", "--topics", "flannel"),
      quiz("--print", "--seed", "5", "--count", "3", "--topics", "flannel", "--answers"),
    ]);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain("Seed 5, 3 questions, topics flannel, difficulty medium.");
    expect(b.stdout).toBe(a.stdout);
    expect(c.stdout).not.toBe(a.stdout);
    expect(a.stdout).not.toContain("## Answer key");
    expect(key.stdout.startsWith(a.stdout.trimEnd())).toBe(true);
    expect(key.stdout).toContain("## Answer key");
  });

  it("prints in Korean with --lang ko", async () => {
    const run = await quiz("--print", "--seed", "5", "--count", "1", "--lang", "ko");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("# podnet-learn 퀴즈");
  });

  it("refuses to start without a terminal and names quiz --print, with exit 2", async () => {
    const run = await quiz("--seed", "9", "--count", "2");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("the quiz needs an interactive terminal");
    expect(run.stderr).toContain("podnet-learn quiz --print --seed 9");
    expect(run.stdout).toBe("");
  });

  it("says what is wrong with a bad option, with exit 2 and no stack trace", async () => {
    const cases: [string[], string][] = [
      [["--count", "0"], "--count must be a whole number from 1 to 50"],
      [["--topics", "flanel"], 'unknown topic "flanel"; did you mean "flannel"?'],
      [["--difficulty", "brutal"], "--difficulty must be easy, medium, hard"],
      [["--seed", "-1"], "--seed needs a value"],
      [["--seed", "x"], "--seed must be a whole number from 0 to 4294967295"],
      [["--time-limit", "soon"], '"soon" is not a duration'],
      [["--answers"], "--answers goes with --print"],
      [["--print", "--exam"], "--exam is for a quiz taken in the terminal"],
      [["extra"], 'unexpected argument "extra"'],
    ];
    const runs = await Promise.all(cases.map(([args]) => quiz(...args)));
    for (const [i, run] of runs.entries()) {
      const [args, message] = cases[i] as [string[], string];
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toContain(message);
      expect(run.stderr).not.toMatch(/^\s+at .+[:(]/m);
    }
  });
});

describe("the report files", () => {
  it("are FILE.md and FILE.json, a .md or .json ending replaced", () => {
    expect(reportPaths("out/alice")).toEqual({ md: "out/alice.md", json: "out/alice.json" });
    expect(reportPaths("alice.json")).toEqual({ md: "alice.md", json: "alice.json" });
    expect(reportPaths("alice.MD")).toEqual({ md: "alice.md", json: "alice.json" });
  });

  it("are written, directories made, from the record", () => {
    const dir = mkdtempSync(join(tmpdir(), "podnet-quiz-"));
    const q = generateQuiz({ seed: 3, count: 1, topics: ["weave"], difficulty: "easy" });
    const question = q.questions[0];
    if (!question) throw new Error("one question");
    const record = {
      quiz: q,
      startedAt: "2026-11-29T10:00:00.000Z",
      exam: false,
      answers: [
        { questionId: question.id, answer: null, grade: gradeAnswer(question, null), ms: 5 },
      ],
    };
    const paths = writeReport(record, join(dir, "results", "bob"), "en");
    const json = JSON.parse(readFileSync(paths.json, "utf8"));
    expect(json.format).toBe("podnet-learn-quiz");
    expect(json.name).toBeNull();
    expect(json.score).toEqual({ correct: 0, total: 1 });
    expect(readFileSync(paths.md, "utf8")).toContain("- Score: **0/1** (0%)");
  });
});
