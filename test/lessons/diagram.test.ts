import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  cniDevices,
  displayWidth,
  drawTopology,
  padToWidth,
  truncateToWidth,
} from "../../src/lessons/diagram";
import { type ClusterPlan, runCluster } from "../../src/sim";
import { formatCidr, loadCluster } from "../../src/sim/cluster/load";
import { clusterBuild } from "../../src/sim/cni";
import { formatIpv4 } from "../../src/sim/ipv4";
import { exampleCluster } from "../cni/helpers";

const EXAMPLES = readdirSync(new URL("../../examples/clusters/", import.meta.url))
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => f.replace(/\.yaml$/, ""));

function planOf(text: string): ClusterPlan {
  const loaded = loadCluster(text);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
  return loaded.plan;
}

/** Six nodes on one subnet, a pod each: more than fit side by side in 80 columns. */
const SIX_NODES = `formatVersion: 1
name: six
underlay:
  subnets:
    - cidr: 192.168.1.0/24
cni:
  plugin: flannel
nodes:
${[1, 2, 3, 4, 5, 6].map((i) => `  - {name: node${i}, ip: 192.168.1.${10 + i}}`).join("\n")}
pods:
${[1, 2, 3, 4, 5, 6].map((i) => `  - {name: pod-${i}, node: node${i}}`).join("\n")}
`;

describe("the topology diagram of every example cluster", () => {
  it("has examples to draw", () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(15);
  });

  for (const name of EXAMPLES) {
    describe(name, () => {
      const plan = planOf(exampleCluster(name));
      const lines = drawTopology(plan, { width: 80 });
      const text = lines.join("\n");

      it("shows every node with its address and pod CIDR, and every pod with its address", () => {
        for (const node of plan.nodes) {
          expect(text).toContain(` ${node.name} `);
          expect(text).toContain(formatIpv4(node.ip));
          expect(text).toContain(formatCidr(node.podCidr));
        }
        for (const pod of plan.pods)
          expect(
            lines.some((l) => new RegExp(`\\b${pod.name} +${formatIpv4(pod.ip)}\\b`).test(l)),
          ).toBe(true);
      });

      it("shows every subnet with the router's address on it", () => {
        for (const subnet of plan.subnets)
          expect(text).toContain(
            `${formatCidr(subnet.cidr)} (router ${formatIpv4(subnet.gateway)})`,
          );
      });

      it("shows every Service's ClusterIP and endpoints", () => {
        for (const service of plan.services) {
          expect(text).toContain(`${formatIpv4(service.clusterIp)}:${service.ports[0]?.port}/`);
          for (const e of service.endpoints)
            expect(text).toContain(`${e.pod} ${formatIpv4(e.ip)}:`);
        }
      });

      it("fits 80 columns, every line measured", () => {
        for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(80);
        expect(text).not.toContain("narrow");
      });

      it("uses only ASCII when asked to, and still fits", () => {
        const ascii = drawTopology(plan, { width: 80, ascii: true });
        for (const line of ascii) {
          expect(line).toMatch(/^[\x20-\x7e]*$/);
          expect(line.length).toBeLessThanOrEqual(80);
        }
        expect(ascii.join("\n")).toContain(plan.nodes[0]?.name);
      });

      it("names only devices the CNI's installer really creates on each node", () => {
        const { world } = runCluster(clusterBuild(plan));
        for (const node of plan.nodes) {
          const devices = cniDevices(plan, node);
          for (const device of devices) {
            expect(world.netns.get(node.name)?.links.has(device), `${device} on ${node.name}`).toBe(
              true,
            );
            expect(text).toContain(device);
          }
        }
      });
    });
  }

  it("names the overlay devices each plugin installs", () => {
    const devices = (name: string) => {
      const plan = planOf(exampleCluster(name));
      return cniDevices(plan, plan.nodes[0] as ClusterPlan["nodes"][number]);
    };
    expect(devices("flannel-vxlan")).toEqual(["cni0", "flannel.1"]);
    expect(devices("flannel-host-gw")).toEqual(["cni0"]);
    expect(devices("calico-ipip-crosssubnet")).toEqual(["tunl0"]);
    expect(devices("calico-vxlan")).toEqual(["vxlan.calico"]);
    expect(devices("calico-bgp")).toEqual([]);
    expect(devices("cilium-geneve")).toEqual(["cilium_host", "cilium_net", "cilium_geneve"]);
    expect(devices("cilium-native")).toEqual(["cilium_host", "cilium_net"]);
    expect(devices("weave-sleeve")).toEqual(["weave", "vethwe-bridge", "vethwe-pcap"]);
  });
});

