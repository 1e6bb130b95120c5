/**
 * The kernel is the oracle: every generated scenario is built twice, in the simulator and in real
 * network namespaces, probed the same way, and the verdicts must agree: the same refused lines,
 * the request delivered to the same namespace, the reply back or not, the same ICMP error or local
 * error heard by the sender, and the same `ip route` / `ip route get` text (compare-helpers.ts).
 */
import { describe, expect, test } from "vitest";
import { compareWithKernel, semaphore } from "./compare-helpers";
import { kernelAvailable, renamePrefix, requireKernel, uniquePrefix } from "./netns";
import { generateScenarios, type Scenario } from "./scenarios";

const kernel = kernelAvailable();
const prefix = uniquePrefix("cmp");
const scenarios = generateScenarios(prefix);

/** Three builds at a time (each under its own prefix): the kernel side mostly waits on ping timeouts. */
const slot = semaphore(3);

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
        await compareWithKernel(
          renamePrefix(generated.script, prefix, own),
          generated.probes.map((p) => ({ ...p, from: own + p.from.slice(prefix.length) })),
          { listenPorts: generated.listenPorts, multipleOutcomes: generated.multipleOutcomes },
        );
      });
    },
  );
});
