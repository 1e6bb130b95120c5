// Lesson 13 (troubleshooting-drills) breaks a cluster seven ways and says, for each, how the
// fault shows, where the learner finds it, what repairs it and why the usual wrong repairs fail.
// Each test here builds a drill's scenario from the lesson file itself (its cluster, its changes),
// then checks one of those statements against the simulator: the drop without a fix, what the
// node shell prints where a hint sends the learner, and the facts the explanations give.
import { describe, expect, test } from "vitest";
import { checkAnswer, checkUnanswered } from "../../src/checker/check";
import type { FixStep } from "../../src/lessons/schema";
import { NodeShell } from "../../src/shell/session";
import { hopsToJson, type ProbeResult } from "../../src/sim";
import {
  exercise,
  expectClean,
  expectLessonValidates,
  type LessonWorld,
  loadLesson,
  outerPacket,
  ping,
  requestPath,
  stepScenario,
} from "./helpers";

const lesson = loadLesson("troubleshooting-drills");

function fixStep(id: string): FixStep {
  const step = exercise(lesson, id);
  if (step.kind !== "fix") throw new Error(`${id} is not a fix step`);
  return step;
}

/** A drill's broken cluster as the checker builds it (for a choice step: with an option's CNI). */
function scenario(id: string, option?: string): LessonWorld {
  return expectClean(stepScenario(lesson, id, option));
}

/** A shell on the drill's first node, as the learner gets it; lines run in order. */
function shellOn(built: LessonWorld, node: string) {
  const shell = new NodeShell({ world: built.world, plan: built.plan, node });
  return (line: string) => shell.run(line);
}

/** The drill with `lines` typed into its shell (each must be accepted), ready to probe. */
function fixed(id: string, lines: string): LessonWorld {
  const built = scenario(id);
  const run = shellOn(built, fixStep(id).node);
  for (const line of lines.trim().split("\n")) expect(run(line), line).toMatchObject({ ok: true });
  return built;
}

/** The kernels the request visited, in order: the underlay's switches left out. */
function kernelPath(r: ProbeResult): string[] {
  return requestPath(r).filter((ns) => !/^sw\d+$/.test(ns));
}

describe("lesson 13: every drill fails untouched with the drop its text describes", () => {
  test.each([
    ["vxlan-port-blocked", "dropped", "netfilter-drop", "node2"],
    ["pod-mtu-too-big", "dropped", "peer-mtu", "pod-a"],
    ["ip-forward-off", "dropped", "forwarding-disabled", "node2"],
    ["forward-policy-drop", "dropped", "netfilter-drop", "node1"],
    ["missing-return-route", "noReply", "no-route", "router"],
    ["fdb-wrong-node", "dropped", "not-for-this-host", "node3"],
  ])("%s: %s (%s) in %s", (id, kind, reason, netns) => {
    const verdict = checkUnanswered(lesson, fixStep(id));
    expect(verdict.failure).toMatchObject({ kind, dropReason: reason, netns, probe: 0 });
  });

  test("bgp-across-subnets: with no overlay, as now, pod A's packet for pod C dies at the router", () => {
    const step = exercise(lesson, "bgp-across-subnets");
    expect(checkAnswer(lesson, step, "no-overlay").failure).toMatchObject({
      kind: "dropped",
      dropReason: "no-route",
      netns: "router",
    });
  });
});

