/**
 * A lesson as the lesson screen shows it: texts in both languages, each exercise with what its
 * widget needs, and the checker and the simulator behind functions. The screen never judges an
 * answer or looks at a route itself; the lesson engine builds these views (src/ui/lesson-adapter.ts).
 */
import type { Hop } from "../sim";
import type { Texts } from "./home-model";
import type { ShellLike } from "./widgets/node-shell";

interface StepBase {
  readonly id: string;
}

export interface ReadStepView extends StepBase {
  readonly kind: "read";
  readonly text: Texts;
  /** The topology drawn for `width` columns, or null without a diagram. */
  readonly diagram:
    | ((width: number, ascii: boolean, lang: "en" | "ko") => readonly string[])
    | null;
}

interface ExerciseBase extends StepBase {
  readonly prompt: Texts;
  /** The goal in words, generated from the goal the checker checks (empty for predict and quiz). */
  readonly goal: Texts | null;
  readonly hints: readonly Texts[];
  /** The reference answer, offered after a pass (and in the last hint). */
  readonly answer: string;
  readonly explanation: Texts;
}

export interface RouteStepView extends ExerciseBase {
  readonly kind: "route";
  readonly node: string;
  /** `ip route` on the node before any answer, to show beside the field. */
  readonly routeTable: () => string;
  /** Live parse: iproute2's message for what is typed so far, or null when it parses. */
  readonly parse: (text: string) => string | null;
}

export interface ChoiceOption {
  readonly id: string;
  readonly label: Texts;
  readonly description: Texts | null;
}

export interface ChoiceStepView extends ExerciseBase {
  readonly kind: "encapsulation" | "proxy-mode" | "predict" | "quiz";
  readonly options: readonly ChoiceOption[];
}

export interface FixStepView extends ExerciseBase {
  readonly kind: "fix";
  readonly node: string;
  /** A fresh shell on the broken scenario (a reset makes a new one). */
  readonly newShell: () => ShellLike & { readonly lines: readonly string[] };
}

export type StepView = ReadStepView | RouteStepView | ChoiceStepView | FixStepView;

/** The checker's verdict, as the result panel shows it. */
export interface VerdictView {
  readonly passed: boolean;
  /** What happened, in words (the hop where the packet died and what decided it, or the path). */
  readonly message: Texts;
  /** The places the goal's packet went through, in order. */
  readonly path: readonly string[];
  /** The deciding probe's walk, for the trace viewer; null when nothing was sent (a refused route). */
  readonly trace: {
    readonly title: string;
    readonly hops: readonly Hop[];
    /** How each direction ended, in a few words. */
    readonly request: string;
    readonly reply: string;
  } | null;
}

export interface LessonView {
  readonly id: string;
  readonly title: Texts;
  readonly steps: readonly StepView[];
  /** Runs the checker on an answer to one of this lesson's exercises. */
  readonly check: (stepId: string, answer: string) => VerdictView;
}
