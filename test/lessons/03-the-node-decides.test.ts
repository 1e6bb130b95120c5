/**
 * What lesson 3 ("the-node-decides") tells the learner, checked against the simulator: node1's
 * local and remote pod CIDRs, `ip route get`, longest-prefix match over /0, /16, /24, /25 and /32
 * routes with metrics, and how the route and fix exercises' answers behave.
 */
import { describe, expect, test } from "vitest";
import type { ProbeResult } from "../../src/sim";
import { encapsulated } from "../cni/helpers";
import { expectClean, expectLessonValidates, lessonCluster, ping, routeAt, show } from "./helpers";

/** The lesson's cluster with a scenario's change lines applied, as the checker builds it. */
const scenario = (changes: readonly string[] = []) =>
  lessonCluster("03-flannel-vxlan.yaml", changes);

/** The route node1 chose for the request, as the trace records it (prefix, gateway, device). */
const node1Route = (r: ProbeResult) => routeAt(r, "node1");

const POD_A = "10.244.1.2";
const POD_B = "10.244.2.2";
const POD_C = "10.244.2.130";

describe("lesson the-node-decides: local and remote pod CIDRs", () => {
  test("pod A, B and C have the addresses the lesson names, pod B and C on node2", () => {
    const c = scenario();
    expect(c.setupErrors).toEqual([]);
    expect(show(c, "pod-a", "ip -4 addr show dev eth0")).toContain(`inet ${POD_A}/24`);
    expect(show(c, "pod-b", "ip -4 addr show dev eth0")).toContain(`inet ${POD_B}/24`);
    expect(show(c, "pod-c", "ip -4 addr show dev eth0")).toContain(`inet ${POD_C}/24`);
    expect(ping(c, "pod-a", POD_C).request.netns).toBe("pod-c");
  });

  test("node1: its lease connected on cni0, node2's via flannel.1 onlink, a default via the router", () => {
    const routes = show(scenario(), "node1", "ip route");
    expect(routes).toContain("10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1 \n");
    expect(routes).toContain("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink \n");
    expect(routes).toContain("default via 192.168.1.1 dev eth0 \n");
    expect(routes).toContain("192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.11 \n");
  });

  test("a request from pod B for pod A leaves node1 by the connected cni0 route", () => {
    const r = ping(scenario(), "pod-b", POD_A);
    expect(r.reply.delivered).toBe(true);
    expect(node1Route(r)).toMatch(/^10\.244\.1\.0\/24 dev cni0\b/);
    const leaving = r.hops.find(
      (h) =>
        h.flow === "request" &&
        h.netns === "node1" &&
        ["forward", "xmit", "encap"].includes(h.kind),
    );
    expect(leaving?.dev).toBe("cni0");
    expect(show(scenario(), "node1", `ip route get ${POD_A}`)).toContain(
      `${POD_A} dev cni0 src 10.244.1.1`,
    );
  });

  test("ip route get 10.244.2.2 on node1 prints the flannel.1 route and its source", () => {
    expect(show(scenario(), "node1", `ip route get ${POD_B}`)).toContain(
      `${POD_B} via 10.244.2.0 dev flannel.1 src 10.244.1.0`,
    );
  });
});

describe("lesson the-node-decides: longest-prefix match", () => {
  const slash25 = "ip -n node1 route add 10.244.2.0/25 via 192.168.1.12 dev eth0";

  test("a /25 beside Flannel's /24 takes pod B, unencapsulated, and still delivers", () => {
    const c = scenario([slash25]);
    const r = ping(c, "pod-a", POD_B);
    expect(node1Route(r)).toBe("10.244.2.0/25 via 192.168.1.12 dev eth0");
    expect(encapsulated(r.hops)).toEqual([]);
    expect(r.reply.delivered).toBe(true);
  });

  test("…while pod C, outside the /25, still goes through flannel.1", () => {
    const r = ping(scenario([slash25]), "pod-a", POD_C);
    expect(node1Route(r)).toBe("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink");
    expect(encapsulated(r.hops)).toHaveLength(1);
  });

  test("between the two /25s the lower metric wins; both beat Flannel's /24 and the default listed first", () => {
    const c = expectClean(
      scenario([
        "ip -n node1 route add 10.244.2.0/25 via 10.244.2.0 dev flannel.1 onlink",
        `${slash25} metric 100`,
      ]),
    );
    const routes = show(c, "node1", "ip route");
    expect(routes).toMatch(/^default via 192\.168\.1\.1 dev eth0 \n/);
    expect(routes).toContain("10.244.2.0/25 via 10.244.2.0 dev flannel.1 onlink \n");
    expect(routes).toContain("10.244.2.0/25 via 192.168.1.12 dev eth0 metric 100 \n");
    expect(routes).toContain("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink \n");
    expect(show(c, "node1", `ip route get ${POD_B}`)).toContain(
      `${POD_B} via 10.244.2.0 dev flannel.1`,
    );
    expect(node1Route(ping(c, "pod-a", POD_B))).toBe(
      "10.244.2.0/25 via 10.244.2.0 dev flannel.1 onlink",
    );
  });

  test("a more specific route wins even with the higher metric", () => {
    const c = scenario([`${slash25} metric 1000`]);
    expect(node1Route(ping(c, "pod-a", POD_B))).toBe("10.244.2.0/25 via 192.168.1.12 dev eth0");
  });
});

