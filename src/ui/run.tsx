/**
 * Starts the tutorial: reads progress and the lesson catalogue, then draws the app on the
 * alternate screen until the learner quits (q on the home screen, or Ctrl+C anywhere; progress
 * is saved as it happens, so nothing is lost either way). Loaded only when the tutorial runs.
 *
 * The first screen needs Ink, the home screen and the catalogue only. The lesson engine and the
 * simulator (src/ui/lesson-runtime.ts) are imported right after the first frame is drawn, and a
 * lesson or the comparison waits for them (briefly, if at all) when opened.
 */
import { join } from "node:path";
import { render } from "ink";
import { packageRoot } from "../cli/package-root";
import { shellWord } from "../cli/words";
import { openExam } from "../progress/record";
import { examConfigName, ProgressStore } from "../progress/store";
import { App, type ExamSession } from "./app";
import { readCatalogue } from "./catalogue";
import { pickLang } from "./i18n/locale";
import { t } from "./i18n/messages";
import type { LessonRuntime } from "./lesson-runtime";
import { CompareView } from "./screens/compare-view";
import { LessonScreen } from "./screens/lesson";
import { LessonProblems } from "./screens/lesson-problems";
import { Deferred } from "./widgets/deferred";

export interface TuiOptions {
  /** `--lang`, when given. */
  readonly lang?: string;
  readonly ascii: boolean;
  readonly lessonsDir: string;
  /** How the lessons directory is named in messages. */
  readonly lessonsLabel: string;
  /** The built-in lessons (a catalogue was written for them at build time). */
  readonly builtIn: boolean;
  /** `--with-builtin`: the pack in `lessonsDir` beside the built-in lessons. */
  readonly withBuiltin?: boolean;
  /** `--exam`: exam mode, with its time limit in seconds (null: none). */
  readonly exam?: { readonly timeLimitS: number | null } | null;
  readonly err: (text: string) => void;
}

/** The command that hands in this exam's result, as the learner should type it. */
function exportCommandFor(options: TuiOptions): (yourName: string) => string {
  const lessons = options.builtIn ? "" : ` --lessons ${shellWord(options.lessonsLabel)}`;
  const beside = options.withBuiltin ? " --with-builtin" : "";
  return (yourName) =>
    `podnet-learn export-progress --name "${yourName}"${lessons}${beside} --exam > result.json`;
}

export async function runTui(options: TuiOptions): Promise<number> {
  const practice = new ProgressStore();
  const saved = practice.read();
  const lang = pickLang(options.lang, saved.lang, process.env);
  const examOptions = options.exam ?? null;

  let loading: Promise<LessonRuntime> | null = null;
  const runtime = (): Promise<LessonRuntime> => {
    loading ??= import("./lesson-runtime").then((m) =>
      m.openRuntime(options.lessonsDir, options.lessonsLabel, {
        withBuiltin: options.withBuiltin === true,
        exam: examOptions !== null,
      }),
    );
    return loading;
  };
  // The catalogue lists the built-in lessons alone; an exam also needs the lessons' digest.
  const catalogue =
    options.builtIn && examOptions === null
      ? readCatalogue(join(packageRoot(), "dist", "catalogue.json"), options.lessonsDir)
      : null;
  // No usable catalogue (a pack of one's own, or lessons edited since the build): load them now.
  const early = catalogue === null ? await runtime() : null;
  const entries = catalogue ?? early?.entries ?? [];
  if (entries.length === 0) {
    for (const p of early?.problems ?? [])
      options.err(`${p.file}:${p.line}:${p.col}: ${p.message}\n`);
    options.err(`podnet-learn: ${t(lang, "noLessons", { dir: options.lessonsLabel })}\n`);
    return 2;
  }
  // An exam keeps its progress apart from practice, in a file of its own per pack.
  const store =
    examOptions !== null && early !== null
      ? new ProgressStore({ configName: examConfigName(early.digest) })
      : practice;
  const exam =
    examOptions !== null && early !== null
      ? openExamSession(store, early, examOptions, options)
      : undefined;
  const notices = [...practice.setAside, ...(store === practice ? [] : store.setAside)].map((s) =>
    t(lang, "setAside", { reason: s.reason, path: s.path }),
  );
  if (exam)
    notices.push(t(lang, "examNotice", { command: exam.exportCommand(t(lang, "examYourName")) }));
  if (early && early.problems.length > 0)
    notices.push(
      `${early.problems.length} problem(s) in ${options.lessonsLabel}: podnet-learn validate ${options.lessonsLabel}`,
    );
  const compare = () => import("./lesson-runtime").then((m) => m.compareModes());

  // The alternate screen keeps the learner's scrollback as it was; Ink has no option for it.
  process.stdout.write("\x1b[?1049h");
  try {
    const app = render(
      <App
        lessons={entries}
        renderLesson={({ lessonId, stepIndex, onExit }) => (
          <Deferred key={lessonId} load={runtime}>
            {(loaded) => {
              const view = loaded.views.get(lessonId);
              return view ? (
                <LessonScreen
                  lesson={view}
                  startAt={stepIndex}
                  onExit={onExit}
                  {...(exam ? { exam: { deadline: exam.deadline } } : {})}
                />
              ) : (
                <LessonProblems runtime={loaded} lessonId={lessonId} onExit={onExit} />
              );
            }}
          </Deferred>
        )}
        renderCompare={(onClose) => (
          <Deferred load={compare}>
            {(modes) => <CompareView modes={modes} onClose={onClose} />}
          </Deferred>
        )}
        lang={lang}
        ascii={options.ascii}
        progress={store}
        notices={notices}
        {...(options.withBuiltin ? { packLabel: options.lessonsLabel } : {})}
        {...(exam ? { exam } : {})}
      />,
      // Not incrementalRendering: in tmux it left the previous step's first lines on screen
      // when a step changed (the erase count was one short); full frames draw cleanly.
      { exitOnCtrlC: true, patchConsole: false },
    );
    // The rest of the tutorial loads while the learner reads the home screen.
    // A failure shows when a lesson is opened (Deferred); here it must not end the process.
    setTimeout(() => {
      runtime().catch(() => {});
    }, 0);
    await app.waitUntilExit();
  } finally {
    process.stdout.write("\x1b[?1049l");
  }
  return 0;
}

/**
 * Opens (or reopens) the exam on its own progress file: the first opening starts the clock, a
 * later one keeps it, so the deadline is the same however often the tutorial is restarted.
 */
function openExamSession(
  store: ProgressStore,
  loaded: LessonRuntime,
  exam: { readonly timeLimitS: number | null },
  options: TuiOptions,
): ExamSession {
  const progress = store.update((p) => openExam(p, loaded.digest, exam.timeLimitS, new Date()));
  const record = progress.exam;
  const startedAt = record ? Date.parse(record.startedAt) : Date.now();
  const limit = record ? record.timeLimitS : exam.timeLimitS;
  const exercises = new Map<string, readonly string[]>();
  for (const [id, view] of loaded.views)
    exercises.set(
      id,
      view.steps.filter((s) => s.kind !== "read").map((s) => s.id),
    );
  return {
    startedAt,
    deadline: limit === null ? null : startedAt + limit * 1000,
    exercises,
    exportCommand: exportCommandFor(options),
    pack: loaded.digest.slice(0, 8),
  };
}
