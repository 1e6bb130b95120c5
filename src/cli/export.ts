import { clusterFileScript } from "../sim";
import {
  type CommandSpec,
  NO_COLOR_OPTION,
  parseCommandLine,
  requiredOption,
  stringOption,
  withHelp,
} from "./args";
import { InputError, UsageError } from "./errors";
import { formatHelp } from "./help";
import type { Io } from "./io";
import { readScript } from "./script";

export const exportCommand: CommandSpec = {
  name: "export",
  summary: "Print the scenario script a cluster file's CNI installer lays out on every node",
  usage: "export --cluster FILE [--prefix P]",
  options: withHelp([
    { name: "cluster", value: "FILE", description: "Cluster file (YAML: nodes, pods, CNI)" },
    {
      name: "prefix",
      value: "P",
      description: "Prepended to every namespace name (P<node>, P<pod>, Prouter, Psw1…)",
    },
    NO_COLOR_OPTION,
  ]),
  examples: [
    "podnet-learn export --cluster examples/clusters/flannel-vxlan.yaml --prefix lab-",
    "podnet-learn export --cluster examples/clusters/flannel-vxlan.yaml --prefix lab- > lab.sh",
  ],
  notes: [
    "The script is what the simulator runs. Every line names its namespace, so as root it can be",
    "replayed line by line in real network namespaces (ip netns), except for what the local",
    "kernel lacks (IPIP needs the ipip module, Geneve the geneve module). Cilium's eBPF programs",
    "and maps follow as comment lines: no command loads them, so a replayed Cilium cluster has its",
    "devices and routes but no datapath; the simulator loads them itself. Weave's router in sleeve",
    "mode, a user-space process no command starts, is listed the same way: a replay has no overlay",
    "between the nodes; the simulator runs the router itself.",
    "Exit status: 0, or 2 when the cluster file is wrong (every problem is listed as FILE:LINE:COL).",
  ],
};

export function runExport(args: readonly string[], io: Io): number {
  const name = exportCommand.name;
  const parsed = parseCommandLine(args, exportCommand.options, name);
  if (parsed.values.has("help")) {
    io.out(formatHelp(exportCommand));
    return 0;
  }
  if (parsed.positionals.length > 0)
    throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`, name);
  const file = requiredOption(parsed, exportCommand.options, "cluster", name);
  const prefix = stringOption(parsed, "prefix") ?? "";
  if (!/^[A-Za-z0-9_.-]*$/.test(prefix) || prefix.length > 40)
    throw new UsageError("--prefix may hold letters, digits, '.', '_' and '-' (at most 40)", name);
  const built = clusterFileScript(readScript(file, name), prefix);
  if (!built.ok)
    throw new InputError(
      `${file} is not a valid cluster file:\n${built.errors.map((e) => `${file}:${e.line}:${e.col}: ${e.message}`).join("\n")}`,
      name,
    );
  io.out(built.script);
  return 0;
}
