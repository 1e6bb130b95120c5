import type {
  BpfDatapath,
  BpfNodeSetup,
  EndpointEntry,
  IpcacheEntry,
  PolicyEntry,
  TcAttachment,
  TunnelEntry,
} from "../bpf/maps";
import { IDENTITY_HOST, IDENTITY_REMOTE_NODE, IDENTITY_WORLD } from "../bpf/maps";
import { PrefixMap, SharedPrefixes } from "../bpf/prefix-map";
import type { ClusterPlan, PlannedNode, PlannedPod } from "../cluster/load";
import { formatCidr, nodeOfPod } from "../cluster/load";
import type { CiliumConfig } from "../cluster/schema";
import { formatMac, type Mac } from "../mac";
import { cmd } from "./command";
import type { Emitter, PeerLine, PeerTable } from "./emitter";
import { stableHash as fnv, hex, ip } from "./names";

/** Cilium's tunnel ports (pkg/defaults: TunnelPortVXLAN, TunnelPortGeneve). */
const VXLAN_PORT = 8472;
const GENEVE_PORT = 6081;
/** pkg/mtu: the overhead Cilium reserves for either tunnel (outer IPv4 + UDP + header + Ethernet). */
const TUNNEL_OVERHEAD = 50;

/**
 * Cilium as cilium-agent, cilium-operator (cluster-pool IPAM) and the cilium-cni plugin leave a
 * node (cilium/cilium 1.17, Helm defaults: kube-proxy and iptables masquerading stay, so legacy
 * host routing; see bpf/cilium.ts for what the datapath does):
 * - cilium_host / cilium_net, a veth pair with ARP off on both (pkg/datapath/loader/netlink.go,
 *   SetupBaseDevice); cilium_host holds the router IP as a /32, with `<router IP> dev cilium_host
 *   scope link` and the node's own pod CIDR `via <router IP> dev cilium_host src <router IP>`
 *   (pkg/datapath/linux/node.go, createNodeRouteSpec; proto kernel, as the agent sets it).
 * - Tunnel mode: cilium_vxlan (UDP 8472) or cilium_geneve (UDP 6081) in external
 *   (collect-metadata) mode, and each other node's pod CIDR `via <router IP> dev cilium_host`
 *   (the route's `mtu 1450` is not expressible here), for the host's own traffic.
 * - Native routing: no tunnel device; with autoDirectNodeRoutes, `<pod CIDR> via <node IP>` for
 *   each other node on the same subnet (createDirectRouteSpec refuses a node behind a gateway).
 * - Per pod (plugins/cilium-cni): `lxc<12 hex>` on the host, eth0 with a /32, `<router IP> dev
 *   eth0 scope link` and `default via <router IP> dev eth0`. The pod's route carries the tunnel
 *   MTU on a real node (`mtu 1450`); the script dialect has no route MTU, so the pod's eth0 and
 *   its lxc take that MTU instead, which refuses the same oversized DF packets.
 * - No iptables rules of its own for pod-to-pod traffic: the CILIUM_* chains it adds with
 *   iptables masquerading only accept forwarded traffic and masquerade what leaves the native
 *   routing CIDR, so they are left out.
 * The programs and maps are returned as data (bpf/maps.ts), not as script lines: see
 * `datapathComments` for why.
 */
