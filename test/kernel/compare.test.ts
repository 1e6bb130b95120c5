/**
 * The kernel is the oracle: every generated scenario is built twice, in the simulator and in real
 * network namespaces, probed the same way, and the verdicts must agree: the same refused lines,
 * the request delivered to the same namespace, the reply back or not, the same ICMP error or local
 * error heard by the sender, and the same `ip route` / `ip route get` text.
 */
import { describe, expect, test } from "vitest";
import { type ProbeResult, probe, runScript, runShow } from "../../src/sim";
import {
  buildInKernel,
  type KernelProbeResult,
  kernelAvailable,
  renamePrefix,
  requireKernel,
  uniquePrefix,
} from "./netns";
import { generateScenarios, type Scenario } from "./scenarios";

const kernel = kernelAvailable();
const prefix = uniquePrefix("cmp");
const scenarios = generateScenarios(prefix);

/** Three builds at a time (each under its own prefix): the kernel side mostly waits on ping timeouts. */
const PARALLEL = 3;
let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** What the sender heard: the ICMP lines ping printed, or the client's own error. */
function kernelHeard(k: KernelProbeResult, proto: string): string[] {
  const heard = k.icmpErrors.map((l) => l.replace(/ icmp_seq=\d+ /, " icmp_seq=1 "));
  if (k.localError) heard.push(k.localError);
  else if (proto === "tcp" && /connect: Connection refused/.test(k.output))
    heard.push("connect: Connection refused");
  return heard;
}

function simHeard(r: ProbeResult, proto: string): string[] {
  const heard = [...r.icmpHeard];
  const reported = r.request.delivered ? null : (r.request.drop?.reported ?? null);
  if (reported !== null && !(proto === "icmp" && reported.startsWith("From ")))
    heard.push(reported);
  return heard;
}

describe.skipIf(!kernel.ok && !requireKernel())("simulator and Linux agree", () => {
  test("the kernel is available where it is required", () => {
    expect(kernel.ok ? "ok" : kernel.why).toBe("ok");
  });

  test(`the generator made at least 150 scenarios (${scenarios.length})`, () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(150);
  });

  test.concurrent.each(scenarios.map((s) => [s.id, s] as const))(
    "%s",
    { timeout: 120_000 },
    async (_id, generated: Scenario) => {
      await slot(async () => {
        // Scenarios share namespace names; concurrent builds each get a prefix of their own.
        const own = uniquePrefix("s");
        const scenario: Scenario = {
          ...generated,
          script: renamePrefix(generated.script, prefix, own),
          probes: generated.probes.map((p) => ({ ...p, from: own + p.from.slice(prefix.length) })),
        };
        const sim = runScript(scenario.script);
        // The simulator assumes a TCP listener on every port, so the kernel gets one on every port
        // the scenario can reach: the probes' ports, the scenario's own, and every DNAT target port.
        const dnatPorts = [...scenario.script.matchAll(/--to-destination [0-9.]+:(\d+)/g)].map(
          (m) => Number(m[1]),
        );
        const listenPorts = [
          ...new Set([
            ...(scenario.listenPorts ?? []),
            ...scenario.probes.map((p) => p.dport ?? 80),
            ...dnatPorts,
          ]),
        ];
        const run = await buildInKernel(scenario.script, { listenPorts });
        try {
          expect(
            sim.setupErrors.map((e) => e.line),
            "refused lines",
          ).toEqual(run.setupErrors.map((e) => e.line));
          for (const p of scenario.probes) {
            const label = `${p.proto} ${p.from} → ${p.to}${p.dport ? `:${p.dport}` : ""}${p.size ? ` size ${p.size}` : ""}${p.df ? " DF" : ""}`;
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
            const kernelSide = {
              delivered: k.requestDeliveredTo[0] ?? null,
              reply: k.replyDelivered,
              heard: kernelHeard(k, p.proto),
            };
            if (scenario.multipleOutcomes) {
              expect(simSide.reply, `${label}: reply`).toBe(kernelSide.reply);
              continue;
            }
            expect(
              simSide,
              `${label}\n${k.output}\nsimulator: ${s.request.drop?.message ?? ""} ${s.reply.drop?.message ?? ""}`,
            ).toEqual(kernelSide);
          }
          // The same state must print the same routing table, and the same route decision.
          const namespaces = [...new Set(scenario.probes.map((p) => p.from))];
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
          for (const p of scenario.probes.filter((x) => namespaces.includes(x.from))) {
            const real = await run.exec(p.from, `ip route get ${p.to}`);
            const ours = runShow(sim.world, p.from, ["ip", "route", "get", p.to]);
            expect(ours.output, `ip -n ${p.from} route get ${p.to}`).toBe(
              real.code === 0 ? real.stdout : real.stderr,
            );
          }
        } finally {
          await run.cleanup();
        }
      });
    },
  );
});
