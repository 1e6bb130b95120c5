// What lesson 7 (cilium) tells the learner about Cilium's datapath, checked against the
// simulator: the lesson's own cluster files, changes and encapsulation options, built and probed.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parse, stringify } from "yaml";
import { validateLessons } from "../../src/checker/validate";
import { formatProblem, parseLesson } from "../../src/lessons/parse";
import {
  clusterFileScript,
  hopsToJson,
  type ProbeResult,
  probe,
  runCluster,
  runScript,
  runShow,
  type World,
} from "../../src/sim";
import { loadCluster } from "../../src/sim/cluster/load";
import { formatIpv4 } from "../../src/sim/ipv4";

const LESSONS = new URL("../../lessons/", import.meta.url);
const lessonText = readFileSync(new URL("07-cilium.yaml", LESSONS), "utf8");
const lesson = parse(lessonText);

interface Step {
  id: string;
  scenario?: { cluster: string; changes?: string[] };
  options?: { id: string; cni?: Record<string, unknown> }[];
}

function step(id: string): Step {
  const found = (lesson.steps as Step[]).find((s) => s.id === id);
  if (!found) throw new Error(`lesson 7 has no step ${id}`);
  return found;
}

/** A step's option's `cni:` block. */
function optionCni(stepId: string, optionId: string): Record<string, unknown> {
  const cni = step(stepId).options?.find((o) => o.id === optionId)?.cni;
  if (!cni) throw new Error(`step ${stepId} has no option ${optionId} with a cni block`);
  return cni;
}

interface Built {
  world: World;
  /** A pod's or node's address by name. */
  addressOf(name: string): string;
}

/** Builds one of the lesson's clusters, with an option's CNI block and a step's changes. */
function build(cluster: string, cni?: Record<string, unknown>, changes: string[] = []): Built {
  const path = lesson.clusters[cluster] as string;
  const file = parse(readFileSync(new URL(path, LESSONS), "utf8"));
  if (cni) file.cni = cni;
  const built = clusterFileScript(stringify(file));
  if (!built.ok) throw new Error(built.errors.map((e) => e.message).join("\n"));
  const { world, setupErrors } = runCluster(built);
  expect(setupErrors).toEqual([]);
  expect(runScript(changes.join("\n"), world).setupErrors).toEqual([]);
  return {
    world,
    addressOf(name) {
      const at =
        built.plan.pods.find((p) => p.name === name)?.ip ??
        built.plan.nodes.find((n) => n.name === name)?.ip;
      if (at === undefined) throw new Error(`no pod or node ${name}`);
      return formatIpv4(at);
    },
  };
}

/** Builds the scenario of a step (its cluster and changes), optionally with an option's CNI. */
function scenarioOf(stepId: string, optionId?: string): Built {
  const s = step(stepId);
  if (!s.scenario) throw new Error(`step ${stepId} has no scenario`);
  const cni = optionId ? optionCni(stepId, optionId) : undefined;
  return build(s.scenario.cluster, cni, s.scenario.changes);
}

function ping(c: Built, from: string, to: string): ProbeResult {
  const r = probe(c.world, { from, to: c.addressOf(to), proto: "icmp" });
  if ("error" in r) throw new Error(r.error);
  return r;
}

/** The request's first encapsulation as the lesson's facts name it, and its UDP port. */
function firstEncap(r: ProbeResult): { encap: string; dport: number } {
  const hop = hopsToJson(r.hops).find((h) => h.kind === "encap" && h.flow === "request");
  if (!hop) return { encap: "none", dport: 0 };
  const p = hop.packet;
  const encap = p.vxlan ? "vxlan" : p.geneve ? "geneve" : p.sleeve ? "sleeve" : p.ip.proto;
  return { encap, dport: p.udp?.dport ?? 0 };
}

function routes(c: Built, netns: string): string[] {
  return runShow(c.world, netns, ["ip", "route"])
    .output.split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l !== "");
}

function podMtu(c: Built, pod: string): number | undefined {
  return c.world.netns.get(pod)?.links.get("eth0")?.mtu;
}

