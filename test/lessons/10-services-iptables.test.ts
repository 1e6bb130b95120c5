import { describe, expect, test } from "vitest";
import type { ProbeResult, World } from "../../src/sim";
import { formatIpv4 } from "../../src/sim/ipv4";
import { conntrackLine } from "../../src/sim/render/conntrack";
import type { Datagram } from "../../src/sim/walk/packet";
import {
  connect,
  exercise,
  expectBuilt,
  expectLessonValidates,
  lessonCluster,
  loadLesson,
  ping,
  routeAt,
  show,
  typedOn,
} from "./helpers";

// What lesson 10 (services-iptables) tells the learner, checked against the simulator: the
// chain names and probabilities it quotes, where the DNAT happens, the route after it, conntrack
// un-translating the reply, the marks for masquerading, and the fix step's scenario and answers.

const lesson = loadLesson("services-iptables");

const CLUSTER_IP = "10.96.0.80";
const SVC_CHAIN = "KUBE-SVC-LOLE4ISW44XBNF3G";

/** The lesson's cluster (built without an error) with `lines` (script lines, each naming its namespace) run after it. */
const world = (lines: readonly string[] = []) =>
  expectBuilt(lessonCluster("10-web-three-pods.yaml", lines));

/** The packet a direction delivered (to `netns` when given). */
function deliveredPacket(r: ProbeResult, flow: "request" | "reply", netns?: string): Datagram {
  const hop = r.hops.find(
    (h) => h.kind === "deliver" && h.flow === flow && (netns === undefined || h.netns === netns),
  );
  if (!hop) throw new Error(`nothing delivered (${flow})`);
  return hop.packet as Datagram;
}

function natRules(w: { world: World }, netns: string): string[] {
  return show(w, netns, "iptables-save -t nat").split("\n");
}

