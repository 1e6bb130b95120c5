/**
 * A failed answer explained to the learner, in English or Korean: what went wrong, in the
 * wrapper of the learner's language around the simulator's (or the kernel's) own sentence, what
 * decided it when the trace says, the lesson's explanation when the answer is a known wrong one,
 * and the next hint.
 */
import type { Exercise, Text } from "../lessons/schema";
import { unreachable } from "../sim/unreachable";
import { byLang, displayName, type Lang } from "./describe";
import { withParticle } from "./korean";
import type { Failure } from "./verdict";

/** Hint `n` (1 to 3: a nudge, where to look, the answer) in the learner's language. */
export function hintText(step: Exercise, n: number, lang: Lang): string | null {
  const hint = step.hints[n - 1];
  return hint ? hint[lang] : null;
}

/** The lesson's own words about a known wrong answer, when the answer is one. */
export function knownWrong(step: Exercise, answer: string): Text | null {
  const typed = normalize(answer);
  return step.wrong.find((w) => normalize(w.answer) === typed)?.explanation ?? null;
}

function normalize(answer: string): string {
  return answer
    .split(/\r?\n/)
    .map((l) => l.trim().replace(/\s+/g, " "))
    .filter((l) => l !== "")
    .join("\n");
}

/** What went wrong, in one or a few lines. */
export function describeFailure(failure: Failure, lang: Lang): string {
  const sentence = failure.message.replace(/\.$/, "");
  const reason = failure.dropReason ?? "";
  switch (failure.kind) {
    case "refused":
      return byLang(
        lang,
        `The command was refused on ${failure.netns}:\n  ${failure.command}\n  ${sentence}`,
        `${failure.netns}에서 명령이 거부되었습니다:\n  ${failure.command}\n  ${sentence}`,
      );
    case "unparsable":
      return byLang(
        lang,
        `That answer cannot be checked: ${sentence}.`,
        `이 답은 확인할 수 없습니다: ${sentence}.`,
      );
    case "dropped":
      return [
        byLang(
          lang,
          `The request was dropped in ${failure.netns} (${reason}): ${sentence}.`,
          `요청이 ${failure.netns}에서 버려졌습니다 (${reason}): ${sentence}.`,
        ),
        ...decided(failure, lang),
        ...(failure.reported
          ? [
              byLang(
                lang,
                `The sender prints: ${failure.reported}`,
                `보낸 쪽에 표시되는 내용: ${failure.reported}`,
              ),
            ]
          : []),
      ].join("\n");
    case "noReply":
      return [
        byLang(
          lang,
          `The request arrived, but the reply was dropped in ${failure.netns} (${reason}): ${sentence}.`,
          `요청은 도착했지만 응답이 ${failure.netns}에서 버려졌습니다 (${reason}): ${sentence}.`,
        ),
        ...decided(failure, lang),
      ].join("\n");
    case "condition":
      return lang === "en" ? `The packet arrived, but ${sentence}.` : conditionKo(failure);
    case "notTheFact":
      return byLang(
        lang,
        "That is not what the trace shows.",
        "트레이스가 보여 주는 것과 다릅니다.",
      );
    default:
      return unreachable(failure.kind);
  }
}

function decided(failure: Failure, lang: Lang): string[] {
  if (failure.rule)
    return [
      byLang(
        lang,
        `Decided by rule ${failure.rule.index} of ${failure.rule.chain} (${failure.rule.table}): ${failure.rule.text}`,
        `결정한 규칙: ${failure.rule.table} ${failure.rule.chain}의 ${failure.rule.index}번 규칙: ${failure.rule.text}`,
      ),
    ];
  if (failure.route)
    return [byLang(lang, `The route it took: ${failure.route}`, `사용된 라우트: ${failure.route}`)];
  return [];
}

function conditionKo(failure: Failure): string {
  const expected = displayName(failure.expected ?? "");
  const actual = displayName(failure.actual ?? "");
  switch (failure.condition) {
    case "expect":
      return `요청이 ${actual}에 도착했지만, 이 패킷은 버려져야 합니다.`;
    case "deliveredTo":
      return `요청이 ${expected} 대신 ${actual}에 도착했습니다.`;
    case "encap":
      if (failure.actual === "none")
        return `패킷은 도착했지만 캡슐화되지 않았습니다. ${withParticle(expected, "으로/로")} 캡슐화되어야 합니다.`;
      if (failure.expected === "none")
        return `패킷은 도착했지만 ${withParticle(actual, "으로/로")} 캡슐화되었습니다. 캡슐화되지 않아야 합니다.`;
      return `패킷은 도착했지만 ${withParticle(expected, "이/가")} 아니라 ${withParticle(actual, "으로/로")} 캡슐화되었습니다.`;
    case "device":
      return `패킷은 도착했지만 어느 노드에서도 ${withParticle(expected, "으로/로")} 나가지 않았습니다 (나간 곳: ${actual}).`;
    case "node":
      return `패킷은 도착했지만 ${withParticle(expected, "을/를")} 거치지 않았습니다 (경로: ${actual}).`;
    case "notNode":
      return `패킷은 도착했지만 ${withParticle(expected, "을/를")} 거쳤습니다 (경로: ${actual}).`;
    case "translatedBy":
      if (failure.actual === "none")
        return `패킷은 도착했지만 Service 주소를 바꾼 것이 없습니다. ${withParticle(expected, "이/가")} 바꿔야 합니다.`;
      return `패킷은 도착했지만 Service 주소를 ${withParticle(expected, "이/가")} 아니라 ${withParticle(actual, "이/가")} 바꿨습니다.`;
    case "maxRules":
      return `패킷은 도착했지만 iptables/nft 규칙이 ${actual}개 평가되었습니다. ${expected}개 이하여야 합니다.`;
    case "maxLookups":
      return `패킷은 도착했지만 맵·해시 조회가 ${actual}번 있었습니다. ${expected}번 이하여야 합니다.`;
    case undefined:
      return `패킷은 도착했지만 조건을 만족하지 않습니다: ${failure.message}`;
    default:
      return unreachable(failure.condition);
  }
}

/**
 * The whole explanation of a failed answer: what went wrong, the lesson's words when the answer
 * is a known wrong one, and hint `nextHint` (1 to 3) when there is one.
 */
export function explainFailure(
  step: Exercise,
  answer: string,
  failure: Failure,
  lang: Lang,
  nextHint?: number,
): string {
  const parts = [describeFailure(failure, lang)];
  const known = knownWrong(step, answer);
  if (known) parts.push(known[lang]);
  const hint = nextHint === undefined ? null : hintText(step, nextHint, lang);
  if (hint !== null)
    parts.push(byLang(lang, `Hint ${nextHint}: ${hint}`, `힌트 ${nextHint}: ${hint}`));
  return parts.join("\n");
}
