/**
 * `lab --check`: the open lab read back from the kernel, judged by the tutorial's checker in the
 * simulator, and the goal's probes sent in the kernel beside it to show whether the two agree.
 */
import { join } from "node:path";
import { byLang, describeGoal, type Lang } from "../checker/describe";
import { explainFailure } from "../checker/explain";
import { judgeGoal } from "../checker/judge";
import { formatProbePath } from "../checker/path";
import { worldFromReadout } from "../lab/readback";
import { LAB_STATE_FILE } from "../lab/state";
import { resolveProbe } from "../lessons/targets";
import { probe } from "../sim";
import { labCommand } from "./commands";
import { InputError } from "./errors";
import type { Io } from "./io";
import { entryNamed, lessonNamed, readState } from "./lab-lookup";
import {
  type KernelAnswer,
  kernelConnect,
  kernelPing,
  type LabSystem,
  labNamespaces,
  readLab,
} from "./lab-system";
import { openPack } from "./lesson-pack";

const NAME = labCommand.name;

/** `lab --check`: reads the lab back, judges the goal, and probes the kernel beside it. */
export async function checkLab(
  io: Io,
  system: LabSystem,
  stateDir: string,
  lang: Lang,
  hint: number,
): Promise<number> {
  const state = readState(stateDir);
  if (state === null) {
    io.err(
      `podnet-learn lab: no lab is open (no ${join(stateDir, LAB_STATE_FILE)}). Build one first: podnet-learn lab --list, then podnet-learn lab LESSON-ID.\n`,
    );
    return 2;
  }
  if (state === "unreadable") {
    io.err(
      `podnet-learn lab: ${join(stateDir, LAB_STATE_FILE)} is not a lab this version wrote; remove the lab with podnet-learn lab --clean.\n`,
    );
    return 2;
  }
  const present = labNamespaces(system, state.prefix);
  const missing = state.namespaces.filter((n) => !present.includes(n));
  if (missing.length > 0) {
    io.err(
      `podnet-learn lab: the lab's namespaces ${missing.join(", ")} are gone. Run podnet-learn lab --clean, then build it again.\n`,
    );
    return 2;
  }
  const pack = openPack(state.lessons ?? undefined, NAME);
  const lesson = lessonNamed(pack.lessons, state.lesson);
  const entry = entryNamed(lesson, state.step);
  const { step } = entry;
  const plan = lesson.clusterPlans.get(step.scenario.cluster)?.plan;
  if (!plan)
    throw new InputError(`lesson ${lesson.id} has no cluster ${step.scenario.cluster}`, NAME);
  const readout = readLab(system, state.prefix);
  const read = worldFromReadout(readout);
  const outcome = judgeGoal(step.goal, plan, read.world);
  const out: string[] = [];
  const paint = (code: string, text: string) => (io.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  out.push(
    `${lesson.title[lang]} (${lesson.id}), ${byLang(lang, "step", "단계")} ${entry.index + 1}: ${step.id} (${step.kind})`,
  );
  for (const sentence of describeGoal(step.goal, lang, plan))
    out.push(`${byLang(lang, "Goal", "목표")}: ${sentence}`);
  out.push(
    byLang(
      lang,
      `Read back from ${readout.namespaces.length} namespaces (ip -j link/addr/route/neigh, bridge -j fdb, iptables-save, sysctls) and judged in the simulator:`,
      `네임스페이스 ${readout.namespaces.length}개에서 상태를 읽어(ip -j link/addr/route/neigh, bridge -j fdb, iptables-save, sysctl) 시뮬레이터로 판정했습니다:`,
    ),
  );
  out.push("");
  if (outcome.failure === null) out.push(paint("32", byLang(lang, "✓ Passed.", "✓ 통과했습니다.")));
  else out.push(paint("31", byLang(lang, "✗ Not yet.", "✗ 아직 아닙니다.")));
  for (const p of outcome.path)
    out.push(`${byLang(lang, "Path", "경로")}: ${formatProbePath(p, lang)}`);
  if (outcome.failure === null) out.push(step.explanation[lang].trim());
  else out.push(explainFailure(step, "", outcome.failure, lang, hint));
  if (read.notes.length > 0) {
    out.push("");
    out.push(
      byLang(
        lang,
        "Not carried into the simulator (the verdict does not see it):",
        "시뮬레이터로 옮기지 못한 것(판정에 반영되지 않음):",
      ),
    );
    for (const note of read.notes) out.push(`  ${note}`);
  }
  out.push("");
  out.push(byLang(lang, "The same probes in the kernel:", "커널에서 같은 프로브를 보낸 결과:"));
  const prefixed = present;
  for (const [i, goalProbe] of step.goal.entries()) {
    const resolved = resolveProbe(plan, goalProbe);
    if (typeof resolved === "string") continue;
    const { spec } = resolved;
    const sim = probe(read.world, spec);
    const simReplied = !("error" in sim) && sim.request.delivered && sim.reply.delivered;
    const what = `${i + 1}. ${spec.from} → ${spec.to}${spec.proto === "icmp" ? "" : ` ${spec.proto}/${spec.dport ?? 80}`}`;
    let answer: KernelAnswer;
    if (spec.proto === "icmp")
      answer = kernelPing(
        system,
        prefixed,
        `${state.prefix}${spec.from}`,
        spec.to,
        spec.size ?? 56,
        spec.df ?? false,
      );
    else if (spec.proto === "tcp")
      answer = await kernelConnect(
        system,
        prefixed,
        `${state.prefix}${spec.from}`,
        spec.to,
        spec.dport ?? 80,
        plan.services.flatMap((svc) => svc.ports.map((p) => p.targetPort)),
      );
    else {
      out.push(
        `  ${what}: ${byLang(lang, "UDP is not probed in the kernel", "UDP는 커널에서 확인하지 않습니다")}`,
      );
      continue;
    }
    const kernelSays = answer.replied
      ? byLang(lang, "the reply came back", "응답이 돌아왔습니다")
      : byLang(lang, "no reply", "응답이 없습니다");
    const agree =
      answer.replied === simReplied
        ? byLang(lang, "the kernel agrees with the simulator", "커널과 시뮬레이터가 일치합니다")
        : paint(
            "33",
            byLang(
              lang,
              `the kernel DISAGREES with the simulator (simulator: ${simReplied ? "reply" : "no reply"}); please report it`,
              `커널과 시뮬레이터가 다릅니다(시뮬레이터: ${simReplied ? "응답" : "응답 없음"}). 알려 주세요`,
            ),
          );
    out.push(`  ${what}: ${kernelSays}${answer.output ? ` (${answer.output})` : ""}; ${agree}`);
  }
  io.out(`${out.join("\n")}\n`);
  return outcome.failure === null ? 0 : 1;
}
