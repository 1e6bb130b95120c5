import { describe, expect, test } from "vitest";
import { type ProbeResult, probe, runCluster, runShow } from "../../src/sim";
import { formatIpv4 } from "../../src/sim/ipv4";
import type { Datagram } from "../../src/sim/walk/packet";
import { buildCluster, exampleCluster } from "./helpers";

const EXAMPLE = exampleCluster("services-ipvs");

function run(
  cluster: { world: Parameters<typeof probe>[0] },
  from: string,
  to: string,
  proto: "icmp" | "tcp",
  dport = 80,
): ProbeResult {
  const r = probe(cluster.world, { from, to, proto, dport });
  if ("error" in r) throw new Error(r.error);
  return r;
}

/** The cluster with `lines` appended to its script (a change made by hand on a node). */
function withLines(lines: string[]) {
  const built = buildCluster(EXAMPLE);
  const { world, setupErrors } = runCluster({
    script: `${built.script}${lines.map((l) => `${l}\n`).join("")}`,
    datapath: built.datapath,
    programs: built.programs,
    prefix: built.prefix,
  });
  expect(setupErrors).toEqual([]);
  return { world };
}

/** The datagram delivered in a namespace for the request or the reply. */
function delivered(r: ProbeResult, netns: string, flow: "request" | "reply"): Datagram {
  const hop = r.hops.find((h) => h.kind === "deliver" && h.netns === netns && h.flow === flow);
  if (!hop) throw new Error(`nothing delivered in ${netns} (${flow})`);
  return hop.packet as Datagram;
}

function ports(d: Datagram): string {
  return d.l4.kind === "tcp"
    ? `${formatIpv4(d.src)}:${d.l4.sport} → ${formatIpv4(d.dst)}:${d.l4.dport}`
    : "";
}

/** The example with `extra` more Services selecting pod-b, on ports 81, 82, … */
function withServices(extra: number): string {
  let yaml = EXAMPLE;
  for (let i = 0; i < extra; i++)
    yaml += `  - name: extra-${i}\n    selector:\n      app: web\n    ports:\n      - port: ${81 + (i % 1000)}\n        targetPort: 8080\n`;
  return yaml;
}

