/**
 * "Where is this packet dropped?": one change from the catalogue is made to a healthy cluster
 * (or one that breaks nothing), the probe is sent, and the choices are places the simulator
 * really drops packets in this cluster (each from a fault of the catalogue) and "it is
 * delivered". Grading sends the probe again and picks the choice whose place it ends at.
 */
import type { ProbeResult } from "../../sim";
import { joinLines, traceExplanation } from "../explain";
import type { Candidate } from "../faults";
import { explainChoice } from "../grade-text";
import { placeLabel } from "../labels";
import { shuffle } from "../random";
import { build, placeKey, placeOf, send } from "../scenario";
import { describeCluster, describeQuizProbe } from "../setting";
import type { QuizAnswer, QuizGrade, QuizPlace, QuizQuestion } from "../types";
import { changeText, type Draft, type DraftInput, lettered } from "./common";
import { engineParts } from "./parts";

interface Outcome {
  readonly candidate: Candidate;
  readonly result: ProbeResult;
  readonly place: QuizPlace;
}

export function draftWhereDropped(input: DraftInput): Draft | null {
  const { setting, rng } = input;
  const outcomes: Outcome[] = [];
  for (const candidate of shuffle(rng, input.candidates).slice(0, 8)) {
    const built = build(setting.cluster, candidate.fault.lines);
    if (built.refused.length > 0) continue;
    const probe = candidate.probe ?? setting.probe;
    const result = send(built, probe);
    outcomes.push({ candidate, result, place: placeOf(result) });
  }
  const delivered = outcomes.filter((o) => o.place.kind === "delivered");
  const dropped = outcomes.filter((o) => o.place.kind === "dropped");
  // About one question in four has "it is delivered" as its answer.
  const pool = delivered.length > 0 && (rng() < 0.25 || dropped.length === 0) ? delivered : dropped;
  const chosen = pool[0];
  if (!chosen) return null;
  const seen = new Set<string>([placeKey(chosen.place)]);
  const labels = new Set<string>();
  const choices: { label: QuizQuestion["choices"][number]["label"]; place: QuizPlace }[] = [];
  const add = (o: Outcome): void => {
    const key = placeKey(o.place);
    const label = placeLabel(o.result, o.place);
    if (labels.has(label.en)) return;
    if (choices.length > 0 && seen.has(key)) return;
    seen.add(key);
    labels.add(label.en);
    choices.push({ label, place: o.place });
  };
  add(chosen);
  for (const o of outcomes) if (o !== chosen && choices.length < 4) add(o);
  if (chosen.place.kind !== "delivered" && !seen.has("delivered")) {
    if (choices.length >= 4) choices.pop();
    add({ ...chosen, place: { kind: "delivered" } });
  }
  if (choices.length < 3) return null;
  const probe = chosen.candidate.probe ?? setting.probe;
  const probeText = describeQuizProbe(setting.plan, probe);
  return {
    kind: "where-dropped",
    title: { en: "Where is the packet dropped?", ko: "패킷은 어디서 버려지는가?" },
    prompt: joinLines(describeCluster(setting.plan), changeText(chosen.candidate), {
      en: `Then: ${probeText.en}. Where is the packet dropped, if it is?`,
      ko: `그다음: ${probeText.ko}. 패킷은 어디서 버려지는가 (버려진다면)?`,
    }),
    cluster: setting.cluster,
    choices: lettered(
      shuffle(rng, choices).map((c) => ({
        label: c.label,
        meaning: { kind: "place", place: c.place },
      })),
    ),
    probe: probeText,
    probeSpec: probe,
    fault: chosen.candidate.fault,
  };
}

export function gradeWhereDropped(question: QuizQuestion, answer: QuizAnswer | null): QuizGrade {
  const { probeSpec, fault } = engineParts(question);
  const built = build(question.cluster, fault.lines);
  const result = send(built, probeSpec);
  const actual = placeKey(placeOf(result));
  const right = question.choices.filter(
    (c) => c.meaning?.kind === "place" && placeKey(c.meaning.place) === actual,
  );
  return explainChoice(question, answer, right, {
    fallback: placeLabel(result, placeOf(result)),
    explanation: traceExplanation(built.plan, probeSpec, result),
  });
}
