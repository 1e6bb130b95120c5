/**
 * Explanations from the trace: the probe's path in one line (where it went, what wrapped or
 * translated it, how it ended) and, when it failed, the checker's sentence about where it died
 * and what decided it (src/checker/explain.ts), in English and Korean.
 */
import { describeFailure } from "../checker/explain";
import { judgeProbe } from "../checker/judge";
import { formatProbePath, summarizePath } from "../checker/path";
import type { Lang } from "../lang";
import { resolveProbe } from "../lessons/targets";
import type { ClusterPlan, ProbeResult } from "../sim";
import { goalOf } from "./setting";
import type { Localized, QuizProbe } from "./types";

const LANGS: readonly Lang[] = ["en", "ko"];

/** Builds a text in every language. */
export function localized(make: (lang: Lang) => string): Localized {
  return Object.fromEntries(LANGS.map((l) => [l, make(l)])) as unknown as Localized;
}

/** Joins texts line by line, in every language. */
export function joinLines(...parts: readonly Localized[]): Localized {
  return localized((lang) =>
    parts
      .map((p) => p[lang])
      .filter((t) => t !== "")
      .join("\n"),
  );
}

/** What the trace of `result` says: its path and, if it failed, why. */
export function traceExplanation(
  plan: ClusterPlan,
  probe: QuizProbe,
  result: ProbeResult,
): Localized {
  const resolved = resolveProbe(plan, probe);
  if (typeof resolved === "string")
    throw new Error(`a quiz probe that does not resolve: ${resolved}`);
  const path = summarizePath(0, resolved.spec, result);
  const failure = judgeProbe(0, goalOf(probe), resolved, result, plan);
  return localized((lang) =>
    [formatProbePath(path, lang), ...(failure ? [describeFailure(failure, lang)] : [])].join("\n"),
  );
}
