/**
 * kube-proxy's nftables mode as an installer and a datapath: the packet from a pod to a ClusterIP
 * is dispatched by one verdict-map lookup, DNATed by the endpoint chain `numgen` picked, and
 * un-DNATed on the way back by the same conntrack iptables uses; other ports of a ClusterIP (ping
 * too) are rejected; the work per packet does not grow with the number of Services.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  type ClusterPlan,
  clusterFileScript,
  type ProbeResult,
  probe,
  runCluster,
  runClusterDirect,
  runScript,
  runShow,
  type World,
} from "../../src/sim";
import { formatIpv4 } from "../../src/sim/ipv4";
import type { Datagram } from "../../src/sim/walk/packet";

const EXAMPLE = readFileSync(
  new URL("../../examples/clusters/services-nftables.yaml", import.meta.url),
  "utf8",
);
/** The example up to its Services: Flannel VXLAN, pod-a on node1, pod-b (app: web) on node2. */
const BASE = EXAMPLE.slice(0, EXAMPLE.indexOf("services:"));

function build(text: string): { world: World; plan: ClusterPlan; script: string } {
  const built = clusterFileScript(text);
  if (!built.ok) throw new Error(JSON.stringify(built.errors));
  const { world, setupErrors } = runCluster(built);
  expect(setupErrors).toEqual([]);
  return { world, plan: built.plan, script: built.script };
}

function send(
  world: World,
  to: string,
  proto: "tcp" | "icmp",
  dport?: number,
  seed?: number,
): ProbeResult {
  const r = probe(world, { from: "pod-a", to, proto, dport, seed });
  if ("error" in r) throw new Error(r.error);
  return r;
}

function delivered(r: ProbeResult, flow: "request" | "reply"): Datagram {
  const hop = r.hops.find((h) => h.kind === "deliver" && h.flow === flow && !h.error);
  if (!hop || !("l4" in hop.packet)) throw new Error(`no ${flow} delivered`);
  return hop.packet;
}

/** `n` Services selecting pod-b, in the given mode. */
function manyServices(n: number, mode: "nftables" | "iptables"): string {
  let text = `${BASE.replace("mode: nftables", `mode: ${mode}`)}services:\n`;
  for (let i = 0; i < n; i++)
    text += `  - name: web${i}\n    selector:\n      app: web\n    ports:\n      - port: 80\n        targetPort: 8080\n`;
  return text;
}

describe("kube-proxy nftables mode: a ClusterIP", () => {
  const { world } = build(EXAMPLE);

  test("TCP to the ClusterIP reaches pod-b on the target port and the reply comes back from the ClusterIP", () => {
    const r = send(world, "10.96.0.80", "tcp", 80);
    expect(r.request.netns).toBe("pod-b");
    expect(r.reply.delivered).toBe(true);
    const req = delivered(r, "request");
    expect([formatIpv4(req.dst), req.l4.kind === "tcp" ? req.l4.dport : 0]).toEqual([
      "10.244.2.2",
      8080,
    ]);
    const rep = delivered(r, "reply");
    expect([formatIpv4(rep.src), rep.l4.kind === "tcp" ? rep.l4.sport : 0]).toEqual([
      "10.96.0.80",
      80,
    ]);
    const dnat = r.hops.find(
      (h) => h.kind === "nat" && h.netns === "node1" && h.flow === "request",
    );
    expect(dnat?.text).toBe(
      "nft ip kube-proxy nat-prerouting: jump services; ip daddr . meta l4proto . th dport vmap @service-ips → goto service-PFISGYVC-default/web/tcp/; numgen random mod 1 → goto endpoint-K52L44CG-default/web/tcp/__10.244.2.2/8080; dnat to 10.244.2.2:8080 (6 rules evaluated, 2 lookups): 10.96.0.80:80 → 10.244.2.2:8080; conntrack remembers it for the reply",
    );
    expect(dnat?.rule?.text).toBe(
      "add rule ip kube-proxy endpoint-K52L44CG-default/web/tcp/__10.244.2.2/8080 meta l4proto tcp dnat to 10.244.2.2:8080",
    );
    // The reply is un-DNATed by conntrack on node1, not by any rule.
    expect(
      r.hops.some(
        (h) =>
          h.flow === "reply" &&
          h.netns === "node1" &&
          h.text.startsWith("conntrack: reply of a DNATed connection"),
      ),
    ).toBe(true);
  });

  test("a ping to the ClusterIP is rejected by cluster-ips-check (port unreachable from pod-a's gateway), where iptables mode lets it go to the router", () => {
    const r = send(world, "10.96.0.80", "icmp");
    expect(r.request.drop?.reason).toBe("netfilter-reject");
    expect(r.request.drop?.message).toContain("ip daddr @cluster-ips reject");
    expect(r.icmpHeard).toEqual(["From 10.244.1.1 icmp_seq=1 Destination Port Unreachable"]);
    const iptables = build(EXAMPLE.replace("mode: nftables", "mode: iptables")).world;
    const old = send(iptables, "10.96.0.80", "icmp");
    expect([old.request.drop?.netns, old.request.drop?.reason]).toEqual(["router", "no-route"]);
  });

  test("another port of the ClusterIP is refused; an unallocated address of the Service range is dropped silently", () => {
    const other = send(world, "10.96.0.80", "tcp", 81);
    expect(other.request.drop?.reason).toBe("netfilter-reject");
    expect(other.request.drop?.reported).toBe("connect: Connection refused");
    const unallocated = send(world, "10.96.0.99", "tcp", 80);
    expect(unallocated.request.drop?.reason).toBe("netfilter-drop");
    expect(unallocated.request.drop?.message).toContain("ip daddr 10.96.0.0/12 drop");
    expect(unallocated.request.drop?.reported).toBeNull();
  });

  test("a Service without endpoints is rejected through no-endpoint-services and reject-chain", () => {
    const text = `${EXAMPLE}  - name: empty\n    clusterIP: 10.96.0.90\n    selector:\n      app: nothing\n    ports:\n      - port: 80\n`;
    const { world: w } = build(text);
    expect(
      runShow(w, "node1", ["nft", "list", "map", "ip", "kube-proxy", "no-endpoint-services"])
        .output,
    ).toContain('elements = { 10.96.0.90 . tcp . 80 comment "default/empty" : goto reject-chain }');
    const r = send(w, "10.96.0.90", "tcp", 80);
    expect(r.request.drop?.message).toContain(
      "ip daddr . meta l4proto . th dport vmap @no-endpoint-services → goto reject-chain",
    );
    expect(r.request.drop?.reported).toBe("connect: Connection refused");
  });

  test("numgen draws from the probe's seed: the same seed picks the same endpoint, some seed picks each", () => {
    const text = EXAMPLE.replace(
      "pods:\n",
      "pods:\n  - name: pod-c\n    node: node2\n    labels:\n      app: web\n",
    );
    const { world: w } = build(text);
    const picked = (seed: number): string | null =>
      send(w, "10.96.0.80", "tcp", 80, seed).request.netns;
    expect(picked(7)).toBe(picked(7));
    const seen = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(picked));
    expect([...seen].sort()).toEqual(["pod-b", "pod-c"]);
  });
});