describe("lesson 7: eBPF at TC on the pod's lxc device", () => {
  test("cil_from_container at the lxc's TC ingress is the first program and answers the ARP for cilium_host", () => {
    const c = build("one-subnet");
    expect(c.addressOf("node1")).toBe("192.168.1.12");
    expect(runShow(c.world, "node1", ["ip", "addr", "show", "cilium_host"]).output).toContain(
      "inet 10.0.0.73/32",
    );
    expect(routes(c, "pod-a")).toContain("default via 10.0.0.73 dev eth0");
    const r = ping(c, "pod-a", "pod-b");
    const first = r.hops.find((h) => h.kind === "ebpf");
    expect(first?.ebpf?.program).toBe("cil_from_container");
    expect(first?.ebpf?.hook).toBe("tc-ingress");
    expect(first?.dev).toMatch(/^lxc/);
    expect(first?.text).toContain("answers the ARP request for 10.0.0.73");
    // Programs named in the read step run on the devices it names.
    const runs = r.hops
      .filter((h) => h.kind === "ebpf")
      .map((h) => `${h.ebpf?.program} ${h.netns}/${h.dev}`);
    expect(runs).toContain("cil_from_netdev node2/eth0");
    expect(runs).toContain("cil_from_overlay node2/cilium_vxlan");
    // No XDP program in the path: every program of the pod-to-pod path runs at TC.
    expect(
      r.hops.filter((h) => h.kind === "ebpf").every((h) => h.ebpf?.hook.startsWith("tc-")),
    ).toBe(true);
  });

  test("the node's own ping goes through the cilium_host route and cil_from_host", () => {
    const c = build("one-subnet");
    const r = ping(c, "node1", "pod-b");
    expect(r.request.delivered).toBe(true);
    const programs = r.hops.filter((h) => h.kind === "ebpf" && h.flow === "request");
    expect(programs[0]?.ebpf?.program).toBe("cil_from_host");
    expect(programs[0]?.dev).toBe("cilium_host");
  });
});

describe("lesson 7: tunnel mode", () => {
  test("VXLAN goes out on UDP 8472 and Geneve on 6081, both 50 bytes, pods at MTU 1450", () => {
    const vxlan = build("one-subnet");
    const geneve = build("geneve");
    expect(firstEncap(ping(vxlan, "pod-a", "pod-b"))).toEqual({ encap: "vxlan", dport: 8472 });
    const r = ping(geneve, "pod-a", "pod-b");
    expect(firstEncap(r)).toEqual({ encap: "geneve", dport: 6081 });
    expect(r.hops.find((h) => h.kind === "encap")?.dev).toBe("cilium_geneve");
    expect(r.hops.find((h) => h.kind === "encap")?.text).toContain("+50 bytes");
    expect(podMtu(vxlan, "pod-a")).toBe(1450);
    expect(podMtu(geneve, "pod-a")).toBe(1450);
  });

  test("the Geneve outer header goes node to node with the sender's identity as VNI", () => {
    const c = build("geneve");
    const r = ping(c, "pod-a", "pod-b");
    const outer = hopsToJson(r.hops).find((h) => h.kind === "encap")?.packet;
    expect(outer?.ip.src).toBe("192.168.1.12");
    expect(outer?.ip.dst).toBe("192.168.1.13");
    const identity = c.world.netns
      .get("node1")
      ?.bpf?.ipcache.find(
        (e) => e.len === 32 && formatIpv4(e.prefix) === c.addressOf("pod-a"),
      )?.identity;
    expect(outer?.geneve).toEqual({ vni: identity });
  });

  test("a pod on the same node is delivered by cilium_lxc, not encapsulated", () => {
    const s = step("same-node-encap");
    const c = build(s.scenario?.cluster as string);
    const r = ping(c, "pod-a", "pod-c");
    expect(r.request.delivered).toBe(true);
    expect(firstEncap(r).encap).toBe("none");
    const from = r.hops.find(
      (h) => h.ebpf?.program === "cil_from_container" && h.text.includes("local endpoint"),
    );
    expect(from?.ebpf?.maps.map((m) => m.map)).toContain("cilium_lxc");
    expect(r.hops.some((h) => h.ebpf?.program === "cil_lxc_policy")).toBe(true);
  });
});

