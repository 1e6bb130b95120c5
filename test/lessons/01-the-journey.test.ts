/**
 * What lesson 1 ("the-journey") tells the learner about its Flannel VXLAN cluster, checked against
 * the simulator: the addresses, the tables at each stage, the path, the outer header, and how the
 * route exercise's answers and the broken return route behave.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { validateLessons } from "../../src/checker/validate";
import { loadPack } from "../../src/lessons/pack";
import { formatProblem } from "../../src/lessons/parse";
import {
  clusterFileScript,
  type ProbeResult,
  probe,
  runCluster,
  runScript,
  runShow,
} from "../../src/sim";
import { formatIpv4 } from "../../src/sim/ipv4";
import { encapsulated } from "../cni/helpers";

const CLUSTER = "01-flannel-vxlan.yaml";

/** The lesson's cluster with a scenario's change lines applied, as the checker builds it. */
function scenario(changes: readonly string[] = []) {
  const text = readFileSync(new URL(`../../lessons/clusters/${CLUSTER}`, import.meta.url), "utf8");
  const built = clusterFileScript(text);
  if (!built.ok) throw new Error(built.errors.map((e) => e.message).join("\n"));
  const { world, setupErrors } = runCluster(built);
  const changed = runScript(changes.join("\n"), world);
  return { world, setupErrors: [...setupErrors, ...changed.setupErrors] };
}

function show(world: ReturnType<typeof scenario>["world"], netns: string, cmd: string): string {
  const r = runShow(world, netns, cmd.split(" "));
  if (!r.ok) throw new Error(r.output);
  return r.output;
}

function ping(world: ReturnType<typeof scenario>["world"], from: string, to: string): ProbeResult {
  const r = probe(world, { from, to, proto: "icmp" });
  if ("error" in r) throw new Error(r.error);
  return r;
}

/** The namespaces the request visits, in order, without repeats in a row. */
function namespacesVisited(r: ProbeResult): string[] {
  const out: string[] = [];
  for (const h of r.hops) if (h.flow === "request" && out.at(-1) !== h.netns) out.push(h.netns);
  return out;
}

const POD_A = "10.244.1.2";
const POD_B = "10.244.2.2";

describe("lesson the-journey: the tables it names", () => {
  test("pod A is 10.244.1.2 and pod B 10.244.2.2, and the cluster builds without an error", () => {
    const { world, setupErrors } = scenario();
    expect(setupErrors).toEqual([]);
    expect(show(world, "pod-a", "ip -4 addr show dev eth0")).toContain(`inet ${POD_A}/24`);
    expect(show(world, "pod-b", "ip -4 addr show dev eth0")).toContain(`inet ${POD_B}/24`);
  });

  test("pod A sends everything off the pod to cni0's 10.244.1.1", () => {
    const { world } = scenario();
    expect(show(world, "pod-a", "ip route")).toContain("default via 10.244.1.1 dev eth0 \n");
    expect(show(world, "node1", "ip -4 addr show dev cni0")).toContain("inet 10.244.1.1/24");
  });

  test("node1 routes node2's lease into flannel.1 onlink, with the VTEP's neighbour and FDB entries", () => {
    const { world } = scenario();
    expect(show(world, "node1", "ip route")).toContain(
      "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink \n",
    );
    expect(show(world, "node1", "ip -4 addr show dev flannel.1")).toContain("inet 10.244.1.0/32");
    expect(show(world, "node1", "ip neigh show dev flannel.1")).toContain(
      "10.244.2.0 lladdr 0a:58:0a:f4:02:00 PERMANENT",
    );
    expect(show(world, "node1", "bridge fdb show dev flannel.1")).toContain(
      "0a:58:0a:f4:02:00 dst 192.168.1.12",
    );
    expect(show(world, "node1", `ip route get ${POD_B}`)).toContain("dev flannel.1");
  });

  test("node2 holds its lease on cni0 and still has a default route via the router", () => {
    const { world } = scenario();
    const routes = show(world, "node2", "ip route");
    expect(routes).toMatch(/^10\.244\.2\.0\/24 dev cni0 /m);
    expect(routes).toContain("default via 192.168.1.1 dev eth0");
  });
});

