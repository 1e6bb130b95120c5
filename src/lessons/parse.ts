/**
 * Reads one lesson file: the YAML, the schema, its clusters (planned), and every rule the schema
 * cannot express: names that must exist in the scenario, options that must all be answered, ids
 * unique in the lesson. Every problem is collected, each at the line and column of the value it is
 * about. Pure: cluster files by path are read by the caller (pack.ts) through `clusterAt`.
 */
import { type Document, LineCounter, parseDocument } from "yaml";
import { suggest } from "../cli/args";
import type { ClusterPlan } from "../sim";

export type { ClusterPlan };

import { locator, type Path, planCluster, planClusterValue } from "../sim/cluster/load";
import type { ClusterFile } from "../sim/cluster/schema";
import { unreachable } from "../sim/unreachable";
import { atPath, describeLessonIssue } from "./issues";
import {
  type ChoiceStep,
  type Exercise,
  type FactStep,
  type GoalProbe,
  type LessonFile,
  lessonFieldNames,
  lessonSchema,
  type Step,
} from "./schema";
import { hostsOf, namespacesOf, resolveProbe } from "./targets";
import { CONDITIONS, factNeedsAt, factType } from "./vocabulary";

/** A problem in a lesson (or cluster) file, with where it is. */
export interface LessonProblem {
  /** The file as the author names it (`lessons/04-flannel-vxlan.yaml`). */
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/** `FILE:LINE:COL: message`, as compilers print it, so editors can jump to it. */
export function formatProblem(p: LessonProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}

/** A cluster a lesson names, planned. */
export interface LessonCluster {
  readonly name: string;
  readonly plan: ClusterPlan;
  /** The cluster file it came from (as problems name it), or null when written inline. */
  readonly file: string | null;
}

/** A lesson file that passed every check the loader makes, with its clusters planned. */
export interface Lesson extends LessonFile {
  /** The file it was read from, as problems name it. */
  readonly file: string;
  /** The planned clusters, by the names the steps use. */
  readonly clusterPlans: ReadonlyMap<string, LessonCluster>;
  /**
   * The clusters an `encapsulation` or `proxy-mode` option makes (the scenario's cluster with its
   * `cni` or `kubeProxy` replaced), by step id, then option id.
   */
  readonly optionPlans: ReadonlyMap<string, ReadonlyMap<string, ClusterPlan>>;
  /** The line and column of a value of the file, for problems found later (validate). */
  readonly locate: (path: Path) => { line: number; col: number };
}

/** What the caller found at a cluster path: the plan, or why there is none. */
export type ClusterLookup =
  | { readonly ok: true; readonly plan: ClusterPlan; readonly file: string }
  | { readonly ok: false; readonly message: string };

const FIELD_NAMES = lessonFieldNames();

/**
 * Parses and checks one lesson file. `clusterAt` resolves a cluster path of the `clusters` map
 * (relative to the pack's root); problems in that cluster file are the caller's to report.
 */
export function parseLesson(
  text: string,
  file: string,
  clusterAt: (ref: string) => ClusterLookup,
): { lesson: Lesson | null; problems: LessonProblem[] } {
  const problems: LessonProblem[] = [];
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors)
      problems.push({
        file,
        ...lineCounter.linePos(e.pos[0]),
        message: `YAML: ${e.message.split("\n")[0]}`,
      });
    return { lesson: null, problems };
  }
  const locate = locator(doc as Document, lineCounter);
  const report: Report = (path, message, shown = path) => {
    problems.push({ file, ...locate(path), message: atPath(shown, message) });
  };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    report([], `YAML: ${e instanceof Error ? e.message : String(e)}`);
    return { lesson: null, problems };
  }
  const parsed = lessonSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const { path, shown, message } = describeLessonIssue(issue, FIELD_NAMES);
      report(path, message, shown);
    }
    return { lesson: null, problems: sorted(problems) };
  }
  const data = parsed.data;
  const clusterPlans = planClusters(data, clusterAt, report);
  const optionPlans = new Map<string, Map<string, ClusterPlan>>();
  checkSteps(data, clusterPlans, optionPlans, report);
  if (problems.length > 0) return { lesson: null, problems: sorted(problems) };
  return { lesson: { ...data, file, clusterPlans, optionPlans, locate }, problems };
}

