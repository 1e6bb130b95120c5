/**
 * kube-proxy in nftables mode (alpha 1.29, beta 1.31, GA 1.33), as it leaves every node
 * (kubernetes pkg/proxy/nftables/proxier.go, setupNFTables and syncProxyRules, v1.33+; the
 * expected rules of its proxier_test.go, TestOverallNFTablesRules): one table `ip kube-proxy`;
 * base chains at filter priority -110 (before DNAT) and 0 and at the NAT priorities; the set
 * `cluster-ips` of active ClusterIPs; the verdict map `service-ips`, keyed by destination address,
 * protocol and port, sending each packet to its Service port's chain in one lookup; `numgen random
 * mod N` picking an endpoint chain that DNATs; `mark-for-masquerade` and `masquerading` for traffic
 * that must be masqueraded; `no-endpoint-services` rejecting Services without endpoints; and
 * `cluster-ips-check` rejecting other ports of a ClusterIP (ping included) and dropping
 * unallocated ClusterIPs. The lookups are hashes: the work per packet does not grow with the
 * number of Services.
 *
 * Left out: LoadBalancer and external IPs (none in a cluster file), session affinity (the
 * `affinity-…` sets with timeouts), and the chain flushes kube-proxy writes after each `add chain`
 * (on a fresh node they change nothing). kube-proxy sends one transaction (`nft -f -`); here each
 * command is its own line, in the transaction's order.
 */
import { formatCidr } from "../cluster/cidr";
import type { ClusterPlan, PlannedNode } from "../cluster/load";
import type { PlannedEndpoint, PlannedService, PlannedServicePort } from "../cluster/services";
import type { Emitter } from "../cni/emitter";
import { formatIpv4 } from "../ipv4";
import { nftEndpointChain, nftServiceChain, servicePortName } from "./names";

/** The mark mark-for-masquerade sets (--masquerade-bit 14, written "%#08x"). */
export const NFT_MASQ_MARK = "0x4000";

const T = "ip kube-proxy";

/**
 * The base chains, `${type}-${hook}` (nftablesBaseChains). knftables writes each priority as a
 * number: nft 1.0.x accepts the name `dstnat` only at prerouting.
 */
const BASE_CHAINS: readonly [string, string, string, number][] = [
  ["filter-prerouting-pre-dnat", "filter", "prerouting", -110],
  ["filter-output-pre-dnat", "filter", "output", -110],
  ["filter-input", "filter", "input", 0],
  ["filter-forward", "filter", "forward", 0],
  ["filter-output", "filter", "output", 0],
  ["nat-prerouting", "nat", "prerouting", -100],
  ["nat-output", "nat", "output", -100],
  ["nat-postrouting", "nat", "postrouting", 100],
];

/** The jumps from base chains to kube-proxy's top-level chains (nftablesJumpChains), in order. */
const JUMPS: readonly [string, string, string][] = [
  ["nodeport-endpoints-check", "filter-input", "ct state new "],
  ["service-endpoints-check", "filter-input", "ct state new "],
  ["service-endpoints-check", "filter-forward", "ct state new "],
  ["service-endpoints-check", "filter-output", "ct state new "],
  ["firewall-check", "filter-prerouting-pre-dnat", "ct state new "],
  ["firewall-check", "filter-output-pre-dnat", "ct state new "],
  ["services", "nat-output", ""],
  ["services", "nat-prerouting", ""],
  ["masquerading", "nat-postrouting", ""],
  ["cluster-ips-check", "filter-forward", "ct state new "],
  ["cluster-ips-check", "filter-output", "ct state new "],
];

/** Lays kube-proxy's nftables state out on every node. */
export function installNftablesProxy(plan: ClusterPlan, w: Emitter): void {
  for (const node of plan.nodes) installOnNode(plan, node, w);
}

