/**
 * The goal in words, made from the goal itself, so what the learner is told and what the checker
 * checks cannot disagree: "a ping from pod-a reaches pod-b and the reply comes back, encapsulated
 * in VXLAN" / "pod-a에서 보낸 ping이 pod-b에 도착하고 응답이 돌아옵니다. VXLAN으로 캡슐화되어야 합니다."
 */

/** The languages every learner-facing text is written in. */
import { isLang, type Lang } from "../lang";
import type { GoalProbe } from "../lessons/schema";
import { resolveProbe } from "../lessons/targets";
import type { Encap, Translator } from "../lessons/vocabulary";
import type { ClusterPlan } from "../sim";
import { unreachable } from "../sim/unreachable";
import { withParticle } from "./korean";

export { isLang, type Lang };

const ENCAP_WORDS: Record<Exclude<Encap, "none">, string> = {
  vxlan: "VXLAN",
  geneve: "Geneve",
  ipip: "IPIP",
  sleeve: "Weave sleeve",
};

const TRANSLATOR_WORDS: Record<Translator, string> = {
  iptables: "iptables",
  ipvs: "IPVS",
  nftables: "nftables",
  ebpf: "eBPF",
};

/** What `to` names, as a learner reads it; a Service is called one when the plan says it is. */
function target(probe: GoalProbe, plan: ClusterPlan | undefined, lang: Lang): string {
  const isService = plan?.services.some(
    (s) => s.name === probe.to || `${s.namespace}/${s.name}` === probe.to,
  );
  const port = probe.dport === undefined ? "" : probe.dport;
  if (lang === "en") {
    const name = isService ? `the Service ${probe.to}` : probe.to;
    return port === "" ? name : `${name} on port ${port}`;
  }
  const name = isService ? `Service ${probe.to}` : probe.to;
  return port === "" ? name : `${name}의 ${port}번 포트`;
}

function subjectEn(probe: GoalProbe): string {
  const size = probe.size === undefined ? "" : ` of ${probe.size} bytes`;
  switch (probe.proto ?? "icmp") {
    case "icmp":
      return `a ping${size} from ${probe.from}`;
    case "tcp":
      return `a TCP connection from ${probe.from}`;
    case "udp":
      return `a UDP datagram${size} from ${probe.from}`;
  }
}

/** The thing sent, in Korean, without its particle: `1400바이트 ping`, `TCP 연결`. */
function objectKo(probe: GoalProbe): string {
  const size = probe.size === undefined ? "" : `${probe.size}바이트 `;
  switch (probe.proto ?? "icmp") {
    case "icmp":
      return `${size}ping`;
    case "tcp":
      return "TCP 연결";
    case "udp":
      return `${size}UDP 데이터그램`;
  }
}

function verbKo(probe: GoalProbe): string {
  return probe.proto === "tcp" ? "연" : "보낸";
}

function clausesEn(probe: GoalProbe): string[] {
  const out: string[] = [];
  const via = probe.via ?? {};
  if (via.encap !== undefined)
    out.push(
      via.encap === "none" ? "without encapsulation" : `encapsulated in ${ENCAP_WORDS[via.encap]}`,
    );
  if (via.device !== undefined) out.push(`leaving a node through ${via.device}`);
  if (via.node !== undefined) out.push(`passing through ${via.node}`);
  if (via.notNode !== undefined) out.push(`not passing through ${via.notNode}`);
  if (via.translatedBy !== undefined)
    out.push(`with the Service address translated by ${TRANSLATOR_WORDS[via.translatedBy]}`);
  if (probe.maxRules !== undefined)
    out.push(`with at most ${probe.maxRules} iptables/nft rules evaluated`);
  if (probe.maxLookups !== undefined)
    out.push(`with at most ${probe.maxLookups} map and hash lookups`);
  if (probe.df) out.push("with Don't Fragment set");
  return out;
}

