// Lesson 5 (host-gw-and-bgp) states how Flannel host-gw and Calico BGP route without an overlay,
// what the blackhole for a node's own block does, and how both fail across a router that knows
// no pod CIDR. Each test checks one of those statements against the simulator, on the lesson's
// own cluster files and scenario changes.
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
  scenario?: { cluster: string; changes?: string[] };
  answer?: string;
  options?: { id: string; cni?: Record<string, unknown> }[];
}
const lesson = parse(readFileSync(new URL("05-host-gw-and-bgp.yaml", LESSONS), "utf8")) as {
  clusters: Record<string, string>;
  steps: Step[];
};

function step(id: string): Step {
  const found = lesson.steps.find((s) => s.id === id);
  if (!found) throw new Error(`lesson 5 has no step ${id}`);
  return found;
}

function clusterText(name: string): string {
  return readFileSync(new URL(lesson.clusters[name] as string, LESSONS), "utf8");
}

/** A cluster of the lesson, built cleanly, with a step's scenario changes applied. */
function cluster(name: string, changes: readonly string[] = []) {
  const c = buildCluster(clusterText(name));
  expect(c.setupErrors).toEqual([]);
  expect(runScript(changes.join("\n"), c.world).setupErrors).toEqual([]);
  return c;
}

function scenarioOf(stepId: string) {
  const s = step(stepId).scenario;
  if (!s) throw new Error(`step ${stepId} has no scenario`);
  return cluster(s.cluster, s.changes);
}

type Cluster = ReturnType<typeof cluster>;

function ping(c: Cluster, from: string, to: string): ProbeResult {
  const address = /^\d/.test(to) ? to : podIp(c.plan, to);
  const r = probe(c.world, { from, to: address, proto: "icmp" });
  if ("error" in r) throw new Error(r.error);
  return r;
}

function sh(c: Cluster, node: string, line: string) {
  return runShow(c.world, node, line.split(" "));
}

function encapsulated(r: ProbeResult): boolean {
  return r.hops.some((h) => h.kind === "encap" && h.flow === "request");
}

/** The route a namespace chose for the request, as the trace's route hop carries it. */
function routeAt(r: ProbeResult, netns: string): string | undefined {
  return hopsToJson(r.hops).find((h) => h.flow === "request" && h.netns === netns && h.route)
    ?.route;
}

/** The lesson's flannel-two-subnets cluster with the `cni:` block of one of the step's options. */
function withBackend(optionId: string) {
  const option = step("pick-flannel-backend").options?.find((o) => o.id === optionId);
  const backend = (option?.cni?.backend ?? {}) as { type: string; directRouting?: boolean };
  const text = clusterText("flannel-two-subnets").replace(
    "    type: vxlan\n",
    `    type: ${backend.type}\n${backend.directRouting ? "    directRouting: true\n" : ""}`,
  );
  return buildCluster(text);
}