describe("lesson 10: what kube-proxy writes in iptables mode", () => {
  const w = world();

  test("PREROUTING and OUTPUT jump to KUBE-SERVICES, which sends 10.96.0.80:80/TCP to the Service's chain", () => {
    const rules = natRules(w, "node1");
    for (const hook of ["PREROUTING", "OUTPUT"])
      expect(rules).toContain(
        `-A ${hook} -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
      );
    expect(rules).toContain(
      `-A KUBE-SERVICES -d ${CLUSTER_IP}/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j ${SVC_CHAIN}`,
    );
  });

  test("the Service's chain picks pod-b, pod-c, pod-d with 0.33333333349, 0.50000000000 and a last rule without statistic", () => {
    const picks = natRules(w, "node1").filter(
      (l) => l.startsWith(`-A ${SVC_CHAIN} `) && l.includes("KUBE-SEP-"),
    );
    expect(picks).toHaveLength(3);
    expect(picks[0]).toContain(
      '"default/web -> 10.244.2.2:8080" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-',
    );
    expect(picks[1]).toContain(
      '"default/web -> 10.244.2.3:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-',
    );
    expect(picks[2]).toContain('"default/web -> 10.244.2.4:8080" -j KUBE-SEP-');
    expect(picks[2]).not.toContain("statistic");
  });

  test("each KUBE-SEP chain DNATs to its pod on 8080 and marks the pod reaching itself", () => {
    const rules = natRules(w, "node1");
    for (const ip of ["10.244.2.2", "10.244.2.3", "10.244.2.4"]) {
      expect(
        rules.some(
          (l) =>
            /^-A KUBE-SEP-\S+ -p tcp .*-j DNAT --to-destination /.test(l) &&
            l.endsWith(`${ip}:8080`),
        ),
      ).toBe(true);
      expect(
        rules.some(
          (l) =>
            l.startsWith("-A KUBE-SEP-") &&
            l.includes(`-s ${ip}/32`) &&
            l.endsWith("-j KUBE-MARK-MASQ"),
        ),
      ).toBe(true);
    }
  });

  test("traffic from outside 10.244.0.0/16 is marked 0x4000 and KUBE-POSTROUTING masquerades what is marked", () => {
    const rules = natRules(w, "node1");
    expect(rules).toContain(
      `-A ${SVC_CHAIN} ! -s 10.244.0.0/16 -d ${CLUSTER_IP}/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ`,
    );
    expect(rules).toContain("-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000");
    expect(
      rules.some((l) => l.startsWith("-A KUBE-POSTROUTING") && l.includes("-j MASQUERADE")),
    ).toBe(true);
  });

  test("no route on node1 names the service range, and pod A's namespace has no kube-proxy rule", () => {
    const routes = show(w, "node1", "ip route");
    expect(routes).not.toContain("10.96.");
    expect(routes).toContain("default via 192.168.1.1 dev eth0");
    expect(natRules(w, "pod-a").join("\n")).not.toContain("KUBE-");
  });
});

describe("lesson 10: a connection from pod A to web", () => {
  const w = world();
  const r = connect(w, "pod-a", CLUSTER_IP);

  test("is delivered to one of the three endpoints and answered", () => {
    expect(["pod-b", "pod-c", "pod-d"]).toContain(r.request.netns);
    expect(r.reply).toMatchObject({ delivered: true, netns: "pod-a" });
  });

  test("is DNATed on node1 in nat PREROUTING, through KUBE-SERVICES and the Service's chain, and nowhere else", () => {
    const nat = r.hops.filter((h) => h.kind === "nat" && h.flow === "request");
    expect(nat).toHaveLength(1);
    expect(nat[0]?.netns).toBe("node1");
    expect(nat[0]?.text).toContain("nat PREROUTING: DNAT 10.96.0.80:80 → 10.244.2.");
    expect(nat[0]?.text).toContain(`via PREROUTING → KUBE-SERVICES → ${SVC_CHAIN} → KUBE-SEP-`);
  });

  test("node1 then routes the endpoint's address by the flannel.1 route, and node2 sees only a pod address", () => {
    expect(routeAt(r, "node1")).toBe("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink");
    const atNode2 = r.hops.filter(
      (h) => h.netns === "node2" && h.flow === "request" && "l4" in h.packet,
    );
    expect(atNode2.every((h) => formatIpv4((h.packet as Datagram).dst) !== CLUSTER_IP)).toBe(true);
  });

  test("conntrack on node1 holds the translation, and the reply reaches pod A from 10.96.0.80:80", () => {
    const entries = r.conntrack.filter((e) => e.netns === "node1" && e.original.proto === 6);
    expect(entries).toHaveLength(1);
    const line = conntrackLine(entries[0] as (typeof entries)[number]);
    expect(line).toMatch(
      /src=10\.244\.1\.2 dst=10\.96\.0\.80 sport=\d+ dport=80 src=10\.244\.2\.\d dst=10\.244\.1\.2 sport=8080/,
    );
    const back = r.hops.find(
      (h) => h.kind === "deliver" && h.flow === "reply" && h.netns === "pod-a",
    );
    const d = back?.packet as Datagram;
    expect(formatIpv4(d.src)).toBe(CLUSTER_IP);
    expect(d.l4.kind === "tcp" && d.l4.sport).toBe(80);
    expect(
      r.hops.some(
        (h) =>
          h.kind === "nat" &&
          h.flow === "reply" &&
          h.netns === "node1" &&
          h.text.includes("source rewritten back"),
      ),
    ).toBe(true);
  });

  test("pod A's packet is not masqueraded: the endpoint sees 10.244.1.2", () => {
    expect(formatIpv4(deliveredPacket(r, "request").src)).toBe("10.244.1.2");
  });

  test("node1's own connection is marked and masqueraded", () => {
    const own = connect(w, "node1", CLUSTER_IP);
    expect(own.reply.delivered).toBe(true);
    const dnat = own.hops.find(
      (h) => h.kind === "nat" && h.flow === "request" && h.text.includes("DNAT"),
    );
    expect(dnat?.text).toContain("KUBE-MARK-MASQ");
    expect(
      own.hops.some((h) => h.kind === "nat" && h.text.includes("MASQUERADE 192.168.1.11")),
    ).toBe(true);
  });
});

describe("lesson 10: ping to the ClusterIP", () => {
  test("matches no rule, leaves node1 with its destination untranslated and dies at the router", () => {
    const r = ping(world(), "pod-a", CLUSTER_IP);
    const nat = r.hops.filter((h) => h.kind === "nat" && h.flow === "request" && !h.error);
    expect(nat.some((h) => h.text.includes("DNAT"))).toBe(false);
    // Flannel's FLANNEL-POSTRTG masquerades the source, as for anything leaving the pod network.
    expect(nat.map((h) => h.rule?.chain)).toEqual(["FLANNEL-POSTRTG"]);
    expect(r.request.drop).toMatchObject({ netns: "router", reason: "no-route" });
    expect(routeAt(r, "node1")).toBe("default via 192.168.1.1 dev eth0");
  });
});

describe("lesson 10: the fix step, the PREROUTING jump deleted on node1", () => {
  const fix = exercise(lesson, "restore-service-portals");
  const changes = fix.scenario.changes;

  test("breaks pod A's connections at the router, while node1's own and pod A's direct ones work", () => {
    const w = world(changes);
    expect(w.refused).toEqual([]);
    const r = connect(w, "pod-a", CLUSTER_IP);
    expect(r.request.drop).toMatchObject({ netns: "router", reason: "no-route" });
    expect(r.request.drop?.reported).toBe("connect: Network is unreachable");
    expect(connect(w, "node1", CLUSTER_IP).reply.delivered).toBe(true);
    expect(connect(w, "pod-a", "10.244.2.2").reply.delivered).toBe(true);
  });

  test("the reference answer restores the Service", () => {
    const w = world([...changes, ...typedOn("node1", fix.answer)]);
    expect(w.refused).toEqual([]);
    expect(connect(w, "pod-a", CLUSTER_IP).reply.delivered).toBe(true);
  });

  test("the jump added to OUTPUT, or on node2, leaves pod A's packet dying at the router", () => {
    const [output, node2] = fix.wrong;
    for (const wrong of [output, node2]) {
      const w = world([...changes, ...typedOn("node1", wrong?.answer ?? "")]);
      expect(w.refused).toEqual([]);
      expect(connect(w, "pod-a", CLUSTER_IP).request.drop).toMatchObject({
        netns: "router",
        reason: "no-route",
      });
    }
  });

  test("the jump without -t nat is refused: the filter table has no PREROUTING", () => {
    const noTable = fix.wrong[2];
    const { refused } = world([...changes, ...typedOn("node1", noTable?.answer ?? "")]);
    expect(refused.map((e) => e.message).join("\n")).toContain(
      "No chain/target/match by that name",
    );
  });
});

describe("lesson 10 through the lesson engine", () => {
  test("loads without a problem of its own, and every answer is judged as the lesson states", () => {
    expectLessonValidates("services-iptables", 4);
  });
});
