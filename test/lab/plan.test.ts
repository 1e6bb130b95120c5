import { describe, expect, test } from "vitest";
import { labEntries, labPlan } from "../../src/lab/plan";
import { prefixCommand, staysInLab } from "../../src/lab/scope";
import type { Lesson } from "../../src/lessons/parse";
import type { RouteStep } from "../../src/lessons/schema";
import { namespacesOf } from "../../src/lessons/targets";
import { lessonPack, loadLesson } from "../lessons/helpers";

/** A route step of the built-in lessons, put on another lesson's cluster. */
function onCluster(lessonId: string, clusterName: string): { lesson: Lesson; step: RouteStep } {
  const base = loadLesson("flannel-vxlan");
  const step = base.steps.find((s) => s.id === "restore-route-to-node2") as RouteStep;
  const other = loadLesson(lessonId).clusterPlans.get(clusterName);
  if (!other) throw new Error(`no cluster ${clusterName} in ${lessonId}`);
  const lesson: Lesson = {
    ...base,
    clusterPlans: new Map([[step.scenario.cluster, other]]),
  };
  return { lesson, step: { ...step, scenario: { ...step.scenario, changes: [] } } };
}

describe("which exercises can be a lab is read from their scenario", () => {
  const entries = labEntries(lessonPack().lessons);

  test("every route and fix step is listed, and only those", () => {
    expect(entries.length).toBeGreaterThan(10);
    expect(entries.every((e) => e.step.kind === "route" || e.step.kind === "fix")).toBe(true);
  });

  test("the IPVS exercise is not a lab, and says why", () => {
    const ipvs = entries.find((e) => e.lesson.id === "ipvs-mode");
    expect(ipvs?.unsupported).toMatch(/ip_vs/);
  });

  test("Flannel, Calico BGP and kube-proxy iptables exercises are labs", () => {
    const labs = entries
      .filter((e) => e.unsupported === null)
      .map((e) => `${e.lesson.id}/${e.step.id}`);
    expect(labs).toContain("flannel-vxlan/restore-route-to-node2");
    expect(labs).toContain("troubleshooting-drills/missing-return-route");
    expect(labs).toContain("services-iptables/restore-service-portals");
  });

  test.each([
    ["cilium", "one-subnet", /eBPF/],
    ["weave-and-comparison", "weave-sleeve", /sleeve/],
    ["weave-and-comparison", "calico-ipip", /ipip devices are not read back/],
    ["ebpf-and-nftables", "nftables", /nftables/],
    ["ipvs-mode", "web", /ip_vs/],
  ])("a scenario on %s's %s cluster cannot be a lab", (lessonId, cluster, why) => {
    const { lesson, step } = onCluster(lessonId, cluster);
    expect(labPlan(lesson, step, "pnl-lab-")).toMatch(why);
  });

  test("a change that acts on the host's namespace is refused", () => {
    const { lesson, step } = onCluster("flannel-vxlan", "two-nodes");
    const host = {
      ...step,
      scenario: { ...step.scenario, changes: ["sysctl -w net.ipv4.ip_forward=0"] },
    };
    expect(labPlan(lesson, host, "pnl-lab-")).toMatch(/host's own namespace/);
  });
});

describe("a lab's commands", () => {
  const lesson = loadLesson("flannel-vxlan");
  const step = lesson.steps.find((s) => s.id === "restore-route-to-node2") as RouteStep;
  const plan = labPlan(lesson, step, "pnl-lab-");
  if (typeof plan === "string") throw new Error(plan);

  test("name only namespaces with the lab's prefix, every one of them", () => {
    expect(plan.commands.every((c) => staysInLab(c, "pnl-lab-"))).toBe(true);
    const cluster = lesson.clusterPlans.get(step.scenario.cluster)?.plan;
    if (!cluster) throw new Error("no plan");
    expect([...plan.namespaces].sort()).toEqual(
      namespacesOf(cluster)
        .map((n) => `pnl-lab-${n}`)
        .sort(),
    );
  });

  test("end with the step's changes, prefixed", () => {
    expect(plan.commands.at(-1)).toEqual([
      "ip",
      "-n",
      "pnl-lab-node1",
      "route",
      "del",
      "10.244.2.0/24",
    ]);
  });

  test("keep a quoted iptables comment as one word", () => {
    const rule = plan.commands.find((c) => c.includes("--comment"));
    expect(rule?.[rule.indexOf("--comment") + 1]).toBe("flanneld forward");
  });
});

describe("namespace names", () => {
  test("are prefixed after -n, netns exec, netns add and a veth peer's netns", () => {
    expect(
      prefixCommand(
        [
          "ip",
          "-n",
          "node1",
          "link",
          "add",
          "v1",
          "type",
          "veth",
          "peer",
          "name",
          "eth0",
          "netns",
          "pod-a",
        ],
        "p-",
      ),
    ).toEqual([
      "ip",
      "-n",
      "p-node1",
      "link",
      "add",
      "v1",
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      "p-pod-a",
    ]);
    expect(
      prefixCommand(["ip", "netns", "exec", "node2", "iptables", "-P", "FORWARD", "DROP"], "p-"),
    ).toEqual(["ip", "netns", "exec", "p-node2", "iptables", "-P", "FORWARD", "DROP"]);
  });

  test("a line without a namespace is refused, and so is one outside the lab", () => {
    expect(prefixCommand(["iptables", "-P", "FORWARD", "DROP"], "p-")).toMatch(
      /host's own namespace/,
    );
    expect(staysInLab(["ip", "-n", "node1", "route"], "pnl-lab-")).toBe(false);
    expect(
      staysInLab(["ip", "-n", "pnl-lab-node1", "link", "set", "eth0", "netns", "1"], "pnl-lab-"),
    ).toBe(false);
  });
});
