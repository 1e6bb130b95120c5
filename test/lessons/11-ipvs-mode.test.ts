import { describe, expect, test } from "vitest";
import type { Datagram } from "../../src/sim/walk/packet";
import { replaced } from "../shell/helpers";
import {
  connect,
  exercise,
  expectBuilt,
  expectLessonValidates,
  lessonClusterText,
  loadLesson,
  ping,
  show,
  textCluster,
  typedOn,
} from "./helpers";

// What lesson 11 (ipvs-mode) tells the learner, checked against the simulator: kube-ipvs0 and
// the local ClusterIP, the ipvsadm listing, IPVS translating at node1's INPUT, KUBE-IPVS-FILTER
// rejecting a ping, the fix step's scenario and answers, IPVS's tunnel mode, and the rule counts
// of the scale exercise.

const WEB = lessonClusterText("11-web-ipvs.yaml");
const MANY = lessonClusterText("11-many-services.yaml");
const lesson = loadLesson("ipvs-mode");

const CLUSTER_IP = "10.96.0.80";

/** A cluster file's world (built without an error) with `lines` (script lines, each naming its namespace) run after it. */
const world = (cluster: string, lines: readonly string[] = []) =>
  expectBuilt(textCluster(cluster, lines));

describe("lesson 11: where the ClusterIP lives in IPVS mode", () => {
  const w = world(WEB);

  test("kube-ipvs0 is a dummy device, down, holding 10.96.0.80/32 on both nodes", () => {
    for (const node of ["node1", "node2"]) {
      const link = show(w, node, "ip -d link show kube-ipvs0");
      expect(link).toContain("state DOWN");
      expect(link).toContain("dummy");
      expect(show(w, node, "ip addr show kube-ipvs0")).toContain(
        "inet 10.96.0.80/32 scope global kube-ipvs0",
      );
    }
  });

  test("for node1 the ClusterIP is local: ip route get answers local … dev lo", () => {
    expect(show(w, "node1", `ip route get ${CLUSTER_IP}`)).toMatch(/^local 10\.96\.0\.80 dev lo /);
  });

  test("ipvsadm -Ln lists the virtual service with rr and both endpoints as Masq real servers of weight 1", () => {
    const table = show(w, "node1", "ipvsadm -Ln");
    expect(table).toContain("TCP  10.96.0.80:80 rr");
    expect(table).toMatch(/-> 10\.244\.2\.2:8080\s+Masq\s+1\s+0\s+0/);
    expect(table).toMatch(/-> 10\.244\.2\.3:8080\s+Masq\s+1\s+0\s+0/);
  });

  test("the iptables rules match ipsets, not Services: no rule names the ClusterIP", () => {
    const nat = show(w, "node1", "iptables-save -t nat");
    expect(nat).not.toContain(CLUSTER_IP);
    expect(nat).toContain(
      '-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ',
    );
  });

  test("a connection to web is delivered locally on node1, then IPVS masquerades it to a real server", () => {
    const r = connect(w, "pod-a", CLUSTER_IP);
    expect(["pod-b", "pod-c"]).toContain(r.request.netns);
    expect(r.reply.delivered).toBe(true);
    const node1 = r.hops.filter((h) => h.netns === "node1" && h.flow === "request");
    const local = node1.findIndex((h) => h.text.startsWith("10.96.0.80 is a local address"));
    const ipvs = node1.findIndex((h) => h.kind === "ipvs" && h.text.includes("masquerade (NAT)"));
    expect(local).toBeGreaterThanOrEqual(0);
    expect(ipvs).toBeGreaterThan(local);
    expect(node1.some((h) => h.kind === "nat" && h.text.includes("DNAT"))).toBe(false);
  });
});

describe("lesson 11: ping to the ClusterIP in IPVS mode", () => {
  const w = world(WEB);
  const r = ping(w, "pod-a", CLUSTER_IP);

  test("the filter table's INPUT jumps to KUBE-IPVS-FILTER first", () => {
    const input = show(w, "node1", "iptables-save -t filter")
      .split("\n")
      .filter((l) => l.startsWith("-A INPUT "));
    expect(input[0]).toContain("-j KUBE-IPVS-FILTER");
  });

  test("is rejected on node1 by KUBE-IPVS-FILTER before IPVS sees it: Destination Port Unreachable from the ClusterIP", () => {
    expect(r.request.drop).toMatchObject({ netns: "node1", reason: "netfilter-reject" });
    expect(r.request.drop?.message).toContain(
      "-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT",
    );
    expect(r.request.drop?.reported).toBe(
      "From 10.96.0.80 icmp_seq=1 Destination Port Unreachable",
    );
    expect(r.hops.some((h) => h.kind === "ipvs" && h.flow === "request")).toBe(false);
    expect(r.hops.some((h) => h.netns === "router")).toBe(false);
  });
});

