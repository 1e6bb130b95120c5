import { describe, expect, test } from "vitest";
import { checkAnswer, checkUnanswered } from "../../src/checker/check";
import { explainFailure } from "../../src/checker/explain";
import { formatStops } from "../../src/checker/path";
import { failsAsStated } from "../../src/checker/validate";
import { fixtureLessons, fixtureStep } from "./helpers";

describe("the checker on the fixture pack", () => {
  const exercises = fixtureLessons().flatMap((lesson) =>
    lesson.steps.flatMap((step) => (step.kind === "read" ? [] : [{ lesson, step }])),
  );

  test("the pack has one exercise of every kind", () => {
    expect(new Set(exercises.map((e) => e.step.kind))).toEqual(
      new Set(["route", "fix", "predict", "quiz", "encapsulation", "proxy-mode"]),
    );
  });

  test.each(exercises.map((e) => [`${e.lesson.id}/${e.step.id}`, e] as const))(
    "%s: the reference answer passes and every wrong answer fails as stated",
    (_, { lesson, step }) => {
      const reference = checkAnswer(lesson, step, step.answer);
      expect(reference.failure).toBeUndefined();
      expect(reference.passed).toBe(true);
      expect(reference.scenarioErrors).toEqual([]);
      for (const wrong of step.wrong) {
        const verdict = checkAnswer(lesson, step, wrong.answer);
        expect(verdict.passed, wrong.answer).toBe(false);
        expect(failsAsStated(wrong.fails, verdict.failure), JSON.stringify(verdict.failure)).toBe(
          true,
        );
      }
    },
  );
});

describe("route answers: any route that really works, through the kernel's checks", () => {
  const { lesson, step } = fixtureStep("fixture-typed", "add-the-route");

  test("a /25 that covers pod B passes", () => {
    const verdict = checkAnswer(lesson, step, "10.244.2.0/25 via 10.244.2.0 dev flannel.1 onlink");
    expect(verdict.passed).toBe(true);
  });

  test("a /25 that does not cover pod B fails where the default route takes the packet", () => {
    const verdict = checkAnswer(
      lesson,
      step,
      "10.244.2.128/25 via 10.244.2.0 dev flannel.1 onlink",
    );
    expect(verdict.failure).toMatchObject({
      kind: "dropped",
      netns: "router",
      dropReason: "no-route",
    });
  });

  test("a whole `ip route replace` command passes, with sudo in front too", () => {
    for (const answer of [
      "ip route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
      "sudo ip r append 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
    ])
      expect(checkAnswer(lesson, step, answer).passed, answer).toBe(true);
  });

  test("a gateway the kernel cannot reach is refused with the kernel's message", () => {
    const verdict = checkAnswer(lesson, step, "10.244.2.0/24 via 10.244.2.0 dev flannel.1");
    expect(verdict.failure).toEqual({
      kind: "refused",
      probe: null,
      netns: "node1",
      dropReason: null,
      message: "Error: Nexthop has invalid gateway.",
      command: "ip route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1",
    });
    expect(verdict.path).toEqual([]);
  });

  test("what is not a route is unparsable, and says what a route answer looks like", () => {
    for (const [answer, says] of [
      ["", "type one route"],
      ["ip route del 10.244.2.0/24", "use ip route add, replace or append"],
      ["ip link set flannel.1 up", "the answer is a route"],
      ["10.244.2.0/24 via 'unterminated", "unterminated"],
    ] as const) {
      const verdict = checkAnswer(lesson, step, answer);
      expect(verdict.failure?.kind, answer).toBe("unparsable");
      expect(verdict.failure?.message, answer).toContain(says);
    }
  });

  test("a malformed route is refused with iproute2's own words", () => {
    const verdict = checkAnswer(lesson, step, "10.244.2.0/24 via banana");
    expect(verdict.failure).toMatchObject({
      kind: "refused",
      message: 'Error: inet address is expected rather than "banana".',
    });
  });

  test("a drop names the rule or route that decided it, and the path stops where it died", () => {
    const verdict = checkAnswer(lesson, step, "10.244.2.0/24 dev eth0");
    expect(verdict.failure).toMatchObject({
      kind: "dropped",
      netns: "node1",
      dropReason: "neighbour-failed",
      route: "10.244.2.0/24 dev eth0",
    });
    expect(verdict.path.map((p) => formatStops(p.stops))).toEqual([
      "pod-a (eth0) → node1 (cni0 → eth0)",
    ]);
    expect(verdict.hops[verdict.hops.length - 1]?.kind).toBe("drop");
  });

  test("the path of a pass shows the namespaces, devices and the encapsulation", () => {
    const verdict = checkAnswer(lesson, step, step.answer);
    const line = formatStops(verdict.path[0]?.stops ?? []);
    expect(line).toMatch(
      /^pod-a \(eth0\) → node1 \(cni0 → flannel\.1 → eth0; VXLAN VNI 1, UDP 8472, 192\.168\.1\.12 → 192\.168\.1\.13\) → node2 \(eth0 → flannel\.1 → cni0 → veth[0-9a-f]{8}; decapsulated\) → pod-b \(eth0\)$/,
    );
  });

  test("the scenario without an answer does not already pass", () => {
    if (step.kind !== "route") throw new Error("a route step");
    expect(checkUnanswered(lesson, step).failure).toMatchObject({
      kind: "dropped",
      netns: "router",
      dropReason: "no-route",
    });
  });
});