describe("kube-proxy nftables mode: a NodePort", () => {
  const text = EXAMPLE.replace("  - name: web\n", "  - name: web\n    type: NodePort\n").replace(
    "targetPort: 8080",
    "targetPort: 8080\n        nodePort: 30080",
  );
  const { world } = build(text);

  test("pod-a to node2's IP and NodePort: service-nodeports sends it to pod-b, masqueraded so the reply comes back through node2", () => {
    const r = send(world, "192.168.1.12", "tcp", 30080);
    expect(r.request.netns).toBe("pod-b");
    expect(r.reply.delivered).toBe(true);
    const nat = r.hops
      .filter((h) => h.kind === "nat" && h.flow === "request")
      .map((h) => [h.netns, h.text]);
    // Flannel masquerades pod-a's packet to a node address on node1; node1's nodeport-ips holds
    // only node1's own address, so node2 is where the NodePort is translated.
    expect(nat.map(([ns]) => ns)).toEqual(["node1", "node2", "node2"]);
    expect(nat[1]?.[1]).toContain(
      "meta l4proto . th dport vmap @service-nodeports → goto external-PFISGYVC-default/web/tcp/; jump mark-for-masquerade; meta mark set meta mark | 0x00004000; goto service-PFISGYVC-default/web/tcp/",
    );
    expect(nat[2]?.[1]).toBe(
      "nft ip kube-proxy nat-postrouting: jump masquerading; meta mark set meta mark ^ 0x00004000; masquerade fully-random (4 rules evaluated, 0 lookups): source 192.168.1.11 → 10.244.2.1; conntrack remembers it for the reply",
    );
    expect(formatIpv4(delivered(r, "request").src)).toBe("10.244.2.1");
    expect(formatIpv4(delivered(r, "reply").src)).toBe("192.168.1.12");
  });
});

describe("kube-proxy nftables mode: the cost of a packet", () => {
  test("rules evaluated and lookups per probe do not grow from 10 to 1000 Services (iptables mode's rules do)", () => {
    const cost = (n: number, mode: "nftables" | "iptables") => {
      const { world, plan } = build(manyServices(n, mode));
      const last = plan.services[n - 1];
      if (!last) throw new Error("no Service");
      const r = send(world, formatIpv4(last.clusterIp), "tcp", 80);
      expect(r.request.netns).toBe("pod-b");
      return { rules: r.rulesEvaluated, lookups: r.mapLookups };
    };
    const small = cost(10, "nftables");
    expect(cost(1000, "nftables")).toEqual(small);
    expect(small.lookups).toBeGreaterThan(0);
    // The same probe through kube-proxy's iptables chains walks KUBE-SERVICES rule by rule.
    expect(cost(1000, "iptables").rules).toBeGreaterThan(cost(10, "iptables").rules + 900);
  });
});

describe("kube-proxy nftables mode: at equal priority the chain registered last runs first", () => {
  test("an iptables FORWARD rule dropping ICMP comes after kube-proxy's filter-forward (also priority 0, registered later): a ping to the ClusterIP is still rejected", () => {
    const built = clusterFileScript(EXAMPLE);
    if (!built.ok) throw new Error("example");
    const { world, setupErrors } = runScript(
      `${built.script}ip netns exec node1 iptables -I FORWARD -p icmp -j DROP\n`,
    );
    expect(setupErrors).toEqual([]);
    expect(send(world, "10.96.0.80", "icmp").icmpHeard).toEqual([
      "From 10.244.1.1 icmp_seq=1 Destination Port Unreachable",
    ]);
    // A ping kube-proxy lets through meets the iptables rule.
    const pod = send(world, "10.244.2.2", "icmp");
    expect([pod.request.drop?.netns, pod.request.drop?.reason]).toEqual([
      "node1",
      "netfilter-drop",
    ]);
  });
});

describe("kube-proxy nftables mode: the direct build", () => {
  test("builds the same tables as the script", () => {
    const { world, plan } = build(EXAMPLE);
    const direct = runClusterDirect(plan);
    expect(direct.setupErrors).toEqual([]);
    for (const node of ["node1", "node2"])
      expect(runShow(direct.world, node, ["nft", "list", "ruleset"]).output).toBe(
        runShow(world, node, ["nft", "list", "ruleset"]).output,
      );
  });
});
