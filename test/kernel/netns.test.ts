// Tests of the kernel harness itself, on the example scenarios: if these fail, a disagreement
// between the simulator and the kernel may be the harness's fault. They need root and network
// namespaces; without them the file is skipped, unless PODNET_REQUIRE_KERNEL=1 (CI on a machine
// that has them), where a missing kernel is a failure.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildInKernel,
  type KernelRun,
  kernelAvailable,
  renamePrefix,
  requireKernel,
  uniquePrefix,
} from "./netns";

const kernel = kernelAvailable();
const KERNEL_TIMEOUT = 30_000;

function example(name: string, prefix: string): string {
  const text = readFileSync(new URL(`../../examples/scripts/${name}`, import.meta.url), "utf8");
  return renamePrefix(text, "ex-", prefix);
}

function namespacesStartingWith(prefix: string): string[] {
  return execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith(prefix));
}

/** Builds `script` (named with `prefix`), hands the run to `body`, and always cleans up. */
async function withRun<T>(
  script: string,
  body: (run: KernelRun) => Promise<T>,
  opts?: { listenPorts?: number[] },
): Promise<T> {
  const run = await buildInKernel(script, opts);
  try {
    return await body(run);
  } finally {
    await run.cleanup();
  }
}

describe.skipIf(!kernel.ok && !requireKernel())("kernel harness (network namespaces)", () => {
  beforeAll(() => {
    if (!kernel.ok) throw new Error(`PODNET_REQUIRE_KERNEL=1 but no usable kernel: ${kernel.why}`);
  });

  describe("flannel-vxlan.sh", () => {
    const p = uniquePrefix("flannel");
    let run: KernelRun;
    beforeAll(async () => {
      run = await buildInKernel(example("flannel-vxlan.sh", p));
    }, KERNEL_TIMEOUT);
    afterAll(() => run?.cleanup());

    it("builds with no errors", () => {
      expect(run.setupErrors).toEqual([]);
      expect(run.namespaces).toEqual(
        ["router", "sw", "node1", "node2", "pod-a", "pod-b"].map((n) => p + n),
      );
    });

    it(
      "delivers a ping from pod A to pod B and gets the reply",
      async () => {
        const r = await run.probe({ from: `${p}pod-a`, to: "10.244.2.15", proto: "icmp" });
        expect(r).toMatchObject({
          requestDeliveredTo: [`${p}pod-b`],
          replyDelivered: true,
          icmpErrors: [],
          localError: null,
        });
      },
      KERNEL_TIMEOUT,
    );

    it(
      "reports the pod's local error for a 1451-byte packet with DF on MTU 1450",
      async () => {
        const r = await run.probe({
          from: `${p}pod-a`,
          to: "10.244.2.15",
          proto: "icmp",
          size: 1423,
          df: true,
        });
        expect(r.localError).toBe("ping: local error: message too long, mtu=1450");
        expect(r.requestDeliveredTo).toEqual([]);
        expect(r.replyDelivered).toBe(false);
      },
      KERNEL_TIMEOUT,
    );

    it(
      "connects over TCP to pod B's port 80",
      async () => {
        const r = await run.probe({ from: `${p}pod-a`, to: "10.244.2.15", proto: "tcp" });
        expect(r.requestDeliveredTo).toEqual([`${p}pod-b`]);
        expect(r.replyDelivered).toBe(true);
      },
      KERNEL_TIMEOUT,
    );

    it(
      "does not count a refused TCP connection as a reply",
      async () => {
        const r = await run.probe({
          from: `${p}pod-a`,
          to: "10.244.2.15",
          proto: "tcp",
          dport: 81,
        });
        expect(r.requestDeliveredTo).toEqual([`${p}pod-b`]);
        expect(r.replyDelivered).toBe(false);
        expect(r.localError).toBeNull();
        expect(r.output).toContain("Connection refused");
      },
      KERNEL_TIMEOUT,
    );

    it(
      "attributes each of two probes started together to its own destination",
      async () => {
        const [toPod, toGateway] = await Promise.all([
          run.probe({ from: `${p}pod-a`, to: "10.244.2.15", proto: "icmp" }),
          run.probe({ from: `${p}pod-a`, to: "10.244.1.1", proto: "icmp" }),
        ]);
        expect(toPod.requestDeliveredTo).toEqual([`${p}pod-b`]);
        expect(toGateway.requestDeliveredTo).toEqual([`${p}node1`]);
      },
      KERNEL_TIMEOUT,
    );

    it(
      "shows node1's routes as RESULTS.md does",
      async () => {
        const r = await run.exec(`${p}node1`, "ip route");
        expect(r).toEqual({
          code: 0,
          stderr: "",
          stdout: [
            "default via 192.168.1.1 dev eth0 ",
            "10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1 ",
            "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink ",
            "192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.12 ",
            "",
          ].join("\n"),
        });
      },
      KERNEL_TIMEOUT,
    );

    it("refuses exec in a namespace that is not the run's", async () => {
      await expect(run.exec("somewhere-else", "ip route")).rejects.toThrow(/not a namespace/);
    });
  });

  // Each variation builds its own copy under its own prefix, concurrently: that also shows that
  // runs share nothing.
  describe.concurrent("variations of flannel-vxlan.sh", () => {
    it(
      "loses the request at node1 when its FORWARD policy is DROP",
      async ({ expect }) => {
        const p = uniquePrefix("fwddrop");
        const script = `${example("flannel-vxlan.sh", p)}ip netns exec ${p}node1 iptables -P FORWARD DROP\n`;
        const r = await withRun(script, (run) =>
          run.probe({ from: `${p}pod-a`, to: "10.244.2.15", proto: "icmp" }),
        );
        expect(r.requestDeliveredTo).toEqual([]);
        expect(r.replyDelivered).toBe(false);
      },
      KERNEL_TIMEOUT,
    );

    it(
      "delivers the request but loses the reply when node2 has no route back",
      async ({ expect }) => {
        const p = uniquePrefix("noreturn");
        const script = `${example("flannel-vxlan.sh", p)}ip -n ${p}node2 route del 10.244.1.0/24\n`;
        const r = await withRun(script, (run) =>
          run.probe({ from: `${p}pod-a`, to: "10.244.2.15", proto: "icmp" }),
        );
        expect(r.requestDeliveredTo).toEqual([`${p}pod-b`]);
        expect(r.replyDelivered).toBe(false);
        expect(r.icmpErrors).toEqual([]);
      },
      KERNEL_TIMEOUT,
    );

    it(
      "reports a route via a down device with its line number and the kernel's message",
      async ({ expect }) => {
        const p = uniquePrefix("downdev");
        // RESULTS.md's "node2's flannel.1 never set up": line 50 removed, so 55 becomes 54.
        const script = example("flannel-vxlan.sh", p).replace(
          `ip -n ${p}node2 link set flannel.1 up\n`,
          "",
        );
        const run = await buildInKernel(script);
        try {
          expect(run.setupErrors).toEqual([
            {
              line: 54,
              command: `ip -n ${p}node2 route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink`,
              message: "Error: Nexthop device is not up.",
            },
          ]);
          const r = await run.probe({ from: `${p}pod-a`, to: "10.244.2.15", proto: "icmp" });
          expect(r.replyDelivered).toBe(false);
        } finally {
          await run.cleanup();
        }
      },
      KERNEL_TIMEOUT,
    );

    it(
      "answers TCP on a ClusterIP through DNAT to pod B, but not ping",
      async ({ expect }) => {
        const p = uniquePrefix("clusterip");
        const script = example("flannel-vxlan.sh", p) + example("clusterip-iptables.sh", p);
        await withRun(
          script,
          async (run) => {
            expect(run.setupErrors).toEqual([]);
            const tcp = await run.probe({ from: `${p}pod-a`, to: "10.96.0.80", proto: "tcp" });
            expect(tcp.requestDeliveredTo).toEqual([`${p}pod-b`]);
            expect(tcp.replyDelivered).toBe(true);
            const ping = await run.probe({ from: `${p}pod-a`, to: "10.96.0.80", proto: "icmp" });
            expect(ping.requestDeliveredTo).toEqual([]);
            expect(ping.replyDelivered).toBe(false);
          },
          { listenPorts: [8080] },
        );
      },
      KERNEL_TIMEOUT,
    );
  });

  describe("refusals and cleanup", () => {
    it("refuses a line that acts on the host's namespace, before running anything", async () => {
      const p = uniquePrefix("host");
      const cases = [
        "ip link set eth0 down",
        `ip -n ${p}a route; ip link del eth0`,
        `ip netns exec ${p}a true && ip link del eth0`,
        `ip -n ${p}a link set veth0 netns 1`,
        "iptables -P FORWARD DROP",
      ];
      for (const line of cases) {
        await expect(buildInKernel(`ip netns add ${p}a\n${line}\n`)).rejects.toThrow(
          /^refusing to run this script in the kernel:\nline 2: /,
        );
      }
      expect(namespacesStartingWith(p)).toEqual([]);
    });

    it("refuses namespaces not named with uniquePrefix()", async () => {
      await expect(buildInKernel("ip netns add ex-node1\n")).rejects.toThrow(
        /line 1: namespace "ex-node1" is not named with a uniquePrefix\(\)/,
      );
    });

    it(
      "leaves no namespace with the run's prefix after cleanup()",
      async () => {
        const p = uniquePrefix("clean");
        const run = await buildInKernel(example("flannel-vxlan.sh", p), { listenPorts: [80] });
        await run.probe({ from: `${p}pod-a`, to: "10.244.2.15", proto: "tcp" }); // starts listeners
        expect(namespacesStartingWith(p)).toHaveLength(6);
        await run.cleanup();
        expect(namespacesStartingWith(p)).toEqual([]);
        await expect(
          run.probe({ from: `${p}pod-a`, to: "10.244.2.15", proto: "icmp" }),
        ).rejects.toThrow(/cleaned up/);
      },
      KERNEL_TIMEOUT,
    );

    it("renames only namespace names", () => {
      const script = [
        "ip netns add ex-a",
        "ip -n ex-a link add eth0 type veth peer name ex-b netns ex-b",
        'ip netns exec ex-a iptables -A INPUT -m comment --comment "ex-a" -j ACCEPT',
        "bridge -n ex-a fdb show",
      ].join("\n");
      expect(renamePrefix(script, "ex-", "P-")).toBe(
        [
          "ip netns add P-a",
          "ip -n P-a link add eth0 type veth peer name ex-b netns P-b",
          'ip netns exec P-a iptables -A INPUT -m comment --comment "ex-a" -j ACCEPT',
          "bridge -n P-a fdb show",
        ].join("\n"),
      );
    });
  });
});
