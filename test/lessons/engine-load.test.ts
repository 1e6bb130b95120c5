import { describe, expect, test } from "vitest";
import { loadPack } from "../../src/lessons/pack";
import { formatProblem } from "../../src/lessons/parse";
import { TWO_NODE_CLUSTER, tempPacks } from "../helpers/pack";

const CLUSTER = TWO_NODE_CLUSTER;

// Line numbers below are counted in this text: keep edits to it in step with the tests.
const LESSON = `formatVersion: 1
id: first
order: 1
minutes: 5
prerequisites: []
title:
  en: First
  ko: 처음
summary:
  en: A route.
  ko: 라우트.
clusters:
  two-nodes: clusters/two-nodes.yaml
steps:
  - id: intro
    kind: read
    text: {en: Hello., ko: 안녕하세요.}
  - id: add-route
    kind: route
    prompt: {en: Add it., ko: 추가하세요.}
    scenario:
      cluster: two-nodes
      changes: [ip -n node1 route del 10.244.2.0/24]
    node: node1
    goal: [{from: pod-a, to: pod-b}]
    hints:
      - {en: One., ko: 하나.}
      - {en: Two., ko: 둘.}
      - {en: Three., ko: 셋.}
    answer: 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
    explanation: {en: Because., ko: 왜냐하면.}
    wrong:
      - answer: 10.244.2.0/24 via 10.244.2.0 dev flannel.1
        fails: {refused: invalid gateway}
        explanation: {en: No onlink., ko: onlink 없음.}
`;

const { pack } = tempPacks();

function problems(files: Record<string, string>): string[] {
  return loadPack(pack(files), "lessons").problems.map(formatProblem);
}

const withCluster = (lesson: string): Record<string, string> => ({
  "01-first.yaml": lesson,
  "clusters/two-nodes.yaml": CLUSTER,
});

