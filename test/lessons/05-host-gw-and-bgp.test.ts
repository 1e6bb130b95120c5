// Lesson 5 (host-gw-and-bgp) states how Flannel host-gw and Calico BGP route without an overlay,
// what the blackhole for a node's own block does, and how both fail across a router that knows
// no pod CIDR. Each test checks one of those statements against the simulator, on the lesson's
// own cluster files and scenario changes.
import { describe, expect, test } from "vitest";
import { hopsToJson } from "../../src/sim";
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

const lesson = loadLesson("host-gw-and-bgp");

/** A cluster of the lesson (a file of lessons/clusters/), built cleanly. */
const cluster = (file: string) => expectClean(lessonCluster(file));

/** An exercise's scenario (its cluster and changes), built cleanly. */
const scenarioOf = (stepId: string) => expectClean(stepScenario(lesson, stepId));

/** The lesson's flannel-two-subnets cluster with the `cni:` block of one of the step's options. */
const withBackend = (optionId: string) => stepScenario(lesson, "pick-flannel-backend", optionId);

describe("lesson 5, host-gw-and-bgp: Flannel host-gw", () => {
  test("node1 routes node2's lease via node2's address on eth0, adds no header, and pods keep MTU 1500", () => {
    const c = cluster("05-host-gw.yaml");
    expect(sh(c, "node1", "ip route").output).toContain(
      "10.244.2.0/24 via 192.168.1.12 dev eth0 \n",
    );
    const r = ping(c, "pod-a", "pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(outerPacket(r)).toBeUndefined();
    const leaving = hopsToJson(r.hops).find(
      (h) => h.netns === "node1" && h.dev === "eth0" && h.kind === "xmit",
    );
    expect(leaving?.packet.ip).toMatchObject({ src: "10.244.1.2", dst: "10.244.2.2" });
    expect(sh(c, "pod-a", "ip link show eth0").output).toContain("mtu 1500");
  });

  test("add-host-gw-route: the scenario dies at the router; the pod address as gateway and flannel.1 are refused", () => {
    const c = scenarioOf("add-host-gw-route");
    expect(ping(c, "pod-a", "pod-b").request.drop).toMatchObject({
      netns: "router",
      reason: "no-route",
    });
    expect(sh(c, "node1", "ip route add 10.244.2.0/24 via 10.244.2.2").output).toBe(
      "Error: Nexthop has invalid gateway.\n",
    );
    expect(
      sh(c, "node1", "ip route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink").output,
    ).toBe('Cannot find device "flannel.1"\n');
    expect(sh(c, "node1", `ip route add ${exercise(lesson, "add-host-gw-route").answer}`).ok).toBe(
      true,
    );
    expect(ping(c, "pod-a", "pod-b").reply.delivered).toBe(true);
  });
});

describe("lesson 5, host-gw-and-bgp: Calico BGP", () => {
  test("node1 has the bird route to node2's block, the blackhole for its own, and a /32 for its pod", () => {
    const routes = sh(cluster("05-calico-bgp.yaml"), "node1", "ip route").output;
    expect(routes).toContain("10.48.0.64/26 via 192.168.1.12 dev eth0 proto bird \n");
    expect(routes).toContain("blackhole 10.48.0.0/26 proto bird \n");
    expect(routes).toContain("10.48.0.0 dev calif3204136562 scope link \n");
  });

  test("pod A to pod B takes node2's /26 out of eth0, unencapsulated", () => {
    const r = ping(cluster("05-calico-bgp.yaml"), "pod-a", "pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(outerPacket(r)).toBeUndefined();
    expect(routeAt(r, "node1")).toMatch(/^10\.48\.0\.64\/26 via 192\.168\.1\.12 dev eth0/);
  });

  test("an address of node1's block that no pod holds is blackholed on node1, and ip route get says Invalid argument", () => {
    const c = cluster("05-calico-bgp.yaml");
    expect(ping(c, "pod-b", "10.48.0.9").request.drop).toMatchObject({
      netns: "node1",
      reason: "blackhole",
    });
    expect(sh(c, "node1", "ip route get 10.48.0.9").output).toBe(
      "RTNETLINK answers: Invalid argument\n",
    );
  });

  test("node3 across the router: BIRD's route points at the router, which drops pod C's packet with no-route", () => {
    const c = cluster("05-calico-bgp.yaml");
    expect(sh(c, "node1", "ip route").output).toContain(
      "10.48.0.128/26 via 192.168.1.1 dev eth0 proto bird \n",
    );
    const r = ping(c, "pod-a", "pod-c");
    expect(r.request.drop).toMatchObject({ netns: "router", reason: "no-route" });
    expect(r.request.drop?.message).toContain("no route to 10.48.0.128 in router's table");
  });
});

describe("lesson 5, host-gw-and-bgp: picking a Flannel backend for two subnets", () => {
  test("host-gw: flanneld's routes to the other subnet are refused and pod C's packet dies at the router", () => {
    const c = withBackend("host-gw");
    expect(c.setupErrors.map((e) => e.message)).toContain("Error: Nexthop has invalid gateway.");
    expect(ping(c, "pod-a", "pod-b").reply.delivered).toBe(true);
    expect(ping(c, "pod-a", "pod-c").request.drop).toMatchObject({
      netns: "router",
      reason: "no-route",
    });
  });

  test("vxlan: every pod reaches every other, but pod B's traffic is encapsulated too", () => {
    const c = withBackend("vxlan");
    expect(c.setupErrors).toEqual([]);
    expect(ping(c, "pod-a", "pod-c").reply.delivered).toBe(true);
    const r = ping(c, "pod-a", "pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(outerPacket(r)).toBeDefined();
  });

  test("vxlan with DirectRouting: a host-gw route to node2, flannel.1 to node3, both delivered", () => {
    const c = withBackend("vxlan-direct-routing");
    expect(c.setupErrors).toEqual([]);
    const routes = sh(c, "node1", "ip route").output;
    expect(routes).toContain("10.244.2.0/24 via 192.168.1.12 dev eth0 \n");
    expect(routes).toContain("10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink \n");
    const near = ping(c, "pod-a", "pod-b");
    expect(near.reply.delivered).toBe(true);
    expect(outerPacket(near)).toBeUndefined();
    const far = ping(c, "pod-a", "pod-c");
    expect(far.reply.delivered).toBe(true);
    expect(outerPacket(far)).toBeDefined();
  });
});

describe("lesson 5, host-gw-and-bgp: the lesson engine", () => {
  // The pack's own checks across lessons (prerequisites, ids) are `validate`'s; here the lesson
  // loads and every answer of it is judged as the file states.
  test("loads, and every reference answer passes and every wrong answer fails as stated", () => {
    expectLessonValidates("host-gw-and-bgp", 5);
  });
});
