/**
 * A quiz on paper or slides (`quiz --print`): the questions as plain Markdown-friendly text and,
 * with the key, each answer as the simulator computes it (gradeAnswer with no answer gives the
 * right choice, or for a fix-it what was broken and one fix that works).
 */
import type { Lang } from "../lang";
import { gradeAnswer } from "./grade";
import type { Quiz } from "./types";

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

export function printQuiz(quiz: Quiz, lang: Lang, answers: boolean): string {
  const en = lang === "en";
  const { seed, count, topics, difficulty } = quiz.settings;
  const out: string[] = [
    `# ${en ? "podnet-learn quiz" : "podnet-learn 퀴즈"}`,
    "",
    en
      ? `Seed ${seed}, ${count} question${count === 1 ? "" : "s"}, topics ${topics.join(", ")}, difficulty ${difficulty}. The same seed and options give the same questions: podnet-learn quiz --seed ${seed}.`
      : `시드 ${seed}, ${count}문항, 주제 ${topics.join(", ")}, 난이도 ${difficulty}. 같은 시드와 옵션이면 같은 문제가 나옵니다: podnet-learn quiz --seed ${seed}.`,
    "",
  ];
  quiz.questions.forEach((q, i) => {
    out.push(
      `## ${i + 1}. ${q.title?.[lang] ?? q.kind} (${q.topic})`,
      "",
      indent(q.prompt[lang]),
      "",
    );
    for (const c of q.choices) out.push(`- ${c.id}) ${c.label[lang]}`);
    if (q.kind === "fix-it")
      out.push(
        en
          ? `Task: type the commands on ${q.shellNode} (a simulated node shell) that make it work.`
          : `과제: ${q.shellNode}(시뮬레이션된 노드 셸)에서 다시 동작하게 만드는 명령을 입력하세요.`,
      );
    out.push("");
  });
  if (answers) {
    out.push(`## ${en ? "Answer key" : "정답"}`, "");
    quiz.questions.forEach((q, i) => {
      const grade = gradeAnswer(q, null);
      out.push(`${i + 1}. ${grade.expected[lang].split("\n")[0]}`);
      const rest = grade.expected[lang].split("\n").slice(1);
      for (const line of rest) out.push(`   ${line}`);
    });
    out.push("");
  }
  return `${out.join("\n").trimEnd()}\n`;
}
