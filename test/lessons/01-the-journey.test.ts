/**
 * What lesson 1 ("the-journey") tells the learner about its Flannel VXLAN cluster, checked against
 * the simulator: the addresses, the tables at each stage, the path, the outer header, and how the
 * route exercise's answers and the broken return route behave.
 */
import { describe, expect, test } from "vitest";
import { formatIpv4 } from "../../src/sim/ipv4";
import { encapsulated } from "../cni/helpers";
import { expectLessonValidates, lessonCluster, ping, requestPath, show } from "./helpers";

/** The lesson's cluster with a scenario's change lines applied, as the checker builds it. */
const scenario = (changes: readonly string[] = []) =>
  lessonCluster("01-flannel-vxlan.yaml", changes);

const POD_A = "10.244.1.2";
const POD_B = "10.244.2.2";

describe("lesson the-journey: the tables it names", () => {
  test("pod A is 10.244.1.2 and pod B 10.244.2.2, and the cluster builds without an error", () => {
    const c = scenario();
    expect(c.setupErrors).toEqual([]);
    expect(show(c, "pod-a", "ip -4 addr show dev eth0")).toContain(`inet ${POD_A}/24`);
    expect(show(c, "pod-b", "ip -4 addr show dev eth0")).toContain(`inet ${POD_B}/24`);
  });

  test("pod A sends everything off the pod to cni0's 10.244.1.1", () => {
    const c = scenario();
    expect(show(c, "pod-a", "ip route")).toContain("default via 10.244.1.1 dev eth0 \n");
    expect(show(c, "node1", "ip -4 addr show dev cni0")).toContain("inet 10.244.1.1/24");
  });

  test("node1 routes node2's lease into flannel.1 onlink, with the VTEP's neighbour and FDB entries", () => {
    const c = scenario();
    expect(show(c, "node1", "ip route")).toContain(
      "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink \n",
    );
    expect(show(c, "node1", "ip -4 addr show dev flannel.1")).toContain("inet 10.244.1.0/32");
    expect(show(c, "node1", "ip neigh show dev flannel.1")).toContain(
      "10.244.2.0 lladdr 0a:58:0a:f4:02:00 PERMANENT",
    );
    expect(show(c, "node1", "bridge fdb show dev flannel.1")).toContain(
      "0a:58:0a:f4:02:00 dst 192.168.1.12",
    );
    expect(show(c, "node1", `ip route get ${POD_B}`)).toContain("dev flannel.1");
  });

  test("node2 holds its lease on cni0 and still has a default route via the router", () => {
    const c = scenario();
    const routes = show(c, "node2", "ip route");
    expect(routes).toMatch(/^10\.244\.2\.0\/24 dev cni0 /m);
    expect(routes).toContain("default via 192.168.1.1 dev eth0");
  });
});

describe("lesson the-journey: the exercises' facts", () => {
  test("the request crosses pod-a → node1 → sw1 → node2 → pod-b: two kernels and a switch, never the router", () => {
    const r = ping(scenario(), "pod-a", POD_B);
    expect(r.reply.delivered).toBe(true);
    const visited = requestPath(r);
    expect(visited.join(" → ")).toBe("pod-a → node1 → sw1 → node2 → pod-b");
    // The path fact leaves the underlay's switches out: they forward frames and decide nothing.
    expect(visited.filter((ns) => !/^sw[0-9]+$/.test(ns)).join(" → ")).toBe(
      "pod-a → node1 → node2 → pod-b",
    );
  });

  test("on the underlay the packet is 192.168.1.11 → 192.168.1.12, UDP 8472, VNI 1, pod A's packet inside", () => {
    const [outer] = encapsulated(ping(scenario(), "pod-a", POD_B).hops);
    expect(outer?.l4).toMatchObject({ kind: "udp", dport: 8472, vxlan: { vni: 1 } });
    expect(outer && formatIpv4(outer.src)).toBe("192.168.1.11");
    expect(outer && formatIpv4(outer.dst)).toBe("192.168.1.12");
    const inner = outer?.l4.kind === "udp" ? outer.l4.vxlan?.inner.ip : undefined;
    expect(inner && [formatIpv4(inner.src), formatIpv4(inner.dst)]).toEqual([POD_A, POD_B]);
  });

  test("without node1's route to 10.244.2.0/24 the ping dies at the router (no-route)", () => {
    const r = ping(scenario(["ip -n node1 route del 10.244.2.0/24"]), "pod-a", POD_B);
    expect(r.request.drop).toMatchObject({ netns: "router", reason: "no-route" });
  });

  const del = "ip -n node1 route del 10.244.2.0/24";
  const add = (route: string) => [del, `ip -n node1 route add ${route}`];

  test("the reference route brings the ping back through VXLAN", () => {
    const r = ping(
      scenario(add("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink")),
      "pod-a",
      POD_B,
    );
    expect(r.reply.delivered).toBe(true);
    expect(encapsulated(r.hops)).toHaveLength(1);
  });

  test("the route without onlink is refused: Nexthop has invalid gateway", () => {
    const { refused } = scenario(add("10.244.2.0/24 via 10.244.2.0 dev flannel.1"));
    expect(refused.map((e) => e.message)).toEqual(["Error: Nexthop has invalid gateway."]);
  });

  test.each([
    [
      "node2's underlay IP as the gateway on flannel.1",
      "10.244.2.0/24 via 192.168.1.12 dev flannel.1 onlink",
    ],
    ["pod B's /32 on eth0", "10.244.2.2/32 dev eth0"],
    ["the lease on flannel.1 without a gateway", "10.244.2.0/24 dev flannel.1"],
  ])("%s: node1's ARP goes unanswered (neighbour-failed at node1)", (_, route) => {
    const r = ping(scenario(add(route)), "pod-a", POD_B);
    expect(r.request.drop).toMatchObject({ netns: "node1", reason: "neighbour-failed" });
  });

  test("a host-gw route via node2's eth0 delivers, but unencapsulated", () => {
    const r = ping(scenario(add("10.244.2.0/24 via 192.168.1.12 dev eth0")), "pod-a", POD_B);
    expect(r.reply.delivered).toBe(true);
    expect(encapsulated(r.hops)).toEqual([]);
  });

  test("without node2's route back, the request arrives and the reply dies at the router", () => {
    const c = scenario(["ip -n node2 route del 10.244.1.0/24"]);
    expect(show(c, "node2", `ip route get ${POD_A}`)).toContain("via 192.168.1.1 dev eth0");
    const r = ping(c, "pod-a", POD_B);
    expect(r.request.delivered).toBe(true);
    expect(r.reply.drop).toMatchObject({ netns: "router", reason: "no-route" });
  });
});

describe("lesson the-journey: the lesson engine", () => {
  test("its files load without a problem and validate proves every answer fails or passes as stated", () => {
    expectLessonValidates("the-journey", 4);
  });
});
