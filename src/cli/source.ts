import { clusterFileScript, runCluster, runScript, type SetupError, type World } from "../sim";
import { formatIpv4 } from "../sim/ipv4";
import { type ParsedArgs, stringOption } from "./args";
import { InputError, UsageError } from "./errors";
import { readScript } from "./script";

export interface LoadedSource {
  readonly world: World;
  readonly setupErrors: readonly SetupError[];
  /** What setup errors are reported against: the script file, or the cluster's generated script. */
  readonly label: string;
  /** Names a cluster file defines (pods, nodes) and their addresses, so `--to pod-b` works. */
  readonly addresses: ReadonlyMap<string, string>;
  /** Services by `name` and `namespace/name`: their ClusterIP and first port, so `--to web` works. */
  readonly services: ReadonlyMap<string, ServiceTarget>;
}

/** Where a packet to a Service goes first: its ClusterIP and (first) port. */
export interface ServiceTarget {
  readonly ip: string;
  readonly port: number;
  readonly proto: "tcp" | "udp";
}

/** Reads whichever source was given, with every problem in it reported as the file's. */
export function loadSource(parsed: ParsedArgs, command: string): LoadedSource {
  const scriptFile = stringOption(parsed, "script");
  const clusterFile = stringOption(parsed, "cluster");
  if (scriptFile !== undefined && clusterFile !== undefined)
    throw new UsageError("give --script or --cluster, not both", command);
  if (scriptFile !== undefined) {
    const { world, setupErrors } = runScript(readScript(scriptFile, command));
    return { world, setupErrors, label: scriptFile, addresses: new Map(), services: new Map() };
  }
  if (clusterFile === undefined)
    throw new UsageError(
      "missing --script FILE or --cluster FILE (the network to simulate)",
      command,
    );
  const built = clusterFileScript(readScript(clusterFile, command));
  if (!built.ok)
    throw new InputError(
      `${clusterFile} is not a valid cluster file:\n${built.errors.map((e) => `${clusterFile}:${e.line}:${e.col}: ${e.message}`).join("\n")}`,
      command,
    );
  const { world, setupErrors } = runCluster(built);
  const addresses = new Map<string, string>();
  for (const node of built.plan.nodes) addresses.set(node.name, formatIpv4(node.ip));
  for (const pod of built.plan.pods) addresses.set(pod.name, formatIpv4(pod.ip));
  const services = new Map<string, ServiceTarget>();
  for (const svc of built.plan.services) {
    const first = svc.ports[0];
    if (!first) continue;
    const target: ServiceTarget = {
      ip: formatIpv4(svc.clusterIp),
      port: first.port,
      proto: first.protocol === "TCP" ? "tcp" : "udp",
    };
    services.set(`${svc.namespace}/${svc.name}`, target);
    if (!services.has(svc.name)) services.set(svc.name, target);
  }
  return {
    world,
    setupErrors,
    label: `${clusterFile} (its generated script, see "export")`,
    addresses,
    services,
  };
}
