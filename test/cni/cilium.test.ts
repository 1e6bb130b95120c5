import { describe, expect, test } from "vitest";
import { clusterFileScript, hopsToJson, probe, runScript, runShow } from "../../src/sim";
import { formatCidr } from "../../src/sim/cluster/load";
import { formatIpv4 } from "../../src/sim/ipv4";
import type { Hop } from "../../src/sim/walk/hop";
import {
  buildCluster,
  encapsulated,
  exampleCluster,
  node2OnSecondSubnet,
  pingPod,
} from "./helpers";

type Cluster = ReturnType<typeof buildCluster>;

function ebpf(hops: readonly Hop[], flow: Hop["flow"] = "request"): Hop[] {
  return hops.filter((h) => h.kind === "ebpf" && h.flow === flow);
}

/** `program@hook on netns/dev` for each eBPF run of one direction, in order. */
function programs(hops: readonly Hop[], flow: Hop["flow"] = "request"): string[] {
  return ebpf(hops, flow).map(
    (h) => `${h.ebpf?.program}@${h.ebpf?.hook} on ${h.netns}/${h.dev} → ${h.ebpf?.action}`,
  );
}

/** The security identity the node's ipcache gives an address. */
function identityOf(c: Cluster, node: string, pod: string): number {
  const ip = c.plan.pods.find((p) => p.name === pod)?.ip;
  const entry = c.world.netns.get(node)?.bpf?.ipcache.find((e) => e.len === 32 && e.prefix === ip);
  if (!entry) throw new Error(`no ipcache entry for ${pod} on ${node}`);
  return entry.identity;
}

function lxcOf(c: Cluster, pod: string): string {
  const link = c.world.netns.get(pod)?.links.get("eth0");
  if (link?.kind !== "veth") throw new Error(`${pod} has no veth eth0`);
  return link.peer.name;
}

const MODES = [
  { name: "cilium-vxlan", port: 8472, header: "vxlan", device: "cilium_vxlan" },
  { name: "cilium-geneve", port: 6081, header: "geneve", device: "cilium_geneve" },
] as const;

