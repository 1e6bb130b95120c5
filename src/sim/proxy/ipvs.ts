/**
 * kube-proxy in IPVS mode, as it leaves every node (kubernetes pkg/proxy/ipvs/proxier.go,
 * NewProxier and syncProxyRules, v1.29+):
 *
 * - the sysctl it needs: net.ipv4.vs.conntrack=1, so the nat table can masquerade IPVS
 *   connections. It also sets net.ipv4.vs.expire_nodest_conn=1 and expire_quiescent_template=1
 *   (and conn_reuse_mode=0 on kernels before 5.9), which the simulator does not model: they only
 *   matter when a real server goes away while connections last;
 * - the dummy virtual server CanUseIPVSProxier adds and deletes to check the scheduler, which
 *   leaves IPVS enabled in the namespace;
 * - the dummy device `kube-ipvs0` (EnsureDummyDevice: created, never set up) holding every
 *   ClusterIP as a /32, so routing finds the ClusterIP local and hands the packet to INPUT, where
 *   IPVS waits;
 * - a virtual server per ClusterIP:port and, for NodePort Services, per node address:nodePort,
 *   with the configured scheduler, `-p 10800` for sessionAffinity ClientIP (the default
 *   sessionAffinityConfig timeout), and the endpoints as masquerading real servers of weight 1;
 * - its ipsets (all seventeen of ipsetInfo, filled from the Services) and the iptables rules
 *   that match them (writeIptablesRules): masquerade traffic to a ClusterIP from outside the
 *   cluster CIDR, NodePort traffic, and hairpin traffic (KUBE-LOOP-BACK); accept IPVS traffic;
 *   and KUBE-IPVS-FILTER, which rejects new connections to a ClusterIP on a port no virtual
 *   server has (kubernetes#108460, so host ports are not reachable through ClusterIPs) — ping
 *   to a ClusterIP included.
 *
 * Differences from a real node: kube-proxy iterates Go maps, so the order of its Services, real
 * servers and ipsets varies from sync to sync; here they follow the cluster file. NodePort
 * virtual servers are made for the node's own address only, where kube-proxy makes one for
 * every address outside kube-ipvs0 (cni0's and flannel.1's too). The load-balancer,
 * external-IP, health-check and firewall sets stay empty: the cluster file has no such Services.
 */
import { formatCidr } from "../cluster/cidr";
import type { ClusterPlan, PlannedNode } from "../cluster/load";
import type { PlannedEndpoint, PlannedService, PlannedServicePort } from "../cluster/services";
import type { Emitter } from "../cni/emitter";
import { formatIpv4 } from "../ipv4";

/** kube-proxy's dummy interface for service addresses (defaultDummyDevice). */
export const IPVS_DEVICE = "kube-ipvs0";

/** The masquerade mark as kube-proxy's IPVS proxier writes it: fmt "%#08x" of 1 << 14. */
const MASQ_MARK = "0x004000";

/** sessionAffinityConfig.clientIP.timeoutSeconds's default (core/v1 DefaultClientIPServiceAffinitySeconds). */
export const CLIENT_IP_AFFINITY_SECONDS = 10800;

type SetType = "hash:ip" | "hash:ip,port" | "hash:ip,port,ip" | "hash:ip,port,net" | "bitmap:port";

