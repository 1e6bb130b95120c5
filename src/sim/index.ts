/**
 * The simulator's public face: load a scenario script, probe it, show its state the way the real
 * tools print it. Everything here is pure and deterministic (no I/O, no clock, no unseeded
 * randomness), so lessons, the checker, `trace` and the tests all replay the same walk.
 */
import { loadDatapath } from "./bpf/maps";
import { type ClusterBuild, type ClusterPlan, clusterDirect } from "./cni";
import type { World } from "./model";
import { runCommand } from "./script/command";
import { tokenize } from "./script/tokenize";
import { newWorld } from "./state/netns";
import { loadPrograms, PROGRAMS_MARKER } from "./userspace/programs";

export type { ClusterBuild, ClusterError, ClusterPlan } from "./cni";
export {
  clusterBuild,
  clusterDirect,
  clusterFileScript,
  clusterScript,
  describeCni,
} from "./cni";
export type { Link, Netns, Route, World } from "./model";
export { hopsToJson, traceToJson } from "./render/trace-json";
export { formatTrace } from "./render/trace-text";
export { HOST_NETNS } from "./script/command";
export type { Flow, Hop, HopKind } from "./walk/hop";
export type { Drop, PathVerdict, ProbeResult, ProbeSpec, Proto } from "./walk/probe";
export { probe } from "./walk/probe";

/** A script line the kernel (or the tool) refused, with what it printed. */
export interface SetupError {
  /** 1-based line number in the script. */
  line: number;
  /** The line as written (trimmed). */
  command: string;
  message: string;
}

/**
 * Runs a scenario script: one command a line as typed on a Linux host (`ip -n NS …`,
 * `ip netns exec NS …`, `bridge -n NS fdb …`, `sysctl -w …`, `iptables …`); blank lines and `#`
 * comments are skipped. A refused line is reported and the rest still runs, as a shell would.
 */
export function runScript(
  text: string,
  world: World = newWorld(),
): { world: World; setupErrors: SetupError[] } {
  const setupErrors: SetupError[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const command = (lines[i] as string).trim();
    if (command === "" || command.startsWith("#")) continue;
    const words = tokenize(command);
    if (!words.ok) {
      setupErrors.push({ line: i + 1, command, message: `syntax error: ${words.message}` });
      continue;
    }
    if (words.words.length === 0) continue;
    const result = runCommand(world, words.words, null);
    if (!result.ok) setupErrors.push({ line: i + 1, command, message: result.message.trimEnd() });
  }
  return { world, setupErrors };
}

/**
 * Builds a cluster's world: runs the installer's script, then loads the eBPF state (Cilium's
 * programs and maps) and starts the user-space programs (Weave's sleeve router) it returned, which
 * no script line can. What fails to load is reported as a setup error on the script's first line
 * about that state.
 */
export function runCluster(
  built: Pick<ClusterBuild, "script" | "datapath" | "programs" | "prefix">,
  world: World = newWorld(),
): { world: World; setupErrors: SetupError[] } {
  const ran = runScript(built.script, world);
  const lines = built.script.split("\n");
  const report = (marker: string, messages: readonly string[]): void => {
    const at = lines.findIndex((l) => l.includes(marker));
    for (const message of messages)
      ran.setupErrors.push({ line: at + 1, command: (lines[at] ?? "").trim(), message });
  };
  if (built.datapath)
    report("eBPF state (simulator-only)", loadDatapath(ran.world, built.datapath, built.prefix));
  if (built.programs.length > 0)
    report(PROGRAMS_MARKER, loadPrograms(ran.world, built.programs, built.prefix));
  return ran;
}

/**
 * Builds a cluster's world without script text (see `clusterDirect`), then loads its eBPF state
 * and starts its user-space programs: the same world `runCluster(clusterBuild(plan))` gives, for
 * clusters too large for a script.
 */
export function runClusterDirect(
  plan: ClusterPlan,
  prefix = "",
): {
  world: World;
  setupErrors: { command: string; message: string }[];
  /** Nodes whose per-peer tables are shared, and those built command by command. */
  nodes: { shared: number; unshared: number };
} {
  const built = clusterDirect(plan, prefix);
  const setupErrors = [...built.errors];
  if (built.datapath)
    for (const message of loadDatapath(built.world, built.datapath, prefix))
      setupErrors.push({ command: "# eBPF state (simulator-only)", message });
  for (const message of loadPrograms(built.world, built.programs, prefix))
    setupErrors.push({ command: `# ${PROGRAMS_MARKER}`, message });
  return { world: built.world, setupErrors, nodes: built.nodes };
}

/**
 * Runs one command in a namespace the way a simulated shell does, and returns what the tool
 * prints: `ip route`, `ip route get 10.244.2.15`, `bridge fdb show`, `iptables-save`…
 */
export function runShow(
  world: World,
  netns: string,
  argv: string[],
): { ok: boolean; output: string } {
  if (!world.netns.has(netns))
    return {
      ok: false,
      output: `Cannot open network namespace "${netns}": No such file or directory\n`,
    };
  const result = runCommand(world, argv, netns);
  return result.ok
    ? { ok: true, output: result.value }
    : { ok: false, output: `${result.message.trimEnd()}\n` };
}

export { newWorld };