describe("lesson the-node-decides: the route exercise", () => {
  const del = "ip -n node1 route del 10.244.2.0/24";
  const withRoute = (route: string) => scenario([del, `ip -n node1 route add ${route}`]);

  test("with node2's /24 gone, the default route is the longest match and the router drops pod B's ping", () => {
    const c = scenario([del]);
    expect(show(c, "node1", `ip route get ${POD_B}`)).toContain("via 192.168.1.1 dev eth0");
    expect(ping(c, "pod-a", POD_B).request.drop).toMatchObject({
      netns: "router",
      reason: "no-route",
    });
  });

  test.each([
    "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
    "10.244.2.0/25 via 10.244.2.0 dev flannel.1 onlink",
  ])("%s reaches pod B through flannel.1", (route) => {
    const r = ping(withRoute(route), "pod-a", POD_B);
    expect(r.reply.delivered).toBe(true);
    expect(node1Route(r)).toContain("dev flannel.1");
  });

  test("the lower /25 leaves pod C to the default route", () => {
    const r = ping(withRoute("10.244.2.0/25 via 10.244.2.0 dev flannel.1 onlink"), "pod-a", POD_C);
    expect(r.request.drop).toMatchObject({ netns: "router", reason: "no-route" });
  });

  test("the upper /25 covers pod C, not pod B, whose ping dies at the router", () => {
    const c = withRoute("10.244.2.128/25 via 10.244.2.0 dev flannel.1 onlink");
    expect(ping(c, "pod-a", POD_B).request.drop).toMatchObject({
      netns: "router",
      reason: "no-route",
    });
    expect(ping(c, "pod-a", POD_C).reply.delivered).toBe(true);
  });

  test("node2's lease on cni0: node1's ARP for pod B on its own bridge goes unanswered", () => {
    const r = ping(withRoute("10.244.2.0/24 dev cni0"), "pod-a", POD_B);
    expect(r.request.drop).toMatchObject({ netns: "node1", reason: "neighbour-failed" });
  });

  test("node1's own VTEP address (onlink) and node2's without onlink are refused", () => {
    for (const route of [
      "10.244.2.0/24 via 10.244.1.0 dev flannel.1 onlink",
      "10.244.2.0/24 via 10.244.2.0 dev flannel.1",
    ])
      expect(
        withRoute(route).refused.map((e) => e.message),
        route,
      ).toEqual(["Error: Nexthop has invalid gateway."]);
    expect(show(scenario(), "node1", "ip -4 addr show dev flannel.1")).toContain(
      "inet 10.244.1.0/32",
    );
  });
});

describe("lesson the-node-decides: the stale host route", () => {
  const stale = "ip -n node1 route add 10.244.2.130/32 via 192.168.1.20 dev eth0";

  test("it takes pod C's packets to 192.168.1.20, where nobody answers ARP; pod B still works", () => {
    const c = scenario([stale]);
    expect(show(c, "node1", "ip route")).toContain("10.244.2.130 via 192.168.1.20 dev eth0 \n");
    expect(show(c, "node1", `ip route get ${POD_C}`)).toContain("via 192.168.1.20 dev eth0");
    const r = ping(c, "pod-a", POD_C);
    expect(r.request.drop).toMatchObject({ netns: "node1", reason: "neighbour-failed" });
    expect(r.request.drop?.message).toContain("192.168.1.20");
    expect(ping(c, "pod-a", POD_B).reply.delivered).toBe(true);
  });

  test("deleting it brings pod C back through Flannel's /24", () => {
    const c = scenario([stale, "ip -n node1 route del 10.244.2.130/32"]);
    const r = ping(c, "pod-a", POD_C);
    expect(r.reply.delivered).toBe(true);
    expect(node1Route(r)).toBe("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink");
  });

  test("rewriting the /24 or flushing the cache leaves it in place; add is refused, del on node2 too", () => {
    for (const line of [
      "ip -n node1 route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
      "ip -n node1 route flush cache",
    ]) {
      const c = scenario([stale, line]);
      expect([...c.setupErrors, ...c.refused], line).toEqual([]);
      expect(ping(c, "pod-a", POD_C).request.drop?.reason, line).toBe("neighbour-failed");
    }
    const add = scenario([
      stale,
      "ip -n node1 route add 10.244.2.130/32 via 10.244.2.0 dev flannel.1 onlink",
    ]);
    expect(add.refused.map((e) => e.message)).toEqual(["RTNETLINK answers: File exists"]);
    const onNode2 = scenario([stale, "ip -n node2 route del 10.244.2.130/32"]);
    expect(onNode2.refused.map((e) => e.message)).toEqual(["RTNETLINK answers: No such process"]);
  });
});

describe("lesson the-node-decides: the lesson engine", () => {
  test("its files load without a problem and validate proves every answer fails or passes as stated", () => {
    expectLessonValidates("the-node-decides", 5);
  });
});
