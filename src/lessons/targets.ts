/**
 * The names a lesson uses for a scenario's parts (pods, nodes, Services, the underlay's router and
 * switches) and what a probe's `from` and `to` become: a namespace, and an address with the
 * protocol and port to send to. Namespaces are named as the nodes and pods (no prefix).
 */
import type { ClusterPlan, ProbeSpec, Proto } from "../sim";
import { formatIpv4, parseIpv4 } from "../sim/ipv4";
import type { ProbeFields } from "./schema";

/** What a probe's `to` named. */
export type Target =
  | { readonly kind: "pod" | "node"; readonly name: string }
  | {
      readonly kind: "service";
      readonly name: string;
      /** The pods behind it, by name: where a request to it may arrive. */
      readonly endpoints: readonly string[];
    }
  | { readonly kind: "address" };

/** A probe ready to send, and what its `to` named. */
export interface ResolvedProbe {
  readonly spec: ProbeSpec;
  readonly target: Target;
}

/** Every namespace a scenario built from the plan has: nodes, pods, the router and the switches. */
export function namespacesOf(plan: ClusterPlan): string[] {
  return [
    ...plan.nodes.map((n) => n.name),
    ...plan.pods.map((p) => p.name),
    "router",
    ...plan.subnets.map((_, i) => `sw${i + 1}`),
  ];
}

/** Nodes and pods: where a probe may be sent from, or a shell may be opened. */
export function hostsOf(plan: ClusterPlan): string[] {
  return [...plan.nodes.map((n) => n.name), ...plan.pods.map((p) => p.name)];
}

function serviceNamed(plan: ClusterPlan, name: string) {
  return plan.services.find((s) => s.name === name || `${s.namespace}/${s.name}` === name);
}

/**
 * Turns a lesson's probe into the simulator's: names become addresses; a Service becomes its
 * ClusterIP and, unless the probe says otherwise, its first port and protocol (as `trace` does).
 * A string explains what is wrong with the probe instead.
 */
export function resolveProbe(plan: ClusterPlan, probe: ProbeFields): ResolvedProbe | string {
  const hosts = hostsOf(plan);
  if (!hosts.includes(probe.from) && probe.from !== "router")
    return `"${probe.from}" is not a node or pod of the cluster (${hosts.join(", ")})`;
  let to: string;
  let target: Target;
  let proto: Proto = probe.proto ?? "icmp";
  let dport = probe.dport;
  const pod = plan.pods.find((p) => p.name === probe.to);
  const node = plan.nodes.find((n) => n.name === probe.to);
  const service = serviceNamed(plan, probe.to);
  if (pod) {
    to = formatIpv4(pod.ip);
    target = { kind: "pod", name: pod.name };
  } else if (node) {
    to = formatIpv4(node.ip);
    target = { kind: "node", name: node.name };
  } else if (service) {
    to = formatIpv4(service.clusterIp);
    target = {
      kind: "service",
      name: service.name,
      endpoints: service.endpoints.map((e) => e.pod),
    };
    const first = service.ports[0];
    // A given protocol wins; icmp to a Service is "ping the ClusterIP", which has no port.
    if (first && probe.proto === undefined) proto = first.protocol === "TCP" ? "tcp" : "udp";
    if (first && dport === undefined && proto !== "icmp") dport = first.port;
  } else if (parseIpv4(probe.to) !== null) {
    to = probe.to;
    target = { kind: "address" };
  } else {
    const names = [...hosts, ...plan.services.map((s) => s.name)];
    return `"${probe.to}" is not a pod, node or Service of the cluster (${names.join(", ")}), nor an IPv4 address`;
  }
  if (proto === "icmp" && probe.dport !== undefined) return "dport is for tcp and udp probes";
  if (proto === "tcp" && probe.size !== undefined)
    return "size is for icmp and udp probes (a TCP SYN carries no payload)";
  const spec: ProbeSpec = {
    from: probe.from,
    to,
    proto,
    ...(proto !== "icmp" ? { dport: dport ?? 80 } : {}),
    ...(probe.size === undefined ? {} : { size: probe.size }),
    ...(probe.df === undefined ? {} : { df: probe.df }),
  };
  return { spec, target };
}
