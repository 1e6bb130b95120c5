/**
 * Everything the tutorial needs beyond its first screen: the lesson engine (loader, checker,
 * node shell), the simulator and the comparison. The tutorial imports this module after its
 * first frame is on screen, so start-up pays only for Ink, the home screen and the catalogue.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { builtinLessonsDir, examplesDir } from "../cli/package-root";
import { type ModeSummary, summarizeMode } from "../compare/summary";
import { combinePacks, loadPack } from "../lessons/pack";
import type { LessonProblem } from "../lessons/parse";
import { clusterFileScript, runCluster } from "../sim";
import type { LessonEntry } from "./home-model";
import { lessonEntry, lessonView } from "./lesson-adapter";
import type { LessonView } from "./lesson-view";

export interface LessonRuntime {
  /** Every lesson that loaded, as the lesson screen shows it. */
  readonly views: ReadonlyMap<string, LessonView>;
  /** The same lessons as the home screen lists them. */
  readonly entries: readonly LessonEntry[];
  readonly problems: readonly LessonProblem[];
  /** The lessons' digest (src/lessons/pack.ts): what an exam records. */
  readonly digest: string;
}

/** How the tutorial uses the lessons. */
export interface RuntimeOptions {
  /** The pack beside the built-in lessons (`--with-builtin`). */
  readonly withBuiltin?: boolean;
  /** Exam mode: verdicts without the lesson's words for known wrong answers. */
  readonly exam?: boolean;
}

/** Loads the pack in `dir` (named `label` in messages), alone or beside the built-in lessons. */
export function openRuntime(
  dir: string,
  label: string,
  options: RuntimeOptions = {},
): LessonRuntime {
  let pack = loadPack(dir, label);
  if (options.withBuiltin) {
    const builtin = loadPack(builtinLessonsDir(), "lessons");
    pack = combinePacks(builtin, loadPack(dir, label, { beside: builtin }));
  }
  const fromPack = new Set(pack.fromPack);
  const exam = options.exam === true;
  return {
    views: new Map(pack.lessons.map((l) => [l.id, lessonView(l, { exam })])),
    entries: pack.lessons.map((l) =>
      fromPack.has(l.id) ? { ...lessonEntry(l), fromPack: true } : lessonEntry(l),
    ),
    problems: pack.problems,
    digest: pack.digest,
  };
}

/** The CNI modes the compare view sets side by side, from the examples that ship. */
const COMPARED = [
  "flannel-vxlan",
  "flannel-host-gw",
  "calico-bgp",
  "calico-vxlan",
  "cilium-vxlan",
  "cilium-geneve",
  "cilium-native",
  "weave",
];

/** One ping, pod-a to pod-b, summarized in each compared mode. */
export function compareModes(): ModeSummary[] {
  const modes: ModeSummary[] = [];
  for (const name of COMPARED) {
    const text = readFileSync(join(examplesDir(), `${name}.yaml`), "utf8");
    const built = clusterFileScript(text);
    if (!built.ok) continue;
    const { world } = runCluster(built);
    const summary = summarizeMode(built.plan, world, "pod-a", "pod-b");
    if (!("error" in summary)) modes.push(summary);
  }
  return modes;
}