describe("lesson 13, vxlan-port-blocked: UDP 8472 dropped in node2's INPUT", () => {
  test("the outer packet is UDP 8472 to node2's own address, dropped by rule 1 of INPUT", () => {
    const built = scenario("vxlan-port-blocked");
    const r = ping(built, "pod-a", "pod-b");
    expect(r.request.drop?.message).toBe(
      "filter INPUT: dropped by rule 1 of INPUT (-A INPUT -p udp -m udp --dport 8472 -j DROP)",
    );
    const dropped = hopsToJson(r.hops).find((h) => h.kind === "drop");
    expect(dropped?.packet.ip).toMatchObject({ src: "192.168.1.11", dst: "192.168.1.12" });
    expect(dropped?.packet.udp?.dport).toBe(8472);
  });

  test("the hints' commands: node1 routes into the tunnel; node2's INPUT lists the DROP; flannel.1 says dstport 8472", () => {
    const run = shellOn(scenario("vxlan-port-blocked"), "node1");
    expect(run("ip route get 10.244.2.2").output).toContain("via 10.244.2.0 dev flannel.1");
    expect(run("ip -d link show flannel.1").output).toContain("dstport 8472");
    run("ssh node2");
    expect(run("iptables -S INPUT").output).toBe(
      "-P INPUT ACCEPT\n-A INPUT -p udp -m udp --dport 8472 -j DROP\n",
    );
  });

  test("iptables -F keeps node2's FORWARD policy DROP and flushes FLANNEL-FWD, so the packet dies in FORWARD", () => {
    const built = scenario("vxlan-port-blocked");
    const run = shellOn(built, "node2");
    expect(run("iptables -S FORWARD").output).toMatch(/^-P FORWARD DROP\n/);
    run("iptables -F");
    expect(run("iptables -S FORWARD").output).toBe("-P FORWARD DROP\n");
    expect(run("iptables -S FLANNEL-FWD").output).toBe("-N FLANNEL-FWD\n");
    expect(ping(built, "pod-a", "pod-b").request.drop?.message).toBe(
      "filter FORWARD: dropped by the FORWARD policy DROP",
    );
  });

  test("an inserted ACCEPT for 8472 comes before the DROP and passes; an appended one does not", () => {
    expect(
      ping(
        fixed("vxlan-port-blocked", "ssh node2\niptables -I INPUT -p udp --dport 8472 -j ACCEPT"),
        "pod-a",
        "pod-b",
      ).reply.delivered,
    ).toBe(true);
    const appended = ping(
      fixed("vxlan-port-blocked", "ssh node2\niptables -A INPUT -p udp --dport 8472 -j ACCEPT"),
      "pod-a",
      "pod-b",
    );
    expect(appended.request.drop?.message).toContain("dropped by rule 1 of INPUT");
  });

  test("on node1 the DROP rule does not exist, and iptables says so", () => {
    const run = shellOn(scenario("vxlan-port-blocked"), "node1");
    expect(run("iptables -D INPUT -p udp --dport 8472 -j DROP").output).toContain(
      "iptables: Bad rule (does a matching rule exist in that chain?).",
    );
  });
});

describe("lesson 13, pod-mtu-too-big: pod A's eth0 at 1500 behind a 1450 veth", () => {
  test("node1's veth, cni0 and flannel.1 are at 1450; pod A's eth0 at 1500", () => {
    const run = shellOn(scenario("pod-mtu-too-big"), "node1");
    const links = run("ip link show").output;
    expect(links).toMatch(/flannel\.1: .* mtu 1450 /);
    expect(links).toMatch(/cni0: .* mtu 1450 /);
    expect(links).toMatch(/veth[0-9a-f]{8}@if2: .* mtu 1450 /);
    run("ssh pod-a");
    expect(run("ip link show eth0").output).toContain("mtu 1500");
  });

  test("small pings pass; ping -s 1472 prints sendmsg: No buffer space available and the veth drops it", () => {
    const built = scenario("pod-mtu-too-big");
    expect(ping(built, "pod-a", "pod-b").reply.delivered).toBe(true);
    const run = shellOn(built, "node1");
    expect(run("kubectl exec pod-a -- ping -c1 -s 1472 10.244.2.2").output).toContain(
      "ping: sendmsg: No buffer space available",
    );
    const big = ping(built, "pod-a", "pod-b", { size: 1472 });
    expect(big.request.drop).toMatchObject({ netns: "pod-a", reason: "peer-mtu" });
    expect(big.request.drop?.message).toContain("1500 bytes do not fit the peer");
  });

  test("at 1450 the 1472-byte ping leaves in fragments of at most 1444 bytes and 1422 with DF passes whole; 1472 with DF is refused in the pod", () => {
    const built = fixed("pod-mtu-too-big", fixStep("pod-mtu-too-big").answer);
    const big = ping(built, "pod-a", "pod-b", { size: 1472 });
    expect(big.reply.delivered).toBe(true);
    const cut = big.hops.find(
      (h) => h.flow === "request" && h.netns === "pod-a" && h.dev === "eth0",
    );
    expect(cut?.text).toBe(
      "1500 bytes exceed eth0's MTU 1450: the kernel fragments it (DF not set) into pieces of at most 1444 bytes",
    );
    expect(ping(built, "pod-a", "pod-b", { size: 1422, df: true }).reply.delivered).toBe(true);
    expect(ping(built, "pod-a", "pod-b", { size: 1472, df: true }).request.drop?.reported).toBe(
      "ping: local error: message too long, mtu=1450",
    );
  });

  test("at 1400 the request arrives, but node2 cuts the reply to 1450 (first fragment 1444 bytes) and pod A's veth drops it", () => {
    const built = fixed("pod-mtu-too-big", "ssh pod-a\nip link set eth0 mtu 1400");
    const r = ping(built, "pod-a", "pod-b", { size: 1472 });
    expect(r.request.delivered).toBe(true);
    expect(r.reply.drop).toMatchObject({ netns: "node1", reason: "peer-mtu" });
    expect(r.reply.drop?.message).toContain("1444 bytes do not fit the peer eth0's MTU 1400");
  });

  test("flannel.1 at 1500 leaves the drop on pod A's first link; 1500 + 50 bytes of VXLAN is 1550", () => {
    const built = fixed("pod-mtu-too-big", "ip link set flannel.1 mtu 1500");
    expect(ping(built, "pod-a", "pod-b", { size: 1472 }).request.drop).toMatchObject({
      netns: "pod-a",
      reason: "peer-mtu",
    });
    const outer = outerPacket(ping(built, "pod-a", "pod-b"));
    expect((outer?.ip.length ?? 0) - (outer?.inner?.ip.length ?? 0)).toBe(50);
  });
});

