import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { type ProbeResult, type ProbeSpec, probe, runShow } from "../../src/sim";
import { loadCluster } from "../../src/sim/cluster/load";
import { formatIpv4, parseIpv4 } from "../../src/sim/ipv4";
import { runChain } from "../../src/sim/netfilter/eval";
import { base32, sha256 } from "../../src/sim/proxy/names";
import { seededRng } from "../../src/sim/rng";
import { buildCluster, exampleCluster } from "./helpers";

function send(c: ReturnType<typeof buildCluster>, spec: ProbeSpec): ProbeResult {
  const r = probe(c.world, spec);
  if ("error" in r) throw new Error(r.error);
  return r;
}

const BASE = exampleCluster("services-iptables");

/** The example with its `services:` list replaced (and pods added with labels). */
function withServices(services: string, extraPods = ""): string {
  const at = BASE.indexOf("services:");
  return `${BASE.slice(0, at).replace("kubeProxy:", `${extraPods}kubeProxy:`)}services:\n${services}`;
}

function natSave(c: ReturnType<typeof buildCluster>, node: string): string {
  const r = runShow(c.world, node, ["iptables-save", "-t", "nat"]);
  if (!r.ok) throw new Error(r.output);
  return r.output;
}

describe("kube-proxy's chain names", () => {
  test("sha256 agrees with node:crypto", () => {
    for (const text of ["", "abc", "default/web:httptcp", "x".repeat(200)])
      expect(Buffer.from(sha256(text)).toString("hex")).toBe(
        createHash("sha256").update(text).digest("hex"),
      );
  });

  test("the hash is kube-proxy's: kube-dns's chain is KUBE-SVC-TCOU7JCQXEZGVUNU on every cluster", () => {
    expect(base32(sha256("kube-system/kube-dns:dnsudp")).slice(0, 16)).toBe("TCOU7JCQXEZGVUNU");
    expect(base32(sha256("default/kubernetes:httpstcp")).slice(0, 16)).toBe("NPX46M4PTMTKRN6Y");
  });
});

