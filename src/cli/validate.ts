import { validateLessons } from "../checker/validate";
import { formatProblem } from "../lessons/parse";
import { parseCommandLine } from "./args";
import { validateCommand } from "./commands";
import { UsageError } from "./errors";
import { formatHelp } from "./help";
import type { Io } from "./io";
import { openPack } from "./lesson-pack";
import { plural } from "./words";

export function runValidate(args: readonly string[], io: Io): number {
  const name = validateCommand.name;
  const parsed = parseCommandLine(args, validateCommand.options, name);
  if (parsed.values.has("help")) {
    io.out(formatHelp(validateCommand));
    return 0;
  }
  const [dir, ...extra] = [...parsed.positionals, ...parsed.rest];
  if (extra.length > 0)
    throw new UsageError(`unexpected argument "${extra[0]}" (validate takes one DIR)`, name);
  const withBuiltin = parsed.values.has("with-builtin");
  if (withBuiltin && dir === undefined)
    throw new UsageError(
      "--with-builtin checks a pack beside the built-in lessons: give its DIR",
      name,
    );
  const pack = openPack(dir, name, withBuiltin);
  // Beside the built-in lessons, only the pack's own are judged: the built-in ones are judged
  // by `podnet-learn validate` alone (and by the tests that ship with them).
  const own = new Set(pack.fromPack);
  const judged = validateLessons(
    withBuiltin ? pack.lessons.filter((l) => own.has(l.id)) : pack.lessons,
  );
  const problems = [...pack.problems, ...judged.problems].sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col,
  );
  for (const p of problems) io.out(`${formatProblem(p)}\n`);
  if (problems.length > 0) {
    const files = new Set(problems.map((p) => p.file)).size;
    io.out(`${plural(problems.length, "problem")} in ${plural(files, "file")}\n`);
    return 1;
  }
  io.out(
    `${plural(withBuiltin ? own.size : pack.lessons.length, "lesson")}, ${plural(judged.exercises, "exercise")}: all answers judged as stated${withBuiltin ? " (beside the built-in lessons)" : ""}\n`,
  );
  return 0;
}