describe("lesson 13, ip-forward-off: node2 does not forward", () => {
  test("ip_forward is 1 on node1 and 0 on node2; the packet dies on node2 without an ICMP error", () => {
    const built = scenario("ip-forward-off");
    const run = shellOn(built, "node1");
    expect(run("sysctl net.ipv4.ip_forward").output).toBe("net.ipv4.ip_forward = 1\n");
    run("ssh node2");
    expect(run("sysctl net.ipv4.ip_forward").output).toBe("net.ipv4.ip_forward = 0\n");
    const r = ping(built, "pod-a", "pod-b");
    expect(r.request.drop).toMatchObject({ netns: "node2", reason: "forwarding-disabled" });
    expect(r.icmpHeard).toEqual([]);
  });

  test("forwarding on flannel.1 alone lets the request in and drops the reply arriving on cni0", () => {
    const built = fixed(
      "ip-forward-off",
      "ssh node2\nsysctl -w net.ipv4.conf.flannel/1.forwarding=1",
    );
    const r = ping(built, "pod-a", "pod-b");
    expect(r.request.delivered).toBe(true);
    expect(r.reply.drop).toMatchObject({ netns: "node2", reason: "forwarding-disabled" });
    const drop = r.hops.find((h) => h.flow === "reply" && h.kind === "drop");
    expect(drop?.dev).toBe("cni0");
  });

  test("conf.all.forwarding=1 is the same switch as ip_forward; the dotted flannel.1 key cannot be found", () => {
    expect(
      ping(
        fixed("ip-forward-off", "ssh node2\nsysctl -w net.ipv4.conf.all.forwarding=1"),
        "pod-a",
        "pod-b",
      ).reply.delivered,
    ).toBe(true);
    const run = shellOn(scenario("ip-forward-off"), "node2");
    expect(run("sysctl -w net.ipv4.conf.flannel.1.forwarding=1").output).toContain(
      "sysctl: cannot stat /proc/sys/net/ipv4/conf/flannel/1/forwarding: No such file or directory",
    );
  });
});