describe("kube-proxy in iptables mode", () => {
  test("lays out KUBE-SERVICES → KUBE-SVC → KUBE-SEP with the DNAT, as iptables-save shows a node", () => {
    const c = buildCluster(BASE);
    expect(c.setupErrors).toEqual([]);
    const nat = natSave(c, "node1");
    for (const line of [
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
      "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000",
      '-A KUBE-SERVICES -d 10.96.0.80/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j KUBE-SVC-LOLE4ISW44XBNF3G',
      '-A KUBE-SVC-LOLE4ISW44XBNF3G ! -s 10.244.0.0/16 -d 10.96.0.80/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-5Q3P56IRA2PP7VYF -p tcp -m comment --comment "default/web" -m tcp -j DNAT --to-destination 10.244.2.2:8080',
    ])
      expect(nat).toContain(`${line}\n`);
  });

  test("a TCP connection to the ClusterIP is DNATed on the client's node and the reply comes back from the ClusterIP", () => {
    const c = buildCluster(BASE);
    const r = send(c, { from: "pod-a", to: "10.96.0.80", proto: "tcp", dport: 80 });
    expect(r.request.netns).toBe("pod-b");
    expect(r.reply.delivered).toBe(true);
    const dnat = r.hops.find((h) => h.kind === "nat" && h.flow === "request");
    expect(dnat?.netns).toBe("node1");
    expect(dnat?.text).toContain("DNAT 10.96.0.80:80 → 10.244.2.2:8080");
    const delivered = r.hops.filter((h) => h.kind === "deliver");
    expect(delivered[0]?.text).toContain("10.244.2.2:8080");
    // pod-a hears the answer from the address it connected to.
    expect(delivered[1]?.text).toContain("10.96.0.80:80 → 10.244.1.2");
  });

  test("ping to a ClusterIP is not translated: no rule matches ICMP, and the router knows no such address", () => {
    const c = buildCluster(BASE);
    const r = send(c, { from: "pod-a", to: "10.96.0.80", proto: "icmp" });
    expect(r.hops.some((h) => h.kind === "nat" && h.text.includes("DNAT"))).toBe(false);
    // Flannel masquerades it as traffic leaving the pod network; the router has no route for it.
    expect(r.request.delivered).toBe(false);
    expect(r.request.drop?.netns).toBe("router");
  });

  test("three endpoints: probabilities 1/3, 1/2, then the last unconditionally; seeds reach each of them", () => {
    const pods =
      "  - name: pod-c\n    node: node1\n    labels:\n      app: web\n  - name: pod-d\n    node: node2\n    labels:\n      app: web\n";
    const text = withServices(
      "  - name: web\n    clusterIP: 10.96.0.80\n    selector:\n      app: web\n    ports:\n      - port: 80\n        targetPort: 8080\n",
      pods,
    );
    const c = buildCluster(text);
    expect(c.setupErrors).toEqual([]);
    const svc = natSave(c, "node1")
      .split("\n")
      .filter((l) => l.startsWith("-A KUBE-SVC-LOLE4ISW44XBNF3G -m comment"));
    expect(svc).toHaveLength(3);
    expect(svc[0]).toContain("-m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-");
    expect(svc[1]).toContain("-m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-");
    expect(svc[2]).not.toContain("statistic");
    const reached = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const r = send(c, { from: "pod-a", to: "10.96.0.80", proto: "tcp", dport: 80, seed });
      expect(r.reply.delivered).toBe(true);
      reached.add(r.request.netns ?? "");
    }
    expect([...reached].sort()).toEqual(["pod-b", "pod-c", "pod-d"]);
  });

  test("ClientIP affinity: rcheck rules come first; a client an endpoint remembers goes back to it", () => {
    const pods = "  - name: pod-c\n    node: node1\n    labels:\n      app: web\n";
    const text = withServices(
      "  - name: web\n    clusterIP: 10.96.0.80\n    sessionAffinity: ClientIP\n    selector:\n      app: web\n    ports:\n      - port: 80\n        targetPort: 8080\n",
      pods,
    );
    const c = buildCluster(text);
    expect(c.setupErrors).toEqual([]);
    const svc = natSave(c, "node1")
      .split("\n")
      .filter((l) => l.startsWith("-A KUBE-SVC-LOLE4ISW44XBNF3G -m comment"));
    expect(svc[0]).toMatch(
      /-m recent --rcheck --seconds 10800 --reap --name (KUBE-SEP-\w+) --mask 255\.255\.255\.255 --rsource -j \1$/,
    );
    expect(svc[2]).toContain("-m statistic");
    // The probe's own DNAT records pod-a in the chosen endpoint's list.
    const r = send(c, { from: "pod-a", to: "10.96.0.80", proto: "tcp", dport: 80 });
    expect(r.reply.delivered).toBe(true);
    // A client already listed for pod-b's endpoint is sent there whatever the draw says.
    const node1 = c.world.netns.get("node1");
    if (!node1) throw new Error("no node1");
    const podB = c.plan.pods.find((p) => p.name === "pod-b")?.ip as number;
    const podA = c.plan.pods.find((p) => p.name === "pod-a")?.ip as number;
    const sepB = new RegExp(`-A (KUBE-SEP-\\w+) -s ${formatIpv4(podB)}/32 `).exec(
      natSave(c, "node1"),
    )?.[1];
    expect(sepB).toBeDefined();
    const packet = {
      src: podA,
      dst: parseIpv4("10.96.0.80") as number,
      ttl: 64,
      proto: 6,
      df: true,
      length: 60,
      l4: { kind: "tcp", sport: 40000, dport: 80, flags: "SYN" },
    } as const;
    for (const seed of [1, 2, 3, 4, 5]) {
      const v = runChain(
        node1,
        "nat",
        "PREROUTING",
        {
          packet,
          inDev: "cni0",
          outDev: null,
          ctState: "NEW",
          mark: 0,
          recent: new Map([[sepB as string, new Set([podA])]]),
        },
        seededRng(seed),
      );
      expect(v.verdict).toBe("DNAT");
      expect(v.path).toContain(sepB);
    }
  });

  test("a Service without endpoints is rejected in the filter table: the client's connect is refused", () => {
    const text = withServices(
      "  - name: web\n    clusterIP: 10.96.0.80\n    selector:\n      app: nothing\n    ports:\n      - port: 80\n",
    );
    const c = buildCluster(text);
    const filter = runShow(c.world, "node1", ["iptables-save", "-t", "filter"]).output;
    expect(filter).toContain(
      '-A KUBE-SERVICES -d 10.96.0.80/32 -p tcp -m comment --comment "default/web has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable',
    );
    const r = send(c, { from: "pod-a", to: "10.96.0.80", proto: "tcp", dport: 80 });
    expect(r.request.delivered).toBe(false);
    expect(r.request.drop?.netns).toBe("node1");
    expect(r.request.drop?.reported).toContain("Connection refused");
    // The rejected SYN never leaves node1, so its entry is never confirmed: conntrack -L on node1
    // shows nothing of it (the kernel frees an unconfirmed entry with the dropped packet).
    expect(r.conntrack.filter((e) => e.netns === "node1")).toEqual([]);
  });

  test("internalTrafficPolicy Local: a client on a node without a local endpoint is dropped there", () => {
    const text = withServices(
      "  - name: web\n    clusterIP: 10.96.0.80\n    internalTrafficPolicy: Local\n    selector:\n      app: web\n    ports:\n      - port: 80\n        targetPort: 8080\n",
    );
    const c = buildCluster(text);
    const r = send(c, { from: "pod-a", to: "10.96.0.80", proto: "tcp", dport: 80 });
    expect(r.request.delivered).toBe(false);
    expect(r.request.drop?.netns).toBe("node1");
    expect(r.hops.find((h) => h.kind === "drop")?.rule?.text).toContain("has no local endpoints");
  });

  test("NodePort: a packet to node2's address and node port reaches pod-b, masqueraded, and its reply returns", () => {
    const text = withServices(
      "  - name: web\n    type: NodePort\n    clusterIP: 10.96.0.80\n    selector:\n      app: web\n    ports:\n      - port: 80\n        targetPort: 8080\n        nodePort: 30080\n",
    );
    const c = buildCluster(text);
    expect(natSave(c, "node2")).toContain(
      '-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web" -m tcp --dport 30080 -j KUBE-EXT-LOLE4ISW44XBNF3G',
    );
    const r = send(c, { from: "node1", to: "192.168.1.12", proto: "tcp", dport: 30080 });
    expect(r.request.netns).toBe("pod-b");
    expect(r.reply.delivered).toBe(true);
    const snat = r.hops.find((h) => h.kind === "nat" && h.text.includes("MASQUERADE"));
    expect(snat?.netns).toBe("node2");
  });

  test("a NodePort's reply must come back through the node that translated it: without KUBE-POSTROUTING's MASQUERADE it bypasses node1's conntrack and the client drops it", () => {
    // Calico BGP: no CNI masquerade of its own would hide kube-proxy's (Flannel's would).
    const text = withServices(
      "  - name: web\n    type: NodePort\n    clusterIP: 10.96.0.80\n    selector:\n      app: web\n    ports:\n      - port: 80\n        targetPort: 8080\n        nodePort: 30080\n",
    )
      .replace(
        "  - name: node2\n    ip: 192.168.1.12\n",
        "  - name: node2\n    ip: 192.168.1.12\n  - name: client\n    ip: 192.168.1.13\n",
      )
      .replace("  plugin: flannel\n", "  plugin: calico\n  ipPool:\n    cidr: 10.48.0.0/16\n");
    const c = buildCluster(text);
    expect(c.setupErrors).toEqual([]);
    const spec = { from: "client", to: "192.168.1.11", proto: "tcp", dport: 30080 } as const;
    const ok = send(c, spec);
    expect(ok.request.netns).toBe("pod-b");
    expect(ok.reply.delivered).toBe(true);
    const removed = runShow(c.world, "node1", [
      "iptables",
      "-t",
      "nat",
      "-D",
      "KUBE-POSTROUTING",
      "-m",
      "comment",
      "--comment",
      "kubernetes service traffic requiring SNAT",
      "-j",
      "MASQUERADE",
      "--random-fully",
    ]);
    expect(removed.ok).toBe(true);
    const broken = send(c, spec);
    expect(broken.request.netns).toBe("pod-b");
    expect(broken.reply.delivered).toBe(false);
    // pod-b answers the client's own address, straight from node2: node1 never sees the reply.
    expect(broken.hops.some((h) => h.flow === "reply" && h.netns === "node1")).toBe(false);
    expect(broken.reply.drop?.reason).toBe("no-socket");
  });

  test("KUBE-SERVICES is a linear list: the first packet to the last of 100 Services evaluates ~90 more rules than to the last of 10", () => {
    const services = (n: number): string => {
      let out = "";
      for (let i = 0; i < n; i++)
        out += `  - name: svc${i}\n    clusterIP: 10.96.${Math.floor(i / 200)}.${10 + (i % 200)}\n    endpoints: [pod-b]\n    ports:\n      - port: 80\n        targetPort: 8080\n`;
      return out;
    };
    const rulesToLast = (n: number): number => {
      const c = buildCluster(withServices(services(n)));
      const last = `10.96.${Math.floor((n - 1) / 200)}.${10 + ((n - 1) % 200)}`;
      const r = send(c, { from: "pod-a", to: last, proto: "tcp", dport: 80 });
      expect(r.reply.delivered).toBe(true);
      const dnat = r.hops.find((h) => h.kind === "nat" && h.flow === "request")?.text ?? "";
      return Number(/\((\d+) rules evaluated/.exec(dnat)?.[1]);
    };
    expect(rulesToLast(100) - rulesToLast(10)).toBe(90);
  });
});

