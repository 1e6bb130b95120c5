// What lesson 8 (weave-and-comparison) tells the learner about Weave Net and the four CNIs,
// checked against the simulator: the lesson's cluster files and encapsulation options, built and
// probed, and the comparison table's ports, overheads, MTUs and devices.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parse, stringify } from "yaml";
import { validateLessons } from "../../src/checker/validate";
import { formatProblem, parseLesson } from "../../src/lessons/parse";
import {
  clusterFileScript,
  hopsToJson,
  type ProbeResult,
  probe,
  runCluster,
  runShow,
  type SetupError,
  type World,
} from "../../src/sim";
import { loadCluster } from "../../src/sim/cluster/load";
import { formatIpv4 } from "../../src/sim/ipv4";

const LESSONS = new URL("../../lessons/", import.meta.url);
const lessonText = readFileSync(new URL("08-weave-and-comparison.yaml", LESSONS), "utf8");
const lesson = parse(lessonText);

interface Built {
  world: World;
  setupErrors: SetupError[];
  addressOf(name: string): string;
}

/** Builds a cluster file's text. */
function buildText(text: string): Built {
  const built = clusterFileScript(text);
  if (!built.ok) throw new Error(built.errors.map((e) => e.message).join("\n"));
  const { world, setupErrors } = runCluster(built);
  return {
    world,
    setupErrors,
    addressOf(name) {
      const at =
        built.plan.pods.find((p) => p.name === name)?.ip ??
        built.plan.nodes.find((n) => n.name === name)?.ip;
      if (at === undefined) throw new Error(`no pod or node ${name}`);
      return formatIpv4(at);
    },
  };
}

/** One of the lesson's clusters, optionally with another `cni:` block. */
function build(cluster: string, cni?: Record<string, unknown>): Built {
  const file = parse(readFileSync(new URL(lesson.clusters[cluster] as string, LESSONS), "utf8"));
  if (cni) file.cni = cni;
  return buildText(stringify(file));
}

