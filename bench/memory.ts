/**
 * The tutorial's resident memory after a whole lesson. Run: `npm run bench -- memory` (after
 * `npm run build`; needs tmux). The tutorial runs in an 80×24 tmux pane; every step of a lesson
 * is answered with its reference answer as a learner would type it (options picked with ↓ and
 * Enter, routes and shell lines typed), and the process's VmRSS is read from /proc when the home
 * screen is up and after the last step. Target: under 150 MB. PODNET_BENCH_LESSONS=id,… picks
 * the lessons (default: the first and the last).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPack } from "../src/lessons/pack";
import type { Step } from "../src/lessons/schema";
import { line } from "./measure";

const root = process.env.PODNET_ROOT ?? process.cwd();
const session = `podnet-mem-${process.pid}`;
const config = mkdtempSync(join(tmpdir(), "podnet-mem-"));

function tmux(...args: string[]): string {
  return execFileSync("tmux", args, { encoding: "utf8" });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(predicate: (screen: string) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const screen = tmux("capture-pane", "-p", "-t", session);
    if (predicate(screen)) return;
    if (Date.now() > deadline) throw new Error(`${what} never showed; the screen was:\n${screen}`);
    await sleep(50);
  }
}

async function keys(...k: string[]): Promise<void> {
  for (const key of k) {
    tmux("send-keys", "-t", session, key);
    await sleep(80);
  }
}

async function type(text: string): Promise<void> {
  tmux("send-keys", "-t", session, "-l", text);
  await sleep(80);
  await keys("Enter");
}

function rssMiB(pid: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** Answers one step as a learner would, and waits for the verdict. */
async function answer(step: Step, n: number): Promise<void> {
  await waitFor((s) => s.includes(`step ${n} of`), `step ${n}`);
  await sleep(150);
  switch (step.kind) {
    case "read":
      return;
    case "route":
      await type(step.answer);
      break;
    case "fix":
      for (const l of step.answer.trim().split("\n")) await type(l);
      await type("check");
      break;
    default: {
      const index = step.options.findIndex((o) => o.id === step.answer);
      for (let i = 0; i < index; i++) await keys("Down");
      await keys("Enter");
    }
  }
  await waitFor((s) => s.includes("✓ Correct"), `the verdict of step ${n}`);
}

async function main(): Promise<void> {
  const pack = loadPack(join(root, "lessons"), "lessons");
  const wanted = process.env.PODNET_BENCH_LESSONS?.split(",") ?? [
    pack.lessons[0]?.id ?? "",
    pack.lessons[pack.lessons.length - 1]?.id ?? "",
  ];
  for (const id of wanted) {
    const lesson = pack.lessons.find((l) => l.id === id);
    if (!lesson) throw new Error(`no lesson ${id}`);
    // Every lesson open: its prerequisites done, so the home screen can open it.
    const progress = {
      schemaVersion: 1,
      streak: 0,
      lessons: Object.fromEntries(
        pack.lessons
          .filter((l) => l.id !== id)
          .map((l) => [
            l.id,
            { steps: Object.fromEntries(l.steps.map((s) => [s.id, { done: true }])) },
          ]),
      ),
    };
    const dir = join(config, id);
    execFileSync("mkdir", ["-p", dir]);
    execFileSync("sh", ["-c", `cat > '${dir}/progress.json'`], { input: JSON.stringify(progress) });
    tmux(
      "new-session",
      "-d",
      "-s",
      session,
      "-x",
      "80",
      "-y",
      "24",
      `exec env -u CI PODNET_CONFIG_DIR='${dir}' LANG=en_US.UTF-8 '${process.execPath}' '${join(root, "bin", "podnet-learn.js")}'`,
    );
    try {
      const pid = tmux("display", "-p", "-t", session, "#{pane_pid}").trim();
      await waitFor((s) => s.includes("lessons done"), "the home screen");
      const atHome = rssMiB(pid);
      await keys("Enter");
      for (const [i, step] of lesson.steps.entries()) {
        await answer(step, i + 1);
        // A pass leaves any text field, so n moves on (Esc here would leave the lesson).
        if (i < lesson.steps.length - 1) await keys("n");
      }
      const after = rssMiB(pid);
      line(`${id}: resident memory at the home screen`, `${atHome.toFixed(0)} MB`, "-", true);
      line(
        `${id}: after all ${lesson.steps.length} steps`,
        `${after.toFixed(0)} MB`,
        "< 150 MB",
        after < 150,
      );
    } finally {
      tmux("kill-session", "-t", session);
    }
  }
  console.log(`(node ${process.version}, ${process.platform}/${process.arch})`);
}

main()
  .catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(config, { recursive: true, force: true }));
