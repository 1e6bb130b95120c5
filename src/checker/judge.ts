/**
 * Judging a goal: each probe is sent in the answered scenario and what must be true of it is
 * checked, in a fixed order, so the first thing that went wrong is the one reported:
 *   expect dropped: the request must not arrive (else `condition: expect`);
 *   the request is dropped (`dropped`); it arrives elsewhere (`condition: deliveredTo`);
 *   the reply does not come back (`noReply`); then the `via` conditions in the order encap,
 *   device, node, notNode, translatedBy; then maxRules and maxLookups.
 */
import type { GoalProbe } from "../lessons/schema";
import { type ResolvedProbe, resolveProbe } from "../lessons/targets";
import type { Encap } from "../lessons/vocabulary";
import { type ClusterPlan, type Hop, type ProbeResult, probe, type World } from "../sim";
import { parseIpv4 } from "../sim/ipv4";
import { unreachable } from "../sim/unreachable";
import { summarizePath } from "./path";
import {
  decidedBy,
  devicesLeft,
  firstEncapsulation,
  namespacesVisited,
  routedPath,
  translationOf,
} from "./trace-reading";
import type { Failure, ProbePath } from "./verdict";

const ENCAP_NAMES: Record<Encap, string> = {
  vxlan: "VXLAN",
  geneve: "Geneve",
  ipip: "IPIP",
  sleeve: "Weave sleeve",
  none: "no encapsulation",
};

/** A probe the lesson names, sent: a probe the loader accepted always resolves and runs. */
export function runProbe(
  plan: ClusterPlan,
  world: World,
  fields: Parameters<typeof resolveProbe>[1],
): { resolved: ResolvedProbe; result: ProbeResult } {
  const resolved = resolveProbe(plan, fields);
  if (typeof resolved === "string") throw new Error(`a probe the loader accepted: ${resolved}`);
  const result = probe(world, resolved.spec);
  if ("error" in result) throw new Error(`a probe the loader accepted: ${result.error}`);
  return { resolved, result };
}

/** The outcome of a whole goal. */
export interface GoalOutcome {
  readonly failure: Failure | null;
  readonly path: readonly ProbePath[];
  readonly hops: readonly Hop[];
}

/** Sends the goal's probes in order and stops at the first that fails. */
export function judgeGoal(
  goal: readonly GoalProbe[],
  plan: ClusterPlan,
  world: World,
): GoalOutcome {
  const path: ProbePath[] = [];
  let firstHops: readonly Hop[] = [];
  for (const [index, goalProbe] of goal.entries()) {
    const { resolved, result } = runProbe(plan, world, goalProbe);
    path.push(summarizePath(index, resolved.spec, result));
    if (index === 0) firstHops = result.hops;
    const failure = judgeProbe(index, goalProbe, resolved, result, plan);
    if (failure) return { failure, path, hops: result.hops };
  }
  return { failure: null, path, hops: firstHops };
}

/** Where a request to this target may arrive, or null when anywhere will do. */
function allowedDestinations(goalProbe: GoalProbe, resolved: ResolvedProbe): string[] | null {
  if (goalProbe.deliveredTo !== undefined) return [goalProbe.deliveredTo];
  const target = resolved.target;
  switch (target.kind) {
    case "pod":
    case "node":
      return [target.name];
    case "service":
      return target.endpoints.length > 0 ? [...target.endpoints] : null;
    case "address":
      return null;
    default:
      return unreachable(target);
  }
}

function condition(
  index: number,
  name: Failure["condition"] & string,
  message: string,
  expected: string,
  actual: string,
): Failure {
  return {
    kind: "condition",
    probe: index,
    netns: null,
    dropReason: null,
    message,
    condition: name,
    expected,
    actual,
  };
}

