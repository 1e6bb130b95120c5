/**
 * What lesson 2 ("out-of-the-pod") tells the learner, checked against the simulator: the veth
 * pair and the cni0 bridge on the Flannel cluster, Calico's /32, 169.254.1.1 and proxy ARP on
 * the Calico cluster, and how the two broken Calico scenarios fail and are repaired.
 */
import { describe, expect, test } from "vitest";
import {
  expectClean,
  expectLessonValidates,
  ping,
  routeAt,
  lessonCluster as scenario,
  show,
} from "./helpers";

const FLANNEL = "02-flannel-vxlan.yaml";
const CALICO = "02-calico-bgp.yaml";
const CALI_A = "calif3204136562";
const CALI_B = "calif2203fa3185";

describe("lesson out-of-the-pod: Flannel's bridge", () => {
  test("pod A's eth0@if5 is the peer of node1's interface 5, vethf3204136, a port of cni0", () => {
    const c = scenario(FLANNEL);
    expect(c.setupErrors).toEqual([]);
    expect(show(c, "pod-a", "ip link show eth0")).toContain("2: eth0@if5:");
    expect(show(c, "node1", "ip link")).toMatch(/^5: vethf3204136@if2: .* master cni0 /m);
  });

  test("pod A has 10.244.1.2/24, its /24 on eth0 and a default route via cni0's 10.244.1.1", () => {
    const c = scenario(FLANNEL);
    expect(show(c, "pod-a", "ip -4 addr show dev eth0")).toContain("inet 10.244.1.2/24");
    expect(show(c, "node1", "ip -4 addr show dev cni0")).toContain("inet 10.244.1.1/24");
    expect(show(c, "pod-a", "ip route")).toBe(
      "default via 10.244.1.1 dev eth0 \n" +
        "10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.2 \n",
    );
  });

  test("the request to pod B (10.244.2.2) takes the default route; cni0 answers the ARP", () => {
    const r = ping(scenario(FLANNEL), "pod-a", "10.244.2.2");
    expect(r.reply.delivered).toBe(true);
    expect(routeAt(r, "pod-a")).toBe("default via 10.244.1.1 dev eth0");
    const arp = r.hops.find((h) => h.flow === "request" && h.kind === "neighbour");
    expect(arp?.text).toContain("node1's cni0 answers");
  });
});

describe("lesson out-of-the-pod: Calico's point-to-point veth", () => {
  test("pod A has 10.48.0.10/32, the link route to 169.254.1.1 and the default through it", () => {
    const c = scenario(CALICO);
    expect(c.setupErrors).toEqual([]);
    expect(show(c, "pod-a", "ip -4 addr show dev eth0")).toContain("inet 10.48.0.10/32");
    expect(show(c, "pod-a", "ip route")).toBe(
      "default via 169.254.1.1 dev eth0 \n169.254.1.1 dev eth0 scope link \n",
    );
  });

  test("no namespace holds 169.254.1.1", () => {
    const c = scenario(CALICO);
    for (const netns of c.world.netns.keys())
      expect(show(c, netns, "ip -4 addr"), netns).not.toContain("169.254.1.1");
  });

  test("the host end has MAC ee:ee:ee:ee:ee:ee, proxy_arp=1 and proxy_delay=0; node1 routes the pod by a /32", () => {
    const c = scenario(CALICO);
    expect(show(c, "node1", `ip link show ${CALI_A}`)).toContain("link/ether ee:ee:ee:ee:ee:ee");
    expect(show(c, "node1", `sysctl net.ipv4.conf.${CALI_A}.proxy_arp`)).toBe(
      `net.ipv4.conf.${CALI_A}.proxy_arp = 1\n`,
    );
    expect(show(c, "node1", `sysctl net.ipv4.neigh.${CALI_A}.proxy_delay`)).toBe(
      `net.ipv4.neigh.${CALI_A}.proxy_delay = 0\n`,
    );
    const routes = show(c, "node1", "ip route");
    expect(routes).toContain(`10.48.0.10 dev ${CALI_A} scope link \n`);
    expect(routes).toContain("10.48.0.64/26 via 192.168.1.12 dev eth0 proto bird \n");
    expect(show(c, "node1", "ip route get 169.254.1.1")).toContain("via 192.168.1.1 dev eth0");
  });

  test("pod A's request takes the default route, node1's cali veth answers by proxy ARP, node1 is next", () => {
    const r = ping(scenario(CALICO), "pod-a", "10.48.0.74");
    expect(r.reply.delivered).toBe(true);
    expect(routeAt(r, "pod-a")).toBe("default via 169.254.1.1 dev eth0");
    const arp = r.hops.find((h) => h.flow === "request" && h.kind === "neighbour");
    expect(arp?.text).toContain(`node1's ${CALI_A} answers ee:ee:ee:ee:ee:ee (proxy ARP)`);
    const after = r.hops.find((h) => h.flow === "request" && h.netns !== "pod-a");
    expect(after?.netns).toBe("node1");
  });
});

