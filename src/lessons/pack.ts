/**
 * A lesson pack: a directory of lesson files (`*.yaml`, `*.yml`) and the cluster files they name
 * by path. Reads every lesson, loads each cluster file once, and checks what holds across the
 * pack: lesson ids and orders unique, prerequisites that exist, no prerequisite cycle. This is
 * the one part of the lesson engine that reads files.
 *
 * A pack may come from anyone (a workshop's instructor, a colleague), so it is read as data
 * only and within limits: no YAML tags (the `yaml` library runs no code, but a tag is never
 * needed for lesson data and `!!binary` or `!!set` would make values of other kinds), a bounded
 * number of aliases (a "billion laughs" file would otherwise expand in the schema check), every
 * file inside the pack once symlinks are resolved, and files and file counts under the limits
 * of `PACK_LIMITS`. Each refusal is a problem at the file, like any other.
 */
import { createHash } from "node:crypto";
import { type Dirent, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { Lexer } from "yaml";
import { suggest } from "../cli/args";
import { loadCluster } from "../sim/cluster/load";
import { type ClusterLookup, type Lesson, type LessonProblem, parseLesson } from "./parse";

/**
 * What a pack may hold. The largest built-in lesson is under 50 KiB and the largest cluster
 * file (a hundred Services) under 20 KiB: the limits leave five times the room and more, and
 * still bound what one `validate` or tutorial start can be made to read.
 */
export const PACK_LIMITS = {
  /** Bytes of one lesson file. */
  lessonBytes: 256 * 1024,
  /** Bytes of one cluster file. */
  clusterBytes: 1024 * 1024,
  /** Lesson files at the pack's top. */
  lessonFiles: 100,
  /** Distinct cluster files the lessons name. */
  clusterFiles: 200,
  /** Aliases (`*name`) in one file: enough to share a block or two, never a bomb. */
  aliases: 100,
} as const;

/** Every lesson of a pack that loaded, in `order`, and every problem found on the way. */
export interface LessonPack {
  /** The directory, as given. */
  readonly dir: string;
  readonly lessons: readonly Lesson[];
  /** How many lesson files the pack has, loaded or not. */
  readonly files: number;
  /** Every problem, by file, then line. */
  readonly problems: readonly LessonProblem[];
  /**
   * When a pack is loaded beside the built-in lessons (`--with-builtin`): the ids of the
   * pack's own lessons (the others are built in). Empty for a pack on its own.
   */
  readonly fromPack: readonly string[];
  /**
   * SHA-256 (hex) of every file the pack was read from (lesson and cluster files, by their names
   * inside the pack, not where the pack lies): two learners with the same digest had the same
   * lessons. An exam records it, and the class report compares it.
   */
  readonly digest: string;
}

/** The digest of files read, by their names inside the pack, whatever order they were read in. */
function digestOf(files: ReadonlyMap<string, string>): string {
  const hash = createHash("sha256");
  for (const name of [...files.keys()].sort()) {
    const text = files.get(name) as string;
    hash.update(`${name}\0${Buffer.byteLength(text)}\0${text}`);
  }
  return hash.digest("hex");
}

/** A size in words: `256 KiB`, `1 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024) return `${Math.ceil(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}

/** Why a directory could not be listed, in words a reader can act on. */
function unreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "no such lesson directory";
    case "ENOTDIR":
      return "not a directory: a lesson pack is a directory of lesson files";
    case "EACCES":
    case "EPERM":
      return "the lesson directory cannot be read (permission denied): check its permissions (ls -ld)";
    default:
      return `the lesson directory cannot be read: ${(error as Error).message}`;
  }
}

/** The lesson files of a directory: `*.yaml` and `*.yml` at its top (files or symlinks), in name order. */
function lessonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e: Dirent) => (e.isFile() || e.isSymbolicLink()) && /\.ya?ml$/.test(e.name))
    .map((e) => e.name)
    .sort();
}

/** Whether `path` (resolved) is `root` or inside it. */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * Reads a file of the pack: refused when it resolves (symlinks followed) outside the pack, is
 * not a regular file, or is larger than `limit`. The message says which and what to do.
 */
function readInside(
  root: string,
  path: string,
  limit: number,
  what: string,
): { ok: true; text: string } | { ok: false; message: string } {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      ok: false,
      message: code === "ENOENT" ? "does not exist" : `cannot be read: ${(e as Error).message}`,
    };
  }
  if (!inside(root, real))
    return {
      ok: false,
      message: `leads through a symlink to ${real}, outside the lesson pack: a pack's files stay inside its directory (copy the file in instead)`,
    };
  try {
    const stat = statSync(real);
    if (!stat.isFile()) return { ok: false, message: "is not a regular file" };
    if (stat.size > limit)
      return {
        ok: false,
        message: `is ${formatBytes(stat.size)}; a ${what} may be at most ${formatBytes(limit)} (split it, or move inline clusters to files)`,
      };
    return { ok: true, text: readFileSync(real, "utf8") };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      ok: false,
      message:
        code === "EACCES" || code === "EPERM"
          ? "cannot be read (permission denied)"
          : `cannot be read: ${(e as Error).message}`,
    };
  }
}

