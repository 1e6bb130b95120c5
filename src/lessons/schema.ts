/**
 * The lesson file (docs/lessons.md): a lesson's texts in English and Korean, the clusters its
 * steps use, and its steps, each exercise with a goal or a fact the checker reads from a trace, a
 * reference answer and the known wrong answers with how each fails. YAML, validated by this
 * schema; what the schema cannot see (names that must exist, options that must be answered) is
 * checked by the loader (load.ts) and the rest by running every answer (checker/validate.ts).
 */
import { z } from "zod";
import { cniSchema, kubeProxySchema } from "../sim/cluster/schema";
import {
  CONDITIONS,
  type Condition,
  DROP_REASONS,
  type DropReasonCode,
  ENCAPS,
  FACTS,
  TRANSLATORS,
} from "./vocabulary";

/** The only lesson format so far; a file says which it follows so a later one can be told apart. */
export const FORMAT_VERSION = 1;

const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** A stable id: progress is stored by it, so it never changes once published. */
const id = z
  .string()
  .regex(KEBAB, "an id in kebab-case: lower-case letters and digits joined by single '-'");

const nonEmpty = (language: string) =>
  z.string().refine((s) => /\S/.test(s), `the ${language} text is empty`);

/** What a learner reads: always both languages, side by side, so translators see both. */
export const textSchema = z.strictObject(
  {
    /** English. */
    en: nonEmpty("English"),
    /** Korean. */
    ko: nonEmpty("Korean"),
  },
  {
    error: (issue) =>
      issue.code === "invalid_type" && issue.input !== undefined
        ? 'a text in both languages is needed here: {en: "…", ko: "…"}'
        : undefined,
  },
);

const port = z.number().int().min(1).max(65535);

/** The fields of a probe: what `ping` or a TCP/UDP client sends. */
const probeFields = {
  /** A pod or node of the scenario: the namespace the probe leaves from. */
  from: z.string().min(1),
  /** A pod, node or Service of the scenario, or an IPv4 address. */
  to: z.string().min(1),
  /** icmp unless said; to a Service, its first port's protocol unless said. */
  proto: z.enum(["icmp", "tcp", "udp"]).optional(),
  /** tcp/udp only: the destination port (to a Service, its first port unless said; else 80). */
  dport: port.optional(),
  /** Payload bytes, like `ping -s` (default 56). */
  size: z.number().int().min(0).max(65507).optional(),
  /** Set Don't Fragment (`ping -M do`). */
  df: z.boolean().optional(),
};

/** The probe a `predict` or `quiz` step traces to read its fact. */
export const probeSchema = z.strictObject(probeFields);

/** Conditions on the request's path (docs/lessons.md, "The goal"). */
export const viaSchema = z.strictObject({
  /** The first encapsulation on the way (`none`: never encapsulated). */
  encap: z.enum(ENCAPS).optional(),
  /** The request leaves some node through this device. */
  device: z.string().min(1).optional(),
  /** The request passes through this namespace. */
  node: z.string().min(1).optional(),
  /** The request must not pass through this namespace. */
  notNode: z.string().min(1).optional(),
  /** What turned the Service address into a pod address. */
  translatedBy: z.enum(TRANSLATORS).optional(),
});

/** One probe of a goal and what must be true of it after the answer is applied. */
export const goalProbeSchema = z.strictObject({
  ...probeFields,
  /** delivered: the request arrives and the reply comes back; dropped: the request must not arrive. */
  expect: z.enum(["delivered", "dropped"]).default("delivered"),
  /** Where the request must arrive (default: the pod or node `to` names; a Service: any endpoint). */
  deliveredTo: z.string().min(1).optional(),
  /** Conditions on the request's path. */
  via: viaSchema.optional(),
  /** At most this many iptables rules evaluated, both directions. */
  maxRules: z.number().int().min(0).optional(),
  /** At most this many map and hash lookups, both directions. */
  maxLookups: z.number().int().min(0).optional(),
});

/**
 * How a known wrong answer fails: exactly one of the keys (and `at` only with `dropped`). Written
 * as one object with optional keys rather than a union, so a mistake gets one plain message.
 */
const failsFields = z.strictObject({
  /** A command of the answer is refused; this text is part of the kernel's or tool's message. */
  refused: z.string().min(1).optional(),
  /** A goal probe's request (or reply) is dropped with this drop reason… */
  dropped: z.enum(DROP_REASONS).optional(),
  /** …optionally in this namespace. */
  at: z.string().min(1).optional(),
  /** The request arrives but the reply does not come back. */
  noReply: z.literal(true).optional(),
  /** The packet arrives but this condition of the goal is not met. */
  condition: z.enum(CONDITIONS).optional(),
  /** predict and quiz: the option is not what the trace shows. */
  notTheFact: z.literal(true).optional(),
});