describe("lesson out-of-the-pod: the broken Calico pod", () => {
  const off = `ip netns exec node1 sysctl -w net.ipv4.conf.${CALI_A}.proxy_arp=0`;

  test("with proxy ARP off on pod A's veth, the request dies in pod A (neighbour-failed)", () => {
    const r = ping(scenario(CALICO, [off]), "pod-a", "10.48.0.74");
    expect(r.request.drop).toMatchObject({ netns: "pod-a", reason: "neighbour-failed" });
  });

  test("turning it back on repairs it; eth0's proxy_arp, ip_forward or node2's veth do not", () => {
    const on = (line: string) => ping(scenario(CALICO, [off, line]), "pod-a", "10.48.0.74");
    const fixed = on(`ip netns exec node1 sysctl -w net.ipv4.conf.${CALI_A}.proxy_arp=1`);
    expect(fixed.reply.delivered).toBe(true);
    for (const wrong of [
      "ip netns exec node1 sysctl -w net.ipv4.conf.eth0.proxy_arp=1",
      "ip netns exec node1 sysctl -w net.ipv4.ip_forward=1",
      `ip netns exec node2 sysctl -w net.ipv4.conf.${CALI_B}.proxy_arp=1`,
    ])
      expect(on(wrong).request.drop, wrong).toMatchObject({
        netns: "pod-a",
        reason: "neighbour-failed",
      });
  });

  test("without its default route pod A's ping fails at once: Network is unreachable", () => {
    const r = ping(scenario(CALICO, ["ip -n pod-a route del default"]), "pod-a", "10.48.0.74");
    expect(r.request.drop).toMatchObject({ netns: "pod-a", reason: "local-no-route" });
    expect(r.request.drop?.message).toContain("Network is unreachable");
  });

  test("the default via 169.254.1.1 is accepted in the pod and repairs it, refused on node1", () => {
    const del = "ip -n pod-a route del default";
    const inPod = scenario(CALICO, [del, "ip -n pod-a route add default via 169.254.1.1 dev eth0"]);
    expectClean(inPod);
    expect(ping(inPod, "pod-a", "10.48.0.74").reply.delivered).toBe(true);
    const onNode = scenario(CALICO, [
      del,
      "ip -n node1 route add default via 169.254.1.1 dev eth0",
    ]);
    expect(onNode.refused.map((e) => e.message)).toEqual(["Error: Nexthop has invalid gateway."]);
  });

  test.each([
    [
      "a gateway at the block's start",
      "default via 10.48.0.1 dev eth0",
      "Nexthop has invalid gateway",
    ],
    [
      "node1's underlay address",
      "default via 192.168.1.11 dev eth0",
      "Nexthop has invalid gateway",
    ],
    ["the link route again", "169.254.1.1 dev eth0 scope link", "File exists"],
  ])("in the pod, %s is refused (%s)", (_, route, message) => {
    const { refused } = scenario(CALICO, [
      "ip -n pod-a route del default",
      `ip -n pod-a route add ${route}`,
    ]);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.message).toContain(message);
  });
});

describe("lesson out-of-the-pod: the lesson engine", () => {
  test("its files load without a problem and validate proves every answer fails or passes as stated", () => {
    expectLessonValidates("out-of-the-pod", 5);
  });
});
