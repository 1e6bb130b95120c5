// What lesson 9 (arriving-at-node2) tells the learner about node2's side of a Flannel VXLAN
// path and the reply's way back, checked against the simulator on the lesson's own cluster and
// scenario changes.
import { describe, expect, test } from "vitest";
import { hopsToJson } from "../../src/sim";
import {
  exercise,
  expectBuilt,
  expectLessonValidates,
  type LessonWorld,
  lessonCluster,
  loadLesson,
  ping,
  routeAt,
  routes,
  show,
} from "./helpers";

const lesson = loadLesson("arriving-at-node2");

const POD_A = "10.244.1.2";
const POD_B = "10.244.2.2";

const changesOf = (stepId: string) => exercise(lesson, stepId).scenario.changes;

/** The lesson's cluster (built without an error), then script lines (scenario changes and a learner's commands). */
const world = (...lines: string[]) => expectBuilt(lessonCluster("09-flannel-vxlan.yaml", lines));

/** Pod A's ping to pod B. */
const pingB = (c: LessonWorld) => ping(c, "pod-a", POD_B);

describe("lesson 9: decapsulation on node2", () => {
  test("the outer packet is UDP 8472 to node2's own address, delivered locally, then flannel.1 strips 50 bytes", () => {
    const w = world();
    const r = pingB(w);
    const json = hopsToJson(r.hops);
    const arrive = json.findIndex(
      (h) => h.kind === "receive" && h.netns === "node2" && h.dev === "eth0",
    );
    const outer = json[arrive]?.packet;
    expect(outer?.ip.dst).toBe("192.168.1.13");
    expect(outer?.udp?.dport).toBe(8472);
    expect(json[arrive + 1]?.text).toContain("192.168.1.13 is a local address");
    expect(json[arrive + 1]?.text).toContain("INPUT");
    const decap = json.find(
      (h) => h.kind === "decap" && h.netns === "node2" && h.flow === "request",
    );
    expect(decap?.dev).toBe("flannel.1");
    expect(decap?.text).toContain("VNI 1, UDP 8472");
    expect(decap?.packet.eth).toEqual({ src: "0a:58:0a:f4:01:00", dst: "0a:58:0a:f4:02:00" });
    expect(decap?.packet.ip).toMatchObject({ src: POD_A, dst: POD_B, ttl: 63 });
    expect((outer?.ip.length ?? 0) - (decap?.packet.ip.length ?? 0)).toBe(50);
  });

  test("an iptables rule in node2's INPUT chain drops the VXLAN packet", () => {
    const w = world("ip netns exec node2 iptables -A INPUT -p udp --dport 8472 -j DROP");
    expect(pingB(w).request.drop).toMatchObject({ netns: "node2", reason: "netfilter-drop" });
  });
});

describe("lesson 9: node2 owns its pod CIDR through cni0's connected route", () => {
  test("cni0 holds 10.244.2.1/24 and the kernel's connected route covers the lease", () => {
    const w = world();
    expect(show(w, "node2", "ip addr show cni0")).toContain("inet 10.244.2.1/24");
    expect(routes(w, "node2")).toContain(
      "10.244.2.0/24 dev cni0 proto kernel scope link src 10.244.2.1",
    );
    expect(show(w, "node2", "ip addr show flannel.1")).toContain("inet 10.244.2.0/32");
  });

  test("after decap the packet leaves by cni0 (TTL 63 → 62), pod B answers the ARP, the bridge picks pod B's veth", () => {
    const w = world();
    const r = pingB(w);
    const node2 = r.hops.filter((h) => h.netns === "node2" && h.flow === "request");
    const forward = node2.find((h) => h.kind === "forward");
    expect(forward?.dev).toBe("cni0");
    expect(forward?.text).toContain("forwarded from flannel.1 to cni0, TTL 63 → 62");
    expect(node2.find((h) => h.kind === "neighbour")?.text).toContain(
      `who has ${POD_B}? pod-b's eth0 answers`,
    );
    const xmit = node2.find((h) => h.kind === "xmit");
    expect(xmit?.dev).toMatch(/^veth[0-9a-f]{8}$/);
    expect(xmit?.text).toContain("to its peer eth0 in pod-b");
    expect(r.request.netns).toBe("pod-b");
  });
});