describe("Services in the cluster file", () => {
  const problems = (text: string): string[] => {
    const r = loadCluster(text);
    return r.ok ? [] : r.errors.map((e) => `${e.line}:${e.col}: ${e.message}`);
  };

  test("a ClusterIP outside the service range, an unknown endpoint pod and eBPF without Cilium are reported where they are", () => {
    const text = withServices(
      "  - name: web\n    clusterIP: 10.1.0.80\n    endpoints: [pod-z]\n    ports:\n      - port: 80\n",
    ).replace("mode: iptables", "mode: ebpf");
    const found = problems(text);
    const line = (needle: string): number =>
      text.split("\n").findIndex((l) => l.includes(needle)) + 1;
    expect(found).toContain(
      `${line("mode: ebpf")}:9: ebpf is Cilium's kube-proxy replacement: it needs cni.plugin: cilium (use iptables, ipvs or nftables with this CNI)`,
    );
    expect(found).toContain(
      `${line("clusterIP: 10.1.0.80")}:16: "10.1.0.80" is not an address in the service range 10.96.0.0/12`,
    );
    expect(
      found.some(
        (f) => f.startsWith(`${line("endpoints: [pod-z]")}:`) && f.includes('no pod named "pod-z"'),
      ),
    ).toBe(true);
  });

  test("a ClusterIP picked for a Service is in the range, stable, and not another Service's", () => {
    const text = withServices(
      "  - name: a\n    endpoints: [pod-b]\n    ports:\n      - port: 80\n  - name: b\n    endpoints: [pod-b]\n    ports:\n      - port: 80\n",
    );
    const first = loadCluster(text);
    const again = loadCluster(text);
    if (!first.ok || !again.ok) throw new Error("not ok");
    const ips = first.plan.services.map((s) => s.clusterIp);
    expect(new Set(ips).size).toBe(2);
    for (const ip of ips) expect(ip >>> 20).toBe((10 << 4) | 6); // inside 10.96.0.0/12
    expect(again.plan.services.map((s) => s.clusterIp)).toEqual(ips);
  });
});
