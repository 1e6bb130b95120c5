import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createElement } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateLessons } from "../../src/checker/validate";
import { NEW_LESSON_CNIS } from "../../src/cli/commands";
import { loadPack } from "../../src/lessons/pack";
import { formatProblem } from "../../src/lessons/parse";
import {
  lessonIdProblem,
  nextOrder,
  SCAFFOLD_CNIS,
  type Scaffold,
  scaffoldLesson,
  titleProblem,
} from "../../src/lessons/scaffold";
import { lessonView } from "../../src/ui/lesson-adapter";
import { LessonScreen } from "../../src/ui/screens/lesson";
import { widthOf } from "../../src/ui/text";
import { KEY, press, renderUi, settle, waitForFrame } from "../helpers/ui";

const FIXTURE_PACK = fileURLToPath(new URL("../fixtures/lessons/pack/", import.meta.url));

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "podnet-scaffold-"));
  dirs.push(dir);
  return dir;
}

function write(dir: string, scaffold: Scaffold): void {
  for (const file of [scaffold.lesson, scaffold.cluster]) {
    mkdirSync(dirname(join(dir, file.path)), { recursive: true });
    writeFileSync(join(dir, file.path), file.text);
  }
}

/** The pack loaded by the real loader and judged by `validate`: every problem, and the counts. */
function validated(dir: string) {
  const pack = loadPack(dir, "pack");
  const judged = validateLessons(pack.lessons);
  return {
    pack,
    exercises: judged.exercises,
    problems: [...pack.problems, ...judged.problems].map(formatProblem),
  };
}

