import { fileURLToPath } from "node:url";
import { loadPack } from "../../src/lessons/pack";
import type { Lesson } from "../../src/lessons/parse";
import { formatProblem } from "../../src/lessons/parse";
import type { Exercise } from "../../src/lessons/schema";

/** The fixture pack: one exercise of every kind, on clusters copied into it. */
export const FIXTURE_PACK = fileURLToPath(new URL("../fixtures/lessons/pack", import.meta.url));

let loaded: readonly Lesson[] | null = null;

/** The fixture pack's lessons; a problem in it fails the test that asked. */
export function fixtureLessons(): readonly Lesson[] {
  if (loaded) return loaded;
  const pack = loadPack(FIXTURE_PACK, "pack");
  if (pack.problems.length > 0)
    throw new Error(
      `the fixture pack has problems:\n${pack.problems.map(formatProblem).join("\n")}`,
    );
  loaded = pack.lessons;
  return loaded;
}

/** A lesson of the fixture pack and one of its exercises, by ids. */
export function fixtureStep(lessonId: string, stepId: string): { lesson: Lesson; step: Exercise } {
  const lesson = fixtureLessons().find((l) => l.id === lessonId);
  const step = lesson?.steps.find((s) => s.id === stepId);
  if (!lesson || !step || step.kind === "read")
    throw new Error(`no exercise ${lessonId}/${stepId}`);
  return { lesson, step };
}