describe("lesson 13, forward-policy-drop: node1's FORWARD is DROP without flanneld's jump", () => {
  test("iptables -S FORWARD on node1 is only the DROP policy; FLANNEL-FWD is still there; node2's FORWARD is as flanneld left it", () => {
    const run = shellOn(scenario("forward-policy-drop"), "node1");
    expect(run("iptables -S FORWARD").output).toBe("-P FORWARD DROP\n");
    const chain = run("iptables -S FLANNEL-FWD").output;
    expect(chain).toContain("-A FLANNEL-FWD -s 10.244.0.0/16");
    expect(chain).toContain("-A FLANNEL-FWD -d 10.244.0.0/16");
    run("ssh node2");
    expect(run("iptables -S FORWARD").output).toBe(
      '-P FORWARD ACCEPT\n-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD\n',
    );
  });

  test("the request dies on node1 by the policy, before it is encapsulated", () => {
    const r = ping(scenario("forward-policy-drop"), "pod-a", "pod-b");
    expect(r.request.drop).toMatchObject({
      netns: "node1",
      reason: "netfilter-drop",
      message: "filter FORWARD: dropped by the FORWARD policy DROP",
    });
    expect(r.hops.some((h) => h.kind === "encap")).toBe(false);
  });

  test("the policy ACCEPT passes too; an accept for pod A's source alone drops the reply on node1", () => {
    expect(
      ping(fixed("forward-policy-drop", "iptables -P FORWARD ACCEPT"), "pod-a", "pod-b").reply
        .delivered,
    ).toBe(true);
    const oneWay = ping(
      fixed("forward-policy-drop", "iptables -A FORWARD -s 10.244.1.0/24 -j ACCEPT"),
      "pod-a",
      "pod-b",
    );
    expect(oneWay.request.delivered).toBe(true);
    expect(oneWay.reply.drop).toMatchObject({ netns: "node1", reason: "netfilter-drop" });
  });
});

describe("lesson 13, missing-return-route: node2 lost its route to node1's block", () => {
  test("pod A is 10.48.0.0, pod B 10.48.0.64; node1 still routes node2's block via 192.168.1.12", () => {
    const run = shellOn(scenario("missing-return-route"), "node1");
    const pods = run("kubectl get pods -o wide").output;
    expect(pods).toMatch(/pod-a .* 10\.48\.0\.0 /);
    expect(pods).toMatch(/pod-b .* 10\.48\.0\.64 /);
    expect(run("ip route").output).toContain(
      "10.48.0.64/26 via 192.168.1.12 dev eth0 proto bird \n",
    );
  });

  test("after a ping, conntrack shows the request unreplied on node1 and answered on node2, whose reply takes the default route", () => {
    const run = shellOn(scenario("missing-return-route"), "node1");
    expect(run("kubectl exec pod-a -- ping -c1 10.48.0.64").ok).toBe(false);
    expect(run("conntrack -L").output).toContain("[UNREPLIED]");
    run("ssh node2");
    const there = run("conntrack -L").output;
    expect(there).toContain("src=10.48.0.0 dst=10.48.0.64");
    expect(there).not.toContain("[UNREPLIED]");
    expect(run("ip route get 10.48.0.0").output).toContain("10.48.0.0 via 192.168.1.1 dev eth0");
  });

  test("the reply dies at the router, which has no pod route", () => {
    const r = ping(scenario("missing-return-route"), "pod-a", "pod-b");
    expect(r.request.delivered).toBe(true);
    expect(r.reply.drop).toMatchObject({ netns: "router", reason: "no-route" });
  });

  test("a route without a gateway makes node2 ARP for pod A on eth0, and nobody answers", () => {
    const r = ping(
      fixed("missing-return-route", "ssh node2\nip route add 10.48.0.0/26 dev eth0"),
      "pod-a",
      "pod-b",
    );
    expect(r.reply.drop).toMatchObject({ netns: "node2", reason: "neighbour-failed" });
  });
});

describe("lesson 13, bgp-across-subnets: BIRD's route to node3 goes via the router", () => {
  test("node1 routes node3's block via the router; the router knows no pod CIDR", () => {
    const built = scenario("bgp-across-subnets", "no-overlay");
    const run = shellOn(built, "node1");
    expect(run("ip route").output).toContain(
      "10.48.0.128/26 via 192.168.1.1 dev eth0 proto bird \n",
    );
    expect(ping(built, "pod-a", "pod-c").request.drop?.message).toContain(
      "no route to 10.48.0.128 in router's table",
    );
  });

  test("with IPIP CrossSubnet node3's block goes into tunl0 via 192.168.2.13 onlink, node2's stays plain; IPIP adds 20 bytes", () => {
    const built = scenario("bgp-across-subnets", "ipip-crosssubnet");
    const routes = shellOn(built, "node1")("ip route").output;
    expect(routes).toContain("10.48.0.128/26 via 192.168.2.13 dev tunl0 proto bird onlink \n");
    expect(routes).toContain("10.48.0.64/26 via 192.168.1.12 dev eth0 proto bird \n");
    const outer = outerPacket(ping(built, "pod-a", "pod-c"));
    expect(outer?.ip).toMatchObject({ src: "192.168.1.11", dst: "192.168.2.13" });
    expect((outer?.ip.length ?? 0) - (outer?.inner?.ip.length ?? 0)).toBe(20);
  });

  test("Calico's VXLAN is UDP 4789, which the firewall between the subnets drops", () => {
    const r = ping(scenario("bgp-across-subnets", "vxlan-crosssubnet"), "pod-a", "pod-c");
    expect(outerPacket(r)?.udp?.dport).toBe(4789);
    expect(r.request.drop).toMatchObject({ netns: "router", reason: "netfilter-drop" });
  });
});

