// Lesson 6 (calico-across-subnets) states how Calico's blocks, /32s and blackholes look with an
// overlay, what IPIP and VXLAN put on the wire, and how CrossSubnet picks a device per peer.
// Each test checks one of those statements against the simulator, on the lesson's own cluster
// file, scenario changes and option blocks.
import { describe, expect, test } from "vitest";
import type { ProbeResult } from "../../src/sim";
import { podIp } from "../cni/helpers";
import {
  exercise,
  expectClean,
  expectLessonValidates,
  lessonCluster,
  loadLesson,
  outerPacket,
  ping,
  routeAt,
  run as sh,
  stepScenario,
} from "./helpers";

const lesson = loadLesson("calico-across-subnets");

/** The lesson's cluster as written (the pool in IPIP CrossSubnet), built cleanly. */
const cluster = () => expectClean(lessonCluster("06-calico-two-subnets.yaml"));

/**
 * An exercise's scenario, built cleanly: a choice step's option's pool, and the step's changes
 * unless `changes` are given.
 */
const scenario = (stepId: string, optionId?: string, changes?: readonly string[]) =>
  expectClean(stepScenario(lesson, stepId, optionId, changes));

/** The device a namespace first sends the request out of (forwarded or transmitted). */
function firstDeviceOut(r: ProbeResult, netns: string): string | null | undefined {
  return r.hops.find(
    (h) => h.flow === "request" && h.netns === netns && (h.kind === "forward" || h.kind === "xmit"),
  )?.dev;
}

