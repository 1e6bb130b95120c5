import { validateLessons } from "../checker/validate";
import { formatProblem } from "../lessons/parse";
import { type CommandSpec, NO_COLOR_OPTION, parseCommandLine, withHelp } from "./args";
import { UsageError } from "./errors";
import { formatHelp } from "./help";
import type { Io } from "./io";
import { openPack } from "./lesson-pack";

export const validateCommand: CommandSpec = {
  name: "validate",
  summary: "Check a lesson pack: every file, and every answer judged by the simulator",
  usage: "validate [DIR]",
  options: withHelp([NO_COLOR_OPTION]),
  examples: ["podnet-learn validate", "podnet-learn validate my-lessons"],
  notes: [
    "DIR is a lesson pack (lesson files and the cluster files they name); without it, the",
    "built-in lessons. Every problem is printed as FILE:LINE:COL: what is wrong, then a summary:",
    "the schema, both languages in every text, ids, prerequisites, clusters, scenario changes,",
    "that every reference answer passes and every known wrong answer fails as the lesson says",
    "(and, when not, how it did fail), and that a route or fix step does not pass unanswered.",
    "Exit status: 0 when all is well, 1 when there are problems, 2 when the command line is",
    "wrong or DIR is not a directory.",
  ],
};

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
