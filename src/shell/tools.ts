import { type ProbeResult, runShow, type World } from "../sim";
import type { ConntrackEntry } from "../sim/netfilter/conntrack";
import { formatCtList } from "../sim/render/cilium";
import { conntrackList } from "../sim/render/conntrack";
import { matches } from "../sim/script/tokenize";
import { type Printed, stderr, Writer } from "./printed";

/** The tools the simulator runs (src/sim/script/command.ts), by the names typed on a node. */
export const SIMULATED_TOOLS = [
  "ip",
  "bridge",
  "sysctl",
  "iptables",
  "iptables-legacy",
  "iptables-nft",
  "iptables-save",
  "iptables-nft-save",
  "iptables-legacy-save",
  "nft",
  "ipvsadm",
  "ipset",
  "cilium",
  "cilium-dbg",
] as const;

export function isSimulatedTool(word: string | undefined): boolean {
  return SIMULATED_TOOLS.some((t) => t === word);
}

/**
 * Runs one of the simulator's tools in the namespace the prompt is in, as typed on the node: the
 * simulator prints what the real tool would, and refuses what the kernel or the tool would. A
 * command that reaches into another namespace (`ip -n`, `ip netns`, `bridge -n`) is refused: the
 * shell works where the prompt is, and `ssh` or `kubectl exec` go elsewhere.
 */
export function runTool(
  world: World,
  netns: string,
  words: readonly string[],
  lastProbe: ProbeResult | null,
): Printed {
  const elsewhere = reachesElsewhere(words);
  if (elsewhere !== null)
    return stderr(
      `podnet-learn: ${elsewhere} works on other namespaces; this shell runs commands on ${netns} itself (ssh NODE moves to a node, kubectl exec POD -- COMMAND runs one in a pod)\n`,
    );
  // Connection tracking entries are what packets leave behind: the simulator keeps none in the
  // world, so cilium-dbg lists those the last probe from this shell left on this node.
  if (isCiliumCtList(words)) {
    const listed = runShow(world, netns, [...words]);
    if (!listed.ok) return stderr(listed.output);
    const w = new Writer();
    w.out(formatCtList(lastProbe?.bpfConntrack ?? null, netns));
    return w.done(0);
  }
  const { ok, output } = runShow(world, netns, [...words]);
  if (!ok) return stderr(output);
  const w = new Writer();
  w.out(output);
  return w.done(0, changesState(words));
}

/**
 * `conntrack -L …`: the connections the last probe from this shell left in this namespace
 * (`connections`, held by the session); `conntrack -F` empties that list for this namespace and
 * returns what is left in the others.
 */
export function runConntrack(
  netns: string,
  args: readonly string[],
  connections: readonly ConntrackEntry[],
): { printed: Printed; kept: readonly ConntrackEntry[] } {
  const tool = "conntrack v1.4.7 (conntrack-tools)";
  if (args.length === 1 && (args[0] === "-F" || args[0] === "--flush")) {
    const w = new Writer();
    w.err(`${tool}: connection tracking table has been emptied.\n`);
    return { printed: w.done(0), kept: connections.filter((e) => e.netns !== netns) };
  }
  const listed = conntrackList(
    connections.filter((e) => e.netns === netns),
    args,
  );
  if (!listed.ok) return { printed: stderr(`${listed.message}\n`), kept: connections };
  const w = new Writer();
  w.out(listed.output);
  // conntrack-tools writes its count to stderr, so `conntrack -L | grep …` still shows it.
  w.err(`${listed.summary}\n`);
  return { printed: w.done(0), kept: connections };
}

function isCiliumCtList(words: readonly string[]): boolean {
  const [tool, ...rest] = words;
  return (tool === "cilium" || tool === "cilium-dbg") && rest.join(" ") === "bpf ct list global";
}

/** The option or object that makes a command act on another namespace, or null. */
function reachesElsewhere(words: readonly string[]): string | null {
  const [tool, ...args] = words;
  if (tool !== "ip" && tool !== "bridge") return null;
  for (const word of args) {
    if (!word.startsWith("-")) {
      // iproute2 resolves `net`, `netn` and `netns` to the netns object (`ne` is neighbour).
      if (tool === "ip" && word.length >= 3 && matches(word, "netns")) return "ip netns";
      return null;
    }
    const option = word.replace(/^--?/, "");
    if (option === "n" || (option.length >= 2 && matches(option, "netns")))
      return `${tool} ${word}`;
  }
  return null;
}

/** The subcommands that only look, per tool; anything else that succeeds changed something. */
const LOOKING = ["show", "list", "lst"];

/**
 * Whether a command that succeeded changed the cluster: read from the words, as the tools
 * themselves decide (`ip route add` changes, `ip route get` looks, `sysctl KEY` reads, `sysctl
 * KEY=VALUE` writes, iptables' -A/-I/-D/… commands, nft's verbs other than list…).
 */
export function changesState(words: readonly string[]): boolean {
  const [tool, ...args] = words;
  const plain = args.filter((w) => !w.startsWith("-"));
  switch (tool) {
    case "ip": {
      const [, sub] = plain;
      if (sub === undefined || sub === "dev") return false;
      return !LOOKING.some((k) => matches(sub, k)) && !matches(sub, "get");
    }
    case "bridge": {
      const [, sub] = plain;
      return sub !== undefined && !LOOKING.some((k) => matches(sub, k));
    }
    case "sysctl":
      return plain.some((w) => w.includes("="));
    case "iptables":
    case "iptables-legacy":
    case "iptables-nft":
      return args.some((w) => IPTABLES_CHANGES.has(w) || /^-[AIDRPFNXE]$/.test(w));
    case "nft": {
      const [verb] = plain;
      return verb !== undefined && verb !== "list" && verb !== "describe";
    }
    case "ipvsadm": {
      const command = args.find((w) => w.startsWith("-")) ?? "";
      // -L/-l list, -S save, -Z zeroes counters the model does not keep.
      return !/^-[LlSZ]/.test(command) && !["--list", "--save", "--zero"].includes(command);
    }
    case "ipset": {
      const [verb] = args;
      return verb !== undefined && !["list", "save", "test", "-L", "-S", "-T", "-l"].includes(verb);
    }
    default:
      return false;
  }
}

const IPTABLES_CHANGES = new Set([
  "--append",
  "--insert",
  "--delete",
  "--replace",
  "--policy",
  "--flush",
  "--new-chain",
  "--new",
  "--delete-chain",
  "--rename-chain",
]);
