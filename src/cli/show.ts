import { probe, runShow } from "../sim";
import type { ConntrackEntry } from "../sim/netfilter/conntrack";
import { conntrackList } from "../sim/render/conntrack";
import {
  type CommandSpec,
  NO_COLOR_OPTION,
  type ParsedArgs,
  parseCommandLine,
  requiredOption,
  withHelp,
} from "./args";
import { InputError, UsageError } from "./errors";
import { formatHelp } from "./help";
import { type Io, line } from "./io";
import { formatSetupErrors } from "./script";
import { type LoadedSource, loadSource, SOURCE_OPTIONS } from "./source";
import { probeSpecFromArgs, resolveTarget, traceCommand } from "./trace";

/** trace's options that describe a probe, for `conntrack -L` after one. */
const PROBE_OPTIONS = traceCommand.options.filter((o) =>
  ["from", "to", "proto", "dport", "seed"].includes(o.name),
);

export const showCommand: CommandSpec = {
  name: "show",
  summary:
    "Print what ip, bridge, iptables-save, nft, ipvsadm, conntrack or cilium-dbg would show inside one simulated namespace",
  usage: "show (--script FILE | --cluster FILE) --netns NETNS -- COMMAND [WORDS...]",
  options: withHelp([
    ...SOURCE_OPTIONS,
    {
      name: "netns",
      value: "NETNS",
      description: "Network namespace to run the command in (with --cluster: a node or pod name)",
    },
    ...PROBE_OPTIONS,
    NO_COLOR_OPTION,
  ]),
  examples: [
    "podnet-learn show --script examples/scripts/flannel-vxlan.sh --netns ex-node1 -- ip route",
    "podnet-learn show --script examples/scripts/flannel-vxlan.sh --netns ex-node1 -- ip route get 10.244.2.15",
    "podnet-learn show --cluster examples/clusters/calico-bgp.yaml --netns node1 -- ip route",
    "podnet-learn show --cluster examples/clusters/services-iptables.yaml --netns node1 --from pod-a --to web -- conntrack -L",
    "podnet-learn show --cluster examples/clusters/services-ipvs.yaml --netns node1 -- ipvsadm -Ln",
  ],
  notes: [
    "Everything after -- is the command, as you would type it on the node: ip route,",
    "ip route get IP, ip addr, ip link, ip neigh, bridge fdb show, iptables-save, ipvsadm -Ln,",
    "ipset save, nft list ruleset, and on a Cilium node cilium-dbg bpf lb list and",
    "cilium-dbg bpf ct list global.",
    "conntrack -L lists the connections a probe left (a simulated node keeps none between",
    "probes): give the probe with trace's --from and --to (and --proto, --dport, --seed).",
    "Exit status: 0 when the command ran, 1 when it failed (its message goes to stderr),",
    "2 when the command line or the script file is wrong.",
  ],
};

export function runShowCommand(args: readonly string[], io: Io): number {
  const name = showCommand.name;
  const parsed = parseCommandLine(args, showCommand.options, name);
  if (parsed.values.has("help")) {
    io.out(formatHelp(showCommand));
    return 0;
  }
  const netns = requiredOption(parsed, showCommand.options, "netns", name);
  const sourceFlag = parsed.values.has("cluster") ? "--cluster" : "--script";
  const sourceFile = String(parsed.values.get("cluster") ?? parsed.values.get("script") ?? "FILE");
  const prefix = `podnet-learn show ${sourceFlag} ${shellWord(sourceFile)} --netns ${shellWord(netns)} --`;
  if (parsed.positionals.length > 0) {
    const words = parsed.positionals.map(shellWord).join(" ");
    throw new UsageError(`put the command after --, as in: ${prefix} ${words}`, name);
  }
  if (parsed.rest.length === 0) {
    throw new UsageError(
      `missing the command to run; add it after --, e.g. ${prefix} ip route`,
      name,
    );
  }

  const source = loadSource(parsed, name);
  const { world, setupErrors, label } = source;
  if (setupErrors.length > 0) io.err(formatSetupErrors(label, setupErrors));
  if (!world.netns.has(netns))
    throw new InputError(
      `no network namespace named "${netns}" (there are: ${[...world.netns.keys()].join(", ")})`,
      name,
    );

  if (parsed.rest[0] === "conntrack") return showConntrack(parsed, source, netns, io);
  if (PROBE_OPTIONS.some((o) => parsed.values.has(o.name)))
    throw new UsageError(
      "--from, --to, --proto, --dport and --seed go with conntrack -L (the connections a probe left)",
      name,
    );
  const { ok, output } = runShow(world, netns, [...parsed.rest]);
  if (!ok) {
    io.err(line(output));
    return 1;
  }
  if (output !== "") io.out(line(output));
  return 0;
}

/** `conntrack -L …` in `netns`, over what the probe described by trace's options left there. */
function showConntrack(parsed: ParsedArgs, source: LoadedSource, netns: string, io: Io): number {
  let entries: readonly ConntrackEntry[] = [];
  if (parsed.values.has("from") || parsed.values.has("to")) {
    const spec = resolveTarget(probeSpecFromArgs(parsed, showCommand), parsed, source);
    const result = probe(source.world, spec);
    if ("error" in result) throw new InputError(result.error, showCommand.name);
    entries = result.conntrack.filter((e) => e.netns === netns);
  } else
    io.err(
      "(a simulated node keeps no connections between probes: add --from and --to to list what one leaves)\n",
    );
  const listed = conntrackList(entries, parsed.rest.slice(1));
  if (!listed.ok) {
    io.err(line(listed.message));
    return 1;
  }
  if (listed.output !== "") io.out(listed.output);
  io.err(line(listed.summary));
  return 0;
}

/** A word as a POSIX shell needs it written, so a suggested command line can be pasted. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
