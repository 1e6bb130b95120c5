// What lesson 8 (weave-and-comparison) tells the learner about Weave Net and the four CNIs,
// checked against the simulator: the lesson's cluster files and encapsulation options, built and
// probed, and the comparison table's ports, overheads, MTUs and devices.
import { describe, expect, test } from "vitest";
import { stringify } from "yaml";
import {
  addressOf,
  encapOf,
  expectLessonValidates,
  type LessonWorld,
  lessonCluster,
  loadLesson,
  mtu,
  outerPacket,
  ping,
  routes,
  show,
  stepScenario,
  textCluster,
} from "./helpers";

const lesson = loadLesson("weave-and-comparison");

/** The two-subnets cluster with the `cni:` block of one of lowest-overhead-across-subnets' options. */
const acrossSubnets = (optionId: string) =>
  stepScenario(lesson, "lowest-overhead-across-subnets", optionId);

/** Two nodes on one subnet (or two) with the given CNI block: the comparison table's setups. */
function twoNodes(cni: Record<string, unknown>, subnets: 1 | 2 = 1): LessonWorld {
  return textCluster(
    stringify({
      formatVersion: 1,
      underlay: {
        mtu: 1500,
        subnets:
          subnets === 1
            ? [{ cidr: "192.168.1.0/24" }]
            : [{ cidr: "192.168.1.0/24" }, { cidr: "192.168.2.0/24" }],
      },
      cni,
      nodes: [
        { name: "node1", ip: "192.168.1.12" },
        { name: "node2", ip: subnets === 1 ? "192.168.1.13" : "192.168.2.13" },
      ],
      pods: [
        { name: "pod-a", node: "node1" },
        { name: "pod-b", node: "node2" },
      ],
    }),
  );
}

/** The devices of a namespace, by name. */
function devices(c: LessonWorld, netns: string): string[] {
  return [...(c.world.netns.get(netns)?.links.keys() ?? [])];
}

describe("lesson 8: Weave Net's fast datapath", () => {
  test("every pod is in 10.32.0.0/12, node1's share 10.32.0.0/13 and node2's 10.40.0.0/13; pod B is on-link", () => {
    const c = lessonCluster("08-weave.yaml");
    expect(addressOf(c.plan, "pod-a")).toMatch(/^10\.(3[2-9])\./);
    expect(addressOf(c.plan, "pod-b")).toMatch(/^10\.(4[0-7])\./);
    expect(routes(c, "pod-a")).toContain(
      "10.32.0.0/12 dev eth0 proto kernel scope link src 10.32.0.2",
    );
    expect(routes(c, "node1")).toContain(
      "10.32.0.0/12 dev weave proto kernel scope link src 10.32.0.1",
    );
    const r = ping(c, "pod-a", "pod-b");
    const arp = r.hops.find((h) => h.kind === "neighbour" && h.netns === "pod-a");
    expect(arp?.text).toContain(`who has ${addressOf(c.plan, "pod-b")}? pod-b's eth0 answers`);
  });

  test("frames leave through vethwe-bridge into the datapath and vxlan-6784, UDP 6784, 50 bytes", () => {
    const c = lessonCluster("08-weave.yaml");
    expect(devices(c, "node1")).toEqual(
      expect.arrayContaining([
        "weave",
        "vethwe-bridge",
        "vethwe-datapath",
        "datapath",
        "vxlan-6784",
      ]),
    );
    const r = ping(c, "pod-a", "pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(encapOf(r)).toMatchObject({
      encap: "vxlan",
      dport: 6784,
      overhead: 50,
      dev: "vxlan-6784",
    });
    expect(show(c, "node1", "ip -d link show vxlan-6784")).toContain("dstport 6784");
  });

  test("pods, the weave bridge and the pods' veths get MTU 1376 when WEAVE_MTU is unset", () => {
    const c = lessonCluster("08-weave.yaml");
    expect(mtu(c, "pod-a")).toBe(1376);
    expect(mtu(c, "node1", "weave")).toBe(1376);
    const vethwepl = devices(c, "node1").filter((d) => d.startsWith("vethwepl"));
    expect(vethwepl.length).toBe(1);
    expect(mtu(c, "node1", vethwepl[0])).toBe(1376);
  });

  test("without the fast datapath the router carries frames in sleeve, UDP 6783 to 6783", () => {
    const c = lessonCluster("08-weave-sleeve.yaml");
    expect(devices(c, "node1")).not.toContain("datapath");
    expect(devices(c, "node1")).not.toContain("vxlan-6784");
    const r = ping(c, "pod-a", "pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(encapOf(r)).toMatchObject({
      encap: "sleeve",
      sport: 6783,
      dport: 6783,
      dev: "vethwe-pcap",
    });
    const inject = r.hops.find((h) => h.kind === "decap" && h.netns === "node2");
    expect(inject?.dev).toBe("vethwe-pcap");
  });
});

