/**
 * The facts a `predict` or `quiz` step asks about, read from one probe's trace (docs/lessons.md,
 * "Facts"). The right option is never stored in a lesson: it is the one whose value is the fact.
 */

import type { Fact, FactValue } from "../lessons/vocabulary";
import type { ProbeResult, World } from "../sim";
import { parseIpv4 } from "../sim/ipv4";
import { unreachable } from "../sim/unreachable";
import {
  egressDevice,
  firstEncapsulation,
  nextHopAfter,
  routeChosen,
  routedPath,
  translationOf,
} from "./trace-reading";

/** Where the first drop of a probe happened: the request's, else the reply's. */
function firstDrop(result: ProbeResult) {
  return result.request.drop ?? (result.request.delivered ? result.reply.drop : null);
}

/**
 * Reads `fact` from a probe's trace. `at` names the namespace for the facts about one; `to` is
 * the address the probe was sent to (for `translated-by`); `world` is the scenario the probe ran
 * in (for `pod-mtu`).
 */
export function readFact(
  fact: Fact,
  result: ProbeResult,
  context: { at?: string; to: string; world: World },
): FactValue {
  const at = context.at ?? "";
  switch (fact) {
    case "delivered":
      return result.request.delivered;
    case "reply-delivered":
      return result.reply.delivered;
    case "delivered-to":
      return result.request.netns ?? "none";
    case "drop-at":
      return firstDrop(result)?.netns || "none";
    case "drop-reason":
      return firstDrop(result)?.reason ?? "none";
    case "encap":
      return firstEncapsulation(result)?.encap ?? "none";
    case "outer-dport":
      return firstEncapsulation(result)?.dport ?? 0;
    case "vni":
      return firstEncapsulation(result)?.vni ?? 0;
    case "outer-src":
      return firstEncapsulation(result)?.outerSrc ?? "none";
    case "outer-dst":
      return firstEncapsulation(result)?.outerDst ?? "none";
    case "egress-device":
      return egressDevice(result, at) ?? "none";
    case "next-hop":
      return nextHopAfter(result, at) ?? "none";
    case "route":
      return routeChosen(result, at, context.world) ?? "none";
    case "path":
      return routedPath(result).join(" → ");
    case "translated-by":
      return translation(result, context.to)?.by ?? "none";
    case "translated-at":
      return translation(result, context.to)?.netns ?? "none";
    case "rules-evaluated":
      return result.rulesEvaluated;
    case "map-lookups":
      return result.mapLookups;
    case "pod-mtu":
      return context.world.netns.get(at)?.links.get("eth0")?.mtu ?? 0;
    default:
      return unreachable(fact);
  }
}

function translation(result: ProbeResult, to: string) {
  const target = parseIpv4(to);
  return target === null ? null : translationOf(result, target);
}
