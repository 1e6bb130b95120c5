import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  enterStep,
  finishIfComplete,
  markRead,
  recordAttempt,
  recordHint,
  resetLessons,
} from "../../src/progress/record";
import { emptyProgress, parseProgress } from "../../src/progress/schema";
import { ProgressStore, progressDir } from "../../src/progress/store";

const at = new Date("2026-11-29T10:00:00Z");

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), "podnet-progress-"));
}

describe("the progress file", () => {
  test("starts empty and keeps what was recorded for the next run", () => {
    const dir = freshDir();
    const first = new ProgressStore({ dir });
    expect(first.read().lessons).toEqual({});
    first.update((p) => recordAttempt(p, "flannel-vxlan", "which-port", true, at));
    expect(first.path).toBe(join(dir, "progress.json"));

    const again = new ProgressStore({ dir });
    expect(again.read().lessons["flannel-vxlan"]?.steps["which-port"]).toMatchObject({
      done: true,
      attempts: 1,
      doneAt: at.toISOString(),
    });
  });

  test("two running copies each keep their own steps", () => {
    const dir = freshDir();
    const a = new ProgressStore({ dir });
    const b = new ProgressStore({ dir });
    a.read();
    b.read();
    a.update((p) => recordAttempt(p, "the-journey", "add-route", true, at));
    b.update((p) => recordAttempt(p, "cilium", "pick-tunnel", true, at));
    a.update((p) => recordHint(p, "cilium", "predict-port", 2));

    const steps = new ProgressStore({ dir }).read().lessons;
    expect(steps["the-journey"]?.steps["add-route"]?.done).toBe(true);
    expect(steps.cilium?.steps["pick-tunnel"]?.done).toBe(true);
    expect(steps.cilium?.steps["predict-port"]?.hints).toBe(2);
  });

  test("a truncated file is moved aside, kept byte for byte, and progress starts afresh", () => {
    const dir = freshDir();
    writeFileSync(join(dir, "progress.json"), '{"schemaVersion":1,"lessons":{"the-jou');
    const store = new ProgressStore({ dir, now: () => at });
    expect(store.read().lessons).toEqual({});
    expect(store.setAside).toHaveLength(1);
    const aside = store.setAside[0];
    expect(aside?.path).toBe(join(dir, "progress.json.corrupt-2026-11-29T10-00-00.000Z"));
    expect(aside?.reason).toBe("it is not valid JSON");
    expect(readFileSync(aside?.path ?? "", "utf8")).toBe('{"schemaVersion":1,"lessons":{"the-jou');
    store.update((p) => markRead(p, "the-journey", "intro", at));
    expect(new ProgressStore({ dir }).read().lessons["the-journey"]?.steps.intro?.done).toBe(true);
  });

  test("JSON that is not progress is moved aside too, not trusted", () => {
    const dir = freshDir();
    writeFileSync(join(dir, "progress.json"), JSON.stringify({ schemaVersion: 7, lessons: 3 }));
    const store = new ProgressStore({ dir, now: () => at });
    expect(store.read()).toEqual(emptyProgress());
    expect(store.setAside.map((s) => s.reason)).toEqual(["it does not hold podnet-learn progress"]);
    expect(readdirSync(dir).filter((f) => f.includes("corrupt"))).toHaveLength(1);
    expect(existsSync(join(dir, "progress.json"))).toBe(false);
  });

  test("lives in PODNET_CONFIG_DIR, else XDG_CONFIG_HOME, else ~/.config on Linux", () => {
    expect(progressDir({ PODNET_CONFIG_DIR: "/srv/class/ana" })).toBe("/srv/class/ana");
    if (process.platform === "linux") {
      expect(progressDir({ XDG_CONFIG_HOME: "/x/cfg" })).toBe("/x/cfg/podnet-learn");
      expect(progressDir({})).toMatch(/\/\.config\/podnet-learn$/);
    }
  });
});

describe("what a step records", () => {
  test("the streak counts passes without a hint and breaks on one that needed a hint", () => {
    const p = emptyProgress();
    recordAttempt(p, "l", "a", true, at);
    recordAttempt(p, "l", "b", false, at);
    recordAttempt(p, "l", "b", true, at);
    expect(p.streak).toBe(2);
    recordHint(p, "l", "c", 1);
    recordAttempt(p, "l", "c", true, at);
    expect(p.streak).toBe(0);
    expect(p.lessons.l?.steps.b?.attempts).toBe(2);
  });

  test("passing a step twice counts the attempt but not the streak again", () => {
    const p = emptyProgress();
    recordAttempt(p, "l", "a", true, at);
    recordAttempt(p, "l", "a", true, at);
    expect([p.streak, p.lessons.l?.steps.a?.attempts]).toEqual([1, 2]);
  });

  test("a lesson is finished when all its steps are done, and reset forgets it", () => {
    const p = emptyProgress();
    enterStep(p, "l", "a");
    markRead(p, "l", "a", at);
    expect(finishIfComplete(p, "l", ["a", "b"], at)).toBe(false);
    recordAttempt(p, "l", "b", true, at);
    expect(finishIfComplete(p, "l", ["a", "b"], at)).toBe(true);
    expect(p.lessons.l?.finishedAt).toBe(at.toISOString());
    expect(p.lastLesson).toBe("l");
    resetLessons(p, "l");
    expect([p.lessons.l, p.lastLesson]).toEqual([undefined, undefined]);
  });
});

describe("what counts as progress", () => {
  test("missing counters take their defaults; what is there is kept", () => {
    const parsed = parseProgress({
      schemaVersion: 1,
      lang: "ko",
      lessons: { l: { steps: { a: { done: true }, b: { hints: 2, seconds: 1.5 } }, current: "b" } },
    });
    expect(parsed).toEqual({
      schemaVersion: 1,
      lang: "ko",
      streak: 0,
      lessons: {
        l: {
          steps: {
            a: { done: true, hints: 0, attempts: 0, seconds: 0 },
            b: { done: false, hints: 2, attempts: 0, seconds: 1.5 },
          },
          current: "b",
        },
      },
    });
  });

  test.each([
    ["another schema version", { schemaVersion: 2, lessons: {} }],
    ["a language we do not speak", { schemaVersion: 1, lang: "fr" }],
    ["a negative count", { schemaVersion: 1, lessons: { l: { steps: { a: { hints: -1 } } } } }],
    ["steps that are not a map", { schemaVersion: 1, lessons: { l: { steps: [1, 2] } } }],
    ["a streak that is text", { schemaVersion: 1, streak: "3" }],
  ])("%s is not progress", (_label, raw) => {
    expect(parseProgress(raw)).toBeNull();
  });
});
