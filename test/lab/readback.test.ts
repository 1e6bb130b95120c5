import { describe, expect, test } from "vitest";
import { judgeGoal } from "../../src/checker/judge";
import { buildScenario } from "../../src/checker/scenario";
import { iptablesLines, sysctlFiles, worldFromReadout } from "../../src/lab/readback";
import type { Lesson } from "../../src/lessons/parse";
import type { RouteStep, Step } from "../../src/lessons/schema";
import { runShow, type World } from "../../src/sim";
import { loadLesson } from "../lessons/helpers";
import { edited, readout } from "./helpers";

function stepOf(lesson: Lesson, id: string): Step {
  const step = lesson.steps.find((s) => s.id === id);
  if (!step) throw new Error(`no step ${id}`);
  return step;
}

/** The exercise's own scenario, as the checker builds it (no kernel). */
function simulated(lessonId: string, stepId: string) {
  const lesson = loadLesson(lessonId);
  const step = stepOf(lesson, stepId) as RouteStep;
  const plan = lesson.clusterPlans.get(step.scenario.cluster)?.plan;
  if (!plan) throw new Error("no plan");
  return { step, plan, scenario: buildScenario(plan, step.scenario.changes) };
}

function show(world: World, netns: string, command: string): string {
  return runShow(world, netns, command.split(" ")).output;
}

/**
 * Text without what the kernel numbers or draws at random: MACs (the kernel's veths and bridges
 * get random ones) and interface indexes (`eth0@if4`: each namespace counts its own).
 */
function unnumbered(text: string): string {
  return text
    .replace(/link\/ether \S+ brd \S+|lladdr \S+/g, "MAC")
    .replace(/@if\d+/g, "@ifN")
    .replace(/^\d+: /gm, "N: ");
}

/** iptables-save without its dated comment lines. */
function rules(world: World, netns: string): string {
  return show(world, netns, "iptables-save")
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n");
}

describe("a lab read back from the kernel becomes the same world the simulator builds", () => {
  const { step, plan, scenario } = simulated("flannel-vxlan", "restore-route-to-node2");
  const read = worldFromReadout(readout("flannel-vxlan-unanswered"));

  test("everything the flannel lab holds is carried over, nothing is left out", () => {
    expect(read.notes).toEqual([]);
  });

  test.each(["node1", "node2", "pod-a", "pod-b", "router", "sw1"])(
    "%s: ip route, ip addr, ip neigh, iptables-save and sysctls match the simulator's scenario",
    (ns) => {
      for (const command of ["ip route", "ip -4 addr", "ip neigh"])
        expect(unnumbered(show(read.world, ns, command)), command).toBe(
          unnumbered(show(scenario.world, ns, command)),
        );
      expect(rules(read.world, ns)).toBe(rules(scenario.world, ns));
      expect(read.world.netns.get(ns)?.sysctl.ipForward).toBe(
        scenario.world.netns.get(ns)?.sysctl.ipForward,
      );
    },
  );

  test("the VXLAN FDB entry keeps node2's address and flannel.1 its settings", () => {
    expect(show(read.world, "node1", "bridge fdb show dev flannel.1")).toContain(
      "0a:58:0a:f4:02:00 dst 192.168.1.12 self permanent",
    );
    expect(show(read.world, "node1", "ip -d link show flannel.1")).toMatch(
      /vxlan id 1 local 192\.168\.1\.11 dev eth0 .*dstport 8472 nolearning/,
    );
  });

  test("unanswered, the read-back lab fails as the simulator's scenario does", () => {
    const fromKernel = judgeGoal(step.goal, plan, read.world);
    const fromSim = judgeGoal(step.goal, plan, scenario.world);
    expect(fromKernel.failure?.kind).toBe("dropped");
    expect(fromKernel.failure?.dropReason).toBe(fromSim.failure?.dropReason);
    expect(fromKernel.failure?.netns).toBe("router");
  });

  test("with the route the learner added in the kernel, the goal passes", () => {
    const answered = worldFromReadout(readout("flannel-vxlan-answered"));
    expect(show(answered.world, "node1", "ip route")).toContain(
      "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
    );
    expect(judgeGoal(step.goal, plan, answered.world).failure).toBeNull();
  });
});