describe("kube-proxy's IPVS mode on the services-ipvs example", () => {
  const cluster = buildCluster(EXAMPLE);

  test("the cluster file builds without a refused line", () => {
    expect(cluster.setupErrors).toEqual([]);
  });

  test("TCP from pod-a to the ClusterIP reaches pod-b:8080, and the reply comes back from the ClusterIP", () => {
    const r = run(cluster, "pod-a", "10.96.0.80", "tcp");
    expect(r.request).toMatchObject({ delivered: true, netns: "pod-b" });
    expect(r.reply).toMatchObject({ delivered: true, netns: "pod-a" });
    expect(ports(delivered(r, "pod-b", "request"))).toMatch(
      /^10\.244\.1\.2:\d+ → 10\.244\.2\.2:8080$/,
    );
    expect(ports(delivered(r, "pod-a", "reply"))).toMatch(/^10\.96\.0\.80:80 → 10\.244\.1\.2:\d+$/);
  });

  test("the translation is IPVS's, at node1's INPUT, not an iptables DNAT", () => {
    const r = run(cluster, "pod-a", "10.96.0.80", "tcp");
    const node1 = r.hops.filter((h) => h.netns === "node1" && h.flow === "request");
    expect(node1.some((h) => h.kind === "nat")).toBe(false);
    const texts = node1.map((h) => h.text);
    const local = texts.indexOf("10.96.0.80 is a local address: deliver to this namespace (INPUT)");
    const ipvs = texts.indexOf(
      "IPVS: virtual service TCP 10.96.0.80:80 (rr) → real server 10.244.2.2:8080, masquerade (NAT)",
    );
    expect(local).toBeGreaterThanOrEqual(0);
    expect(ipvs).toBeGreaterThan(local);
    // The reply is un-NATed by IPVS's connection entry as node1 forwards it back.
    const back = r.hops.find((h) => h.kind === "ipvs" && h.flow === "reply");
    expect(back?.netns).toBe("node1");
    expect(back?.text).toContain("source rewritten back to 10.96.0.80:80 (ip_vs_out)");
  });

  test("IPVS's hash lookups are counted, and stay the same with 1000 Services as with 10", () => {
    const counts = [10, 1000].map((n) => {
      const r = run(buildCluster(withServices(n - 1)), "pod-a", "10.96.0.80", "tcp");
      expect(r.request.delivered && r.reply.delivered).toBe(true);
      return { maps: r.mapLookups, rules: r.rulesEvaluated };
    });
    expect(counts[0]?.maps).toBeGreaterThan(0);
    expect(counts[1]).toEqual(counts[0]);
  });

  test("ping to the ClusterIP reaches node1 itself (kube-ipvs0's address is local), where KUBE-IPVS-FILTER rejects it", () => {
    const r = run(cluster, "pod-a", "10.96.0.80", "icmp");
    expect(r.request.drop).toMatchObject({
      netns: "node1",
      reason: "netfilter-reject",
      reported: "From 10.96.0.80 icmp_seq=1 Destination Port Unreachable",
    });
    expect(r.hops.map((h) => h.text)).toContain(
      "10.96.0.80 is a local address: deliver to this namespace (INPUT)",
    );
  });

  test("without KUBE-IPVS-FILTER's REJECT (kube-proxy before 1.25), node1 answers the ping itself", () => {
    const patched = withLines([
      "ip netns exec node1 iptables -D KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT",
    ]);
    const r = run(patched, "pod-a", "10.96.0.80", "icmp");
    expect(r.request).toMatchObject({ delivered: true, netns: "node1" });
    expect(r.reply).toMatchObject({ delivered: true, netns: "pod-a" });
    expect(r.hops.find((h) => h.kind === "ipvs")?.text).toBe(
      "IPVS lets it pass: ICMP is not a protocol IPVS balances (TCP, UDP and SCTP are), and 10.96.0.80 (an address of kube-ipvs0) is this namespace's own address",
    );
    expect(formatIpv4(delivered(r, "pod-a", "reply").src)).toBe("10.96.0.80");
  });

  test("kube-ipvs0 is a dummy device, left down, holding the ClusterIP as a /32", () => {
    const out = runShow(cluster.world, "node1", ["ip", "addr", "show", "kube-ipvs0"]).output;
    expect(out).toMatch(/kube-ipvs0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN/);
    expect(out).toContain("inet 10.96.0.80/32 scope global kube-ipvs0");
  });

  test("ipvsadm -Ln on node1 prints the virtual service and its real server as ipvsadm does", () => {
    expect(runShow(cluster.world, "node1", ["ipvsadm", "-Ln"]).output).toBe(
      [
        "IP Virtual Server version 1.2.1 (size=4096)",
        "Prot LocalAddress:Port Scheduler Flags",
        "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
        "TCP  10.96.0.80:80 rr",
        "  -> 10.244.2.2:8080              Masq    1      0          0         ",
        "",
      ].join("\n"),
    );
  });

  test("the node reaching its own ClusterIP is masqueraded (its source would be the ClusterIP)", () => {
    const r = run(cluster, "node1", "10.96.0.80", "tcp");
    expect(r.request).toMatchObject({ delivered: true, netns: "pod-b" });
    expect(r.reply).toMatchObject({ delivered: true, netns: "node1" });
    // flannel.1's address, the masquerade's choice toward 10.244.2.0.
    expect(formatIpv4(delivered(r, "pod-b", "request").src)).toBe("10.244.1.0");
  });

  test("with net.ipv4.vs.conntrack=0 the nat table never sees IPVS's packets: unmasqueraded, node2 drops them as martians", () => {
    const patched = withLines(["ip netns exec node1 sysctl -w net.ipv4.vs.conntrack=0"]);
    const r = run(patched, "node1", "10.96.0.80", "tcp");
    expect(r.hops.some((h) => h.kind === "nat" && h.netns === "node1")).toBe(false);
    // Its source is still the ClusterIP, which node2's kube-ipvs0 holds too.
    expect(r.request.drop).toMatchObject({ netns: "node2", reason: "martian-source" });
  });

  test("a pod reaching its own Service through the ClusterIP is masqueraded by KUBE-LOOP-BACK", () => {
    const r = run(cluster, "pod-b", "10.96.0.80", "tcp");
    expect(r.request).toMatchObject({ delivered: true, netns: "pod-b" });
    expect(formatIpv4(delivered(r, "pod-b", "request").src)).toBe("10.244.2.1");
    expect(r.reply).toMatchObject({ delivered: true, netns: "pod-b" });
  });
});

