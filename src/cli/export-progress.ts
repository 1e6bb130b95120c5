/**
 * `podnet-learn export-progress --name NAME`: the learner's progress (or exam) over the lessons
 * they used, as the JSON file `report` reads (src/progress/export.ts). Reads the progress store
 * and the lessons; writes stdout or `--out FILE`.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { version } from "../../package.json";
import { exportProgress, nameProblem } from "../progress/export";
import { examConfigName, ProgressStore, progressDir } from "../progress/store";
import { parseCommandLine, requiredOption, stringOption } from "./args";
import { exportProgressCommand } from "./commands";
import { InputError, UsageError } from "./errors";
import { formatHelp } from "./help";
import type { Io } from "./io";
import { openPack, packChoice } from "./lesson-pack";

export function runExportProgress(
  args: readonly string[],
  io: Io,
  now: () => Date = () => new Date(),
): number {
  const command = exportProgressCommand.name;
  const parsed = parseCommandLine(args, exportProgressCommand.options, command);
  if (parsed.values.has("help")) {
    io.out(formatHelp(exportProgressCommand));
    return 0;
  }
  const stray = [...parsed.positionals, ...parsed.rest][0];
  if (stray !== undefined)
    throw new UsageError(`unexpected argument "${stray}" (the name goes in --name NAME)`, command);
  const name = requiredOption(parsed, exportProgressCommand.options, "name", command);
  const problem = nameProblem(name);
  if (problem !== null) throw new UsageError(problem, command);
  const choice = packChoice(parsed, command);
  const pack = openPack(choice.dir, command, choice.withBuiltin);
  if (pack.lessons.length === 0)
    throw new InputError(
      `no lesson loaded from ${choice.dir ?? "the built-in lessons"} (podnet-learn validate shows why)`,
      command,
    );
  const dir = progressDir();
  const examName = examConfigName(pack.digest);
  const exam = parsed.values.has("exam");
  if (exam && !existsSync(join(dir, `${examName}.json`)))
    throw new InputError(
      `no exam of these lessons was taken here (no ${join(dir, `${examName}.json`)}): give the same --lessons${choice.withBuiltin ? " and --with-builtin" : ""} as the exam, and the same PODNET_CONFIG_DIR if one was set`,
      command,
    );
  if (!exam && existsSync(join(dir, `${examName}.json`)))
    io.err(
      `podnet-learn ${command}: note: an exam of these lessons was taken here; this exports practice progress (add --exam for the exam)\n`,
    );
  const store = new ProgressStore(exam ? { dir, configName: examName } : { dir });
  const progress = store.read();
  for (const s of store.setAside)
    io.err(
      `podnet-learn ${command}: the progress file could not be read (${s.reason}); it was moved to ${s.path}\n`,
    );
  const exported = exportProgress({
    progress,
    lessons: pack.lessons,
    fromPack: pack.fromPack,
    builtInOnly: choice.dir === undefined,
    pack: pack.digest,
    name,
    version,
    exportedAt: now(),
  });
  const json = `${JSON.stringify(exported, null, 2)}\n`;
  const out = stringOption(parsed, "out");
  if (out === undefined) {
    io.out(json);
    return 0;
  }
  try {
    writeFileSync(out, json);
  } catch (error) {
    throw new InputError(`cannot write ${out}: ${(error as Error).message}`, command);
  }
  const passed = exported.lessons.filter((l) => l.finished).length;
  io.err(
    `Wrote ${out}: ${exported.name}, ${passed} of ${exported.lessons.length} lessons finished${exported.exam ? " (exam)" : ""}.\n`,
  );
  return 0;
}
