/**
 * kube-proxy's iptables mode against the kernel: the services-iptables example is exported (as
 * `podnet-learn export --cluster` does), built in the simulator and in network namespaces, and
 * probed through its ClusterIP and a NodePort. The kernel and the simulator must agree on every
 * probe (compare-helpers.ts), on what breaks when kube-proxy's PREROUTING jump is gone, and on the
 * connection conntrack records for a translated TCP connect.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { clusterFileScript, probe, runScript } from "../../src/sim";
import { formatIpv4 } from "../../src/sim/ipv4";
import { conntrackLine } from "../../src/sim/render/conntrack";
import { compareWithKernel, semaphore } from "./compare-helpers";
import {
  buildInKernel,
  type KernelProbe,
  kernelAvailable,
  requireKernel,
  uniquePrefix,
} from "./netns";

const kernel = kernelAvailable();
const slot = semaphore(2);

const BASE = readFileSync(
  new URL("../../examples/clusters/services-iptables.yaml", import.meta.url),
  "utf8",
);
/** The example with `web` made a NodePort Service on port 30080. */
const NODEPORT = BASE.replace("  - name: web\n", "  - name: web\n    type: NodePort\n").replace(
  "        targetPort: 8080\n",
  "        targetPort: 8080\n        nodePort: 30080\n",
);

/** The example with ClientIP session affinity (kube-proxy's `-m recent` rules). */
const AFFINITY = BASE.replace("  - name: web\n", "  - name: web\n    sessionAffinity: ClientIP\n");

/** NodePort on Calico BGP with a third node, `client`, outside every endpoint's node. */
const OUTSIDE = NODEPORT.replace(
  "  plugin: flannel\n",
  "  plugin: calico\n  ipPool:\n    cidr: 10.48.0.0/16\n",
).replace(
  "  - name: node2\n    ip: 192.168.1.12\n",
  "  - name: node2\n    ip: 192.168.1.12\n  - name: client\n    ip: 192.168.1.13\n",
);

/** The example with `web` selecting no pod: kube-proxy rejects its ClusterIP in the filter table. */
const NO_ENDPOINTS = BASE.replace("      app: web\n", "      app: nothing\n");

function exported(text: string, prefix: string) {
  const built = clusterFileScript(text, prefix);
  if (!built.ok)
    throw new Error(built.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join("\n"));
  return built;
}

/** TCP and ping through the ClusterIP from pod-a and from its node, and TCP to pod-b directly. */
function probes(text: string, prefix: string): KernelProbe[] {
  const { plan } = exported(text, prefix);
  const podB = plan.pods.find((p) => p.name === "pod-b");
  const svc = plan.services[0];
  if (!podB || !svc) throw new Error("the example lost pod-b or its Service");
  const vip = formatIpv4(svc.clusterIp);
  return [
    { from: `${prefix}pod-a`, to: vip, proto: "tcp", dport: 80 },
    { from: `${prefix}pod-a`, to: vip, proto: "icmp" },
    { from: `${prefix}node1`, to: vip, proto: "tcp", dport: 80 },
    { from: `${prefix}pod-a`, to: formatIpv4(podB.ip), proto: "tcp", dport: 8080 },
  ];
}

async function compare(
  text: string,
  extra: (prefix: string) => string[],
  more: (prefix: string) => KernelProbe[] = () => [],
): Promise<boolean[]> {
  return slot(async () => {
    const prefix = uniquePrefix("svc");
    const script = `${exported(text, prefix).script}${extra(prefix)
      .map((l) => `${l}\n`)
      .join("")}`;
    const { setupErrors, verdicts } = await compareWithKernel(
      script,
      [...probes(text, prefix), ...more(prefix)],
      { settleNeighbours: true },
    );
    expect(setupErrors, "lines the kernel refused").toEqual([]);
    return verdicts.map((v) => v.reply);
  });
}

/**
 * What must agree in a `conntrack -L` line: both tuples, less the client's source port (each side
 * picks its own) and what only time changes (the state, the seconds left, the flags).
 */
function tuples(line: string): string[] {
  const fields = [...line.matchAll(/(src|dst|sport|dport)=(\S+)/g)].map((m) => `${m[1]}=${m[2]}`);
  // original: src dst sport dport; reply: src dst sport dport (its dport is the client's port)
  return fields.filter((_, i) => i !== 2 && i !== 7);
}

