import { chmodSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { combinePacks, dataOnlyProblems, loadPack, PACK_LIMITS } from "../../src/lessons/pack";
import { formatProblem } from "../../src/lessons/parse";
import { TWO_NODE_CLUSTER, tempPacks } from "../helpers/pack";

const BUILTIN = fileURLToPath(new URL("../../lessons", import.meta.url));

const CLUSTER = TWO_NODE_CLUSTER;

/** A lesson of one read step drawing `cluster` (a path inside the pack). */
function lesson(id: string, order: number, cluster = "clusters/two.yaml", pre = "[]"): string {
  return `formatVersion: 1
id: ${id}
order: ${order}
minutes: 5
prerequisites: ${pre}
title: {en: Title ${id}, ko: 제목 ${id}}
summary: {en: Summary., ko: 요약.}
clusters:
  two: ${cluster}
steps:
  - id: intro
    kind: read
    text: {en: Hello., ko: 안녕하세요.}
    diagram: two
`;
}

// A test takes the read permission away from a directory; it is given back before removal.
const { pack } = tempPacks((d) => chmodSync(d, 0o700));

const problemsOf = (dir: string): string[] => loadPack(dir, "pack").problems.map(formatProblem);

describe("a lesson pack is read inside its directory", () => {
  test("a lesson file that is a symlink to a file outside the pack is refused, naming where it points", () => {
    const outside = pack({ "secret.yaml": lesson("outside", 1) });
    const dir = pack({ "clusters/two.yaml": CLUSTER });
    symlinkSync(join(outside, "secret.yaml"), join(dir, "01-link.yaml"));
    const loaded = loadPack(dir, "pack");
    expect(loaded.lessons).toEqual([]);
    expect(loaded.problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /^pack\/01-link\.yaml:1:1: the file leads through a symlink to .*secret\.yaml, outside the lesson pack: a pack's files stay inside its directory/,
      ),
    ]);
  });

  test("a cluster file reached through a symlinked directory that leaves the pack is refused", () => {
    const outside = pack({ "two.yaml": CLUSTER });
    const dir = pack({ "01-a.yaml": lesson("a", 1, "escape/two.yaml") });
    symlinkSync(outside, join(dir, "escape"));
    const messages = problemsOf(dir);
    expect(messages).toContainEqual(
      expect.stringMatching(
        /^pack\/escape\/two\.yaml:1:1: the file leads through a symlink to .*outside the lesson pack/,
      ),
    );
    expect(loadPack(dir, "pack").lessons).toEqual([]);
  });

  test("a symlink that stays inside the pack is followed", () => {
    const dir = pack({ "clusters/two.yaml": CLUSTER, "src/a.yaml": lesson("a", 1) });
    symlinkSync(join(dir, "src", "a.yaml"), join(dir, "01-a.yaml"));
    const loaded = loadPack(dir, "pack");
    expect(loaded.problems).toEqual([]);
    expect(loaded.lessons.map((l) => l.id)).toEqual(["a"]);
  });

  test("a cluster path with .. that leaves the pack is refused before anything is read", () => {
    const dir = pack({ "01-a.yaml": lesson("a", 1, "../two.yaml") });
    expect(problemsOf(dir).join("\n")).toContain('"../two.yaml" leaves the lesson pack');
  });
});

describe("a lesson pack is read within limits", () => {
  test("a lesson file over 256 KiB is refused with its size and the limit", () => {
    const big = `${lesson("big", 1)}# ${"x".repeat(PACK_LIMITS.lessonBytes)}\n`;
    const dir = pack({ "01-big.yaml": big, "clusters/two.yaml": CLUSTER });
    expect(problemsOf(dir)).toEqual([
      "pack/01-big.yaml:1:1: the file is 257 KiB; a lesson file may be at most 256 KiB (split it, or move inline clusters to files)",
    ]);
  });

  test("a cluster file over 1 MiB is refused with its size and the limit", () => {
    const big = `${CLUSTER}# ${"x".repeat(PACK_LIMITS.clusterBytes)}\n`;
    const dir = pack({ "01-a.yaml": lesson("a", 1), "clusters/two.yaml": big });
    expect(problemsOf(dir)).toContainEqual(
      expect.stringMatching(
        /^pack\/clusters\/two\.yaml:1:1: the file is 1025 KiB; a cluster file may be at most 1 MiB/,
      ),
    );
  });

  test("a pack of more lesson files than the limit is refused as a whole, saying the limit", () => {
    const files: Record<string, string> = { "clusters/two.yaml": CLUSTER };
    for (let i = 1; i <= PACK_LIMITS.lessonFiles + 1; i++)
      files[`${String(i).padStart(3, "0")}.yaml`] = "x: 1\n";
    const loaded = loadPack(pack(files), "pack");
    expect(loaded.lessons).toEqual([]);
    expect(loaded.problems.map(formatProblem)).toEqual([
      `pack:1:1: ${PACK_LIMITS.lessonFiles + 1} lesson files; a pack may have at most ${PACK_LIMITS.lessonFiles} (split it into several packs)`,
    ]);
  });

  test("a directory that is not there, or a file given as one, gets a message that says which", () => {
    expect(problemsOf("/nonexistent/podnet-pack")).toEqual(["pack:1:1: no such lesson directory"]);
    const file = join(pack({ "a.txt": "x" }), "a.txt");
    expect(problemsOf(file)).toEqual([
      "pack:1:1: not a directory: a lesson pack is a directory of lesson files",
    ]);
  });

  test.skipIf(process.getuid?.() === 0)(
    "a directory that cannot be read says permission denied (root reads everything: skipped as root)",
    () => {
      const dir = pack({ "01-a.yaml": lesson("a", 1) });
      chmodSync(dir, 0o000);
      expect(problemsOf(dir)).toEqual([
        "pack:1:1: the lesson directory cannot be read (permission denied): check its permissions (ls -ld)",
      ]);
    },
  );
});

