/**
 * `podnet-learn lab`: an exercise built in real network namespaces (the exported script, then the
 * step's changes), repaired by the learner with the real tools, then read back and judged by the
 * same checker as the tutorial, with the same probes sent in the kernel beside the verdict.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { byLang, describeGoal, type Lang } from "../checker/describe";
import { type LabEntry, labEntries, labPlan } from "../lab/plan";
import { LAB_PREFIX, PREFIX_PATTERN } from "../lab/scope";
import { LAB_STATE_FILE, type LabState } from "../lab/state";
import type { Lesson } from "../lessons/parse";
import { hostsOf, resolveProbe } from "../lessons/targets";
import { integerOption, parseCommandLine, stringOption } from "./args";
import { labCommand } from "./commands";
import { InputError, UsageError } from "./errors";
import { formatHelp } from "./help";
import type { Io } from "./io";
import { checkLab } from "./lab-check";
import { entryNamed, lessonNamed, readState } from "./lab-lookup";
import {
  deleteNamespaces,
  environmentProblem,
  type LabSystem,
  labNamespaces,
  pidsIn,
  realSystem,
  runLabCommand,
} from "./lab-system";
import { languageOf, openPack } from "./lesson-pack";

const NAME = labCommand.name;

/** Where the lab's state file lives: beside the progress file. */
export function labStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PODNET_CONFIG_DIR) return env.PODNET_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "podnet-learn");
}

/** The prefix: fixed, except that tests may pick another that still starts with `pnl-`. */
function labPrefix(env: NodeJS.ProcessEnv): string {
  const own = env.PODNET_LAB_PREFIX;
  if (own === undefined || own === "") return LAB_PREFIX;
  if (!PREFIX_PATTERN.test(own))
    throw new UsageError(
      `PODNET_LAB_PREFIX must look like pnl-NAME- (lower-case letters, digits, '-'), not "${own}"`,
      NAME,
    );
  return own;
}

