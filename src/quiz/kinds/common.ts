/** What every question kind shares: the draft a kind makes, choice ids, the fault in words. */

import type { Rng } from "../../sim/rng";
import type { Candidate } from "../faults";
import type { Setting } from "../setting";
import type { Difficulty, Localized, QuizChoice, QuizQuestion } from "../types";

/** A question before it has its number and topic. */
export type Draft = Omit<QuizQuestion, "id" | "topic">;

/** What a kind's generator is given. */
export interface DraftInput {
  readonly setting: Setting;
  readonly candidates: readonly Candidate[];
  readonly rng: Rng;
  readonly difficulty: Difficulty;
}

/** Choices labelled a, b, c… in the order given. */
export function lettered(choices: readonly Omit<QuizChoice, "id">[]): QuizChoice[] {
  return choices.map((c, i) => ({ ...c, id: String.fromCharCode(97 + i) }));
}

/** The change a fault made, with its script lines, for a prompt. */
export function changeText(candidate: Candidate): Localized {
  if (candidate.fault.lines.length === 0)
    return { en: "Nothing was changed on any node.", ko: "어느 노드에서도 바뀐 것이 없다." };
  const lines = candidate.fault.lines.map((l) => `    ${l}`).join("\n");
  return {
    en: `What changed: ${candidate.fault.text.en}:\n${lines}`,
    ko: `바뀐 것: ${candidate.fault.text.ko}:\n${lines}`,
  };
}

/** A sentence's first letter in upper case (`ping …` → `Ping …`). */
export function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