function installOnNode(plan: ClusterPlan, node: PlannedNode, w: Emitter): void {
  const proxy = plan.kubeProxy;
  if (!proxy) return;
  const nft = (command: string): void => w.nft(node.name, command);
  w.comment(`kube-proxy (nftables mode) on ${node.name}`);
  nft(`add table ${T} { comment "rules for kube-proxy" ; }`);
  for (const [name, type, hook, priority] of BASE_CHAINS)
    nft(`add chain ${T} ${name} { type ${type} hook ${hook} priority ${priority} ; }`);
  const made = new Set<string>();
  const chain = (name: string, extra = ""): void => {
    if (made.has(name)) return;
    made.add(name);
    nft(`add chain ${T} ${name}${extra}`);
  };
  for (const [to, from, condition] of JUMPS) {
    chain(to);
    nft(`add rule ${T} ${from} ${condition}jump ${to}`);
  }
  for (const name of ["services", "cluster-ips-check", "masquerading", "mark-for-masquerade"])
    chain(name);
  // The masquerade mark: set on the way in, tested and cleared on the way out.
  nft(`add rule ${T} mark-for-masquerade mark set mark or ${NFT_MASQ_MARK}`);
  nft(`add rule ${T} masquerading mark and ${NFT_MASQ_MARK} == 0 return`);
  nft(`add rule ${T} masquerading mark set mark xor ${NFT_MASQ_MARK}`);
  nft(`add rule ${T} masquerading masquerade fully-random`);
  // Every other port of a ClusterIP is rejected (ping too); an unallocated ClusterIP is dropped.
  nft(`add set ${T} cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }`);
  nft(
    `add rule ${T} cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"`,
  );
  nft(
    `add rule ${T} cluster-ips-check ip daddr { ${formatCidr(proxy.serviceCidr)} } drop comment "Drop traffic to unallocated ClusterIPs"`,
  );
  // --nodeport-addresses defaults to `primary` in nftables mode: NodePorts on the node's IP only.
  nft(
    `add set ${T} nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }`,
  );
  nft(`add element ${T} nodeport-ips { ${formatIpv4(node.ip)} }`);
  nft(
    `add map ${T} no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }`,
  );
  nft(
    `add map ${T} no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }`,
  );
  nft(
    `add chain ${T} reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }`,
  );
  nft(`add rule ${T} reject-chain reject`);
  nft(
    `add rule ${T} service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services`,
  );
  nft(
    `add rule ${T} nodeport-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports`,
  );
  nft(
    `add map ${T} firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }`,
  );
  chain("firewall-check");
  nft(`add rule ${T} firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips`);
  nft(
    `add map ${T} service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }`,
  );
  nft(
    `add map ${T} service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }`,
  );
  nft(`add rule ${T} services ip daddr . meta l4proto . th dport vmap @service-ips`);
  nft(
    `add rule ${T} services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports`,
  );
  const clusterCidr = formatCidr(proxy.clusterCidr);
  for (const svc of plan.services)
    for (const port of svc.ports) servicePort(node, svc, port, clusterCidr, nft);
}

