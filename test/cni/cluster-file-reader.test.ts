import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseDocument } from "yaml";
import { readBlockYaml } from "../../src/sim/cluster/block-yaml";

/** What the `yaml` package reads, as loadCluster parses it, or null when it reports an error. */
function yamlValue(text: string): { value: unknown } | null {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return null;
  try {
    return { value: doc.toJS() };
  } catch {
    // An alias to no anchor is refused by toJS, not reported as an error.
    return null;
  }
}

/** The quick reader either gives up or reads exactly what `yaml` reads, on a text `yaml` accepts. */
function agrees(text: string): boolean {
  const quick = readBlockYaml(text);
  if (quick === null) return true;
  const slow = yamlValue(text);
  expect(slow, `yaml refuses what the quick reader read:\n${text}`).not.toBeNull();
  expect(quick.value, text).toStrictEqual(slow?.value);
  return true;
}

/** Scalars as cluster files write them, and ones that YAML reads as something else. */
const SCALARS = [
  "node1",
  "pod-a",
  "10.0.0.0/8",
  "192.168.1.12",
  "1500",
  "0",
  "0123",
  "1.5",
  "1.",
  ".5",
  "1e3",
  "1.2e3",
  "0x1F",
  "0o17",
  "1_000",
  "-1",
  "+1",
  "null",
  "Null",
  "nULL",
  "~",
  "true",
  "False",
  "yes",
  ".inf",
  ".nan",
  "1.2.3",
  "1 2",
  "a b",
  "a  b",
  "a #c",
  "a#b",
  "a: b",
  "a:b",
  "'q'",
  '"q"',
  "'it''s'",
  '"a\\tb"',
  '"a # b"',
  "'a' # c",
  "[a, b]",
  "[a,b]",
  "[ ]",
  "[]",
  "[1, 2.5]",
  "[10.1.0.0/24, 10.2.0.0/16]",
  "[a, ]",
  "{a: 1}",
  "{}",
  "&x a",
  "*x",
  "!!str 1",
  "|",
  ">",
  "@a",
  "%a",
  "-",
  "- a",
  "a - b",
  "(a), b+c",
  "é",
  "9999999999999999",
  "123456789012345",
];
const KEYS = [
  "a",
  "b",
  "name",
  "ip",
  "node",
  "null",
  "True",
  "a b",
  "_x",
  "a-b",
  "1",
  "'k'",
  "a.b",
];

/** Mostly what the quick reader reads, so that it is often compared; now and then anything. */
const scalar = fc.oneof(
  { arbitrary: fc.constantFrom("node1", "pod-a", "10.0.0.0/8", "1500", "true", "a b"), weight: 6 },
  { arbitrary: fc.constantFrom(...SCALARS), weight: 3 },
  {
    arbitrary: fc
      .array(fc.constantFrom(..."aZ09. /-_,()+#:'\"[]\u00a0"), { minLength: 1, maxLength: 8 })
      .map((chars) => chars.join("")),
    weight: 2,
  },
);
const key = fc.oneof(
  { arbitrary: fc.constantFrom("name", "ip", "node", "cidr"), weight: 6 },
  { arbitrary: fc.constantFrom(...KEYS), weight: 1 },
);

type Tree = string | { map: [string, Tree][] } | { seq: Tree[] };
interface Style {
  step: number;
  compact: boolean;
  seqAtKeyColumn: boolean;
  comments: boolean;
}

const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(fc.tuple(key, tie("node")), { minLength: 1, maxLength: 4 }).map((map) => ({ map })),
    fc.array(tie("node"), { minLength: 1, maxLength: 4 }).map((seq) => ({ seq })),
  ),
})).node;

/** Renders a tree as block YAML, the styles cluster files are written in and a few more. */
function render(t: Tree, col: number, s: Style, out: string[]): void {
  const pad = " ".repeat(col);
  if (typeof t === "string") out.push(`${pad}${t}`);
  else if ("map" in t)
    for (const [k, v] of t.map) {
      if (typeof v === "string") out.push(`${pad}${k}: ${v}${s.comments ? " # note" : ""}`);
      else {
        out.push(`${pad}${k}:`);
        render(v, "seq" in v && s.seqAtKeyColumn ? col : col + s.step, s, out);
      }
    }
  else
    for (const item of t.seq) {
      if (typeof item === "string") out.push(`${pad}- ${item}`);
      else if (s.compact && "map" in item) {
        const inner: string[] = [];
        render(item, col + 2, s, inner);
        out.push(`${pad}- ${(inner[0] as string).slice(col + 2)}`, ...inner.slice(1));
      } else {
        out.push(`${pad}-`);
        render(item, col + s.step, s, out);
      }
      if (s.comments) out.push(`${pad}# between entries`);
    }
}

const style: fc.Arbitrary<Style> = fc.record({
  step: fc.integer({ min: 1, max: 4 }),
  compact: fc.boolean(),
  seqAtKeyColumn: fc.boolean(),
  comments: fc.boolean(),
});

function document(t: Tree, s: Style): string {
  const out: string[] = [];
  render(typeof t === "string" ? { map: [["a", t]] } : t, 0, s, out);
  return `${out.join("\n")}\n`;
}

/** Small edits that break indentation, keys and scalars in the ways people do. */
const edits = fc.array(
  fc.tuple(
    fc.nat(),
    fc.constantFrom("", " ", "  ", "-", "- ", ":", "#", "\n", "\t", "'", "[", "0", "\u00a0"),
  ),
  { maxLength: 3 },
);

function edit(text: string, changes: [number, string][]): string {
  let out = text;
  for (const [at, insert] of changes) {
    const i = at % (out.length + 1);
    out =
      insert === "" ? out.slice(0, i) + out.slice(i + 1) : out.slice(0, i) + insert + out.slice(i);
  }
  return out;
}

describe("cluster files: the quick reader reads what yaml reads, or leaves the file to yaml", () => {
  test("generated block documents", () => {
    fc.assert(
      fc.property(tree, style, (t, s) => agrees(document(t, s))),
      { numRuns: 3000 },
    );
  });

  test("generated documents with indentation, indicators and characters moved about", () => {
    fc.assert(
      fc.property(tree, style, edits, (t, s, e) => agrees(edit(document(t, s), e))),
      { numRuns: 5000 },
    );
  });

  test("every example cluster file is read by the quick reader, as yaml reads it", () => {
    const dir = new URL("../../examples/clusters/", import.meta.url);
    for (const name of readdirSync(dir)) {
      const text = readFileSync(new URL(name, dir), "utf8");
      expect(readBlockYaml(text), name).not.toBeNull();
      agrees(text);
      agrees(text.replaceAll("\n", "\r\n"));
    }
  });

  test("what it does not read is left to yaml: repeated keys, anchors, numbers it would guess", () => {
    for (const text of [
      "a: 1\na: 2\n",
      "a: &x 1\nb: *x\n",
      "a: 0123\n",
      "a: 1.5\n",
      "a: 1e3\n",
      "a: my\n  cluster\n",
      "a:\n\t- b\n",
      "a: 'it''s'\n",
      "a: b\u00a0\n",
      "--- \na: 1\n",
      "",
    ])
      expect(readBlockYaml(text), JSON.stringify(text)).toBeNull();
  });
});