/** ipsetInfo: every set the proxier ensures, with its type and the comment its rules carry. */
const IPSETS: readonly { name: string; type: SetType; comment: string }[] = [
  {
    name: "KUBE-LOOP-BACK",
    type: "hash:ip,port,ip",
    comment: "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose",
  },
  {
    name: "KUBE-CLUSTER-IP",
    type: "hash:ip,port",
    comment: "Kubernetes service cluster ip + port for masquerade purpose",
  },
  {
    name: "KUBE-EXTERNAL-IP",
    type: "hash:ip,port",
    comment: "Kubernetes service external ip + port for masquerade and filter purpose",
  },
  {
    name: "KUBE-EXTERNAL-IP-LOCAL",
    type: "hash:ip,port",
    comment: "Kubernetes service external ip + port with externalTrafficPolicy=local",
  },
  { name: "KUBE-LOAD-BALANCER", type: "hash:ip,port", comment: "Kubernetes service lb portal" },
  {
    name: "KUBE-LOAD-BALANCER-FW",
    type: "hash:ip,port",
    comment: "Kubernetes service load balancer ip + port for load balancer with sourceRange",
  },
  {
    name: "KUBE-LOAD-BALANCER-LOCAL",
    type: "hash:ip,port",
    comment: "Kubernetes service load balancer ip + port with externalTrafficPolicy=local",
  },
  {
    name: "KUBE-LOAD-BALANCER-SOURCE-IP",
    type: "hash:ip,port,ip",
    comment: "Kubernetes service load balancer ip + port + source IP for packet filter purpose",
  },
  {
    name: "KUBE-LOAD-BALANCER-SOURCE-CIDR",
    type: "hash:ip,port,net",
    comment: "Kubernetes service load balancer ip + port + source cidr for packet filter purpose",
  },
  {
    name: "KUBE-NODE-PORT-TCP",
    type: "bitmap:port",
    comment: "Kubernetes nodeport TCP port for masquerade purpose",
  },
  {
    name: "KUBE-NODE-PORT-LOCAL-TCP",
    type: "bitmap:port",
    comment: "Kubernetes nodeport TCP port with externalTrafficPolicy=local",
  },
  {
    name: "KUBE-NODE-PORT-UDP",
    type: "bitmap:port",
    comment: "Kubernetes nodeport UDP port for masquerade purpose",
  },
  {
    name: "KUBE-NODE-PORT-LOCAL-UDP",
    type: "bitmap:port",
    comment: "Kubernetes nodeport UDP port with externalTrafficPolicy=local",
  },
  {
    name: "KUBE-NODE-PORT-SCTP-HASH",
    type: "hash:ip,port",
    comment: "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'",
  },
  {
    name: "KUBE-NODE-PORT-LOCAL-SCTP-HASH",
    type: "hash:ip,port",
    comment:
      "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'",
  },
  {
    name: "KUBE-HEALTH-CHECK-NODE-PORT",
    type: "bitmap:port",
    comment: "Kubernetes health check node port",
  },
  { name: "KUBE-IPVS-IPS", type: "hash:ip", comment: "Addresses on the ipvs interface" },
];

function commentOf(name: string): string {
  return IPSETS.find((s) => s.name === name)?.comment ?? "";
}

/** The kube chains (iptablesChains), created in this order. */
const NAT_CHAINS = [
  "KUBE-SERVICES",
  "KUBE-POSTROUTING",
  "KUBE-NODE-PORT",
  "KUBE-LOAD-BALANCER",
  "KUBE-MARK-MASQ",
];
const FILTER_CHAINS = [
  "KUBE-FORWARD",
  "KUBE-NODE-PORT",
  "KUBE-PROXY-FIREWALL",
  "KUBE-SOURCE-RANGES-FIREWALL",
  "KUBE-IPVS-FILTER",
  "KUBE-IPVS-OUT-FILTER",
];

/** iptablesJumpChain: each ensured with Prepend, in this order. */
const JUMPS: readonly { table: "nat" | "filter"; from: string; to: string; comment: string }[] = [
  { table: "nat", from: "OUTPUT", to: "KUBE-SERVICES", comment: "kubernetes service portals" },
  { table: "nat", from: "PREROUTING", to: "KUBE-SERVICES", comment: "kubernetes service portals" },
  {
    table: "nat",
    from: "POSTROUTING",
    to: "KUBE-POSTROUTING",
    comment: "kubernetes postrouting rules",
  },
  { table: "filter", from: "FORWARD", to: "KUBE-FORWARD", comment: "kubernetes forwarding rules" },
  {
    table: "filter",
    from: "INPUT",
    to: "KUBE-NODE-PORT",
    comment: "kubernetes health check rules",
  },
  {
    table: "filter",
    from: "INPUT",
    to: "KUBE-PROXY-FIREWALL",
    comment: "kube-proxy firewall rules",
  },
  {
    table: "filter",
    from: "FORWARD",
    to: "KUBE-PROXY-FIREWALL",
    comment: "kube-proxy firewall rules",
  },
  {
    table: "filter",
    from: "INPUT",
    to: "KUBE-IPVS-FILTER",
    comment: "kubernetes ipvs access filter",
  },
  {
    table: "filter",
    from: "OUTPUT",
    to: "KUBE-IPVS-OUT-FILTER",
    comment: "kubernetes ipvs access filter",
  },
];

/** Lays kube-proxy's IPVS mode out on every node. */
export function installIpvsProxy(plan: ClusterPlan, w: Emitter): void {
  for (const node of plan.nodes) installOnNode(plan, node, w);
}