describe("lesson 5, host-gw-and-bgp: Flannel host-gw", () => {
  test("node1 routes node2's lease via node2's address on eth0, adds no header, and pods keep MTU 1500", () => {
    const c = cluster("host-gw");
    expect(sh(c, "node1", "ip route").output).toContain(
      "10.244.2.0/24 via 192.168.1.12 dev eth0 \n",
    );
    const r = ping(c, "pod-a", "pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(encapsulated(r)).toBe(false);
    const leaving = hopsToJson(r.hops).find(
      (h) => h.netns === "node1" && h.dev === "eth0" && h.kind === "xmit",
    );
    expect(leaving?.packet.ip).toMatchObject({ src: "10.244.1.2", dst: "10.244.2.2" });
    expect(sh(c, "pod-a", "ip link show eth0").output).toContain("mtu 1500");
  });

  test("add-host-gw-route: the scenario dies at the router; the pod address as gateway and flannel.1 are refused", () => {
    const c = scenarioOf("add-host-gw-route");
    expect(ping(c, "pod-a", "pod-b").request.drop).toMatchObject({
      netns: "router",
      reason: "no-route",
    });
    expect(sh(c, "node1", "ip route add 10.244.2.0/24 via 10.244.2.2").output).toBe(
      "Error: Nexthop has invalid gateway.\n",
    );
    expect(
      sh(c, "node1", "ip route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink").output,
    ).toBe('Cannot find device "flannel.1"\n');
    expect(sh(c, "node1", `ip route add ${step("add-host-gw-route").answer}`).ok).toBe(true);
    expect(ping(c, "pod-a", "pod-b").reply.delivered).toBe(true);
  });
});

describe("lesson 5, host-gw-and-bgp: Calico BGP", () => {
  test("node1 has the bird route to node2's block, the blackhole for its own, and a /32 for its pod", () => {
    const routes = sh(cluster("calico-bgp"), "node1", "ip route").output;
    expect(routes).toContain("10.48.0.64/26 via 192.168.1.12 dev eth0 proto bird \n");
    expect(routes).toContain("blackhole 10.48.0.0/26 proto bird \n");
    expect(routes).toContain("10.48.0.0 dev calif3204136562 scope link \n");
  });

  test("pod A to pod B takes node2's /26 out of eth0, unencapsulated", () => {
    const r = ping(cluster("calico-bgp"), "pod-a", "pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(encapsulated(r)).toBe(false);
    expect(routeAt(r, "node1")).toMatch(/^10\.48\.0\.64\/26 via 192\.168\.1\.12 dev eth0/);
  });

  test("an address of node1's block that no pod holds is blackholed on node1, and ip route get says Invalid argument", () => {
    const c = cluster("calico-bgp");
    expect(ping(c, "pod-b", "10.48.0.9").request.drop).toMatchObject({
      netns: "node1",
      reason: "blackhole",
    });
    expect(sh(c, "node1", "ip route get 10.48.0.9").output).toBe(
      "RTNETLINK answers: Invalid argument\n",
    );
  });

  test("node3 across the router: BIRD's route points at the router, which drops pod C's packet with no-route", () => {
    const c = cluster("calico-bgp");
    expect(sh(c, "node1", "ip route").output).toContain(
      "10.48.0.128/26 via 192.168.1.1 dev eth0 proto bird \n",
    );
    const r = ping(c, "pod-a", "pod-c");
    expect(r.request.drop).toMatchObject({ netns: "router", reason: "no-route" });
    expect(r.request.drop?.message).toContain("no route to 10.48.0.128 in router's table");
  });
});

describe("lesson 5, host-gw-and-bgp: picking a Flannel backend for two subnets", () => {
  test("host-gw: flanneld's routes to the other subnet are refused and pod C's packet dies at the router", () => {
    const c = withBackend("host-gw");
    expect(c.setupErrors.map((e) => e.message)).toContain("Error: Nexthop has invalid gateway.");
    expect(ping(c, "pod-a", "pod-b").reply.delivered).toBe(true);
    expect(ping(c, "pod-a", "pod-c").request.drop).toMatchObject({
      netns: "router",
      reason: "no-route",
    });
  });

  test("vxlan: every pod reaches every other, but pod B's traffic is encapsulated too", () => {
    const c = withBackend("vxlan");
    expect(c.setupErrors).toEqual([]);
    expect(ping(c, "pod-a", "pod-c").reply.delivered).toBe(true);
    const r = ping(c, "pod-a", "pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(encapsulated(r)).toBe(true);
  });

  test("vxlan with DirectRouting: a host-gw route to node2, flannel.1 to node3, both delivered", () => {
    const c = withBackend("vxlan-direct-routing");
    expect(c.setupErrors).toEqual([]);
    const routes = sh(c, "node1", "ip route").output;
    expect(routes).toContain("10.244.2.0/24 via 192.168.1.12 dev eth0 \n");
    expect(routes).toContain("10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink \n");
    const near = ping(c, "pod-a", "pod-b");
    expect(near.reply.delivered).toBe(true);
    expect(encapsulated(near)).toBe(false);
    const far = ping(c, "pod-a", "pod-c");
    expect(far.reply.delivered).toBe(true);
    expect(encapsulated(far)).toBe(true);
  });
});

describe("lesson 5, host-gw-and-bgp: the lesson engine", () => {
  // The pack's own checks across lessons (prerequisites, ids) are `validate`'s; here the lesson
  // loads and every answer of it is judged as the file states.
  test("loads, and every reference answer passes and every wrong answer fails as stated", () => {
    const pack = loadPack(new URL(".", LESSONS).pathname, "lessons");
    const lesson = pack.lessons.find((l) => l.id === "host-gw-and-bgp");
    expect(lesson?.file).toBe("lessons/05-host-gw-and-bgp.yaml");
    if (!lesson) return;
    const validated = validateLessons([lesson]);
    expect(validated.problems.map(formatProblem)).toEqual([]);
    expect(validated.exercises).toBe(5);
  });
});
