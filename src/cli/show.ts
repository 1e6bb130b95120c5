import { runShow } from "../sim";
import {
  type CommandSpec,
  NO_COLOR_OPTION,
  parseCommandLine,
  requiredOption,
  withHelp,
} from "./args";
import { InputError, UsageError } from "./errors";
import { formatHelp } from "./help";
import { type Io, line } from "./io";
import { formatSetupErrors } from "./script";
import { loadSource, SOURCE_OPTIONS } from "./source";

export const showCommand: CommandSpec = {
  name: "show",
  summary:
    "Print what ip, bridge, iptables-save or ipvsadm would show inside one simulated namespace",
  usage: "show (--script FILE | --cluster FILE) --netns NETNS -- COMMAND [WORDS...]",
  options: withHelp([
    ...SOURCE_OPTIONS,
    {
      name: "netns",
      value: "NETNS",
      description: "Network namespace to run the command in (with --cluster: a node or pod name)",
    },
    NO_COLOR_OPTION,
  ]),
  examples: [
    "podnet-learn show --script examples/scripts/flannel-vxlan.sh --netns ex-node1 -- ip route",
    "podnet-learn show --script examples/scripts/flannel-vxlan.sh --netns ex-node1 -- ip route get 10.244.2.15",
    "podnet-learn show --cluster examples/clusters/calico-bgp.yaml --netns node1 -- ip route",
    "podnet-learn show --cluster examples/clusters/services-ipvs.yaml --netns node1 -- ipvsadm -Ln",
  ],
  notes: [
    "Everything after -- is the command, as you would type it on the node: ip route,",
    "ip route get IP, ip addr, ip link, ip neigh, bridge fdb show, iptables-save, ipvsadm -Ln,",
    "ipset save.",
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

  const { world, setupErrors, label } = loadSource(parsed, name);
  if (setupErrors.length > 0) io.err(formatSetupErrors(label, setupErrors));
  if (!world.netns.has(netns))
    throw new InputError(
      `no network namespace named "${netns}" (there are: ${[...world.netns.keys()].join(", ")})`,
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

/** A word as a POSIX shell needs it written, so a suggested command line can be pasted. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
