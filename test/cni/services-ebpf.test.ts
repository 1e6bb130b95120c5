import { describe, expect, test } from "vitest";
import { parse, stringify } from "yaml";
import { clusterFileScript, type ProbeResult, probe, runShow } from "../../src/sim";
import { loadCluster } from "../../src/sim/cluster/load";
import { formatIpv4 } from "../../src/sim/ipv4";
import { formatCtList } from "../../src/sim/render/cilium";
import type { Hop } from "../../src/sim/walk/hop";
import type { Datagram, Frame } from "../../src/sim/walk/packet";
import { buildCluster, exampleCluster, podIp } from "./helpers";

type Cluster = ReturnType<typeof buildCluster>;

const EXAMPLE = exampleCluster("services-ebpf");
const VIP = "10.96.0.80";

/** The parts of a cluster file the tests change. */
interface ClusterYaml {
  cni: Record<string, unknown>;
  kubeProxy: Record<string, unknown>;
  services: Record<string, unknown>[];
}

/** The example with changes made to its parsed form; `svc` is its one Service. */
function variant(change: (file: ClusterYaml, svc: Record<string, unknown>) => void): string {
  const file = parse(EXAMPLE) as ClusterYaml;
  const [svc] = file.services;
  if (!svc) throw new Error("the example has no Service");
  change(file, svc);
  return stringify(file);
}

/** Socket LB for the nodes' own sockets only: pods' traffic is balanced per packet at bpf_lxc. */
const PER_PACKET = variant((f) => {
  f.cni.socketLB = { hostNamespaceOnly: true };
});

function send(
  c: Cluster,
  to: string,
  proto: "tcp" | "udp" | "icmp",
  dport = 80,
  from = "pod-a",
): ProbeResult {
  const r = probe(c.world, { from, to, proto, dport });
  if ("error" in r) throw new Error(r.error);
  return r;
}

function ip(p: Frame | Datagram): Datagram {
  return "ip" in p ? p.ip : p;
}

function ebpfHops(hops: readonly Hop[], flow: Hop["flow"], program: string): Hop[] {
  return hops.filter((h) => h.kind === "ebpf" && h.flow === flow && h.ebpf?.program === program);
}

/** The map lookups the hops name (updates are marked, the tunnel key is no map). */
function lookupsShown(hops: readonly Hop[]): number {
  return hops
    .flatMap((h) => h.ebpf?.maps ?? [])
    .filter((m) => m.map !== "tunnel key" && !m.value.endsWith("(update)")).length;
}

