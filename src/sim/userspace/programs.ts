/**
 * User-space programs as simulator state: processes that take packets from the kernel and put
 * them back (Weave's router in sleeve mode captures frames with pcap and sends them on in UDP).
 * No script line starts a process, so an installer returns them next to its script
 * (`ProgramSetup`), `loadPrograms` puts them into a world the script built, and `programComments`
 * prints them as comment lines in `export`, which says that a kernel replaying it has none.
 * The walker runs them (walk/walker.ts: where a device they capture on receives a frame, and where
 * a datagram reaches the port they listen on).
 */
import { formatIpv4 } from "../ipv4";
import type { Netns, UserProgram, World } from "../model";
import { unreachable } from "../unreachable";

/** A program an installer starts on one node. */
export interface ProgramSetup {
  readonly node: string;
  readonly program: UserProgram;
}

/** The marker `runCluster` finds the comment lines by. */
export const PROGRAMS_MARKER = "user-space programs (simulator-only)";

/**
 * Starts the programs in a world the installer's script built (namespaces named
 * `<prefix><node>`). Returns what could not be started: a namespace or capture device the script
 * failed to create.
 */
export function loadPrograms(world: World, setups: readonly ProgramSetup[], prefix = ""): string[] {
  if (setups.length === 0) return [];
  const problems: string[] = [];
  for (const { node, program } of setups) {
    const ns = world.netns.get(`${prefix}${node}`);
    if (!ns) {
      problems.push(`no namespace ${prefix}${node} to start ${programName(program)} in`);
      continue;
    }
    if (!ns.links.has(program.capture))
      problems.push(`${ns.name}: no device ${program.capture} for ${programName(program)}`);
    ns.programs = [...(ns.programs ?? []), program];
  }
  // Segments and ARP paths cross the programs: what was worked out without them is stale.
  world.changes.count++;
  return problems;
}

/** The program capturing frames on `dev`, if one is. */
export function programCapturing(ns: Netns, dev: string): UserProgram | undefined {
  return ns.programs?.find((p) => p.capture === dev);
}

/** The program whose socket is bound to UDP `port`, if one is. */
export function programListening(ns: Netns, port: number): UserProgram | undefined {
  return ns.programs?.find((p) => p.port === port);
}

export function programName(program: UserProgram): string {
  switch (program.kind) {
    case "weave-sleeve":
      return "weaver (sleeve)";
    default:
      return unreachable(program.kind);
  }
}

/**
 * The programs as `#` lines for `export`: a reader sees what the simulator runs, and a shell
 * replaying the script skips them, as it must (no line of the script starts a process).
 */
export function programComments(setups: readonly ProgramSetup[], prefix = ""): string[] {
  const lines = [
    `${PROGRAMS_MARKER}. Weave's router, weaver, runs on every node; in sleeve mode it`,
    "captures what the weave bridge sends to vethwe-pcap and carries each frame in a UDP datagram",
    "to the router of the peer that holds the destination MAC (to every peer when none does),",
    "which injects it through its own vethwe-pcap. No ip, bridge or iptables line starts a",
    "process: a kernel replaying this script gets the bridges, veths and rules above but no",
    "router, so pods on different nodes cannot reach each other there. The simulator runs it.",
  ];
  for (const { node, program } of setups)
    lines.push(`${prefix}${node}: ${describeProgram(program)}`);
  return lines;
}

function describeProgram(program: UserProgram): string {
  switch (program.kind) {
    case "weave-sleeve": {
      const peers = program.peers.filter((p) => p !== program.name).map(formatIpv4);
      return `${programName(program)} captures on ${program.capture}, UDP ${program.port}, peer name ${formatIpv4(program.name)}, peers ${peers.join(" ")}`;
    }
    default:
      return unreachable(program.kind);
  }
}
