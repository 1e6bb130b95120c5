/**
 * kube-proxy in iptables mode, as it leaves every node's tables (kubernetes
 * pkg/proxy/iptables/proxier.go, syncProxyRules, v1.29+): the jump rules it prepends to the
 * built-in chains, KUBE-SERVICES with one rule per Service port, KUBE-SVC-… picking an endpoint
 * with `statistic` probabilities 1/n, 1/(n−1), …, KUBE-SEP-… doing the DNAT, KUBE-MARK-MASQ and
 * KUBE-POSTROUTING masquerading what must be, KUBE-NODEPORTS and KUBE-EXT-… for NodePorts, and in
 * the filter table the REJECT of Services without endpoints. Left out: the load-balancer
 * firewall and health-check chains (no LoadBalancer Services here) and the `nfacct` counter on
 * KUBE-FORWARD's INVALID drop.
 */

import { formatCidr } from "../cluster/cidr";
import type { ClusterPlan, PlannedNode } from "../cluster/load";
import type { PlannedEndpoint, PlannedService, PlannedServicePort } from "../cluster/services";
import type { Emitter } from "../cni/emitter";
import { formatIpv4 } from "../ipv4";
import { extChain, sepChain, servicePortName, svcChain, svlChain } from "./names";

/** sessionAffinityConfig.clientIP.timeoutSeconds' default (3 hours). */
const AFFINITY_SECONDS = 10800;

/** The bit KUBE-MARK-MASQ sets (--iptables-masquerade-bit 14). */
export const MASQ_MARK = "0x4000";

/** Lays kube-proxy's iptables rules out on every node. */
export function installIptablesProxy(plan: ClusterPlan, w: Emitter): void {
  for (const node of plan.nodes) installOnNode(plan, node, w);
}