function clausesKo(probe: GoalProbe): string[] {
  const out: string[] = [];
  const via = probe.via ?? {};
  if (probe.df) out.push("Don't Fragment가 설정되어 있습니다.");
  if (via.encap !== undefined)
    out.push(
      via.encap === "none"
        ? "캡슐화되지 않아야 합니다."
        : `${withParticle(ENCAP_WORDS[via.encap], "으로/로")} 캡슐화되어야 합니다.`,
    );
  if (via.device !== undefined)
    out.push(`노드에서 ${withParticle(via.device, "으로/로")} 나가야 합니다.`);
  if (via.node !== undefined) out.push(`${withParticle(via.node, "을/를")} 거쳐야 합니다.`);
  if (via.notNode !== undefined)
    out.push(`${withParticle(via.notNode, "을/를")} 거치지 않아야 합니다.`);
  if (via.translatedBy !== undefined)
    out.push(
      `Service 주소는 ${withParticle(TRANSLATOR_WORDS[via.translatedBy], "이/가")} 파드 주소로 바꿔야 합니다.`,
    );
  if (probe.maxRules !== undefined)
    out.push(`평가되는 iptables/nft 규칙은 ${probe.maxRules}개 이하여야 합니다.`);
  if (probe.maxLookups !== undefined)
    out.push(`맵·해시 조회는 ${probe.maxLookups}번 이하여야 합니다.`);
  return out;
}

/** One goal probe as a sentence (English: one sentence with clauses; Korean: short sentences). */
export function describeProbe(given: GoalProbe, lang: Lang, plan?: ClusterPlan): string {
  // To a Service, the protocol is its first port's unless the goal says (as the checker sends it).
  const resolved = plan ? resolveProbe(plan, given) : null;
  const probe =
    resolved && typeof resolved !== "string" && given.proto === undefined
      ? { ...given, proto: resolved.spec.proto }
      : given;
  const to = target(probe, plan, lang);
  const expect = probe.expect ?? "delivered";
  if (lang === "en") {
    const subject = subjectEn(probe);
    const main =
      expect === "dropped"
        ? `${subject} to ${to} does not arrive`
        : probe.deliveredTo !== undefined
          ? `${subject} to ${to} arrives at ${probe.deliveredTo} and the reply comes back`
          : `${subject} reaches ${to} and the reply comes back`;
    return [main, ...clausesEn(probe)].join(", ");
  }
  const thing = objectKo(probe);
  const main =
    expect === "dropped"
      ? `${probe.from}에서 ${withParticle(to, "으로/로")} ${verbKo(probe)} ${withParticle(thing, "은/는")} 도착하지 않아야 합니다.`
      : probe.deliveredTo !== undefined
        ? `${probe.from}에서 ${withParticle(to, "으로/로")} ${verbKo(probe)} ${withParticle(thing, "이/가")} ${probe.deliveredTo}에 도착하고 응답이 돌아옵니다.`
        : `${probe.from}에서 ${verbKo(probe)} ${withParticle(thing, "이/가")} ${to}에 도착하고 응답이 돌아옵니다.`;
  return [main, ...clausesKo(probe)].join(" ");
}

/**
 * The goal as sentences, one per probe. Give the scenario's plan: with it a Service is called a
 * Service ("the Service web") and a probe to it takes the Service's protocol, as the checker sends
 * it; without it, `to` is named as written and the protocol is the goal's (icmp by default).
 */
export function describeGoal(goal: readonly GoalProbe[], lang: Lang, plan?: ClusterPlan): string[] {
  return goal.map((probe) => describeProbe(probe, lang, plan));
}

/** An encapsulation or translator name as the learner reads it (`VXLAN`, `IPVS`). */
export function displayName(value: string): string {
  if (value in ENCAP_WORDS) return ENCAP_WORDS[value as keyof typeof ENCAP_WORDS];
  if (value in TRANSLATOR_WORDS) return TRANSLATOR_WORDS[value as Translator];
  return value;
}

/** Checks a `switch` over languages is exhaustive. */
export function byLang<T>(lang: Lang, en: T, ko: T): T {
  switch (lang) {
    case "en":
      return en;
    case "ko":
      return ko;
    default:
      return unreachable(lang);
  }
}
