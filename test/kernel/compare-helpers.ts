/**
 * The simulator-vs-kernel comparison, shared by the suites that use it (compare.test.ts for the
 * generated scenarios, clusters.test.ts for the example cluster files): build one script in the
 * simulator and in network namespaces, send the same probes on both, and expect the same refused
 * lines, the request delivered to the same namespace, the reply back or not, the same ICMP error
 * or local error heard by the sender, and the same `ip route` / `ip route get` text.
 */
import { expect } from "vitest";
import { type ProbeResult, probe, runScript, runShow } from "../../src/sim";
import {
  buildInKernel,
  type KernelProbe,
  type KernelProbeResult,
  type KernelRun,
  type SetupError,
} from "./netns";

/**
 * A semaphore: at most `parallel` pieces of work at a time. Each build runs under its own
 * uniquePrefix(), and the kernel side mostly waits on ping timeouts, so a few overlap well.
 */
export function semaphore(parallel: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (running >= parallel) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** What the sender heard: the ICMP lines ping printed, or the client's own error. */
export function kernelHeard(k: KernelProbeResult, proto: string): string[] {
  const heard = k.icmpErrors.map((l) => l.replace(/ icmp_seq=\d+ /, " icmp_seq=1 "));
  if (k.localError) heard.push(k.localError);
  else if (proto === "tcp" && /connect: Connection refused/.test(k.output))
    heard.push("connect: Connection refused");
  return heard;
}

/** What the simulator says the sender heard, in the same form as kernelHeard(). */
export function simHeard(r: ProbeResult, proto: string): string[] {
  const heard = [...r.icmpHeard];
  const reported = r.request.delivered ? null : (r.request.drop?.reported ?? null);
  if (reported !== null && !(proto === "icmp" && reported.startsWith("From ")))
    heard.push(reported);
  return heard;
}

/** `icmp pod-a → 10.244.2.2 size 1422 DF`, to name a probe in a failure. */
export function probeLabel(p: KernelProbe): string {
  return `${p.proto} ${p.from} → ${p.to}${p.dport ? `:${p.dport}` : ""}${p.size ? ` size ${p.size}` : ""}${p.df ? " DF" : ""}`;
}

export interface CompareOptions {
  /** Ports to listen on besides the probes' own and every DNAT target port. */
  listenPorts?: number[];
  /** The kernel may answer more than one way (e.g. a random iptables draw): compare the reply only. */
  multipleOutcomes?: boolean;
  /**
   * Show commands (`nft list table ip kube-proxy`) whose output must be the same in every
   * namespace where the simulator runs them without error.
   */
  compareShow?: string[];
  /**
   * Before each probe, wait until no namespace has a neighbour entry still resolving. A probe
   * that gets no ARP answer gives up after 2 s, but the kernel keeps resolving until ~3 s and
   * then fails every packet queued on that entry with an ICMP host unreachable: a next probe to
   * the same dead neighbour would join that resolution and hear `connect: No route to host` or
   * `Destination Host Unreachable` within its 2 s, which it never hears alone.
   */
  settleNeighbours?: boolean;
}

const NEIGHBOUR_SETTLE_MS = 5_000;

/** Waits (at most NEIGHBOUR_SETTLE_MS) until no neighbour entry in the run is INCOMPLETE. */
async function settleNeighbours(run: KernelRun): Promise<void> {
  const [first] = run.namespaces;
  if (first === undefined) return;
  const list = run.namespaces.map((ns) => `ip -n '${ns}' neigh show nud incomplete`).join("; ");
  const deadline = Date.now() + NEIGHBOUR_SETTLE_MS;
  while (Date.now() < deadline) {
    const r = await run.exec(first, list);
    if (r.stdout.trim() === "") return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`neighbour resolution still pending after ${NEIGHBOUR_SETTLE_MS} ms`);
}

/** One probe's verdict, as both sides agreed on it. */
export interface Verdict {
  /** the namespace that received the request, or null */
  delivered: string | null;
  reply: boolean;
  /** what the sender heard (kernelHeard) */
  heard: string[];
}

/** What the kernel did, once the simulator was found to agree. */
export interface Compared {
  setupErrors: SetupError[];
  /** one per probe, in order */
  verdicts: Verdict[];
}

/**
 * Builds `script` in the simulator and in the kernel, sends every probe on both, and expects
 * them to agree (see the top of this file); the namespaces are deleted whatever happens. The
 * script's namespaces must be named with a uniquePrefix() of the calling run. Returns what the
 * kernel did, for a caller that also wants to say what should have happened.
 */
export async function compareWithKernel(
  script: string,
  probes: readonly KernelProbe[],
  opts: CompareOptions = {},
): Promise<Compared> {
  const sim = runScript(script);
  // The simulator assumes a TCP listener on every port, so the kernel gets one on every port
  // the scenario can reach: the probes' ports, the scenario's own, and every DNAT target port.
  const dnatPorts = [...script.matchAll(/(?:--to-destination|dnat to) [0-9.]+:(\d+)/g)].map((m) =>
    Number(m[1]),
  );
  const listenPorts = [
    ...new Set([...(opts.listenPorts ?? []), ...probes.map((p) => p.dport ?? 80), ...dnatPorts]),
  ];
  const run = await buildInKernel(script, { listenPorts });
  const verdicts: Verdict[] = [];
  try {
    expect(
      sim.setupErrors.map((e) => e.line),
      `refused lines (kernel: ${JSON.stringify(run.setupErrors)})`,
    ).toEqual(run.setupErrors.map((e) => e.line));
    for (const p of probes) {
      const label = probeLabel(p);
      if (opts.settleNeighbours) await settleNeighbours(run);
      const k = await run.probe(p);
      const s = probe(sim.world, {
        from: p.from,
        to: p.to,
        proto: p.proto,
        dport: p.dport,
        size: p.size,
        df: p.df,
      });
      if ("error" in s) throw new Error(s.error);
      const simSide = {
        delivered: s.request.netns,
        reply: s.reply.delivered,
        heard: simHeard(s, p.proto),
      };
      const kernelSide: Verdict = {
        delivered: k.requestDeliveredTo[0] ?? null,
        reply: k.replyDelivered,
        heard: kernelHeard(k, p.proto),
      };
      verdicts.push(kernelSide);
      if (opts.multipleOutcomes) {
        expect(simSide.reply, `${label}: reply`).toBe(kernelSide.reply);
        continue;
      }
      expect(
        simSide,
        `${label}\n${k.output}\nsimulator: ${s.request.drop?.message ?? ""} ${s.reply.drop?.message ?? ""}`,
      ).toEqual(kernelSide);
    }
    // The same state must print the same routing table, and the same route decision.
    for (const ns of run.namespaces) {
      const ours = runShow(sim.world, ns, ["ip", "route"]);
      let real = await run.exec(ns, "ip route");
      if (real.stdout !== ours.output && ours.output.includes("linkdown")) {
        // The kernel marks routes linkdown from its linkwatch work, up to a second after the
        // carrier went: read again once that has surely run.
        await new Promise((resolve) => setTimeout(resolve, 1200));
        real = await run.exec(ns, "ip route");
      }
      expect(ours.output, `ip -n ${ns} route`).toBe(real.stdout);
    }
    for (const command of opts.compareShow ?? [])
      for (const ns of run.namespaces) {
        const ours = runShow(sim.world, ns, command.split(" "));
        if (!ours.ok) continue;
        const real = await run.exec(ns, command);
        expect(ours.output, `ip netns exec ${ns} ${command}`).toBe(real.stdout);
      }
    for (const p of probes) {
      const real = await run.exec(p.from, `ip route get ${p.to}`);
      const ours = runShow(sim.world, p.from, ["ip", "route", "get", p.to]);
      expect(ours.output, `ip -n ${p.from} route get ${p.to}`).toBe(
        real.code === 0 ? real.stdout : real.stderr,
      );
    }
    return { setupErrors: run.setupErrors, verdicts };
  } finally {
    await run.cleanup();
  }
}