describe("lesson 8: the comparison table", () => {
  const rows: {
    name: string;
    cni: Record<string, unknown>;
    subnets?: 2;
    encap: string;
    dport: number;
    overhead: number;
    mtu: number;
    device?: string;
  }[] = [
    {
      name: "Flannel vxlan",
      cni: { plugin: "flannel" },
      encap: "vxlan",
      dport: 8472,
      overhead: 50,
      mtu: 1450,
      device: "flannel.1",
    },
    {
      name: "Flannel host-gw",
      cni: { plugin: "flannel", backend: { type: "host-gw" } },
      encap: "none",
      dport: 0,
      overhead: 0,
      mtu: 1500,
    },
    {
      name: "Calico BGP",
      cni: { plugin: "calico", ipPool: { cidr: "10.244.0.0/16" } },
      encap: "none",
      dport: 0,
      overhead: 0,
      mtu: 1500,
    },
    {
      name: "Calico IPIP",
      cni: { plugin: "calico", ipPool: { cidr: "10.244.0.0/16", ipipMode: "Always" } },
      encap: "ipip",
      dport: 0,
      overhead: 20,
      mtu: 1480,
      device: "tunl0",
    },
    {
      name: "Calico VXLAN",
      cni: { plugin: "calico", ipPool: { cidr: "10.244.0.0/16", vxlanMode: "Always" } },
      encap: "vxlan",
      dport: 4789,
      overhead: 50,
      mtu: 1450,
      device: "vxlan.calico",
    },
    {
      name: "Cilium VXLAN tunnel",
      cni: { plugin: "cilium" },
      encap: "vxlan",
      dport: 8472,
      overhead: 50,
      mtu: 1450,
      device: "cilium_vxlan",
    },
    {
      name: "Cilium Geneve tunnel",
      cni: { plugin: "cilium", tunnelProtocol: "geneve" },
      encap: "geneve",
      dport: 6081,
      overhead: 50,
      mtu: 1450,
      device: "cilium_geneve",
    },
    {
      name: "Cilium native",
      cni: {
        plugin: "cilium",
        routingMode: "native",
        ipv4NativeRoutingCIDR: "10.0.0.0/8",
        autoDirectNodeRoutes: true,
      },
      encap: "none",
      dport: 0,
      overhead: 0,
      mtu: 1500,
    },
    {
      name: "Weave fastdp",
      cni: { plugin: "weave" },
      encap: "vxlan",
      dport: 6784,
      overhead: 50,
      mtu: 1376,
      device: "vxlan-6784",
    },
  ];
  for (const row of rows)
    test(`${row.name}: ${row.encap === "none" ? "no encapsulation" : `${row.encap} ${row.dport}`}, pod MTU ${row.mtu}`, () => {
      const c = twoNodes(row.cni);
      expect(c.setupErrors).toEqual([]);
      const r = ping(c, "pod-a", "pod-b");
      expect(r.reply.delivered).toBe(true);
      const e = encapOf(r);
      expect({ encap: e.encap, dport: e.dport, overhead: e.overhead }).toEqual({
        encap: row.encap,
        dport: row.dport,
        overhead: row.overhead,
      });
      if (row.device) expect(e.dev).toBe(row.device);
      expect(mtu(c, "pod-a")).toBe(row.mtu);
    });

  test("the devices the lesson names are on the nodes", () => {
    expect(devices(twoNodes({ plugin: "flannel" }), "node1")).toEqual(
      expect.arrayContaining(["cni0", "flannel.1"]),
    );
    const calico = devices(twoNodes(rows[3]?.cni as Record<string, unknown>), "node1");
    expect(calico).toContain("tunl0");
    expect(calico.some((d) => d.startsWith("cali"))).toBe(true);
    const cilium = devices(twoNodes({ plugin: "cilium" }), "node1");
    expect(cilium).toEqual(expect.arrayContaining(["cilium_host", "cilium_net", "cilium_vxlan"]));
    expect(cilium.some((d) => d.startsWith("lxc"))).toBe(true);
  });

  test("how routes are learned: flannel per node, BIRD's proto bird, Cilium's only in native mode, Weave none", () => {
    const flannel = twoNodes({ plugin: "flannel" });
    expect(routes(flannel, "node1")).toContain("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink");
    expect(show(flannel, "node1", "bridge fdb show dev flannel.1")).toContain("dst 192.168.1.13");
    const calico = twoNodes({ plugin: "calico", ipPool: { cidr: "10.244.0.0/16" } });
    expect(
      routes(calico, "node1").some((l) => /via 192\.168\.1\.13 dev eth0 proto bird/.test(l)),
    ).toBe(true);
    const tunnel = twoNodes({ plugin: "cilium" });
    expect(routes(tunnel, "node1")).toContain(
      "10.0.1.0/24 via 10.0.0.73 dev cilium_host proto kernel src 10.0.0.73",
    );
    const native = twoNodes(rows[7]?.cni as Record<string, unknown>);
    expect(routes(native, "node1")).toContain("10.0.1.0/24 via 192.168.1.13 dev eth0");
    const weave = lessonCluster("08-weave.yaml");
    expect(routes(weave, "node1").filter((l) => l.startsWith("10."))).toEqual([
      "10.32.0.0/12 dev weave proto kernel scope link src 10.32.0.1",
    ]);
  });
});

