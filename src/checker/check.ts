/**
 * The checker: one function that judges an answer to an exercise by running the simulator, for
 * the TUI, `podnet-learn check` and `validate` alike. A bad answer is a verdict, never a throw.
 */
import type { Lesson } from "../lessons/parse";
import type { ChoiceStep, Exercise, FactStep, FixStep, RouteStep } from "../lessons/schema";
import type { FactValue } from "../lessons/vocabulary";
import { NodeShell } from "../shell/session";
import { unreachable } from "../sim/unreachable";
import { applyFix, applyRoute, optionAnswer, type Shell } from "./answers";
import { readFact } from "./facts";
import { judgeGoal, runProbe } from "./judge";
import { summarizePath } from "./path";
import { type BuiltScenario, buildScenario, scenarioPlan } from "./scenario";
import type { Failure, Verdict } from "./verdict";

/** Opens the shell a fix answer's lines run in (default: the node shell on the scenario's world). */
export type ShellFactory = (scenario: BuiltScenario, node: string) => Shell;

export interface CheckOptions {
  /**
   * Verdicts that do not depend on anything but the step and the option (every option of a
   * choice step, the trace of a predict or quiz step), kept between calls: `validate` checks
   * each option once. Keyed by lesson, step and option; never share one across packs.
   */
  readonly cache?: Map<string, unknown>;
  /** Opens the shell a fix answer's lines run in (default: `NodeShell`). */
  readonly shell?: ShellFactory;
}

const defaultShell: ShellFactory = (scenario, node) =>
  new NodeShell({ world: scenario.world, plan: scenario.plan, node });

/** Judges `answer` to `step` of `lesson`. */
export function checkAnswer(
  lesson: Lesson,
  step: Exercise,
  answer: string,
  opts: CheckOptions = {},
): Verdict {
  switch (step.kind) {
    case "route":
    case "fix":
      return checkTyped(lesson, step, answer, opts);
    case "encapsulation":
    case "proxy-mode":
      return checkChoice(lesson, step, answer, opts);
    case "predict":
    case "quiz":
      return checkFact(lesson, step, answer, opts);
    default:
      return unreachable(step);
  }
}

/**
 * The step's scenario without an answer, judged against its goal (`validate` proves a route or
 * fix step does not already pass).
 */
export function checkUnanswered(lesson: Lesson, step: RouteStep | FixStep): Verdict {
  const scenario = build(lesson, step);
  const outcome = judgeGoal(step.goal, scenario.plan, scenario.world);
  return finish(outcome.failure, outcome.path, outcome.hops, scenario);
}

function build(lesson: Lesson, step: Exercise, option?: string): BuiltScenario {
  const plan = scenarioPlan(lesson, step, option);
  // The loader planned every cluster and option of a lesson it returned.
  if (!plan) throw new Error(`no planned cluster for step ${step.id} of ${lesson.id}`);
  return buildScenario(plan, step.scenario.changes);
}

function finish(
  failure: Failure | null,
  path: Verdict["path"],
  hops: Verdict["hops"],
  scenario: BuiltScenario | null,
  fact?: FactValue,
): Verdict {
  return {
    passed: failure === null,
    ...(failure ? { failure } : {}),
    path,
    hops,
    ...(fact === undefined ? {} : { fact }),
    scenarioErrors: scenario?.errors ?? [],
  };
}

function checkTyped(
  lesson: Lesson,
  step: RouteStep | FixStep,
  answer: string,
  opts: CheckOptions,
): Verdict {
  const scenario = build(lesson, step);
  const refused =
    step.kind === "route"
      ? applyRoute(scenario.world, step.node, answer)
      : applyFix((opts.shell ?? defaultShell)(scenario, step.node), answer);
  if (refused) return finish(refused, [], [], scenario);
  const outcome = judgeGoal(step.goal, scenario.plan, scenario.world);
  return finish(outcome.failure, outcome.path, outcome.hops, scenario);
}

function cached<T>(opts: CheckOptions, key: string, make: () => T): T {
  if (!opts.cache) return make();
  const found = opts.cache.get(key);
  if (found !== undefined) return found as T;
  const made = make();
  opts.cache.set(key, made);
  return made;
}

function checkChoice(
  lesson: Lesson,
  step: ChoiceStep,
  answer: string,
  opts: CheckOptions,
): Verdict {
  const id = optionAnswer(
    answer,
    step.options.map((o) => o.id),
  );
  if (typeof id !== "string") return finish(id, [], [], null);
  // The option's cluster, built and judged, is the same whoever answers it.
  return cached(opts, `${lesson.id}\n${step.id}\n${id}`, () => {
    const scenario = build(lesson, step, id);
    const outcome = judgeGoal(step.goal, scenario.plan, scenario.world);
    return finish(outcome.failure, outcome.path, outcome.hops, scenario);
  });
}

function checkFact(lesson: Lesson, step: FactStep, answer: string, opts: CheckOptions): Verdict {
  const id = optionAnswer(
    answer,
    step.options.map((o) => o.id),
  );
  if (typeof id !== "string") return finish(id, [], [], null);
  const traced = cached(opts, `${lesson.id}\n${step.id}`, () => {
    const scenario = build(lesson, step);
    const { resolved, result } = runProbe(scenario.plan, scenario.world, step.probe);
    const fact = readFact(step.fact, result, {
      ...(step.at === undefined ? {} : { at: step.at }),
      to: resolved.spec.to,
      world: scenario.world,
    });
    return { scenario, fact, path: [summarizePath(0, resolved.spec, result)], hops: result.hops };
  });
  const option = step.options.find((o) => o.id === id);
  const value = option?.value;
  const failure: Failure | null =
    value === traced.fact
      ? null
      : {
          kind: "notTheFact",
          probe: 0,
          netns: null,
          dropReason: null,
          message: `the trace shows ${step.fact} ${JSON.stringify(traced.fact)}, not ${JSON.stringify(value)}`,
          expected: String(value),
          actual: String(traced.fact),
        };
  return finish(failure, traced.path, traced.hops, traced.scenario, traced.fact);
}
