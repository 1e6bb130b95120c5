// Lesson 4 (flannel-vxlan) states what flannel.1 is, what it puts on the wire, the three entries
// flanneld writes per remote node and what MTU 1450 does to a big DF ping. Each test here checks
// one of those statements against the simulator, on the lesson's own cluster file and with the
// lesson's own scenario changes, so the text and the simulator cannot drift apart.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { validateLessons } from "../../src/checker/validate";
import { loadPack } from "../../src/lessons/pack";
import { formatProblem } from "../../src/lessons/parse";
import { hopsToJson, type ProbeResult, probe, runScript, runShow } from "../../src/sim";
import { buildCluster, podIp } from "../cni/helpers";

const LESSONS = new URL("../../lessons/", import.meta.url);

interface Step {
  id: string;
  kind: string;
  scenario?: { cluster: string; changes?: string[] };
  text?: { en: string; ko: string };
  answer?: string;
}
const lesson = parse(readFileSync(new URL("04-flannel-vxlan.yaml", LESSONS), "utf8")) as {
  clusters: Record<string, string>;
  steps: Step[];
};

function step(id: string): Step {
  const found = lesson.steps.find((s) => s.id === id);
  if (!found) throw new Error(`lesson 4 has no step ${id}`);
  return found;
}

/** The lesson's cluster, built, with a step's scenario changes applied (they must all apply). */
function scenario(stepId?: string) {
  const s = stepId ? step(stepId) : undefined;
  const file = lesson.clusters[s?.scenario?.cluster ?? "two-nodes"] as string;
  const c = buildCluster(readFileSync(new URL(file, LESSONS), "utf8"));
  expect(c.setupErrors).toEqual([]);
  const changes = (s?.scenario?.changes ?? []).join("\n");
  expect(runScript(changes, c.world).setupErrors).toEqual([]);
  return c;
}

type Cluster = ReturnType<typeof scenario>;

function ping(c: Cluster, from: string, to: string, extra: { size?: number; df?: boolean } = {}) {
  const r = probe(c.world, { from, to: podIp(c.plan, to), proto: "icmp", ...extra });
  if ("error" in r) throw new Error(r.error);
  return r;
}

/** Runs a line in a node's shell, as the lesson's `fix` step does; returns what it printed. */
function sh(c: Cluster, node: string, line: string) {
  return runShow(c.world, node, line.split(" "));
}

function firstEncap(r: ProbeResult) {
  const hop = hopsToJson(r.hops).find((h) => h.kind === "encap" && h.flow === "request");
  if (!hop) throw new Error("the request was not encapsulated");
  return hop.packet;
}

describe("lesson 4, flannel-vxlan: what the text says about flannel.1", () => {
  test("flannel.1 is a nolearning VXLAN device, VNI 1, UDP 8472, MTU 1450, with the lease's .0/32", () => {
    const c = scenario();
    const link = sh(c, "node1", "ip -d link show flannel.1").output;
    expect(link).toContain("mtu 1450");
    expect(link).toMatch(/vxlan id 1 .*dstport 8472 nolearning/);
    expect(sh(c, "node1", "ip addr show flannel.1").output).toContain("inet 10.244.1.0/32");
  });

  test("the outer header goes node1 → node2 on UDP 8472 with VNI 1, 50 bytes more, the inner pod-to-pod header kept", () => {
    const c = scenario();
    const outer = firstEncap(ping(c, "pod-a", "pod-b"));
    expect(outer.ip).toMatchObject({ src: "192.168.1.11", dst: "192.168.1.12", proto: "udp" });
    expect(outer.udp?.dport).toBe(8472);
    expect(outer.vxlan).toEqual({ vni: 1 });
    expect(outer.inner?.ip).toMatchObject({ src: "10.244.1.2", dst: "10.244.2.2" });
    expect(outer.ip.length - (outer.inner?.ip.length ?? 0)).toBe(50);
  });

  test("node1 holds the route, the permanent neighbour and the FDB entry for node2 that the lesson quotes", () => {
    const c = scenario();
    expect(sh(c, "node1", "ip route").output).toContain(
      "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink \n",
    );
    expect(sh(c, "node1", "ip neigh show dev flannel.1").output).toContain(
      "10.244.2.0 lladdr 0a:58:0a:f4:02:00 PERMANENT",
    );
    expect(sh(c, "node1", "bridge fdb show dev flannel.1").output).toBe(
      "0a:58:0a:f4:02:00 dst 192.168.1.12 self permanent\n",
    );
  });

  test("cni0 and the pods' eth0 have MTU 1450", () => {
    const c = scenario();
    expect(sh(c, "node1", "ip link show cni0").output).toContain("mtu 1450");
    expect(sh(c, "pod-a", "ip link show eth0").output).toContain("mtu 1450");
    expect(sh(c, "pod-b", "ip link show eth0").output).toContain("mtu 1450");
  });

  test("with DF set, 1422 bytes of payload pass; 1423 and 1473 are refused inside pod A with mtu=1450", () => {
    const c = scenario();
    expect(ping(c, "pod-a", "pod-b", { size: 1422, df: true }).reply.delivered).toBe(true);
    for (const size of [1423, 1473]) {
      const r = ping(c, "pod-a", "pod-b", { size, df: true });
      expect(r.request.drop).toMatchObject({
        netns: "pod-a",
        reason: "local-mtu",
        reported: "ping: local error: message too long, mtu=1450",
      });
    }
  });
});

