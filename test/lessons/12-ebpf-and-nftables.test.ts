import { describe, expect, test } from "vitest";
import type { Hop, ProbeResult } from "../../src/sim";
import { formatIpv4 } from "../../src/sim/ipv4";
import type { Datagram } from "../../src/sim/walk/packet";
import { replaced } from "../shell/helpers";
import {
  connect,
  expectBuilt,
  expectLessonValidates,
  lessonClusterText,
  ping,
  show,
  textCluster,
} from "./helpers";

// What lesson 12 (ebpf-and-nftables) tells the learner, checked against the simulator: Cilium's
// Services in BPF maps with no iptables rule, the socket LB translating in pod A and the
// per-packet LB on node1's lxc device, nftables mode's verdict map, the rule counts of both
// proxy-mode exercises, and a ping to the ClusterIP under the kube-proxy replacement.

const SOCKET_LB = lessonClusterText("12-cilium-socket-lb.yaml");
const PER_PACKET = lessonClusterText("12-cilium-per-packet.yaml");
const KUBE_PROXY = lessonClusterText("12-cilium-kube-proxy.yaml");
const NFTABLES = lessonClusterText("12-web-nftables.yaml");
const MANY = lessonClusterText("12-many-services.yaml");

const CLUSTER_IP = "10.96.0.80";
const POD_B = "10.244.1.68";

/** A cluster file's text, built without an error. */
const world = (cluster: string) => expectBuilt(textCluster(cluster));

/** `ADDRESS:PORT` of a datagram's destination. */
function destination(hop: Hop | undefined): string {
  const d = hop?.packet as Datagram;
  return `${formatIpv4(d.dst)}:${d.l4.kind === "tcp" ? d.l4.dport : ""}`;
}

/** The eBPF runs of a direction, as `program@netns`. */
function programs(r: ProbeResult, flow: "request" | "reply"): string[] {
  return r.hops
    .filter((h) => h.kind === "ebpf" && h.flow === flow)
    .map((h) => `${h.ebpf?.program}@${h.netns}`);
}

describe("lesson 12: Cilium's kube-proxy replacement with socket LB", () => {
  const w = world(SOCKET_LB);
  const r = connect(w, "pod-a", CLUSTER_IP);

  test("no iptables rule exists, and cilium-dbg bpf lb list shows web with pod B as its backend", () => {
    expect(show(w, "node1", "iptables-save")).toBe("");
    expect(show(w, "node1", "nft list ruleset")).toBe("");
    const lb = show(w, "node1", "cilium-dbg bpf lb list");
    expect(lb).toMatch(
      /10\.96\.0\.80:80\/TCP \(0\)\s+0\.0\.0\.0:0 \(1\) \(0\) \[ClusterIP, non-routable\]/,
    );
    expect(lb).toMatch(/10\.96\.0\.80:80\/TCP \(1\)\s+10\.244\.1\.68:8080\/TCP/);
    expect(show(w, "pod-b", "ip addr")).toContain(`inet ${POD_B}/32`);
  });

  test("cil_sock4_connect in pod A swaps the ClusterIP before the first packet, which leaves addressed to pod B", () => {
    const first = r.hops[0];
    expect(first).toMatchObject({ kind: "ebpf", netns: "pod-a" });
    expect(first?.ebpf).toMatchObject({ program: "cil_sock4_connect", hook: "cgroup/connect4" });
    expect(first?.text).toContain(`service 10.96.0.80:80 → backend ${POD_B}:8080 (socket-level LB`);
    const sent = r.hops.find((h) => h.kind === "send" && h.flow === "request");
    expect(destination(sent)).toBe(`${POD_B}:8080`);
    // After connect(): every packet of the request carries pod B's address.
    const request = r.hops.slice(1).filter((h) => h.flow === "request" && "l4" in h.packet);
    expect(request.every((h) => formatIpv4((h.packet as Datagram).dst) !== CLUSTER_IP)).toBe(true);
  });

  test("getpeername shows the application the ClusterIP; no rule is evaluated, only map lookups", () => {
    expect(r.reply).toMatchObject({ delivered: true, netns: "pod-a" });
    expect(programs(r, "reply")).toContain("cil_sock4_getpeername@pod-a");
    expect(r.rulesEvaluated).toBe(0);
    expect(r.mapLookups).toBeGreaterThan(0);
  });

  test("a ping gets no socket program, passes bpf_lxc to the kernel and dies at the router", () => {
    const echo = ping(w, "pod-a", CLUSTER_IP);
    expect(programs(echo, "request").some((p) => p.startsWith("cil_sock4"))).toBe(false);
    expect(
      echo.hops.some(
        (h) => h.ebpf?.program === "cil_from_container" && h.text.includes("passed to the kernel"),
      ),
    ).toBe(true);
    expect(echo.request.drop).toMatchObject({ netns: "router", reason: "no-route" });
  });
});

