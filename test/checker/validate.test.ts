import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { validateLessons } from "../../src/checker/validate";
import { loadPack } from "../../src/lessons/pack";
import { formatProblem } from "../../src/lessons/parse";
import { FIXTURE_PACK } from "./helpers";

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** The fixture pack copied, with one edit to 01-typed.yaml; what validating it finds. */
function validateEdited(edit: (text: string) => string): string[] {
  const dir = mkdtempSync(join(tmpdir(), "podnet-validate-"));
  dirs.push(dir);
  cpSync(FIXTURE_PACK, dir, { recursive: true });
  const file = join(dir, "01-typed.yaml");
  const before = readFileSync(file, "utf8");
  const after = edit(before);
  if (after === before) throw new Error("the edit changed nothing");
  writeFileSync(file, after);
  const pack = loadPack(dir, "pack");
  const validated = validateLessons(pack.lessons);
  return [...pack.problems, ...validated.problems].map(formatProblem);
}

describe("validate judges every answer of a pack", () => {
  test("the fixture pack: every reference passes, every wrong answer fails as stated", () => {
    const pack = loadPack(FIXTURE_PACK, "pack");
    const validated = validateLessons(pack.lessons);
    expect([...pack.problems, ...validated.problems].map(formatProblem)).toEqual([]);
    expect(validated.exercises).toBe(6);
  });

  test("a wrong answer that fails for another reason: what was stated, and what happened", () => {
    expect(
      validateEdited((t) =>
        t.replace("fails: { condition: encap }", "fails: { dropped: no-route, at: router }"),
      ),
    ).toEqual([
      'pack/01-typed.yaml:58:16: steps[1].wrong[1].fails: the wrong answer "10.244.2.0/24 via 192.168.1.13 dev eth0" was to fail as dropped (no-route in router), but condition encap not met (goal probe 1): the request was never encapsulated; it had to be carried in VXLAN',
    ]);
  });

  test("a wrong answer that passes", () => {
    expect(
      validateEdited((t) =>
        t.replace(
          "      - answer: 10.244.2.0/24 dev eth0\n",
          "      - answer: 10.244.2.0/25 via 10.244.2.0 dev flannel.1 onlink\n",
        ),
      ),
    ).toEqual([
      'pack/01-typed.yaml:62:17: steps[1].wrong[2].answer: the wrong answer "10.244.2.0/25 via 10.244.2.0 dev flannel.1 onlink" was to fail as dropped (neighbour-failed in node1), but it passed',
    ]);
  });

  test("a reference answer that fails, with where it died", () => {
    expect(
      validateEdited((t) =>
        t.replace(
          "    answer: 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink\n",
          "    answer: 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink metric 0 table 7\n",
        ),
      ),
    ).toEqual([
      expect.stringMatching(
        /^pack\/01-typed\.yaml:47:13: steps\[1\]\.answer: the reference answer fails: it was refused: `ip route add 10\.244\.2\.0\/24 via 10\.244\.2\.0 dev flannel\.1 onlink metric 0 table 7`: .+/,
      ),
    ]);
  });

  test("a scenario change the simulator refuses", () => {
    expect(
      validateEdited((t) =>
        t.replace(
          "        - ip -n node1 route del 10.244.2.0/24\n",
          "        - ip -n node1 route del 10.244.2.0/24\n        - ip -n node1 route del 10.99.0.0/24\n",
        ),
      ),
    ).toEqual([
      "pack/01-typed.yaml:32:11: steps[1].scenario.changes[1]: this change is refused: RTNETLINK answers: No such process",
    ]);
  });

  test("a route step whose scenario already passes asks for nothing", () => {
    const problems = validateEdited((t) =>
      t.replace("      changes:\n        - ip -n node1 route del 10.244.2.0/24\n", ""),
    );
    expect(problems).toContain(
      "pack/01-typed.yaml:29:7: steps[1].scenario: the scenario already passes the goal without an answer: the exercise asks for nothing",
    );
    // With the route still there, adding it again is refused as the kernel refuses it.
    expect(problems).toContain(
      "pack/01-typed.yaml:45:13: steps[1].answer: the reference answer fails: it was refused: `ip route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink`: RTNETLINK answers: File exists",
    );
  });

  test("a predict step where two options have the value the trace shows", () => {
    expect(
      validateEdited((t) =>
        t.replace(
          'label: { en: "6081", ko: "6081" }, value: 6081',
          'label: { en: "6081", ko: "6081" }, value: 8472',
        ),
      ),
    ).toEqual([
      expect.stringContaining(
        "steps[3].options: 2 options (p8472, p6081) have the value the trace shows, 8472; exactly one may",
      ),
      expect.stringContaining(
        'steps[3].wrong[1].answer: the wrong answer "p6081" was to fail as not the fact, but it passed',
      ),
    ]);
  });
});
