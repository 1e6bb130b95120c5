import { describe, expect, test } from "vitest";
import { type ProbeResult, probe, runCluster } from "../../src/sim";
import { TraceViewer } from "../../src/ui/screens/trace-viewer";
import { widthOf } from "../../src/ui/text";
import { headerRows, stationsOf, verdictWords } from "../../src/ui/trace-model";
import { buildCluster, exampleCluster, pingPod } from "../cni/helpers";
import { KEY, press, pressEach, renderUi, settle, waitForFrame } from "../helpers/ui";

const flannel = buildCluster(exampleCluster("flannel-vxlan"));
const delivered = pingPod(flannel, "pod-a", "pod-b");

function blocked() {
  const { world } = runCluster({
    ...flannel,
    script: `${flannel.script}ip netns exec node2 iptables -A INPUT -p udp --dport 8472 -j DROP\n`,
  });
  const podB = flannel.plan.pods.find((p) => p.name === "pod-b");
  const r = probe(world, { from: "pod-a", to: podB ? formatIp(podB.ip) : "", proto: "icmp" });
  if ("error" in r) throw new Error(r.error);
  return r;
}

function viewOf(result: ProbeResult) {
  return { hops: result.hops, ...verdictWords(result) };
}

function formatIp(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
}

describe("the trace viewer's model", () => {
  test("the strip follows pod-a, node1, the underlay, node2, pod-b, encapsulated between the nodes", () => {
    const request = stationsOf(delivered.hops).filter((s) => s.flow === "request");
    // sw1 is the underlay's switch namespace: the subnet both nodes are on.
    expect(request.map((s) => s.netns)).toEqual(["pod-a", "node1", "sw1", "node2", "pod-b"]);
    const node1 = request.find((s) => s.netns === "node1");
    expect(node1?.encapsulatedAfter).toBe(true);
  });

  test("an encapsulated hop shows outer and inner headers, with the VXLAN port and VNI", () => {
    const encap = delivered.hops.find((h) => h.kind === "encap");
    if (!encap) throw new Error("no encap hop");
    const rows = headerRows(encap);
    expect(rows.map((r) => r.layer)).toContain("outer");
    expect(rows.map((r) => r.layer)).toContain("inner");
    const udp = rows.find((r) => r.layer === "outer" && r.name === "UDP");
    expect(udp?.value).toMatch(/→ 8472 {2}VXLAN VNI 1$/);
    const innerIp = rows.find((r) => r.layer === "inner" && r.name === "IPv4");
    expect(innerIp?.value).toContain("10.244.");
  });
});

describe("the trace viewer", () => {
  test("steps hop by hop with the arrow keys and shows each hop's headers", async () => {
    const { lastFrame, stdin } = renderUi(
      <TraceViewer {...viewOf(delivered)} title="ping pod-a → pod-b" onClose={() => {}} />,
    );
    let frame = await waitForFrame(lastFrame, (f) => f.includes("hop 1 of"));
    expect(frame).toContain("[pod-a]");
    expect(frame).toContain("request: delivered to pod-b");
    const encapAt = delivered.hops.findIndex((h) => h.kind === "encap");
    for (let i = 0; i < encapAt; i++) await press(stdin, KEY.right);
    frame = await waitForFrame(lastFrame, (f) => f.includes(`hop ${encapAt + 1} of`));
    expect(frame).toContain("outer");
    expect(frame).toContain("VXLAN VNI 1");
    expect(frame).toContain("[node1]");
    await press(stdin, KEY.left);
    await waitForFrame(lastFrame, (f) => f.includes(`hop ${encapAt} of`));
    for (const line of frame.split("\n")) expect(widthOf(line)).toBeLessThanOrEqual(80);
  });

  test("a dropped packet stops where it died, with the reason and a ✗ beside it", async () => {
    const result = blocked();
    const { lastFrame, stdin } = renderUi(
      <TraceViewer {...viewOf(result)} title="ping pod-a → pod-b" onClose={() => {}} />,
    );
    await waitForFrame(lastFrame, (f) => f.includes("hop 1 of"));
    await press(stdin, "G");
    const frame = await waitForFrame(lastFrame, (f) => f.includes("dropped:"));
    expect(frame).toContain("✗ dropped: filter INPUT: dropped by rule 1 of INPUT");
    expect(frame).toContain("⇒ [node2] ✗");
  });

  test("the list view shows every hop and Enter jumps to one", async () => {
    let closed = 0;
    const { lastFrame, stdin } = renderUi(
      <TraceViewer {...viewOf(delivered)} title="ping" onClose={() => closed++} />,
    );
    await waitForFrame(lastFrame, (f) => f.includes("hop 1 of"));
    await press(stdin, KEY.tab);
    await waitForFrame(lastFrame, (f) => f.includes("  2 pod-a"));
    await settle();
    await pressEach(stdin, lastFrame, KEY.down, KEY.down);
    await press(stdin, KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes("hop 3 of"));
    await press(stdin, "q");
    expect(closed).toBe(1);
  });
});
