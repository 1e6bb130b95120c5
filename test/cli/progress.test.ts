import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCli } from "./run-cli";

function configDir(progress?: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "podnet-cli-progress-"));
  if (progress !== undefined) writeFileSync(join(dir, "progress.json"), JSON.stringify(progress));
  return dir;
}

const started = {
  schemaVersion: 1,
  streak: 2,
  lessons: {
    "the-journey": {
      steps: {
        "the-big-picture": { done: true, hints: 0, attempts: 0, seconds: 40 },
        "predict-the-path": { done: true, hints: 1, attempts: 2, seconds: 80 },
      },
    },
  },
};

describe("podnet-learn progress and reset", () => {
  test("progress lists every lesson with the steps done, and --json the same as an object", async () => {
    const dir = configDir(started);
    const text = await runCli(["progress"], { env: { PODNET_CONFIG_DIR: dir } });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      / 1 {2}the-journey +2\/\d+ {2}started {2}hints 1, attempts 2, 2 min/,
    );
    const json = await runCli(["progress", "--json"], { env: { PODNET_CONFIG_DIR: dir } });
    const parsed = JSON.parse(json.stdout);
    expect(parsed.streak).toBe(2);
    const journey = parsed.lessons.find((l: { id: string }) => l.id === "the-journey");
    expect([journey.done, journey.hints, journey.attempts, journey.finished]).toEqual([
      2,
      1,
      2,
      false,
    ]);
  });

  test("reset forgets one lesson, suggests the nearest id for a typo, and --all forgets everything", async () => {
    const dir = configDir(started);
    const typo = await runCli(["reset", "the-jorney"], { env: { PODNET_CONFIG_DIR: dir } });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('did you mean "the-journey"?');
    const reset = await runCli(["reset", "the-journey"], { env: { PODNET_CONFIG_DIR: dir } });
    expect([reset.code, reset.stdout]).toEqual([0, "Progress in the-journey forgotten.\n"]);
    const saved = JSON.parse(readFileSync(join(dir, "progress.json"), "utf8"));
    expect(saved.lessons["the-journey"]).toBeUndefined();
    const none = await runCli(["reset"], { env: { PODNET_CONFIG_DIR: dir } });
    expect(none.code).toBe(2);
    writeFileSync(join(dir, "progress.json"), JSON.stringify({ ...started, lang: "ko" }));
    const all = await runCli(["reset", "--all"], { env: { PODNET_CONFIG_DIR: dir } });
    expect(all.code).toBe(0);
    const after = JSON.parse(readFileSync(join(dir, "progress.json"), "utf8"));
    expect([after.lessons, after.streak, after.lang]).toEqual([{}, 0, "ko"]);
  });

  test("a corrupt progress file is moved aside and reported, and the command still works", async () => {
    const dir = configDir();
    writeFileSync(join(dir, "progress.json"), "{not json");
    const run = await runCli(["progress"], { env: { PODNET_CONFIG_DIR: dir } });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("it is not valid JSON");
    expect(readdirSync(dir).some((f) => f.startsWith("progress.json.corrupt-"))).toBe(true);
  });

  test("without a terminal the tutorial names the commands that need none and exits 2", async () => {
    const run = await runCli([], { env: { PODNET_CONFIG_DIR: configDir() } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("needs an interactive terminal");
    for (const command of ["trace", "check", "validate"])
      expect(run.stderr).toContain(`podnet-learn ${command} `);
    expect(run.stderr).not.toContain("    at ");
  });
});
