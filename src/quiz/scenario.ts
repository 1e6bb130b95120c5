/**
 * A question's scenario, built and probed: its cluster installed (the direct build), the fault's
 * lines run after it, then the probe sent. Where the probe ended is read from the trace as a
 * place (delivered, or dropped where and why); choices of where-dropped questions are places.
 */
import { resolveProbe } from "../lessons/targets";
import {
  type ClusterPlan,
  type ProbeResult,
  probe,
  runClusterDirect,
  runScript,
  type World,
} from "../sim";
import { loadCluster } from "../sim/cluster/load";
import type { QuizPlace, QuizProbe } from "./types";

/** A built scenario: the plan and the world the probe runs in. */
export interface Built {
  readonly plan: ClusterPlan;
  readonly world: World;
  /** Lines of the fault (or an answer) the simulator refused. */
  readonly refused: readonly string[];
}

/**
 * Plans of the cluster texts seen so far. Planning is pure, and a quiz builds the same few
 * clusters many times (each choice, each grade); the cache only saves the work.
 */
const plans = new Map<string, ClusterPlan>();

/** The plan of a generated cluster file; a cluster the engine made always loads. */
export function planOf(cluster: string): ClusterPlan {
  const cached = plans.get(cluster);
  if (cached) return cached;
  const loaded = loadCluster(cluster);
  if (!loaded.ok)
    throw new Error(
      `a quiz cluster that does not load: ${loaded.errors.map((e) => `${e.line}:${e.col}: ${e.message}`).join("; ")}`,
    );
  if (plans.size > 200) plans.clear();
  plans.set(cluster, loaded.plan);
  return loaded.plan;
}

/** The cluster installed, then `lines` run as a scenario script. */
export function build(cluster: string, lines: readonly string[]): Built {
  const plan = planOf(cluster);
  const world = runClusterDirect(plan).world;
  const refused =
    lines.length === 0
      ? []
      : runScript(lines.join("\n"), world).setupErrors.map((e) => `${e.command}: ${e.message}`);
  return { plan, world, refused };
}

/** The probe sent in a built scenario. */
export function send(built: Pick<Built, "plan" | "world">, spec: QuizProbe): ProbeResult {
  const resolved = resolveProbe(built.plan, spec);
  if (typeof resolved === "string")
    throw new Error(`a quiz probe that does not resolve: ${resolved}`);
  const result = probe(built.world, { ...resolved.spec, seed: 1 });
  if ("error" in result) throw new Error(`a quiz probe the simulator refused: ${result.error}`);
  return result;
}

/** Whether the probe arrived and its reply came back. */
export function passed(result: ProbeResult): boolean {
  return result.request.delivered && result.reply.delivered;
}

/** Where the probe ended, as a place. */
export function placeOf(result: ProbeResult): QuizPlace {
  if (passed(result)) return { kind: "delivered" };
  const flow = result.request.delivered ? "reply" : "request";
  const drop = flow === "request" ? result.request.drop : result.reply.drop;
  const netns = drop?.netns ?? "";
  const hop = [...result.hops]
    .reverse()
    .find((h) => h.flow === flow && !h.error && h.kind === "drop" && h.netns === netns);
  const rule = hop?.rule ? `${hop.rule.table} ${hop.rule.chain} ${hop.rule.index}` : "";
  return { kind: "dropped", flow, netns, reason: drop?.reason ?? "flooded-unclaimed", rule };
}

/** Two places are the same when they are the same outcome at the same spot for the same reason. */
export function samePlace(a: QuizPlace, b: QuizPlace): boolean {
  return placeKey(a) === placeKey(b);
}

export function placeKey(place: QuizPlace): string {
  return place.kind === "delivered"
    ? "delivered"
    : `${place.flow}|${place.netns}|${place.reason}|${place.rule}`;
}
