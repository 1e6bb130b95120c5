/**
 * The quiz: questions drawn from a seed. Question i takes the i-th topic in turn, a kind that
 * topic has, and a cluster drawn for the difficulty; a kind's generator keeps a question only
 * after the simulator showed it answerable and unambiguous, and the draw goes on until one is.
 * Pure and deterministic: each question has its own generator, seeded from the quiz's seed and
 * its number, so the same settings make the same quiz for every candidate.
 */
import { type Rng, seededRng } from "../sim/rng";
import { unreachable } from "../sim/unreachable";
import { drawCluster } from "./clusters";
import { candidates, noFault } from "./faults";
import type { Draft, DraftInput } from "./kinds/common";
import { draftFixIt } from "./kinds/fix-it";
import { draftMissingEntry } from "./kinds/missing-entry";
import { draftProxyMode } from "./kinds/proxy-mode";
import { draftWhereDropped } from "./kinds/where-dropped";
import { shuffle } from "./random";
import { settle } from "./setting";
import type { QuestionKind, Quiz, QuizQuestion, QuizSettings, QuizTopic } from "./types";

/** The kinds of question each topic has. */
export function kindsOf(topic: QuizTopic): readonly QuestionKind[] {
  return topic === "services"
    ? ["proxy-mode", "where-dropped", "fix-it"]
    : ["where-dropped", "missing-entry", "fix-it"];
}

/**
 * Faults an easy quiz draws from: one rule, one setting, one route. Medium and hard add the
 * overlay's neighbour and FDB entries, the return route, the pod's MTU and the Service faults.
 */
const EASY_FAULTS: ReadonlySet<string> = new Set([
  "none",
  "overlay-blocked",
  "other-port-blocked",
  "forwarding-off",
  "forward-flushed-drop",
  "forward-policy-drop",
  "route-deleted",
]);

/** Draws until a kind's generator keeps a question: the same seed always ends at the same one. */
const ATTEMPTS = 24;

function draft(kind: QuestionKind, input: DraftInput): Draft | null {
  switch (kind) {
    case "where-dropped":
      return draftWhereDropped(input);
    case "missing-entry":
      return draftMissingEntry(input);
    case "fix-it":
      return draftFixIt(input);
    case "proxy-mode":
      return draftProxyMode(input);
    default:
      return unreachable(kind);
  }
}

/** The generator of question `index` (0-based) of a quiz seeded with `seed`. */
function questionRng(seed: number, index: number): Rng {
  return seededRng((seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0);
}

function makeQuestion(settings: QuizSettings, index: number): QuizQuestion {
  const topic = settings.topics[index % settings.topics.length] as QuizTopic;
  const rng = questionRng(settings.seed, index);
  const first = shuffle(rng, kindsOf(topic));
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    // Each attempt draws a new cluster; the kind changes only after a few attempts fail.
    const kind = first[Math.floor(attempt / 8) % first.length] as QuestionKind;
    const setting = settle(drawCluster(rng, topic, settings.difficulty));
    const input: DraftInput = {
      setting,
      candidates: [noFault(), ...candidates(setting.ctx)].filter(
        (c) => settings.difficulty !== "easy" || EASY_FAULTS.has(c.fault.id),
      ),
      rng,
      difficulty: settings.difficulty,
    };
    const made = draft(kind, input);
    if (made) return { ...made, id: `q${index + 1}`, topic };
  }
  throw new Error(
    `no question could be made for ${topic} (seed ${settings.seed}, question ${index + 1})`,
  );
}

export function generateQuiz(settings: QuizSettings): Quiz {
  const questions = Array.from({ length: settings.count }, (_, i) => makeQuestion(settings, i));
  return { settings, questions };
}