describe("lesson 13, fdb-wrong-node: node1's FDB sends node2's VTEP MAC to node3", () => {
  test("node1's neighbour entry names node2's VTEP MAC, and its FDB sends that MAC to 192.168.1.13", () => {
    const run = shellOn(scenario("fdb-wrong-node"), "node1");
    expect(run("ip neigh show dev flannel.1").output).toContain(
      "10.244.2.0 lladdr 0a:58:0a:f4:02:00 PERMANENT",
    );
    const fdb = run("bridge fdb show dev flannel.1").output.split("\n");
    expect(fdb).toContain("0a:58:0a:f4:02:00 dst 192.168.1.13 self permanent");
    expect(fdb).toContain("0a:58:0a:f4:03:00 dst 192.168.1.13 self permanent");
    expect(run("ip -d link show flannel.1").output).toContain("nolearning");
    expect(run("kubectl get nodes -o wide").output).toMatch(/node2 .* 192\.168\.1\.12 /);
  });

  test("node3 unwraps the frame and drops it: the destination MAC is not its own", () => {
    const r = ping(scenario("fdb-wrong-node"), "pod-a", "pod-b");
    expect(r.request.drop?.message).toBe(
      "the frame is for 0a:58:0a:f4:02:00, not flannel.1's 0a:58:0a:f4:03:00: dropped (PACKET_OTHERHOST)",
    );
    expect(kernelPath(r)).toEqual(["pod-a", "node1", "node3"]);
  });

  test("add is refused with File exists; a deleted entry is not relearned", () => {
    const run = shellOn(scenario("fdb-wrong-node"), "node1");
    expect(
      run("bridge fdb add 0a:58:0a:f4:02:00 dev flannel.1 dst 192.168.1.12 self permanent").output,
    ).toBe("RTNETLINK answers: File exists\n");
    const deleted = fixed("fdb-wrong-node", "bridge fdb del 0a:58:0a:f4:02:00 dev flannel.1");
    expect(ping(deleted, "pod-a", "pod-b").request.drop).toMatchObject({
      netns: "node1",
      reason: "fdb-miss",
    });
  });

  test("pointing the neighbour entry at node3's MAC detours through node3, which masquerades the ping to 10.244.3.0", () => {
    const built = fixed(
      "fdb-wrong-node",
      "ip neigh replace 10.244.2.0 lladdr 0a:58:0a:f4:03:00 dev flannel.1 nud permanent",
    );
    const r = ping(built, "pod-a", "pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(kernelPath(r)).toEqual(["pod-a", "node1", "node3", "node2", "pod-b"]);
    const arrived = hopsToJson(r.hops).find(
      (h) => h.flow === "request" && h.netns === "pod-b" && h.kind === "deliver",
    );
    expect(arrived?.packet.ip.src).toBe("10.244.3.0");
  });

  test("rewriting node3's entry instead sends pod C's frames to node2", () => {
    const built = fixed(
      "fdb-wrong-node",
      "bridge fdb replace 0a:58:0a:f4:03:00 dev flannel.1 dst 192.168.1.12 self permanent",
    );
    expect(ping(built, "pod-a", "pod-c").request.drop).toMatchObject({
      netns: "node2",
      reason: "not-for-this-host",
    });
  });
});

describe("lesson 13, troubleshooting-drills: the lesson engine", () => {
  // Prerequisites across lessons are `validate`'s over the whole pack; here the lesson loads and
  // every answer of it is judged as the file states.
  test("loads, and every reference answer passes and every wrong answer fails as stated", () => {
    expectLessonValidates("troubleshooting-drills", 7);
  });
});