describe("lesson 8: Calico IPIP CrossSubnet towards another subnet", () => {
  test("node1's route to node2's block goes through tunl0, and the outer header is IP protocol 4", () => {
    const c = lessonCluster("08-calico-ipip.yaml");
    expect(
      routes(c, "node1").some((l) =>
        /\/26 via 192\.168\.2\.13 dev tunl0 proto bird onlink$/.test(l),
      ),
    ).toBe(true);
    const r = ping(c, "pod-a", "pod-b");
    const chosen = r.hops.find(
      (h) => h.kind === "route" && h.netns === "node1" && h.flow === "request",
    );
    expect(chosen?.route).toMatch(/via 192\.168\.2\.13 dev tunl0/);
    const outer = outerPacket(r);
    expect(outer?.ip).toMatchObject({ proto: "ipip", src: "192.168.1.12", dst: "192.168.2.13" });
    // The wrapped packet then leaves through eth0 towards the router.
    expect(r.hops.some((h) => h.kind === "xmit" && h.netns === "node1" && h.dev === "eth0")).toBe(
      true,
    );
  });
});

describe("lesson 8: 1480-byte DF packets across two subnets", () => {
  const big = { size: 1452, df: true };

  test("Calico IPIP CrossSubnet carries them", () => {
    const c = acrossSubnets("calico-ipip-crosssubnet");
    const r = ping(c, "pod-a", "pod-b", big);
    expect(r.request.delivered).toBe(true);
    expect(r.reply.delivered).toBe(true);
    expect(encapOf(r).encap).toBe("ipip");
  });

  test("host-gw's route is refused and the packet dies at the router; so does Calico BGP", () => {
    const hostGw = acrossSubnets("flannel-host-gw");
    expect(hostGw.setupErrors.map((e) => e.message)).toContain(
      "Error: Nexthop has invalid gateway.",
    );
    expect(ping(hostGw, "pod-a", "pod-b", big).request.drop).toMatchObject({
      netns: "router",
      reason: "no-route",
    });
    const bgp = acrossSubnets("calico-bgp");
    expect(ping(bgp, "pod-a", "pod-b", big).request.drop).toMatchObject({
      netns: "router",
      reason: "no-route",
    });
  });

  test("the VXLAN overlays refuse them in pod A at MTU 1450 and 1376", () => {
    for (const [id, mtu] of [
      ["flannel-vxlan", 1450],
      ["weave-fastdp", 1376],
    ] as const) {
      const c = acrossSubnets(id);
      const r = ping(c, "pod-a", "pod-b", big);
      expect(r.request.drop).toMatchObject({
        netns: "pod-a",
        reason: "local-mtu",
        reported: `ping: local error: message too long, mtu=${mtu}`,
      });
    }
  });
});

describe("lesson file", () => {
  test("validates: every reference answer passes and every known wrong answer fails as stated", () => {
    expectLessonValidates("weave-and-comparison", 5);
  });
});