describe("what the learner changes in the kernel reaches the simulator", () => {
  const base = readout("flannel-vxlan-answered");
  const { step, plan } = simulated("flannel-vxlan", "restore-route-to-node2");

  test("a connected route the learner deleted is deleted in the simulator too", () => {
    const changed = edited(base, "node2", (ns) => ({
      route: JSON.stringify(
        (JSON.parse(ns.route) as { dst: string; dev: string }[]).filter(
          (r) => !(r.dst === "10.244.2.0/24" && r.dev === "cni0"),
        ),
      ),
    }));
    const read = worldFromReadout(changed);
    expect(show(read.world, "node2", "ip route")).not.toContain("10.244.2.0/24 dev cni0");
    // Without it node2 sends pod B's packet out by its default route, to the router.
    const outcome = judgeGoal(step.goal, plan, read.world);
    expect(outcome.failure?.dropReason).toBe("no-route");
    expect(outcome.path[0]?.stops.map((s) => s.netns)).toEqual([
      "pod-a",
      "node1",
      "node2",
      "router",
    ]);
  });

  test("ip_forward turned off on node2 makes node2 drop the forwarded request", () => {
    const changed = edited(base, "node2", (ns) => ({
      sysctl: ns.sysctl
        .replace("/proc/sys/net/ipv4/ip_forward:1", "/proc/sys/net/ipv4/ip_forward:0")
        .replace(/(conf\/[^/]+\/forwarding):1/g, "$1:0"),
    }));
    const read = worldFromReadout(changed);
    expect(read.world.netns.get("node2")?.sysctl.ipForward).toBe(false);
    const failure = judgeGoal(step.goal, plan, read.world).failure;
    expect(failure?.dropReason).toBe("forwarding-disabled");
    expect(failure?.netns).toBe("node2");
  });

  test("an iptables rule added in the kernel is evaluated by the simulator", () => {
    const changed = edited(base, "node2", (ns) => ({
      iptables: ns.iptables.replace(
        ":OUTPUT ACCEPT [0:0]\n",
        ":OUTPUT ACCEPT [0:0]\n-A INPUT -p udp -m udp --dport 8472 -j DROP\n",
      ),
    }));
    const read = worldFromReadout(changed);
    expect(read.notes).toEqual([]);
    const failure = judgeGoal(step.goal, plan, read.world).failure;
    expect(failure?.dropReason).toBe("netfilter-drop");
    expect(failure?.rule?.text).toContain("--dport 8472");
  });

  test("a kernel without br_netfilter (no bridge-nf-call-iptables) bridges past iptables", () => {
    expect(worldFromReadout(base).world.netns.get("sw1")?.sysctl.bridgeNfCallIptables).toBe(true);
    const changed = edited(base, "sw1", (ns) => ({
      sysctl: ns.sysctl.replace("/proc/sys/net/bridge/bridge-nf-call-iptables:1\n", ""),
    }));
    const read = worldFromReadout(changed);
    expect(read.world.netns.get("sw1")?.sysctl.bridgeNfCallIptables).toBe(false);
    expect(read.world.netns.get("node1")?.sysctl.bridgeNfCallIptables).toBe(true);
  });

  test("a device down in the kernel is down in the simulator", () => {
    const changed = edited(base, "node2", (ns) => ({
      link: ns.link.replace(
        /("ifname":"flannel\.1","flags":\[)"BROADCAST","MULTICAST","UP","LOWER_UP"/,
        '$1"BROADCAST","MULTICAST"',
      ),
    }));
    const read = worldFromReadout(changed);
    expect(read.world.netns.get("node2")?.links.get("flannel.1")?.adminUp).toBe(false);
  });

  test("state the simulator does not model is named, not silently dropped", () => {
    const changed = edited(base, "node1", (ns) => ({
      route: JSON.stringify([
        ...(JSON.parse(ns.route) as unknown[]),
        { dst: "10.9.0.0/16", dev: "eth0", table: "100", flags: [] },
      ]),
      link: JSON.stringify([
        ...(JSON.parse(ns.link) as unknown[]),
        { ifindex: 40, ifname: "wg0", flags: ["UP"], linkinfo: { info_kind: "wireguard" } },
      ]),
    }));
    const read = worldFromReadout(changed);
    expect(read.notes).toContain(
      "node1: routes in table 100 are not modelled (only main); left out",
    );
    expect(read.notes).toContain("node1: wg0 (wireguard) is not read back");
  });

  test("output that is not JSON is reported rather than read as nothing", () => {
    const changed = edited(base, "pod-a", () => ({ neigh: 'Object "neigh" is unknown' }));
    expect(worldFromReadout(changed).notes).toContain(
      "ip -j neigh in pnl-lab-pod-a: could not be read as JSON",
    );
  });
});

describe("a Service lab (kube-proxy's iptables rules) round-trips", () => {
  const { step, plan, scenario } = simulated("services-iptables", "restore-service-portals");

  test("the nat table read back is the simulator's, rule for rule", () => {
    const read = worldFromReadout(readout("services-iptables-unanswered"));
    expect(read.notes).toEqual([]);
    for (const ns of ["node1", "node2"])
      expect(rules(read.world, ns)).toBe(rules(scenario.world, ns));
  });

  test("fails without the PREROUTING jump and passes with it", () => {
    const before = worldFromReadout(readout("services-iptables-unanswered"));
    expect(judgeGoal(step.goal, plan, before.world).failure?.netns).toBe("router");
    const after = worldFromReadout(readout("services-iptables-answered"));
    const outcome = judgeGoal(step.goal, plan, after.world);
    expect(outcome.failure).toBeNull();
    expect(outcome.path[0]?.stops.some((s) => s.notes.some((n) => n.includes("DNAT")))).toBe(true);
  });
});

describe("a Calico lab (proxy ARP, link-local gateways, BIRD routes) round-trips", () => {
  const { step, plan, scenario } = simulated("out-of-the-pod", "pod-lost-its-default-route");
  const read = worldFromReadout(readout("calico-pod-default-route-answered"));

  test("a pod's default route via 169.254.1.1 is added after the link route that reaches it", () => {
    expect(read.notes).toEqual([]);
    expect(show(read.world, "pod-a", "ip route")).toBe(
      "default via 169.254.1.1 dev eth0 \n169.254.1.1 dev eth0 scope link \n",
    );
  });

  test.each(["node1", "node2", "pod-b"])("%s routes as the simulator's scenario", (ns) => {
    expect(show(read.world, ns, "ip route")).toBe(show(scenario.world, ns, "ip route"));
  });

  test("the repaired pod passes, through node1's proxy ARP", () => {
    const outcome = judgeGoal(step.goal, plan, read.world);
    expect(outcome.failure).toBeNull();
    expect(read.world.netns.get("node1")?.sysctl.conf.get("calif3204136562")?.proxyArp).toBe(true);
  });
});

describe("the pieces", () => {
  test("iptables-save becomes chains, then policies, then rules, table by table", () => {
    const text = [
      "# Generated by iptables-save",
      "*filter",
      ":INPUT ACCEPT [0:0]",
      ":FORWARD DROP [3:180]",
      ":MY-CHAIN - [0:0]",
      '-A FORWARD -m comment --comment "a b" -j MY-CHAIN',
      "COMMIT",
      "*nat",
      ":POSTROUTING ACCEPT [0:0]",
      "-A POSTROUTING -s 10.0.0.0/8 -j MASQUERADE",
      "COMMIT",
    ].join("\n");
    expect(iptablesLines("node1", text)).toEqual([
      "ip netns exec node1 iptables -t filter -P FORWARD DROP",
      "ip netns exec node1 iptables -t filter -N MY-CHAIN",
      'ip netns exec node1 iptables -t filter -A FORWARD -m comment --comment "a b" -j MY-CHAIN',
      "ip netns exec node1 iptables -t nat -A POSTROUTING -s 10.0.0.0/8 -j MASQUERADE",
    ]);
  });

  test("the sysctl files are the modelled keys for all, default and each device", () => {
    const files = sysctlFiles(["eth0", "flannel.1"]);
    expect(files).toContain("/proc/sys/net/ipv4/ip_forward");
    expect(files).toContain("/proc/sys/net/ipv4/conf/flannel.1/proxy_arp");
    expect(files).toContain("/proc/sys/net/ipv4/neigh/eth0/proxy_delay");
    expect(files).not.toContain("/proc/sys/net/ipv4/neigh/all/proxy_delay");
  });
});
