/**
 * `podnet-learn new-lesson ID`: writes the scaffold (src/lessons/scaffold.ts) into a lesson pack
 * directory, beside the lessons already there: after their `order`, never over a file, never
 * with an id one of them has. The scaffold's text is made by the lesson module; this file only
 * reads the directory and writes the two files.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse } from "yaml";
import {
  lessonIdProblem,
  nextOrder,
  SCAFFOLD_CNIS,
  type ScaffoldCni,
  scaffoldLesson,
  titleProblem,
} from "../lessons/scaffold";
import { parseCommandLine, stringOption, suggest } from "./args";
import { newLessonCommand } from "./commands";
import { InputError, UsageError } from "./errors";
import { formatHelp } from "./help";
import type { Io } from "./io";
import { builtinLessonsDir } from "./package-root";
import { shellWord } from "./words";

/** A lesson already in the pack: its file, and the id and order it claims (when readable). */
interface PackEntry {
  readonly file: string;
  readonly id: string | undefined;
  readonly order: number | undefined;
}

export function runNewLesson(args: readonly string[], io: Io): number {
  const name = newLessonCommand.name;
  const parsed = parseCommandLine(args, newLessonCommand.options, name);
  if (parsed.values.has("help")) {
    io.out(formatHelp(newLessonCommand));
    return 0;
  }
  const [id, ...extra] = [...parsed.positionals, ...parsed.rest];
  if (id === undefined)
    throw new UsageError(
      "missing ID: new-lesson ID, a kebab-case lesson id (my-first-lesson)",
      name,
    );
  if (extra.length > 0)
    throw new UsageError(`unexpected argument "${extra[0]}" (new-lesson takes one ID)`, name);
  const idProblem = lessonIdProblem(id);
  if (idProblem !== null) {
    const kebab = toKebab(id);
    throw new UsageError(
      `"${id}" is not a lesson id (${idProblem})${kebab === "" ? "" : `; try "${kebab}"`}`,
      name,
    );
  }
  const title = stringOption(parsed, "title");
  const titleWrong = title === undefined ? null : titleProblem(title);
  if (titleWrong !== null) throw new UsageError(`--title: ${titleWrong}`, name);
  const cni = cniOption(stringOption(parsed, "cni"), name);
  const given = stringOption(parsed, "dir");
  const dir = given ?? ".";
  const shown = (path: string): string => (given === undefined ? path : join(given, path));

  const pack = readPack(dir, name);
  const order = nextOrder(
    pack.flatMap((entry) => (entry.order === undefined ? [] : [entry.order])),
  );
  const scaffold = scaffoldLesson({ id, order, cni, ...(title === undefined ? {} : { title }) });
  // The cluster first: a lesson file without its cluster would not validate.
  const files = [scaffold.cluster, scaffold.lesson];
  for (const file of files)
    if (existsSync(join(dir, file.path)))
      throw new InputError(
        `${shown(file.path)} already exists, and new-lesson never overwrites a file: pick another ID, or move the file away`,
        name,
      );
  const taken = pack.find((entry) => entry.id === id);
  if (taken)
    throw new InputError(
      `${shown(taken.file)} already has the lesson id "${id}": ids are unique in a pack; pick another ID`,
      name,
    );
  // Progress is kept by lesson id, and a pack may be used beside the built-in lessons
  // (--with-builtin), where a shared id is refused: a pack's lesson needs an id of its own.
  const builtIn = builtinLessonsDir();
  if (resolve(dir) !== resolve(builtIn)) {
    const same = readPack(builtIn, name).find((entry) => entry.id === id);
    if (same)
      throw new InputError(
        `the built-in lesson lessons/${same.file} has the id "${id}": progress is kept by lesson id, and a pack's lessons are used beside the built-in ones with --with-builtin, so pick an id of your own (like "${id}-lab")`,
        name,
      );
  }
  const written: string[] = [];
  try {
    for (const file of files) {
      const path = join(dir, file.path);
      mkdirSync(dirname(path), { recursive: true });
      // `wx`: a file that appeared since the check above is still not overwritten.
      writeFileSync(path, file.text, { flag: "wx" });
      written.push(path);
    }
  } catch (error) {
    // Both files or neither, so that the ID can simply be tried again.
    for (const path of written) unlinkSync(path);
    throw new InputError(`cannot write the lesson: ${(error as Error).message}`, name);
  }
  const arg = shellWord(dir);
  const { step, answer } = scaffold.tryIt;
  io.out(
    [
      `Wrote ${shown(scaffold.lesson.path)}: lesson ${id}, order ${order}: a read step, a route step, a predict step`,
      `Wrote ${shown(scaffold.cluster.path)}: its cluster, ${cni} on two nodes`,
      "",
      "Next, edit the lesson, then:",
      `  podnet-learn validate ${arg}     check the pack and judge every answer`,
      `  podnet-learn --lessons ${arg}    try it in the tutorial`,
      `  podnet-learn check ${id} --step ${step} --answer "${answer}" --lessons ${arg}`,
      "How to write a lesson: docs/authoring.md; the whole format: docs/lessons.md.",
      "",
    ].join("\n"),
  );
  return 0;
}

function cniOption(value: string | undefined, command: string): ScaffoldCni {
  if (value === undefined) return SCAFFOLD_CNIS[0];
  const found = SCAFFOLD_CNIS.find((c) => c === value);
  if (found) return found;
  const near = suggest(value, SCAFFOLD_CNIS);
  throw new UsageError(
    `--cni takes ${SCAFFOLD_CNIS.join(" or ")}, not "${value}"${near ? `; did you mean "${near}"?` : ""}`,
    command,
  );
}

/**
 * The lessons already in `dir` (made when missing): each top-level `*.yaml`/`*.yml`, with the id
 * and order it claims. A file that does not parse claims nothing: `validate` reports it.
 */
function readPack(dir: string, command: string): PackEntry[] {
  let names: string[];
  try {
    if (!existsSync(dir)) return [];
    if (!statSync(dir).isDirectory())
      throw new InputError(
        `${dir} is not a directory: --dir names the lesson pack's directory`,
        command,
      );
    names = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read ${dir}: ${(error as Error).message}`, command);
  }
  return names.map((file) => {
    let value: unknown;
    try {
      value = parse(readFileSync(join(dir, file), "utf8"));
    } catch {
      return { file, id: undefined, order: undefined };
    }
    const lesson = (value ?? {}) as { id?: unknown; order?: unknown };
    return {
      file,
      id: typeof lesson.id === "string" ? lesson.id : undefined,
      order:
        typeof lesson.order === "number" && Number.isSafeInteger(lesson.order) && lesson.order > 0
          ? lesson.order
          : undefined,
    };
  });
}

/** `My Lesson_2` → `my-lesson-2`: what the author probably meant (empty when nothing is left). */
function toKebab(id: string): string {
  return id
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