export const failsSchema = failsFields
  .superRefine((fails, ctx) => {
    const given = (["refused", "dropped", "noReply", "condition", "notTheFact"] as const).filter(
      (k) => fails[k] !== undefined,
    );
    if (given.length !== 1)
      ctx.addIssue({
        code: "custom",
        message:
          given.length === 0
            ? "say how the answer fails: one of refused, dropped, noReply, condition, notTheFact"
            : `say one way the answer fails, not ${given.length} (${given.join(", ")})`,
      });
    if (fails.at !== undefined && fails.dropped === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["at"],
        message: "`at` goes with `dropped` (the namespace where the packet is dropped)",
      });
  })
  .transform((fails): Fails => {
    if (fails.refused !== undefined) return { kind: "refused", text: fails.refused };
    if (fails.dropped !== undefined)
      return fails.at === undefined
        ? { kind: "dropped", reason: fails.dropped }
        : { kind: "dropped", reason: fails.dropped, at: fails.at };
    if (fails.noReply !== undefined) return { kind: "noReply" };
    if (fails.condition !== undefined) return { kind: "condition", condition: fails.condition };
    return { kind: "notTheFact" };
  });

/** How a wrong answer fails, as the checker's verdict will say it (see `failsSchema`). */
export type Fails =
  | { readonly kind: "refused"; readonly text: string }
  | { readonly kind: "dropped"; readonly reason: DropReasonCode; readonly at?: string }
  | { readonly kind: "noReply" }
  | { readonly kind: "condition"; readonly condition: Condition }
  | { readonly kind: "notTheFact" };

/** A known wrong answer, how it fails, and what the learner is told about it. */
export const wrongSchema = z.strictObject({
  /** The answer, in the same form as the step's reference answer. */
  answer: z.string().min(1),
  fails: failsSchema,
  explanation: textSchema,
});

/** The exercise's cluster and the changes that make it. */
export const scenarioSchema = z.strictObject({
  /** A name from the lesson's `clusters`. */
  cluster: z.string().min(1),
  /** Scenario-script lines applied after the cluster is built (namespaces named as the nodes and pods). */
  changes: z.array(z.string().min(1)).default([]),
});

const hints = z.array(textSchema).refine((list) => list.length === 3, {
  error: (issue) =>
    `three hints are needed (a nudge, where to look, the answer), found ${(issue.input as unknown[]).length}`,
  when: (payload) => Array.isArray(payload.value),
});

/** The fields every exercise has (every kind but `read`). */
const exercise = {
  /** Stable, kebab-case, unique in the lesson: progress is stored by it. */
  id,
  /** The task. */
  prompt: textSchema,
  scenario: scenarioSchema,
  /** Exactly three: a nudge, where to look, the answer with its explanation. */
  hints,
  /** Shown after a correct answer, beside the reference answer. */
  explanation: textSchema,
  /** Known wrong answers; at least one. */
  wrong: z.array(wrongSchema).min(1, "at least one known wrong answer is needed"),
};

const goal = z.array(goalProbeSchema).min(1, "a goal needs at least one probe");

const optionCount = <T extends z.ZodType>(option: T) =>
  z
    .array(option)
    .min(2, "at least 2 options are needed")
    .max(5, "at most 5 options (a step is read in an 80×24 terminal)");

/** An option of an `encapsulation` or `proxy-mode` step. */
const choiceOption = {
  /** What the answer names. */
  id,
  label: textSchema,
  /** One line. */
  description: textSchema,
};

/** An option of a `predict` or `quiz` step: right when its value equals the fact in the trace. */
export const factOptionSchema = z.strictObject({
  id,
  label: textSchema,
  /** Optional one line under the label. */
  description: textSchema.optional(),
  /** Compared with the fact read from the trace (a number, boolean or string, as the fact is). */
  value: z.union([z.string(), z.number(), z.boolean()]),
});

/** A text to read, optionally with a cluster of the lesson drawn as a topology. */
export const readStepSchema = z.strictObject({
  id,
  kind: z.literal("read"),
  text: textSchema,
  /** A cluster of the lesson's `clusters`, drawn as a topology. */
  diagram: z.string().min(1).optional(),
});

/** The learner types one route into `node`'s table. */
export const routeStepSchema = z.strictObject({
  ...exercise,
  kind: z.literal("route"),
  /** The node whose table the route goes into. */
  node: z.string().min(1),
  goal,
  /** A route as after `ip route add`, or a whole `ip route add|replace|append …` command. */
  answer: z.string().min(1),
});

/** The learner repairs a broken cluster in a simulated shell. */
export const fixStepSchema = z.strictObject({
  ...exercise,
  kind: z.literal("fix"),
  /** The node the shell starts on. */
  node: z.string().min(1),
  goal,
  /** Shell lines, one a line (`ssh NAME` moves to another node or pod). */
  answer: z.string().min(1),
});

