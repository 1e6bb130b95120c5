import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot, runCli } from "./run-cli";

const PACK = "test/fixtures/lessons/pack";

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "podnet-new-lesson-"));
  dirs.push(dir);
  return dir;
}

describe("podnet-learn new-lesson", () => {
  it("writes a lesson and its cluster into an empty directory, says so and what to run next; the pack validates", async () => {
    const dir = join(tempDir(), "workshop");
    const run = await runCli(["new-lesson", "my-first-lesson", "--dir", dir]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `Wrote ${dir}/my-first-lesson.yaml: lesson my-first-lesson, order 1: a read step, a route step, a predict step`,
    );
    expect(run.stdout).toContain(`Wrote ${dir}/clusters/my-first-lesson.yaml`);
    expect(run.stdout).toContain(`podnet-learn validate ${dir}`);
    expect(run.stdout).toContain(`podnet-learn --lessons ${dir}`);
    expect(run.stdout).toContain("docs/authoring.md");
    const validate = await runCli(["validate", dir]);
    expect(validate.stdout).toBe("1 lesson, 2 exercises: all answers judged as stated\n");
    expect(validate.code).toBe(0);
  });

  it("prints what docs/authoring.md shows it printing", async () => {
    const page = readFileSync(join(repoRoot, "docs/authoring.md"), "utf8");
    const command = "$ npx podnet-learn new-lesson my-first-lesson --dir workshop";
    const shown = page
      .slice(page.indexOf(command) + command.length + 1, page.indexOf("```", page.indexOf(command)))
      .split("\n")
      .map((l) => l.replace(/^ {3}/, ""))
      .join("\n");
    const dir = join(tempDir(), "workshop");
    const run = await runCli(["new-lesson", "my-first-lesson", "--dir", dir]);
    expect(run.code).toBe(0);
    expect(shown).toBe(run.stdout.split(dir).join("workshop"));
  });

  it("prints a check command whose answer passes", async () => {
    const dir = tempDir();
    const run = await runCli(["new-lesson", "try-it", "--dir", dir, "--cni", "flannel-host-gw"]);
    expect(run.code).toBe(0);
    const line = run.stdout.split("\n").find((l) => l.includes("podnet-learn check "));
    const answer = /--answer "([^"]+)"/.exec(line ?? "")?.[1];
    expect(answer).toBe("10.244.2.0/24 via 192.168.1.12 dev eth0");
    const check = await runCli([
      "check",
      "try-it",
      "--step",
      "route-to-node2",
      "--answer",
      answer as string,
      "--lessons",
      dir,
    ]);
    expect(check.code).toBe(0);
  });

  it("beside an existing pack takes the next order, and the whole pack still validates", async () => {
    const dir = tempDir();
    cpSync(join(repoRoot, PACK), dir, { recursive: true });
    const run = await runCli(["new-lesson", "extra", "--dir", dir, "--title", "Extra: 노드 사이"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("lesson extra, order 3:");
    const lesson = parse(readFileSync(join(dir, "extra.yaml"), "utf8"));
    expect(lesson.order).toBe(3);
    expect(lesson.title).toEqual({ en: "Extra: 노드 사이", ko: "Extra: 노드 사이" });
    const validate = await runCli(["validate", dir]);
    expect(validate.stdout).toBe("3 lessons, 8 exercises: all answers judged as stated\n");
  });

  it("never overwrites: an existing lesson or cluster file is refused with exit 2 and left as it was", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "taken.yaml"), "# mine\n");
    const run = await runCli(["new-lesson", "taken", "--dir", dir]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(
      `${dir}/taken.yaml already exists, and new-lesson never overwrites a file`,
    );
    expect(readFileSync(join(dir, "taken.yaml"), "utf8")).toBe("# mine\n");
    // Neither file is written when one is refused.
    expect(existsSync(join(dir, "clusters", "taken.yaml"))).toBe(false);

    const second = await runCli(["new-lesson", "kept", "--dir", dir]);
    expect(second.code).toBe(0);
    rmSync(join(dir, "kept.yaml"));
    const again = await runCli(["new-lesson", "kept", "--dir", dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${dir}/clusters/kept.yaml already exists`);
    expect(existsSync(join(dir, "kept.yaml"))).toBe(false);
  });

  it("refuses the id of a built-in lesson, which would share its progress", async () => {
    const dir = join(tempDir(), "builtin-id");
    const run = await runCli(["new-lesson", "flannel-vxlan", "--dir", dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'the built-in lesson lessons/04-flannel-vxlan.yaml has the id "flannel-vxlan"',
    );
    expect(run.stderr).toContain('"flannel-vxlan-lab"');
    expect(existsSync(join(dir, "flannel-vxlan.yaml"))).toBe(false);
  });

  it("refuses an id another lesson of the pack has, naming its file", async () => {
    const dir = tempDir();
    cpSync(join(repoRoot, PACK), dir, { recursive: true });
    const run = await runCli(["new-lesson", "fixture-typed", "--dir", dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${dir}/01-typed.yaml already has the lesson id "fixture-typed"`);
    expect(existsSync(join(dir, "fixture-typed.yaml"))).toBe(false);
  });

  it("says what a lesson id may be, with the id it probably meant, exit 2", async () => {
    const run = await runCli(["new-lesson", "My_Lesson"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `"My_Lesson" is not a lesson id (an id in kebab-case: lower-case letters and digits joined by single '-'); try "my-lesson"`,
    );
    expect(run.stderr).toContain('Run "podnet-learn new-lesson --help" for usage.');
  });

  it("exits 2 for other usage mistakes, never with a stack trace", async () => {
    const dir = tempDir();
    const file = join(dir, "not-a-dir");
    writeFileSync(file, "");
    for (const [args, message] of [
      [[], "missing ID"],
      [["a", "b"], 'unexpected argument "b"'],
      [["a", "--cni", "flannel-hostgw"], 'did you mean "flannel-host-gw"?'],
      [["a", "--title", " "], "--title: the title is empty"],
      [["a", "--dir", file], "is not a directory"],
    ] as const) {
      const run = await runCli(["new-lesson", ...args]);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toContain(message);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it("is listed in the overview, with its help, examples and exit statuses", async () => {
    const overview = await runCli(["--help"]);
    expect(overview.stdout).toMatch(/^ {2}new-lesson +Write a small, valid lesson/m);
    const help = await runCli(["new-lesson", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(
      "Usage: podnet-learn new-lesson ID [--dir DIR] [--title TEXT] [--cni CNI]",
    );
    expect(help.stdout).toContain("podnet-learn new-lesson my-first-lesson --dir workshop");
    expect(help.stdout).toContain("Exit status: 0 when both files were written, 2 when");
  });
});
