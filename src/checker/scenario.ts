/**
 * An exercise's scenario, built: the cluster installed straight into a world (the direct build,
 * the same state as its script), then the step's changes run as scenario-script lines.
 */
import type { ClusterPlan, Lesson } from "../lessons/parse";
import type { ChoiceStep, Exercise } from "../lessons/schema";
import { runClusterDirect, runScript, type World } from "../sim";

/** A world ready for an answer, and what did not apply while making it. */
export interface BuiltScenario {
  readonly world: World;
  readonly plan: ClusterPlan;
  /** Changes (or installer lines) the simulator refused, with its message. */
  readonly errors: readonly { readonly line: string; readonly message: string }[];
}

/** The plan of an exercise's scenario: its cluster, or for a choice step the option's cluster. */
export function scenarioPlan(lesson: Lesson, step: Exercise, option?: string): ClusterPlan | null {
  if (option !== undefined) return lesson.optionPlans.get(step.id)?.get(option) ?? null;
  return lesson.clusterPlans.get(step.scenario.cluster)?.plan ?? null;
}

/** Builds the world of a plan and applies the scenario's changes (the direct build: no script text). */
export function buildScenario(plan: ClusterPlan, changes: readonly string[]): BuiltScenario {
  const built = runClusterDirect(plan);
  const errors = built.setupErrors.map((e) => ({ line: e.command, message: e.message }));
  if (changes.length > 0) {
    const ran = runScript(changes.join("\n"), built.world);
    for (const e of ran.setupErrors) errors.push({ line: e.command, message: e.message });
  }
  return { world: built.world, plan, errors };
}

/** The option ids of a choice step. */
export function optionIds(step: ChoiceStep): string[] {
  return step.options.map((o) => o.id);
}
