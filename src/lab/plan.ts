/**
 * Which exercises can be a lab, and the commands that build one. A lab is a `route` or `fix` step
 * whose scenario (the cluster's exported script, then the step's changes) the kernel can build
 * as the simulator does and `lab --check` can read back: veth, bridge, VXLAN and dummy devices,
 * addresses, main-table routes, neighbour and FDB entries, sysctls and iptables. Decided from the
 * script itself, never from a list of lessons: a Cilium cluster's eBPF datapath and Weave's sleeve
 * router are state no script line creates, IPVS needs the ip_vs module, nftables rules are not
 * read back, and IPIP and Geneve devices are not read back either (see docs/lab.md).
 */
import type { Lesson } from "../lessons/parse";
import type { FixStep, RouteStep } from "../lessons/schema";
import { clusterBuild } from "../sim";
import { tokenize } from "../sim/script/tokenize";
import { prefixCommand } from "./scope";

/** A step that can be built as a lab. */
export type LabStep = RouteStep | FixStep;

/** One exercise as a lab: buildable, or why not. */
export interface LabEntry {
  readonly lesson: Lesson;
  readonly step: LabStep;
  /** 0-based position of the step in the lesson (shown 1-based, as `check --step` counts). */
  readonly index: number;
  /** Null when the step can be a lab; otherwise why the kernel cannot build it faithfully. */
  readonly unsupported: string | null;
}

/** The commands that build a lab, each an argument vector (no shell ever parses them). */
export interface LabPlan {
  readonly commands: readonly (readonly string[])[];
  /** Every namespace the commands create, prefixed, in the order they are made. */
  readonly namespaces: readonly string[];
}

/** Device kinds the kernel builds and `lab --check` reads back. */
const READ_BACK_KINDS = new Set(["veth", "bridge", "vxlan", "dummy"]);

/** Tools a line may run inside a namespace (`ip netns exec NS TOOL …`). */
const NETNS_TOOLS = new Set(["sysctl", "iptables"]);

/** Every route and fix step of the lessons, each with whether it can be a lab. */
export function labEntries(lessons: readonly Lesson[]): LabEntry[] {
  const entries: LabEntry[] = [];
  for (const lesson of lessons)
    lesson.steps.forEach((step, index) => {
      if (step.kind !== "route" && step.kind !== "fix") return;
      const plan = labPlan(lesson, step, "");
      entries.push({
        lesson,
        step,
        index,
        unsupported: typeof plan === "string" ? plan : null,
      });
    });
  return entries;
}

/** Why one command cannot be part of a lab, or null when it can. */
function unsupportedCommand(words: readonly string[]): string | null {
  const [tool, opt, third, object, verb] = words;
  if (tool === "ip" && opt === "netns" && third === "exec") {
    const inner = words[4] ?? "";
    if (inner === "ipvsadm" || inner === "ipset")
      return "IPVS needs the ip_vs kernel module, which a lab does not load";
    if (inner === "nft") return "nftables rules are not read back by lab --check";
    if (!NETNS_TOOLS.has(inner)) return `"${inner}" is not a command a lab runs`;
    return null;
  }
  if (tool === "ip" && opt === "-n" && (object === "link" || object === "l") && verb === "add") {
    const type = words[words.indexOf("type") + 1];
    if (words.includes("type") && type !== undefined && !READ_BACK_KINDS.has(type))
      return `${type} devices are not read back by lab --check (and need the ${type} module)`;
  }
  return null;
}

/**
 * The commands that build `step`'s scenario in namespaces named `prefix` + the scenario's names,
 * or why it cannot be a lab.
 */
export function labPlan(lesson: Lesson, step: LabStep, prefix: string): LabPlan | string {
  const planned = lesson.clusterPlans.get(step.scenario.cluster)?.plan;
  if (!planned) return `its cluster "${step.scenario.cluster}" is not planned`;
  const build = clusterBuild(planned, "");
  if (build.datapath !== null)
    return "Cilium's eBPF datapath is programs and maps no script line can load";
  if (build.programs.length > 0)
    return "Weave's sleeve router is a user-space process no script line starts";
  const commands: string[][] = [];
  const namespaces: string[] = [];
  for (const line of [...build.script.split("\n"), ...step.scenario.changes]) {
    const text = line.trim();
    if (text === "" || text.startsWith("#")) continue;
    const words = tokenize(text);
    if (!words.ok) return `a line of its scenario does not parse: ${text}`;
    if (words.words.length === 0) continue;
    const why = unsupportedCommand(words.words);
    if (why !== null) return why;
    const prefixed = prefixCommand(words.words, prefix);
    if (typeof prefixed === "string") return `${prefixed}: ${text}`;
    commands.push(prefixed);
    if (prefixed[1] === "netns" && prefixed[2] === "add") namespaces.push(prefixed[3] as string);
  }
  return { commands, namespaces };
}
