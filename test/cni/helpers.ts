import { readFileSync } from "node:fs";
import {
  type ClusterPlan,
  clusterFileScript,
  type ProbeResult,
  probe,
  runCluster,
} from "../../src/sim";
import { formatIpv4 } from "../../src/sim/ipv4";
import type { Hop } from "../../src/sim/walk/hop";
import type { Datagram } from "../../src/sim/walk/packet";

export function exampleCluster(name: string): string {
  return readFileSync(new URL(`../../examples/clusters/${name}.yaml`, import.meta.url), "utf8");
}

/** Builds a cluster file in the simulator; fails the test on any problem in the file. */
export function buildCluster(text: string) {
  const built = clusterFileScript(text);
  if (!built.ok)
    throw new Error(built.errors.map((e) => `${e.line}:${e.col}: ${e.message}`).join("\n"));
  const { world, setupErrors } = runCluster(built);
  return { ...built, world, setupErrors };
}

export function podIp(plan: ClusterPlan, pod: string): string {
  const found = plan.pods.find((p) => p.name === pod);
  if (!found) throw new Error(`no pod ${pod}`);
  return formatIpv4(found.ip);
}

/** Pings `to` (a pod) from `from` (a pod) in a built cluster. */
export function pingPod(
  cluster: ReturnType<typeof buildCluster>,
  from: string,
  to: string,
): ProbeResult {
  const r = probe(cluster.world, { from, to: podIp(cluster.plan, to), proto: "icmp" });
  if ("error" in r) throw new Error(r.error);
  return r;
}

/** The cluster with a second subnet, 192.168.2.0/24, and node2 (192.168.1.13) moved onto it. */
export function node2OnSecondSubnet(text: string): string {
  if (!text.includes("ip: 192.168.1.13")) throw new Error("node2 is not at 192.168.1.13");
  return text
    .replace("    - cidr: 192.168.1.0/24", "    - cidr: 192.168.1.0/24\n    - cidr: 192.168.2.0/24")
    .replace("ip: 192.168.1.13", "ip: 192.168.2.13");
}

/** The outer datagrams a flow's encapsulation hops produced, in order. */
export function encapsulated(hops: readonly Hop[], flow: Hop["flow"] = "request"): Datagram[] {
  return hops
    .filter((h) => h.kind === "encap" && h.flow === flow && "l4" in h.packet)
    .map((h) => h.packet as Datagram);
}
