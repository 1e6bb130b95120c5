import { readdirSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parse, stringify } from "yaml";
import {
  type ClusterPlan,
  clusterBuild,
  probe,
  runCluster,
  runShow,
  type World,
} from "../../src/sim";
import { loadCluster } from "../../src/sim/cluster/load";
import { runClusterDirect } from "../../src/sim/index";
import { formatIpv4, parseIpv4 } from "../../src/sim/ipv4";
import { exampleCluster } from "./helpers";

const SHOWS = [
  ["ip", "route"],
  ["ip", "neigh", "show", "nud", "all"],
  ["ip", "neigh"],
  ["bridge", "fdb", "show"],
  ["ip", "-d", "link"],
  ["ip", "addr"],
  ["iptables-save"],
];

function planOf(text: string): ClusterPlan {
  const loaded = loadCluster(text);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.plan;
}

/** Everything the tools print in every namespace. */
function shown(world: World): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ns of [...world.netns.keys()].sort())
    for (const argv of SHOWS) out[`${ns}: ${argv.join(" ")}`] = runShow(world, ns, argv).output;
  return out;
}

function probes(world: World, plan: ClusterPlan): string[] {
  const out: string[] = [];
  for (const a of plan.pods)
    for (const b of plan.pods) {
      if (a === b) continue;
      const r = probe(world, { from: a.name, to: formatIpv4(b.ip), proto: "icmp" });
      out.push(`${a.name} → ${b.name}: ${JSON.stringify(r)}`);
    }
  return out;
}

/** An example with three more nodes (and a pod each) on every subnet, so views share entries. */
function grown(text: string): string {
  const file = parse(text);
  let k = 0;
  for (const subnet of file.underlay.subnets as { cidr: string }[]) {
    const net = parseIpv4(subnet.cidr.split("/")[0] as string) as number;
    for (let i = 0; i < 3; i++, k++) {
      file.nodes.push({ name: `extra${k}`, ip: formatIpv4(net + 200 + i) });
      file.pods.push({ name: `pod-x${k}`, node: `extra${k}` });
    }
  }
  return stringify(file);
}

const examples = readdirSync(new URL("../../examples/clusters/", import.meta.url))
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => f.replace(/\.yaml$/, ""));

describe("a direct build gives the state the installer's script gives", () => {
  for (const name of examples)
    for (const [label, text] of [
      [name, exampleCluster(name)],
      [`${name}, grown`, grown(exampleCluster(name))],
    ] as const)
      test(label, () => {
        const plan = planOf(text);
        const scripted = runCluster(clusterBuild(plan));
        const direct = runClusterDirect(plan);
        expect(direct.setupErrors.map((e) => e.message)).toEqual(
          scripted.setupErrors.map((e) => e.message),
        );
        expect(shown(direct.world)).toEqual(shown(scripted.world));
        expect(probes(direct.world, plan)).toEqual(probes(scripted.world, plan));
        // The point of the direct build: no node falls back to its own copy of the tables.
        expect(direct.nodes.unshared).toBe(0);
      });
});
