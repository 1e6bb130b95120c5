import { formatTrace, type ProbeSpec, type Proto, probe, traceToJson } from "../sim";
import { formatTraceMarkdown } from "../sim/render/trace-md";
import {
  type CommandSpec,
  integerOption,
  type ParsedArgs,
  parseCommandLine,
  requiredOption,
  stringOption,
} from "./args";
import { DEFAULT_DPORT, MAX_SEED, MAX_SIZE, traceCommand } from "./commands";
import { InputError, UsageError } from "./errors";
import { formatHelp } from "./help";
import { type Io, line } from "./io";
import { formatSetupErrors } from "./script";
import { type LoadedSource, loadSource } from "./source";

const PROTOS: readonly Proto[] = ["icmp", "tcp", "udp"];

/** Checks the command line and turns it into a probe; every mistake is a UsageError. */
export function traceSpecFromArgs(parsed: ParsedArgs): {
  spec: ProbeSpec;
  json: boolean;
} {
  const name = traceCommand.name;
  if (parsed.positionals.length > 0 || parsed.rest.length > 0) {
    const word = parsed.positionals[0] ?? parsed.rest[0];
    throw new UsageError(`unexpected argument "${word}" (trace takes only options)`, name);
  }
  return { spec: probeSpecFromArgs(parsed, traceCommand), json: parsed.values.has("json") };
}

/** The probe trace's options describe (--from, --to, --proto, --dport, --size, --df, --seed). */
export function probeSpecFromArgs(parsed: ParsedArgs, command: CommandSpec): ProbeSpec {
  const opts = command.options;
  const name = command.name;
  const from = requiredOption(parsed, opts, "from", name);
  const to = requiredOption(parsed, opts, "to", name);

  const protoText = stringOption(parsed, "proto") ?? "icmp";
  const proto = PROTOS.find((p) => p === protoText.toLowerCase());
  if (proto === undefined) {
    throw new UsageError(`--proto must be one of ${PROTOS.join(", ")} (got "${protoText}")`, name);
  }

  const dportText = stringOption(parsed, "dport");
  let dport: number | undefined;
  if (proto === "icmp") {
    if (dportText !== undefined) {
      throw new UsageError(
        "--dport applies to tcp and udp only; add --proto tcp or --proto udp",
        name,
      );
    }
  } else {
    dport =
      dportText === undefined ? DEFAULT_DPORT : integerOption(dportText, "dport", 1, 65535, name);
  }

  // Without --size the simulator sends 56 bytes, as `ping` does (a 64-byte ICMP message).
  const sizeText = stringOption(parsed, "size");
  if (proto === "tcp" && sizeText !== undefined) {
    throw new UsageError("--size applies to icmp and udp only; a TCP SYN carries no payload", name);
  }
  const size =
    sizeText === undefined ? undefined : integerOption(sizeText, "size", 0, MAX_SIZE, name);

  const seedText = stringOption(parsed, "seed");
  const seed =
    seedText === undefined ? undefined : integerOption(seedText, "seed", 0, MAX_SEED, name);

  const spec: ProbeSpec = {
    from,
    to,
    proto,
    ...(dport === undefined ? {} : { dport }),
    ...(size === undefined ? {} : { size }),
    ...(parsed.values.has("df") ? { df: true } : {}),
    ...(seed === undefined ? {} : { seed }),
  };
  return spec;
}

/**
 * Where the probe goes: a pod or node name becomes its address; a Service name its ClusterIP
 * and, unless --proto or --dport say otherwise, its first port and protocol.
 */
export function resolveTarget(
  given: ProbeSpec,
  parsed: ParsedArgs,
  source: LoadedSource,
): ProbeSpec {
  const service = source.services.get(given.to);
  if (!service) return { ...given, to: source.addresses.get(given.to) ?? given.to };
  const keepProto = parsed.values.has("proto");
  const keepPort = parsed.values.has("dport") || (keepProto && given.proto === "icmp");
  return {
    ...given,
    to: service.ip,
    ...(keepProto ? {} : { proto: service.proto }),
    ...(keepPort ? {} : { dport: service.port }),
  };
}

export function runTrace(args: readonly string[], io: Io): number {
  const parsed = parseCommandLine(args, traceCommand.options, traceCommand.name);
  if (parsed.values.has("help")) {
    io.out(formatHelp(traceCommand));
    return 0;
  }
  const { spec: given, json } = traceSpecFromArgs(parsed);
  const source = loadSource(parsed, traceCommand.name);
  const { world, setupErrors, label } = source;
  const spec = resolveTarget(given, parsed, source);
  const result = probe(world, spec);
  if ("error" in result) {
    throw new InputError(result.error, traceCommand.name);
  }

  const format = stringOption(parsed, "format") ?? (json ? "json" : "text");
  if (format !== "text" && format !== "json" && format !== "md")
    throw new UsageError(`--format takes text, json or md, not "${format}"`, traceCommand.name);
  if (json && format !== "json")
    throw new UsageError(
      `--json and --format ${format} ask for two formats; give one`,
      traceCommand.name,
    );

  if (format === "json") {
    io.out(`${JSON.stringify(traceToJson(setupErrors, result), null, 2)}\n`);
  } else if (format === "md") {
    if (setupErrors.length > 0) io.err(formatSetupErrors(label, setupErrors));
    const what = spec.proto === "icmp" ? "ping" : spec.proto === "tcp" ? "TCP connect" : "UDP";
    const port = spec.proto === "icmp" ? "" : `:${spec.dport ?? 80}`;
    io.out(formatTraceMarkdown(result, `${what} ${given.from} → ${given.to} (${spec.to}${port})`));
  } else {
    if (setupErrors.length > 0) io.err(formatSetupErrors(label, setupErrors));
    io.out(
      line(
        formatTrace(result, {
          color: io.color,
          headers: parsed.values.has("headers"),
          width: io.columns,
        }),
      ),
    );
  }
  return result.request.delivered && result.reply.delivered ? 0 : 1;
}