/** The single-character markers the lexer yields that are not part of the source. */
const LEXER_MARKERS = new Set(["\u0002", "\u0018", "\u001f"]);

/**
 * The YAML features a lesson pack does without, found by lexing (cheap: no document is built):
 * any tag (`!foo`, `!!binary`, `!!js/function`), and more aliases than `PACK_LIMITS.aliases`.
 * Files with neither `!` nor `*` skip the lexer.
 */
export function dataOnlyProblems(text: string, file: string): LessonProblem[] {
  if (!text.includes("!") && !text.includes("*")) return [];
  const problems: LessonProblem[] = [];
  let offset = 0;
  let aliases = 0;
  let blockScalarNext = false;
  const at = (pos: number) => {
    const before = text.slice(0, pos);
    const line = before.split("\n").length;
    return { line, col: pos - before.lastIndexOf("\n") };
  };
  for (const token of new Lexer().lex(text)) {
    const start = offset;
    if (!LEXER_MARKERS.has(token)) offset += token.length;
    if (token === "\n" || LEXER_MARKERS.has(token) || /^[ \t]+$/.test(token)) continue;
    if (token.startsWith("#")) continue;
    // The body of a `|` or `>` block scalar is text, whatever its first character.
    if (blockScalarNext) {
      blockScalarNext = false;
      continue;
    }
    if (token.startsWith("|") || token.startsWith(">")) blockScalarNext = true;
    else if (token.startsWith("!"))
      problems.push({
        file,
        ...at(start),
        message: `YAML tag ${token.slice(0, 40)}: a lesson pack is data only, and tags are not allowed (remove it; quote the value if it is text)`,
      });
    else if (token.startsWith("*")) {
      aliases++;
      if (aliases === PACK_LIMITS.aliases + 1)
        problems.push({
          file,
          ...at(start),
          message: `more than ${PACK_LIMITS.aliases} YAML aliases (*name): a lesson file may use at most ${PACK_LIMITS.aliases}`,
        });
    }
  }
  return problems;
}

/** Options of `loadPack`. */
export interface LoadOptions {
  /**
   * Lessons loaded already (the built-in ones) that this pack is used beside: its ids must not
   * collide with theirs, and its prerequisites may name them.
   */
  readonly beside?: LessonPack;
}

/**
 * Loads a pack from `dir`; files are named in problems as `label/NAME` (label: the directory as
 * the reader knows it, `lessons` for the built-in pack). A directory that does not exist or
 * cannot be read is an empty pack with one problem that says which.
 */
export function loadPack(dir: string, label = dir, options: LoadOptions = {}): LessonPack {
  const shown = (name: string): string =>
    label === "" ? name : `${label.replace(/\/+$/, "")}/${name}`;
  const problems: LessonProblem[] = [];
  const empty = (message: string): LessonPack => ({
    dir,
    lessons: [],
    files: 0,
    problems: [{ file: label, line: 1, col: 1, message }],
    fromPack: [],
    digest: digestOf(new Map()),
  });
  let names: string[];
  let root: string;
  try {
    if (!statSync(dir).isDirectory()) return empty(unreadable({ code: "ENOTDIR" }));
    root = realpathSync(dir);
    names = lessonFiles(dir);
  } catch (error) {
    return empty(unreadable(error));
  }
  if (names.length > PACK_LIMITS.lessonFiles)
    return {
      ...empty(
        `${names.length} lesson files; a pack may have at most ${PACK_LIMITS.lessonFiles} (split it into several packs)`,
      ),
      files: names.length,
    };
  const clusterCache = new Map<string, ClusterLookup>();
  const read = new Map<string, string>();
  let tooManyClusters = false;
  const clusterAt = (ref: string): ClusterLookup => {
    const abs = resolve(root, ref);
    if (isAbsolute(ref) || !inside(root, abs) || abs === root)
      return {
        ok: false,
        message: `"${ref}" leaves the lesson pack: cluster paths are relative to ${label} and stay inside it`,
      };
    const cached = clusterCache.get(abs);
    if (cached) return cached;
    const file = shown(relative(root, abs).split(sep).join("/"));
    if (clusterCache.size >= PACK_LIMITS.clusterFiles) {
      if (!tooManyClusters)
        problems.push({
          file,
          line: 1,
          col: 1,
          message: `the pack names more than ${PACK_LIMITS.clusterFiles} cluster files; a pack may use at most ${PACK_LIMITS.clusterFiles}`,
        });
      tooManyClusters = true;
      return { ok: false, message: `the cluster file ${file} is over the pack's limit of files` };
    }
    const result = readCluster(root, abs, file, problems, (text) =>
      read.set(`clusters:${relative(root, abs).split(sep).join("/")}`, text),
    );
    clusterCache.set(abs, result);
    return result;
  };
  const lessons: Lesson[] = [];
  for (const name of names) {
    const file = shown(name);
    const lessonFile = readInside(root, join(dir, name), PACK_LIMITS.lessonBytes, "lesson file");
    if (!lessonFile.ok) {
      problems.push({ file, line: 1, col: 1, message: `the file ${lessonFile.message}` });
      continue;
    }
    read.set(`lessons:${name}`, lessonFile.text);
    const unsafe = dataOnlyProblems(lessonFile.text, file);
    if (unsafe.length > 0) {
      problems.push(...unsafe);
      continue;
    }
    const parsed = parseLesson(lessonFile.text, file, clusterAt);
    problems.push(...parsed.problems);
    if (parsed.lesson) lessons.push(parsed.lesson);
  }
  problems.push(...checkAcross(lessons, options.beside?.lessons ?? []));
  problems.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col,
  );
  lessons.sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : 1));
  return { dir, lessons, files: names.length, problems, fromPack: [], digest: digestOf(read) };
}