/** The learner picks how the CNI carries pod traffic; an option reinstalls the CNI. */
export const encapsulationStepSchema = z.strictObject({
  ...exercise,
  kind: z.literal("encapsulation"),
  goal,
  options: optionCount(
    z.strictObject({
      ...choiceOption,
      /** The `cni:` block that replaces the scenario cluster's. */
      cni: cniSchema,
    }),
  ),
  /** The id of the right option. */
  answer: id,
});

/** The learner picks a Service proxy mode; an option reinstalls the Service path. */
export const proxyModeStepSchema = z.strictObject({
  ...exercise,
  kind: z.literal("proxy-mode"),
  goal,
  options: optionCount(
    z.strictObject({
      ...choiceOption,
      /** The `kubeProxy:` block that replaces the scenario cluster's. */
      kubeProxy: kubeProxySchema,
    }),
  ),
  answer: id,
});

const factStep = {
  ...exercise,
  /** Traced in the scenario; the fact is read from its trace. */
  probe: probeSchema,
  /** What is read from the trace (docs/lessons.md, "Facts"). */
  fact: z.enum(FACTS),
  /** The namespace the fact is about, for the facts that need one. */
  at: z.string().min(1).optional(),
  options: optionCount(factOptionSchema),
  /** The id of the option whose value is the fact (checked by running the trace). */
  answer: id,
};

/** Where the packet goes next, or which header it carries, answered from the trace. */
export const predictStepSchema = z.strictObject({ ...factStep, kind: z.literal("predict") });

/** A multiple-choice question about a concept, proved by a trace's fact. */
export const quizStepSchema = z.strictObject({ ...factStep, kind: z.literal("quiz") });

export const stepSchema = z.discriminatedUnion("kind", [
  readStepSchema,
  routeStepSchema,
  encapsulationStepSchema,
  proxyModeStepSchema,
  predictStepSchema,
  fixStepSchema,
  quizStepSchema,
]);

/** A cluster a lesson's steps use: a path inside the pack, or a cluster file written inline. */
export const clusterRefSchema = z.union([z.string().min(1), z.record(z.string(), z.unknown())]);

export const lessonSchema = z.strictObject({
  formatVersion: z.literal(FORMAT_VERSION),
  /** Stable, kebab-case: progress is stored by it. */
  id,
  /** Position in the lesson list (unique in the pack). */
  order: z.number().int().min(1),
  /** Estimated time. */
  minutes: z.number().int().min(1).max(240),
  /** Lesson ids that must be done first ([] = none). */
  prerequisites: z.array(id).default([]),
  title: textSchema,
  summary: textSchema,
  /** Scenarios the steps use, by name. */
  clusters: z.record(id, clusterRefSchema).default({}),
  steps: z.array(stepSchema).min(1, "a lesson needs at least one step"),
});

export type Text = z.infer<typeof textSchema>;
export type ProbeFields = z.infer<typeof probeSchema>;
export type GoalProbe = z.infer<typeof goalProbeSchema>;
export type Via = z.infer<typeof viaSchema>;
export type Wrong = z.infer<typeof wrongSchema>;
export type LessonFile = z.infer<typeof lessonSchema>;
export type Step = z.infer<typeof stepSchema>;
export type StepKind = Step["kind"];
export type ReadStep = z.infer<typeof readStepSchema>;
export type RouteStep = z.infer<typeof routeStepSchema>;
export type FixStep = z.infer<typeof fixStepSchema>;
export type EncapsulationStep = z.infer<typeof encapsulationStepSchema>;
export type ProxyModeStep = z.infer<typeof proxyModeStepSchema>;
export type PredictStep = z.infer<typeof predictStepSchema>;
export type QuizStep = z.infer<typeof quizStepSchema>;
/** Every kind but `read`. */
export type Exercise = Exclude<Step, ReadStep>;
/** predict and quiz: answered by a fact of a trace. */
export type FactStep = PredictStep | QuizStep;
/** encapsulation and proxy-mode: an option reinstalls part of the cluster. */
export type ChoiceStep = EncapsulationStep | ProxyModeStep;
export type FactOption = z.infer<typeof factOptionSchema>;

/** Every field name the lesson format has: an unknown field is told the nearest of these. */
export function lessonFieldNames(): string[] {
  const shapes: { shape: Record<string, unknown> }[] = [
    lessonSchema,
    textSchema,
    probeSchema,
    goalProbeSchema,
    viaSchema,
    failsFields,
    wrongSchema,
    scenarioSchema,
    factOptionSchema,
    ...stepSchema.options,
    encapsulationStepSchema.shape.options.element,
    proxyModeStepSchema.shape.options.element,
  ];
  return [...new Set(shapes.flatMap((s) => Object.keys(s.shape)))];
}