describe("lesson 4, flannel-vxlan: the exercises' scenarios behave as their texts say", () => {
  test("restore-route-to-node2: without the route pod A's packet dies at the router; without onlink the kernel refuses the gateway", () => {
    const c = scenario("restore-route-to-node2");
    expect(ping(c, "pod-a", "pod-b").request.drop).toMatchObject({
      netns: "router",
      reason: "no-route",
    });
    expect(sh(c, "node1", "ip route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1").output).toBe(
      "Error: Nexthop has invalid gateway.\n",
    );
    expect(sh(c, "node1", `ip route add ${step("restore-route-to-node2").answer}`).ok).toBe(true);
    expect(ping(c, "pod-a", "pod-b").reply.delivered).toBe(true);
  });

  test("repair-fdb-entry: node1 sends the outer packet to node2's old address, where nobody answers ARP", () => {
    const c = scenario("repair-fdb-entry");
    const r = ping(c, "pod-a", "pod-b");
    expect(firstEncap(r).ip.dst).toBe("192.168.1.21");
    expect(r.request.drop).toMatchObject({ netns: "node1", reason: "neighbour-failed" });
    expect(r.request.drop?.message).toContain("ARP for 192.168.1.21");
  });

  test("repair-fdb-entry: append leaves a unicast MAC's entry as it was, add is refused, replace repairs it", () => {
    const c = scenario("repair-fdb-entry");
    const entry = "0a:58:0a:f4:02:00 dev flannel.1 dst 192.168.1.12 self permanent";
    expect(sh(c, "node1", `bridge fdb append ${entry}`).ok).toBe(true);
    expect(sh(c, "node1", "bridge fdb show dev flannel.1").output).toBe(
      "0a:58:0a:f4:02:00 dst 192.168.1.21 self permanent\n",
    );
    expect(sh(c, "node1", `bridge fdb add ${entry}`).output).toBe(
      "RTNETLINK answers: File exists\n",
    );
    expect(sh(c, "node1", (step("repair-fdb-entry").answer ?? "").trim()).ok).toBe(true);
    expect(ping(c, "pod-a", "pod-b").reply.delivered).toBe(true);
  });
});

describe("lesson 4, flannel-vxlan: the lesson engine", () => {
  // The pack's own checks across lessons (prerequisites, ids) are `validate`'s; here the lesson
  // loads and every answer of it is judged as the file states.
  test("loads, and every reference answer passes and every wrong answer fails as stated", () => {
    const pack = loadPack(new URL(".", LESSONS).pathname, "lessons");
    const lesson = pack.lessons.find((l) => l.id === "flannel-vxlan");
    expect(lesson?.file).toBe("lessons/04-flannel-vxlan.yaml");
    if (!lesson) return;
    const validated = validateLessons([lesson]);
    expect(validated.problems.map(formatProblem)).toEqual([]);
    expect(validated.exercises).toBe(5);
  });
});
