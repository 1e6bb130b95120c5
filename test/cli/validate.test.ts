import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadPack } from "../../src/lessons/pack";
import { launcher, repoRoot, runCli } from "./run-cli";

const PACK = "test/fixtures/lessons/pack";

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function copyOfPack(): string {
  const dir = mkdtempSync(join(tmpdir(), "podnet-validate-cli-"));
  dirs.push(dir);
  cpSync(join(repoRoot, PACK), dir, { recursive: true });
  return dir;
}

describe("podnet-learn validate", () => {
  it("judges every answer of a pack and says so in one line, exit 0", async () => {
    const run = await runCli(["validate", PACK]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("2 lessons, 6 exercises: all answers judged as stated\n");
  });

  it("reports every problem as FILE:LINE:COL, a wrong answer with what really happened, then a count", async () => {
    const dir = copyOfPack();
    const typed = join(dir, "01-typed.yaml");
    writeFileSync(
      typed,
      readFileSync(typed, "utf8")
        .replace("fails: { condition: encap }", "fails: { noReply: true }")
        .replace("  ko: 직접 입력하는 답\n", ""),
    );
    const choices = join(dir, "02-choices.yaml");
    writeFileSync(
      choices,
      readFileSync(choices, "utf8").replace("kind: proxy-mode", "kind: proxy"),
    );
    const run = await runCli(["validate", dir]);
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toEqual([
      `${dir}/01-typed.yaml:8:3: title.ko: the Korean text is missing`,
      expect.stringMatching(
        new RegExp(
          `^${dir}/02-choices\\.yaml:\\d+:\\d+: steps\\[2\\]\\.kind: "proxy" is not one of .*; did you mean "proxy-mode"\\?$`,
        ),
      ),
      "2 problems in 2 files",
    ]);
  });

  it("names the wrong answer that fails for another reason once the file loads", async () => {
    const dir = copyOfPack();
    const typed = join(dir, "01-typed.yaml");
    writeFileSync(
      typed,
      readFileSync(typed, "utf8").replace(
        "fails: { condition: encap }",
        "fails: { noReply: true }",
      ),
    );
    const run = await runCli(["validate", dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      `${dir}/01-typed.yaml:58:16: steps[1].wrong[1].fails: the wrong answer "10.244.2.0/24 via 192.168.1.13 dev eth0" was to fail as no reply, but condition encap not met (goal probe 1): the request was never encapsulated; it had to be carried in VXLAN\n1 problem in 1 file\n`,
    );
  });

  it("exits 2 for a directory that is not there, or two of them", async () => {
    const missing = await runCli(["validate", "no/such/dir"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no lesson directory "no/such/dir"');
    const two = await runCli(["validate", PACK, PACK]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('unexpected argument "test/fixtures/lessons/pack"');
  });

  it("an empty pack is valid: nothing to judge", async () => {
    const dir = mkdtempSync(join(tmpdir(), "podnet-validate-empty-"));
    dirs.push(dir);
    const run = await runCli(["validate", dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("0 lessons, 0 exercises: all answers judged as stated\n");
  });
});

/** Runs the launcher from another directory: the built-in lessons are found from the bundle. */
function runElsewhere(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0" };
  delete env.CI;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [launcher, ...args],
      { cwd: tmpdir(), env, encoding: "utf8", timeout: 15_000 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") reject(error);
        else resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
      },
    );
  });
}

describe("the built-in lessons", () => {
  const builtin = join(repoRoot, "lessons");

  it("validate with no DIR judges the lessons beside the bundle, from any directory: every one validates", async () => {
    const run = await runElsewhere(["validate"]);
    if (!existsSync(builtin)) {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("the built-in lessons are missing");
      return;
    }
    expect(run.stdout.split("\n").filter((l) => /:\d+:\d+: /.test(l))).toEqual([]);
    expect(run.code).toBe(0);
    // Every lesson file loaded (none was left out for a problem) and every exercise was judged.
    const pack = loadPack(builtin);
    const files = readdirSync(builtin).filter((f) => /\.ya?ml$/.test(f)).length;
    expect(pack.lessons).toHaveLength(files);
    const exercises = pack.lessons.flatMap((l) => l.steps).filter((s) => s.kind !== "read").length;
    expect(run.stdout).toBe(
      `${files} lesson${files === 1 ? "" : "s"}, ${exercises} exercise${exercises === 1 ? "" : "s"}: all answers judged as stated\n`,
    );
  });
});