describe("Cilium tunnel mode: bpf_lxc encapsulates with the source identity as VNI", () => {
  for (const mode of MODES)
    test(`${mode.name}: pod-a → pod-b is delivered and answered, UDP ${mode.port}, VNI = identity`, () => {
      const c = buildCluster(exampleCluster(mode.name));
      expect(c.setupErrors).toEqual([]);
      const r = pingPod(c, "pod-a", "pod-b");
      expect(r.request.delivered).toBe(true);
      expect(r.reply.delivered).toBe(true);
      const lxcA = lxcOf(c, "pod-a");
      const lxcB = lxcOf(c, "pod-b");
      expect(programs(r.hops)).toEqual([
        `cil_from_container@tc-ingress on node1/${lxcA} → arp-reply`,
        `cil_from_container@tc-ingress on node1/${lxcA} → encapsulate`,
        `cil_to_overlay@tc-egress on node1/${mode.device} → pass`,
        "cil_from_netdev@tc-ingress on node2/eth0 → pass",
        `cil_from_overlay@tc-ingress on node2/${mode.device} → tail-call`,
        `cil_lxc_policy@tc-ingress on node2/${mode.device} → redirect`,
      ]);
      expect(programs(r.hops, "reply")).toContain(
        `cil_from_container@tc-ingress on node2/${lxcB} → encapsulate`,
      );
      // The outer packet: node to node on the tunnel port, the VNI the sender's identity.
      const [request] = encapsulated(r.hops, "request");
      expect(request?.l4).toMatchObject({ kind: "udp", dport: mode.port });
      expect(request && formatIpv4(request.dst)).toBe("192.168.1.13");
      const view = hopsToJson(r.hops).find((h) => h.kind === "encap")?.packet;
      expect(view?.[mode.header]).toEqual({ vni: identityOf(c, "node1", "pod-a") });
      const [reply] = encapsulated(r.hops, "reply");
      expect(reply?.l4).toMatchObject({ vxlan: { vni: identityOf(c, "node2", "pod-b") } });
      // The request's first program names the maps it consulted.
      const from = ebpf(r.hops).find((h) => h.ebpf?.action === "encapsulate");
      expect(from?.ebpf?.maps.map((m) => m.map)).toEqual([
        "cilium_ct_any4_global",
        "cilium_ipcache",
        expect.stringMatching(/^cilium_policy_v2_\d{5}$/),
        "cilium_lxc",
      ]);
      expect(from?.text).toMatch(
        new RegExp(`^eBPF program cil_from_container \\(bpf_lxc\\.o\\) at tc-ingress on ${lxcA}: `),
      );
      // The reply is matched by the BPF conntrack, not by a policy lookup.
      expect(
        ebpf(r.hops, "reply")
          .map((h) => h.text)
          .join("\n"),
      ).toMatch(/the reply of a tracked connection/);
      // No iptables: no rule on any node, no netfilter step in the walk.
      expect(r.hops.filter((h) => h.kind === "netfilter" || h.kind === "nat")).toEqual([]);
      expect(r.rulesEvaluated).toBe(0);
      for (const node of ["node1", "node2"])
        expect(runShow(c.world, node, ["iptables-save"]).output).not.toMatch(/^-A /m);
    });

  test("the tunnel device is a collect-metadata device; cilium_host and cilium_net are NOARP", () => {
    const c = buildCluster(exampleCluster("cilium-vxlan"));
    expect(runShow(c.world, "node1", ["ip", "-d", "link", "show", "cilium_vxlan"]).output).toMatch(
      /vxlan external id 0 srcport 0 0 dstport 8472 nolearning/,
    );
    for (const dev of ["cilium_host", "cilium_net"])
      expect(runShow(c.world, "node1", ["ip", "link", "show", dev]).output).toContain(
        "<BROADCAST,MULTICAST,NOARP,UP,LOWER_UP>",
      );
    const g = buildCluster(exampleCluster("cilium-geneve"));
    expect(runShow(g.world, "node1", ["ip", "-d", "link", "show", "cilium_geneve"]).output).toMatch(
      /\n {4}geneve external /,
    );
  });

  test("a packet routed into the tunnel device without a tunnel key is dropped", () => {
    const c = buildCluster(exampleCluster("cilium-vxlan"));
    // With a neighbour entry the kernel transmits (without one its ARP would meet the same end).
    const { world } = runScript(
      [
        "ip -n node1 route add 10.99.0.0/16 dev cilium_vxlan",
        "ip -n node1 neigh add 10.99.0.1 lladdr 02:00:00:00:00:01 dev cilium_vxlan nud permanent",
      ].join("\n"),
      c.world,
    );
    const r = probe(world, { from: "node1", to: "10.99.0.1", proto: "icmp" });
    if ("error" in r) throw new Error(r.error);
    expect(r.request.drop).toMatchObject({ netns: "node1", reason: "no-tunnel-key" });
  });

  test("an address no ipcache entry names goes by the tunnel map, and the far node drops it", () => {
    const c = buildCluster(exampleCluster("cilium-vxlan"));
    const node2 = c.plan.nodes[1];
    const used = new Set([node2?.routerIp, ...c.plan.pods.map((p) => p.ip)]);
    let ghost = (node2?.podCidr.addr ?? 0) + 1;
    while (used.has(ghost)) ghost++;
    const r = probe(c.world, { from: "pod-a", to: formatIpv4(ghost), proto: "icmp" });
    if ("error" in r) throw new Error(r.error);
    const from = ebpf(r.hops).find((h) => h.ebpf?.action === "encapsulate");
    expect(from?.ebpf?.maps).toContainEqual({
      map: "cilium_tunnel_map",
      key: formatIpv4(node2?.podCidr.addr ?? 0),
      value: "192.168.1.13",
    });
    expect(r.request.drop).toMatchObject({ netns: "node2", reason: "ebpf-drop" });
    expect(r.request.drop?.message).toMatch(/Stale or unroutable IP \(DROP_UNROUTABLE\)/);
  });
});

