/**
 * Lesson pack speed. Run: `npm run bench -- validate` (the same as `node bench/run.mjs validate`).
 * Loads the built-in `lessons/` pack (PODNET_BENCH_LESSONS=DIR for another) and validates it
 * as `podnet-learn validate` does: every file read and planned, every answer judged. The first
 * run is what one `validate` process pays (code not yet optimised); the median is of the runs
 * after it. The target is the first run's total: under 2 s.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { validateLessons } from "../src/checker/validate";
import { loadPack } from "../src/lessons/pack";
import { line } from "./measure";

// bench/run.mjs runs the bundle from a temporary folder and says where the checkout is.
const root = process.env.PODNET_ROOT ?? process.cwd();
const dir = process.env.PODNET_BENCH_LESSONS ?? join(root, "lessons");
const RUNS = Number(process.env.PODNET_BENCH_RUNS ?? 5);

if (!existsSync(dir)) {
  console.log(`no lesson pack at ${dir}: nothing to measure (PODNET_BENCH_LESSONS=DIR names one)`);
  process.exit(0);
}

interface Run {
  load: number;
  judge: number;
  lessons: number;
  exercises: number;
  problems: number;
}

function once(): Run {
  const t0 = performance.now();
  const pack = loadPack(dir, "lessons");
  const t1 = performance.now();
  const judged = validateLessons(pack.lessons);
  const t2 = performance.now();
  return {
    load: t1 - t0,
    judge: t2 - t1,
    lessons: pack.lessons.length,
    exercises: judged.exercises,
    problems: pack.problems.length + judged.problems.length,
  };
}

const first = once();
const later: Run[] = [];
for (let i = 0; i < RUNS; i++) later.push(once());
const median = (pick: (r: Run) => number): number => {
  const values = later.map(pick).sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] as number;
};

const what = `${first.lessons} lessons, ${first.exercises} exercises${first.problems ? `, ${first.problems} problems` : ""}`;
const total = first.load + first.judge;
line(`validate ${what}: first run, total`, `${(total / 1000).toFixed(2)} s`, "< 2 s", total < 2000);
line("  of which: read the files, plan the clusters", `${first.load.toFixed(0)} ms`, "-", true);
line(
  "  of which: build every scenario, judge every answer",
  `${first.judge.toFixed(0)} ms`,
  "-",
  true,
);
const warm = median((r) => r.load + r.judge);
line(`validate: median of ${RUNS} later runs, total`, `${warm.toFixed(0)} ms`, "-", true);
line("  of which: judge every answer", `${median((r) => r.judge).toFixed(0)} ms`, "-", true);
console.log(`(node ${process.version}, ${process.platform}/${process.arch})`);
