/**
 * "Fix it": a broken cluster and the simulated node shell. The fault comes from the catalogue
 * with a repair; generation keeps it only if the probe fails broken and the repair, typed into
 * the question's shell, makes it pass. Grading replays the candidate's lines in a fresh shell
 * (as the checker does for a fix step: a refused line that would change the node fails the
 * answer) and sends the probe: any fix that really works passes.
 */
import { applyFix } from "../../checker/answers";
import { describeFailure } from "../../checker/explain";
import { withParticle } from "../../checker/korean";
import type { Failure } from "../../checker/verdict";
import type { ClusterPlan, ProbeResult } from "../../sim";
import { joinLines, localized, traceExplanation } from "../explain";
import { shuffle } from "../random";
import { passed, send } from "../scenario";
import { describeCluster, describeQuizProbe } from "../setting";
import { openShell } from "../shell";
import type { Localized, QuizAnswer, QuizGrade, QuizQuestion } from "../types";
import { capital, type Draft, type DraftInput } from "./common";
import { engineParts } from "./parts";

/** The lines that repair the fault from the shell's first prompt (an ssh first when elsewhere). */
export function repairFrom(question: Pick<QuizQuestion, "shellNode" | "fault">): string[] {
  const fault = question.fault;
  if (!fault) return [];
  return fault.node === question.shellNode
    ? [...fault.repair]
    : [`ssh ${fault.node}`, ...fault.repair];
}

/** Runs `lines` in a fresh shell on the broken scenario, then the probe. */
function replay(
  question: QuizQuestion,
  lines: readonly string[],
): { refused: Failure | null; result: ProbeResult; plan: ClusterPlan } {
  const { probeSpec } = engineParts(question);
  const opened = openShell(question);
  const refused = lines.length === 0 ? null : applyFix(opened.shell, lines.join("\n"));
  return { refused, result: send(opened, probeSpec), plan: opened.plan };
}

export function draftFixIt(input: DraftInput): Draft | null {
  const { setting, rng } = input;
  if (!passed(setting.baseline)) return null;
  const usable = input.candidates.filter((c) => c.fault.repair.length > 0);
  for (const candidate of shuffle(rng, usable)) {
    const probe = candidate.probe ?? setting.probe;
    const pod = setting.plan.pods.find((p) => p.name === candidate.fault.node);
    const faultNode = pod ? pod.node : candidate.fault.node;
    const shellNode = input.difficulty === "easy" ? faultNode : setting.ctx.srcNode;
    const probeText = describeQuizProbe(setting.plan, probe);
    const draft: Draft = {
      kind: "fix-it",
      title: { en: "Fix it", ko: "고쳐 보세요" },
      prompt: joinLines(describeCluster(setting.plan), {
        en: `${capital(probeText.en)} fails. You are logged in on ${shellNode}. Find what is broken and repair it, on this node or another (ssh NODE reaches nodes and pods), so that it works again.`,
        ko: `${withParticle(probeText.ko, "이/가")} 실패한다. 지금 ${shellNode}에 로그인해 있다. 무엇이 고장 났는지 찾아 이 노드나 다른 곳(ssh NODE로 노드와 파드에 들어간다)에서 고쳐, 다시 동작하게 하라.`,
      }),
      cluster: setting.cluster,
      choices: [],
      shellNode,
      probe: probeText,
      probeSpec: probe,
      fault: candidate.fault,
    };
    const question: QuizQuestion = { ...draft, id: "draft", topic: "flannel" };
    if (passed(replay(question, []).result)) continue;
    const repaired = replay(question, repairFrom(question));
    if (repaired.refused || !passed(repaired.result)) continue;
    return draft;
  }
  return null;
}

export function gradeFixIt(question: QuizQuestion, answer: QuizAnswer | null): QuizGrade {
  const { probeSpec, fault } = engineParts(question);
  const lines = answer?.kind === "commands" ? answer.lines : [];
  const ran = replay(question, lines);
  const correct = lines.length > 0 && ran.refused === null && passed(ran.result);
  const fix = repairFrom(question);
  const fixed = replay(question, fix);
  const fixWorks = fixed.refused === null && passed(fixed.result);
  const expected: Localized = localized((lang) =>
    [
      lang === "en" ? `What was broken: ${fault.text.en}.` : `고장 난 것: ${fault.text.ko}.`,
      ...(fixWorks
        ? [
            `${lang === "en" ? `One fix that works, typed on ${question.shellNode}` : `${question.shellNode}에서 입력하는, 동작하는 수정 하나`}:`,
            ...fix.map((l) => `    ${l}`),
          ]
        : []),
    ].join("\n"),
  );
  const refused = ran.refused;
  const given: Localized =
    lines.length === 0
      ? { en: "No commands were typed.", ko: "입력한 명령이 없습니다." }
      : refused
        ? localized((lang) => describeFailure(refused, lang))
        : correct
          ? {
              en: "After your commands the probe works:",
              ko: "입력한 명령 뒤에 프로브가 동작합니다:",
            }
          : {
              en: "After your commands the probe still fails:",
              ko: "입력한 명령 뒤에도 프로브가 실패합니다:",
            };
  return {
    correct,
    expected,
    explanation: joinLines(given, traceExplanation(ran.plan, probeSpec, ran.result)),
  };
}
