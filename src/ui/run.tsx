/**
 * Starts the tutorial: reads progress and lessons, then draws the app on the alternate screen
 * until the learner quits (q on the home screen, or Ctrl+C anywhere; progress is saved as it
 * happens, so nothing is lost either way). Loaded only when the TUI runs: `--help`, `trace` and
 * the other commands never parse Ink or React.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { render } from "ink";
import { examplesDir } from "../cli/package-root";
import { type ModeSummary, summarizeMode } from "../compare/summary";
import { loadPack } from "../lessons/pack";
import { ProgressStore } from "../progress/store";
import { clusterFileScript, runCluster } from "../sim";
import { App } from "./app";
import { pickLang } from "./i18n/locale";
import { t } from "./i18n/messages";
import { lessonEntry, lessonView } from "./lesson-adapter";
import { LessonScreen } from "./screens/lesson";

export interface TuiOptions {
  /** `--lang`, when given. */
  readonly lang?: string;
  readonly ascii: boolean;
  readonly lessonsDir: string;
  /** How the lessons directory is named in messages. */
  readonly lessonsLabel: string;
  readonly err: (text: string) => void;
}

/** The CNI modes the compare view sets side by side, from the examples that ship. */
const COMPARED = [
  "flannel-vxlan",
  "flannel-host-gw",
  "calico-bgp",
  "calico-vxlan",
  "cilium-vxlan",
  "cilium-geneve",
  "cilium-native",
  "weave",
];

function compareModes(): ModeSummary[] {
  const modes: ModeSummary[] = [];
  for (const name of COMPARED) {
    const text = readFileSync(join(examplesDir(), `${name}.yaml`), "utf8");
    const built = clusterFileScript(text);
    if (!built.ok) continue;
    const { world } = runCluster(built);
    const summary = summarizeMode(built.plan, world, "pod-a", "pod-b");
    if (!("error" in summary)) modes.push(summary);
  }
  return modes;
}

export async function runTui(options: TuiOptions): Promise<number> {
  const store = new ProgressStore();
  const saved = store.read();
  const lang = pickLang(options.lang, saved.lang, process.env);
  const pack = loadPack(options.lessonsDir, options.lessonsLabel);
  if (pack.lessons.length === 0) {
    for (const p of pack.problems) options.err(`${p.file}:${p.line}:${p.col}: ${p.message}\n`);
    options.err(`podnet-learn: ${t(lang, "noLessons", { dir: options.lessonsLabel })}\n`);
    return 2;
  }
  const notices = store.setAside.map((s) =>
    t(lang, "setAside", { reason: s.reason, path: s.path }),
  );
  if (pack.problems.length > 0)
    notices.push(
      `${pack.problems.length} problem(s) in ${options.lessonsLabel}: podnet-learn validate ${options.lessonsLabel}`,
    );
  const views = new Map(pack.lessons.map((l) => [l.id, lessonView(l)]));

  // The alternate screen keeps the learner's scrollback as it was; Ink has no option for it.
  process.stdout.write("\x1b[?1049h");
  try {
    const app = render(
      <App
        lessons={pack.lessons.map(lessonEntry)}
        renderLesson={({ lessonId, stepIndex, onExit }) => {
          const view = views.get(lessonId);
          return view ? (
            <LessonScreen key={lessonId} lesson={view} startAt={stepIndex} onExit={onExit} />
          ) : null;
        }}
        compareModes={compareModes}
        lang={lang}
        ascii={options.ascii}
        progress={store}
        notices={notices}
      />,
      // Not incrementalRendering: in tmux it left the previous step's first lines on screen
      // when a step changed (the erase count was one short); full frames draw cleanly.
      { exitOnCtrlC: true, patchConsole: false },
    );
    await app.waitUntilExit();
  } finally {
    process.stdout.write("\x1b[?1049l");
  }
  return 0;
}
