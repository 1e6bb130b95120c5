import type { ClusterPlan } from "../sim";
import { formatIpv4, parseIpv4 } from "../sim/ipv4";

/** Where the prompt is: a node, or a pod (entered with `kubectl exec -it POD -- sh` or `ssh POD`). */
export interface Place {
  /** The namespace's name: the node's or the pod's. */
  readonly name: string;
  readonly kind: "node" | "pod";
}

/** The cluster domain kubelet gives pods (--cluster-domain, kubeadm's default). */
const CLUSTER_DOMAIN = "cluster.local";

/** The namespace the scenario's pods run in (cluster files give pods no namespace). */
export const POD_NAMESPACE = "default";

/**
 * The IPv4 address a name stands for, as the place's resolver would find it, or null:
 * - a dotted quad is itself, `localhost` is 127.0.0.1;
 * - every node's name is its address (as cloud DNS or /etc/hosts answers for node names);
 * - in a pod, its own name (kubelet writes it into the pod's /etc/hosts), and the Services
 *   through cluster DNS: `web`, `web.default`, `web.default.svc`, `web.default.svc.cluster.local`
 *   (the pod's search path starts with its own namespace). A node's resolver does not ask
 *   cluster DNS, and no resolver knows pod names.
 */
export function resolveHost(plan: ClusterPlan, place: Place, name: string): string | null {
  const ip = parseIpv4(name);
  if (ip !== null) return formatIpv4(ip);
  if (name === "localhost") return "127.0.0.1";
  const node = plan.nodes.find((n) => n.name === name);
  if (node) return formatIpv4(node.ip);
  if (place.kind !== "pod") return null;
  const self = plan.pods.find((p) => p.name === place.name);
  if (self && name === self.name) return formatIpv4(self.ip);
  const service = plan.services.find((s) =>
    serviceNames(s.name, s.namespace).includes(name.replace(/\.$/, "")),
  );
  return service ? formatIpv4(service.clusterIp) : null;
}

/** The names a pod in the pod namespace can reach a Service by. */
function serviceNames(name: string, namespace: string): string[] {
  const full = [`${name}.${namespace}`, `${name}.${namespace}.svc`];
  full.push(`${name}.${namespace}.svc.${CLUSTER_DOMAIN}`);
  return namespace === POD_NAMESPACE ? [name, ...full] : full;
}
