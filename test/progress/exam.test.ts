import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { exportProgress, nameProblem } from "../../src/progress/export";
import { endExam, openExam, recordAttempt, recordHint } from "../../src/progress/record";
import { emptyProgress, parseProgress } from "../../src/progress/schema";
import { examConfigName, ProgressStore } from "../../src/progress/store";

const PACK = "0123456789abcdef".repeat(4);
const start = new Date("2026-11-29T09:00:00Z");
const later = new Date("2026-11-29T09:40:00Z");

describe("an exam's progress", () => {
  test("is kept in a file of its own, apart from practice, one per pack", () => {
    const dir = mkdtempSync(join(tmpdir(), "podnet-exam-"));
    new ProgressStore({ dir }).update((p) => recordAttempt(p, "overlay", "add-route", true, start));
    const exam = new ProgressStore({ dir, configName: examConfigName(PACK) });
    expect(exam.read().lessons).toEqual({});
    exam.update((p) => openExam(p, PACK, 5400, start));
    expect(readdirSync(dir).sort()).toEqual(["exam-0123456789ab.json", "progress.json"]);
  });

  test("keeps its clock when reopened: quitting and coming back gains no time", () => {
    const p = emptyProgress();
    openExam(p, PACK, 5400, start);
    openExam(p, PACK, 9999, later);
    expect(p.exam).toEqual({ pack: PACK, startedAt: start.toISOString(), timeLimitS: 5400 });
    endExam(p, later);
    endExam(p, new Date("2026-11-29T11:00:00Z"));
    expect(p.exam?.endedAt).toBe(later.toISOString());
  });

  test("survives the round trip through the file, and a malformed exam record sets the file aside", () => {
    const p = emptyProgress();
    openExam(p, PACK, null, start);
    expect(parseProgress(JSON.parse(JSON.stringify(p)))).toEqual(p);
    expect(parseProgress({ ...p, exam: { pack: PACK, startedAt: 5 } })).toBeNull();
    const dir = mkdtempSync(join(tmpdir(), "podnet-exam-"));
    writeFileSync(join(dir, "exam-x.json"), '{"schemaVersion":1,"exam":{"pack":1}}');
    const store = new ProgressStore({ dir, configName: "exam-x" });
    expect(store.read().exam).toBeUndefined();
    expect(store.setAside[0]?.path).toMatch(/exam-x\.json\.corrupt-/);
  });
});

describe("export-progress's file", () => {
  const lessons = [
    {
      id: "overlay",
      title: { en: "Overlay", ko: "오버레이" },
      steps: [
        { id: "intro", kind: "read" },
        { id: "add-route", kind: "route" },
      ],
    },
  ];

  test("holds each step's pass, attempts, hints and time, and the exam it was made in", () => {
    const progress = emptyProgress();
    openExam(progress, PACK, 5400, start);
    recordHint(progress, "overlay", "add-route", 2);
    recordAttempt(progress, "overlay", "add-route", false, start);
    recordAttempt(progress, "overlay", "add-route", true, later);
    const step = progress.lessons.overlay?.steps["add-route"];
    if (step) step.seconds = 75;
    const out = exportProgress({
      progress,
      lessons,
      fromPack: [],
      builtInOnly: false,
      pack: PACK,
      name: "  Kim Minji  ",
      version: "0.1.0",
      exportedAt: later,
    });
    expect(out).toEqual({
      format: "podnet-learn-progress",
      formatVersion: 1,
      name: "Kim Minji",
      exportedAt: later.toISOString(),
      version: "0.1.0",
      pack: PACK,
      exam: { startedAt: start.toISOString(), timeLimitS: 5400, endedAt: null },
      lessons: [
        {
          id: "overlay",
          title: { en: "Overlay", ko: "오버레이" },
          builtIn: false,
          steps: [
            { id: "intro", kind: "read", passed: false, attempts: 0, hints: 0 },
            {
              id: "add-route",
              kind: "route",
              passed: true,
              attempts: 2,
              hints: 2,
              ms: 75000,
              passedAt: later.toISOString(),
            },
          ],
          finished: false,
        },
      ],
    });
  });

  test("the name must be given, on one line, and not too long", () => {
    expect(nameProblem("  ")).toBe("--name is empty: give the name the instructor knows you by");
    expect(nameProblem("a\nb")).toContain("control character");
    expect(nameProblem("가".repeat(101))).toBe("--name is longer than 100 characters");
    expect(nameProblem("김민지, Kim")).toBeNull();
  });
});