function sorted(problems: LessonProblem[]): LessonProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.col - b.col);
}

/** Records a problem located at `path`, its message shown under `shown` (default: `path`). */
type Report = (path: Path, message: string, shown?: Path) => void;

/** Plans every cluster of the lesson; the inline ones report their problems where they are. */
function planClusters(
  data: LessonFile,
  clusterAt: (ref: string) => ClusterLookup,
  report: Report,
): Map<string, LessonCluster> {
  const plans = new Map<string, LessonCluster>();
  for (const [name, ref] of Object.entries(data.clusters)) {
    const at: Path = ["clusters", name];
    if (typeof ref === "string") {
      const found = clusterAt(ref);
      if (found.ok) plans.set(name, { name, plan: found.plan, file: found.file });
      else report(at, found.message);
      continue;
    }
    const plan = planClusterValue(ref, (path, message) =>
      report([...at, ...path], stripPathPrefix(path, message)),
    );
    if (plan) plans.set(name, { name, plan, file: null });
  }
  return plans;
}

/**
 * The cluster loader's messages for schema problems start with the path (`nodes.0.ip: …`); the
 * lesson's message starts with the whole path instead.
 */
function stripPathPrefix(path: Path, message: string): string {
  const prefix = `${path.join(".")}: `;
  return path.length > 0 && message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

function nameList(names: Iterable<string>): string {
  return [...names].join(", ");
}

function didYouMean(name: string, names: readonly string[]): string {
  const near = suggest(name, names);
  return near ? `; did you mean "${near}"?` : "";
}

/** The rules about steps that need the clusters or more than one field at a time. */
function checkSteps(
  data: LessonFile,
  clusters: ReadonlyMap<string, LessonCluster>,
  optionPlans: Map<string, Map<string, ClusterPlan>>,
  report: Report,
): void {
  const seen = new Map<string, number>();
  data.steps.forEach((step, i) => {
    const at: Path = ["steps", i];
    const first = seen.get(step.id);
    if (first !== undefined)
      report([...at, "id"], `a second step with id "${step.id}" (steps[${first}] has it)`);
    else seen.set(step.id, i);
    if (step.kind === "read") {
      if (step.diagram !== undefined && !data.clusters[step.diagram])
        report(
          [...at, "diagram"],
          `no cluster named "${step.diagram}" in this lesson's clusters (${nameList(Object.keys(data.clusters))})${didYouMean(step.diagram, Object.keys(data.clusters))}`,
        );
      return;
    }
    checkExercise(data, step, at, clusters, optionPlans, report);
  });
}

function checkExercise(
  data: LessonFile,
  step: Exercise,
  at: Path,
  clusters: ReadonlyMap<string, LessonCluster>,
  optionPlans: Map<string, Map<string, ClusterPlan>>,
  report: Report,
): void {
  checkAnswers(step, at, report);
  const name = step.scenario.cluster;
  if (!data.clusters[name]) {
    const names = Object.keys(data.clusters);
    report(
      [...at, "scenario", "cluster"],
      names.length === 0
        ? `no cluster named "${name}": the lesson has no clusters`
        : `no cluster named "${name}" in this lesson's clusters (${nameList(names)})${didYouMean(name, names)}`,
    );
    return;
  }
  // A cluster that did not plan has its problems reported already; its names cannot be checked.
  const cluster = clusters.get(name);
  if (!cluster) return;
  const plan = cluster.plan;
  const namespaces = namespacesOf(plan);
  const checkNamespace = (
    path: Path,
    value: string,
    what: string,
    allowed: readonly string[] = namespaces,
  ): void => {
    if (!allowed.includes(value))
      report(
        path,
        `"${value}" is not ${what} of cluster ${name} (${nameList(allowed)})${didYouMean(value, allowed)}`,
      );
  };
  switch (step.kind) {
    case "route":
    case "fix":
      // A route may go into the underlay's router; a shell opens on a node or pod only.
      checkNamespace(
        [...at, "node"],
        step.node,
        step.kind === "route" ? "a node, pod or the router" : "a node or pod",
        step.kind === "route" ? [...hostsOf(plan), "router"] : hostsOf(plan),
      );
      checkGoal(step.goal, [...at, "goal"], plan, checkNamespace, report);
      break;
    case "encapsulation":
    case "proxy-mode":
      checkGoal(step.goal, [...at, "goal"], plan, checkNamespace, report);
      optionPlans.set(step.id, planOptions(step, at, plan, report));
      break;
    case "predict":
    case "quiz": {
      const resolved = resolveProbe(plan, step.probe);
      if (typeof resolved === "string") report([...at, "probe"], resolved);
      checkFact(
        step,
        at,
        plan.pods.map((p) => p.name),
        checkNamespace,
        report,
      );
      break;
    }
    default:
      unreachable(step);
  }
  for (const [j, wrong] of step.wrong.entries())
    if (wrong.fails.kind === "dropped" && wrong.fails.at !== undefined)
      checkNamespace([...at, "wrong", j, "fails", "at"], wrong.fails.at, "a namespace");
}

/** The goal's probes name what the cluster has, and conditions fit what the probe expects. */
function checkGoal(
  goal: readonly GoalProbe[],
  at: Path,
  plan: ClusterPlan,
  checkNamespace: (path: Path, value: string, what: string) => void,
  report: Report,
): void {
  goal.forEach((probe, k) => {
    const here: Path = [...at, k];
    const resolved = resolveProbe(plan, probe);
    if (typeof resolved === "string") report(here, resolved);
    if (probe.deliveredTo !== undefined)
      checkNamespace([...here, "deliveredTo"], probe.deliveredTo, "a namespace");
    if (probe.via?.node !== undefined)
      checkNamespace([...here, "via", "node"], probe.via.node, "a namespace");
    if (probe.via?.notNode !== undefined)
      checkNamespace([...here, "via", "notNode"], probe.via.notNode, "a namespace");
    if (probe.expect === "dropped") {
      const extra = (["deliveredTo", "via", "maxRules", "maxLookups"] as const).filter(
        (key) => probe[key] !== undefined,
      );
      if (extra.length > 0)
        report(
          [...here, extra[0] as string],
          `a probe that must be dropped (expect: dropped) has no ${extra.join(", ")}`,
        );
    }
  });
}

/** Plans the cluster each option makes; a problem is shown at the option's cni or kubeProxy. */
function planOptions(
  step: ChoiceStep,
  at: Path,
  plan: ClusterPlan,
  report: Report,
): Map<string, ClusterPlan> {
  const plans = new Map<string, ClusterPlan>();
  step.options.forEach((option, j) => {
    const optionAt: Path = [...at, "options", j];
    const block = "cni" in option ? "cni" : "kubeProxy";
    const file: ClusterFile =
      "cni" in option
        ? { ...plan.file, cni: option.cni }
        : { ...plan.file, kubeProxy: option.kubeProxy };
    const planned = planCluster(file, (path, message) => {
      const where: Path = path[0] === block ? [...optionAt, ...path] : [...optionAt, block];
      report(
        where,
        `with this ${block === "cni" ? "CNI" : "Service proxy"} the cluster does not plan: ${message}`,
      );
    });
    if (planned) plans.set(option.id, planned);
  });
  return plans;
}

/** The options are answered: the reference is one, every other is a known wrong answer. */
function checkAnswers(step: Exercise, at: Path, report: Report): void {
  const isChoice = step.kind !== "route" && step.kind !== "fix";
  const isFact = step.kind === "predict" || step.kind === "quiz";
  step.wrong.forEach((wrong, j) => {
    const kind = wrong.fails.kind;
    const where: Path = [...at, "wrong", j, "fails"];
    if (isFact && kind !== "notTheFact")
      report(
        where,
        `a ${step.kind} answer fails because it is not what the trace shows: write fails: {notTheFact: true}`,
      );
    if (!isFact && kind === "notTheFact")
      report(where, "notTheFact is for predict and quiz steps; this answer runs against the goal");
    if (isChoice && !isFact && kind === "refused")
      report(where, "an option is not a command and cannot be refused");
    if (kind === "condition" && "goal" in step) {
      const condition = wrong.fails.condition;
      const used =
        condition === "deliveredTo" ||
        step.goal.some((g) =>
          condition === "expect"
            ? g.expect === "dropped"
            : condition === "maxRules" || condition === "maxLookups"
              ? g[condition] !== undefined
              : g.via?.[condition] !== undefined,
        );
      if (!used)
        report(
          [...where, "condition"],
          `no goal probe has the condition ${condition} (${CONDITIONS.join(", ")} are the conditions)`,
        );
    }
  });
  const seenWrong = new Map<string, number>();
  step.wrong.forEach((wrong, j) => {
    const key = wrong.answer.trim();
    const first = seenWrong.get(key);
    if (first !== undefined)
      report([...at, "wrong", j, "answer"], `the same wrong answer as wrong[${first}]`);
    else seenWrong.set(key, j);
    if (key === step.answer.trim())
      report([...at, "wrong", j, "answer"], "this wrong answer is the reference answer");
  });
  if (!isChoice) return;
  const options = (step as ChoiceStep | FactStep).options;
  const ids = options.map((o) => o.id);
  options.forEach((option, j) => {
    if (ids.indexOf(option.id) !== j)
      report([...at, "options", j, "id"], `a second option with id "${option.id}"`);
  });
  if (!ids.includes(step.answer))
    report(
      [...at, "answer"],
      `"${step.answer}" is not an option id (${nameList(ids)})${didYouMean(step.answer, ids)}`,
    );
  step.wrong.forEach((wrong, j) => {
    if (!ids.includes(wrong.answer))
      report(
        [...at, "wrong", j, "answer"],
        `"${wrong.answer}" is not an option id (${nameList(ids)})${didYouMean(wrong.answer, ids)}`,
      );
  });
  const answered = new Set([step.answer, ...step.wrong.map((w) => w.answer)]);
  const missing = ids.filter((id) => !answered.has(id));
  if (missing.length > 0)
    report(
      [...at, "wrong"],
      `every option but the answer must be a known wrong answer; missing: ${nameList(missing)}`,
    );
}

/** A fact that is about a namespace has `at`; the options' values have the fact's type. */
function checkFact(
  step: FactStep,
  at: Path,
  pods: readonly string[],
  checkNamespace: (path: Path, value: string, what: string, allowed?: readonly string[]) => void,
  report: Report,
): void {
  if (factNeedsAt(step.fact)) {
    if (step.at === undefined)
      report([...at, "fact"], `the fact ${step.fact} is about one namespace: add at: NAMESPACE`);
    else if (step.fact === "pod-mtu") checkNamespace([...at, "at"], step.at, "a pod", pods);
    else checkNamespace([...at, "at"], step.at, "a namespace");
  } else if (step.at !== undefined)
    report([...at, "at"], `the fact ${step.fact} is not about one namespace: remove at`);
  const type = factType(step.fact);
  step.options.forEach((option, j) => {
    if (typeof option.value !== type)
      report(
        [...at, "options", j, "value"],
        `the fact ${step.fact} is ${type === "boolean" ? "true or false" : `a ${type}`}; this value is a ${typeof option.value}${type === "number" && typeof option.value === "string" ? " (write it without quotes)" : ""}`,
      );
  });
}

/** Which step a `--step` or progress record means: a 1-based number or an id. */
export function findStep(lesson: LessonFile, key: string): { step: Step; index: number } | null {
  const byId = lesson.steps.findIndex((s) => s.id === key);
  if (byId >= 0) return { step: lesson.steps[byId] as Step, index: byId };
  if (/^[1-9][0-9]*$/.test(key)) {
    const index = Number(key) - 1;
    const step = lesson.steps[index];
    if (step) return { step, index };
  }
  return null;
}