describe("layout", () => {
  it("puts six nodes on further rows at 80 columns", () => {
    const lines = drawTopology(planOf(SIX_NODES), { width: 80 });
    const top = (node: string) => lines.findIndex((l) => l.includes(`─ ${node} ─`));
    expect(top("node1")).toBeGreaterThan(0);
    expect(top("node6")).toBeGreaterThan(top("node1"));
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(80);
    for (let i = 1; i <= 6; i++) expect(lines.join("\n")).toContain(`pod-${i} 10.244.${i}.2`);
  });

  it("puts more boxes on a row when the terminal is wider", () => {
    const rowsAt = (width: number) =>
      drawTopology(planOf(SIX_NODES), { width }).filter((l) => l.includes("┌─ node")).length;
    expect(rowsAt(200)).toBe(1);
    expect(rowsAt(80)).toBeGreaterThan(1);
  });

  it("draws the two subnets of a cross-subnet cluster off the router, each with its nodes", () => {
    const lines = drawTopology(planOf(exampleCluster("calico-ipip-crosssubnet")), { width: 80 });
    const first = lines.findIndex((l) => l.startsWith("├─ 192.168.1.0/24"));
    const second = lines.findIndex((l) => l.startsWith("└─ 192.168.2.0/24"));
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    const node3 = lines.findIndex((l) => l.includes("─ node3 ─"));
    const node1 = lines.findIndex((l) => l.includes("─ node1 ─"));
    expect(node1).toBeGreaterThan(first);
    expect(node1).toBeLessThan(second);
    expect(node3).toBeGreaterThan(second);
  });

  it("fits a narrow terminal, cutting what does not fit and saying so", () => {
    const plan = planOf(exampleCluster("services-iptables"));
    for (const width of [40, 24]) {
      const lines = drawTopology(plan, { width });
      for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(width);
    }
    expect(drawTopology(plan, { width: 24 }).join("\n")).toContain("narrow");
  });

  it("lists a Service with no endpoint as such", () => {
    const text = exampleCluster("services-iptables").concat(
      "  - name: empty\n    clusterIP: 10.96.0.81\n    selector: {app: none}\n    ports: [{port: 80}]\n",
    );
    expect(drawTopology(planOf(text), { width: 80 }).join("\n")).toContain(
      "empty  10.96.0.81:80/TCP → no endpoints",
    );
  });
});

describe("measuring text in terminal columns", () => {
  it("counts East Asian wide characters as two columns", () => {
    expect(displayWidth("node1")).toBe(5);
    expect(displayWidth("노드1")).toBe(5);
    expect(displayWidth("パケット")).toBe(8);
    expect(displayWidth("ｐｏｄ")).toBe(6);
    expect(displayWidth("e\u0301")).toBe(1);
  });

  it("pads to a width in columns, not code units", () => {
    expect(padToWidth("노드", 6)).toBe("노드  ");
    expect(displayWidth(padToWidth("노드", 6))).toBe(6);
    expect(padToWidth("node1", 3)).toBe("node1");
  });

  it("cuts without splitting a wide character", () => {
    expect(truncateToWidth("노드노드", 6, "…")).toBe("노드…");
    expect(displayWidth(truncateToWidth("노드노드", 6, "…"))).toBeLessThanOrEqual(6);
    expect(truncateToWidth("node1", 5, "…")).toBe("node1");
    expect(truncateToWidth("node12", 5, "...")).toBe("no...");
  });
});