describe("lesson the-journey: the exercises' facts", () => {
  test("the request crosses pod-a → node1 → sw1 → node2 → pod-b: two kernels and a switch, never the router", () => {
    const r = ping(scenario().world, "pod-a", POD_B);
    expect(r.reply.delivered).toBe(true);
    const visited = namespacesVisited(r);
    expect(visited.join(" → ")).toBe("pod-a → node1 → sw1 → node2 → pod-b");
    // The path fact leaves the underlay's switches out: they forward frames and decide nothing.
    expect(visited.filter((ns) => !/^sw[0-9]+$/.test(ns)).join(" → ")).toBe(
      "pod-a → node1 → node2 → pod-b",
    );
  });

  test("on the underlay the packet is 192.168.1.11 → 192.168.1.12, UDP 8472, VNI 1, pod A's packet inside", () => {
    const [outer] = encapsulated(ping(scenario().world, "pod-a", POD_B).hops);
    expect(outer?.l4).toMatchObject({ kind: "udp", dport: 8472, vxlan: { vni: 1 } });
    expect(outer && formatIpv4(outer.src)).toBe("192.168.1.11");
    expect(outer && formatIpv4(outer.dst)).toBe("192.168.1.12");
    const inner = outer?.l4.kind === "udp" ? outer.l4.vxlan?.inner.ip : undefined;
    expect(inner && [formatIpv4(inner.src), formatIpv4(inner.dst)]).toEqual([POD_A, POD_B]);
  });

  test("without node1's route to 10.244.2.0/24 the ping dies at the router (no-route)", () => {
    const r = ping(scenario(["ip -n node1 route del 10.244.2.0/24"]).world, "pod-a", POD_B);
    expect(r.request.drop).toMatchObject({ netns: "router", reason: "no-route" });
  });

  const del = "ip -n node1 route del 10.244.2.0/24";
  const add = (route: string) => [del, `ip -n node1 route add ${route}`];

  test("the reference route brings the ping back through VXLAN", () => {
    const r = ping(
      scenario(add("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink")).world,
      "pod-a",
      POD_B,
    );
    expect(r.reply.delivered).toBe(true);
    expect(encapsulated(r.hops)).toHaveLength(1);
  });

  test("the route without onlink is refused: Nexthop has invalid gateway", () => {
    const { setupErrors } = scenario(add("10.244.2.0/24 via 10.244.2.0 dev flannel.1"));
    expect(setupErrors.map((e) => e.message)).toEqual(["Error: Nexthop has invalid gateway."]);
  });

  test.each([
    [
      "node2's underlay IP as the gateway on flannel.1",
      "10.244.2.0/24 via 192.168.1.12 dev flannel.1 onlink",
    ],
    ["pod B's /32 on eth0", "10.244.2.2/32 dev eth0"],
    ["the lease on flannel.1 without a gateway", "10.244.2.0/24 dev flannel.1"],
  ])("%s: node1's ARP goes unanswered (neighbour-failed at node1)", (_, route) => {
    const r = ping(scenario(add(route)).world, "pod-a", POD_B);
    expect(r.request.drop).toMatchObject({ netns: "node1", reason: "neighbour-failed" });
  });

  test("a host-gw route via node2's eth0 delivers, but unencapsulated", () => {
    const r = ping(scenario(add("10.244.2.0/24 via 192.168.1.12 dev eth0")).world, "pod-a", POD_B);
    expect(r.reply.delivered).toBe(true);
    expect(encapsulated(r.hops)).toEqual([]);
  });

  test("without node2's route back, the request arrives and the reply dies at the router", () => {
    const { world } = scenario(["ip -n node2 route del 10.244.1.0/24"]);
    expect(show(world, "node2", `ip route get ${POD_A}`)).toContain("via 192.168.1.1 dev eth0");
    const r = ping(world, "pod-a", POD_B);
    expect(r.request.delivered).toBe(true);
    expect(r.reply.drop).toMatchObject({ netns: "router", reason: "no-route" });
  });
});

describe("lesson the-journey: the lesson engine", () => {
  test("its files load without a problem and validate proves every answer fails or passes as stated", () => {
    const pack = loadPack(fileURLToPath(new URL("../../lessons", import.meta.url)), "lessons");
    const mine = (file: string) =>
      file.startsWith("lessons/01-") || file.startsWith("lessons/clusters/01-");
    expect(pack.problems.filter((p) => mine(p.file)).map(formatProblem)).toEqual([]);
    const lesson = pack.lessons.find((l) => l.id === "the-journey");
    if (!lesson) throw new Error("lesson the-journey did not load");
    const validated = validateLessons([lesson]);
    expect(validated.problems.map(formatProblem)).toEqual([]);
    expect(validated.exercises).toBe(lesson.steps.filter((s) => s.kind !== "read").length);
  });
});