describe("lesson 7: routing decisions live in the maps", () => {
  test("node1's route to node2's pod CIDR points at its own cilium_host; the ipcache holds node2", () => {
    const c = build("one-subnet");
    expect(c.addressOf("pod-b")).toMatch(/^10\.0\.1\./);
    expect(routes(c, "node1")).toContain(
      "10.0.1.0/24 via 10.0.0.73 dev cilium_host proto kernel src 10.0.0.73",
    );
    const r = ping(c, "pod-a", "pod-b");
    const lookup = r.hops
      .find((h) => h.ebpf?.action === "encapsulate")
      ?.ebpf?.maps.find((m) => m.map === "cilium_ipcache");
    expect(lookup?.value).toContain("tunnel endpoint 192.168.1.13");
  });

  test("with that route deleted, pod A still reaches pod B, but node1's own ping dies at the router", () => {
    const c = scenarioOf("delete-the-tunnel-route");
    expect(routes(c, "node1").some((l) => l.startsWith("10.0.1.0/24"))).toBe(false);
    const pods = ping(c, "pod-a", "pod-b");
    expect(pods.request.delivered).toBe(true);
    expect(pods.reply.delivered).toBe(true);
    expect(
      pods.hops.some(
        (h) =>
          h.kind === "route" &&
          h.netns === "node1" &&
          h.flow === "request" &&
          h.route?.startsWith("10.0.1.0/24"),
      ),
    ).toBe(false);
    const own = ping(c, "node1", "pod-b");
    expect(own.request.drop).toMatchObject({ netns: "router", reason: "no-route" });
  });
});

describe("lesson 7: crossing two subnets with only UDP 6081 open", () => {
  test("native routing dies at the router, with or without autoDirectNodeRoutes", () => {
    for (const option of ["native", "native-direct-routes"]) {
      const c = scenarioOf("across-two-subnets", option);
      expect(routes(c, "node1").some((l) => l.startsWith("10.0.1.0/24"))).toBe(false);
      const r = ping(c, "pod-a", "pod-b");
      expect(r.request.drop).toMatchObject({ netns: "router", reason: "no-route" });
    }
  });

  test("VXLAN is dropped by node2's firewall and Geneve gets through", () => {
    const vxlan = ping(scenarioOf("across-two-subnets", "tunnel-vxlan"), "pod-a", "pod-b");
    expect(vxlan.request.drop).toMatchObject({ netns: "node2", reason: "netfilter-drop" });
    const geneve = ping(scenarioOf("across-two-subnets", "tunnel-geneve"), "pod-a", "pod-b");
    expect(geneve.request.delivered).toBe(true);
    expect(geneve.reply.delivered).toBe(true);
    const outer = hopsToJson(geneve.hops).find((h) => h.kind === "encap")?.packet;
    expect(outer?.ip.dst).toBe("192.168.2.13");
  });
});

describe("lesson 7: no encapsulation overhead on one subnet", () => {
  test("native routing with autoDirectNodeRoutes routes via node2, unwrapped, pods at MTU 1500", () => {
    const c = scenarioOf("no-encapsulation-overhead", "native-direct-routes");
    expect(routes(c, "node1")).toContain("10.0.1.0/24 via 192.168.1.13 dev eth0");
    const r = ping(c, "pod-a", "pod-b");
    expect(r.reply.delivered).toBe(true);
    expect(firstEncap(r).encap).toBe("none");
    expect(podMtu(c, "pod-a")).toBe(1500);
  });

  test("native routing without it dies at the router; the tunnels arrive encapsulated", () => {
    const native = ping(scenarioOf("no-encapsulation-overhead", "native"), "pod-a", "pod-b");
    expect(native.request.drop).toMatchObject({ netns: "router", reason: "no-route" });
    for (const [option, encap] of [
      ["tunnel-vxlan", "vxlan"],
      ["tunnel-geneve", "geneve"],
    ]) {
      const r = ping(scenarioOf("no-encapsulation-overhead", option), "pod-a", "pod-b");
      expect(r.reply.delivered).toBe(true);
      expect(firstEncap(r).encap).toBe(encap);
    }
  });
});

describe("lesson file", () => {
  test("validates: every reference answer passes and every known wrong answer fails as stated", () => {
    const { lesson: loaded, problems } = parseLesson(
      lessonText,
      "lessons/07-cilium.yaml",
      (ref) => {
        const cluster = loadCluster(readFileSync(new URL(ref, LESSONS), "utf8"));
        return cluster.ok
          ? { ok: true, plan: cluster.plan, file: ref }
          : { ok: false, message: cluster.errors.map((e) => e.message).join("; ") };
      },
    );
    expect(problems).toEqual([]);
    expect(loaded?.id).toBe("cilium");
    const validation = validateLessons(loaded ? [loaded] : []);
    expect(validation.problems.map(formatProblem)).toEqual([]);
    expect(validation.exercises).toBe(5);
  });
});