export async function runLab(
  args: readonly string[],
  io: Io,
  system: LabSystem = realSystem(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const parsed = parseCommandLine(args, labCommand.options, NAME);
  if (parsed.values.has("help")) {
    io.out(formatHelp(labCommand));
    return 0;
  }
  const actions = ["list", "check", "clean"].filter((a) => parsed.values.has(a));
  const [lessonId, ...extra] = [...parsed.positionals, ...parsed.rest];
  if (extra.length > 0)
    throw new UsageError(`unexpected argument "${extra[0]}" (lab takes one LESSON-ID)`, NAME);
  if (actions.length > 1)
    throw new UsageError(`--${actions[0]} and --${actions[1]} cannot go together`, NAME);
  const action = actions[0];
  if (action !== undefined && lessonId !== undefined)
    throw new UsageError(`--${action} takes no LESSON-ID (got "${lessonId}")`, NAME);
  if (action === undefined && lessonId === undefined)
    throw new UsageError("missing LESSON-ID, or one of --list, --check, --clean", NAME);
  if (parsed.values.has("step") && action !== undefined)
    throw new UsageError("--step goes with a LESSON-ID", NAME);
  const lang = languageOf(parsed, NAME, env);
  const prefix = labPrefix(env);
  const stateDir = labStateDir(env);
  if (action === "list") return list(io, stringOption(parsed, "lessons"));
  const problem = environmentProblem(system);
  if (problem !== null) {
    io.err(`podnet-learn lab: ${problem}\n`);
    return 2;
  }
  if (action === "clean") return clean(io, system, prefix, stateDir);
  if (action === "check") {
    const hintText = stringOption(parsed, "hint");
    const hint = hintText === undefined ? 1 : integerOption(hintText, "hint", 1, 3, NAME);
    return checkLab(io, system, stateDir, lang, hint);
  }
  return build(io, system, {
    lessonId: lessonId as string,
    stepKey: stringOption(parsed, "step"),
    lessons: stringOption(parsed, "lessons") ?? null,
    prefix,
    stateDir,
    lang,
  });
}

/** `lab --list`: one exercise a line, the lesson id first, then the step's number and id. */
function list(io: Io, lessons: string | undefined): number {
  const pack = openPack(lessons, NAME);
  const labs = labEntries(pack.lessons).filter((e) => e.unsupported === null);
  const width = Math.max(0, ...labs.map((e) => e.lesson.id.length));
  for (const e of labs)
    io.out(
      `${e.lesson.id.padEnd(width)}  --step ${String(e.index + 1).padEnd(2)}  ${e.step.id} (${e.step.kind})\n`,
    );
  return 0;
}

interface BuildRequest {
  readonly lessonId: string;
  readonly stepKey: string | undefined;
  readonly lessons: string | null;
  readonly prefix: string;
  readonly stateDir: string;
  readonly lang: Lang;
}

/** `lab LESSON-ID [--step N]`: builds the step's scenario, writes the state, says how to go on. */
function build(io: Io, system: LabSystem, req: BuildRequest): number {
  const pack = openPack(req.lessons ?? undefined, NAME);
  const lesson = lessonNamed(pack.lessons, req.lessonId);
  const entry = entryNamed(lesson, req.stepKey);
  // One lab at a time: a second build would mix two scenarios' namespaces; the open one may
  // hold the learner's work, so it is never removed without being asked.
  const open = readState(req.stateDir);
  const existing = labNamespaces(system, req.prefix);
  if (open !== null || existing.length > 0) {
    const what =
      open === null
        ? `namespaces ${existing.join(", ")}`
        : open === "unreadable"
          ? `its state file ${join(req.stateDir, LAB_STATE_FILE)} cannot be read`
          : `${open.lesson} --step ${open.number} (${open.step})`;
    io.err(
      `podnet-learn lab: a lab is already open: ${what}.\n` +
        "Check it with `podnet-learn lab --check`, or remove it with `podnet-learn lab --clean`, then build again.\n",
    );
    return 2;
  }
  const plan = labPlan(lesson, entry.step, req.prefix);
  if (typeof plan === "string") throw new InputError(`cannot build this lab: ${plan}`, NAME);
  for (const words of plan.commands) {
    const r = runLabCommand(system, words, req.prefix);
    if (r.code !== 0) {
      deleteNamespaces(system, labNamespaces(system, req.prefix), req.prefix);
      io.err(
        `podnet-learn lab: the kernel refused a line of the lab, so nothing was kept:\n  ${words.join(" ")}\n  -> ${r.stderr.trim() || `exit status ${r.code}`}\n` +
          "This kernel may lack a module the scenario needs (see docs/lab.md).\n",
      );
      return 2;
    }
  }
  const state: LabState = {
    formatVersion: 1,
    lesson: lesson.id,
    step: entry.step.id,
    number: entry.index + 1,
    prefix: req.prefix,
    namespaces: plan.namespaces,
    // Absolute, so that `lab --check` finds the pack from any directory.
    lessons: req.lessons === null ? null : resolve(req.lessons),
  };
  mkdirSync(req.stateDir, { recursive: true });
  writeFileSync(join(req.stateDir, LAB_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  io.out(builtText(lesson, entry, req.prefix, req.lang));
  return 0;
}

/** What the learner reads once the lab stands: the task, where to go, how to probe, what next. */
function builtText(lesson: Lesson, entry: LabEntry, prefix: string, lang: Lang): string {
  const { step } = entry;
  const plan = lesson.clusterPlans.get(step.scenario.cluster)?.plan;
  const out: string[] = [];
  out.push(
    `${lesson.title[lang]} (${lesson.id}), ${byLang(lang, "step", "단계")} ${entry.index + 1}: ${step.id} (${step.kind})`,
  );
  out.push(step.prompt[lang].trim());
  for (const sentence of describeGoal(step.goal, lang, plan))
    out.push(`${byLang(lang, "Goal", "목표")}: ${sentence}`);
  out.push("");
  out.push(
    byLang(
      lang,
      "The lab is built in real network namespaces. Enter a node or a pod:",
      "실제 네트워크 네임스페이스에 실습 환경을 만들었습니다. 노드나 파드에 들어가려면:",
    ),
  );
  // The router too: a packet that dies there (no route to a pod CIDR) is looked for there.
  const hosts = plan ? [...hostsOf(plan), "router"] : [];
  for (const host of hosts) out.push(`  sudo ip netns exec ${prefix}${host} bash`);
  out.push(
    byLang(
      lang,
      "(inside, `ip netns identify` names the namespace you are in; `exit` leaves it)",
      "(안에서 `ip netns identify`는 지금 있는 네임스페이스 이름을 보여 주고, `exit`로 나옵니다)",
    ),
  );
  if (step.kind === "fix")
    out.push(
      byLang(
        lang,
        `Where the lesson's hints say \`ssh node2\`, exit and enter ${prefix}node2 instead; \`kubectl exec pod-a -- CMD\` is \`ip netns exec ${prefix}pod-a CMD\`.`,
        `힌트의 \`ssh node2\`는 exit 후 ${prefix}node2에 들어가는 것이고, \`kubectl exec pod-a -- CMD\`는 \`ip netns exec ${prefix}pod-a CMD\`입니다.`,
      ),
    );
  out.push(
    byLang(
      lang,
      `The exercise's node is ${step.node}: ${prefix}${step.node}. Probe as the goal does:`,
      `이 연습의 노드는 ${step.node}(${prefix}${step.node})입니다. 목표처럼 확인하려면:`,
    ),
  );
  for (const goalProbe of step.goal) {
    const resolved = plan ? resolveProbe(plan, goalProbe) : "no plan";
    if (typeof resolved === "string") continue;
    const { spec } = resolved;
    const from = `sudo ip netns exec ${prefix}${spec.from}`;
    if (spec.proto === "icmp")
      out.push(
        `  ${from} ping -c1 -W2${spec.size ? ` -s ${spec.size}` : ""}${spec.df ? " -M do" : ""} ${spec.to}`,
      );
    else if (spec.proto === "tcp")
      out.push(
        `  ${from} timeout 2 bash -c '</dev/tcp/${spec.to}/${spec.dport ?? 80}' && echo open`,
      );
    else
      out.push(
        `  (UDP ${spec.to}:${spec.dport ?? 80} ${byLang(lang, "from", "출발")} ${spec.from})`,
      );
  }
  out.push("");
  out.push(
    byLang(
      lang,
      "When you have fixed it: sudo podnet-learn lab --check    To remove the lab: sudo podnet-learn lab --clean",
      "고친 뒤: sudo podnet-learn lab --check    실습 환경 지우기: sudo podnet-learn lab --clean",
    ),
  );
  return `${out.join("\n")}\n`;
}

/** `lab --clean`: removes every namespace with the prefix and the state file. */
function clean(io: Io, system: LabSystem, prefix: string, stateDir: string): number {
  const state = readState(stateDir);
  const prefixes = new Set([prefix]);
  if (state !== null && state !== "unreadable" && state.prefix.startsWith("pnl-"))
    prefixes.add(state.prefix);
  const names = [...prefixes].flatMap((p) => labNamespaces(system, p));
  const busy = names.flatMap((n) => (pidsIn(system, n).length > 0 ? [n] : []));
  const failed = [...prefixes].flatMap((p) =>
    deleteNamespaces(
      system,
      names.filter((n) => n.startsWith(p)),
      p,
    ),
  );
  rmSync(join(stateDir, LAB_STATE_FILE), { force: true });
  if (failed.length > 0) {
    io.err(`podnet-learn lab: could not remove:\n${failed.map((f) => `  ${f}\n`).join("")}`);
    return 2;
  }
  io.out(
    names.length === 0 && state === null
      ? "No lab to remove.\n"
      : `Removed ${names.length} namespace${names.length === 1 ? "" : "s"}${names.length > 0 ? ` (${names.join(", ")})` : ""} and the lab's state.\n`,
  );
  if (busy.length > 0)
    io.out(
      `Shells you opened in ${busy.join(", ")} still run inside the removed namespaces: exit them.\n`,
    );
  return 0;
}
