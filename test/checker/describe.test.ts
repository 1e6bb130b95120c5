import { describe, expect, test } from "vitest";
import { describeGoal } from "../../src/checker/describe";
import { withParticle } from "../../src/checker/korean";
import { goalProbeSchema } from "../../src/lessons/schema";
import { fixtureStep } from "./helpers";

const goal = (fields: Record<string, unknown>) => goalProbeSchema.parse(fields);

describe("goal sentences, made from the goal itself", () => {
  test("a ping with an encapsulation, in English and Korean", () => {
    const probe = goal({ from: "pod-a", to: "pod-b", via: { encap: "vxlan" } });
    expect(describeGoal([probe], "en")).toEqual([
      "a ping from pod-a reaches pod-b and the reply comes back, encapsulated in VXLAN",
    ]);
    expect(describeGoal([probe], "ko")).toEqual([
      "pod-a에서 보낸 ping이 pod-b에 도착하고 응답이 돌아옵니다. VXLAN으로 캡슐화되어야 합니다.",
    ]);
  });

  test("a Service is called one when the plan says so; TCP and the translator", () => {
    const { lesson, step } = fixtureStep("fixture-choices", "pick-proxy");
    if (!("goal" in step)) throw new Error("a step with a goal");
    const plan = lesson.clusterPlans.get("services")?.plan;
    expect(describeGoal(step.goal, "en", plan)).toEqual([
      "a TCP connection from pod-a reaches the Service web and the reply comes back, with the Service address translated by IPVS",
      "a ping from pod-a to the Service web does not arrive",
    ]);
    expect(describeGoal(step.goal, "ko", plan)).toEqual([
      "pod-a에서 연 TCP 연결이 Service web에 도착하고 응답이 돌아옵니다. Service 주소는 IPVS가 파드 주소로 바꿔야 합니다.",
      "pod-a에서 Service web으로 보낸 ping은 도착하지 않아야 합니다.",
    ]);
  });

  test("every condition has its words, in the order the checker judges them", () => {
    const probe = goal({
      from: "pod-a",
      to: "10.0.0.9",
      proto: "udp",
      dport: 53,
      size: 1400,
      df: true,
      deliveredTo: "node2",
      via: { encap: "none", device: "eth0", node: "router", notNode: "node3" },
      maxRules: 50,
      maxLookups: 40,
    });
    expect(describeGoal([probe], "en")).toEqual([
      "a UDP datagram of 1400 bytes from pod-a to 10.0.0.9 on port 53 arrives at node2 and the reply comes back, without encapsulation, leaving a node through eth0, passing through router, not passing through node3, with at most 50 iptables/nft rules evaluated, with at most 40 map and hash lookups, with Don't Fragment set",
    ]);
    expect(describeGoal([probe], "ko")).toEqual([
      "pod-a에서 10.0.0.9의 53번 포트로 보낸 1400바이트 UDP 데이터그램이 node2에 도착하고 응답이 돌아옵니다. Don't Fragment가 설정되어 있습니다. 캡슐화되지 않아야 합니다. 노드에서 eth0으로 나가야 합니다. router를 거쳐야 합니다. node3을 거치지 않아야 합니다. 평가되는 iptables/nft 규칙은 50개 이하여야 합니다. 맵·해시 조회는 40번 이하여야 합니다.",
    ]);
  });
});

describe("Korean particles after names", () => {
  test.each([
    ["node1", "을/를", "node1을"],
    ["node2", "을/를", "node2를"],
    ["node1", "으로/로", "node1로"],
    ["eth0", "으로/로", "eth0으로"],
    ["router", "을/를", "router를"],
    ["web", "으로/로", "web으로"],
    ["pod-b", "이/가", "pod-b가"],
    ["VXLAN", "으로/로", "VXLAN으로"],
    ["IPIP", "으로/로", "IPIP로"],
    ["iptables", "이/가", "iptables가"],
    ["flannel.1", "으로/로", "flannel.1로"],
    ["tunnel", "으로/로", "tunnel로"],
    ["연결", "이/가", "연결이"],
    ["포트", "은/는", "포트는"],
  ] as const)("%s + %s → %s", (word, particle, expected) => {
    expect(withParticle(word, particle)).toBe(expected);
  });
});
