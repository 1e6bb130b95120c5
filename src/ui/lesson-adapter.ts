/**
 * A loaded lesson (src/lessons/) turned into what the lesson screen shows: every text already in
 * both languages, the goal in words generated from the goal itself, and the checker, the node
 * shell and the diagram behind functions. The screen decides nothing about packets; this file
 * only connects it to the one engine.
 */

import { routeCommand } from "../checker/answers";
import { checkAnswer } from "../checker/check";
import { describeGoal } from "../checker/describe";
import { describeFailure, explainFailure } from "../checker/explain";
import { formatStops } from "../checker/path";
import { buildScenario, scenarioPlan } from "../checker/scenario";
import type { Verdict } from "../checker/verdict";
import { drawTopology } from "../lessons/diagram";
import type { Lesson } from "../lessons/parse";
import type { Exercise, Step } from "../lessons/schema";
import { NodeShell } from "../shell/session";
import { runShow } from "../sim";
import { parseRouteSpec } from "../sim/script/ip-route";
import { Args } from "../sim/script/tokenize";
import type { LessonEntry, Texts } from "./home-model";
import type { LessonView, StepView, VerdictView } from "./lesson-view";
import { recordingShell } from "./widgets/recording-shell";

/**
 * `make`'s value, made on the first call and kept: the route step's table is drawn on every
 * render (every key typed), and building the scenario for it each time would run the installer
 * per keypress.
 */
function once<T>(make: () => T): () => T {
  let made: { value: T } | null = null;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}

function both(make: (lang: "en" | "ko") => string): Texts {
  return { en: make("en"), ko: make("ko") };
}

/** What the home screen lists of a lesson. */
export function lessonEntry(lesson: Lesson): LessonEntry {
  return {
    id: lesson.id,
    order: lesson.order,
    minutes: lesson.minutes,
    prerequisites: lesson.prerequisites,
    title: lesson.title,
    summary: lesson.summary,
    stepIds: lesson.steps.map((s) => s.id),
  };
}

/**
 * The live check under the route field: iproute2's message for what is typed so far, or null
 * when it parses. The kernel's refusals (a gateway it cannot reach) come with the verdict.
 */
export function parseRouteAnswer(text: string): string | null {
  const words = routeCommand(text);
  if (!Array.isArray(words)) return words.message;
  const parsed = parseRouteSpec(new Args(words.slice(3)));
  return parsed.ok ? null : parsed.message.trimEnd();
}

/** What was sent, as a learner would say it: `ping pod-a → 10.244.2.2`. */
function probeTitle(spec: { proto: string; from: string; to: string; dport?: number }): string {
  const what = spec.proto === "icmp" ? "ping" : spec.proto === "tcp" ? "TCP connect" : "UDP";
  const port = spec.proto !== "icmp" && spec.dport !== undefined ? `:${spec.dport}` : "";
  return `${what} ${spec.from} → ${spec.to}${port}`;
}

function verdictView(
  lesson: Lesson,
  step: Exercise,
  answer: string,
  verdict: Verdict,
  exam: boolean,
): VerdictView {
  const first = verdict.path[verdict.path.length - 1] ?? verdict.path[0];
  const path = first ? first.stops.map((s) => s.netns) : [];
  const message = verdict.passed
    ? both((lang) =>
        first
          ? `${lang === "en" ? "The packet went" : "패킷 경로"}: ${formatStops(first.stops)}`
          : "",
      )
    : both((lang) => {
        if (!verdict.failure) return "";
        // In an exam the trace says what happened, but not the lesson's words for a known wrong
        // answer: those often say what the right one is.
        return exam
          ? describeFailure(verdict.failure, lang)
          : explainFailure(step, answer, verdict.failure, lang);
      });
  const spec = first?.spec;
  const trace =
    verdict.hops.length > 0 && first
      ? {
          title: spec ? probeTitle(spec) : lesson.id,
          hops: verdict.hops,
          request: first.delivered
            ? `delivered`
            : first.drop?.flow === "request"
              ? `dropped in ${first.drop.netns} (${first.drop.reason})`
              : "not delivered",
          reply: first.replied
            ? "delivered"
            : first.drop?.flow === "reply"
              ? `dropped in ${first.drop.netns} (${first.drop.reason})`
              : "not sent",
        }
      : null;
  return { passed: verdict.passed, message, path, trace };
}

function stepView(lesson: Lesson, step: Step): StepView {
  if (step.kind === "read") {
    const cluster = step.diagram ? lesson.clusterPlans.get(step.diagram) : undefined;
    return {
      kind: "read",
      id: step.id,
      text: step.text,
      diagram: cluster ? (width, ascii) => drawTopology(cluster.plan, { width, ascii }) : null,
    };
  }
  const plan = lesson.clusterPlans.get(step.scenario.cluster)?.plan;
  const base = {
    id: step.id,
    prompt: step.prompt,
    hints: step.hints,
    answer: step.answer,
    explanation: step.explanation,
    goal: "goal" in step ? both((lang) => describeGoal(step.goal, lang, plan).join(" ")) : null,
  };
  switch (step.kind) {
    case "route":
      return {
        ...base,
        kind: "route",
        node: step.node,
        parse: parseRouteAnswer,
        routeTable: once(() => {
          if (!plan) return "";
          const scenario = buildScenario(plan, step.scenario.changes);
          const shown = runShow(scenario.world, step.node, ["ip", "route"]);
          return shown.ok ? shown.output : "";
        }),
      };
    case "fix":
      return {
        ...base,
        kind: "fix",
        node: step.node,
        newShell: () => {
          const built = scenarioPlan(lesson, step);
          if (!built) throw new Error(`no cluster for step ${step.id}`);
          const scenario = buildScenario(built, step.scenario.changes);
          const shell = new NodeShell({ world: scenario.world, plan: built, node: step.node });
          return recordingShell(shell);
        },
      };
    case "encapsulation":
    case "proxy-mode":
    case "predict":
    case "quiz":
      return {
        ...base,
        kind: step.kind,
        options: step.options.map((o) => ({
          id: o.id,
          label: o.label,
          description: "description" in o && o.description ? o.description : null,
        })),
      };
  }
}

/**
 * The lesson screen's view of a lesson; verdicts of choices and facts are cached per view. In an
 * exam (`exam: true`) a wrong answer's message is the trace's alone.
 */
export function lessonView(lesson: Lesson, options: { readonly exam?: boolean } = {}): LessonView {
  const cache = new Map<string, unknown>();
  return {
    id: lesson.id,
    title: lesson.title,
    steps: lesson.steps.map((s) => stepView(lesson, s)),
    check(stepId, answer) {
      const step = lesson.steps.find((s) => s.id === stepId);
      if (!step || step.kind === "read") throw new Error(`no exercise ${stepId} in ${lesson.id}`);
      return verdictView(
        lesson,
        step,
        answer,
        checkAnswer(lesson, step, answer, { cache }),
        options.exam === true,
      );
    },
  };
}