describe("lesson 12: per-packet LB with socketLB.hostNamespaceOnly", () => {
  const r = connect(world(PER_PACKET), "pod-a", CLUSTER_IP);

  test("the socket program leaves pod A's socket alone: the SYN leaves addressed to the ClusterIP", () => {
    expect(r.hops[0]?.ebpf?.program).toBe("cil_sock4_connect");
    expect(r.hops[0]?.text).toContain("socket LB serves the host namespace only");
    const sent = r.hops.find((h) => h.kind === "send" && h.flow === "request");
    expect(destination(sent)).toBe(`${CLUSTER_IP}:80`);
  });

  test("cil_from_container on node1's lxc device rewrites the destination to pod B", () => {
    const lb = r.hops.find((h) => h.text.includes("per-packet LB"));
    expect(lb).toMatchObject({ kind: "ebpf", netns: "node1" });
    expect(lb?.dev).toMatch(/^lxc/);
    expect(lb?.ebpf?.program).toBe("cil_from_container");
    expect(lb?.text).toContain(`service 10.96.0.80:80 → backend ${POD_B}:8080 (per-packet LB`);
  });

  test("cil_lxc_policy restores the reply's source through the reverse NAT map, with no rule evaluated", () => {
    expect(r.reply).toMatchObject({ delivered: true, netns: "pod-a" });
    const revnat = r.hops.find((h) => h.flow === "reply" && h.text.includes("reverse NAT"));
    expect(revnat?.ebpf?.program).toBe("cil_lxc_policy");
    expect(revnat?.text).toContain(`source ${POD_B}:8080 → 10.96.0.80:80`);
    expect(r.rulesEvaluated).toBe(0);
  });
});

describe("lesson 12: kube-proxy's nftables mode", () => {
  const w = world(NFTABLES);
  const table = show(w, "node1", "nft list ruleset");

  test("the services chain is one verdict-map lookup, and service-ips sends 10.96.0.80 . tcp . 80 to web's chain", () => {
    expect(table).toContain(
      "chain services {\n\t\tip daddr . meta l4proto . th dport vmap @service-ips\n",
    );
    expect(table).toContain(
      "elements = { 10.96.0.80 . tcp . 80 : goto service-PFISGYVC-default/web/tcp/ }",
    );
  });

  test("numgen random mod 2 picks an endpoint chain, which DNATs to the pod", () => {
    expect(table).toMatch(
      /numgen random mod 2 vmap \{ 0 : goto endpoint-\S+__10\.244\.2\.2\/8080, 1 : goto endpoint-\S+__10\.244\.2\.3\/8080 \}/,
    );
    expect(table).toContain("meta l4proto tcp dnat to 10.244.2.3:8080");
  });

  test("a connection is translated on node1 before routing", () => {
    const r = connect(w, "pod-a", CLUSTER_IP);
    expect(r.reply.delivered).toBe(true);
    const node1 = r.hops.filter((h) => h.netns === "node1" && h.flow === "request");
    const nat = node1.findIndex((h) => h.kind === "nat" && h.text.includes("vmap @service-ips"));
    const route = node1.findIndex((h) => h.kind === "route");
    expect(nat).toBeGreaterThanOrEqual(0);
    expect(route).toBeGreaterThan(nat);
  });

  test("cluster-ips-check rejects a ping: Destination Port Unreachable", () => {
    expect(table).toContain(
      'ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"',
    );
    const r = ping(w, "pod-a", CLUSTER_IP);
    expect(r.request.drop).toMatchObject({ netns: "node1", reason: "netfilter-reject" });
    expect(r.request.drop?.reported).toContain("Destination Port Unreachable");
  });
});

describe("lesson 12: rules on the path on the Cilium cluster, per proxy mode", () => {
  test("every mode serves web, and only the kube-proxy replacement meets no rule: 0, against 33, 34 and 32", () => {
    const counts: Record<string, number> = {};
    for (const mode of ["ebpf", "nftables", "ipvs", "iptables"]) {
      const w = world(replaced(KUBE_PROXY, "mode: iptables", `mode: ${mode}`));
      const r = connect(w, "pod-a", CLUSTER_IP);
      expect(r.reply.delivered).toBe(true);
      counts[mode] = r.rulesEvaluated;
    }
    expect(counts).toEqual({ ebpf: 0, nftables: 33, ipvs: 34, iptables: 32 });
  });
});

describe("lesson 12: rules evaluated with 150 Services", () => {
  const nftables = replaced(MANY, "mode: iptables", "mode: nftables");
  const alone = (text: string) => text.replace(/^ {2}- \{name: svc-.*\n/gm, "");

  test("iptables mode: web's rule is the 150th of KUBE-SERVICES and the connection costs 967 rules", () => {
    const w = world(MANY);
    const services = show(w, "node1", "iptables-save -t nat")
      .split("\n")
      .filter((l) => l.startsWith("-A KUBE-SERVICES -d "));
    expect(services).toHaveLength(150);
    expect(services[149]).toContain("-d 10.96.0.80/32");
    expect(connect(w, "pod-a", CLUSTER_IP).rulesEvaluated).toBe(967);
  });

  test("nftables mode: 104 rules and 34 map lookups, the same as with web alone", () => {
    expect(alone(nftables)).not.toContain("svc-001");
    for (const text of [nftables, alone(nftables)]) {
      const r = connect(world(text), "pod-a", CLUSTER_IP);
      expect(r.reply.delivered).toBe(true);
      expect([r.rulesEvaluated, r.mapLookups]).toEqual([104, 34]);
    }
  });
});

describe("lesson 12 through the lesson engine", () => {
  test("loads without a problem of its own, and every answer is judged as the lesson states", () => {
    expectLessonValidates("ebpf-and-nftables", 5);
  });
});
