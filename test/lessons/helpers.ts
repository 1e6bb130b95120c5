/**
 * What the lesson tests share: the built-in pack loaded once, a lesson's clusters and scenarios
 * built as the checker builds them, probes by pod or node name, `show`-style reads of a
 * namespace, readers of a trace, and the one check that a lesson validates through the engine.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { buildScenario, scenarioPlan } from "../../src/checker/scenario";
import { validateLessons } from "../../src/checker/validate";
import { type LessonPack, loadPack } from "../../src/lessons/pack";
import { formatProblem, type Lesson, type LessonProblem } from "../../src/lessons/parse";
import type { Exercise } from "../../src/lessons/schema";
import {
  type ClusterPlan,
  hopsToJson,
  type ProbeResult,
  probe,
  runScript,
  runShow,
  type World,
} from "../../src/sim";
import { loadCluster } from "../../src/sim/cluster/load";
import { formatIpv4 } from "../../src/sim/ipv4";

const LESSONS = new URL("../../lessons/", import.meta.url);

// Loading the pack plans every cluster of every lesson: once per test file is enough.
let pack: LessonPack | undefined;

/** The built-in pack (`lessons/`), loaded once, files named `lessons/…` as `validate` names them. */
export function lessonPack(): LessonPack {
  pack ??= loadPack(fileURLToPath(LESSONS), "lessons");
  return pack;
}

/** A lesson of the built-in pack, as the engine loaded it. */
export function loadLesson(id: string): Lesson {
  const found = lessonPack().lessons.find((l) => l.id === id);
  if (!found) throw new Error(`lesson ${id} did not load`);
  return found;
}

/** An exercise (a step other than `read`) of a lesson. */
export function exercise(lesson: Lesson, id: string): Exercise {
  const step = lesson.steps.find((s) => s.id === id);
  if (!step || step.kind === "read") throw new Error(`lesson ${lesson.id} has no exercise ${id}`);
  return step;
}

/** The text of a cluster file in `lessons/clusters/`. */
export function lessonClusterText(file: string): string {
  return readFileSync(new URL(`clusters/${file}`, LESSONS), "utf8");
}

/** A refused line and the simulator's message. */
export interface Refusal {
  readonly line: string;
  readonly message: string;
}

/** A cluster built as the checker builds a scenario, with change lines applied after it. */
export interface LessonWorld {
  readonly world: World;
  readonly plan: ClusterPlan;
  /** What the cluster's own build refused (an installer's line, eBPF state, a program). */
  readonly setupErrors: readonly Refusal[];
  /** What the change lines refused, in order: kept apart so a test can name a change's refusal. */
  readonly refused: readonly Refusal[];
}

/**
 * Builds a planned cluster the way the checker does (`buildScenario`: the direct build), then
 * runs `changes` as scenario-script lines.
 */
export function planWorld(plan: ClusterPlan, changes: readonly string[] = []): LessonWorld {
  const built = buildScenario(plan, []);
  const ran = changes.length > 0 ? runScript(changes.join("\n"), built.world).setupErrors : [];
  return {
    world: built.world,
    plan,
    setupErrors: built.errors,
    refused: ran.map((e) => ({ line: e.command, message: e.message })),
  };
}

/** A cluster file's text, planned (it must plan) and built, with `changes` applied. */
export function textCluster(text: string, changes: readonly string[] = []): LessonWorld {
  const loaded = loadCluster(text);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
  return planWorld(loaded.plan, changes);
}

/** A cluster file of `lessons/clusters/`, built, with `changes` applied. */
export function lessonCluster(file: string, changes: readonly string[] = []): LessonWorld {
  return textCluster(lessonClusterText(file), changes);
}

/**
 * An exercise's scenario as the checker builds it: its cluster (for a choice step, with an
 * option's `cni`/`kubeProxy` block) and its changes, or `changes` instead when given.
 */
export function stepScenario(
  lesson: Lesson,
  stepId: string,
  option?: string,
  changes?: readonly string[],
): LessonWorld {
  const step = exercise(lesson, stepId);
  const plan = scenarioPlan(lesson, step, option);
  if (!plan) throw new Error(`no cluster planned for ${stepId}${option ? ` (${option})` : ""}`);
  return planWorld(plan, changes ?? step.scenario.changes);
}

/** Fails the test unless the cluster built without an error; returns it. */
export function expectBuilt<T extends LessonWorld>(c: T): T {
  expect(c.setupErrors).toEqual([]);
  return c;
}

/** Fails the test unless the cluster built and every change applied without an error. */
export function expectClean<T extends LessonWorld>(c: T): T {
  expect(c.setupErrors).toEqual([]);
  expect(c.refused).toEqual([]);
  return c;
}

/** The address of a pod or node of the plan. */
export function addressOf(plan: ClusterPlan, name: string): string {
  const at =
    plan.pods.find((p) => p.name === name)?.ip ?? plan.nodes.find((n) => n.name === name)?.ip;
  if (at === undefined) throw new Error(`no pod or node ${name}`);
  return formatIpv4(at);
}

/** A cluster to probe: its world, and its plan to name pods and nodes by. */
type Probed = Pick<LessonWorld, "world" | "plan">;

function probeOrThrow(c: Probed, spec: Parameters<typeof probe>[1]): ProbeResult {
  const r = probe(c.world, spec);
  if ("error" in r) throw new Error(r.error);
  return r;
}