describe("lesson files: every mistake named with its file, line and column", () => {
  test("a valid lesson loads, with its cluster planned from the path inside the pack", () => {
    const loaded = loadPack(pack(withCluster(LESSON)), "lessons");
    expect(loaded.problems.map(formatProblem)).toEqual([]);
    expect(loaded.lessons.map((l) => l.id)).toEqual(["first"]);
    const cluster = loaded.lessons[0]?.clusterPlans.get("two-nodes");
    expect(cluster?.file).toBe("lessons/clusters/two-nodes.yaml");
    expect(cluster?.plan.pods.map((p) => p.name)).toEqual(["pod-a", "pod-b"]);
  });

  test("a text without its Korean is an error naming the path", () => {
    expect(problems(withCluster(LESSON.replace("  ko: 처음\n", "")))).toEqual([
      "lessons/01-first.yaml:7:3: title.ko: the Korean text is missing",
    ]);
  });

  test("a text without its English, inside a step", () => {
    expect(problems(withCluster(LESSON.replace("{en: Two., ko: 둘.}", "{ko: 둘.}")))).toEqual([
      "lessons/01-first.yaml:28:9: steps[1].hints[1].en: the English text is missing",
    ]);
  });

  test("a step kind that does not exist, with the nearest one suggested", () => {
    expect(problems(withCluster(LESSON.replace("kind: route", "kind: rout")))).toEqual([
      'lessons/01-first.yaml:19:11: steps[1].kind: "rout" is not one of read, route, encapsulation, proxy-mode, predict, fix, quiz; did you mean "route"?',
    ]);
  });

  test("a scenario naming a cluster the lesson does not have", () => {
    expect(
      problems(withCluster(LESSON.replace("cluster: two-nodes", "cluster: two-node"))),
    ).toEqual([
      'lessons/01-first.yaml:22:16: steps[1].scenario.cluster: no cluster named "two-node" in this lesson\'s clusters (two-nodes); did you mean "two-nodes"?',
    ]);
  });

  test("a cluster path that leaves the pack is refused", () => {
    expect(
      problems(withCluster(LESSON.replace("clusters/two-nodes.yaml", "../outside/two-nodes.yaml"))),
    ).toEqual([
      'lessons/01-first.yaml:13:14: clusters.two-nodes: "../outside/two-nodes.yaml" leaves the lesson pack: cluster paths are relative to lessons and stay inside it',
    ]);
  });

  test("a cluster path that does not exist", () => {
    expect(problems(withCluster(LESSON.replace("two-nodes.yaml", "three-nodes.yaml")))).toEqual([
      "lessons/01-first.yaml:13:14: clusters.two-nodes: the cluster file lessons/clusters/three-nodes.yaml does not exist",
    ]);
  });

  test("a mistake in a cluster file is located in the cluster file", () => {
    const files = withCluster(LESSON);
    files["clusters/two-nodes.yaml"] = CLUSTER.replace("ip: 192.168.1.12", "ip: 10.0.0.12");
    expect(problems(files)).toEqual([
      "lessons/01-first.yaml:13:14: clusters.two-nodes: the cluster file lessons/clusters/two-nodes.yaml has 1 problem",
      "lessons/clusters/two-nodes.yaml:11:9: 10.0.0.12 is in none of the underlay subnets (192.168.1.0/24)",
    ]);
  });

  test("a mistake in an inline cluster is located in the lesson file", () => {
    const inline = LESSON.replace(
      "  two-nodes: clusters/two-nodes.yaml\n",
      `  two-nodes:\n${CLUSTER.replace("ip: 192.168.1.12", "ip: 10.0.0.12")
        .split("\n")
        .map((l) => (l === "" ? l : `    ${l}`))
        .join("\n")}`,
    );
    expect(problems({ "01-first.yaml": inline })).toEqual([
      "lessons/01-first.yaml:24:13: clusters.two-nodes.nodes[1].ip: 10.0.0.12 is in none of the underlay subnets (192.168.1.0/24)",
    ]);
  });

  test("a step needs exactly three hints", () => {
    expect(problems(withCluster(LESSON.replace("      - {en: Three., ko: 셋.}\n", "")))).toEqual([
      "lessons/01-first.yaml:27:7: steps[1].hints: three hints are needed (a nudge, where to look, the answer), found 2",
    ]);
  });

  test("a prerequisite that no lesson has, with the nearest id suggested", () => {
    const files = withCluster(LESSON.replace("prerequisites: []", "prerequisites: [frist]"));
    expect(problems(files)).toEqual([
      'lessons/01-first.yaml:5:17: prerequisites[0]: no lesson has the id "frist"; did you mean "first"?',
    ]);
  });

  test("two steps with one id", () => {
    expect(problems(withCluster(LESSON.replace("id: add-route", "id: intro")))).toEqual([
      'lessons/01-first.yaml:18:9: steps[1].id: a second step with id "intro" (steps[0] has it)',
    ]);
  });

  test("an unknown field, with the nearest field name suggested", () => {
    expect(problems(withCluster(LESSON.replace("    hints:\n", "    hint:\n")))).toEqual([
      "lessons/01-first.yaml:18:5: steps[1].hints: missing (a list is needed)",
      'lessons/01-first.yaml:27:7: steps[1]: unknown field "hint"; did you mean "hints"?',
    ]);
  });

  test("a goal probe naming a pod the cluster does not have", () => {
    expect(problems(withCluster(LESSON.replace("to: pod-b}", "to: pod-c}")))).toEqual([
      'lessons/01-first.yaml:25:12: steps[1].goal[0]: "pod-c" is not a pod, node or Service of the cluster (node1, node2, pod-a, pod-b), nor an IPv4 address',
    ]);
  });

  test("a wrong answer that names a condition no goal probe has", () => {
    expect(
      problems(
        withCluster(
          LESSON.replace("fails: {refused: invalid gateway}", "fails: {condition: encap}"),
        ),
      ),
    ).toEqual([
      "lessons/01-first.yaml:34:28: steps[1].wrong[0].fails.condition: no goal probe has the condition encap (expect, deliveredTo, encap, device, node, notNode, translatedBy, maxRules, maxLookups are the conditions)",
    ]);
  });

  test("fails must say one way the answer fails", () => {
    expect(
      problems(
        withCluster(
          LESSON.replace("fails: {refused: invalid gateway}", "fails: {refused: x, noReply: true}"),
        ),
      ),
    ).toEqual([
      "lessons/01-first.yaml:34:16: steps[1].wrong[0].fails: say one way the answer fails, not 2 (refused, noReply)",
    ]);
  });

  test("an unknown drop reason is named with the nearest one", () => {
    expect(
      problems(
        withCluster(
          LESSON.replace("fails: {refused: invalid gateway}", "fails: {dropped: no-rout}"),
        ),
      ),
    ).toEqual([
      'lessons/01-first.yaml:34:26: steps[1].wrong[0].fails.dropped: "no-rout" is not one of the 30 values this field takes; did you mean "no-route"?',
    ]);
  });
});

/** A predict step appended to LESSON (it starts at line 36). */
const PREDICT = `  - id: which-device
    kind: predict
    prompt: {en: Which device?, ko: 어느 장치?}
    scenario: {cluster: two-nodes}
    probe: {from: pod-a, to: pod-b}
    fact: egress-device
    at: node1
    hints: [{en: a, ko: 가}, {en: b, ko: 나}, {en: c, ko: 다}]
    options:
      - {id: flannel, label: {en: flannel.1, ko: flannel.1}, value: flannel.1}
      - {id: eth0, label: {en: eth0, ko: eth0}, value: eth0}
      - {id: cni0, label: {en: cni0, ko: cni0}, value: cni0}
    answer: flannel
    explanation: {en: The trace shows it., ko: 트레이스가 보여 줍니다.}
    wrong:
      - {answer: eth0, fails: {notTheFact: true}, explanation: {en: No., ko: 아니요.}}
      - {answer: cni0, fails: {notTheFact: true}, explanation: {en: No., ko: 아니요.}}
`;

