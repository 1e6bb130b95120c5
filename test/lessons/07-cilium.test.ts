// What lesson 7 (cilium) tells the learner about Cilium's datapath, checked against the
// simulator: the lesson's own cluster files, changes and encapsulation options, built and probed.
import { describe, expect, test } from "vitest";
import { formatIpv4 } from "../../src/sim/ipv4";
import {
  addressOf,
  encapOf,
  expectClean,
  expectLessonValidates,
  lessonCluster,
  loadLesson,
  mtu,
  outerPacket,
  ping,
  routes,
  show,
  stepScenario,
} from "./helpers";

const lesson = loadLesson("cilium");

/** One of the lesson's cluster files, built cleanly. */
const build = (file: string) => expectClean(lessonCluster(file));

/** The scenario of a step (its cluster and changes), optionally with an option's CNI, built cleanly. */
const scenarioOf = (stepId: string, optionId?: string) =>
  expectClean(stepScenario(lesson, stepId, optionId));

describe("lesson 7: eBPF at TC on the pod's lxc device", () => {
  test("cil_from_container at the lxc's TC ingress is the first program and answers the ARP for cilium_host", () => {
    const c = build("07-cilium-vxlan.yaml");
    expect(addressOf(c.plan, "node1")).toBe("192.168.1.12");
    expect(show(c, "node1", "ip addr show cilium_host")).toContain("inet 10.0.0.73/32");
    expect(routes(c, "pod-a")).toContain("default via 10.0.0.73 dev eth0");
    const r = ping(c, "pod-a", "pod-b");
    const first = r.hops.find((h) => h.kind === "ebpf");
    expect(first?.ebpf?.program).toBe("cil_from_container");
    expect(first?.ebpf?.hook).toBe("tc-ingress");
    expect(first?.dev).toMatch(/^lxc/);
    expect(first?.text).toContain("answers the ARP request for 10.0.0.73");
    // Programs named in the read step run on the devices it names.
    const runs = r.hops
      .filter((h) => h.kind === "ebpf")
      .map((h) => `${h.ebpf?.program} ${h.netns}/${h.dev}`);
    expect(runs).toContain("cil_from_netdev node2/eth0");
    expect(runs).toContain("cil_from_overlay node2/cilium_vxlan");
    // No XDP program in the path: every program of the pod-to-pod path runs at TC.
    expect(
      r.hops.filter((h) => h.kind === "ebpf").every((h) => h.ebpf?.hook.startsWith("tc-")),
    ).toBe(true);
  });

  test("the node's own ping goes through the cilium_host route and cil_from_host", () => {
    const c = build("07-cilium-vxlan.yaml");
    const r = ping(c, "node1", "pod-b");
    expect(r.request.delivered).toBe(true);
    const programs = r.hops.filter((h) => h.kind === "ebpf" && h.flow === "request");
    expect(programs[0]?.ebpf?.program).toBe("cil_from_host");
    expect(programs[0]?.dev).toBe("cilium_host");
  });
});

describe("lesson 7: tunnel mode", () => {
  test("VXLAN goes out on UDP 8472 and Geneve on 6081, both 50 bytes, pods at MTU 1450", () => {
    const vxlan = build("07-cilium-vxlan.yaml");
    const geneve = build("07-cilium-geneve.yaml");
    expect(encapOf(ping(vxlan, "pod-a", "pod-b"))).toMatchObject({ encap: "vxlan", dport: 8472 });
    const r = ping(geneve, "pod-a", "pod-b");
    expect(encapOf(r)).toMatchObject({ encap: "geneve", dport: 6081 });
    expect(r.hops.find((h) => h.kind === "encap")?.dev).toBe("cilium_geneve");
    expect(r.hops.find((h) => h.kind === "encap")?.text).toContain("+50 bytes");
    expect(mtu(vxlan, "pod-a")).toBe(1450);
    expect(mtu(geneve, "pod-a")).toBe(1450);
  });

  test("the Geneve outer header goes node to node with the sender's identity as VNI", () => {
    const c = build("07-cilium-geneve.yaml");
    const r = ping(c, "pod-a", "pod-b");
    const outer = outerPacket(r);
    expect(outer?.ip.src).toBe("192.168.1.12");
    expect(outer?.ip.dst).toBe("192.168.1.13");
    const identity = c.world.netns
      .get("node1")
      ?.bpf?.ipcache.find(
        (e) => e.len === 32 && formatIpv4(e.prefix) === addressOf(c.plan, "pod-a"),
      )?.identity;
    expect(outer?.geneve).toEqual({ vni: identity });
  });

  test("a pod on the same node is delivered by cilium_lxc, not encapsulated", () => {
    const c = scenarioOf("same-node-encap");
    const r = ping(c, "pod-a", "pod-c");
    expect(r.request.delivered).toBe(true);
    expect(encapOf(r).encap).toBe("none");
    const from = r.hops.find(
      (h) => h.ebpf?.program === "cil_from_container" && h.text.includes("local endpoint"),
    );
    expect(from?.ebpf?.maps.map((m) => m.map)).toContain("cilium_lxc");
    expect(r.hops.some((h) => h.ebpf?.program === "cil_lxc_policy")).toBe(true);
  });
});