describe("kube-proxy's IPVS mode with the endpoint on the client's own node", () => {
  const sameNode = EXAMPLE.replace(
    "  - name: pod-b\n    node: node2",
    "  - name: pod-b\n    node: node1",
  );

  test("the reply, bridged from pod to pod, gets its ClusterIP source back through br_netfilter's FORWARD", () => {
    const r = run(buildCluster(sameNode), "pod-a", "10.96.0.80", "tcp");
    expect(r.reply).toMatchObject({ delivered: true, netns: "pod-a" });
    const back = r.hops.find((h) => h.kind === "ipvs" && h.flow === "reply");
    expect([back?.netns, back?.dev]).toEqual(["node1", "cni0"]);
  });

  test("without bridge-nf-call-iptables nothing translates that reply: kube-proxy's warning about br_netfilter", () => {
    const built = buildCluster(sameNode);
    const { world, setupErrors } = runCluster({
      script: `${built.script}ip netns exec node1 sysctl -w net.bridge.bridge-nf-call-iptables=0\n`,
      datapath: built.datapath,
      programs: built.programs,
      prefix: built.prefix,
    });
    expect(setupErrors).toEqual([]);
    const r = run({ world }, "pod-a", "10.96.0.80", "tcp");
    expect(r.request).toMatchObject({ delivered: true, netns: "pod-b" });
    expect(r.reply.drop?.reason).toBe("no-socket");
  });
});

describe("kube-proxy's IPVS mode, Service by Service", () => {
  test("a Service without endpoints: IPVS answers port unreachable, the client hears connection refused", () => {
    const yaml = `${EXAMPLE}  - name: empty\n    clusterIP: 10.96.0.90\n    selector:\n      app: nothing\n    ports:\n      - port: 80\n`;
    const r = run(buildCluster(yaml), "pod-a", "10.96.0.90", "tcp");
    expect(r.request.drop).toMatchObject({
      netns: "node1",
      reason: "ipvs-no-destination",
      reported: "connect: Connection refused",
    });
  });

  test("sessionAffinity ClientIP makes the virtual service persistent for 10800 seconds", () => {
    const yaml = EXAMPLE.replace(
      "    selector:\n",
      "    sessionAffinity: ClientIP\n    selector:\n",
    );
    const c = buildCluster(yaml);
    expect(runShow(c.world, "node1", ["ipvsadm", "-Ln"]).output).toContain(
      "TCP  10.96.0.80:80 rr persistent 10800\n",
    );
    expect(run(c, "pod-a", "10.96.0.80", "tcp").reply.delivered).toBe(true);
  });

  test("the configured scheduler is every virtual service's", () => {
    const c = buildCluster(EXAMPLE.replace("  mode: ipvs", "  mode: ipvs\n  scheduler: sh"));
    expect(runShow(c.world, "node2", ["ipvsadm", "-Ln"]).output).toContain(
      "TCP  10.96.0.80:80 sh\n",
    );
  });

  test("a NodePort Service is a virtual service on the node's address; outside traffic is masqueraded", () => {
    const yaml = EXAMPLE.replace(
      "    clusterIP: 10.96.0.80\n",
      "    type: NodePort\n    clusterIP: 10.96.0.80\n",
    ).replace("        targetPort: 8080\n", "        targetPort: 8080\n        nodePort: 30080\n");
    const c = buildCluster(yaml);
    expect(c.setupErrors).toEqual([]);
    expect(runShow(c.world, "node1", ["ipvsadm", "-Ln"]).output).toContain(
      "TCP  192.168.1.11:30080 rr\n  -> 10.244.2.2:8080              Masq    1      0          0         \nTCP  10.96.0.80:80 rr\n",
    );
    const r = run(c, "router", "192.168.1.11", "tcp", 30080);
    expect(r.request).toMatchObject({ delivered: true, netns: "pod-b" });
    // KUBE-NODE-PORT marked it; KUBE-POSTROUTING masqueraded it out of flannel.1.
    expect(formatIpv4(delivered(r, "pod-b", "request").src)).toBe("10.244.1.0");
    expect(r.reply).toMatchObject({ delivered: true, netns: "router" });
    expect(ports(delivered(r, "router", "reply"))).toMatch(
      /^192\.168\.1\.11:30080 → 192\.168\.1\.1:\d+$/,
    );
  });
});