describe("fix answers run in the node shell", () => {
  const { lesson, step } = fixtureStep("fixture-typed", "forwarding");

  test("a diagnostic that fails before the repair does not refuse the answer", () => {
    const answer =
      "ping -c 1 10.244.2.2\nip route get 10.9.9.9\nssh node2\nsysctl -w net.ipv4.ip_forward=1";
    expect(checkAnswer(lesson, step, answer).passed).toBe(true);
  });

  test("a repair the node refuses is the failure, with the tool's message and where it ran", () => {
    const verdict = checkAnswer(lesson, step, "ssh node2\nsysctl -w net.ipv4.no_such_key=1");
    expect(verdict.failure).toMatchObject({
      kind: "refused",
      netns: "node2",
      command: "sysctl -w net.ipv4.no_such_key=1",
    });
    expect(verdict.failure?.message).toContain("no_such_key");
  });

  test("a command the node does not have refuses the answer", () => {
    const verdict = checkAnswer(lesson, step, "systemctl restart flanneld");
    expect(verdict.failure).toMatchObject({
      kind: "refused",
      command: "systemctl restart flanneld",
    });
    expect(verdict.failure?.message).toContain("command not found");
  });

  test("the repair made on the wrong node fails where forwarding is still off", () => {
    const verdict = checkAnswer(lesson, step, "sysctl -w net.ipv4.ip_forward=1");
    expect(verdict.failure).toMatchObject({
      kind: "dropped",
      netns: "node2",
      dropReason: "forwarding-disabled",
    });
  });
});

