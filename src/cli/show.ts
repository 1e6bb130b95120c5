import { probe, runShow } from "../sim";
import type { ConntrackEntry } from "../sim/netfilter/conntrack";
import { conntrackList } from "../sim/render/conntrack";
import { type ParsedArgs, parseCommandLine, requiredOption } from "./args";
import { PROBE_OPTIONS, showCommand } from "./commands";
import { InputError, UsageError } from "./errors";
import { formatHelp } from "./help";
import { type Io, line } from "./io";
import { formatSetupErrors } from "./script";
import { type LoadedSource, loadSource } from "./source";
import { probeSpecFromArgs, resolveTarget } from "./trace";
import { shellWord } from "./words";

/** trace's options that describe a probe, for `conntrack -L` after one. */

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
