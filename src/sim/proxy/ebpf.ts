/**
 * Cilium's kube-proxy replacement (kubeProxyReplacement=true, cilium/cilium 1.17) as an installer:
 * no kube-proxy runs, so no iptables rule, IPVS server or nftables set exists for any Service.
 * cilium-agent writes every Service into its load-balancing maps instead (pkg/loadbalancer →
 * pkg/maps/lbmap, see bpf/lb.ts), and its eBPF programs translate: bpf_sock.o at the node's root
 * cgroup (socket LB, on by default with the replacement) and bpf_lxc's per-packet load balancer
 * when socket LB leaves pods alone (socketLB.hostNamespaceOnly). Like the rest of Cilium's
 * datapath this is no script line: the installer extends the BpfDatapath the CNI returned.
 *
 * What the agent writes per Service port:
 * - a frontend for the ClusterIP (type ClusterIP, non-routable: bpf.lbExternalClusterIP is off);
 *   with internalTrafficPolicy Local its backends are the node's own endpoints (InternalLocal);
 * - for NodePort, a frontend on the node's address and the 0.0.0.0 surrogate the socket LB's
 *   wildcard lookup finds for any node's address; with externalTrafficPolicy Local their external
 *   scope has the node's own endpoints and a second, internal scope all of them (two-scopes);
 * - a backend ID per distinct endpoint address, port and protocol; a rev-NAT entry per frontend;
 * - sessionAffinity ClientIP: the affinity flag and timeout (10800 s, Kubernetes' default).
 * Service IDs (rev-NAT indexes) and backend IDs are allocated in the order the Services are listed.
 */

import { type LbFlags, type LbProto, type LbScope, LbTable, type SocketLbConfig } from "../bpf/lb";
import type { BpfDatapath } from "../bpf/maps";
import type { ClusterPlan, PlannedNode } from "../cluster/load";
import type { CiliumConfig } from "../cluster/schema";
import type { PlannedEndpoint, PlannedService, PlannedServicePort } from "../cluster/services";
import type { Emitter } from "../cni/emitter";
import type { Ipv4 } from "../ipv4";

/** service.spec.sessionAffinityConfig.clientIP.timeoutSeconds' default (core/v1). */
const AFFINITY_TIMEOUT = 10800;

/** Extends the Cilium datapath with the kube-proxy replacement's maps and socket-LB options. */
export function installEbpfProxy(
  plan: ClusterPlan,
  cni: CiliumConfig,
  datapath: BpfDatapath,
  w: Emitter,
): BpfDatapath {
  const socketLb: SocketLbConfig = {
    hostNamespaceOnly: cni.socketLB?.hostNamespaceOnly ?? false,
  };
  w.comment(
    `Cilium kube-proxy replacement: no kube-proxy and no iptables rules for Services; cilium-agent writes ${plan.services.length} Service${plan.services.length === 1 ? "" : "s"} into cilium_lb4_services_v2, cilium_lb4_backends_v3 and cilium_lb4_reverse_nat (the eBPF state below), socket LB ${socketLb.hostNamespaceOnly ? "for the nodes' own sockets only (pods: per packet in bpf_lxc)" : "for every socket"}`,
  );
  const shared = new LbTable();
  const own = new Map<string, LbTable>(plan.nodes.map((n) => [n.name, new LbTable()]));
  const ids = new Ids(shared);
  for (const svc of plan.services)
    for (const port of svc.ports) clusterIp(plan, svc, port, shared, own, ids);
  // NodePort frontends come after the ClusterIPs so that every node gives a ClusterIP the same ID.
  for (const svc of plan.services)
    for (const port of svc.ports) if (port.nodePort !== null) nodePort(plan, svc, port, own, ids);
  return { ...datapath, lb: { shared, own, socketLb } };
}

/** Service and backend IDs, handed out from 1 (pkg/loadbalancer IDAllocator). */
class Ids {
  private nextService = 1;

  /** Backends are the same on every node: they all go to the shared table. */
  constructor(private readonly shared: LbTable) {}

  private readonly backends = new Map<string, number>();

  service(): number {
    return this.nextService++;
  }

  /** The next service ID without taking it: each node's own frontends number alike. */
  peek(): number {
    return this.nextService;
  }