describe("choice and fact answers", () => {
  test("an option that does not exist is unparsable and names the options", () => {
    const { lesson, step } = fixtureStep("fixture-choices", "pick-overlay");
    expect(checkAnswer(lesson, step, "geneve").failure).toMatchObject({
      kind: "unparsable",
      message: 'there is no option "geneve"; the options are bgp, ipip, vxlan',
    });
  });

  test("an encapsulation option reinstalls the CNI: no overlay dies at the router", () => {
    const { lesson, step } = fixtureStep("fixture-choices", "pick-overlay");
    const verdict = checkAnswer(lesson, step, "bgp");
    expect(verdict.failure).toMatchObject({
      kind: "dropped",
      netns: "router",
      dropReason: "no-route",
    });
    const other = checkAnswer(lesson, step, "vxlan");
    expect(other.failure).toMatchObject({
      kind: "condition",
      condition: "encap",
      expected: "ipip",
      actual: "vxlan",
    });
  });

  test("a proxy-mode option reinstalls the Service proxy: what translated is read from the trace", () => {
    const { lesson, step } = fixtureStep("fixture-choices", "pick-proxy");
    expect(checkAnswer(lesson, step, "nftables").failure).toMatchObject({
      condition: "translatedBy",
      expected: "ipvs",
      actual: "nftables",
    });
    const passed = checkAnswer(lesson, step, "ipvs");
    expect(passed.path).toHaveLength(2);
    expect(formatStops(passed.path[0]?.stops ?? [])).toContain(
      "DNAT 10.96.0.80:80 → 10.244.2.2:8080 (ipvs)",
    );
  });

  test("a predict answer is right when the trace shows its value, and the fact comes back", () => {
    const { lesson, step } = fixtureStep("fixture-typed", "which-port");
    expect(checkAnswer(lesson, step, "p8472")).toMatchObject({ passed: true, fact: 8472 });
    expect(checkAnswer(lesson, step, "p4789").failure).toMatchObject({
      kind: "notTheFact",
      expected: "4789",
      actual: "8472",
    });
  });

  test("a cache shared between checks gives the same verdicts", () => {
    const { lesson, step } = fixtureStep("fixture-choices", "pick-overlay");
    const cache = new Map<string, unknown>();
    const first = checkAnswer(lesson, step, "bgp", { cache });
    const again = checkAnswer(lesson, step, " bgp ", { cache });
    expect(again).toBe(first);
    expect(checkAnswer(lesson, step, "ipip", { cache }).passed).toBe(true);
  });
});

describe("explanations: the learner's language around the simulator's sentence", () => {
  const { lesson, step } = fixtureStep("fixture-typed", "add-the-route");
  const answer = "10.244.2.0/24 via 10.244.2.0 dev flannel.1";
  const failure = checkAnswer(lesson, step, answer).failure;
  if (!failure) throw new Error("the answer was to fail");

  test("in English: the refusal, the lesson's words on this wrong answer, then the next hint", () => {
    expect(explainFailure(step, answer, failure, "en", 2)).toBe(
      [
        "The command was refused on node1:",
        "  ip route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1",
        "  Error: Nexthop has invalid gateway",
        "Without onlink the kernel refuses a gateway no route reaches.",
        "Hint 2: Look at `ip neigh` on flannel.1.",
      ].join("\n"),
    );
  });

  test("in Korean, with the kernel's message as the kernel says it", () => {
    expect(explainFailure(step, answer, failure, "ko", 1)).toBe(
      [
        "node1에서 명령이 거부되었습니다:",
        "  ip route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1",
        "  Error: Nexthop has invalid gateway",
        "onlink가 없으면 커널은 닿을 수 없는 게이트웨이를 거부합니다.",
        "힌트 1: node2로 가는 패킷을 감싸는 장치는 무엇일까요?",
      ].join("\n"),
    );
  });

  test("a drop is explained with where, why and what decided", () => {
    const dropped = checkAnswer(lesson, step, "10.244.2.0/24 dev eth0").failure;
    if (!dropped) throw new Error("the answer was to fail");
    const text = explainFailure(step, "10.244.2.0/24  dev eth0", dropped, "ko");
    expect(text.split("\n")[0]).toMatch(
      /^요청이 node1에서 버려졌습니다 \(neighbour-failed\): ARP for 10\.244\.2\.2 on eth0 got no answer/,
    );
    expect(text).toContain("사용된 라우트: 10.244.2.0/24 dev eth0");
    // The typed answer matched the known wrong one despite the extra space.
    expect(text).toContain("eth0에서는 누구도 파드 주소에 대한 ARP에 응답하지 않습니다.");
  });

  test("a condition is said in Korean from what was wanted and what happened", () => {
    const miss = checkAnswer(lesson, step, "10.244.2.0/24 via 192.168.1.13 dev eth0").failure;
    if (!miss) throw new Error("the answer was to fail");
    expect(explainFailure(step, "x", miss, "ko").split("\n")[0]).toBe(
      "패킷은 도착했지만 캡슐화되지 않았습니다. VXLAN으로 캡슐화되어야 합니다.",
    );
    expect(explainFailure(step, "x", miss, "en").split("\n")[0]).toBe(
      "The packet arrived, but the request was never encapsulated; it had to be carried in VXLAN.",
    );
  });
});
