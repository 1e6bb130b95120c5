import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { launcher, repoRoot, runCli } from "./run-cli";

const PACK = "test/fixtures/lessons/pack";

function configDir(progress?: object, file = "progress.json"): string {
  const dir = mkdtempSync(join(tmpdir(), "podnet-ws-"));
  if (progress) writeFileSync(join(dir, file), JSON.stringify(progress));
  return dir;
}

const PROGRESS = {
  schemaVersion: 1,
  streak: 0,
  lessons: {
    "fixture-typed": {
      steps: {
        look: { done: true, hints: 0, attempts: 0, seconds: 4 },
        "add-the-route": { done: true, hints: 2, attempts: 3, seconds: 95 },
      },
    },
  },
};

describe("export-progress", () => {
  test("needs --name, and says so", async () => {
    const run = await runCli(["export-progress"], { env: { PODNET_CONFIG_DIR: configDir() } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("podnet-learn export-progress: missing --name NAME");
  });

  test("prints the learner's steps by lesson, with no path of the machine in it", async () => {
    const dir = configDir(PROGRESS);
    const run = await runCli(["export-progress", "--name", "Kim, 민지", "--lessons", PACK], {
      env: { PODNET_CONFIG_DIR: dir },
    });
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({
      format: "podnet-learn-progress",
      formatVersion: 1,
      name: "Kim, 민지",
      exam: null,
    });
    expect(out.version).toBe(JSON.parse(readFileSync("package.json", "utf8")).version);
    const lesson = out.lessons.find((l: { id: string }) => l.id === "fixture-typed");
    expect(lesson.steps.find((s: { id: string }) => s.id === "add-the-route")).toMatchObject({
      kind: "route",
      passed: true,
      attempts: 3,
      hints: 2,
      ms: 95000,
    });
    expect(run.stdout).not.toContain(dir);
    expect(run.stdout).not.toContain(PACK);
    expect(run.stdout).not.toContain(process.cwd());
  });

  test("--exam with no exam taken here says what to check", async () => {
    const run = await runCli(["export-progress", "--name", "Kim", "--lessons", PACK, "--exam"], {
      env: { PODNET_CONFIG_DIR: configDir(PROGRESS) },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("no exam of these lessons was taken here");
  });
});

describe("an exam's progress from the command line", () => {
  test("export-progress --exam exports it, and reset --all --exam forgets it, clock included", async () => {
    // The exam's file is named after the pack's digest: read it from a practice export.
    const dir = configDir(PROGRESS);
    const practice = await runCli(["export-progress", "--name", "Kim", "--lessons", PACK], {
      env: { PODNET_CONFIG_DIR: dir },
    });
    const digest: string = JSON.parse(practice.stdout).pack;
    const exam = {
      ...PROGRESS,
      exam: { pack: digest, startedAt: "2026-11-29T09:00:00.000Z", timeLimitS: 5400 },
    };
    writeFileSync(join(dir, `exam-${digest.slice(0, 12)}.json`), JSON.stringify(exam));
    const exported = await runCli(
      ["export-progress", "--name", "Kim", "--lessons", PACK, "--exam"],
      { env: { PODNET_CONFIG_DIR: dir } },
    );
    expect(JSON.parse(exported.stdout).exam).toEqual({
      startedAt: "2026-11-29T09:00:00.000Z",
      timeLimitS: 5400,
      endedAt: null,
    });
    const one = await runCli(["reset", "fixture-typed", "--exam", "--lessons", PACK], {
      env: { PODNET_CONFIG_DIR: dir },
    });
    expect(one.code).toBe(2);
    expect(one.stderr).toContain("an exam is forgotten as a whole");
    const reset = await runCli(["reset", "--all", "--exam", "--lessons", PACK], {
      env: { PODNET_CONFIG_DIR: dir },
    });
    expect(reset.stdout).toContain("the next --exam starts its clock afresh");
    const saved = JSON.parse(readFileSync(join(dir, `exam-${digest.slice(0, 12)}.json`), "utf8"));
    expect([saved.exam, saved.lessons]).toEqual([undefined, {}]);
    // Practice progress is not touched.
    expect(JSON.parse(readFileSync(join(dir, "progress.json"), "utf8")).lessons).toEqual(
      PROGRESS.lessons,
    );
  });
});

describe("report", () => {
  test("summarizes the exports of a directory and names the files it leaves out", async () => {
    const results = mkdtempSync(join(tmpdir(), "podnet-results-"));
    const made = await runCli(
      ["export-progress", "--name", "Kim", "--lessons", PACK, "--out", join(results, "kim.json")],
      { env: { PODNET_CONFIG_DIR: configDir(PROGRESS) } },
    );
    expect(made.code).toBe(0);
    writeFileSync(join(results, "notes.json"), "not json");
    mkdirSync(join(results, "sub.json"));
    const run = await runCli(["report", results]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("| Kim | no | 1/4 | 0/2 | 0/2 |");
    expect(run.stdout).toContain("1. fixture-typed / add-the-route (route): 3 attempts, 2 hints");
    expect(run.stderr).toContain("podnet-learn report: left out notes.json: not JSON");
    expect(run.stderr).toContain("podnet-learn report: left out sub.json: not a file");
    const junit = await runCli(["report", results, "--format", "junit"]);
    expect(junit.stdout).toContain('<testsuite name="Kim" id="0" tests="6" failures="5"');
  });

  test("a directory without any result is an error that says how learners make one", async () => {
    const empty = mkdtempSync(join(tmpdir(), "podnet-results-"));
    const run = await runCli(["report", empty]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("no progress export or quiz report");
    const bad = await runCli(["report", empty, "--format", "pdf"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format takes md, csv or junit, not "pdf"');
  });
});

describe("a pack beside the built-in lessons", () => {
  test("check finds built-in and pack lessons alike with --with-builtin", async () => {
    const args = ["--lessons", PACK, "--with-builtin", "--step", "restore-route-to-node2"];
    const run = await runCli([
      "check",
      "flannel-vxlan",
      ...args,
      "--answer",
      "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
    ]);
    expect(run.code).toBe(0);
    const alone = await runCli([
      "check",
      "flannel-vxlan",
      "--lessons",
      PACK,
      "--step",
      "1",
      "--answer",
      "x",
    ]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('no lesson "flannel-vxlan"');
  });

  test("--with-builtin without --lessons, or --time-limit without --exam, is a usage mistake", async () => {
    const progress = await runCli(["progress", "--with-builtin"]);
    expect(progress.code).toBe(2);
    expect(progress.stderr).toContain("give the pack with --lessons DIR");
    const limit = await runCli(["--time-limit", "90m"]);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain("--time-limit goes with --exam");
    const bad = await runCli(["--exam", "--time-limit", "soon"]);
    expect(bad.stderr).toContain('"soon" is not a duration');
  });

  test("validate names both files when a pack's lesson id is a built-in one", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "podnet-pack-")), "pack");
    cpSync(PACK, dir, { recursive: true });
    const file = join(dir, "02-choices.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace(/^id: .*$/m, "id: flannel-vxlan"));
    const run = await runCli(["validate", dir, "--with-builtin"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'id: the built-in lesson lessons/04-flannel-vxlan.yaml has the id "flannel-vxlan" too',
    );
  });
});

describe("check --exam", () => {
  const base = ["check", "flannel-vxlan", "--step", "restore-route-to-node2", "--json"];

  test("judges as the exam does: no hint on a wrong answer, no reference answer on a right one", async () => {
    const wrong = JSON.parse(
      (await runCli([...base, "--answer", "10.244.2.0/24 dev eth0", "--exam"])).stdout,
    );
    expect(wrong.passed).toBe(false);
    expect(wrong.explanation).toContain("neighbour-failed");
    expect(wrong.explanation).not.toContain("Hint");
    const practice = JSON.parse(
      (await runCli([...base, "--answer", "10.244.2.0/24 dev eth0"])).stdout,
    );
    expect(practice.explanation).toContain("Hint 1");
    const right = await runCli([
      ...base,
      "--answer",
      "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
      "--exam",
    ]);
    expect(right.code).toBe(0);
    expect(JSON.parse(right.stdout).reference).toBeNull();
  });

  test("refuses --hint", async () => {
    const run = await runCli([...base, "--answer", "x", "--exam", "--hint", "2"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--exam shows no hints");
  });
});

/** Root reads every directory; `setpriv` runs the CLI as nobody so a mode-000 directory is unreadable. */
const asNobody = (() => {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync("setpriv", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("a lesson directory that cannot be read", () => {
  test.skipIf(!asNobody)("is named as unreadable, with what to check, not as missing", () => {
    const base = mkdtempSync(join(tmpdir(), "podnet-locked-"));
    chmodSync(base, 0o755);
    const locked = join(base, "pack");
    mkdirSync(locked, { mode: 0o000 });
    chmodSync(locked, 0o000);
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: base, PODNET_CONFIG_DIR: base };
    env.FORCE_COLOR = "0";
    delete env.CI;
    const run = spawnSync(
      "setpriv",
      [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        process.execPath,
        launcher,
        "validate",
        locked,
      ],
      { cwd: repoRoot, env, encoding: "utf8" },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      `podnet-learn validate: the lesson directory "${locked}" cannot be read (permission denied): check its permissions with ls -ld\n`,
    );
  });
});
