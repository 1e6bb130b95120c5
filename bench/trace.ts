/**
 * Simulator speed. Run: `npm run bench -- trace` (the same as `node bench/run.mjs trace`).
 * Prints medians; the targets are the simulator's budget, checked by eye, not by a test.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { probe, runScript } from "../src/sim";
import { flannelCluster, podBAddress } from "./flannel-cluster";
import { heapMiB, line, medianMicros } from "./measure";

// bench/run.mjs runs the bundle from a temporary folder and says where the checkout is.
const root = process.env.PODNET_ROOT ?? process.cwd();
const script = readFileSync(join(root, "examples/scripts/flannel-vxlan.sh"), "utf8");
const { world } = runScript(script);
const spec = { from: "ex-pod-a", to: "10.244.2.15", proto: "icmp" as const };
const check = probe(world, spec);
if ("error" in check || !check.reply.delivered)
  throw new Error("the 2-node scenario does not deliver");
const small = medianMicros(() => probe(world, spec), { batch: 1000 });
line("2-node VXLAN: one request + reply trace", `${small.toFixed(1)} µs`, "< 50 µs", small < 50);
const parse = medianMicros(() => runScript(script), { batch: 50, warmup: 50 });
line("2-node VXLAN: parse and build the 69-line script", `${parse.toFixed(0)} µs`, "-", true);

const n = Number(process.env.PODNET_BENCH_NODES ?? 1000);
const before = heapMiB();
const t0 = performance.now();
let big = flannelCluster(n);
const buildMs = performance.now() - t0;
const memory = heapMiB() - before;
line(
  `${n}-node Flannel VXLAN: build (${n - 1} routes, neighbours, FDB entries per node)`,
  `${(buildMs / 1000).toFixed(2)} s`,
  "< 2 s",
  buildMs < 2000,
);
line(
  `${n}-node Flannel VXLAN: heap held by the cluster`,
  `${memory.toFixed(0)} MB`,
  "< 300 MB",
  memory < 300,
);
const bigSpec = { from: "pod-a", to: podBAddress(n), proto: "icmp" as const };
// The first probe after a change also indexes the world's Ethernet segments (reused until the next change).
const t1 = performance.now();
const bigCheck = probe(big, bigSpec);
const firstMs = performance.now() - t1;
line(
  `${n}-node Flannel VXLAN: first trace (indexes the L2 segments)`,
  `${firstMs.toFixed(1)} ms`,
  "-",
  true,
);
if ("error" in bigCheck || !bigCheck.reply.delivered)
  throw new Error(`the ${n}-node cluster does not deliver`);
const bigTrace = medianMicros(() => probe(big, bigSpec), { batch: 50, warmup: 50 });
line(
  `${n}-node Flannel VXLAN: one request + reply trace`,
  `${bigTrace.toFixed(0)} µs`,
  "< 200 µs",
  bigTrace < 200,
);
big = undefined as never;
console.log(`(node ${process.version}, ${process.platform}/${process.arch})`);
