// Lesson 4 (flannel-vxlan) states what flannel.1 is, what it puts on the wire, the three entries
// flanneld writes per remote node and what MTU 1450 does to a big DF ping. Each test here checks
// one of those statements against the simulator, on the lesson's own cluster file and with the
// lesson's own scenario changes, so the text and the simulator cannot drift apart.
import { describe, expect, test } from "vitest";
import {
  exercise,
  expectClean,
  expectLessonValidates,
  lessonCluster,
  loadLesson,
  outerPacket,
  ping,
  run as sh,
  stepScenario,
} from "./helpers";

const lesson = loadLesson("flannel-vxlan");

/** The lesson's cluster, built, with a step's scenario changes applied (they must all apply). */
function scenario(stepId?: string) {
  return expectClean(stepId ? stepScenario(lesson, stepId) : lessonCluster("04-two-nodes.yaml"));
}

describe("lesson 4, flannel-vxlan: what the text says about flannel.1", () => {
  test("flannel.1 is a nolearning VXLAN device, VNI 1, UDP 8472, MTU 1450, with the lease's .0/32", () => {
    const c = scenario();
    const link = sh(c, "node1", "ip -d link show flannel.1").output;
    expect(link).toContain("mtu 1450");
    expect(link).toMatch(/vxlan id 1 .*dstport 8472 nolearning/);
    expect(sh(c, "node1", "ip addr show flannel.1").output).toContain("inet 10.244.1.0/32");
  });

  test("the outer header goes node1 → node2 on UDP 8472 with VNI 1, 50 bytes more, the inner pod-to-pod header kept", () => {
    const c = scenario();
    const outer = outerPacket(ping(c, "pod-a", "pod-b"));
    expect(outer?.ip).toMatchObject({ src: "192.168.1.11", dst: "192.168.1.12", proto: "udp" });
    expect(outer?.udp?.dport).toBe(8472);
    expect(outer?.vxlan).toEqual({ vni: 1 });
    expect(outer?.inner?.ip).toMatchObject({ src: "10.244.1.2", dst: "10.244.2.2" });
    expect((outer?.ip.length ?? 0) - (outer?.inner?.ip.length ?? 0)).toBe(50);
  });

  test("node1 holds the route, the permanent neighbour and the FDB entry for node2 that the lesson quotes", () => {
    const c = scenario();
    expect(sh(c, "node1", "ip route").output).toContain(
      "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink \n",
    );
    expect(sh(c, "node1", "ip neigh show dev flannel.1").output).toContain(
      "10.244.2.0 lladdr 0a:58:0a:f4:02:00 PERMANENT",
    );
    expect(sh(c, "node1", "bridge fdb show dev flannel.1").output).toBe(
      "0a:58:0a:f4:02:00 dst 192.168.1.12 self permanent\n",
    );
  });

  test("cni0 and the pods' eth0 have MTU 1450", () => {
    const c = scenario();
    expect(sh(c, "node1", "ip link show cni0").output).toContain("mtu 1450");
    expect(sh(c, "pod-a", "ip link show eth0").output).toContain("mtu 1450");
    expect(sh(c, "pod-b", "ip link show eth0").output).toContain("mtu 1450");
  });

  test("with DF set, 1422 bytes of payload pass; 1423 and 1473 are refused inside pod A with mtu=1450", () => {
    const c = scenario();
    expect(ping(c, "pod-a", "pod-b", { size: 1422, df: true }).reply.delivered).toBe(true);
    for (const size of [1423, 1473]) {
      const r = ping(c, "pod-a", "pod-b", { size, df: true });
      expect(r.request.drop).toMatchObject({
        netns: "pod-a",
        reason: "local-mtu",
        reported: "ping: local error: message too long, mtu=1450",
      });
    }
  });
});

describe("lesson 4, flannel-vxlan: the exercises' scenarios behave as their texts say", () => {
  test("restore-route-to-node2: without the route pod A's packet dies at the router; without onlink the kernel refuses the gateway", () => {
    const c = scenario("restore-route-to-node2");
    expect(ping(c, "pod-a", "pod-b").request.drop).toMatchObject({
      netns: "router",
      reason: "no-route",
    });
    expect(sh(c, "node1", "ip route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1").output).toBe(
      "Error: Nexthop has invalid gateway.\n",
    );
    expect(
      sh(c, "node1", `ip route add ${exercise(lesson, "restore-route-to-node2").answer}`).ok,
    ).toBe(true);
    expect(ping(c, "pod-a", "pod-b").reply.delivered).toBe(true);
  });

  test("repair-fdb-entry: node1 sends the outer packet to node2's old address, where nobody answers ARP", () => {
    const c = scenario("repair-fdb-entry");
    const r = ping(c, "pod-a", "pod-b");
    expect(outerPacket(r)?.ip.dst).toBe("192.168.1.21");
    expect(r.request.drop).toMatchObject({ netns: "node1", reason: "neighbour-failed" });
    expect(r.request.drop?.message).toContain("ARP for 192.168.1.21");
  });

  test("repair-fdb-entry: append leaves a unicast MAC's entry as it was, add is refused, replace repairs it", () => {
    const c = scenario("repair-fdb-entry");
    const entry = "0a:58:0a:f4:02:00 dev flannel.1 dst 192.168.1.12 self permanent";
    expect(sh(c, "node1", `bridge fdb append ${entry}`).ok).toBe(true);
    expect(sh(c, "node1", "bridge fdb show dev flannel.1").output).toBe(
      "0a:58:0a:f4:02:00 dst 192.168.1.21 self permanent\n",
    );
    expect(sh(c, "node1", `bridge fdb add ${entry}`).output).toBe(
      "RTNETLINK answers: File exists\n",
    );
    expect(sh(c, "node1", exercise(lesson, "repair-fdb-entry").answer.trim()).ok).toBe(true);
    expect(ping(c, "pod-a", "pod-b").reply.delivered).toBe(true);
  });
});

describe("lesson 4, flannel-vxlan: the lesson engine", () => {
  // The pack's own checks across lessons (prerequisites, ids) are `validate`'s; here the lesson
  // loads and every answer of it is judged as the file states.
  test("loads, and every reference answer passes and every wrong answer fails as stated", () => {
    expectLessonValidates("flannel-vxlan", 5);
  });
});