export function installCilium(plan: ClusterPlan, cfg: CiliumConfig, w: Emitter): BpfDatapath {
  const tunnel = cfg.routingMode === "tunnel" ? cfg.tunnelProtocol : null;
  const tunnelDev = tunnel === "geneve" ? "cilium_geneve" : "cilium_vxlan";
  const podMtu = tunnel ? plan.mtu - TUNNEL_OVERHEAD : plan.mtu;
  const ids = allocateIds(plan);
  for (const node of plan.nodes) {
    const router = ip(routerOf(node));
    w.comment(
      `cilium-agent on ${node.name}: podCIDR ${formatCidr(node.podCidr)} (cluster-pool), router IP ${router} on cilium_host`,
    );
    w.ip(node.name, cmd`link add cilium_host type veth peer name cilium_net`);
    w.ip(node.name, cmd`link set cilium_host arp off`);
    w.ip(node.name, cmd`link set cilium_net arp off`);
    if (plan.mtu !== 1500) {
      w.ip(node.name, cmd`link set cilium_host mtu ${plan.mtu}`);
      w.ip(node.name, cmd`link set cilium_net mtu ${plan.mtu}`);
    }
    w.ip(node.name, cmd`link set cilium_host up`);
    w.ip(node.name, cmd`link set cilium_net up`);
    w.ip(node.name, cmd`addr add ${router}/32 dev cilium_host`);
    w.ip(node.name, cmd`route add ${router} dev cilium_host proto kernel scope link`);
    w.ip(
      node.name,
      cmd`route add ${formatCidr(node.podCidr)} via ${router} dev cilium_host proto kernel src ${router}`,
    );
    if (tunnel === "vxlan")
      w.ip(
        node.name,
        cmd`link add cilium_vxlan type vxlan external dstport ${VXLAN_PORT} nolearning`,
      );
    if (tunnel === "geneve")
      w.ip(node.name, cmd`link add cilium_geneve type geneve external dstport ${GENEVE_PORT}`);
    if (tunnel) w.ip(node.name, cmd`link set ${tunnelDev} up`);
  }
  const peerTable: PeerTable = {
    name: "cilium",
    // Tunnel routes go via each node's own router IP (a field the shared table rebinds per
    // node); direct routes depend on the node's subnet.
    view: (node) => (tunnel ? "all" : `subnet ${node.subnet}`),
    entries: (node, peer): PeerLine[] => {
      const router = ip(routerOf(node));
      const cidr = formatCidr(peer.podCidr);
      if (tunnel)
        return [
          {
            tool: "ip",
            words: `route add ${cidr} via ${router} dev cilium_host proto kernel src ${router}`,
          },
        ];
      if (peer.subnet === node.subnet)
        return [{ tool: "ip", words: `route add ${cidr} via ${ip(peer.ip)} dev eth0` }];
      return [
        {
          comment: `no direct route to ${peer.name}'s ${cidr}: ${peer.name} is behind the router, not on ${node.name}'s subnet`,
        },
      ];
    },
  };
  for (const node of plan.nodes) {
    if (plan.nodes.length < 2) continue;
    if (tunnel) {
      w.comment(`${node.name}: the other nodes' pod CIDRs via cilium_host (${tunnel} tunnel)`);
      w.peers(plan, node, peerTable);
    } else if (cfg.autoDirectNodeRoutes) {
      w.comment(`${node.name}: autoDirectNodeRoutes, a route to each node on its subnet`);
      w.peers(plan, node, peerTable);
    }
  }
  for (const id of ids) {
    const { pod, lxc } = id;
    const node = nodeOf(plan, pod);
    w.comment(
      `pod ${pod.name} on ${node.name}: ${ip(pod.ip)}/32, ${lxc} on the host, endpoint ${id.endpoint}, identity ${id.identity}`,
    );
    w.netns(pod.name);
    w.ip(node.name, cmd`link add ${lxc} type veth peer name eth0 netns ${w.ns(pod.name)}`);
    w.ip(node.name, cmd`link set ${lxc} address ${id.lxcMac}`);
    w.ip(node.name, cmd`link set ${lxc} mtu ${podMtu}`);
    w.ip(node.name, cmd`link set ${lxc} up`);
    w.ip(pod.name, cmd`link set eth0 address ${id.podMac}`);
    w.ip(pod.name, cmd`link set eth0 mtu ${podMtu}`);
    w.ip(pod.name, cmd`addr add ${ip(pod.ip)}/32 dev eth0`);
    w.ip(pod.name, cmd`link set eth0 up`);
    w.ip(pod.name, cmd`route add ${ip(routerOf(node))} dev eth0 scope link`);
    w.ip(pod.name, cmd`route add default via ${ip(routerOf(node))} dev eth0`);
  }
  const shared = sharedMaps(plan, ids, tunnel !== null);
  const byNode = endpointsByNode(ids);
  return {
    nodes: plan.nodes.map((node) =>
      nodeSetup(shared, node, byNode.get(node.name) ?? [], tunnel ? tunnelDev : null, tunnel),
    ),
  };
}