describe("lesson 6, calico-across-subnets: blocks, /32s and blackholes with IPIP CrossSubnet", () => {
  test("each node has its block's blackhole and its pod's /32; tunl0 holds the block's first address", () => {
    const c = cluster();
    const node2 = sh(c, "node2", "ip route").output;
    expect(node2).toContain("blackhole 10.48.0.64/26 proto bird \n");
    expect(node2).toContain("10.48.0.65 dev calif2203fa3185 scope link \n");
    expect(sh(c, "node1", "ip addr show tunl0").output).toContain("inet 10.48.0.0/32");
    expect([podIp(c.plan, "pod-a"), podIp(c.plan, "pod-b"), podIp(c.plan, "pod-c")]).toEqual([
      "10.48.0.1",
      "10.48.0.65",
      "10.48.0.129",
    ]);
  });

  test("node2 delivers pod B's packet by its /32, not the blackhole", () => {
    const r = ping(cluster(), "pod-a", "pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(routeAt(r, "node2")).toMatch(/^10\.48\.0\.65(\/32)? dev calif2203fa3185/);
  });

  test("node1 routes node2's block plainly on eth0 and node3's through tunl0 onlink; tunl0 and pods have MTU 1480", () => {
    const c = cluster();
    const routes = sh(c, "node1", "ip route").output;
    expect(routes).toContain("10.48.0.64/26 via 192.168.1.12 dev eth0 proto bird \n");
    expect(routes).toContain("10.48.0.128/26 via 192.168.2.13 dev tunl0 proto bird onlink \n");
    expect(sh(c, "node1", "ip link show tunl0").output).toContain("mtu 1480");
    expect(sh(c, "pod-a", "ip link show eth0").output).toContain("mtu 1480");
  });

  test("cross-subnet: the packet goes into tunl0, wrapped in IP protocol 4 from node1 to node3, 20 bytes more", () => {
    const r = ping(cluster(), "pod-a", "pod-c");
    expect(r.reply.delivered).toBe(true);
    expect(firstDeviceOut(r, "node1")).toBe("tunl0");
    const outer = outerPacket(r);
    expect(outer?.ip).toMatchObject({ src: "192.168.1.11", dst: "192.168.2.13", proto: "ipip" });
    expect((outer?.ip.length ?? 0) - (outer?.inner?.ip.length ?? 0)).toBe(20);
  });

  test("same subnet: the packet leaves node1 by eth0, unencapsulated", () => {
    const r = ping(cluster(), "pod-a", "pod-b");
    expect(firstDeviceOut(r, "node1")).toBe("eth0");
    expect(outerPacket(r)).toBeUndefined();
  });
});

describe("lesson 6, calico-across-subnets: the pool's modes", () => {
  test("no overlay: pod C's packet dies at the router with no-route", () => {
    const c = scenario("pick-crosssubnet", "no-overlay");
    expect(ping(c, "pod-a", "pod-b").reply.delivered).toBe(true);
    expect(ping(c, "pod-a", "pod-c").request.drop).toMatchObject({
      netns: "router",
      reason: "no-route",
    });
  });

  test("IPIP Always: node2's block goes through tunl0 too", () => {
    const c = scenario("pick-crosssubnet", "ipip-always");
    expect(sh(c, "node1", "ip route").output).toContain(
      "10.48.0.64/26 via 192.168.1.12 dev tunl0 proto bird onlink \n",
    );
    expect(outerPacket(ping(c, "pod-a", "pod-b"))?.ip.proto).toBe("ipip");
  });

  test("VXLAN: vxlan.calico with VNI 4096, UDP 4789 and MTU 1450, and Felix's proto 80 routes", () => {
    const c = scenario("no-ip-in-ip", "vxlan-crosssubnet", []);
    const link = sh(c, "node1", "ip -d link show vxlan.calico").output;
    expect(link).toContain("mtu 1450");
    expect(link).toMatch(/vxlan id 4096 .*dstport 4789/);
    const routes = sh(c, "node1", "ip route").output;
    expect(routes).toContain("10.48.0.64/26 via 192.168.1.12 dev eth0 proto 80 \n");
    expect(routes).toContain("10.48.0.128/26 via 10.48.0.128 dev vxlan.calico proto 80 onlink \n");
  });

  test("no-ip-in-ip: the router drops IPIP, VXLAN CrossSubnet crosses it on UDP 4789 and leaves pod B bare", () => {
    const ipip = scenario("no-ip-in-ip", "ipip-crosssubnet");
    expect(ping(ipip, "pod-a", "pod-c").request.drop).toMatchObject({
      netns: "router",
      reason: "netfilter-drop",
    });
    const vxlan = scenario("no-ip-in-ip", "vxlan-crosssubnet");
    const far = ping(vxlan, "pod-a", "pod-c");
    expect(far.reply.delivered).toBe(true);
    expect(outerPacket(far)?.udp?.dport).toBe(4789);
    expect(outerPacket(ping(vxlan, "pod-a", "pod-b"))).toBeUndefined();
  });
});

describe("lesson 6, calico-across-subnets: restoring node3's block on node1", () => {
  test("without the route pod C's packet dies at the router; eth0 and tunl0 without onlink are refused", () => {
    const c = scenario("restore-route-to-node3");
    expect(ping(c, "pod-a", "pod-b").reply.delivered).toBe(true);
    expect(ping(c, "pod-a", "pod-c").request.drop).toMatchObject({
      netns: "router",
      reason: "no-route",
    });
    for (const dev of ["eth0", "tunl0"])
      expect(sh(c, "node1", `ip route add 10.48.0.128/26 via 192.168.2.13 dev ${dev}`).output).toBe(
        "Error: Nexthop has invalid gateway.\n",
      );
    expect(sh(c, "node1", exercise(lesson, "restore-route-to-node3").answer.trim()).ok).toBe(true);
    expect(ping(c, "pod-a", "pod-c").reply.delivered).toBe(true);
  });

  test("a tunl0 route without a gateway leaves the tunnel nowhere to send: dropped on node1", () => {
    const c = scenario("restore-route-to-node3");
    expect(sh(c, "node1", "ip route add 10.48.0.128/26 dev tunl0").ok).toBe(true);
    expect(ping(c, "pod-a", "pod-c").request.drop).toMatchObject({
      netns: "node1",
      reason: "no-route",
    });
  });
});

describe("lesson 6, calico-across-subnets: the lesson engine", () => {
  // The pack's own checks across lessons (prerequisites, ids) are `validate`'s; here the lesson
  // loads and every answer of it is judged as the file states.
  test("loads, and every reference answer passes and every wrong answer fails as stated", () => {
    expectLessonValidates("calico-across-subnets", 6);
  });
});