/** One Service port, as syncProxyRules writes it (chains, then elements, then rules). */
function servicePort(
  node: PlannedNode,
  svc: PlannedService,
  port: PlannedServicePort,
  clusterCidr: string,
  nft: (command: string) => void,
): void {
  const proto = port.protocol.toLowerCase();
  const name = servicePortName(svc, port);
  const vip = formatIpv4(svc.clusterIp);
  const local = svc.endpoints.filter((e) => e.node === node.name);
  const hasEndpoints = svc.endpoints.length > 0;
  const internalLocal = svc.internalTrafficPolicy === "Local";
  const external = port.nodePort !== null;
  const externalLocal = external && svc.externalTrafficPolicy === "Local";
  // proxy.CategorizeEndpoints: which endpoints each traffic policy may use on this node. Cluster
  // endpoints serve any externally reachable port even with externalTrafficPolicy Local: pod and
  // node traffic to it short-circuits to them (UsesClusterEndpoints).
  const usesCluster = !internalLocal || external;
  const usesLocal = internalLocal || externalLocal;
  const clusterEndpoints = usesCluster ? svc.endpoints : [];
  const localEndpoints = usesLocal ? local : [];
  const reachable = [
    ...clusterEndpoints,
    ...localEndpoints.filter((e) => !clusterEndpoints.includes(e)),
  ];
  const clusterChain = nftServiceChain("service", svc, port);
  const localChain = nftServiceChain("local", svc, port);
  const externalChain = nftServiceChain("external", svc, port);
  const usesClusterChain = clusterEndpoints.length > 0;
  const usesLocalChain = localEndpoints.length > 0;
  const internalChain = internalLocal ? localChain : clusterChain;
  const hasInternal = hasEndpoints && !(internalLocal && local.length === 0);
  const externalPolicyChain = externalLocal ? localChain : clusterChain;
  const hasExternal = hasEndpoints && !(externalLocal && local.length === 0);
  const usesExternalChain = hasEndpoints && external;
  const endpoint = (e: PlannedEndpoint): string =>
    nftEndpointChain(svc, port, formatIpv4(e.ip), port.targetPort);

  for (const e of reachable) nft(`add chain ${T} ${endpoint(e)}`);
  if (usesClusterChain) nft(`add chain ${T} ${clusterChain}`);
  if (usesLocalChain) nft(`add chain ${T} ${localChain}`);
  if (usesExternalChain) nft(`add chain ${T} ${externalChain}`);

  // No endpoints at all: reject; none for this policy on this node: drop.
  const internalVerdict = hasEndpoints ? "drop" : "goto reject-chain";
  nft(`add element ${T} cluster-ips { ${vip} }`);
  if (hasInternal)
    nft(
      `add element ${T} service-ips { ${vip} . ${proto} . ${port.port} : goto ${internalChain} }`,
    );
  else
    nft(
      `add element ${T} no-endpoint-services { ${vip} . ${proto} . ${port.port} comment "${name}" : ${internalVerdict} }`,
    );
  if (port.nodePort !== null) {
    if (hasEndpoints)
      nft(
        `add element ${T} service-nodeports { ${proto} . ${port.nodePort} : goto ${externalChain} }`,
      );
    if (!hasExternal)
      nft(
        `add element ${T} no-endpoint-nodeports { ${proto} . ${port.nodePort} comment "${name}" : ${hasEndpoints ? "drop" : "goto reject-chain"} }`,
      );
  }

  // Traffic to the ClusterIP from outside the cluster CIDR is masqueraded (the Service range
  // may be routed to any node, which then forwards it on).
  if (hasInternal)
    nft(
      `add rule ${T} ${internalChain} ip daddr ${vip} ip saddr != ${clusterCidr} jump mark-for-masquerade`,
    );
  if (usesExternalChain) {
    if (!externalLocal) {
      // A NodePort may send the packet to another node: masquerade, so the reply comes back.
      nft(`add rule ${T} ${externalChain} jump mark-for-masquerade`);
    } else {
      nft(
        `add rule ${T} ${externalChain} ip saddr ${clusterCidr} goto ${clusterChain} comment "short-circuit pod traffic"`,
      );
      nft(
        `add rule ${T} ${externalChain} fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"`,
      );
      nft(
        `add rule ${T} ${externalChain} fib saddr type local goto ${clusterChain} comment "short-circuit local traffic"`,
      );
    }
    if (hasExternal) nft(`add rule ${T} ${externalChain} goto ${externalPolicyChain}`);
  }
  const pick = (chainName: string, endpoints: readonly PlannedEndpoint[]): void => {
    const entries = endpoints.map((e, i) => `${i} : goto ${endpoint(e)}`).join(" , ");
    nft(`add rule ${T} ${chainName} numgen random mod ${endpoints.length} vmap { ${entries} }`);
  };
  if (usesClusterChain) pick(clusterChain, clusterEndpoints);
  if (usesLocalChain) pick(localChain, localEndpoints);
  for (const e of reachable) {
    const ip = formatIpv4(e.ip);
    // Hairpin: a pod reaching itself through its Service is masqueraded, or the reply would
    // go straight back without un-DNAT.
    nft(`add rule ${T} ${endpoint(e)} ip saddr ${ip} jump mark-for-masquerade`);
    nft(`add rule ${T} ${endpoint(e)} meta l4proto ${proto} dnat to ${ip}:${port.targetPort}`);
  }
}