/** The first thing wrong with one probe's run, or null. */
export function judgeProbe(
  index: number,
  goalProbe: GoalProbe,
  resolved: ResolvedProbe,
  result: ProbeResult,
  plan: ClusterPlan,
): Failure | null {
  const { request, reply } = result;
  if (goalProbe.expect === "dropped") {
    if (!request.delivered) return null;
    return condition(
      index,
      "expect",
      `the request arrived at ${request.netns}, but it had to be dropped`,
      "dropped",
      request.netns ?? "",
    );
  }
  if (!request.delivered) {
    const drop = request.drop;
    const where = drop?.netns ?? resolved.spec.from;
    return {
      kind: "dropped",
      probe: index,
      netns: where,
      dropReason: drop?.reason ?? "flooded-unclaimed",
      message: drop?.message ?? "the request did not arrive",
      reported: drop?.reported ?? null,
      ...decidedBy(result, "request", where),
    };
  }
  const allowed = allowedDestinations(goalProbe, resolved);
  const arrivedAt = request.netns ?? "";
  if (allowed && !allowed.includes(arrivedAt))
    return condition(
      index,
      "deliveredTo",
      `the request arrived at ${arrivedAt}, not at ${allowed.join(" or ")}`,
      allowed.join(" or "),
      arrivedAt,
    );
  if (!reply.delivered) {
    const drop = reply.drop;
    const where = drop?.netns || arrivedAt;
    return {
      kind: "noReply",
      probe: index,
      netns: where,
      dropReason: drop?.reason ?? "flooded-unclaimed",
      message: drop?.message ?? "the reply did not come back",
      ...decidedBy(result, "reply", where),
    };
  }
  const via = goalProbe.via ?? {};
  if (via.encap !== undefined) {
    const actual = firstEncapsulation(result)?.encap ?? "none";
    if (actual !== via.encap)
      return condition(
        index,
        "encap",
        actual === "none"
          ? `the request was never encapsulated; it had to be carried in ${ENCAP_NAMES[via.encap]}`
          : via.encap === "none"
            ? `the request was encapsulated in ${ENCAP_NAMES[actual]}; it had to go unencapsulated`
            : `the request was encapsulated in ${ENCAP_NAMES[actual]}, not ${ENCAP_NAMES[via.encap]}`,
        via.encap,
        actual,
      );
  }
  if (via.device !== undefined) {
    const nodes = new Set(plan.nodes.map((n) => n.name));
    const left = devicesLeft(result).filter((d) => nodes.has(d.netns));
    if (!left.some((d) => d.dev === via.device))
      return condition(
        index,
        "device",
        `the request left no node through ${via.device} (it left ${left.map((d) => `${d.netns} through ${d.dev}`).join(", ") || "no node"})`,
        via.device,
        left.map((d) => `${d.netns}:${d.dev}`).join(", ") || "none",
      );
  }
  const visited = namespacesVisited(result);
  const shownPath = routedPath(result).join(" → ");
  if (via.node !== undefined && !visited.includes(via.node))
    return condition(
      index,
      "node",
      `the request did not pass through ${via.node} (its path: ${shownPath})`,
      via.node,
      shownPath,
    );
  if (via.notNode !== undefined && visited.includes(via.notNode))
    return condition(
      index,
      "notNode",
      `the request passed through ${via.notNode} (its path: ${shownPath})`,
      via.notNode,
      shownPath,
    );
  if (via.translatedBy !== undefined) {
    const target = parseIpv4(resolved.spec.to) ?? 0;
    const actual = translationOf(result, target)?.by ?? "none";
    if (actual !== via.translatedBy)
      return condition(
        index,
        "translatedBy",
        actual === "none"
          ? `nothing translated ${resolved.spec.to}; it had to be translated by ${via.translatedBy}`
          : `${resolved.spec.to} was translated by ${actual}, not ${via.translatedBy}`,
        via.translatedBy,
        actual,
      );
  }
  if (goalProbe.maxRules !== undefined && result.rulesEvaluated > goalProbe.maxRules)
    return condition(
      index,
      "maxRules",
      `${result.rulesEvaluated} iptables/nft rules were evaluated; at most ${goalProbe.maxRules} may be`,
      String(goalProbe.maxRules),
      String(result.rulesEvaluated),
    );
  if (goalProbe.maxLookups !== undefined && result.mapLookups > goalProbe.maxLookups)
    return condition(
      index,
      "maxLookups",
      `${result.mapLookups} map and hash lookups were made; at most ${goalProbe.maxLookups} may be`,
      String(goalProbe.maxLookups),
      String(result.mapLookups),
    );
  return null;
}