describe("lesson 9: the connected route deleted", () => {
  const changes = changesOf("restore-the-connected-route");

  test("without it the decapsulated packet falls to the default route and dies at the router", () => {
    const w = world(...changes);
    expect(w.refused).toEqual([]);
    const r = pingB(w);
    expect(r.request.drop).toMatchObject({ netns: "router", reason: "no-route" });
  });

  test("10.244.2.0/24 dev cni0 brings pod B back, as do cni0 down and up or re-adding the address", () => {
    for (const repair of [
      ["ip -n node2 route add 10.244.2.0/24 dev cni0"],
      ["ip -n node2 link set cni0 down", "ip -n node2 link set cni0 up"],
      [
        "ip -n node2 addr del 10.244.2.1/24 dev cni0",
        "ip -n node2 addr add 10.244.2.1/24 dev cni0",
      ],
    ]) {
      const w = world(...changes, ...repair);
      expect(w.refused).toEqual([]);
      expect(pingB(w).reply.delivered).toBe(true);
    }
  });

  test("a tunnel route via node2's own VTEP is refused; eth0 and flannel.1 fail the neighbour lookup", () => {
    const tunnel = world(
      ...changes,
      "ip -n node2 route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
    );
    expect(tunnel.refused.map((e) => e.message)).toEqual(["Error: Nexthop has invalid gateway."]);
    for (const dev of ["eth0", "flannel.1"]) {
      const w = world(...changes, `ip -n node2 route add 10.244.2.0/24 dev ${dev}`);
      expect(pingB(w).request.drop).toMatchObject({ netns: "node2", reason: "neighbour-failed" });
    }
  });
});

describe("lesson 9: the reply's way back", () => {
  test("the reply uses node2's route to node1's lease, through flannel.1", () => {
    const w = world();
    expect(routes(w, "node2")).toContain("10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink");
    const r = pingB(w);
    expect(routeAt(r, "node2", "reply")).toBe("10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink");
    expect(show(w, "node2", "ip neigh show dev flannel.1")).toContain(
      "10.244.1.0 lladdr 0a:58:0a:f4:01:00",
    );
    expect(show(w, "node2", "bridge fdb show dev flannel.1")).toContain(
      "0a:58:0a:f4:01:00 dst 192.168.1.12",
    );
  });

  test("without it the request arrives and the reply leaves unencapsulated by the default route, to die at the router", () => {
    const w = world(...changesOf("where-the-reply-dies"));
    expect(w.refused).toEqual([]);
    const r = pingB(w);
    expect(r.request.netns).toBe("pod-b");
    expect(r.reply.drop).toMatchObject({ netns: "router", reason: "no-route" });
    expect(routeAt(r, "node2", "reply")).toBe("default via 192.168.1.1 dev eth0");
    expect(r.hops.some((h) => h.kind === "encap" && h.flow === "reply")).toBe(false);
  });
});

describe("lesson 9: fixing the lost return route", () => {
  const changes = changesOf("lost-return-route");

  test("flanneld's route on node2 brings the reply back", () => {
    const w = world(
      ...changes,
      "ip -n node2 route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink",
    );
    expect(w.refused).toEqual([]);
    expect(pingB(w).reply.delivered).toBe(true);
  });

  test("fixing node1 does nothing: add is refused, replace leaves the reply dying at the router", () => {
    const add = world(
      ...changes,
      "ip -n node1 route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
    );
    expect(add.refused.map((e) => e.message)).toEqual(["RTNETLINK answers: File exists"]);
    const replace = world(
      ...changes,
      "ip -n node1 route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
    );
    const r = pingB(replace);
    expect(r.request.delivered).toBe(true);
    expect(r.reply.drop).toMatchObject({ netns: "router", reason: "no-route" });
  });

  test("on node2 without onlink the gateway is refused; via pod A the neighbour lookup fails", () => {
    const noOnlink = world(
      ...changes,
      "ip -n node2 route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1",
    );
    expect(noOnlink.refused.map((e) => e.message)).toEqual(["Error: Nexthop has invalid gateway."]);
    const viaPod = world(
      ...changes,
      "ip -n node2 route add 10.244.1.0/24 via 10.244.1.2 dev flannel.1 onlink",
    );
    expect(pingB(viaPod).reply.drop).toMatchObject({
      netns: "node2",
      reason: "neighbour-failed",
    });
  });
});

describe("lesson file", () => {
  test("validates: every reference answer passes and every known wrong answer fails as stated", () => {
    expectLessonValidates("arriving-at-node2", 4);
  });
});