describe("the new-lesson scaffold", () => {
  for (const cni of SCAFFOLD_CNIS)
    it(`on ${cni}, alone in an empty directory, loads and validates: every answer judged as stated`, () => {
      const dir = tempDir();
      write(dir, scaffoldLesson({ id: "my-first-lesson", order: 1, cni }));
      const result = validated(dir);
      expect(result.problems).toEqual([]);
      expect(result.pack.lessons.map((l) => l.id)).toEqual(["my-first-lesson"]);
      const lesson = result.pack.lessons[0];
      expect(lesson?.steps.map((s) => s.kind)).toEqual(["read", "route", "predict"]);
      expect(result.exercises).toBe(2);
      // The route step's known wrong answers are judged too: at least one that is not the
      // reference, failing otherwise than `notTheFact`.
      const route = lesson?.steps.find((s) => s.kind === "route");
      expect(route?.kind === "route" && route.wrong.length).toBeGreaterThanOrEqual(1);
    });

  it("validates beside an existing pack, with the order after the pack's lessons", () => {
    const dir = tempDir();
    cpSync(FIXTURE_PACK, dir, { recursive: true });
    const before = loadPack(dir);
    expect(before.problems).toEqual([]);
    const order = nextOrder(before.lessons.map((l) => l.order));
    write(dir, scaffoldLesson({ id: "workshop-extra", order, cni: "flannel-host-gw" }));
    const result = validated(dir);
    expect(result.problems).toEqual([]);
    expect(result.pack.lessons.map((l) => l.id)).toEqual([
      ...before.lessons.map((l) => l.id),
      "workshop-extra",
    ]);
    expect(result.pack.lessons.at(-1)?.order).toBe(
      Math.max(...before.lessons.map((l) => l.order)) + 1,
    );
  });

  it("opens in the tutorial at 80×24: the read step in both languages, and the route step passes with its reference answer", async () => {
    const dir = tempDir();
    const scaffold = scaffoldLesson({ id: "in-the-tutorial", order: 1, cni: "flannel-vxlan" });
    write(dir, scaffold);
    const lesson = loadPack(dir).lessons[0];
    if (!lesson) throw new Error("the scaffold did not load");
    // A generous deadline: the route is judged by a real simulation, on a shared, loaded machine.
    const within = 10_000;
    const fits = (frame: string) => {
      for (const line of frame.split("\n")) expect(widthOf(line), line).toBeLessThanOrEqual(80);
    };
    const ko = renderUi(
      createElement(LessonScreen, { lesson: lessonView(lesson), startAt: 0, onExit: () => {} }),
      { lang: "ko" },
    );
    fits(
      await waitForFrame(ko.lastFrame, (f) => f.includes("192.168.1.0/24 서브넷 하나에"), within),
    );
    ko.unmount();

    const en = renderUi(
      createElement(LessonScreen, { lesson: lessonView(lesson), startAt: 0, onExit: () => {} }),
    );
    fits(await waitForFrame(en.lastFrame, (f) => f.includes("Two nodes on one subnet"), within));
    await press(en.stdin, KEY.right);
    await waitForFrame(en.lastFrame, (f) => f.includes("step 2 of 3"), within);
    await settle();
    await press(en.stdin, ...scaffold.tryIt.answer.split(""), KEY.enter);
    fits(await waitForFrame(en.lastFrame, (f) => f.includes("Correct"), within));
    en.unmount();
  });

  it("keeps a --title exactly, quotes and colons and Korean included, in both languages", () => {
    const title = 'Pods: "across" nodes \\ 노드 사이 #1';
    const { lesson } = scaffoldLesson({ id: "titled", order: 1, cni: "flannel-vxlan", title });
    expect(parse(lesson.text).title).toEqual({ en: title, ko: title });
  });

  it("names its cluster file inside the pack, and the lesson names that path", () => {
    const scaffold = scaffoldLesson({ id: "named", order: 4, cni: "flannel-vxlan" });
    expect(scaffold.lesson.path).toBe("named.yaml");
    expect(scaffold.cluster.path).toBe("clusters/named.yaml");
    const data = parse(scaffold.lesson.text);
    expect(data.clusters).toEqual({ "two-nodes": "clusters/named.yaml" });
    expect(data.order).toBe(4);
    expect(parse(scaffold.cluster.text).cni).toEqual({
      plugin: "flannel",
      network: "10.244.0.0/16",
      backend: { type: "vxlan" },
    });
  });

  it("explains every top-level field in a comment and points to the format's docs", () => {
    const { lesson } = scaffoldLesson({ id: "commented", order: 1, cni: "flannel-vxlan" });
    for (const field of [
      "formatVersion",
      "id",
      "order",
      "minutes",
      "prerequisites",
      "title",
      "summary",
      "clusters",
      "steps",
    ])
      expect(lesson.text, field).toMatch(new RegExp(`^${field}:.*#`, "m"));
    expect(lesson.text).toContain("docs/lessons.md");
    expect(lesson.text).toContain("docs/authoring.md");
  });

  it("offers the CNIs the command's --help lists", () => {
    expect([...NEW_LESSON_CNIS]).toEqual([...SCAFFOLD_CNIS]);
  });

  it("refuses to scaffold an id the schema does not accept", () => {
    expect(() => scaffoldLesson({ id: "My_Lesson", order: 1, cni: "flannel-vxlan" })).toThrow(
      /kebab-case/,
    );
  });
});

describe("lesson ids and titles for new-lesson", () => {
  it("accepts kebab-case ids and says what is allowed otherwise", () => {
    for (const ok of ["a", "my-lesson", "lesson-2", "04-flannel"])
      expect(lessonIdProblem(ok)).toBeNull();
    for (const bad of ["My-Lesson", "my_lesson", "my--lesson", "-lesson", "lesson-", "", "한글"])
      expect(lessonIdProblem(bad), bad).toBe(
        "an id in kebab-case: lower-case letters and digits joined by single '-'",
      );
  });

  it("refuses an empty title and one with a line break", () => {
    expect(titleProblem("  ")).toBe("the title is empty");
    expect(titleProblem("two\nlines")).toMatch(/one line/);
    expect(titleProblem("Flannel VXLAN")).toBeNull();
  });

  it("picks the order after the largest one, 1 in an empty pack", () => {
    expect(nextOrder([])).toBe(1);
    expect(nextOrder([1, 5, 2])).toBe(6);
  });
});
