import { describe, expect, test } from "vitest";
import { clusterFileScript, hopsToJson, probe, runScript, runShow } from "../../src/sim";
import { formatIpv4 } from "../../src/sim/ipv4";
import type { Hop } from "../../src/sim/walk/hop";
import type { Datagram } from "../../src/sim/walk/packet";
import { buildCluster, encapsulated, exampleCluster, pingPod, podIp } from "./helpers";

/** Namespace/device pairs a flow crossed, in order, without repeats. */
function path(hops: readonly Hop[], flow: Hop["flow"] = "request"): string[] {
  const out: string[] = [];
  for (const h of hops) {
    if (h.flow !== flow || h.dev === null) continue;
    const at = `${h.netns}/${h.dev}`;
    if (out.at(-1) !== at) out.push(at);
  }
  return out;
}

/** The sleeve header of an outer datagram, or a failed test. */
function sleeveOf(d: Datagram | undefined) {
  if (d?.l4.kind !== "udp" || !d.l4.sleeve) throw new Error("not a sleeve datagram");
  return { udp: d.l4, sleeve: d.l4.sleeve };
}

/** pod-c on a third node, 192.168.1.14. */
function threeNodes(): string {
  return exampleCluster("weave-sleeve")
    .replace(
      "    ip: 192.168.1.13\n",
      "    ip: 192.168.1.13\n  - name: node3\n    ip: 192.168.1.14\n",
    )
    .concat("  - name: pod-c\n    node: node3\n");
}

