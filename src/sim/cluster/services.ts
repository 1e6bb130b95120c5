/**
 * Services as the API server and the EndpointSlice controller leave them: a ClusterIP from the
 * service range, NodePorts, and the endpoint pods a selector picks.
 */
import { stableHash } from "../cni/names";
import { type Ipv4, networkOf, parseIpv4 } from "../ipv4";
import { type Cidr, cidrOf, formatCidr, overlaps } from "./cidr";
import type { ClusterFile, KubeProxyMode, ServiceSpec } from "./schema";

type Path = readonly (string | number)[];

export interface PlannedServicePort {
  /** The port's name ("" when the Service has one unnamed port). */
  readonly name: string;
  readonly port: number;
  readonly targetPort: number;
  readonly protocol: "TCP" | "UDP";
  /** NodePort Services only. */
  readonly nodePort: number | null;
}

export interface PlannedEndpoint {
  readonly pod: string;
  readonly node: string;
  readonly ip: Ipv4;
}

export interface PlannedService {
  readonly name: string;
  readonly namespace: string;
  readonly type: ServiceSpec["type"];
  readonly clusterIp: Ipv4;
  readonly ports: readonly PlannedServicePort[];
  /** Ready endpoints, in the order the cluster file lists the pods. */
  readonly endpoints: readonly PlannedEndpoint[];
  readonly sessionAffinity: ServiceSpec["sessionAffinity"];
  readonly externalTrafficPolicy: ServiceSpec["externalTrafficPolicy"];
  readonly internalTrafficPolicy: ServiceSpec["internalTrafficPolicy"];
}

export interface PlannedKubeProxy {
  readonly mode: KubeProxyMode;
  readonly scheduler: string;
  readonly serviceCidr: Cidr;
  /** Traffic from outside this range to a ClusterIP is masqueraded. */
  readonly clusterCidr: Cidr;
}

/** What the planner already knows about the pods. */
export interface PodFacts {
  readonly name: string;
  readonly node: string;
  readonly ip: Ipv4;
}

/** The first port of the NodePort range (--service-node-port-range 30000-32767). */
const NODE_PORT_BASE = 30000;
const NODE_PORT_COUNT = 2768;

/**
 * Plans the cluster's Services and its Service proxy; null proxy when the file has no Services
 * and names no proxy. Problems are reported where they are.
 */
export function planServices(
  file: ClusterFile,
  pods: readonly PodFacts[],
  podNetwork: Cidr,
  report: (path: Path, message: string) => void,
): { kubeProxy: PlannedKubeProxy | null; services: PlannedService[] } {
  const services: PlannedService[] = [];
  if (!file.kubeProxy && file.services.length === 0) return { kubeProxy: null, services };
  const cfg = file.kubeProxy ?? {
    mode: "iptables" as const,
    scheduler: "rr" as const,
    serviceCIDR: "10.96.0.0/12",
  };
  const serviceCidr = cidrOf(cfg.serviceCIDR);
  if (serviceCidr === null || serviceCidr.len > 28) {
    report(
      ["kubeProxy", "serviceCIDR"],
      `"${cfg.serviceCIDR}" is not a network (like 10.96.0.0/12)`,
    );
    return { kubeProxy: null, services };
  }
  if (overlaps(serviceCidr, podNetwork))
    report(
      ["kubeProxy", "serviceCIDR"],
      `the service range ${formatCidr(serviceCidr)} overlaps the pod network ${formatCidr(podNetwork)}`,
    );
  let clusterCidr = podNetwork;
  if (cfg.clusterCIDR !== undefined) {
    const c = cidrOf(cfg.clusterCIDR);
    if (c === null) report(["kubeProxy", "clusterCIDR"], `"${cfg.clusterCIDR}" is not a network`);
    else clusterCidr = c;
  }
  if (cfg.mode === "ebpf" && file.cni.plugin !== "cilium")
    report(
      ["kubeProxy", "mode"],
      "ebpf is Cilium's kube-proxy replacement: it needs cni.plugin: cilium (use iptables, ipvs or nftables with this CNI)",
    );
  const podByName = new Map(pods.map((p) => [p.name, p]));
  const labelsOf = new Map(file.pods.map((p) => [p.name, p.labels ?? {}]));
  const taken = new Map<Ipv4, string>();
  const nodePorts = new Map<number, string>();
  // Given addresses first, so a picked one never takes an address a later Service names.
  file.services.forEach((s, i) => {
    if (s.clusterIP === undefined) return;
    const ip = parseIpv4(s.clusterIP);
    if (ip === null || networkOf(ip, serviceCidr.len) !== serviceCidr.addr) {
      report(
        ["services", i, "clusterIP"],
        `"${s.clusterIP}" is not an address in the service range ${formatCidr(serviceCidr)}`,
      );
      return;
    }
    const other = taken.get(ip);
    if (other !== undefined)
      report(["services", i, "clusterIP"], `${s.clusterIP} is already ${other}'s ClusterIP`);
    taken.set(ip, `${s.namespace}/${s.name}`);
  });
  const names = new Set<string>();
  file.services.forEach((s, i) => {
    const id = `${s.namespace}/${s.name}`;
    if (names.has(id)) report(["services", i, "name"], `a second Service named ${id}`);
    names.add(id);
    const clusterIp =
      s.clusterIP === undefined
        ? pickAddress(serviceCidr, taken, id)
        : (parseIpv4(s.clusterIP) ?? serviceCidr.addr);
    if (s.clusterIP === undefined) taken.set(clusterIp, id);
    const ports = planPorts(s, i, id, nodePorts, report);
    const endpoints = planEndpoints(s, i, podByName, labelsOf, report);
    if (s.type === "ClusterIP" && s.externalTrafficPolicy === "Local")
      report(
        ["services", i, "externalTrafficPolicy"],
        "externalTrafficPolicy applies to externally reachable Services only (type NodePort)",
      );
    services.push({
      name: s.name,
      namespace: s.namespace,
      type: s.type,
      clusterIp,
      ports,
      endpoints,
      sessionAffinity: s.sessionAffinity,
      externalTrafficPolicy: s.externalTrafficPolicy,
      internalTrafficPolicy: s.internalTrafficPolicy,
    });
  });
  return {
    kubeProxy: { mode: cfg.mode, scheduler: cfg.scheduler, serviceCidr, clusterCidr },
    services,
  };
}

