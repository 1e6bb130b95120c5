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
import { exampleCluster, node2OnSecondSubnet } from "./helpers";

const SHOWS = [
  ["ip", "route"],
  ["ip", "neigh", "show", "nud", "all"],
  ["ip", "neigh"],
  ["bridge", "fdb", "show"],
  ["ip", "-d", "link"],
  ["ip", "addr"],
  ["iptables-save"],
  ["ipvsadm", "-Ln"],
  ["ipset", "save"],
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

  test("routes the kernel refuses are refused as in the script, with its message (host-gw across subnets)", () => {
    const plan = planOf(node2OnSecondSubnet(exampleCluster("flannel-host-gw")));
    const scripted = runCluster(clusterBuild(plan));
    const direct = runClusterDirect(plan);
    expect(scripted.setupErrors.map((e) => e.message)).toEqual([
      "Error: Nexthop has invalid gateway.",
      "Error: Nexthop has invalid gateway.",
    ]);
    expect(direct.setupErrors.map((e) => [e.command, e.message])).toEqual(
      scripted.setupErrors.map((e) => [e.command, e.message]),
    );
    expect(shown(direct.world)).toEqual(shown(scripted.world));
  });
});

/** Commands that change node1's tables where they come from the shared base. */
function mutations(world: World, plan: ClusterPlan): string[] {
  const node = world.netns.get("node1");
  if (!node) throw new Error("no node1");
  const [, second, third] = plan.nodes;
  const cidr = (n: ClusterPlan["nodes"][number] | undefined) =>
    n ? `${formatIpv4(n.podCidr.addr)}/${n.podCidr.len}` : "10.99.0.0/24";
  const gateway = formatIpv4(plan.subnets[0]?.gateway ?? 0);
  const out = [
    `ip -n node1 route del ${cidr(second)}`,
    `ip -n node1 route add ${cidr(second)} via ${gateway} dev eth0 metric 7`,
    `ip -n node1 route replace ${cidr(third)} via ${gateway} dev eth0`,
    `ip -n node1 route append ${cidr(third)} via ${gateway} dev eth0 metric 9`,
  ];
  for (const [dev, table] of node.neighbours) {
    const [first, next] = [...table.values()];
    if (first) out.push(`ip -n node1 neigh del ${formatIpv4(first.ip)} dev ${dev}`);
    if (next)
      out.push(
        `ip -n node1 neigh replace ${formatIpv4(next.ip)} lladdr 02:00:00:00:00:01 dev ${dev} nud permanent`,
        `ip -n node1 neigh add ${formatIpv4(first?.ip ?? 0)} lladdr 02:00:00:00:00:02 dev ${dev} nud permanent`,
      );
  }
  for (const link of node.links.values()) {
    if (link.kind !== "vxlan") continue;
    const [mac] = [...link.fdb.keys()];
    const entries = mac ? (link.fdb.get(mac) ?? []) : [];
    if (mac && entries[0])
      out.push(`bridge -n node1 fdb del ${mac} dev ${link.name} dst ${formatIpv4(entries[0].dst)}`);
    out.push(`bridge -n node1 fdb append 00:00:00:00:00:00 dev ${link.name} dst 192.0.2.9`);
    out.push(`bridge -n node1 fdb replace 02:00:00:00:00:03 dev ${link.name} dst 192.0.2.10`);
    out.push(`ip -n node1 link set ${link.name} down`, `ip -n node1 link set ${link.name} up`);
  }
  out.push("ip -n node1 link set eth0 down", "ip -n node1 link set eth0 up");
  return out;
}

describe("shared tables stay per node under change", () => {
  for (const name of ["flannel-vxlan", "calico-vxlan", "calico-bgp", "cilium-vxlan", "weave"])
    test(`${name}: node1's changes match the script build's and leave the other nodes alone`, () => {
      const plan = planOf(grown(exampleCluster(name)));
      const scripted = runCluster(clusterBuild(plan)).world;
      const direct = runClusterDirect(plan).world;
      const before = shown(direct);
      const commands = mutations(scripted, plan);
      let applied = 0;
      for (const command of commands) {
        const words = command.split(" ");
        const x = runShow(scripted, "node1", words);
        const y = runShow(direct, "node1", words);
        expect(y, command).toEqual(x);
        if (y.ok) applied++;
        expect(shown(direct), command).toEqual(shown(scripted));
      }
      expect(applied).toBeGreaterThan(5);
      const after = shown(direct);
      const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
      expect(changed.length).toBeGreaterThan(0);
      expect(changed.every((k) => k.startsWith("node1: "))).toBe(true);
    });
});