/** The real servers of one virtual server on `node` (syncEndpoint, CategorizeEndpoints). */
function realServers(
  svc: PlannedService,
  node: PlannedNode,
  onlyLocal: boolean,
): readonly PlannedEndpoint[] {
  const internalLocal = svc.internalTrafficPolicy === "Local";
  const externalLocal = svc.type === "NodePort" && svc.externalTrafficPolicy === "Local";
  // UsesClusterEndpoints: cluster endpoints serve unless every traffic policy is Local.
  const usesCluster = !internalLocal || (svc.type === "NodePort" && !externalLocal);
  const cluster = usesCluster ? svc.endpoints : [];
  if (!onlyLocal) return cluster;
  const local = svc.endpoints.filter((e) => e.node === node.name);
  // kubernetes#97081: with no local endpoint the cluster's serve (or none, if it has none).
  return local.length > 0 ? local : cluster;
}

function installOnNode(plan: ClusterPlan, node: PlannedNode, w: Emitter): void {
  const proxy = plan.kubeProxy;
  if (!proxy) return;
  const n = node.name;
  const nat = (words: string): void => w.iptables(n, `-t nat ${words}`);
  const filter = (words: string): void => w.iptables(n, words);
  w.comment(`kube-proxy (IPVS mode, scheduler ${proxy.scheduler}) on ${n}`);
  w.sysctl(n, "net.ipv4.vs.conntrack", 1);
  // CanUseIPVSProxier: a virtual server at a TEST-NET-2 address proves the scheduler loads.
  w.ipvsadm(n, `-A -t 198.51.100.0:20000 -s ${proxy.scheduler}`);
  w.ipvsadm(n, "-D -t 198.51.100.0:20000");
  for (const chain of NAT_CHAINS) nat(`-N ${chain}`);
  for (const chain of FILTER_CHAINS) filter(`-N ${chain}`);
  for (const j of JUMPS) {
    const words = `-I ${j.from} -m comment --comment "${j.comment}" -j ${j.to}`;
    if (j.table === "nat") nat(words);
    else filter(words);
  }
  w.ip(n, `link add ${IPVS_DEVICE} type dummy`);
  for (const set of IPSETS)
    w.ipset(
      n,
      set.type === "bitmap:port"
        ? `create ${set.name} ${set.type} range 0-65535 -exist`
        : `create ${set.name} ${set.type} family inet hashsize 1024 maxelem 65536 -exist`,
    );

  const entries = new Map<string, Set<string>>(IPSETS.map((s) => [s.name, new Set<string>()]));
  const bound = new Set<string>();
  const add = (set: string, entry: string): void => {
    entries.get(set)?.add(entry);
  };
  for (const svc of plan.services)
    for (const port of svc.ports) {
      const proto = port.protocol.toLowerCase();
      const vip = formatIpv4(svc.clusterIp);
      for (const ep of svc.endpoints)
        if (ep.node === n) {
          const ip = formatIpv4(ep.ip);
          add("KUBE-LOOP-BACK", `${ip},${proto}:${port.targetPort},${ip}`);
        }
      add("KUBE-CLUSTER-IP", `${vip},${proto}:${port.port}`);
      virtualServer(w, n, svc, port, vip, port.port, proxy.scheduler);
      // EnsureAddressBind: a second port of the same Service finds the address bound already.
      if (!bound.has(vip)) w.ip(n, `addr add ${vip}/32 dev ${IPVS_DEVICE}`);
      bound.add(vip);
      add("KUBE-IPVS-IPS", vip);
      for (const ep of realServers(svc, node, svc.internalTrafficPolicy === "Local"))
        realServer(w, n, port, vip, port.port, ep);
      if (port.nodePort === null) continue;
      const suffix = port.protocol;
      add(`KUBE-NODE-PORT-${suffix}`, String(port.nodePort));
      if (svc.externalTrafficPolicy === "Local")
        add(`KUBE-NODE-PORT-LOCAL-${suffix}`, String(port.nodePort));
      const nodeIp = formatIpv4(node.ip);
      virtualServer(w, n, svc, port, nodeIp, port.nodePort, proxy.scheduler);
      for (const ep of realServers(svc, node, svc.externalTrafficPolicy === "Local"))
        realServer(w, n, port, nodeIp, port.nodePort, ep);
    }
  // syncIPSetEntries adds what is missing in sorted order (sets.String.List()).
  for (const set of IPSETS)
    for (const entry of [...(entries.get(set.name) ?? [])].sort())
      w.ipset(n, `add ${set.name} ${entry} -exist`);

  const has = (set: string): boolean => (entries.get(set)?.size ?? 0) > 0;
  const matchSet = (set: string, flags: string): string =>
    `-m comment --comment "${commentOf(set)}" -m set --match-set ${set} ${flags}`;
  // writeIptablesRules, in its order.
  nat("-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN");
  if (has("KUBE-LOOP-BACK"))
    nat(`-A KUBE-POSTROUTING ${matchSet("KUBE-LOOP-BACK", "dst,dst,src")} -j MASQUERADE`);
  for (const proto of ["TCP", "UDP"]) {
    const lower = proto.toLowerCase();
    if (has(`KUBE-NODE-PORT-LOCAL-${proto}`))
      nat(
        `-A KUBE-NODE-PORT -p ${lower} ${matchSet(`KUBE-NODE-PORT-LOCAL-${proto}`, "dst")} -j RETURN`,
      );
    if (has(`KUBE-NODE-PORT-${proto}`))
      nat(
        `-A KUBE-NODE-PORT -p ${lower} ${matchSet(`KUBE-NODE-PORT-${proto}`, "dst")} -j KUBE-MARK-MASQ`,
      );
  }
  if (has("KUBE-CLUSTER-IP"))
    // The local-traffic detector (--cluster-cidr): only traffic from outside the pods is masqueraded.
    nat(
      `-A KUBE-SERVICES ${matchSet("KUBE-CLUSTER-IP", "dst,dst")} ! -s ${formatCidr(proxy.clusterCidr)} -j KUBE-MARK-MASQ`,
    );
  nat("-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT");
  nat("-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ");
  filter("-A KUBE-SOURCE-RANGES-FIREWALL -j DROP");
  // acceptIPVSTraffic: at the end of KUBE-SERVICES.
  if (has("KUBE-CLUSTER-IP"))
    nat("-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT");
  filter(
    `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${MASQ_MARK}/${MASQ_MARK} -j ACCEPT`,
  );
  filter(
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  );
  filter(`-A KUBE-NODE-PORT ${matchSet("KUBE-HEALTH-CHECK-NODE-PORT", "dst")} -j ACCEPT`);
  // KUBE-IPVS-FILTER (kubernetes#72236): a ClusterIP answers only on its Services' ports.
  for (const [set, flags] of [
    ["KUBE-LOAD-BALANCER", "dst,dst"],
    ["KUBE-CLUSTER-IP", "dst,dst"],
    ["KUBE-EXTERNAL-IP", "dst,dst"],
    ["KUBE-EXTERNAL-IP-LOCAL", "dst,dst"],
    ["KUBE-HEALTH-CHECK-NODE-PORT", "dst"],
  ])
    filter(`-A KUBE-IPVS-FILTER -m set --match-set ${set} ${flags} -j RETURN`);
  filter(
    "-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT",
  );
  nat(`-A KUBE-POSTROUTING -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`);
  nat(`-A KUBE-POSTROUTING -j MARK --xor-mark ${MASQ_MARK}`);
  nat(
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  );
  nat(`-A KUBE-MARK-MASQ -j MARK --or-mark ${MASQ_MARK}`);
}

/** syncService: the virtual server, persistent for sessionAffinity ClientIP. */
function virtualServer(
  w: Emitter,
  node: string,
  svc: PlannedService,
  port: PlannedServicePort,
  address: string,
  vport: number,
  scheduler: string,
): void {
  const flag = port.protocol === "TCP" ? "-t" : "-u";
  const persistent = svc.sessionAffinity === "ClientIP" ? ` -p ${CLIENT_IP_AFFINITY_SECONDS}` : "";
  w.ipvsadm(node, `-A ${flag} ${address}:${vport} -s ${scheduler}${persistent}`);
}

/** syncEndpoint: each endpoint a masquerading real server of weight 1. */
function realServer(
  w: Emitter,
  node: string,
  port: PlannedServicePort,
  address: string,
  vport: number,
  ep: PlannedEndpoint,
): void {
  const flag = port.protocol === "TCP" ? "-t" : "-u";
  w.ipvsadm(
    node,
    `-a ${flag} ${address}:${vport} -r ${formatIpv4(ep.ip)}:${port.targetPort} -m -w 1`,
  );
}
