/**
 * The cost of each Service proxy as Services multiply. Run: `npm run bench -- services`.
 * For 100, 1,000 and 10,000 Services (one endpoint each, pod-b on node2) and each kube-proxy mode,
 * a two-node cluster is planned and built, then a TCP connect from pod-a to the *last* Service's
 * ClusterIP (the worst place in iptables' linear KUBE-SERVICES list) is traced with its reply.
 * Printed per mode and size: iptables rules evaluated and map lookups for the whole probe, the
 * rules the first packet's DNAT walked, and the median time of one traced probe. iptables must
 * grow linearly, the others stay flat; the iptables trace at 10,000 Services must stay < 20 ms.
 * PODNET_BENCH_MODES=iptables,ipvs,… picks modes; PODNET_BENCH_SERVICES=100,1000 picks sizes.
 */
import { type ProbeResult, probe, runClusterDirect } from "../src/sim";
import { loadCluster } from "../src/sim/cluster/load";
import type { KubeProxyMode } from "../src/sim/cluster/schema";
import { formatIpv4 } from "../src/sim/ipv4";
import { line, medianMicros } from "./measure";

const MODES: readonly KubeProxyMode[] = ["iptables", "ipvs", "nftables", "ebpf"];
const modes = (process.env.PODNET_BENCH_MODES?.split(",") ?? MODES) as KubeProxyMode[];
const sizes = (process.env.PODNET_BENCH_SERVICES ?? "100,1000,10000").split(",").map(Number);

/** ClusterIPs 10.96.0.10 upwards, one per Service, each Service 80/TCP → pod-b:8080. */
function vip(i: number): string {
  return formatIpv4(((10 << 24) | (96 << 16)) + 10 + i);
}

function clusterFile(mode: KubeProxyMode, services: number): string {
  // eBPF service load balancing is Cilium's; the kube-proxy modes run on Flannel.
  const cni =
    mode === "ebpf"
      ? "cni:\n  plugin: cilium\n  routingMode: tunnel\n  tunnelProtocol: vxlan\n  clusterPoolIPv4PodCIDRList: [10.244.0.0/16]\n"
      : "cni:\n  plugin: flannel\n";
  const out = [
    "formatVersion: 1",
    "underlay:\n  subnets:\n    - cidr: 192.168.1.0/24",
    cni.trimEnd(),
    "nodes:\n  - name: node1\n    ip: 192.168.1.11\n  - name: node2\n    ip: 192.168.1.12",
    "pods:\n  - name: pod-a\n    node: node1\n  - name: pod-b\n    node: node2",
    `kubeProxy:\n  mode: ${mode}`,
    "services:",
  ];
  for (let i = 0; i < services; i++)
    out.push(
      `  - name: svc${i}\n    clusterIP: ${vip(i)}\n    endpoints: [pod-b]\n    ports:\n      - port: 80\n        targetPort: 8080`,
    );
  return `${out.join("\n")}\n`;
}

/** Rules the request's DNAT walked, as its nat hop reports them (iptables only). */
function dnatRules(r: ProbeResult): string {
  const hop = r.hops.find((h) => h.kind === "nat" && h.flow === "request");
  return /\((\d+) rules evaluated/.exec(hop?.text ?? "")?.[1] ?? "-";
}

console.log("Service proxies: a TCP connect to the last of N Services, and its reply");
for (const mode of modes) {
  for (const n of sizes) {
    const loaded = loadCluster(clusterFile(mode, n));
    if (!loaded.ok) throw new Error(`${mode}: ${JSON.stringify(loaded.errors.slice(0, 3))}`);
    const t0 = performance.now();
    const built = runClusterDirect(loaded.plan);
    const buildMs = performance.now() - t0;
    if (built.setupErrors.length > 0)
      throw new Error(`${mode}: ${JSON.stringify(built.setupErrors.slice(0, 3))}`);
    const spec = { from: "pod-a", to: vip(n - 1), proto: "tcp" as const, dport: 80 };
    const r = probe(built.world, spec);
    if ("error" in r || !r.reply.delivered)
      throw new Error(`${mode} with ${n} Services: the connect is not answered`);
    const micros = medianMicros(() => probe(built.world, spec), {
      runs: 9,
      batch: n >= 10_000 ? 5 : 20,
      warmup: 5,
    });
    const ms = micros / 1000;
    const label = `${mode.padEnd(8)} ${String(n).padStart(6)} Services`;
    console.log(
      `${label}: build ${(buildMs / 1000).toFixed(2)} s, rules evaluated ${r.rulesEvaluated} (DNAT walked ${dnatRules(r)}), map lookups ${r.mapLookups}`,
    );
    const budget = mode === "iptables" && n >= 10_000;
    line(
      `${label}: one traced connect + reply (median)`,
      `${ms.toFixed(2)} ms`,
      budget ? "< 20 ms" : "-",
      !budget || ms < 20,
    );
  }
}
console.log(`(node ${process.version}, ${process.platform}/${process.arch})`);
