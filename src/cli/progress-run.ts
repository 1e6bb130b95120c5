import { existsSync } from "node:fs";
import { join } from "node:path";
import { resetLessons } from "../progress/record";
import type { Progress } from "../progress/schema";
import { examConfigName, ProgressStore, progressDir } from "../progress/store";
import { parseCommandLine, suggest } from "./args";
import { progressCommand, resetCommand } from "./commands";
import { InputError } from "./errors";
import { formatHelp } from "./help";
import type { Io } from "./io";
import { openPack, type PackChoice, packChoice } from "./lesson-pack";

interface LessonRow {
  readonly id: string;
  readonly order: number;
  readonly title: string;
  readonly steps: number;
  readonly done: number;
  readonly hints: number;
  readonly attempts: number;
  readonly seconds: number;
  readonly finished: boolean;
}

function rowsOf(progress: Progress, choice: PackChoice): LessonRow[] {
  const pack = openPack(choice.dir, "progress", choice.withBuiltin);
  return pack.lessons.map((lesson) => {
    const saved = progress.lessons[lesson.id]?.steps ?? {};
    const steps = lesson.steps.map((s) => saved[s.id]);
    return {
      id: lesson.id,
      order: lesson.order,
      title: lesson.title.en,
      steps: lesson.steps.length,
      done: steps.filter((s) => s?.done).length,
      hints: steps.reduce((n, s) => n + (s?.hints ?? 0), 0),
      attempts: steps.reduce((n, s) => n + (s?.attempts ?? 0), 0),
      seconds: Math.round(steps.reduce((n, s) => n + (s?.seconds ?? 0), 0)),
      finished: lesson.steps.every((s) => saved[s.id]?.done === true),
    };
  });
}

function minutes(seconds: number): string {
  return seconds < 60 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

function notices(store: ProgressStore, io: Io): void {
  for (const s of store.setAside)
    io.err(
      `podnet-learn: the progress file could not be read (${s.reason}); it was moved to ${s.path}\n`,
    );
}

export function runProgress(args: readonly string[], io: Io): number {
  const parsed = parseCommandLine(args, progressCommand.options, progressCommand.name);
  if (parsed.values.has("help")) {
    io.out(formatHelp(progressCommand));
    return 0;
  }
  const store = new ProgressStore();
  const progress = store.read();
  notices(store, io);
  const rows = rowsOf(progress, packChoice(parsed, progressCommand.name));
  if (parsed.values.has("json")) {
    io.out(
      `${JSON.stringify(
        {
          file: store.path,
          streak: progress.streak,
          lessonsDone: rows.filter((r) => r.finished).length,
          lessons: rows,
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  const width = Math.max(...rows.map((r) => r.id.length), 6);
  const lines = rows.map(
    (r) =>
      `${String(r.order).padStart(3)}  ${r.id.padEnd(width)}  ${`${r.done}/${r.steps}`.padStart(5)}  ${r.finished ? "done" : r.done > 0 ? "started" : "-      "}  hints ${r.hints}, attempts ${r.attempts}, ${minutes(r.seconds)}`,
  );
  io.out(
    `${rows.filter((r) => r.finished).length} of ${rows.length} lessons done; ${progress.streak} ${progress.streak === 1 ? "exercise" : "exercises"} in a row without a hint\n\n${lines.join("\n")}\n\n(${store.path})\n`,
  );
  return 0;
}

export function runReset(args: readonly string[], io: Io): number {
  const parsed = parseCommandLine(args, resetCommand.options, resetCommand.name);
  if (parsed.values.has("help")) {
    io.out(formatHelp(resetCommand));
    return 0;
  }
  const id = parsed.positionals[0];
  const all = parsed.values.has("all");
  if ((id === undefined) === !all)
    throw new InputError("name one lesson to forget, or --all for every lesson", "reset");
  if (parsed.values.has("exam")) return resetExam(parsed, id, io);
  const store = new ProgressStore();
  if (id !== undefined) {
    const choice = packChoice(parsed, "reset");
    const pack = openPack(choice.dir, "reset", choice.withBuiltin);
    const ids = pack.lessons.map((l) => l.id);
    if (!ids.includes(id)) {
      const nearest = suggest(id, ids);
      throw new InputError(
        `no lesson "${id}"${nearest ? `; did you mean "${nearest}"?` : ""} (podnet-learn progress lists them)`,
        "reset",
      );
    }
  }
  store.update((p) => resetLessons(p, id ?? null));
  notices(store, io);
  io.out(
    id === undefined ? "Progress in every lesson forgotten.\n" : `Progress in ${id} forgotten.\n`,
  );
  return 0;
}

/**
 * `reset --all --exam`: forgets the exam of these lessons (its file, kept apart from practice),
 * clock included, so the next `--exam` starts afresh: a lab machine between two sittings.
 */
function resetExam(
  parsed: ReturnType<typeof parseCommandLine>,
  id: string | undefined,
  io: Io,
): number {
  if (id !== undefined)
    throw new InputError(
      "an exam is forgotten as a whole: reset --all --exam (one lesson of an exam cannot be)",
      "reset",
    );
  const choice = packChoice(parsed, "reset");
  const pack = openPack(choice.dir, "reset", choice.withBuiltin);
  const name = examConfigName(pack.digest);
  const dir = progressDir();
  if (!existsSync(join(dir, `${name}.json`))) {
    io.out("No exam of these lessons was taken here: nothing to forget.\n");
    return 0;
  }
  const store = new ProgressStore({ dir, configName: name });
  store.update((p) => {
    resetLessons(p, null);
    delete p.exam;
  });
  notices(store, io);
  io.out("The exam of these lessons is forgotten: the next --exam starts its clock afresh.\n");
  return 0;
}