/** What the agent loads on `node`, whose pods are `local`: its programs, its maps. */
function nodeSetup(
  shared: SharedMaps,
  node: PlannedNode,
  local: readonly PodEndpoint[],
  tunnelDev: string | null,
  tunnel: "vxlan" | "geneve" | null,
): BpfNodeSetup {
  const host = (object: string, hook: TcAttachment["hook"], program: TcAttachment["program"]) => ({
    hook,
    program,
    object,
  });
  const attachments: { dev: string; attach: TcAttachment }[] = [
    // pkg/datapath/loader: bpf_host on the native device (cil_to_netdev only with features that
    // need it), on cilium_host both ways and on cilium_net; bpf_overlay on the tunnel device.
    { dev: "eth0", attach: host("bpf_host.o", "tc-ingress", "cil_from_netdev") },
    { dev: "cilium_host", attach: host("bpf_host.o", "tc-ingress", "cil_to_host") },
    { dev: "cilium_host", attach: host("bpf_host.o", "tc-egress", "cil_from_host") },
    { dev: "cilium_net", attach: host("bpf_host.o", "tc-ingress", "cil_to_host") },
  ];
  if (tunnelDev) {
    attachments.push(
      { dev: tunnelDev, attach: host("bpf_overlay.o", "tc-ingress", "cil_from_overlay") },
      { dev: tunnelDev, attach: host("bpf_overlay.o", "tc-egress", "cil_to_overlay") },
    );
  }
  const endpoints: EndpointEntry[] = [
    hostEndpoint(node.ip),
    hostEndpoint(routerOf(node)),
    ...local.map((id) => ({
      ip: id.pod.ip,
      ifname: id.lxc,
      ifindex: 0,
      lxcMac: id.lxcMac,
      podMac: id.podMac,
      endpointId: id.endpoint,
      identity: id.identity,
      host: false,
    })),
  ];
  for (const id of local) {
    // bpf_lxc at the lxc's TC ingress: what leaves the pod.
    attachments.push({
      dev: id.lxc,
      attach: {
        hook: "tc-ingress",
        program: "cil_from_container",
        object: "bpf_lxc.o",
        endpoint: id.endpoint,
      },
    });
  }
  // The node's own addresses are the host's and its pods are local: not behind a tunnel.
  const own: IpcacheEntry[] = [
    { prefix: node.ip, len: 32, identity: IDENTITY_HOST, tunnelEndpoint: null },
    { prefix: routerOf(node), len: 32, identity: IDENTITY_HOST, tunnelEndpoint: null },
    ...local.map(({ pod }) => ({
      ...(shared.ipcache.exact(pod.ip, 32) as IpcacheEntry),
      tunnelEndpoint: null,
    })),
  ];
  return {
    node: node.name,
    attachments,
    config: {
      nodeIp: node.ip,
      routerIp: routerOf(node),
      podCidr: node.podCidr,
      tunnel: tunnelDev && tunnel ? { device: tunnelDev, protocol: tunnel } : null,
    },
    endpoints,
    ipcache: new PrefixMap(shared.ipcache, own),
    // pkg/datapath/linux/node.go, updateTunnelMapping: tunnel mode only, the other nodes' CIDRs.
    tunnel: new PrefixMap(
      shared.tunnel,
      [],
      tunnel ? [{ prefix: node.podCidr.addr, len: node.podCidr.len }] : [],
    ),
    policy: local.map((id) => ({ endpointId: id.endpoint, entries: ALLOW_ALL })),
  };
}