describe.skipIf(!kernel.ok && !requireKernel())("kube-proxy's iptables mode, in the kernel", () => {
  test("the kernel is available where it is required", () => {
    expect(kernel.ok ? "ok" : kernel.why).toBe("ok");
  });

  test.concurrent("as installed: TCP through the ClusterIP connects, from the pod and from its node; ping to it does not", {
    timeout: 300_000,
  }, async () => {
    expect(await compare(BASE, () => [])).toEqual([true, false, true, true]);
  });

  test.concurrent("with kube-proxy's PREROUTING jump removed, the pod's traffic is not translated (its node's still is)", {
    timeout: 300_000,
  }, async () => {
    const replies = await compare(BASE, (p) => [
      `ip netns exec ${p}node1 iptables -t nat -D PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
    ]);
    expect(replies).toEqual([false, false, true, true]);
  });

  test.concurrent("ClientIP session affinity: the recent lists take the same connections the same way", {
    timeout: 300_000,
  }, async () => {
    expect(AFFINITY).toContain("sessionAffinity: ClientIP");
    expect(await compare(AFFINITY, () => [])).toEqual([true, false, true, true]);
  });

  test.concurrent("NodePort: node2's address and port 30080 reach pod-b from node1", {
    timeout: 300_000,
  }, async () => {
    const replies = await compare(
      NODEPORT,
      () => [],
      (p) => [{ from: `${p}node1`, to: "192.168.1.12", proto: "tcp", dport: 30080 }],
    );
    expect(replies).toEqual([true, false, true, true, true]);
  });

  test.concurrent("NodePort from outside: answered through node1, and without KUBE-POSTROUTING's MASQUERADE the reply bypasses node1's conntrack", {
    timeout: 300_000,
  }, async () => {
    const fromClient = (p: string): KernelProbe[] => [
      { from: `${p}client`, to: "192.168.1.11", proto: "tcp", dport: 30080 },
    ];
    expect(await compare(OUTSIDE, () => [], fromClient)).toEqual([true, false, true, true, true]);
    const replies = await compare(
      OUTSIDE,
      (p) => [
        `ip netns exec ${p}node1 iptables -t nat -D KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`,
      ],
      fromClient,
    );
    expect(replies[replies.length - 1]).toBe(false);
  });

  test.concurrent("conntrack on node1 holds the same translated connection: to the ClusterIP, answered by pod-b:8080", {
    timeout: 300_000,
  }, async () => {
    await slot(async () => {
      const prefix = uniquePrefix("svcct");
      const { script } = exported(BASE, prefix);
      const run = await buildInKernel(script, { listenPorts: [80, 8080] });
      try {
        expect(run.setupErrors).toEqual([]);
        const spec = { from: `${prefix}pod-a`, to: "10.96.0.80", proto: "tcp", dport: 80 } as const;
        const k = await run.probe(spec);
        expect(k.replyDelivered).toBe(true);
        const listed = await run.exec(
          `${prefix}node1`,
          "conntrack -L -p tcp --orig-dst 10.96.0.80",
        );
        const sim = probe(runScript(script).world, spec);
        if ("error" in sim) throw new Error(sim.error);
        const ours = sim.conntrack
          .filter((e) => e.netns === `${prefix}node1` && e.dnat)
          .map((e) => tuples(conntrackLine(e)));
        const real = listed.stdout
          .split("\n")
          .filter((l) => l.startsWith("tcp"))
          .map(tuples);
        expect(ours).toHaveLength(1);
        expect(real).toEqual(ours);
      } finally {
        await run.cleanup();
      }
    });
  });

  test.concurrent("a Service without endpoints: the connect is refused, and conntrack on node1 lists nothing of it", {
    timeout: 300_000,
  }, async () => {
    await slot(async () => {
      const prefix = uniquePrefix("svcnoep");
      const { script } = exported(NO_ENDPOINTS, prefix);
      const run = await buildInKernel(script, { listenPorts: [80, 8080] });
      try {
        expect(run.setupErrors).toEqual([]);
        const spec = { from: `${prefix}pod-a`, to: "10.96.0.80", proto: "tcp", dport: 80 } as const;
        const k = await run.probe(spec);
        const sim = probe(runScript(script).world, spec);
        if ("error" in sim) throw new Error(sim.error);
        // Refused by node1: nothing reaches pod-b, in the kernel or in the simulator.
        expect([k.requestDeliveredTo, k.replyDelivered]).toEqual([[], false]);
        expect([sim.request.delivered, sim.request.drop?.netns]).toEqual([false, `${prefix}node1`]);
        const listed = await run.exec(
          `${prefix}node1`,
          "conntrack -L -p tcp --orig-dst 10.96.0.80",
        );
        const real = listed.stdout.split("\n").filter((l) => l.startsWith("tcp"));
        const ours = sim.conntrack.filter((e) => e.netns === `${prefix}node1`);
        expect(real).toEqual([]);
        expect(ours).toEqual([]);
      } finally {
        await run.cleanup();
      }
    });
  });
});