describe("Cilium native routing: bpf_lxc hands packets for other nodes to the kernel", () => {
  test("with autoDirectNodeRoutes, pod-a → pod-b is routed via node2, unencapsulated, both ways", () => {
    const c = buildCluster(exampleCluster("cilium-native"));
    expect(c.setupErrors).toEqual([]);
    expect(runShow(c.world, "node1", ["ip", "route"]).output).toMatch(
      new RegExp(`^${formatCidrOf(c, "node2")} via 192\\.168\\.1\\.13 dev eth0 $`, "m"),
    );
    expect(c.world.netns.get("node1")?.links.has("cilium_vxlan")).toBe(false);
    const r = pingPod(c, "pod-a", "pod-b");
    expect(r.request.delivered).toBe(true);
    expect(r.reply.delivered).toBe(true);
    expect(r.hops.filter((h) => h.kind === "encap" || h.kind === "decap")).toEqual([]);
    const lxcA = lxcOf(c, "pod-a");
    expect(programs(r.hops)).toEqual([
      `cil_from_container@tc-ingress on node1/${lxcA} → arp-reply`,
      `cil_from_container@tc-ingress on node1/${lxcA} → pass`,
      "cil_from_netdev@tc-ingress on node2/eth0 → pass",
      "cil_from_host@tc-egress on node2/cilium_host → tail-call",
      "cil_lxc_policy@tc-egress on node2/cilium_host → redirect",
    ]);
    // Between the programs, the kernel routes: node1 via the direct route, node2 to cilium_host.
    const routes = r.hops
      .filter((h) => h.flow === "request" && h.kind === "route" && h.netns.startsWith("node"))
      .map((h) => `${h.netns}: ${h.route}`);
    expect(routes).toEqual([
      `node1: ${formatCidrOf(c, "node2")} via 192.168.1.13 dev eth0`,
      `node2: ${formatCidrOf(c, "node2")} via ${routerOf(c, "node2")} dev cilium_host`,
    ]);
    // ipv4_l3 in bpf_lxc, the two forwards and the local delivery each take one off the TTL.
    const delivered = r.hops.find((h) => h.kind === "deliver" && h.flow === "request");
    expect(delivered && "ttl" in delivered.packet ? delivered.packet.ttl : null).toBe(60);
    expect(r.hops.filter((h) => h.kind === "netfilter" || h.kind === "nat")).toEqual([]);
  });

  test("without autoDirectNodeRoutes the packet goes to the router, which knows no pod CIDR", () => {
    const c = buildCluster(
      exampleCluster("cilium-native").replace(
        "autoDirectNodeRoutes: true",
        "autoDirectNodeRoutes: false",
      ),
    );
    expect(runShow(c.world, "node1", ["ip", "route"]).output).not.toContain("via 192.168.1.13");
    const r = pingPod(c, "pod-a", "pod-b");
    expect(r.request.drop).toMatchObject({ netns: "router", reason: "no-route" });
    expect(programs(r.hops)).toContain(
      `cil_from_container@tc-ingress on node1/${lxcOf(c, "pod-a")} → pass`,
    );
  });

  test("autoDirectNodeRoutes gives no route to a node behind the router", () => {
    const text = node2OnSecondSubnet(exampleCluster("cilium-native"));
    const c = buildCluster(text);
    expect(c.setupErrors).toEqual([]);
    expect(c.script).toContain("# no direct route to node2's");
    expect(pingPod(c, "pod-a", "pod-b").request.drop).toMatchObject({
      netns: "router",
      reason: "no-route",
    });
  });
});