/** Two nodes on one subnet (or two) with the given CNI block: the comparison table's setups. */
function twoNodes(cni: Record<string, unknown>, subnets: 1 | 2 = 1): Built {
  return buildText(
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

function ping(c: Built, from: string, to: string, extra: { size?: number; df?: boolean } = {}) {
  const r = probe(c.world, { from, to: c.addressOf(to), proto: "icmp", ...extra });
  if ("error" in r) throw new Error(r.error);
  return r;
}

/** The request's first encapsulation: its kind as the lesson's facts name it, ports, overhead. */
function firstEncap(r: ProbeResult) {
  const json = hopsToJson(r.hops);
  const hop = json.find((h) => h.kind === "encap" && h.flow === "request");
  if (!hop) return { encap: "none", sport: 0, dport: 0, overhead: 0, dev: null };
  const p = hop.packet;
  const encap = p.vxlan ? "vxlan" : p.geneve ? "geneve" : p.sleeve ? "sleeve" : p.ip.proto;
  return {
    encap,
    sport: p.udp?.sport ?? 0,
    dport: p.udp?.dport ?? 0,
    overhead: p.ip.length - (p.inner?.ip.length ?? 0),
    dev: hop.dev,
  };
}

function podMtu(c: Built, pod: string): number | undefined {
  return c.world.netns.get(pod)?.links.get("eth0")?.mtu;
}

function devices(c: Built, netns: string): string[] {
  return [...(c.world.netns.get(netns)?.links.keys() ?? [])];
}

function routes(c: Built, netns: string): string[] {
  return runShow(c.world, netns, ["ip", "route"])
    .output.split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l !== "");
}

function option(stepId: string, optionId: string): Record<string, unknown> {
  const s = lesson.steps.find((x: { id: string }) => x.id === stepId);
  const cni = s?.options?.find((o: { id: string }) => o.id === optionId)?.cni;
  if (!cni) throw new Error(`no option ${optionId} in ${stepId}`);
  return cni;
}

describe("lesson 8: Weave Net's fast datapath", () => {
  test("every pod is in 10.32.0.0/12, node1's share 10.32.0.0/13 and node2's 10.40.0.0/13; pod B is on-link", () => {
    const c = build("weave");
    expect(c.addressOf("pod-a")).toMatch(/^10\.(3[2-9])\./);
    expect(c.addressOf("pod-b")).toMatch(/^10\.(4[0-7])\./);
    expect(routes(c, "pod-a")).toContain(
      "10.32.0.0/12 dev eth0 proto kernel scope link src 10.32.0.2",
    );
    expect(routes(c, "node1")).toContain(
      "10.32.0.0/12 dev weave proto kernel scope link src 10.32.0.1",
    );
    const r = ping(c, "pod-a", "pod-b");
    const arp = r.hops.find((h) => h.kind === "neighbour" && h.netns === "pod-a");
    expect(arp?.text).toContain(`who has ${c.addressOf("pod-b")}? pod-b's eth0 answers`);
  });

  test("frames leave through vethwe-bridge into the datapath and vxlan-6784, UDP 6784, 50 bytes", () => {
    const c = build("weave");
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
    expect(firstEncap(r)).toMatchObject({
      encap: "vxlan",
      dport: 6784,
      overhead: 50,
      dev: "vxlan-6784",
    });
    expect(runShow(c.world, "node1", ["ip", "-d", "link", "show", "vxlan-6784"]).output).toContain(
      "dstport 6784",
    );
  });

  test("pods, the weave bridge and the pods' veths get MTU 1376 when WEAVE_MTU is unset", () => {
    const c = build("weave");
    expect(podMtu(c, "pod-a")).toBe(1376);
    expect(c.world.netns.get("node1")?.links.get("weave")?.mtu).toBe(1376);
    const vethwepl = devices(c, "node1").filter((d) => d.startsWith("vethwepl"));
    expect(vethwepl.length).toBe(1);
    expect(c.world.netns.get("node1")?.links.get(vethwepl[0] as string)?.mtu).toBe(1376);
  });

  test("without the fast datapath the router carries frames in sleeve, UDP 6783 to 6783", () => {
    const c = build("weave-sleeve");
    expect(devices(c, "node1")).not.toContain("datapath");
    expect(devices(c, "node1")).not.toContain("vxlan-6784");
    const r = ping(c, "pod-a", "pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(firstEncap(r)).toMatchObject({
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
      const e = firstEncap(r);
      expect({ encap: e.encap, dport: e.dport, overhead: e.overhead }).toEqual({
        encap: row.encap,
        dport: row.dport,
        overhead: row.overhead,
      });
      if (row.device) expect(e.dev).toBe(row.device);
      expect(podMtu(c, "pod-a")).toBe(row.mtu);
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
    expect(
      runShow(flannel.world, "node1", ["bridge", "fdb", "show", "dev", "flannel.1"]).output,
    ).toContain("dst 192.168.1.13");
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
    const weave = build("weave");
    expect(routes(weave, "node1").filter((l) => l.startsWith("10."))).toEqual([
      "10.32.0.0/12 dev weave proto kernel scope link src 10.32.0.1",
    ]);
  });
});

describe("lesson 8: Calico IPIP CrossSubnet towards another subnet", () => {
  test("node1's route to node2's block goes through tunl0, and the outer header is IP protocol 4", () => {
    const c = build("calico-ipip");
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
    const outer = hopsToJson(r.hops).find((h) => h.kind === "encap")?.packet;
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
    const c = build(
      "two-subnets",
      option("lowest-overhead-across-subnets", "calico-ipip-crosssubnet"),
    );
    const r = ping(c, "pod-a", "pod-b", big);
    expect(r.request.delivered).toBe(true);
    expect(r.reply.delivered).toBe(true);
    expect(firstEncap(r).encap).toBe("ipip");
  });

  test("host-gw's route is refused and the packet dies at the router; so does Calico BGP", () => {
    const hostGw = build(
      "two-subnets",
      option("lowest-overhead-across-subnets", "flannel-host-gw"),
    );
    expect(hostGw.setupErrors.map((e) => e.message)).toContain(
      "Error: Nexthop has invalid gateway.",
    );
    expect(ping(hostGw, "pod-a", "pod-b", big).request.drop).toMatchObject({
      netns: "router",
      reason: "no-route",
    });
    const bgp = build("two-subnets", option("lowest-overhead-across-subnets", "calico-bgp"));
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
      const c = build("two-subnets", option("lowest-overhead-across-subnets", id));
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
    const { lesson: loaded, problems } = parseLesson(
      lessonText,
      "lessons/08-weave-and-comparison.yaml",
      (ref) => {
        const cluster = loadCluster(readFileSync(new URL(ref, LESSONS), "utf8"));
        return cluster.ok
          ? { ok: true, plan: cluster.plan, file: ref }
          : { ok: false, message: cluster.errors.map((e) => e.message).join("; ") };
      },
    );
    expect(problems).toEqual([]);
    expect(loaded?.id).toBe("weave-and-comparison");
    const validation = validateLessons(loaded ? [loaded] : []);
    expect(validation.problems.map(formatProblem)).toEqual([]);
    expect(validation.exercises).toBe(5);
  });
});