describe("Weave Net with sleeve, the router's user-space overlay", () => {
  test("each node has the weave bridge and the vethwe-bridge/vethwe-pcap pair, no datapath or VXLAN device, MTU 65535", () => {
    const c = buildCluster(exampleCluster("weave-sleeve"));
    expect(c.setupErrors).toEqual([]);
    const node1 = c.world.netns.get("node1");
    if (!node1) throw new Error("no node1");
    const kinds = [...node1.links.values()].map((l) => `${l.name} ${l.kind} ${l.master ?? "-"}`);
    expect(kinds).toContain("weave bridge -");
    expect(kinds).toContain("vethwe-bridge veth weave");
    expect(kinds).toContain("vethwe-pcap veth -");
    expect([...node1.links.keys()]).not.toContain("datapath");
    expect([...node1.links.values()].some((l) => l.kind === "vxlan")).toBe(false);
    // bridgeImpl.initPrep: 65535 when WEAVE_MTU is unset; the pods' veths take the bridge's.
    for (const dev of ["weave", "vethwe-bridge", "vethwe-pcap"])
      expect(node1.links.get(dev)?.mtu, dev).toBe(65535);
    expect(runShow(c.world, "pod-a", ["ip", "link", "show", "eth0"]).output).toContain("mtu 65535");
    expect(node1.programs).toEqual([
      {
        kind: "weave-sleeve",
        capture: "vethwe-pcap",
        port: 6783,
        name: c.plan.nodes[0]?.ip,
        peers: c.plan.nodes.map((n) => n.ip),
      },
    ]);
    // The filter and nat rules are the fast datapath's.
    expect(runShow(c.world, "node1", ["iptables", "-S", "FORWARD"]).output).toContain(
      "-A FORWARD -i weave -o weave -j ACCEPT",
    );
  });

  test("pod-a → pod-b: captured on vethwe-pcap, UDP 6783 between the node addresses with the inner frame, injected on node2; the reply comes back the same way", () => {
    const c = buildCluster(exampleCluster("weave-sleeve"));
    const r = pingPod(c, "pod-a", "pod-b");
    expect(r.request).toMatchObject({ delivered: true, netns: "pod-b" });
    expect(r.reply).toMatchObject({ delivered: true, netns: "pod-a" });
    const p = path(r.hops);
    const order = [
      "node1/weave",
      "node1/vethwe-bridge",
      "node1/vethwe-pcap",
      "node1/eth0",
      "node2/eth0",
      "node2/vethwe-pcap",
      "node2/weave",
    ].map((dev) => p.indexOf(dev));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    const capture = r.hops.find((h) => h.kind === "encap" && h.flow === "request");
    expect(capture).toMatchObject({ netns: "node1", dev: "vethwe-pcap" });
    expect(capture?.text).toContain(
      "weave router (sleeve) captured the frame on vethwe-pcap, sends it to peer 192.168.1.13 in UDP 6783",
    );
    // The ARP exchange taught both routers where the pods' MACs are: no frame goes to every peer.
    expect(capture?.text).toContain("is at that peer");
    expect(r.hops.some((h) => h.text.includes("every peer") || h.text.includes("flooded"))).toBe(
      false,
    );

    const [outer] = encapsulated(r.hops);
    const { udp, sleeve } = sleeveOf(outer);
    expect(formatIpv4(outer?.src ?? 0)).toBe("192.168.1.12");
    expect(formatIpv4(outer?.dst ?? 0)).toBe("192.168.1.13");
    expect([udp.sport, udp.dport, udp.vxlan]).toEqual([6783, 6783, null]);
    expect(formatIpv4(sleeve.inner.ip.src)).toBe(podIp(c.plan, "pod-a"));
    expect(formatIpv4(sleeve.inner.ip.dst)).toBe(podIp(c.plan, "pod-b"));
    expect(sleeve.inner.ip.l4).toMatchObject({ kind: "icmp", type: 8 });
    expect(sleeve.inner.dst).toBe(c.world.netns.get("pod-b")?.links.get("eth0")?.mac);
    // IPv4 20 + UDP 8 + sleeve's header 20 (sender, capturing and destination peer names of 6
    // bytes each, the frame length's 2) + the captured frame's Ethernet header 14.
    expect((outer?.length ?? 0) - sleeve.inner.ip.length).toBe(62);

    const received = r.hops.find((h) => h.kind === "decap" && h.flow === "request");
    expect(received).toMatchObject({ netns: "node2", dev: "vethwe-pcap" });
    expect(received?.text).toContain("received UDP 6783 from peer 192.168.1.12");

    const [back] = encapsulated(r.hops, "reply");
    expect([formatIpv4(back?.src ?? 0), formatIpv4(back?.dst ?? 0)]).toEqual([
      "192.168.1.13",
      "192.168.1.12",
    ]);
    expect(path(r.hops, "reply")).toContain("node1/vethwe-pcap");
  });

  test("trace --json shows the outer UDP datagram, the sleeve header and the inner frame", () => {
    const c = buildCluster(exampleCluster("weave-sleeve"));
    const hop = hopsToJson(pingPod(c, "pod-a", "pod-b").hops).find((h) => h.kind === "encap");
    expect(hop?.packet).toMatchObject({
      ip: { src: "192.168.1.12", dst: "192.168.1.13", proto: "udp", length: 146 },
      udp: { sport: 6783, dport: 6783 },
      sleeve: { sender: "192.168.1.12", srcPeer: "192.168.1.12", dstPeer: "192.168.1.13" },
      inner: { ip: { src: "10.32.0.2", dst: "10.40.0.2", length: 84 }, icmp: { type: 8 } },
    });
    expect(hop?.packet.inner?.eth).toBeDefined();
    expect(hop?.packet.vxlan).toBeUndefined();
  });

  test("UDP 6783 dropped in node2's INPUT: the datagram dies there, before the router's socket", () => {
    const c = buildCluster(exampleCluster("weave-sleeve"));
    const rule = ["iptables", "-A", "INPUT", "-p", "udp", "--dport", "6783", "-j", "DROP"];
    expect(runShow(c.world, "node2", rule).ok).toBe(true);
    const r = pingPod(c, "pod-a", "pod-b");
    expect(r.request.delivered).toBe(false);
    expect(r.request.drop).toMatchObject({
      netns: "node2",
      reason: "netfilter-drop",
      message:
        "filter INPUT: dropped by rule 1 of INPUT (-A INPUT -p udp -m udp --dport 6783 -j DROP)",
      reported: null,
    });
    const dropped = r.hops.find((h) => h.kind === "drop");
    expect(dropped?.packet).toMatchObject({ l4: { kind: "udp", dport: 6783 } });
    expect(r.hops.some((h) => h.kind === "decap")).toBe(false);
  });

  test("UDP 6783 dropped in node1's OUTPUT: the router's datagram never leaves", () => {
    const c = buildCluster(exampleCluster("weave-sleeve"));
    const rule = ["iptables", "-A", "OUTPUT", "-p", "udp", "--dport", "6783", "-j", "DROP"];
    expect(runShow(c.world, "node1", rule).ok).toBe(true);
    const r = pingPod(c, "pod-a", "pod-b");
    expect(r.request.drop).toMatchObject({ netns: "node1", reason: "netfilter-drop" });
    expect(r.request.drop?.message).toContain("filter OUTPUT");
    expect(path(r.hops)).not.toContain("node2/eth0");
  });

  test("a DF packet larger than the overlay MTU (1500 − 62) is answered by the router with ICMP frag needed in the destination's name", () => {
    const c = buildCluster(exampleCluster("weave-sleeve"));
    const to = podIp(c.plan, "pod-b");
    const fits = probe(c.world, { from: "pod-a", to, proto: "icmp", size: 1438 - 28, df: true });
    if ("error" in fits) throw new Error(fits.error);
    expect(fits.reply.delivered).toBe(true);
    const r = probe(c.world, { from: "pod-a", to, proto: "icmp", size: 1438 - 27, df: true });
    if ("error" in r) throw new Error(r.error);
    expect(r.request.drop).toMatchObject({ netns: "node1", reason: "frag-needed" });
    expect(r.icmpHeard).toEqual([`From ${to} icmp_seq=1 Frag needed and DF set (mtu = 1438)`]);
    // Without DF the outer datagram goes out without DF, and the kernel fragments it.
    const big = probe(c.world, { from: "pod-a", to, proto: "icmp", size: 3000 });
    if ("error" in big) throw new Error(big.error);
    expect(big.reply.delivered).toBe(true);
    expect(encapsulated(big.hops)[0]).toMatchObject({ df: false, length: 3028 + 62 });
  });

  test("a destination no router has learned goes to every peer; only the one that holds it delivers", () => {
    const c = buildCluster(threeNodes());
    expect(c.setupErrors).toEqual([]);
    const podC = c.world.netns.get("pod-c")?.links.get("eth0")?.mac ?? "";
    // A static neighbour: pod-a sends without ARP, so nothing taught the bridge or the router.
    const neigh = ["ip", "neigh", "add", podIp(c.plan, "pod-c"), "lladdr", podC, "dev", "eth0"];
    expect(runShow(c.world, "pod-a", neigh).ok).toBe(true);
    const r = pingPod(c, "pod-a", "pod-c");
    expect(r.request).toMatchObject({ delivered: true, netns: "pod-c" });
    const sent = r.hops.filter((h) => h.kind === "encap" && h.flow === "request");
    expect(sent.map((h) => formatIpv4((h.packet as Datagram).dst))).toEqual([
      "192.168.1.13",
      "192.168.1.14",
    ]);
    expect(sent[0]?.text).toContain(
      `${podC} is not in its MAC cache, so the frame goes to every peer`,
    );
    expect(r.reply.delivered).toBe(true);
    expect(encapsulated(r.hops, "reply")).toHaveLength(1);
  });

  test("WEAVE_MTU (cni.mtu) sets the bridge, veths and pods; the fast datapath keeps 1376", () => {
    const text = exampleCluster("weave-sleeve").replace(
      "mode: sleeve",
      "mode: sleeve\n  mtu: 1400",
    );
    const c = buildCluster(text);
    expect(c.world.netns.get("node1")?.links.get("vethwe-pcap")?.mtu).toBe(1400);
    expect(c.world.netns.get("pod-a")?.links.get("eth0")?.mtu).toBe(1400);
    const fastdp = buildCluster(exampleCluster("weave"));
    expect(fastdp.world.netns.get("pod-a")?.links.get("eth0")?.mtu).toBe(1376);
  });

  test("an unknown mode is named with its line and column", () => {
    const r = clusterFileScript(
      exampleCluster("weave-sleeve").replace("mode: sleeve", "mode: udp"),
    );
    expect(r.ok ? [] : r.errors.map((e) => `${e.line}:${e.col}: ${e.message}`)).toEqual([
      expect.stringMatching(/^\d+:9: cni\.mode: must be "fastdp" or "sleeve"$/),
    ]);
  });

  test("export lists the routers as comments and says a replay has none; the script alone carries no pod traffic between nodes", () => {
    const built = clusterFileScript(exampleCluster("weave-sleeve"), "lab-");
    if (!built.ok) throw new Error("the example no longer loads");
    expect(built.script).toContain(
      "# lab-node1: weaver (sleeve) captures on vethwe-pcap, UDP 6783, peer name 192.168.1.12, peers 192.168.1.13\n",
    );
    expect(built.script).toContain(
      "no\n# router, so pods on different nodes cannot reach each other",
    );
    expect(built.script).not.toContain("vxlan");
    const { world, setupErrors } = runScript(built.script);
    expect(setupErrors).toEqual([]);
    const r = probe(world, { from: "lab-pod-a", to: podIp(built.plan, "pod-b"), proto: "icmp" });
    if ("error" in r) throw new Error(r.error);
    expect(r.request.delivered).toBe(false);
    expect(r.hops.some((h) => h.text.includes("weave router"))).toBe(false);
  });
});