function installOnNode(plan: ClusterPlan, node: PlannedNode, w: Emitter): void {
  const proxy = plan.kubeProxy;
  if (!proxy) return;
  const nat = (words: string): void => w.iptables(node.name, `-t nat ${words}`);
  const filter = (words: string): void => w.iptables(node.name, words);
  const clusterCidr = formatCidr(proxy.clusterCidr);
  w.comment(`kube-proxy (iptables mode) on ${node.name}`);
  for (const chain of ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD"])
    filter(`-N ${chain}`);
  for (const chain of ["KUBE-SERVICES", "KUBE-POSTROUTING", "KUBE-MARK-MASQ", "KUBE-NODEPORTS"])
    nat(`-N ${chain}`);
  // iptablesJumpChains, each ensured with Prepend: the last one written ends up first.
  filter(
    '-I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
  );
  filter(
    '-I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
  );
  filter(
    '-I FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  );
  filter(
    '-I OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  );
  filter('-I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD');
  nat('-I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  nat('-I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  nat('-I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING');
  // The masquerade mark: set on the way in, tested and cleared on the way out.
  nat(`-A KUBE-MARK-MASQ -j MARK --or-mark ${MASQ_MARK}`);
  nat(`-A KUBE-POSTROUTING -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`);
  nat(`-A KUBE-POSTROUTING -j MARK --xor-mark ${MASQ_MARK}`);
  nat(
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  );
  filter("-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP");
  filter(
    `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${MASQ_MARK}/${MASQ_MARK} -j ACCEPT`,
  );
  filter(
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  );
  let nodePorts = false;
  for (const svc of plan.services)
    for (const port of svc.ports) {
      servicePort(node, svc, port, clusterCidr, nat, filter);
      nodePorts ||= port.nodePort !== null;
    }
  if (nodePorts)
    nat(
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    );
}

function servicePort(
  node: PlannedNode,
  svc: PlannedService,
  port: PlannedServicePort,
  clusterCidr: string,
  nat: (words: string) => void,
  filter: (words: string) => void,
): void {
  const name = servicePortName(svc, port);
  const proto = port.protocol.toLowerCase();
  const vip = `${formatIpv4(svc.clusterIp)}/32`;
  const match = `-d ${vip} -p ${proto}`;
  const dport = `-m ${proto} --dport ${port.port}`;
  const local = svc.endpoints.filter((e) => e.node === node.name);
  if (svc.endpoints.length === 0) {
    filter(
      `-A KUBE-SERVICES ${match} -m comment --comment "${name} has no endpoints" ${dport} -j REJECT --reject-with icmp-port-unreachable`,
    );
    if (port.nodePort !== null)
      filter(
        `-A KUBE-EXTERNAL-SERVICES -p ${proto} -m comment --comment "${name} has no endpoints" -m addrtype --dst-type LOCAL -m ${proto} --dport ${port.nodePort} -j REJECT --reject-with icmp-port-unreachable`,
      );
    return;
  }
  const svcName = svcChain(svc, port);
  const svlName = svlChain(svc, port);
  const internalLocal = svc.internalTrafficPolicy === "Local";
  const externalLocal = port.nodePort !== null && svc.externalTrafficPolicy === "Local";
  nat(`-N ${svcName}`);
  if (internalLocal || externalLocal) nat(`-N ${svlName}`);
  // Cluster traffic goes to KUBE-SVC (all endpoints) or, with internalTrafficPolicy Local, to
  // KUBE-SVL (this node's); traffic from outside the cluster CIDR is marked for masquerade.
  const internal = internalLocal ? svlName : svcName;
  if (internalLocal && local.length === 0)
    filter(
      `-A KUBE-SERVICES ${match} -m comment --comment "${name} has no local endpoints" ${dport} -j DROP`,
    );
  else
    nat(
      `-A KUBE-SERVICES ${match} -m comment --comment "${name} cluster IP" ${dport} -j ${internal}`,
    );
  nat(
    `-A ${svcName} ! -s ${clusterCidr} ${match} -m comment --comment "${name} cluster IP" ${dport} -j KUBE-MARK-MASQ`,
  );
  endpointRules(svc, port, svcName, svc.endpoints, nat);
  if (internalLocal || externalLocal) endpointRules(svc, port, svlName, local, nat);
  if (port.nodePort !== null) nodePort(svc, port, clusterCidr, local, nat, filter);
}

/** One KUBE-SEP chain per endpoint, picked with probabilities 1/n, 1/(n−1), …, then always. */
function endpointRules(
  svc: PlannedService,
  port: PlannedServicePort,
  chain: string,
  endpoints: readonly PlannedEndpoint[],
  nat: (words: string) => void,
): void {
  const name = servicePortName(svc, port);
  const proto = port.protocol.toLowerCase();
  const affinity = svc.sessionAffinity === "ClientIP";
  const sepOf = (ep: PlannedEndpoint): { addr: string; sep: string } => {
    const addr = `${formatIpv4(ep.ip)}:${port.targetPort}`;
    return { addr, sep: sepChain(svc, port, addr) };
  };
  // Each KUBE-SEP chain is made once, when the cluster-wide chain lists it, before any jump to it.
  const own = chain.startsWith("KUBE-SVC-");
  if (own) for (const ep of endpoints) nat(`-N ${sepOf(ep).sep}`);
  // ClientIP affinity: a client listed in an endpoint's `recent` list goes back to it
  // (sessionAffinityConfig's default timeout); each endpoint's DNAT lists the client.
  if (affinity)
    for (const ep of endpoints) {
      const { sep } = sepOf(ep);
      nat(
        `-A ${chain} -m comment --comment "${name}" -m recent --name ${sep} --rcheck --seconds ${AFFINITY_SECONDS} --reap -j ${sep}`,
      );
    }
  endpoints.forEach((ep, i) => {
    const { addr, sep } = sepOf(ep);
    if (own) {
      nat(`-A ${sep} -s ${formatIpv4(ep.ip)}/32 -m comment --comment "${name}" -j KUBE-MARK-MASQ`);
      const remember = affinity ? ` -m recent --name ${sep} --set` : "";
      nat(
        `-A ${sep} -p ${proto} -m comment --comment "${name}"${remember} -m ${proto} -j DNAT --to-destination ${addr}`,
      );
    }
    const left = endpoints.length - i;
    const pick = left > 1 ? ` -m statistic --mode random --probability ${probability(left)}` : "";
    nat(`-A ${chain} -m comment --comment "${name} -> ${addr}"${pick} -j ${sep}`);
  });
}

/** kube-proxy writes 1/n as fmt "%0.10f" (iptables-save then shows what the kernel kept, to 11 places). */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

function nodePort(
  svc: PlannedService,
  port: PlannedServicePort,
  clusterCidr: string,
  local: readonly PlannedEndpoint[],
  nat: (words: string) => void,
  filter: (words: string) => void,
): void {
  const name = servicePortName(svc, port);
  const proto = port.protocol.toLowerCase();
  const ext = extChain(svc, port);
  nat(`-N ${ext}`);
  nat(
    `-A KUBE-NODEPORTS -p ${proto} -m comment --comment "${name}" -m ${proto} --dport ${port.nodePort} -j ${ext}`,
  );
  if (svc.externalTrafficPolicy === "Cluster") {
    nat(
      `-A ${ext} -m comment --comment "masquerade traffic for ${name} external destinations" -j KUBE-MARK-MASQ`,
    );
    nat(`-A ${ext} -j ${svcChain(svc, port)}`);
    return;
  }
  // externalTrafficPolicy Local: the client's address is kept and only this node's endpoints
  // serve; pods and the node itself still reach every endpoint.
  nat(
    `-A ${ext} -s ${clusterCidr} -m comment --comment "pod traffic for ${name} external destinations" -j ${svcChain(svc, port)}`,
  );
  nat(
    `-A ${ext} -m comment --comment "masquerade LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
  );
  nat(
    `-A ${ext} -m comment --comment "route LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j ${svcChain(svc, port)}`,
  );
  nat(`-A ${ext} -j ${svlChain(svc, port)}`);
  if (local.length === 0)
    filter(
      `-A KUBE-EXTERNAL-SERVICES -p ${proto} -m comment --comment "${name} has no local endpoints" -m addrtype --dst-type LOCAL -m ${proto} --dport ${port.nodePort} -j DROP`,
    );
}
