import { describe, expect, test } from "vitest";
import { clusterScript, runShow } from "../../src/sim";
import type { Hop } from "../../src/sim/walk/hop";
import {
  buildCluster,
  encapsulated,
  exampleCluster,
  node2OnSecondSubnet,
  pingPod,
} from "./helpers";

/** Namespace/device pairs the request crossed, in order, without repeats. */
function path(hops: readonly Hop[]): string[] {
  const out: string[] = [];
  for (const h of hops) {
    if (h.flow !== "request" || h.dev === null) continue;
    const at = `${h.netns}/${h.dev}`;
    if (out.at(-1) !== at) out.push(at);
  }
  return out;
}

describe("each installer's packet crosses the devices the real plugin uses, with the right headers", () => {
  test("Flannel vxlan: cni0 → flannel.1, outer UDP 8472 with VNI 1, 50 bytes more", () => {
    const c = buildCluster(exampleCluster("flannel-vxlan"));
    expect(c.setupErrors).toEqual([]);
    const r = pingPod(c, "pod-a", "pod-b");
    expect(r.reply.delivered).toBe(true);
    const p = path(r.hops);
    expect(p).toContain("node1/cni0");
    expect(p).toContain("node1/flannel.1");
    expect(p).toContain("node2/flannel.1");
    const [outer] = encapsulated(r.hops);
    expect(outer?.l4).toMatchObject({ kind: "udp", dport: 8472, vxlan: { vni: 1 } });
    expect(
      outer && outer.l4.kind === "udp" ? outer.length - (outer.l4.vxlan?.inner.ip.length ?? 0) : 0,
    ).toBe(50);
  });

  test("Flannel vxlan with DirectRouting: same subnet unencapsulated via eth0, the other subnet through flannel.1", () => {
    const c = buildCluster(exampleCluster("flannel-vxlan-directrouting"));
    expect(c.setupErrors).toEqual([]);
    const near = pingPod(c, "pod-a", "pod-b");
    expect(near.reply.delivered).toBe(true);
    expect(encapsulated(near.hops)).toEqual([]);
    expect(path(near.hops)).not.toContain("node1/flannel.1");
    const far = pingPod(c, "pod-a", "pod-c");
    expect(far.reply.delivered).toBe(true);
    expect(encapsulated(far.hops)[0]?.l4).toMatchObject({ kind: "udp", dport: 8472 });
  });

  test("Flannel host-gw: a route via the peer node, no encapsulation, pod MTU 1500", () => {
    const c = buildCluster(exampleCluster("flannel-host-gw"));
    expect(runShow(c.world, "node1", ["ip", "route"]).output).toContain(
      "10.244.2.0/24 via 192.168.1.13 dev eth0 \n",
    );
    const r = pingPod(c, "pod-a", "pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(encapsulated(r.hops)).toEqual([]);
    expect(runShow(c.world, "pod-a", ["ip", "link", "show", "eth0"]).output).toContain("mtu 1500");
  });

  test("Flannel host-gw across subnets: the kernel refuses the route, as it really does", () => {
    const text = node2OnSecondSubnet(exampleCluster("flannel-host-gw"));
    const c = buildCluster(text);
    expect(c.setupErrors.map((e) => e.message)).toEqual([
      "Error: Nexthop has invalid gateway.",
      "Error: Nexthop has invalid gateway.",
    ]);
    expect(pingPod(c, "pod-a", "pod-b").request.drop).toMatchObject({
      netns: "router",
      reason: "no-route",
    });
  });

  test("Calico BGP: cali* veth, proxy ARP for 169.254.1.1, a bird route via the peer, no headers added", () => {
    const c = buildCluster(exampleCluster("calico-bgp"));
    expect(c.setupErrors).toEqual([]);
    const r = pingPod(c, "pod-a", "pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(encapsulated(r.hops)).toEqual([]);
    expect(
      r.hops.some(
        (h) =>
          h.kind === "neighbour" && h.text.includes("169.254.1.1") && h.text.includes("proxy ARP"),
      ),
    ).toBe(true);
    expect(path(r.hops).some((p) => /^node1\/cali[0-9a-f]{11}$/.test(p))).toBe(true);
    const routes = runShow(c.world, "node1", ["ip", "route"]).output;
    expect(routes).toContain("blackhole 10.48.0.0/26 proto bird \n");
    expect(routes).toContain("10.48.0.64/26 via 192.168.1.13 dev eth0 proto bird \n");
  });

  test("Calico BGP across subnets: BIRD's next hop is the router, which knows no pod CIDR", () => {
    const text = node2OnSecondSubnet(exampleCluster("calico-bgp"));
    const c = buildCluster(text);
    expect(c.setupErrors).toEqual([]);
    expect(pingPod(c, "pod-a", "pod-b").request.drop).toMatchObject({
      netns: "router",
      reason: "no-route",
    });
  });

  test("Calico IPIP CrossSubnet: plain routing on the subnet; cali* → tunl0 → outer IP protocol 4 across it", () => {
    const c = buildCluster(exampleCluster("calico-ipip-crosssubnet"));
    expect(c.setupErrors).toEqual([]);
    const near = pingPod(c, "pod-a", "pod-b");
    expect(near.reply.delivered).toBe(true);
    expect(encapsulated(near.hops)).toEqual([]);
    const far = pingPod(c, "pod-a", "pod-c");
    expect(far.reply.delivered).toBe(true);
    const p = path(far.hops);
    const cali = p.findIndex((x) => /^node1\/cali/.test(x));
    const tunl = p.indexOf("node1/tunl0");
    expect(cali).toBeGreaterThanOrEqual(0);
    expect(tunl).toBeGreaterThan(cali);
    const [outer] = encapsulated(far.hops);
    expect(outer?.proto).toBe(4);
    expect(outer && outer.l4.kind === "ipip" ? outer.length - outer.l4.inner.length : 0).toBe(20);
    expect(runShow(c.world, "node1", ["ip", "route"]).output).toContain(
      "10.48.0.128/26 via 192.168.2.14 dev tunl0 proto bird onlink \n",
    );
  });

  test("Calico VXLAN: vxlan.calico, outer UDP 4789 with VNI 4096, Felix's routes (proto 80)", () => {
    const c = buildCluster(exampleCluster("calico-vxlan"));
    expect(c.setupErrors).toEqual([]);
    const r = pingPod(c, "pod-a", "pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(path(r.hops)).toContain("node1/vxlan.calico");
    expect(encapsulated(r.hops)[0]?.l4).toMatchObject({
      kind: "udp",
      dport: 4789,
      vxlan: { vni: 4096 },
    });
    expect(runShow(c.world, "node1", ["ip", "route"]).output).toMatch(
      /10\.48\.0\.64\/26 via 10\.48\.0\.64 dev vxlan\.calico proto 80 onlink \n/,
    );
  });

  test("an IPIP packet reaching a node with no tunnel device is answered with protocol unreachable", () => {
    const c = buildCluster(exampleCluster("calico-ipip-crosssubnet"));
    expect(runShow(c.world, "node3", ["ip", "link", "set", "tunl0", "down"]).ok).toBe(true);
    const r = pingPod(c, "pod-a", "pod-c");
    expect(r.request.drop).toMatchObject({ netns: "node3", reason: "unsupported" });
  });
});

test("Weave fastdp: one pod subnet, pods ARP each other across nodes; the ARP exchange teaches VXLAN 6784 where pod-b is, so the ping is unicast", () => {
  const c = buildCluster(exampleCluster("weave"));
  expect(c.setupErrors).toEqual([]);
  const r = pingPod(c, "pod-a", "pod-b");
  expect(r.reply.delivered).toBe(true);
  expect(r.hops.find((h) => h.kind === "neighbour" && h.netns === "pod-a")?.text).toContain(
    "pod-b's eth0 answers",
  );
  const p = path(r.hops);
  for (const dev of [
    "node1/weave",
    "node1/vethwe-bridge",
    "node1/datapath",
    "node1/vxlan-6784",
    "node2/vxlan-6784",
    "node2/weave",
  ])
    expect(p).toContain(dev);
  const [out] = r.hops.filter((h) => h.kind === "encap" && h.flow === "request");
  // The broadcast request reached node2 over every flooding entry; the reply, coming back from
  // node2, taught node1's learning device where pod-b's MAC lives.
  expect(out?.text).toContain(`learned ${podMac(c, "pod-b")} behind 192.168.1.13`);
  expect(r.hops.some((h) => h.text.includes("flooded"))).toBe(false);
  expect(encapsulated(r.hops)[0]?.l4).toMatchObject({ kind: "udp", dport: 6784 });
  const back = r.hops.find((h) => h.kind === "encap" && h.flow === "reply");
  expect(back?.text).toContain("learned");
  expect(runShow(c.world, "pod-a", ["ip", "route"]).output).toBe(
    "default via 10.32.0.1 dev eth0 \n10.32.0.0/12 dev eth0 proto kernel scope link src 10.32.0.2 \n",
  );
});

/** The MAC of a pod's eth0, as `ip link` shows it. */
function podMac(c: ReturnType<typeof buildCluster>, pod: string): string {
  const link = c.world.netns.get(pod)?.links.get("eth0");
  if (!link) throw new Error(`${pod} has no eth0`);
  return link.mac;
}

describe("export", () => {
  test("the prefix names every namespace, and the same file exports the same script", () => {
    const a = buildCluster(exampleCluster("flannel-vxlan"));
    expect(a.script).toContain("ip netns add node1\n");
    const prefixed = clusterScript(a.plan, "lab-");
    for (const line of prefixed.split("\n").filter((l) => l !== "" && !l.startsWith("#")))
      expect(line).toMatch(/ (-n |netns (add|exec) )lab-/);
    expect(clusterScript(a.plan, "lab-")).toBe(prefixed);
  });
});
