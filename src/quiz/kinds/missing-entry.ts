/**
 * "Which entry is missing on node1?": a route, neighbour or FDB entry the probe needs is deleted;
 * the choices are that entry and wrong entries of the same kind. Generation keeps the question
 * only if putting back the deleted entry makes the probe pass and putting back any other choice
 * does not; grading puts each choice back in a fresh scenario and sends the probe.
 */
import { withParticle } from "../../checker/korean";
import { runShow } from "../../sim";
import { joinLines, localized, traceExplanation } from "../explain";
import type { Entry } from "../faults";
import { explainChoice } from "../grade-text";
import { placeLabel } from "../labels";
import { shuffle } from "../random";
import { build, passed, placeOf, send } from "../scenario";
import { describeCluster, describeQuizProbe } from "../setting";
import type { Localized, QuizAnswer, QuizGrade, QuizQuestion } from "../types";
import { capital, type Draft, type DraftInput, lettered } from "./common";
import { engineParts } from "./parts";

const KIND_WORDS: Record<Entry["kind"], Localized> = {
  route: { en: "route", ko: "라우트" },
  neighbour: { en: "neighbour", ko: "이웃 항목" },
  fdb: { en: "FDB", ko: "FDB 항목" },
};

function entryLabel(entry: Entry): Localized {
  return localized((lang) => `${entry.netns}: ${KIND_WORDS[entry.kind][lang]} ${entry.shown}`);
}

/** The tool that shows an entry's table. */
function showCommand(entry: Entry): string[] {
  const dev = /dev (\S+)/.exec(entry.shown)?.[1] ?? "";
  switch (entry.kind) {
    case "route":
      return ["ip", "route"];
    case "neighbour":
      return ["ip", "neigh", "show", "dev", dev];
    case "fdb":
      return ["bridge", "fdb", "show", "dev", dev];
  }
}

/** Whether the probe passes with `restore` added to the broken scenario. */
function fixes(
  cluster: string,
  fault: readonly string[],
  restore: string,
  probe: Draft["probeSpec"],
): boolean {
  if (!probe) return false;
  const built = build(cluster, [...fault, restore]);
  return built.refused.length === 0 && passed(send(built, probe));
}

export function draftMissingEntry(input: DraftInput): Draft | null {
  const { setting, rng } = input;
  if (!passed(setting.baseline)) return null;
  for (const candidate of shuffle(
    rng,
    input.candidates.filter((c) => c.entry),
  )) {
    const entry = candidate.entry;
    if (!entry) continue;
    const broken = build(setting.cluster, candidate.fault.lines);
    if (broken.refused.length > 0) continue;
    const result = send(broken, setting.probe);
    if (passed(result)) continue;
    if (!fixes(setting.cluster, candidate.fault.lines, entry.missing.restore, setting.probe))
      continue;
    const wrong = entry.wrong.filter(
      (w) =>
        build(setting.cluster, [...candidate.fault.lines, w.restore]).refused.length === 0 &&
        !fixes(setting.cluster, candidate.fault.lines, w.restore, setting.probe),
    );
    const decoys = shuffle(rng, wrong).slice(0, 3);
    if (decoys.length < 2) continue;
    const node = entry.missing.netns;
    const probeText = describeQuizProbe(setting.plan, setting.probe);
    const symptom = placeLabel(result, placeOf(result));
    const table =
      input.difficulty === "hard" ? null : runShow(broken.world, node, showCommand(entry.missing));
    const shown = table?.ok
      ? {
          en: `\`${showCommand(entry.missing).join(" ")}\` on ${node} now prints:\n${indent(table.output)}`,
          ko: `${node}에서 \`${showCommand(entry.missing).join(" ")}\`의 지금 출력:\n${indent(table.output)}`,
        }
      : { en: "", ko: "" };
    return {
      kind: "missing-entry",
      title: { en: `Which entry is missing on ${node}?`, ko: `${node}에서 빠진 항목은?` },
      prompt: joinLines(
        describeCluster(setting.plan),
        {
          en: `${capital(probeText.en)} fails. The trace ends at ${symptom.en}.`,
          ko: `${withParticle(probeText.ko, "이/가")} 실패한다. 트레이스의 끝: ${symptom.ko}.`,
        },
        shown,
        {
          en: `One entry was deleted on ${node}. Which one: putting it back makes the probe work?`,
          ko: `${node}에서 항목 하나가 지워졌다. 어느 것을 되돌려야 다시 동작하는가?`,
        },
      ),
      cluster: setting.cluster,
      choices: lettered(
        shuffle(rng, [entry.missing, ...decoys]).map((e) => ({
          label: entryLabel(e),
          meaning: { kind: "entry", netns: e.netns, restore: e.restore },
        })),
      ),
      probe: probeText,
      probeSpec: setting.probe,
      fault: candidate.fault,
    };
  }
  return null;
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

export function gradeMissingEntry(question: QuizQuestion, answer: QuizAnswer | null): QuizGrade {
  const { probeSpec, fault } = engineParts(question);
  const right = question.choices.filter(
    (c) =>
      c.meaning?.kind === "entry" &&
      fixes(question.cluster, fault.lines, c.meaning.restore, probeSpec),
  );
  const broken = build(question.cluster, fault.lines);
  const before = send(broken, probeSpec);
  const chosen =
    answer?.kind === "choice" ? question.choices.find((c) => c.id === answer.choice) : undefined;
  const withChoice =
    chosen?.meaning?.kind === "entry"
      ? (() => {
          const built = build(question.cluster, [...fault.lines, chosen.meaning.restore]);
          return traceExplanation(built.plan, probeSpec, send(built, probeSpec));
        })()
      : null;
  return explainChoice(question, answer, right, {
    fallback: fault.text,
    explanation: joinLines(
      {
        en: `What happened: ${fault.text.en}.`,
        ko: `일어난 일: ${fault.text.ko}.`,
      },
      { en: "Without the entry:", ko: "항목이 없을 때:" },
      traceExplanation(broken.plan, probeSpec, before),
      ...(withChoice
        ? [{ en: "With your choice put back:", ko: "고른 항목을 되돌리면:" }, withChoice]
        : []),
    ),
  });
}
