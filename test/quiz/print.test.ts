import { describe, expect, it } from "vitest";
import { generateQuiz } from "../../src/quiz/generate";
import { gradeAnswer } from "../../src/quiz/grade";
import { repairFrom } from "../../src/quiz/kinds/fix-it";
import { printQuiz } from "../../src/quiz/print";

const quiz = generateQuiz({
  seed: 11,
  count: 6,
  topics: ["calico", "services", "weave"],
  difficulty: "medium",
});

describe("the printed quiz", () => {
  it("holds every question with its choices, and no answer key unless asked", () => {
    const text = printQuiz(quiz, "en", false);
    expect(text).toContain(
      "Seed 11, 6 questions, topics calico, services, weave, difficulty medium.",
    );
    for (const [i, q] of quiz.questions.entries()) {
      expect(text).toContain(`## ${i + 1}. `);
      for (const line of q.prompt.en.split("\n")) expect(text).toContain(line);
      for (const c of q.choices) expect(text).toContain(`- ${c.id}) ${c.label.en}`);
    }
    expect(text).not.toContain("Answer key");
  });

  it("ends with the key the simulator computes: the right choice, or one fix that works", () => {
    const text = printQuiz(quiz, "en", true);
    const key = text.slice(text.indexOf("## Answer key"));
    for (const [i, q] of quiz.questions.entries()) {
      const expected = gradeAnswer(q, null).expected.en.split("\n")[0];
      expect(key).toContain(`${i + 1}. ${expected}`);
      if (q.kind === "fix-it") for (const line of repairFrom(q)) expect(key).toContain(line);
    }
  });

  it("prints in Korean", () => {
    const text = printQuiz(quiz, "ko", true);
    expect(text).toContain("# podnet-learn 퀴즈");
    expect(text).toContain("## 정답");
    expect(text).toContain(quiz.questions[0]?.prompt.ko.split("\n")[0] ?? "?");
  });

  it("names every CNI mode in Korean in a Korean quiz", () => {
    const all = generateQuiz({
      seed: 42,
      count: 12,
      topics: ["weave", "cilium", "calico"],
      difficulty: "hard",
    });
    const settings = all.questions.map((q) => q.prompt.ko.split("\n")[0] ?? "").join("\n");
    expect(settings).toContain("클러스터: Weave Net");
    expect(settings).toMatch(/Cilium, (VXLAN|Geneve) 터널|Cilium, 네이티브 라우팅/);
    for (const english of [
      "eBPF datapath",
      "no longer maintained",
      "user-space",
      "no overlay",
      "tunnel",
    ])
      expect(settings).not.toContain(english);
  });
});