/**
 * A pack used beside the built-in lessons: the built-in lessons first (in their order), then
 * the pack's (in theirs); problems of both; `fromPack` names the pack's lessons. Load `own`
 * with `{ beside: builtin }` so collisions and prerequisites are checked across the two.
 */
export function combinePacks(builtin: LessonPack, own: LessonPack): LessonPack {
  const ownIds = new Set(own.lessons.map((l) => l.id));
  return {
    dir: own.dir,
    lessons: [...builtin.lessons.filter((l) => !ownIds.has(l.id)), ...own.lessons],
    files: builtin.files + own.files,
    problems: [...builtin.problems, ...own.problems],
    fromPack: own.lessons.map((l) => l.id),
    digest: createHash("sha256").update(`${builtin.digest}\0${own.digest}`).digest("hex"),
  };
}

/** Reads and plans one cluster file; its own problems go to `problems`, located in it. */
function readCluster(
  root: string,
  abs: string,
  file: string,
  problems: LessonProblem[],
  onRead: (text: string) => void,
): ClusterLookup {
  const read = readInside(root, abs, PACK_LIMITS.clusterBytes, "cluster file");
  if (!read.ok) {
    if (read.message === "does not exist")
      return { ok: false, message: `the cluster file ${file} does not exist` };
    problems.push({ file, line: 1, col: 1, message: `the file ${read.message}` });
    return { ok: false, message: `the cluster file ${file} cannot be used` };
  }
  onRead(read.text);
  const unsafe = dataOnlyProblems(read.text, file);
  if (unsafe.length > 0) {
    problems.push(...unsafe);
    return { ok: false, message: `the cluster file ${file} cannot be used` };
  }
  const loaded = loadCluster(read.text);
  if (loaded.ok) return { ok: true, plan: loaded.plan, file };
  for (const e of loaded.errors)
    problems.push({ file, line: e.line, col: e.col, message: e.message });
  const n = loaded.errors.length;
  return { ok: false, message: `the cluster file ${file} has ${n} problem${n === 1 ? "" : "s"}` };
}

/**
 * Ids and orders unique across the pack; prerequisites that exist (in the pack or in `beside`)
 * and make no cycle. An id that a lesson of `beside` has too is reported naming both files.
 */
function checkAcross(lessons: readonly Lesson[], beside: readonly Lesson[]): LessonProblem[] {
  const problems: LessonProblem[] = [];
  const at = (lesson: Lesson, path: (string | number)[], message: string): void => {
    problems.push({ file: lesson.file, ...lesson.locate(path), message });
  };
  const besideById = new Map(beside.map((l) => [l.id, l]));
  const byId = new Map<string, Lesson>();
  const byOrder = new Map<number, Lesson>();
  for (const lesson of lessons) {
    const same = byId.get(lesson.id);
    const builtIn = besideById.get(lesson.id);
    if (same) at(lesson, ["id"], `id: ${same.file} has the id "${lesson.id}" too`);
    else if (builtIn)
      at(
        lesson,
        ["id"],
        `id: the built-in lesson ${builtIn.file} has the id "${lesson.id}" too; a pack used beside the built-in lessons needs ids of its own (rename it, and its prerequisites)`,
      );
    else byId.set(lesson.id, lesson);
    const sameOrder = byOrder.get(lesson.order);
    if (sameOrder) at(lesson, ["order"], `order: ${sameOrder.file} has order ${lesson.order} too`);
    else byOrder.set(lesson.order, lesson);
  }
  const ids = [...byId.keys(), ...besideById.keys()];
  for (const lesson of lessons)
    lesson.prerequisites.forEach((id, i) => {
      if (id === lesson.id)
        at(lesson, ["prerequisites", i], `prerequisites[${i}]: a lesson cannot require itself`);
      else if (!byId.has(id) && !besideById.has(id)) {
        const near = suggest(id, ids);
        const builtin =
          beside.length === 0 ? " (with --with-builtin, the built-in lessons' ids count too)" : "";
        at(
          lesson,
          ["prerequisites", i],
          `prerequisites[${i}]: no lesson has the id "${id}"${near ? `; did you mean "${near}"?` : ""}${near ? "" : builtin}`,
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