/** An address as given, or the address of the pod or node named. */
function target(c: Probed, to: string): string {
  return /^\d/.test(to) ? to : addressOf(c.plan, to);
}

/** Pings `to` (a pod or node name, or an address) from the namespace `from`. */
export function ping(
  c: Probed,
  from: string,
  to: string,
  extra: { size?: number; df?: boolean } = {},
): ProbeResult {
  return probeOrThrow(c, { from, to: target(c, to), proto: "icmp", ...extra });
}

/** Opens a TCP connection from `from` to `to` (a name or an address) on `dport`. */
export function connect(c: Probed, from: string, to: string, dport = 80): ProbeResult {
  return probeOrThrow(c, { from, to: target(c, to), proto: "tcp", dport });
}

/** Runs a command line in a namespace as its shell would; its result, refused or not. */
export function run(c: Pick<LessonWorld, "world">, netns: string, line: string) {
  return runShow(c.world, netns, line.split(" "));
}

/** What a command prints in a namespace; fails the test when the command is refused. */
export function show(c: Pick<LessonWorld, "world">, netns: string, line: string): string {
  const r = run(c, netns, line);
  if (!r.ok) throw new Error(`${netns}: ${line}: ${r.output}`);
  return r.output;
}

/** A namespace's `ip route`, one route a line, trailing spaces trimmed. */
export function routes(c: Pick<LessonWorld, "world">, netns: string): string[] {
  return show(c, netns, "ip route")
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l !== "");
}

/** The MTU of a namespace's device (a pod's eth0 unless named). */
export function mtu(c: Pick<LessonWorld, "world">, netns: string, dev = "eth0") {
  return c.world.netns.get(netns)?.links.get(dev)?.mtu;
}

/** Shell lines as a learner types them on `node` (`ssh NAME` moves), as scenario-script lines. */
export function typedOn(node: string, text: string): string[] {
  let at = node;
  const out: string[] = [];
  for (const line of text.split("\n").map((l) => l.trim())) {
    if (line === "") continue;
    const ssh = /^ssh (\S+)$/.exec(line);
    if (ssh) at = ssh[1] as string;
    else out.push(`ip netns exec ${at} ${line}`);
  }
  return out;
}

/** The route `netns` chose for a flow (the request unless named), as the trace records it. */
export function routeAt(
  r: ProbeResult,
  netns: string,
  flow: "request" | "reply" = "request",
): string | undefined {
  return r.hops.find((h) => h.flow === flow && h.netns === netns && h.route)?.route;
}

/** The namespaces the request visited, in order, without repeats in a row. */
export function requestPath(r: ProbeResult): string[] {
  const out: string[] = [];
  for (const h of r.hops) if (h.flow === "request" && out.at(-1) !== h.netns) out.push(h.netns);
  return out;
}

/** The outer packet (trace JSON) of a flow's first encapsulation, if it was encapsulated. */
export function outerPacket(r: ProbeResult, flow: "request" | "reply" = "request") {
  return hopsToJson(r.hops).find((h) => h.kind === "encap" && h.flow === flow)?.packet;
}

/**
 * The request's first encapsulation as the lessons name it (`vxlan`, `geneve`, `sleeve`, or the
 * outer IP protocol such as `ipip`; `none` when not encapsulated), its UDP ports, the bytes it
 * adds and the device that added it.
 */
export function encapOf(r: ProbeResult) {
  const hop = hopsToJson(r.hops).find((h) => h.kind === "encap" && h.flow === "request");
  if (!hop) return { encap: "none", sport: 0, dport: 0, overhead: 0, dev: null };
  const p = hop.packet;
  const encap = p.vxlan ? "vxlan" : p.geneve ? "geneve" : p.sleeve ? "sleeve" : p.ip.proto;
  return {
    encap,
    sport: p.udp?.sport ?? 0,
    dport: p.udp?.dport ?? 0,
    overhead: p.ip.length - (p.inner?.ip.length ?? 0),
    dev: hop.dev,
  };
}

/**
 * The lesson loads from the built-in pack with no problem in its own files (its lesson file,
 * named after its id, and the cluster files it names or that carry its number), and `validate`
 * judges every answer as the file states: no problem, and `exercises` exercises judged.
 */
export function expectLessonValidates(id: string, exercises: number): void {
  const loaded = lessonPack();
  const lesson = loaded.lessons.find((l) => l.id === id);
  expect(lesson, loaded.problems.map(formatProblem).join("\n")).toBeDefined();
  if (!lesson) return;
  expect(lesson.file).toMatch(new RegExp(`^lessons/\\d\\d-${id}\\.yaml$`));
  const number = lesson.file.slice("lessons/".length, "lessons/NN-".length);
  const clusterFiles = [...lesson.clusterPlans.values()].map((c) => c.file);
  const own = (p: LessonProblem) =>
    p.file === lesson.file ||
    clusterFiles.includes(p.file) ||
    p.file.startsWith(`lessons/clusters/${number}`);
  expect(loaded.problems.filter(own).map(formatProblem)).toEqual([]);
  const validated = validateLessons([lesson]);
  expect(validated.problems.map(formatProblem)).toEqual([]);
  expect(validated.exercises).toBe(exercises);
}