function planPorts(
  s: ServiceSpec,
  i: number,
  id: string,
  nodePorts: Map<number, string>,
  report: (path: Path, message: string) => void,
): PlannedServicePort[] {
  const seen = new Set<string>();
  return s.ports.map((p, k) => {
    if (s.ports.length > 1 && p.name === undefined)
      report(["services", i, "ports", k], "a Service with several ports must name each of them");
    const key = `${p.port}/${p.protocol}`;
    if (seen.has(key)) report(["services", i, "ports", k, "port"], `port ${key} is listed twice`);
    seen.add(key);
    let nodePort: number | null = null;
    if (p.nodePort !== undefined && s.type !== "NodePort")
      report(["services", i, "ports", k, "nodePort"], "nodePort needs type: NodePort");
    if (s.type === "NodePort") {
      nodePort = p.nodePort ?? pickNodePort(nodePorts, `${id}:${key}`);
      const other = nodePorts.get(nodePort);
      if (p.nodePort !== undefined && other !== undefined)
        report(
          ["services", i, "ports", k, "nodePort"],
          `node port ${nodePort} is already ${other}'s`,
        );
      nodePorts.set(nodePort, id);
    }
    return {
      name: p.name ?? "",
      port: p.port,
      targetPort: p.targetPort ?? p.port,
      protocol: p.protocol,
      nodePort,
    };
  });
}

function planEndpoints(
  s: ServiceSpec,
  i: number,
  podByName: ReadonlyMap<string, PodFacts>,
  labelsOf: ReadonlyMap<string, Record<string, string>>,
  report: (path: Path, message: string) => void,
): PlannedEndpoint[] {
  if (s.selector !== undefined && s.endpoints !== undefined) {
    report(["services", i, "endpoints"], "give either a selector or endpoints, not both");
    return [];
  }
  const endpoints: PlannedEndpoint[] = [];
  if (s.endpoints !== undefined) {
    s.endpoints.forEach((podName, k) => {
      const pod = podByName.get(podName);
      if (!pod) report(["services", i, "endpoints", k], `no pod named "${podName}"`);
      else endpoints.push({ pod: pod.name, node: pod.node, ip: pod.ip });
    });
    return endpoints;
  }
  const selector = s.selector;
  // A Service without a selector and without endpoints has none: kube-proxy rejects its traffic.
  if (selector === undefined) return endpoints;
  for (const pod of podByName.values()) {
    const labels = labelsOf.get(pod.name) ?? {};
    if (Object.entries(selector).every(([k, v]) => labels[k] === v))
      endpoints.push({ pod: pod.name, node: pod.node, ip: pod.ip });
  }
  return endpoints;
}

/**
 * The API server picks a free address of the range at random (pkg/registry/core/service/ipallocator);
 * here a hash of the Service's name picks the start, so the same file gives the same address. The
 * range's network and broadcast addresses and its first address (the `kubernetes` Service's) are
 * never given out.
 */
function pickAddress(range: Cidr, taken: ReadonlyMap<Ipv4, string>, seed: string): Ipv4 {
  const count = 2 ** (32 - range.len) - 3;
  const start = stableHash(seed) % count;
  for (let k = 0; k < count; k++) {
    const ip = (range.addr + 2 + ((start + k) % count)) >>> 0;
    if (!taken.has(ip)) return ip;
  }
  return range.addr + 2;
}

function pickNodePort(taken: ReadonlyMap<number, string>, seed: string): number {
  const start = stableHash(seed) % NODE_PORT_COUNT;
  for (let k = 0; k < NODE_PORT_COUNT; k++) {
    const port = NODE_PORT_BASE + ((start + k) % NODE_PORT_COUNT);
    if (!taken.has(port)) return port;
  }
  return NODE_PORT_BASE;
}
