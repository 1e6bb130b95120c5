/**
 * `podnet-learn report DIR`: reads every `*.json` of DIR (progress exports and quiz reports),
 * names the files it leaves out, and writes the class summary as Markdown, CSV or JUnit XML.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildClassReport } from "../report/class-report";
import { formatCsv } from "../report/csv";
import { type ResultFile, readResult } from "../report/inputs";
import { formatJunit } from "../report/junit";
import { formatMarkdown } from "../report/markdown";
import { unreachable } from "../sim/unreachable";
import { parseCommandLine, stringOption } from "./args";
import { reportCommand } from "./commands";
import { InputError, UsageError } from "./errors";
import { formatHelp } from "./help";
import type { Io } from "./io";

/** A result file larger than this is not one `export-progress` or the quiz wrote. */
const MAX_RESULT_BYTES = 4 * 1024 * 1024;

const FORMATS = ["md", "csv", "junit"] as const;
type Format = (typeof FORMATS)[number];

function readResults(dir: string, command: string): ResultFile[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory())
      throw new InputError(
        `${JSON.stringify(dir)} is not a directory: give the directory the result files are in`,
        command,
      );
    names = readdirSync(dir).filter((n) => n.endsWith(".json"));
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      code === "ENOENT"
        ? `no directory ${JSON.stringify(dir)} (paths are relative to the current directory)`
        : `cannot read the directory ${JSON.stringify(dir)}: ${(error as Error).message}`,
      command,
    );
  }
  return names.sort().map((name): ResultFile => {
    const path = join(dir, name);
    try {
      const stat = statSync(path);
      if (!stat.isFile()) return { kind: "skipped", file: name, reason: "not a file" };
      if (stat.size > MAX_RESULT_BYTES)
        return { kind: "skipped", file: name, reason: "larger than any result file (4 MiB)" };
      return readResult(name, readFileSync(path, "utf8"));
    } catch (error) {
      return { kind: "skipped", file: name, reason: `cannot be read: ${(error as Error).message}` };
    }
  });
}

export function runReport(args: readonly string[], io: Io): number {
  const command = reportCommand.name;
  const parsed = parseCommandLine(args, reportCommand.options, command);
  if (parsed.values.has("help")) {
    io.out(formatHelp(reportCommand));
    return 0;
  }
  const [dir, ...extra] = [...parsed.positionals, ...parsed.rest];
  if (dir === undefined)
    throw new UsageError("missing DIR: the directory of result files", command);
  if (extra.length > 0)
    throw new UsageError(`unexpected argument "${extra[0]}" (report takes one DIR)`, command);
  const format = stringOption(parsed, "format") ?? "md";
  if (!(FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format takes md, csv or junit, not "${format}"`, command);
  const files = readResults(dir, command);
  for (const f of files)
    if (f.kind === "skipped") io.err(`podnet-learn ${command}: left out ${f.file}: ${f.reason}\n`);
  if (!files.some((f) => f.kind !== "skipped"))
    throw new InputError(
      `no progress export or quiz report in ${JSON.stringify(dir)}: learners make them with podnet-learn export-progress --name NAME > NAME.json`,
      command,
    );
  const report = buildClassReport(files);
  const text = formatted(format as Format, report);
  const out = stringOption(parsed, "out");
  if (out === undefined) {
    io.out(text);
    return 0;
  }
  try {
    writeFileSync(out, text);
  } catch (error) {
    throw new InputError(`cannot write ${out}: ${(error as Error).message}`, command);
  }
  io.err(
    `Wrote ${out}: ${report.learners.length} learners, ${report.quizzes.length} quiz reports.\n`,
  );
  return 0;
}

function formatted(format: Format, report: ReturnType<typeof buildClassReport>): string {
  switch (format) {
    case "md":
      return formatMarkdown(report);
    case "csv":
      return formatCsv(report);
    case "junit":
      return formatJunit(report);
    default:
      return unreachable(format);
  }
}
