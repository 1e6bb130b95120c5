/**
 * Every plugin at scale. Run: `npm run bench -- clusters`. For each plugin and mode family, a
 * 5,000-node cluster with 30 pods per node (150,000 pods) is planned from a cluster file and built
 * with the direct build (no script text; shared per-peer tables), then a cross-node pod-to-pod ping
 * and its reply are traced. Prints medians; the targets are checked by eye, not by a test.
 * PODNET_BENCH_NODES and PODNET_BENCH_PODS (per node) shrink it; PODNET_BENCH_ONLY=flannel,… picks.
 */
import { probe, runClusterDirect } from "../src/sim";
import { loadCluster } from "../src/sim/cluster/load";
import { formatIpv4 } from "../src/sim/ipv4";
import { heapMiB, line, medianMicros } from "./measure";

const nodes = Number(process.env.PODNET_BENCH_NODES ?? 5000);
const perNode = Number(process.env.PODNET_BENCH_PODS ?? 30);
const only = process.env.PODNET_BENCH_ONLY?.split(",");

/** Each plugin's `cni:` block, sized for 5,000 nodes (the defaults' pod networks are too small). */
const PLUGINS: Record<string, string> = {
  "flannel-vxlan": "  plugin: flannel\n  network: 10.0.0.0/8\n  backend:\n    type: vxlan",
  "calico-bgp": "  plugin: calico\n  ipPool:\n    cidr: 10.0.0.0/8",
  "calico-vxlan": "  plugin: calico\n  ipPool:\n    cidr: 10.0.0.0/8\n    vxlanMode: Always",
  "cilium-vxlan": "  plugin: cilium\n  routingMode: tunnel\n  tunnelProtocol: vxlan",
  weave: "  plugin: weave\n  ipallocRange: 10.0.0.0/8",
  "weave-sleeve": "  plugin: weave\n  ipallocRange: 10.0.0.0/8\n  mode: sleeve",
};

/** Nodes 172.16.0.10… on one /16, `perNode` pods each, named node<i> and pod<i>-<k>. */
function clusterFile(cni: string): string {
  const out = ["formatVersion: 1", "underlay:", "  subnets:", "    - cidr: 172.16.0.0/16", "cni:"];
  out.push(cni, "nodes:");
  for (let i = 0; i < nodes; i++)
    out.push(`  - name: node${i}`, `    ip: ${formatIpv4((172 << 24) + (16 << 16) + 10 + i)}`);
  out.push("pods:");
  for (let i = 0; i < nodes; i++)
    for (let k = 0; k < perNode; k++) out.push(`  - name: pod${i}-${k}`, `    node: node${i}`);
  return `${out.join("\n")}\n`;
}

console.log(`${nodes} nodes, ${nodes * perNode} pods (${perNode} per node)`);
for (const [name, cni] of Object.entries(PLUGINS)) {
  if (only && !only.includes(name)) continue;
  const text = clusterFile(cni);
  const t0 = performance.now();
  const loaded = loadCluster(text);
  const planMs = performance.now() - t0;
  if (!loaded.ok) throw new Error(`${name}: ${JSON.stringify(loaded.errors.slice(0, 3))}`);
  const plan = loaded.plan;
  line(`${name}: plan the cluster file (YAML, IPAM)`, `${(planMs / 1000).toFixed(2)} s`, "-", true);
  const before = heapMiB();
  const t1 = performance.now();
  let built = runClusterDirect(plan);
  const buildMs = performance.now() - t1;
  const heap = heapMiB() - before;
  if (built.setupErrors.length > 0)
    throw new Error(`${name}: ${JSON.stringify(built.setupErrors.slice(0, 3))}`);
  line(
    `${name}: direct build (${built.nodes.shared} nodes on shared tables)`,
    `${(buildMs / 1000).toFixed(2)} s`,
    "< 10 s",
    buildMs < 10_000,
  );
  line(`${name}: heap held by the cluster`, `${heap.toFixed(0)} MB`, "< 2048 MB", heap < 2048);
  const from = plan.pods[0];
  const to = plan.pods[plan.pods.length - 1];
  if (!from || !to) throw new Error("no pods");
  const spec = { from: from.name, to: formatIpv4(to.ip), proto: "icmp" as const };
  const t2 = performance.now();
  const first = probe(built.world, spec);
  const firstMs = performance.now() - t2;
  if ("error" in first || !first.reply.delivered)
    throw new Error(`${name}: ${from.name} → ${to.name} is not delivered`);
  line(
    `${name}: first trace, ${from.name} → ${to.name} and reply`,
    `${firstMs.toFixed(1)} ms`,
    "-",
    true,
  );
  const check = probe(built.world, spec);
  if ("error" in check || !check.reply.delivered)
    throw new Error(`${name}: ${from.name} → ${to.name} is not delivered`);
  const steady = medianMicros(() => probe(built.world, spec), { runs: 15, batch: 20, warmup: 20 });
  line(
    `${name}: steady-state trace (median)`,
    `${steady.toFixed(0)} µs`,
    "< 1000 µs",
    steady < 1000,
  );
  built = undefined as never;
}
console.log(`(node ${process.version}, ${process.platform}/${process.arch})`);
