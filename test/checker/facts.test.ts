import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { readFact } from "../../src/checker/facts";
import { resolveProbe } from "../../src/lessons/targets";
import type { Fact } from "../../src/lessons/vocabulary";
import { type ProbeResult, probe, runClusterDirect, runScript, type World } from "../../src/sim";
import { loadCluster } from "../../src/sim/cluster/load";

/** Builds an example cluster, runs `changes`, sends a probe, and reads facts from its trace. */
function traced(
  example: string,
  from: string,
  to: string,
  changes: string[] = [],
): { fact: (fact: Fact, at?: string) => unknown; result: ProbeResult; world: World } {
  const file = fileURLToPath(new URL(`../../examples/clusters/${example}.yaml`, import.meta.url));
  const loaded = loadCluster(readFileSync(file, "utf8"));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const { world } = runClusterDirect(loaded.plan);
  const ran = runScript(changes.join("\n"), world);
  if (ran.setupErrors.length > 0) throw new Error(JSON.stringify(ran.setupErrors));
  const resolved = resolveProbe(loaded.plan, { from, to });
  if (typeof resolved === "string") throw new Error(resolved);
  const result = probe(world, resolved.spec);
  if ("error" in result) throw new Error(result.error);
  return {
    result,
    world,
    fact: (fact, at) =>
      readFact(fact, result, { ...(at ? { at } : {}), to: resolved.spec.to, world }),
  };
}

describe("facts read from a trace", () => {
  test("Flannel VXLAN: the outer header, the device node1 sends by, the path", () => {
    const { fact } = traced("flannel-vxlan", "pod-a", "pod-b");
    expect(fact("delivered")).toBe(true);
    expect(fact("reply-delivered")).toBe(true);
    expect(fact("delivered-to")).toBe("pod-b");
    expect(fact("encap")).toBe("vxlan");
    expect(fact("outer-dport")).toBe(8472);
    expect(fact("vni")).toBe(1);
    expect(fact("outer-src")).toBe("192.168.1.12");
    expect(fact("outer-dst")).toBe("192.168.1.13");
    expect(fact("egress-device", "node1")).toBe("flannel.1");
    expect(fact("egress-device", "pod-a")).toBe("eth0");
    // The underlay's switch is layer 2: the next hop after node1 is node2.
    expect(fact("next-hop", "node1")).toBe("node2");
    expect(fact("path")).toBe("pod-a → node1 → node2 → pod-b");
    expect(fact("route", "node1")).toBe("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink");
    expect(fact("pod-mtu", "pod-a")).toBe(1450);
    expect(fact("drop-at")).toBe("none");
    expect(fact("drop-reason")).toBe("none");
    expect(fact("translated-by")).toBe("none");
    expect(fact("translated-at")).toBe("none");
  });

  test("a route is read as `ip route` prints it, with its proto and scope", () => {
    const bgp = traced("calico-bgp", "pod-a", "pod-b");
    expect(bgp.fact("route", "node1")).toMatch(
      /^10\.\d+\.\d+\.\d+\/26 via 192\.168\.1\.\d+ dev eth0 proto bird$/,
    );
    expect(bgp.fact("route", "node2")).toMatch(
      /^10\.\d+\.\d+\.\d+ dev cali[0-9a-f]{11} scope link$/,
    );
  });

  test("a drop: where and why, and nothing delivered", () => {
    const { fact } = traced("flannel-vxlan", "pod-a", "pod-b", [
      "ip netns exec node2 iptables -A INPUT -p udp --dport 8472 -j DROP",
    ]);
    expect(fact("delivered")).toBe(false);
    expect(fact("reply-delivered")).toBe(false);
    expect(fact("delivered-to")).toBe("none");
    expect(fact("drop-at")).toBe("node2");
    expect(fact("drop-reason")).toBe("netfilter-drop");
    expect(fact("next-hop", "node2")).toBe("none");
  });

  test("other encapsulations: Geneve on 6081, IPIP without a port, none at all", () => {
    const geneve = traced("cilium-geneve", "pod-a", "pod-b");
    expect(geneve.fact("encap")).toBe("geneve");
    expect(geneve.fact("outer-dport")).toBe(6081);
    const ipip = traced("calico-ipip-crosssubnet", "pod-a", "pod-c");
    expect(ipip.fact("encap")).toBe("ipip");
    expect(ipip.fact("outer-dport")).toBe(0);
    expect(ipip.fact("vni")).toBe(0);
    const plain = traced("calico-ipip-crosssubnet", "pod-a", "pod-b");
    expect(plain.fact("encap")).toBe("none");
    expect(plain.fact("outer-src")).toBe("none");
    expect(traced("weave-sleeve", "pod-a", "pod-b").fact("encap")).toBe("sleeve");
  });

  test.each([
    ["services-iptables", "iptables"],
    ["services-ipvs", "ipvs"],
    ["services-nftables", "nftables"],
    ["services-ebpf", "ebpf"],
  ])("%s: the Service address is translated by %s on the client's node", (example, by) => {
    const { fact } = traced(example, "pod-a", "web");
    expect(fact("translated-by")).toBe(by);
    // Cilium's socket LB translates in the pod's connect(), before any packet leaves it.
    expect(fact("translated-at")).toBe(by === "ebpf" ? "pod-a" : "node1");
  });

  test("rules and lookups are the walk's own counts", () => {
    const { fact, result } = traced("services-nftables", "pod-a", "web");
    expect(fact("rules-evaluated")).toBe(result.rulesEvaluated);
    expect(fact("map-lookups")).toBe(result.mapLookups);
    expect(result.mapLookups).toBeGreaterThan(0);
  });
});