describe("Cilium kube-proxy replacement: socket-level load balancing (the default)", () => {
  test("connect() to the ClusterIP is given pod-b's address before any packet exists, and no iptables rule is involved", () => {
    const c = buildCluster(EXAMPLE);
    expect(c.setupErrors).toEqual([]);
    const podB = podIp(c.plan, "pod-b");
    const r = send(c, VIP, "tcp");
    expect(r.request.delivered).toBe(true);
    expect(r.request.netns).toBe("pod-b");
    expect(r.reply.delivered).toBe(true);
    // The first step is the cgroup program, in pod-a, before the socket sends anything.
    const [first, second] = r.hops;
    expect(first?.kind).toBe("ebpf");
    expect(first?.netns).toBe("pod-a");
    expect(first?.ebpf).toMatchObject({
      program: "cil_sock4_connect",
      object: "bpf_sock.o",
      hook: "cgroup/connect4",
      action: "translate",
    });
    expect(first?.text).toContain(
      `cil_sock4_connect (bpf_sock.o) at cgroup connect4: service ${VIP}:80 → backend ${podB}:8080 (socket-level LB`,
    );
    expect(first?.ebpf?.maps.map((m) => m.map)).toEqual([
      "cilium_lb4_services_v2",
      "cilium_lb4_services_v2",
      "cilium_lb4_backends_v3",
      "cilium_lb4_reverse_sk",
      "cilium_lb4_reverse_sk",
    ]);
    // The packet leaves pod-a already addressed to the backend: no request hop carries the VIP.
    expect(second?.kind).toBe("send");
    const sent = ip(second?.packet as Datagram);
    expect(formatIpv4(sent.dst)).toBe(podB);
    expect(sent.l4).toMatchObject({ kind: "tcp", dport: 8080 });
    const carriesVip = r.hops
      .filter((h) => h.flow === "request" && h !== first && "l4" in ip(h.packet))
      .filter((h) => formatIpv4(ip(h.packet).dst) === VIP);
    expect(carriesVip).toEqual([]);
    // No kube-proxy: no netfilter or NAT step, no rule evaluated, no rule on any node.
    expect(r.hops.filter((h) => h.kind === "nat" || h.kind === "netfilter")).toEqual([]);
    expect(r.rulesEvaluated).toBe(0);
    for (const node of ["node1", "node2"])
      expect(runShow(c.world, node, ["iptables-save"]).output).not.toMatch(/^-A /m);
  });

  test("the reply comes from pod-b's address and the socket reports the ClusterIP (getpeername)", () => {
    const c = buildCluster(EXAMPLE);
    const podB = podIp(c.plan, "pod-b");
    const r = send(c, VIP, "tcp");
    const delivered = r.hops.find((h) => h.kind === "deliver" && h.flow === "reply");
    expect(formatIpv4(ip(delivered?.packet as Datagram).src)).toBe(podB);
    const [peer] = ebpfHops(r.hops, "reply", "cil_sock4_getpeername");
    expect(peer?.ebpf?.hook).toBe("cgroup/getpeername4");
    expect(peer?.text).toContain(`getpeername() reports the service ${VIP}:80`);
    expect(formatIpv4(ip(peer?.packet as Datagram).src)).toBe(VIP);
    // Without the socket LB's reverse entry the client would see a stranger: the entry is there.
    expect(peer?.ebpf?.maps[0]).toMatchObject({
      map: "cilium_lb4_reverse_sk",
      value: `${VIP}:80, rev-NAT 1`,
    });
  });

  test("UDP: sendmsg() is translated and recvmsg() shows the answer coming from the ClusterIP", () => {
    const c = buildCluster(
      variant((_, svc) => {
        svc.ports = [{ name: "dns", port: 53, targetPort: 5353, protocol: "UDP" }];
      }),
    );
    const podB = podIp(c.plan, "pod-b");
    const r = send(c, VIP, "udp", 53);
    expect(r.request.delivered).toBe(true);
    expect(r.reply.delivered).toBe(true);
    const [out] = ebpfHops(r.hops, "request", "cil_sock4_sendmsg");
    expect(out?.text).toContain(`service ${VIP}:53 → backend ${podB}:5353 (socket-level LB`);
    // A UDP socket keeps its backend: the slot comes from the socket cookie.
    expect(out?.text).toMatch(/from the socket cookie \d+/);
    const back = ebpfHops(r.hops, "reply", "cil_sock4_recvmsg").find((h) => h.netns === "pod-a");
    expect(back?.text).toContain(`recvmsg() reports it from the service ${VIP}:53`);
  });

  test("a Service without endpoints: connect() fails with No route to host and nothing is sent", () => {
    const c = buildCluster(
      variant((_, svc) => {
        svc.selector = { app: "nothing" };
      }),
    );
    const r = send(c, VIP, "tcp");
    expect(r.request.delivered).toBe(false);
    expect(r.request.drop?.reported).toBe("connect: No route to host");
    expect(r.hops.some((h) => h.kind === "send")).toBe(false);
  });

  test("sessionAffinity ClientIP: the pick is looked up and recorded per network namespace", () => {
    const c = buildCluster(
      variant((_, svc) => {
        svc.sessionAffinity = "ClientIP";
      }),
    );
    const r = send(c, VIP, "tcp");
    expect(r.reply.delivered).toBe(true);
    const affinity = r.hops[0]?.ebpf?.maps.filter((m) => m.map === "cilium_lb4_affinity");
    expect(affinity?.map((m) => m.value)).toEqual(["no entry", "backend 1 (update)"]);
    expect(affinity?.[0]?.key).toBe("netns pod-a, rev-NAT 1");
    expect(runShow(c.world, "node1", ["cilium-dbg", "bpf", "lb", "list"]).output).toContain(
      "[ClusterIP, sessionAffinity, non-routable]",
    );
  });

  test("a ping to the ClusterIP is not translated and goes unanswered (no ICMP service in 1.17)", () => {
    for (const text of [EXAMPLE, PER_PACKET]) {
      const c = buildCluster(text);
      const r = send(c, VIP, "icmp");
      expect(r.request.delivered).toBe(false);
      expect(r.hops.some((h) => h.ebpf?.hook.startsWith("cgroup/"))).toBe(false);
      const lxc = ebpfHops(r.hops, "request", "cil_from_container").find(
        (h) => h.ebpf?.action !== "arp-reply",
      );
      expect(formatIpv4(ip(lxc?.packet as Frame).dst)).toBe(VIP);
      if (text === PER_PACKET) expect(lxc?.text).toContain("ICMP gets no service lookup");
    }
  });

  test("NodePort: a pod's connect() to another node's address and node port is balanced by the socket LB's wildcard lookup", () => {
    const c = buildCluster(
      variant((_, svc) => {
        svc.type = "NodePort";
        svc.ports = [{ port: 80, targetPort: 8080, nodePort: 30080 }];
      }),
    );
    const podB = podIp(c.plan, "pod-b");
    const r = send(c, "192.168.1.12", "tcp", 30080);
    expect(r.request.netns).toBe("pod-b");
    expect(r.reply.delivered).toBe(true);
    const maps = r.hops[0]?.ebpf?.maps ?? [];
    expect(maps.map((m) => `${m.map} ${m.key}`).slice(0, 3)).toEqual([
      "cilium_lb4_services_v2 192.168.1.12:30080/TCP (0)",
      "cilium_ipcache 192.168.1.12",
      "cilium_lb4_services_v2 0.0.0.0:30080/TCP (0)",
    ]);
    expect(r.hops[0]?.text).toContain(`→ backend ${podB}:8080`);
    // From outside the cluster, bpf_host's nodeport_lb4 would take it: that path is not modelled.
    const outside = send(c, "192.168.1.11", "tcp", 30080, "router");
    expect(outside.request.delivered).toBe(false);
    expect(outside.request.drop?.message).toContain(
      "BPF NodePort (nodeport_lb4) is not modelled, the simulator stops here (not a real drop)",
    );
    expect(runShow(c.world, "node1", ["cilium-dbg", "bpf", "lb", "list"]).output).toContain(
      "192.168.1.11:30080/TCP (0)   0.0.0.0:0 (3) (0) [NodePort]",
    );
  });
});