/**
 * No policy selects these endpoints: the agent installs an allow-all entry each way. Entries are
 * immutable, so every endpoint's map holds these two.
 */
const ALLOW_ALL: readonly PolicyEntry[] = [
  { direction: "ingress", identity: 0, deny: false },
  { direction: "egress", identity: 0, deny: false },
];

interface SharedMaps {
  readonly ipcache: SharedPrefixes<IpcacheEntry>;
  readonly tunnel: SharedPrefixes<TunnelEntry>;
}

/**
 * The ipcache and tunnel map as any node but the one named sees them (the agent learns every
 * node and endpoint from the cluster): made once, each node's maps lay its own entries over them.
 */
function sharedMaps(plan: ClusterPlan, ids: readonly PodEndpoint[], tunnel: boolean): SharedMaps {
  const ipcache: IpcacheEntry[] = [
    { prefix: 0, len: 0, identity: IDENTITY_WORLD, tunnelEndpoint: null },
  ];
  for (const n of plan.nodes) {
    // Node IPs are reached natively; a node's router IP (its CiliumInternalIP) through the tunnel.
    ipcache.push({ prefix: n.ip, len: 32, identity: IDENTITY_REMOTE_NODE, tunnelEndpoint: null });
    ipcache.push({
      prefix: routerOf(n),
      len: 32,
      identity: IDENTITY_REMOTE_NODE,
      tunnelEndpoint: n.ip,
    });
  }
  for (const { pod, identity } of ids)
    ipcache.push({ prefix: pod.ip, len: 32, identity, tunnelEndpoint: nodeOf(plan, pod).ip });
  const tunnelMap: TunnelEntry[] = tunnel
    ? plan.nodes.map((n) => ({ prefix: n.podCidr.addr, len: n.podCidr.len, endpoint: n.ip }))
    : [];
  return { ipcache: new SharedPrefixes(ipcache), tunnel: new SharedPrefixes(tunnelMap) };
}

function hostEndpoint(address: number): EndpointEntry {
  const none: Mac = "00:00:00:00:00:00";
  return {
    ip: address,
    ifname: "",
    ifindex: 0,
    lxcMac: none,
    podMac: none,
    endpointId: 0,
    identity: IDENTITY_HOST,
    host: true,
  };
}

/**
 * What the agent and the CNI plugin give a pod, worked out once: the install and the eBPF state
 * both use it.
 */
interface PodEndpoint {
  readonly pod: PlannedPod;
  readonly endpoint: number;
  readonly identity: number;
  /** The host-side device and the MACs of both ends (`lxcName`, `lxcMac`, `podMac`). */
  readonly lxc: string;
  readonly lxcMac: Mac;
  readonly podMac: Mac;
}

/** Each node's pods' endpoints, in plan order. */
function endpointsByNode(ids: readonly PodEndpoint[]): Map<string, PodEndpoint[]> {
  const out = new Map<string, PodEndpoint[]>();
  for (const id of ids) {
    const list = out.get(id.pod.node);
    if (list) list.push(id);
    else out.set(id.pod.node, [id]);
  }
  return out;
}

/** Cluster-local security identities (pkg/identity: 256 to 65,535). */
const FIRST_IDENTITY = 256;
const LAST_IDENTITY = 65535;

/**
 * Endpoint IDs (1-4095, unique per node, pkg/endpointmanager idallocator) and security
 * identities (from 256, cluster-wide, one per distinct label set: one per pod here) look random on
 * a real cluster; here they are stable hashes of the pod's name.
 */
