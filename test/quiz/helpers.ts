/** Shared by the quiz tests: a quiz's right choices as the engine grades them, and the probe's address. */
import { gradeAnswer } from "../../src/quiz/grade";
import { planOf } from "../../src/quiz/scenario";
import type { QuizQuestion } from "../../src/quiz/types";
import { formatIpv4 } from "../../src/sim/ipv4";

/** The ids of the choices `gradeAnswer` grades correct. */
export function rightChoices(question: QuizQuestion): string[] {
  return question.choices
    .filter((c) => gradeAnswer(question, { kind: "choice", choice: c.id }).correct)
    .map((c) => c.id);
}

/** The address the question's probe goes to, and the pod it leaves from. */
export function probeTarget(question: QuizQuestion): { from: string; ip: string } {
  const plan = planOf(question.cluster);
  const spec = question.probeSpec;
  if (!spec) throw new Error("a generated question has a probe");
  const pod = plan.pods.find((p) => p.name === spec.to);
  if (!pod) throw new Error(`the probe goes to a pod: ${spec.to}`);
  return { from: spec.from, ip: formatIpv4(pod.ip) };
}