describe("Cilium on one node and at the pod's edge", () => {
  for (const name of ["cilium-vxlan", "cilium-native"])
    test(`${name}: pod-a → pod-c on the same node is redirected lxc to lxc, no routing table`, () => {
      const c = buildCluster(exampleCluster(name));
      const r = pingPod(c, "pod-a", "pod-c");
      expect(r.request.delivered).toBe(true);
      expect(r.reply.delivered).toBe(true);
      const inNode = r.hops.filter((h) => h.netns === "node1");
      expect(inNode.filter((h) => h.kind === "route" || h.kind === "forward")).toEqual([]);
      expect(programs(r.hops).slice(1)).toEqual([
        `cil_from_container@tc-ingress on node1/${lxcOf(c, "pod-a")} → tail-call`,
        `cil_lxc_policy@tc-ingress on node1/${lxcOf(c, "pod-a")} → redirect`,
      ]);
      const redirect = ebpf(r.hops).at(-1);
      expect(redirect?.text).toContain(`bpf_redirect to ${lxcOf(c, "pod-c")}`);
      expect(inNode.find((h) => h.kind === "xmit")?.dev).toBe(lxcOf(c, "pod-c"));
    });

  test("the pod's ARP for its gateway is answered by bpf_lxc with the lxc's MAC", () => {
    const c = buildCluster(exampleCluster("cilium-vxlan"));
    const r = pingPod(c, "pod-a", "pod-b");
    const lxc = c.world.netns.get("node1")?.links.get(lxcOf(c, "pod-a"));
    const router = routerOf(c, "node1");
    const answer = r.hops.find((h) => h.ebpf?.action === "arp-reply");
    expect(answer).toMatchObject({ netns: "node1", dev: lxc?.name });
    expect(answer?.text).toContain(`answers the ARP request for ${router} with`);
    const neighbour = r.hops.find((h) => h.kind === "neighbour" && h.netns === "pod-a");
    expect(neighbour?.text).toBe(
      `ARP: who has ${router}? node1's ${lxc?.name} answers ${lxc?.mac} (its eBPF ARP responder)`,
    );
    // The frame then leaves the pod for the lxc's MAC, which cil_from_container takes.
    const sent = r.hops.find((h) => h.kind === "xmit" && h.netns === "pod-a");
    expect(sent && "ip" in sent.packet ? sent.packet.dst : null).toBe(lxc?.mac);
  });

  test("a deny entry in the destination's policy map drops the packet there", () => {
    const c = buildCluster(exampleCluster("cilium-vxlan"));
    const maps = c.world.netns.get("node2")?.bpf;
    const podB = maps?.endpoints.get(c.plan.pods[1]?.ip ?? 0);
    maps?.policy
      .get(podB?.endpointId ?? 0)
      ?.push({ direction: "ingress", identity: identityOf(c, "node2", "pod-a"), deny: true });
    const r = pingPod(c, "pod-a", "pod-b");
    expect(r.request.drop).toMatchObject({ netns: "node2", reason: "ebpf-drop" });
    expect(r.request.drop?.message).toContain("Policy denied by denylist (DROP_POLICY_DENY)");
    expect(ebpf(r.hops).at(-1)?.ebpf).toMatchObject({ program: "cil_lxc_policy", action: "drop" });
  });
});