function allocateIds(plan: ClusterPlan): PodEndpoint[] {
  // In plan order, not by name: 150,000 lookups in a map of 150,000 names cost more than the rest.
  const out: PodEndpoint[] = [];
  const usedEndpoints = new Map<string, Set<number>>();
  const identities = new FreeSlots(FIRST_IDENTITY, LAST_IDENTITY);
  for (const pod of plan.pods) {
    const used = usedEndpoints.get(pod.node) ?? new Set<number>();
    usedEndpoints.set(pod.node, used);
    // `| 0`: integers, not the doubles a hash's remainder is computed as, so the endpoint and
    // ipcache entries of 150,000 pods hold them inline rather than each in a heap number.
    let endpoint = (1 + (stableHash("endpoint/", pod.name) % 4095)) | 0;
    while (used.has(endpoint)) endpoint = (endpoint % 4095) + 1;
    used.add(endpoint);
    let identity =
      (FIRST_IDENTITY + (stableHash("identity/", pod.name) % (LAST_IDENTITY - FIRST_IDENTITY))) | 0;
    // Past 65,279 pods the cluster-local identities are all taken: pods then share one, as pods
    // with the same labels do on a real cluster (no policy here tells them apart).
    if (!identities.full) identity = identities.take(identity);
    out.push({
      pod,
      endpoint,
      identity,
      lxc: lxcName(pod.name),
      lxcMac: lxcMac(pod.name),
      podMac: podMac(pod.name),
    });
  }
  return out;
}

/**
 * Numbers `first`..`last` handed out by linear probing: `take(n)` gives the first free number at
 * or after n, wrapping from `last` to `first`. Each taken number points past itself (a union-find
 * over the free ones), so a nearly full range costs no more than an empty one: 150,000 pods would
 * otherwise probe past tens of thousands of taken identities each.
 */
class FreeSlots {
  /** For each number, one not below it (cyclically) that may be free; itself when it is free. */
  private readonly next: Int32Array;
  private taken = 0;

  constructor(
    private readonly first: number,
    private readonly last: number,
  ) {
    this.next = new Int32Array(last + 1);
    for (let n = first; n <= last; n++) this.next[n] = n;
  }

  get full(): boolean {
    return this.taken === this.last - this.first + 1;
  }

  /** Only while not `full`: with every number taken there is no free one to find. */
  take(from: number): number {
    let n = from;
    while (this.next[n] !== n) {
      // Path halving: each step also shortens the chain for the next search.
      const skip = this.next[this.next[n] as number] as number;
      this.next[n] = skip;
      n = skip;
    }
    this.next[n] = n === this.last ? this.first : n + 1;
    this.taken++;
    return n;
  }
}

function nodeOf(plan: ClusterPlan, pod: PlannedPod): PlannedNode {
  return nodeOfPod(plan, pod);
}

function routerOf(node: PlannedNode): number {
  return node.routerIp as number;
}

/**
 * FNV-1a of names that differ only at the end differs only in its low bits; murmur3's finalizer
 * spreads them, so IDs, names and MACs look as unrelated as the real, random ones.
 */
function stableHash(...parts: string[]): number {
  // The parts one after the other, as the hash of their concatenation (150,000 pods hash 8 each).
  let h = fnv(parts[0] ?? "");
  for (let i = 1; i < parts.length; i++) h = fnv(parts[i] as string, h);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The CNI plugin's host-side name: `lxc` and 12 hex digits of a hash of the endpoint. */
export function lxcName(pod: string): string {
  return `lxc${hex(stableHash(pod), 8)}${hex(stableHash(pod, "/lxc"), 4)}`;
}

/** Random MACs on a real node (locally administered, unicast); stable hashes here. */
function randomMac(kind: string, pod: string): Mac {
  // Hashes of `<kind>/<pod>` and `<kind>/<pod>/2`.
  const a = stableHash(kind, "/", pod);
  const b = stableHash(kind, "/", pod, "/2");
  // Locally administered (0x02), unicast (0x01 clear).
  return formatMac(((a >>> 24) & 0xfc) | 0x02, a >>> 16, a >>> 8, a, b >>> 8, b);
}

function lxcMac(pod: string): Mac {
  return randomMac("lxc", pod);
}

function podMac(pod: string): Mac {
  return randomMac("eth0", pod);
}