  skip(n: number): void {
    this.nextService += n;
  }

  backend(address: Ipv4, port: number, proto: LbProto): number {
    const text = `${address}:${port}/${proto}`;
    let id = this.backends.get(text);
    if (id === undefined) {
      id = this.backends.size + 1;
      this.backends.set(text, id);
      this.shared.backends.set(id, { id, address, port, proto });
    }
    return id;
  }
}

function flags(svc: PlannedService, type: LbFlags["type"], extra: Partial<LbFlags>): LbFlags {
  return {
    type,
    extLocal: false,
    intLocal: false,
    twoScopes: false,
    affinity: svc.sessionAffinity === "ClientIP",
    routable: false,
    ...extra,
  };
}

/** Slot 0 (the frontend) and slots 1..n (its backends) of one frontend and scope. */
function writeFrontend(
  table: LbTable,
  frontend: { address: Ipv4; port: number; proto: LbProto; scope: LbScope },
  revNat: number,
  f: LbFlags,
  backendIds: readonly number[],
): void {
  const affinityTimeout = f.affinity ? AFFINITY_TIMEOUT : 0;
  table.setService(
    { ...frontend, slot: 0 },
    { backendId: 0, count: backendIds.length, revNat, flags: f, affinityTimeout },
  );
  backendIds.forEach((backendId, i) => {
    table.setService(
      { ...frontend, slot: i + 1 },
      { backendId, count: 0, revNat, flags: f, affinityTimeout },
    );
  });
  table.revNat.set(revNat, { id: revNat, address: frontend.address, port: frontend.port });
}

function backendIds(
  port: PlannedServicePort,
  endpoints: readonly PlannedEndpoint[],
  ids: Ids,
): number[] {
  return endpoints.map((e) => ids.backend(e.ip, port.targetPort, port.protocol));
}

function clusterIp(
  plan: ClusterPlan,
  svc: PlannedService,
  port: PlannedServicePort,
  shared: LbTable,
  own: Map<string, LbTable>,
  ids: Ids,
): void {
  const revNat = ids.service();
  const frontend = {
    address: svc.clusterIp,
    port: port.port,
    proto: port.protocol,
    scope: "ext" as const,
  };
  if (svc.internalTrafficPolicy === "Cluster") {
    const f = flags(svc, "ClusterIP", {});
    writeFrontend(shared, frontend, revNat, f, backendIds(port, svc.endpoints, ids));
    return;
  }
  // internalTrafficPolicy Local: each node's frontend lists only its own endpoints.
  const f = flags(svc, "ClusterIP", { intLocal: true });
  for (const node of plan.nodes) {
    const table = own.get(node.name) as LbTable;
    const local = svc.endpoints.filter((e) => e.node === node.name);
    writeFrontend(table, frontend, revNat, f, backendIds(port, local, ids));
  }
}

function nodePort(
  plan: ClusterPlan,
  svc: PlannedService,
  port: PlannedServicePort,
  own: Map<string, LbTable>,
  ids: Ids,
): void {
  const surrogateId = ids.peek();
  const nodeIpId = surrogateId + 1;
  ids.skip(2);
  const extLocal = svc.externalTrafficPolicy === "Local";
  const intLocal = svc.internalTrafficPolicy === "Local";
  for (const node of plan.nodes) {
    const table = own.get(node.name) as LbTable;
    const local = svc.endpoints.filter((e) => e.node === node.name);
    frontendsOn(node, table, local);
  }

  function frontendsOn(node: PlannedNode, table: LbTable, local: readonly PlannedEndpoint[]) {
    const all = backendIds(port, svc.endpoints, ids);
    const mine = backendIds(port, local, ids);
    const twoScopes = extLocal !== intLocal;
    for (const [address, revNat, routable] of [
      [0, surrogateId, false],
      [node.ip, nodeIpId, true],
    ] as const) {
      const frontend = { address, port: port.nodePort as number, proto: port.protocol };
      const f = flags(svc, "NodePort", { extLocal, intLocal, twoScopes, routable });
      writeFrontend(table, { ...frontend, scope: "ext" }, revNat, f, extLocal ? mine : all);
      if (twoScopes)
        writeFrontend(table, { ...frontend, scope: "int" }, revNat, f, intLocal ? mine : all);
    }
  }
}