describe("lesson 11: the fix step, the ClusterIP gone from node1's kube-ipvs0", () => {
  const fix = exercise(lesson, "restore-kube-ipvs0-address");
  const changes = fix.scenario.changes;

  test("pod A's connections die at the router while ipvsadm still lists the service", () => {
    const w = world(WEB, changes);
    expect(w.refused).toEqual([]);
    const r = connect(w, "pod-a", CLUSTER_IP);
    expect(r.request.drop).toMatchObject({ netns: "router", reason: "no-route" });
    expect(r.request.drop?.reported).toBe("connect: Network is unreachable");
    expect(show(w, "node1", "ipvsadm -Ln")).toContain("TCP  10.96.0.80:80 rr");
  });

  test("the reference answer brings IPVS back on the path", () => {
    const w = world(WEB, [...changes, ...typedOn("node1", fix.answer)]);
    expect(w.refused).toEqual([]);
    const r = connect(w, "pod-a", CLUSTER_IP);
    expect(r.reply.delivered).toBe(true);
    expect(r.hops.some((h) => h.kind === "ipvs" && h.netns === "node1")).toBe(true);
  });

  test("setting kube-ipvs0 up changes nothing; a route to it and the address on node2 are refused", () => {
    const [up, route, node2] = fix.wrong;
    const afterUp = world(WEB, [...changes, ...typedOn("node1", up?.answer ?? "")]);
    expect(afterUp.refused).toEqual([]);
    expect(connect(afterUp, "pod-a", CLUSTER_IP).request.drop).toMatchObject({
      netns: "router",
      reason: "no-route",
    });
    expect(
      world(WEB, [...changes, ...typedOn("node1", route?.answer ?? "")]).refused.map(
        (e) => e.message,
      ),
    ).toEqual(["Error: Device for nexthop is not up."]);
    expect(
      world(WEB, [...changes, ...typedOn("node1", node2?.answer ?? "")])
        .refused.map((e) => e.message)
        .join("\n"),
    ).toContain("Address already assigned");
  });
});

describe("lesson 11: a real server in tunnel mode", () => {
  const predict = exercise(lesson, "tunnel-first-header");
  const w = world(WEB, predict.scenario.changes);

  test("the changes apply and ipvsadm shows pod B on port 80 as Tunnel", () => {
    expect(w.refused).toEqual([]);
    const table = show(w, "node1", "ipvsadm -Ln");
    expect(table).toMatch(/-> 10\.244\.2\.2:80\s+Tunnel\s+1/);
    expect(table).not.toContain("Masq");
  });

  test("IPVS wraps the packet in IP-in-IP first, flannel.1 in VXLAN second, and pod B drops it", () => {
    const r = connect(w, "pod-a", CLUSTER_IP);
    const encaps = r.hops.filter((h) => h.kind === "encap" && h.flow === "request" && !h.error);
    expect(encaps.map((h) => h.dev)).toEqual(["flannel.1", "flannel.1"]);
    expect(encaps[0]?.text).toContain("IPVS: IP-in-IP to real server 10.244.2.2");
    expect(encaps[1]?.text).toContain("encapsulated in UDP 8472");
    const outer = encaps[0]?.packet as Datagram;
    expect(outer.l4.kind).toBe("ipip");
    expect(r.request.drop).toMatchObject({ netns: "pod-b", reason: "unsupported" });
  });
});

describe("lesson 11: rules evaluated with 100 Services", () => {
  const ipvs = replaced(MANY, "mode: iptables", "mode: ipvs");
  const rules = (cluster: string, to = CLUSTER_IP) =>
    connect(world(cluster), "pod-a", to).rulesEvaluated;

  test("iptables mode: web's rule is the last of 100 in KUBE-SERVICES, and the connection costs 667 rules", () => {
    const w = world(MANY);
    const services = show(w, "node1", "iptables-save -t nat")
      .split("\n")
      .filter((l) => l.startsWith("-A KUBE-SERVICES -d "));
    expect(services).toHaveLength(100);
    expect(services[99]).toContain("-d 10.96.0.80/32");
    const r = connect(w, "pod-a", CLUSTER_IP);
    expect(r.reply.delivered).toBe(true);
    expect(r.rulesEvaluated).toBe(667);
  });

  test("IPVS mode: 104 rules, the same as with web alone", () => {
    expect(rules(ipvs)).toBe(104);
    const alone = ipvs.replace(/^ {2}- \{name: svc-.*\n/gm, "");
    expect(alone).not.toContain("svc-001");
    expect(rules(alone)).toBe(104);
  });

  test("in iptables mode even a pod-to-pod connection walks the Services' rules", () => {
    const alone = MANY.replace(/^ {2}- \{name: svc-.*\n/gm, "");
    expect(rules(MANY, "10.244.2.2")).toBeGreaterThan(rules(alone, "10.244.2.2") + 500);
  });
});

describe("lesson 11 through the lesson engine", () => {
  test("loads without a problem of its own, and every answer is judged as the lesson states", () => {
    expectLessonValidates("ipvs-mode", 4);
  });
});