describe("a lesson pack is data only", () => {
  test("an alias bomb is refused at the alias past the limit, before anything expands", () => {
    const lines = [
      lesson("bomb", 1),
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ];
    let prev = "a";
    for (const name of "bcdefghijklm") {
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(",")}]`);
      prev = name;
    }
    const dir = pack({ "01-bomb.yaml": `${lines.join("\n")}\n`, "clusters/two.yaml": CLUSTER });
    const started = Date.now();
    const messages = problemsOf(dir);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(messages).toEqual([
      expect.stringMatching(
        /^pack\/01-bomb\.yaml:\d+:\d+: more than 100 YAML aliases \(\*name\): a lesson file may use at most 100$/,
      ),
    ]);
  });

  test("a few aliases under the limit still load (the yaml library's own alias limit holds too)", () => {
    const text = lesson("shared", 1).replace(
      "summary: {en: Summary., ko: 요약.}",
      "summary: &s {en: Summary., ko: 요약.}\nx-unused: *s",
    );
    // The schema refuses the unknown key, which proves the alias was resolved, not refused.
    const messages = problemsOf(pack({ "01-a.yaml": text, "clusters/two.yaml": CLUSTER }));
    expect(messages.join("\n")).not.toContain("alias");
    expect(messages.join("\n")).toContain("x-unused");
  });

  test("YAML tags are refused where they stand, whatever they name: no value is made from them", () => {
    const text = lesson("tagged", 1).replace(
      "text: {en: Hello., ko: 안녕하세요.}",
      "text: {en: !!js/function 'function () { return 1 }', ko: !!binary aGVsbG8=}",
    );
    expect(problemsOf(pack({ "01-a.yaml": text, "clusters/two.yaml": CLUSTER }))).toEqual([
      "pack/01-a.yaml:13:16: YAML tag !!js/function: a lesson pack is data only, and tags are not allowed (remove it; quote the value if it is text)",
      "pack/01-a.yaml:13:62: YAML tag !!binary: a lesson pack is data only, and tags are not allowed (remove it; quote the value if it is text)",
    ]);
  });

  test("! and * inside quoted texts, block texts and comments are text, not tags or aliases", () => {
    const text = 'a: "Stop!"\nb: |\n  !important *really*\n# !not a tag\nc: [x!, y*]\n';
    expect(dataOnlyProblems(text, "f.yaml")).toEqual([]);
  });

  test("a tag in a cluster file is refused in that file", () => {
    const cluster = CLUSTER.replace("plugin: flannel", "plugin: !custom flannel");
    expect(
      problemsOf(pack({ "01-a.yaml": lesson("a", 1), "clusters/two.yaml": cluster })),
    ).toContainEqual(expect.stringMatching(/^pack\/clusters\/two\.yaml:6:11: YAML tag !custom/));
  });
});

describe("a pack beside the built-in lessons", () => {
  const builtin = loadPack(BUILTIN, "lessons");

  test("a lesson id the built-in lessons have too is named with both files", () => {
    const dir = pack({ "01-mine.yaml": lesson("flannel-vxlan", 1), "clusters/two.yaml": CLUSTER });
    const own = loadPack(dir, "pack", { beside: builtin });
    expect(own.problems.map(formatProblem)).toEqual([
      'pack/01-mine.yaml:2:5: id: the built-in lesson lessons/04-flannel-vxlan.yaml has the id "flannel-vxlan" too; a pack used beside the built-in lessons needs ids of its own (rename it, and its prerequisites)',
    ]);
  });

  test("prerequisites may name built-in lessons, and the pack's lessons come after the built-in ones", () => {
    const dir = pack({
      "01-mine.yaml": lesson("my-overlay", 1, "clusters/two.yaml", "[flannel-vxlan]"),
      "clusters/two.yaml": CLUSTER,
    });
    const own = loadPack(dir, "pack", { beside: builtin });
    expect(own.problems).toEqual([]);
    const both = combinePacks(builtin, own);
    expect(both.lessons.map((l) => l.id).slice(-2)).toEqual([
      "troubleshooting-drills",
      "my-overlay",
    ]);
    expect(both.lessons.length).toBe(builtin.lessons.length + 1);
    expect(both.fromPack).toEqual(["my-overlay"]);
    // Alone, the same pack cannot find the prerequisite, and says what would.
    expect(problemsOf(dir).join("\n")).toContain(
      'no lesson has the id "flannel-vxlan" (with --with-builtin, the built-in lessons\' ids count too)',
    );
  });
});

describe("the pack's digest", () => {
  test("is the same wherever the pack lies, and changes when a lesson or cluster file does", () => {
    const files = { "01-a.yaml": lesson("a", 1), "clusters/two.yaml": CLUSTER };
    const one = loadPack(pack(files), "one").digest;
    expect(loadPack(pack(files), "elsewhere").digest).toBe(one);
    expect(one).toMatch(/^[0-9a-f]{64}$/);
    const editedLesson = { ...files, "01-a.yaml": lesson("a", 2) };
    expect(loadPack(pack(editedLesson), "one").digest).not.toBe(one);
    const editedCluster = { ...files, "clusters/two.yaml": CLUSTER.replace(".12", ".13") };
    expect(loadPack(pack(editedCluster), "one").digest).not.toBe(one);
  });
});