describe("the Cilium cluster file and what the installer lays out", () => {
  test("cluster-pool IPAM: node /24s from the pool's start, a router IP, /32 pods with routes via it", () => {
    const c = buildCluster(exampleCluster("cilium-vxlan"));
    expect(c.plan.nodes.map((n) => formatCidrOf(c, n.name))).toEqual([
      "10.0.0.0/24",
      "10.0.1.0/24",
    ]);
    for (const node of c.plan.nodes) {
      const router = node.routerIp ?? 0;
      expect(router >>> 8).toBe(node.podCidr.addr >>> 8);
      expect(runShow(c.world, node.name, ["ip", "addr", "show", "cilium_host"]).output).toContain(
        `inet ${formatIpv4(router)}/32 scope global cilium_host`,
      );
      expect(runShow(c.world, node.name, ["ip", "route"]).output).toContain(
        `${formatCidrOf(c, node.name)} via ${formatIpv4(router)} dev cilium_host proto kernel src ${formatIpv4(router)} \n`,
      );
    }
    const router = routerOf(c, "node1");
    expect(runShow(c.world, "pod-a", ["ip", "route"]).output).toBe(
      `default via ${router} dev eth0 \n${router} dev eth0 scope link \n`,
    );
    expect(runShow(c.world, "pod-a", ["ip", "addr", "show", "eth0"]).output).toMatch(
      /mtu 1450 .*\n.*\n {4}inet 10\.0\.0\.\d+\/32 scope global eth0/,
    );
    expect(lxcOf(c, "pod-a")).toMatch(/^lxc[0-9a-f]{12}$/);
    expect(c.plan.pods.map((p) => p.ip)).not.toContain(c.plan.nodes[0]?.routerIp);
  });

  test("defaults are tunnel and vxlan; several pools are used in order", () => {
    const text = exampleCluster("cilium-geneve")
      .replace("  routingMode: tunnel\n  tunnelProtocol: geneve\n", "")
      .replace(
        "plugin: cilium",
        "plugin: cilium\n  clusterPoolIPv4PodCIDRList: [10.1.0.0/24, 10.2.0.0/16]",
      );
    const c = buildCluster(text);
    expect(c.world.netns.get("node1")?.links.get("cilium_vxlan")?.kind).toBe("vxlan");
    expect(c.plan.nodes.map((n) => formatCidrOf(c, n.name))).toEqual([
      "10.1.0.0/24",
      "10.2.0.0/24",
    ]);
  });

  test("what cilium-agent refuses, and node podCIDRs, are reported where they are written", () => {
    const errors = (text: string): string[] => {
      const r = clusterFileScript(text);
      return r.ok ? [] : r.errors.map((e) => `${e.line}: ${e.message}`);
    };
    const native = exampleCluster("cilium-native");
    expect(errors(native.replace("  ipv4NativeRoutingCIDR: 10.0.0.0/8\n", ""))).toEqual([
      expect.stringMatching(/^\d+: native routing needs ipv4NativeRoutingCIDR/),
    ]);
    expect(
      errors(
        native.replace("routingMode: native", "routingMode: tunnel").replace(/\n {2}ipv4N.*/, ""),
      ),
    ).toEqual([expect.stringMatching(/autoDirectNodeRoutes cannot be used with tunneling/)]);
    expect(
      errors(native.replace("ip: 192.168.1.12", "ip: 192.168.1.12\n    podCIDR: 10.0.9.0/24")),
    ).toEqual([expect.stringMatching(/Cilium's operator hands out podCIDRs/)]);
  });

  test("export prints the eBPF state as comments; the script alone builds no working datapath", () => {
    const built = clusterFileScript(exampleCluster("cilium-vxlan"), "lab-");
    if (!built.ok) throw new Error("the example no longer loads");
    const comments = built.script.split("\n").filter((l) => l.startsWith("# lab-node1: "));
    expect(comments).toContain(
      "# lab-node1: tc-ingress cilium_vxlan: cil_from_overlay (bpf_overlay.o)",
    );
    expect(
      comments.some((l) =>
        /^# lab-node1: cilium_ipcache 10\.0\.1\.\d+\/32 → identity \d+, tunnel endpoint 192\.168\.1\.13$/.test(
          l,
        ),
      ),
    ).toBe(true);
    expect(built.script).toContain("no ip, tc or bridge line");
    // What a kernel replaying the export would have: the devices and routes, no programs.
    const { world, setupErrors } = runScript(built.script);
    expect(setupErrors).toEqual([]);
    const to = formatIpv4(built.plan.pods[1]?.ip ?? 0);
    const r = probe(world, { from: "lab-pod-a", to, proto: "icmp" });
    if ("error" in r) throw new Error(r.error);
    expect(r.request.delivered).toBe(false);
    expect(r.hops.some((h) => h.kind === "ebpf")).toBe(false);
  });
});

function formatCidrOf(c: Cluster, node: string): string {
  const n = c.plan.nodes.find((x) => x.name === node);
  if (!n) throw new Error(`no node ${node}`);
  return formatCidr(n.podCidr);
}

function routerOf(c: Cluster, node: string): string {
  return formatIpv4(c.plan.nodes.find((x) => x.name === node)?.routerIp ?? 0);
}
