import { validateLessons } from "../checker/validate";
import { formatProblem } from "../lessons/parse";
import { parseCommandLine } from "./args";
import { validateCommand } from "./commands";
import { UsageError } from "./errors";
import { formatHelp } from "./help";
import type { Io } from "./io";
import { openPack } from "./lesson-pack";

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

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
  const pack = openPack(dir, name);
  const judged = validateLessons(pack.lessons);
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
    `${plural(pack.lessons.length, "lesson")}, ${plural(judged.exercises, "exercise")}: all answers judged as stated\n`,
  );
  return 0;
}
