/**
 * The fix-it shell: the simulated node shell (src/shell/, docs/node-shell.md) on a fresh copy of
 * the question's broken scenario, with its prompt on `question.shellNode`. The TUI opens it for
 * the candidate; grading opens another and replays the lines the candidate typed.
 */
import { NodeShell } from "../shell/session";
import type { ClusterPlan, World } from "../sim";
import { engineParts } from "./kinds/parts";
import { build } from "./scenario";
import type { QuizQuestion } from "./types";

/** A shell on the broken scenario, with the world it changes (for the probe after it). */
export function openShell(question: QuizQuestion): {
  readonly shell: NodeShell;
  readonly plan: ClusterPlan;
  readonly world: World;
} {
  const { fault } = engineParts(question);
  const node = question.shellNode;
  if (node === undefined)
    throw new Error(`question ${question.id} is a ${question.kind} question, without a shell`);
  const built = build(question.cluster, fault.lines);
  return {
    shell: new NodeShell({ world: built.world, plan: built.plan, node }),
    plan: built.plan,
    world: built.world,
  };
}

export function quizShell(question: QuizQuestion): NodeShell {
  return openShell(question).shell;
}
