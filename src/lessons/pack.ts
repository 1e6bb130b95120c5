/**
 * A lesson pack: a directory of lesson files (`*.yaml`, `*.yml`) and the cluster files they name
 * by path. Reads every lesson, loads each cluster file once, and checks what holds across the
 * pack: lesson ids and orders unique, prerequisites that exist, no prerequisite cycle. This is
 * the one part of the lesson engine that reads files.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { suggest } from "../cli/args";
import { loadCluster } from "../sim/cluster/load";
import { type ClusterLookup, type Lesson, type LessonProblem, parseLesson } from "./parse";

/** Every lesson of a pack that loaded, in `order`, and every problem found on the way. */
export interface LessonPack {
  /** The directory, as given. */
  readonly dir: string;
  readonly lessons: readonly Lesson[];
  /** How many lesson files the pack has, loaded or not. */
  readonly files: number;
  /** Every problem, by file, then line. */
  readonly problems: readonly LessonProblem[];
}

/** The lesson files of a directory: `*.yaml` and `*.yml` at its top, in name order. */
function lessonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => e.name)
    .sort();
}

/**
 * Loads a pack from `dir`; files are named in problems as `label/NAME` (label: the directory as
 * the reader knows it, `lessons` for the built-in pack). A directory that does not exist is an
 * empty pack with one problem.
 */
export function loadPack(dir: string, label = dir): LessonPack {
  const shown = (name: string): string =>
    label === "" ? name : `${label.replace(/\/+$/, "")}/${name}`;
  const problems: LessonProblem[] = [];
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error("not a directory");
    names = lessonFiles(dir);
  } catch {
    return {
      dir,
      lessons: [],
      files: 0,
      problems: [{ file: label, line: 1, col: 1, message: "no such lesson directory" }],
    };
  }
  const root = resolve(dir);
  const clusterCache = new Map<string, ClusterLookup>();
  const clusterAt = (ref: string): ClusterLookup => {
    const abs = resolve(root, ref);
    const rel = relative(root, abs);
    if (
      isAbsolute(ref) ||
      rel === "" ||
      rel.startsWith(`..${sep}`) ||
      rel === ".." ||
      isAbsolute(rel)
    )
      return {
        ok: false,
        message: `"${ref}" leaves the lesson pack: cluster paths are relative to ${label} and stay inside it`,
      };
    const cached = clusterCache.get(abs);
    if (cached) return cached;
    const file = shown(rel.split(sep).join("/"));
    const result = readCluster(abs, file, problems);
    clusterCache.set(abs, result);
    return result;
  };
  const lessons: Lesson[] = [];
  for (const name of names) {
    const file = shown(name);
    let text: string;
    try {
      text = readFileSync(join(dir, name), "utf8");
    } catch (e) {
      problems.push({ file, line: 1, col: 1, message: `cannot read: ${(e as Error).message}` });
      continue;
    }
    const parsed = parseLesson(text, file, clusterAt);
    problems.push(...parsed.problems);
    if (parsed.lesson) lessons.push(parsed.lesson);
  }
  problems.push(...checkAcross(lessons));
  problems.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col,
  );
  lessons.sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : 1));
  return { dir, lessons, files: names.length, problems };
}

/** Reads and plans one cluster file; its own problems go to `problems`, located in it. */
function readCluster(abs: string, file: string, problems: LessonProblem[]): ClusterLookup {
  let text: string;
  try {
    text = readFileSync(abs, "utf8");
  } catch {
    return { ok: false, message: `the cluster file ${file} does not exist` };
  }
  const loaded = loadCluster(text);
  if (loaded.ok) return { ok: true, plan: loaded.plan, file };
  for (const e of loaded.errors)
    problems.push({ file, line: e.line, col: e.col, message: e.message });
  const n = loaded.errors.length;
  return { ok: false, message: `the cluster file ${file} has ${n} problem${n === 1 ? "" : "s"}` };
}

/** Ids and orders unique across the pack; prerequisites that exist and make no cycle. */
function checkAcross(lessons: readonly Lesson[]): LessonProblem[] {
  const problems: LessonProblem[] = [];
  const at = (lesson: Lesson, path: (string | number)[], message: string): void => {
    problems.push({ file: lesson.file, ...lesson.locate(path), message });
  };
  const byId = new Map<string, Lesson>();
  const byOrder = new Map<number, Lesson>();
  for (const lesson of lessons) {
    const same = byId.get(lesson.id);
    if (same) at(lesson, ["id"], `id: ${same.file} has the id "${lesson.id}" too`);
    else byId.set(lesson.id, lesson);
    const sameOrder = byOrder.get(lesson.order);
    if (sameOrder) at(lesson, ["order"], `order: ${sameOrder.file} has order ${lesson.order} too`);
    else byOrder.set(lesson.order, lesson);
  }
  const ids = [...byId.keys()];
  for (const lesson of lessons)
    lesson.prerequisites.forEach((id, i) => {
      if (id === lesson.id)
        at(lesson, ["prerequisites", i], `prerequisites[${i}]: a lesson cannot require itself`);
      else if (!byId.has(id)) {
        const near = suggest(id, ids);
        at(
          lesson,
          ["prerequisites", i],
          `prerequisites[${i}]: no lesson has the id "${id}"${near ? `; did you mean "${near}"?` : ""}`,
        );
      }
    });
  // A cycle is reported once, at the lesson where the walk comes back to where it started.
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (id: string): void => {
    const lesson = byId.get(id);
    if (!lesson || state.get(id) === "done") return;
    if (state.get(id) === "visiting") {
      const cycle = [...stack.slice(stack.indexOf(id)), id];
      const from = byId.get(stack[stack.length - 1] as string) as Lesson;
      at(
        from,
        ["prerequisites", from.prerequisites.indexOf(id)],
        `prerequisites: a cycle: ${cycle.join(" → ")} (each requires the next)`,
      );
      return;
    }
    state.set(id, "visiting");
    stack.push(id);
    for (const next of lesson.prerequisites) if (next !== id) visit(next);
    stack.pop();
    state.set(id, "done");
  };
  for (const id of ids) visit(id);
  return problems;
}
