import { describe, expect, test } from "vitest";
import { type ModeSummary, summarizeMode } from "../../src/compare/summary";
import { compareRows } from "../../src/compare/table";
import { CompareView } from "../../src/ui/screens/compare-view";
import { widthOf } from "../../src/ui/text";
import { buildCluster, exampleCluster } from "../cni/helpers";
import { KEY, press, renderUi, waitForFrame } from "../helpers/ui";

function summary(name: string): ModeSummary {
  const c = buildCluster(exampleCluster(name));
  const s = summarizeMode(c.plan, c.world, "pod-a", "pod-b");
  if ("error" in s) throw new Error(s.error);
  return s;
}

const flannel = summary("flannel-vxlan");
const calico = summary("calico-bgp");
const geneve = summary("cilium-geneve");
const weave = summary("weave");

describe("a mode's summary comes from its trace", () => {
  test("Flannel VXLAN: UDP 8472 VNI 1, 50 bytes, pod MTU 1450, two routes looked up on node1", () => {
    expect([flannel.encap, flannel.overhead, flannel.podMtu]).toEqual([
      "VXLAN UDP 8472 VNI 1",
      50,
      1450,
    ]);
    expect(flannel.routes[0]).toBe("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink");
    expect(flannel.devices).toContain("node1 flannel.1");
    expect(flannel.devices.some((d) => d.startsWith("sw"))).toBe(false);
  });

  test("Calico BGP: no encapsulation, the route via node2's own address, full MTU", () => {
    expect([calico.encap, calico.overhead, calico.podMtu]).toEqual(["none", 0, 1500]);
    expect(calico.routes[0]).toMatch(
      / via 192\.168\.1\.\d+ dev eth0 proto bird$|via 192\.168\.1\.\d+ dev eth0/,
    );
  });

  test("Cilium Geneve runs eBPF programs and carries UDP 6081", () => {
    expect(geneve.encap).toMatch(/^Geneve UDP 6081 VNI \d+$/);
    expect(geneve.ebpfRuns).toBeGreaterThan(0);
    expect(flannel.ebpfRuns).toBe(0);
  });

  test("rows mark what differs and leave what is the same unmarked", () => {
    const rows = compareRows([flannel, calico]);
    const byProperty = new Map(rows.map((r) => [r.property, r]));
    expect(byProperty.get("encap")?.differs).toBe(true);
    expect(byProperty.get("verdict")?.differs).toBe(false);
  });
});

describe("the compare view", () => {
  test("three modes side by side at 80 columns, → brings in the fourth", async () => {
    const { lastFrame, stdin } = renderUi(
      <CompareView modes={[flannel, calico, geneve, weave]} onClose={() => {}} />,
    );
    let frame = await waitForFrame(lastFrame, (f) => f.includes("modes 1-3 of 4"));
    expect(frame).toContain("Flannel vxlan");
    expect(frame).toContain("* encapsulation");
    expect(frame).toContain("VXLAN UDP 8472 VNI 1");
    for (const line of frame.split("\n")) expect(widthOf(line)).toBeLessThanOrEqual(80);
    await press(stdin, KEY.right);
    frame = await waitForFrame(lastFrame, (f) => f.includes("modes 2-4 of 4"));
    expect(frame).toContain("VXLAN UDP 6784 VNI 1");
  });
});