describe("lesson 7: routing decisions live in the maps", () => {
  test("node1's route to node2's pod CIDR points at its own cilium_host; the ipcache holds node2", () => {
    const c = build("07-cilium-vxlan.yaml");
    expect(addressOf(c.plan, "pod-b")).toMatch(/^10\.0\.1\./);
    expect(routes(c, "node1")).toContain(
      "10.0.1.0/24 via 10.0.0.73 dev cilium_host proto kernel src 10.0.0.73",
    );
    const r = ping(c, "pod-a", "pod-b");
    const lookup = r.hops
      .find((h) => h.ebpf?.action === "encapsulate")
      ?.ebpf?.maps.find((m) => m.map === "cilium_ipcache");
    expect(lookup?.value).toContain("tunnel endpoint 192.168.1.13");
  });

  test("with that route deleted, pod A still reaches pod B, but node1's own ping dies at the router", () => {
    const c = scenarioOf("delete-the-tunnel-route");
    expect(routes(c, "node1").some((l) => l.startsWith("10.0.1.0/24"))).toBe(false);
    const pods = ping(c, "pod-a", "pod-b");
    expect(pods.request.delivered).toBe(true);
    expect(pods.reply.delivered).toBe(true);
    expect(
      pods.hops.some(
        (h) =>
          h.kind === "route" &&
          h.netns === "node1" &&
          h.flow === "request" &&
          h.route?.startsWith("10.0.1.0/24"),
      ),
    ).toBe(false);
    const own = ping(c, "node1", "pod-b");
    expect(own.request.drop).toMatchObject({ netns: "router", reason: "no-route" });
  });
});

describe("lesson 7: crossing two subnets with only UDP 6081 open", () => {
  test("native routing dies at the router, with or without autoDirectNodeRoutes", () => {
    for (const option of ["native", "native-direct-routes"]) {
      const c = scenarioOf("across-two-subnets", option);
      expect(routes(c, "node1").some((l) => l.startsWith("10.0.1.0/24"))).toBe(false);
      const r = ping(c, "pod-a", "pod-b");
      expect(r.request.drop).toMatchObject({ netns: "router", reason: "no-route" });
    }
  });

  test("VXLAN is dropped by node2's firewall and Geneve gets through", () => {
    const vxlan = ping(scenarioOf("across-two-subnets", "tunnel-vxlan"), "pod-a", "pod-b");
    expect(vxlan.request.drop).toMatchObject({ netns: "node2", reason: "netfilter-drop" });
    const geneve = ping(scenarioOf("across-two-subnets", "tunnel-geneve"), "pod-a", "pod-b");
    expect(geneve.request.delivered).toBe(true);
    expect(geneve.reply.delivered).toBe(true);
    const outer = outerPacket(geneve);
    expect(outer?.ip.dst).toBe("192.168.2.13");
  });
});

describe("lesson 7: no encapsulation overhead on one subnet", () => {
  test("native routing with autoDirectNodeRoutes routes via node2, unwrapped, pods at MTU 1500", () => {
    const c = scenarioOf("no-encapsulation-overhead", "native-direct-routes");
    expect(routes(c, "node1")).toContain("10.0.1.0/24 via 192.168.1.13 dev eth0");
    const r = ping(c, "pod-a", "pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(encapOf(r).encap).toBe("none");
    expect(mtu(c, "pod-a")).toBe(1500);
  });

  test("native routing without it dies at the router; the tunnels arrive encapsulated", () => {
    const native = ping(scenarioOf("no-encapsulation-overhead", "native"), "pod-a", "pod-b");
    expect(native.request.drop).toMatchObject({ netns: "router", reason: "no-route" });
    for (const [option, encap] of [
      ["tunnel-vxlan", "vxlan"],
      ["tunnel-geneve", "geneve"],
    ]) {
      const r = ping(scenarioOf("no-encapsulation-overhead", option), "pod-a", "pod-b");
      expect(r.reply.delivered).toBe(true);
      expect(encapOf(r).encap).toBe(encap);
    }
  });
});

describe("lesson file", () => {
  test("validates: every reference answer passes and every known wrong answer fails as stated", () => {
    expectLessonValidates("cilium", 5);
  });
});
