import { describe, expect, it } from "vitest";
import { generateQuiz, kindsOf } from "../../src/quiz/generate";
import { gradeAnswer } from "../../src/quiz/grade";
import { repairFrom } from "../../src/quiz/kinds/fix-it";
import { quizShell } from "../../src/quiz/shell";
import { DIFFICULTIES, QUIZ_TOPICS, type QuizSettings } from "../../src/quiz/types";
import { loadCluster } from "../../src/sim/cluster/load";
import { probeTarget, rightChoices } from "./helpers";

const ALL: QuizSettings = { seed: 42, count: 5, topics: QUIZ_TOPICS, difficulty: "medium" };

describe("generateQuiz", () => {
  it("makes the same quiz from the same settings, and another from another seed", () => {
    const a = generateQuiz(ALL);
    expect(generateQuiz(ALL)).toEqual(a);
    const b = generateQuiz({ ...ALL, seed: 43 });
    expect(b.questions.map((q) => q.cluster)).not.toEqual(a.questions.map((q) => q.cluster));
  });

  it("numbers questions q1… and takes the topics in turn", () => {
    const quiz = generateQuiz({ ...ALL, count: 7, topics: ["weave", "services"] });
    expect(quiz.questions.map((q) => q.id)).toEqual(["q1", "q2", "q3", "q4", "q5", "q6", "q7"]);
    expect(quiz.questions.map((q) => q.topic)).toEqual([
      "weave",
      "services",
      "weave",
      "services",
      "weave",
      "services",
      "weave",
    ]);
    for (const q of quiz.questions) expect(kindsOf(q.topic)).toContain(q.kind);
  });

  it("writes every question's cluster as a valid cluster file with the topic's CNI", () => {
    const quiz = generateQuiz({ ...ALL, count: 10, difficulty: "hard" });
    for (const q of quiz.questions) {
      const loaded = loadCluster(q.cluster);
      expect(loaded.ok, q.cluster).toBe(true);
      if (!loaded.ok) continue;
      if (q.topic !== "services") expect(loaded.plan.file.cni.plugin).toBe(q.topic);
      else expect(loaded.plan.services.map((s) => s.name)).toContain("web");
      expect(loaded.plan.nodes.length).toBeGreaterThanOrEqual(2);
    }
  });

  it("gives easy clusters two nodes on one subnet and hard ones two subnets", () => {
    const easy = generateQuiz({ ...ALL, difficulty: "easy" });
    for (const q of easy.questions) {
      const loaded = loadCluster(q.cluster);
      if (!loaded.ok) throw new Error("generated clusters load");
      expect(loaded.plan.nodes).toHaveLength(2);
      expect(loaded.plan.subnets).toHaveLength(1);
    }
    const hard = generateQuiz({ ...ALL, difficulty: "hard" });
    for (const q of hard.questions) {
      const loaded = loadCluster(q.cluster);
      if (!loaded.ok) throw new Error("generated clusters load");
      expect(loaded.plan.subnets).toHaveLength(2);
    }
  });

  it("makes every question answerable and unambiguous, over seeds, topics and difficulties", () => {
    let checked = 0;
    for (const difficulty of DIFFICULTIES)
      for (const seed of [1, 2, 3]) {
        const quiz = generateQuiz({ seed, count: 5, topics: QUIZ_TOPICS, difficulty });
        for (const q of quiz.questions) {
          checked++;
          if (q.kind === "fix-it") {
            expect(q.choices).toEqual([]);
            expect(gradeAnswer(q, null).correct, q.id).toBe(false);
            expect(gradeAnswer(q, { kind: "commands", lines: repairFrom(q) }).correct).toBe(true);
            continue;
          }
          expect(q.choices.length, `${q.kind} of seed ${seed}`).toBeGreaterThanOrEqual(2);
          expect(new Set(q.choices.map((c) => c.label.en)).size).toBe(q.choices.length);
          expect(rightChoices(q), `${q.kind} ${q.id} of seed ${seed} (${difficulty})`).toHaveLength(
            1,
          );
          expect(gradeAnswer(q, null).correct).toBe(false);
        }
      }
    expect(checked).toBe(45);
  });

  it("has where-dropped questions whose answer is that the packet is delivered", () => {
    const delivered = [];
    for (let seed = 1; seed <= 12 && delivered.length === 0; seed++) {
      const quiz = generateQuiz({
        seed,
        count: 5,
        topics: ["flannel", "cilium"],
        difficulty: "medium",
      });
      for (const q of quiz.questions.filter((x) => x.kind === "where-dropped")) {
        const right = q.choices.find((c) => c.id === rightChoices(q)[0]);
        if (right?.meaning?.kind === "place" && right.meaning.place.kind === "delivered")
          delivered.push(q);
      }
    }
    expect(delivered.length).toBeGreaterThan(0);
  });

  it("offers every kind of question for its topics", () => {
    const kinds = new Set<string>();
    for (let seed = 1; seed <= 4; seed++)
      for (const q of generateQuiz({ ...ALL, seed, count: 10 }).questions) kinds.add(q.kind);
    expect([...kinds].sort()).toEqual(["fix-it", "missing-entry", "proxy-mode", "where-dropped"]);
  });
});

describe("a fix-it question", () => {
  const fixIt = (() => {
    for (let seed = 1; seed < 40; seed++) {
      const quiz = generateQuiz({
        seed,
        count: 4,
        topics: ["flannel", "calico"],
        difficulty: "hard",
      });
      const found = quiz.questions.find((q) => q.kind === "fix-it" && q.probeSpec?.proto !== "tcp");
      if (found) return found;
    }
    throw new Error("no fix-it question in 40 seeds");
  })();

  it("fails unanswered, and says what was broken and one fix that works", () => {
    const grade = gradeAnswer(fixIt, null);
    expect(grade.correct).toBe(false);
    expect(grade.expected.en).toContain("What was broken:");
    for (const line of repairFrom(fixIt)) expect(grade.expected.en).toContain(line);
    expect(grade.explanation.en).toContain("No commands were typed.");
  });

  it("opens its shell on the question's node, on the broken scenario, where the key's fix works", () => {
    const { from, ip } = probeTarget(fixIt);
    const size = fixIt.probeSpec?.size === undefined ? "" : ` -s ${fixIt.probeSpec.size}`;
    const ping = (shell: ReturnType<typeof quizShell>) => {
      shell.run(`ssh ${from}`);
      return shell.run(`ping -c 1${size} ${ip}`);
    };
    const broken = quizShell(fixIt);
    expect(broken.node).toBe(fixIt.shellNode);
    expect(ping(broken).ok).toBe(false);
    const shell = quizShell(fixIt);
    for (const line of repairFrom(fixIt)) expect(shell.run(line).ok, line).toBe(true);
    expect(ping(shell).ok).toBe(true);
  });

  it("passes any fix that works, not only the key's, and fails one that does not", () => {
    const grade = gradeAnswer(fixIt, {
      kind: "commands",
      lines: ["ip route", ...repairFrom(fixIt)],
    });
    expect(grade.correct).toBe(true);
    expect(grade.explanation.en).toContain("delivered, the reply came back");
    const wrong = gradeAnswer(fixIt, {
      kind: "commands",
      lines: ["sysctl -w net.ipv4.ip_forward=1"],
    });
    expect(wrong.correct).toBe(false);
    expect(wrong.explanation.en).toContain("still fails");
  });
});
