/**
 * Every YAML example of docs/authoring.md is a real lesson, cluster or step: this test takes each
 * fenced block out of the page, assembles them into one lesson pack in a temporary directory, and
 * runs the real loader and `validate` on it (every reference answer passes, every wrong answer
 * fails as stated). A YAML block must carry one of these tags after `yaml`, so that none escapes:
 *
 * - `file=PATH`: a whole file of the pack, written at PATH (a lesson, or `clusters/NAME.yaml`).
 * - `step`: one step, a list item (`- id: …`), which is a fragment. The test wraps it into a
 *   lesson of its own: the header below (formatVersion, id `doc-step-N`, order, texts) with
 *   `clusters` naming every `file=clusters/NAME.yaml` block as NAME, then `steps:` and the block as
 *   written (a list at column 0 under `steps:` is valid YAML).
 * - `problem`: a step wrapped the same way, with a mistake in it, and a comment line
 *   `# validate: MESSAGE`: validate must find exactly one problem in that lesson, and its message
 *   must contain MESSAGE.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateLessons } from "../../src/checker/validate";
import { type LessonPack, loadPack } from "../../src/lessons/pack";
import { formatProblem, type LessonProblem } from "../../src/lessons/parse";
import { stepSchema } from "../../src/lessons/schema";

const PAGE = fileURLToPath(new URL("../../docs/authoring.md", import.meta.url));

/** A fenced block of the page: its language, its tag (the rest of the info string) and text. */
interface Block {
  readonly lang: string;
  readonly tag: string;
  readonly text: string;
  /** The line of the opening fence, to name the block in a failure. */
  readonly line: number;
}

function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*(.*)$/.exec(lines[i] as string);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l === "```");
    if (end < 0) throw new Error(`docs/authoring.md:${i + 1}: a fence that is never closed`);
    blocks.push({
      lang: open[1] as string,
      tag: (open[2] as string).trim(),
      text: `${lines.slice(i + 1, end).join("\n")}\n`,
      line: i + 1,
    });
    i = end;
  }
  return blocks;
}

/** The lesson a `step` or `problem` block is wrapped in (see the comment at the top). */
function wrapStep(n: number, clusters: readonly string[], step: string): string {
  return [
    "formatVersion: 1",
    `id: doc-step-${n}`,
    `order: ${100 + n}`,
    "minutes: 5",
    "title: {en: A step of docs/authoring.md, ko: docs/authoring.md의 단계}",
    "summary: {en: One example that is checked., ko: 검사되는 예 하나.}",
    "clusters:",
    ...clusters.map((name) => `  ${name}: clusters/${name}.yaml`),
    "steps:",
    step,
  ].join("\n");
}

const blocks = fencedBlocks(readFileSync(PAGE, "utf8"));
const yamlBlocks = blocks.filter((b) => b.lang === "yaml");
const files = yamlBlocks.filter((b) => b.tag.startsWith("file="));
const steps = yamlBlocks.filter((b) => b.tag === "step");
const problems = yamlBlocks.filter((b) => b.tag === "problem");
const clusterNames = files
  .map((b) => /^file=clusters\/([a-z0-9-]+)\.yaml$/.exec(b.tag)?.[1])
  .filter((name): name is string => name !== undefined);

let dir: string;
let pack: LessonPack;
let found: LessonProblem[];
let exercises: number;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "podnet-authoring-doc-"));
  for (const block of files) {
    const path = join(dir, block.tag.slice("file=".length));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, block.text);
  }
  steps.forEach((block, i) => {
    writeFileSync(join(dir, `doc-step-${i + 1}.yaml`), wrapStep(i + 1, clusterNames, block.text));
  });
  problems.forEach((block, i) => {
    const n = steps.length + i + 1;
    writeFileSync(join(dir, `doc-step-${n}.yaml`), wrapStep(n, clusterNames, block.text));
  });
  pack = loadPack(dir, "doc");
  const judged = validateLessons(pack.lessons);
  found = [...pack.problems, ...judged.problems];
  exercises = judged.exercises;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("docs/authoring.md's YAML examples", () => {
  it("are all tagged, so that every one is checked here", () => {
    const untagged = yamlBlocks.filter(
      (b) => !(b.tag.startsWith("file=") || b.tag === "step" || b.tag === "problem"),
    );
    expect(untagged.map((b) => `docs/authoring.md:${b.line}: \`\`\`yaml ${b.tag}`)).toEqual([]);
    expect(files.length).toBeGreaterThan(0);
    expect(steps.length).toBeGreaterThan(0);
  });

  it("load and validate: every reference answer passes, every wrong answer fails as stated", () => {
    const fromExamples = found.filter((p) => {
      const n = /^doc\/doc-step-(\d+)\.yaml$/.exec(p.file)?.[1];
      return n === undefined || Number(n) <= steps.length;
    });
    expect(fromExamples.map(formatProblem)).toEqual([]);
    // Every lesson file and every step block became a lesson that loaded.
    const ids = pack.lessons.map((l) => l.id);
    const lessonFiles = files.filter((b) => !b.tag.startsWith("file=clusters/"));
    expect(pack.lessons.filter((l) => !l.id.startsWith("doc-step-"))).toHaveLength(
      lessonFiles.length,
    );
    for (let n = 1; n <= steps.length; n++) expect(ids).toContain(`doc-step-${n}`);
    expect(exercises).toBeGreaterThanOrEqual(steps.length);
  });

  it("show every step kind the schema has, each as a whole step", () => {
    const kinds = stepSchema.options.map((o) => o.shape.kind.value);
    const shown = new Set(
      pack.lessons.flatMap((l) => (l.id.startsWith("doc-step-") ? l.steps.map((s) => s.kind) : [])),
    );
    expect(kinds.filter((k) => !shown.has(k))).toEqual([]);
  });

  it("import only what test/lessons/helpers.ts exports, in the lesson test example", async () => {
    const example = blocks.find((b) => b.lang === "ts" && b.text.includes('from "./helpers"'));
    const names = /import \{([^}]+)\} from "\.\/helpers"/.exec(example?.text ?? "")?.[1];
    expect(names, "a ts example importing ./helpers").toBeDefined();
    const helpers = await import("../lessons/helpers");
    for (const name of (names as string).split(",").map((n) => n.trim()))
      expect(helpers, name).toHaveProperty(name);
  });

  it("show validate's messages as validate really words them", () => {
    expect(problems.length).toBeGreaterThan(0);
    problems.forEach((block, i) => {
      const file = `doc/doc-step-${steps.length + i + 1}.yaml`;
      const said = /^\s*# validate: (.+)$/m.exec(block.text)?.[1];
      expect(said, `docs/authoring.md:${block.line} has no "# validate:" line`).toBeDefined();
      const mine = found.filter((p) => p.file === file).map((p) => p.message);
      expect(mine, `docs/authoring.md:${block.line}`).toHaveLength(1);
      expect(mine[0], `docs/authoring.md:${block.line}`).toContain(said);
    });
  });
});