describe("a pod reaching its own Service", () => {
  test("socket LB connects pod-b to itself through lo; the per-packet loopback case is reported as not modelled", () => {
    const r = send(buildCluster(EXAMPLE), VIP, "tcp", 80, "pod-b");
    expect(r.request.netns).toBe("pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(r.hops.find((h) => h.kind === "receive")?.dev).toBe("lo");
    const tc = send(buildCluster(PER_PACKET), VIP, "tcp", 80, "pod-b");
    expect(tc.request.delivered).toBe(false);
    expect(tc.request.drop?.message).toContain("loopback load balancing is not modelled");
  });
});

describe("Cilium kube-proxy replacement with socket LB for the host only: bpf_lxc balances per packet", () => {
  test("cil_from_container translates the ClusterIP at TC, and the client's policy program reverses it on the reply", () => {
    const c = buildCluster(PER_PACKET);
    expect(c.setupErrors).toEqual([]);
    const podB = podIp(c.plan, "pod-b");
    const r = send(c, VIP, "tcp");
    expect(r.request.netns).toBe("pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(r.rulesEvaluated).toBe(0);
    expect(r.hops.filter((h) => h.kind === "nat" || h.kind === "netfilter")).toEqual([]);
    // The socket program runs but leaves pods' sockets alone: the packet leaves for the VIP.
    expect(r.hops[0]?.ebpf).toMatchObject({ program: "cil_sock4_connect", action: "skip" });
    const sent = r.hops.find((h) => h.kind === "send");
    expect(formatIpv4(ip(sent?.packet as Datagram).dst)).toBe(VIP);
    const lxc = ebpfHops(r.hops, "request", "cil_from_container").find(
      (h) => h.ebpf?.action === "encapsulate",
    );
    expect(lxc?.netns).toBe("node1");
    expect(lxc?.text).toContain(
      `service ${VIP}:80 → backend ${podB}:8080 (per-packet LB, lb4_local`,
    );
    expect(lxc?.ebpf?.maps.slice(0, 4).map((m) => m.map)).toEqual([
      "cilium_lb4_services_v2",
      "cilium_ct4_global",
      "cilium_lb4_services_v2",
      "cilium_lb4_backends_v3",
    ]);
    const out = ip(lxc?.packet as Frame);
    expect(formatIpv4(out.dst)).toBe(podB);
    expect(out.l4).toMatchObject({ dport: 8080 });
    // The reply leaves pod-b from its own address; the reverse NAT is node1's, at pod-a's policy.
    const [policy] = ebpfHops(r.hops, "reply", "cil_lxc_policy");
    expect(policy?.netns).toBe("node1");
    expect(policy?.ebpf?.maps.map((m) => m.map)).toContain("cilium_lb4_reverse_nat");
    expect(policy?.text).toContain(`reverse NAT (rev-NAT 1): source ${podB}:8080 → ${VIP}:80`);
    const delivered = r.hops.find((h) => h.kind === "deliver" && h.flow === "reply");
    expect(formatIpv4(ip(delivered?.packet as Datagram).src)).toBe(VIP);
    expect(ebpfHops(r.hops, "reply", "cil_sock4_getpeername")).toEqual([]);
  });

  test("cilium-dbg bpf ct list global shows the service entry and the egress entry with its rev-NAT index", () => {
    const c = buildCluster(PER_PACKET);
    const podA = podIp(c.plan, "pod-a");
    const podB = podIp(c.plan, "pod-b");
    const r = send(c, VIP, "tcp");
    const lines = formatCtList(r.bpfConntrack, "node1").trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(
        `^TCP OUT ${podA}:\\d+ -> ${VIP}:80 service expires=60 RxPackets=0 .* RevNAT=1 SourceSecurityID=0 IfIndex=0 BackendID=1$`,
      ),
    );
    // The SYN went out and the SYN-ACK came back: the connection has seen an ACK.
    expect(lines[1]).toMatch(
      new RegExp(
        `^TCP OUT ${podA}:\\d+ -> ${podB}:8080 expires=21600 RxPackets=1 RxBytes=60 RxFlagsSeen=0x12 LastRxReport=0 TxPackets=1 TxBytes=60 TxFlagsSeen=0x02 .* RevNAT=1 `,
      ),
    );
    expect(formatCtList(r.bpfConntrack, "node2")).toMatch(
      new RegExp(`^TCP IN ${podA}:\\d+ -> ${podB}:8080 .* RevNAT=0 `),
    );
    // show runs on a node nothing has crossed yet: no entries.
    expect(runShow(c.world, "node1", ["cilium-dbg", "bpf", "ct", "list", "global"])).toEqual({
      ok: true,
      output: "",
    });
  });

  test("a Service without endpoints is dropped at bpf_lxc (DROP_NO_SERVICE)", () => {
    const text = stringify(
      Object.assign(parse(PER_PACKET), {
        services: [{ name: "web", clusterIP: VIP, ports: [{ port: 80 }] }],
      }),
    );
    const r = send(buildCluster(text), VIP, "tcp");
    expect(r.request.delivered).toBe(false);
    expect(r.request.drop?.message).toContain("Service backend not found (DROP_NO_SERVICE)");
  });
});

/** The example with `n` Services, web-0 … web-(n−1), all on pod-b; web-0 is 10.96.0.80. */
function withServices(text: string, n: number): string {
  const file = parse(text);
  file.services = Array.from({ length: n }, (_, i) => ({
    name: `web-${i}`,
    clusterIP: `10.96.${Math.floor((80 + i) / 256)}.${(80 + i) % 256}`,
    selector: { app: "web" },
    ports: [{ port: 80, targetPort: 8080 }],
  }));
  return stringify(file);
}

describe("the kube-proxy replacement's cost per packet", () => {
  for (const [mode, text] of [
    ["socket LB", EXAMPLE],
    ["per-packet LB", PER_PACKET],
  ] as const)
    test(`${mode}: the same map lookups with 10 and with 1,000 Services, and no rule`, () => {
      const counts = [10, 1000].map((n) => {
        const c = buildCluster(withServices(text, n));
        const first = send(c, VIP, "tcp");
        // The last Service's address: 10.96.4.71 for 1,000 Services.
        const lastIp = formatIpv4(c.plan.services[n - 1]?.clusterIp ?? 0);
        const last = send(c, lastIp, "tcp");
        expect(first.reply.delivered && last.reply.delivered).toBe(true);
        expect(first.rulesEvaluated + last.rulesEvaluated).toBe(0);
        return [first.mapLookups, last.mapLookups];
      });
      expect(counts[1]).toEqual(counts[0]);
      expect(counts[0]?.[0]).toBe(counts[0]?.[1]);
      expect(counts[0]?.[0]).toBeGreaterThan(0);
    });

  test("every lookup counted is one a hop names, in both modes and in the plain Cilium datapath", () => {
    for (const text of [EXAMPLE, PER_PACKET]) {
      const c = buildCluster(text);
      for (const proto of ["tcp", "udp", "icmp"] as const) {
        const r = send(c, VIP, proto);
        expect(r.mapLookups).toBe(lookupsShown(r.hops));
      }
    }
    const plain = buildCluster(exampleCluster("cilium-vxlan"));
    const r = send(plain, podIp(plain.plan, "pod-b"), "icmp");
    expect(r.reply.delivered).toBe(true);
    expect(r.mapLookups).toBeGreaterThan(0);
    expect(r.mapLookups).toBe(lookupsShown(r.hops));
  });
});

describe("the kube-proxy replacement's state", () => {
  test("cilium-dbg bpf lb list prints the frontend and its backend as the real CLI does", () => {
    const c = buildCluster(EXAMPLE);
    const podB = podIp(c.plan, "pod-b");
    const backend = `${podB}:8080/TCP (1) (1)`;
    const frontend = "0.0.0.0:0 (1) (0) [ClusterIP, non-routable] ";
    // Go's tabwriter: each column as wide as its widest cell plus 3, trailing spaces kept.
    const width = Math.max(frontend.length, backend.length) + 3;
    const row = (a: string, b: string) => `${a.padEnd(24)}${b.padEnd(width)}\n`;
    for (const tool of ["cilium-dbg", "cilium"])
      expect(runShow(c.world, "node2", [tool, "bpf", "lb", "list"])).toEqual({
        ok: true,
        output:
          row("SERVICE ADDRESS", "BACKEND ADDRESS (REVNAT_ID) (SLOT)") +
          row(`${VIP}:80/TCP (0)`, frontend) +
          row(`${VIP}:80/TCP (1)`, backend),
      });
    expect(runShow(c.world, "node1", ["cilium-dbg", "bpf", "lb", "list", "--revnat"]).output).toBe(
      `ID   BACKEND ADDRESS (REVNAT_ID) (SLOT)   \n1    ${VIP}:80${" ".repeat(37 - 13)}\n`,
    );
    expect(runShow(c.world, "pod-a", ["cilium-dbg", "bpf", "lb", "list"]).ok).toBe(false);
  });

  test("export writes no iptables rule for the Service and lists the maps as comments", () => {
    const built = clusterFileScript(EXAMPLE);
    if (!built.ok) throw new Error("example does not load");
    expect(built.script).not.toMatch(/^iptables/m);
    expect(built.script).toContain(
      `# node1: cilium_lb4_services_v2 ${VIP}:80/TCP (0) → 1 backend, rev-NAT 1 [ClusterIP, non-routable]`,
    );
    expect(built.script).toContain("# node1: cilium_lb4_reverse_nat 1 → 10.96.0.80:80");
    expect(built.script).toMatch(/# node1: cgroup \/run\/cilium\/cgroupv2: cil_sock4_connect/);
  });

  test("socketLB options: refused without the replacement, and enabled: false is refused with it", () => {
    const errors = (text: string) => {
      const loaded = loadCluster(text);
      return loaded.ok ? [] : loaded.errors.map((e) => e.message);
    };
    const off = variant((f) => {
      f.cni.socketLB = { enabled: false };
    });
    expect(errors(off)).toEqual([
      expect.stringContaining("turns socket LB on whatever socketLB.enabled says"),
    ]);
    const iptables = variant((f) => {
      f.cni.socketLB = { hostNamespaceOnly: true };
      f.kubeProxy = { mode: "iptables" };
    });
    expect(errors(iptables)).toEqual([expect.stringContaining("set kubeProxy.mode: ebpf")]);
    expect(errors(PER_PACKET)).toEqual([]);
  });
});