describe("the rules the schema cannot express", () => {
  test("a lesson with a predict step loads", () => {
    expect(problems(withCluster(LESSON + PREDICT))).toEqual([]);
  });

  test("a fact about one namespace needs `at`; pod-mtu's is a pod", () => {
    expect(problems(withCluster(LESSON + PREDICT.replace("    at: node1\n", "")))).toEqual(
      [
        "lessons/01-first.yaml:41:11: steps[2].fact: the fact egress-device is about one namespace: add at: NODE",
      ].map((l) => l.replace("NODE", "NAMESPACE")),
    );
    const mtu = PREDICT.replace("fact: egress-device", "fact: pod-mtu")
      .replaceAll("value: flannel.1", "value: 1450")
      .replaceAll("value: eth0", "value: 1500")
      .replaceAll("value: cni0", "value: 1480");
    expect(problems(withCluster(LESSON + mtu))).toEqual([
      'lessons/01-first.yaml:42:9: steps[2].at: "node1" is not a pod of cluster two-nodes (pod-a, pod-b)',
    ]);
  });

  test("every option but the answer is a known wrong answer, and values have the fact's type", () => {
    const text = PREDICT.replace(
      "      - {answer: cni0, fails: {notTheFact: true}, explanation: {en: No., ko: 아니요.}}\n",
      "",
    ).replace("value: cni0}", "value: 7}");
    expect(problems(withCluster(LESSON + text))).toEqual([
      "lessons/01-first.yaml:47:56: steps[2].options[2].value: the fact egress-device is a string; this value is a number",
      "lessons/01-first.yaml:51:7: steps[2].wrong: every option but the answer must be a known wrong answer; missing: cni0",
    ]);
  });

  test("a predict answer fails only as not the fact", () => {
    expect(
      problems(
        withCluster(
          LESSON +
            PREDICT.replace(
              "{answer: eth0, fails: {notTheFact: true}",
              "{answer: eth0, fails: {noReply: true}",
            ),
        ),
      ),
    ).toEqual([
      "lessons/01-first.yaml:51:31: steps[2].wrong[0].fails: a predict answer fails because it is not what the trace shows: write fails: {notTheFact: true}",
    ]);
  });

  test("a probe that must be dropped has no path conditions", () => {
    expect(
      problems(
        withCluster(
          LESSON.replace(
            "goal: [{from: pod-a, to: pod-b}]",
            "goal: [{from: pod-a, to: pod-b, expect: dropped, via: {encap: vxlan}}]",
          ),
        ),
      ),
    ).toEqual([
      "lessons/01-first.yaml:25:59: steps[1].goal[0].via: a probe that must be dropped (expect: dropped) has no via",
    ]);
  });

  test("a fix step's shell opens on a node or pod, not the router", () => {
    const fix = LESSON.replace("kind: route", "kind: fix").replace("node: node1", "node: router");
    expect(problems(withCluster(fix))).toEqual([
      'lessons/01-first.yaml:24:11: steps[1].node: "router" is not a node or pod of cluster two-nodes (node1, node2, pod-a, pod-b)',
    ]);
  });
});

describe("lesson packs: what holds across lessons", () => {
  const second = (id: string, order: number, prerequisites: string) =>
    LESSON.replace("id: first", `id: ${id}`)
      .replace("order: 1", `order: ${order}`)
      .replace("prerequisites: []", `prerequisites: ${prerequisites}`);

  test("lesson ids and orders are unique", () => {
    const files = withCluster(LESSON);
    files["02-again.yaml"] = second("first", 1, "[]");
    expect(problems(files)).toEqual([
      'lessons/02-again.yaml:2:5: id: lessons/01-first.yaml has the id "first" too',
      "lessons/02-again.yaml:3:8: order: lessons/01-first.yaml has order 1 too",
    ]);
  });

  test("a prerequisite cycle is reported once, with the lessons on it", () => {
    const files = withCluster(second("first", 1, "[third]"));
    files["02-second.yaml"] = second("second", 2, "[first]");
    files["03-third.yaml"] = second("third", 3, "[second]");
    expect(problems(files)).toEqual([
      "lessons/02-second.yaml:5:17: prerequisites: a cycle: first → third → second → first (each requires the next)",
    ]);
  });

  test("lessons come in their order, and a missing directory is one problem", () => {
    const files = withCluster(second("first", 2, "[]"));
    files["02-second.yaml"] = second("second", 1, "[]");
    expect(loadPack(pack(files)).lessons.map((l) => l.id)).toEqual(["second", "first"]);
    const missing = loadPack("/nonexistent/podnet-lessons", "nowhere");
    expect(missing.lessons).toEqual([]);
    expect(missing.problems.map(formatProblem)).toEqual(["nowhere:1:1: no such lesson directory"]);
  });
});
