/**
 * Cilium's eBPF state as data: the programs attached at devices' TC hooks and the pinned maps they
 * read (cilium/cilium bpf/lib/maps.h, pkg/maps/*). The names and value fields are Cilium 1.17's:
 * 1.18 removed the tunnel map and keeps pod CIDRs in the ipcache instead (cilium/cilium#38839).
 *
 * No script command creates any of this: cilium-agent compiles the programs per endpoint, attaches
 * them with netlink and fills the maps through the bpf() syscall. The Cilium installer therefore
 * returns this state next to its script (`BpfDatapath`), `loadDatapath` puts it into a world the
 * script built, and `datapathComments` prints it as comment lines in `export`, which says so.
 */
import { formatIpv4, type Ipv4 } from "../ipv4";
import type { Mac } from "../mac";
import type { World } from "../model";
import type { Tuple } from "../walk/packet";
import { backendText, type LbDatapath, LbMaps, LbTable, lbFlagsText, lbKeyText } from "./lb";
import type { PrefixMap } from "./prefix-map";

export type TcHook = "tc-ingress" | "tc-egress";

/** The programs the model runs (their ELF section names, as `tc filter show` prints them). */
export type CiliumProgram =
  | "cil_from_container"
  | "cil_from_overlay"
  | "cil_to_overlay"
  | "cil_from_netdev"
  | "cil_from_host"
  | "cil_to_host";

/** One program attached at a device's clsact hook. */
export interface TcAttachment {
  readonly hook: TcHook;
  readonly program: CiliumProgram;
  /** The object it was loaded from: bpf_lxc.o, bpf_host.o or bpf_overlay.o. */
  readonly object: string;
  /** bpf_lxc.o only: the endpoint it was compiled for (LXC_ID in its ep_config.h). */
  readonly endpoint?: number;
}

/** Reserved security identities (pkg/identity/numericidentity.go). */
export const IDENTITY_HOST = 1;
export const IDENTITY_WORLD = 2;
export const IDENTITY_REMOTE_NODE = 6;

export function identityName(id: number): string {
  if (id === IDENTITY_HOST) return "1 (host)";
  if (id === IDENTITY_WORLD) return "2 (world)";
  if (id === IDENTITY_REMOTE_NODE) return "6 (remote-node)";
  return String(id);
}

/** A `cilium_lxc` value (struct endpoint_info): a local endpoint, or one of the host's addresses. */
export interface EndpointEntry {
  readonly ip: Ipv4;
  /** The endpoint's host-side device (lxc…); "" for the host's own addresses. */
  readonly ifname: string;
  /** ifindex of `ifname` in the node, filled in when the state is loaded. */
  readonly ifindex: number;
  /** node_mac: the lxc device's MAC, the source of frames delivered to the endpoint. */
  readonly lxcMac: Mac;
  /** mac: the endpoint's own (eth0) MAC. */
  readonly podMac: Mac;
  /** lxc_id: the endpoint ID (1-4095), also the key of its policy program and map. */
  readonly endpointId: number;
  /** sec_id: the endpoint's security identity. */
  readonly identity: number;
  /** ENDPOINT_F_HOST: an address of the node itself, delivered by the host stack. */
  readonly host: boolean;
}

/** A `cilium_ipcache` entry (LPM trie: prefix → struct remote_endpoint_info). */
export interface IpcacheEntry {
  readonly prefix: Ipv4;
  readonly len: number;
  readonly identity: number;
  /** The node to tunnel to; null (0.0.0.0) for the local node and for addresses reached natively. */
  readonly tunnelEndpoint: Ipv4 | null;
}

/** A `cilium_tunnel_map` entry: a node's pod CIDR → its IP (tunnel mode only). */
export interface TunnelEntry {
  readonly prefix: Ipv4;
  readonly len: number;
  readonly endpoint: Ipv4;
}

/**
 * A `cilium_policy_v2_<endpoint>` entry. Identity 0 is the wildcard the agent installs when no
 * policy selects the endpoint (`Allow Ingress reserved:unknown ANY`); `deny` entries come from
 * deny rules (ingressDeny/egressDeny) and win over allows. Ports are not modelled.
 */
export interface PolicyEntry {
  readonly direction: "ingress" | "egress";
  readonly identity: number;
  readonly deny: boolean;
}

/** What the programs are compiled with (node_config.h): the node's addresses and mode. */
export interface NodeConfig {
  readonly nodeIp: Ipv4;
  /** The cilium_host address (IPV4_GATEWAY, the pods' gateway). */
  readonly routerIp: Ipv4;
  /** The node's pod CIDR; IPV4_MASK is its mask, the tunnel map's key width. */
  readonly podCidr: { readonly addr: Ipv4; readonly len: number };
  /** TUNNEL_MODE: the encapsulation device (ENCAP_IFINDEX); null in native routing. */
  readonly tunnel: { readonly device: string; readonly protocol: "vxlan" | "geneve" } | null;
}

/** A node's Cilium maps. */
export interface CiliumMaps {
  readonly config: NodeConfig;
  /** cilium_lxc: local endpoints and host addresses by IP. */
  readonly endpoints: Map<Ipv4, EndpointEntry>;
  /** cilium_ipcache: every known address or prefix → identity and tunnel endpoint. */
  readonly ipcache: PrefixMap<IpcacheEntry>;
  /** cilium_tunnel_map: other nodes' pod CIDRs → node IP. */
  readonly tunnel: PrefixMap<TunnelEntry>;
  /** cilium_policy_v2_<id>: each endpoint's policy, by endpoint ID. */
  readonly policy: Map<number, PolicyEntry[]>;
  /** The kube-proxy replacement's load-balancing maps (bpf/lb.ts); absent without it. */
  readonly lb?: LbMaps;
}

export function policyMapName(endpointId: number): string {
  return `cilium_policy_v2_${String(endpointId).padStart(5, "0")}`;
}

/** TCP has its own table; UDP, ICMP and the rest share the "any" one (bpf/lib/conntrack_map.h). */
export function ctMapName(proto: number): string {
  return proto === 6 ? "cilium_ct4_global" : "cilium_ct_any4_global";
}

export type CtStatus = "new" | "established" | "reply";

/**
 * CT_EGRESS (created leaving an endpoint), CT_INGRESS (created entering one) or CT_SERVICE (the
 * per-packet load balancer's entry for the tuple still addressed to the frontend, lb4_local).
 */
export type CtDir = "egress" | "ingress" | "service";

/** A conntrack entry (struct ct_entry): what the model keeps of it. */
export interface CtEntry {
  readonly tuple: Tuple;
  readonly dir: CtDir;
  readonly srcIdentity: number;
  /** rev_nat_index: the Service whose reverse NAT a reply gets (0: none). */
  readonly revNat: number;
  /** CT_SERVICE entries: the backend the load balancer picked. */
  readonly backendId: number;
  txPackets: number;
  txBytes: number;
  txFlags: number;
  rxPackets: number;
  rxBytes: number;
  rxFlags: number;
}

/** What a lookup or creation saw of the packet, for the entry's counters. */
export interface CtPacket {
  readonly bytes: number;
  /** TCP flags (SYN 0x02, SYN-ACK 0x12); 0 for other protocols. */
  readonly tcpFlags: number;
}

/**
 * An entry's lifetime in seconds on a clock that starts at 0 (bpf/lib/conntrack.h: CT_SYN_TIMEOUT
 * until a TCP connection has seen an ACK, then CT_CONNECTION_LIFETIME_TCP;
 * CT_CONNECTION_LIFETIME_NONTCP for the rest).
 */
export function ctLifetime(e: CtEntry): number {
  if (e.tuple.proto !== 6) return 60;
  return ((e.txFlags | e.rxFlags) & 0x10) !== 0 ? 21600 : 60;
}

/**
 * The LRU state Cilium's programs write while packets pass: the conntrack maps
 * (cilium_ct4_global / cilium_ct_any4_global), the socket LB's reverse-translation map
 * (cilium_lb4_reverse_sk) and the session-affinity map (cilium_lb4_affinity). Walks never change
 * the world, so a node's entries live here, like the walker's netfilter conntrack.
 */
export class BpfConntrack {
  private readonly nodes = new Map<string, Map<string, CtEntry>>();
  /** cilium_lb4_reverse_sk: `node|cookie|backend:port` → the frontend and its rev-NAT index. */
  private readonly sockRevNat = new Map<string, { address: Ipv4; port: number; revNat: number }>();
  /** cilium_lb4_affinity: `node|revNat|client` → backend ID. */
  private readonly affinity = new Map<string, number>();
  /** Socket cookies, one per socket (netns, protocol, local port), handed out from 4097. */
  private readonly cookies = new Map<string, number>();

  /**
   * ct_lookup4: the packet's own tuple in the direction it travels is an established connection;
   * its reverse, created in the other direction, is the reply of one (an entry made leaving an
   * endpoint matches replies coming in, and the other way round); otherwise it is new.
   */
  lookup(node: string, t: Tuple, dir: CtDir): CtStatus {
    return this.find(node, t, dir).status;
  }

  /** ct_lookup4 with the entry it matched; a match counts the packet in the entry. */
  find(
    node: string,
    t: Tuple,
    dir: CtDir,
    packet?: CtPacket,
  ): { status: CtStatus; entry: CtEntry | null } {
    const table = this.nodes.get(node);
    if (!table) return { status: "new", entry: null };
    const own = table.get(key(t, dir));
    if (own) {
      if (packet) count(own, "tx", packet);
      return { status: "established", entry: own };
    }
    if (dir === "service") return { status: "new", entry: null };
    const back = table.get(key(reverse(t), dir === "egress" ? "ingress" : "egress"));
    if (back) {
      if (packet) count(back, "rx", packet);
      return { status: "reply", entry: back };
    }
    return { status: "new", entry: null };
  }

  create(
    node: string,
    t: Tuple,
    dir: CtDir,
    srcIdentity: number,
    extra: { revNat?: number; backendId?: number; packet?: CtPacket } = {},
  ): CtEntry {
    let table = this.nodes.get(node);
    if (!table) {
      table = new Map();
      this.nodes.set(node, table);
    }
    const entry: CtEntry = {
      tuple: t,
      dir,
      srcIdentity,
      revNat: extra.revNat ?? 0,
      backendId: extra.backendId ?? 0,
      txPackets: 0,
      txBytes: 0,
      txFlags: 0,
      rxPackets: 0,
      rxBytes: 0,
      rxFlags: 0,
    };
    if (extra.packet) count(entry, "tx", extra.packet);
    table.set(key(t, dir), entry);
    return entry;
  }

  /** A node's entries, in the order they were created. */
  entries(node: string): readonly CtEntry[] {
    return [...(this.nodes.get(node)?.values() ?? [])];
  }

  /** get_socket_cookie: the same socket always has the same cookie. */
  cookie(netns: string, proto: number, port: number): number {
    const id = `${netns}|${proto}|${port}`;
    let cookie = this.cookies.get(id);
    if (cookie === undefined) {
      cookie = 4097 + this.cookies.size;
      this.cookies.set(id, cookie);
    }
    return cookie;
  }

  sockRevNatLookup(
    node: string,
    cookie: number,
    backend: Ipv4,
    port: number,
  ): { address: Ipv4; port: number; revNat: number } | undefined {
    return this.sockRevNat.get(`${node}|${cookie}|${backend}:${port}`);
  }

  sockRevNatUpdate(
    node: string,
    cookie: number,
    backend: Ipv4,
    port: number,
    value: { address: Ipv4; port: number; revNat: number },
  ): void {
    this.sockRevNat.set(`${node}|${cookie}|${backend}:${port}`, value);
  }

  affinityLookup(node: string, revNat: number, client: string): number | undefined {
    return this.affinity.get(`${node}|${revNat}|${client}`);
  }

  affinityUpdate(node: string, revNat: number, client: string, backendId: number): void {
    this.affinity.set(`${node}|${revNat}|${client}`, backendId);
  }
}

function count(entry: CtEntry, way: "tx" | "rx", packet: CtPacket): void {
  if (way === "tx") {
    entry.txPackets++;
    entry.txBytes += packet.bytes;
    entry.txFlags |= packet.tcpFlags;
  } else {
    entry.rxPackets++;
    entry.rxBytes += packet.bytes;
    entry.rxFlags |= packet.tcpFlags;
  }
}

function key(t: Tuple, dir: string): string {
  return `${dir}|${t.proto}|${t.src}:${t.sport}|${t.dst}:${t.dport}`;
}

function reverse(t: Tuple): Tuple {
  return { src: t.dst, dst: t.src, proto: t.proto, sport: t.dport, dport: t.sport };
}

/** What cilium-agent loads on one node: programs to attach (by device name) and map contents. */
export interface BpfNodeSetup {
  readonly node: string;
  readonly attachments: readonly { readonly dev: string; readonly attach: TcAttachment }[];
  readonly config: NodeConfig;
  /** ifindex 0: resolved from the device when loaded. */
  readonly endpoints: readonly EndpointEntry[];
  /** Shared with the other nodes but for this node's own entries (see PrefixMap). */
  readonly ipcache: PrefixMap<IpcacheEntry>;
  readonly tunnel: PrefixMap<TunnelEntry>;
  readonly policy: readonly {
    readonly endpointId: number;
    readonly entries: readonly PolicyEntry[];
  }[];
}

/** An installer's eBPF state for the whole cluster. */
export interface BpfDatapath {
  readonly nodes: readonly BpfNodeSetup[];
  /**
   * The kube-proxy replacement (proxy/ebpf.ts): Services in the LB maps, socket LB at the nodes'
   * cgroups (bpf_sock.o), per-packet LB in bpf_lxc.
   */
  readonly lb?: LbDatapath;
}

/**
 * Loads the eBPF state into a world the installer's script built (namespaces named
 * `<prefix><node>`): maps onto each node, programs onto their devices. Returns what could not be
 * loaded (a device or namespace the script failed to create).
 */
export function loadDatapath(world: World, datapath: BpfDatapath, prefix = ""): string[] {
  const problems: string[] = [];
  for (const setup of datapath.nodes) {
    const ns = world.netns.get(`${prefix}${setup.node}`);
    if (!ns) {
      problems.push(`no namespace ${prefix}${setup.node} to load ${setup.node}'s eBPF state into`);
      continue;
    }
    const endpoints = new Map<Ipv4, EndpointEntry>();
    for (const e of setup.endpoints) {
      const ifindex = e.host ? 0 : (ns.links.get(e.ifname)?.ifindex ?? 0);
      if (!e.host && ifindex === 0)
        problems.push(`${ns.name}: no device ${e.ifname} for the endpoint ${formatIpv4(e.ip)}`);
      endpoints.set(e.ip, { ...e, ifindex });
    }
    const lb = datapath.lb;
    ns.bpf = {
      config: setup.config,
      endpoints,
      // Never changed once loaded, so shared with the setup (and, mostly, with the other nodes).
      ipcache: setup.ipcache,
      tunnel: setup.tunnel,
      policy: new Map(setup.policy.map((p) => [p.endpointId, [...p.entries]])),
      ...(lb
        ? { lb: new LbMaps(lb.shared, lb.own.get(setup.node) ?? new LbTable(), lb.socketLb) }
        : {}),
    };
    if (lb) {
      // bpf_sock.o at the node's root cgroup: the node's own sockets and its pods' (each pod's
      // namespace is the peer side of an endpoint's lxc device).
      ns.cgroupBpf = ns.name;
      for (const e of endpoints.values()) {
        const lxc = e.host ? undefined : ns.links.get(e.ifname);
        if (lxc?.kind === "veth") {
          const podNs = world.netns.get(lxc.peer.netns);
          if (podNs) podNs.cgroupBpf = ns.name;
        }
      }
    }
    for (const { dev, attach } of setup.attachments) {
      const link = ns.links.get(dev);
      if (!link) {
        problems.push(`${ns.name}: no device ${dev} to attach ${attach.program} to`);
        continue;
      }
      link.tc = [...(link.tc ?? []).filter((a) => a.hook !== attach.hook), attach];
    }
  }
  world.changes.count++;
  return problems;
}

/**
 * The eBPF state as `#` lines for `export`: a reader sees what the simulator loads, and a shell
 * replaying the script skips it, as it must (no command can load it).
 */
export function datapathComments(datapath: BpfDatapath, prefix = ""): string[] {
  const lines = [
    "eBPF state (simulator-only). cilium-agent compiles these programs, attaches them at the",
    "devices' TC hooks and fills these maps through the bpf() syscall; no ip, tc or bridge line",
    "recreates them. A kernel replaying this script gets the devices and routes above but no",
    "Cilium datapath: pod traffic will not flow there. The simulator loads this state itself.",
  ];
  for (const n of datapath.nodes) {
    const at = `${prefix}${n.node}`;
    for (const { dev, attach } of n.attachments)
      lines.push(
        `${at}: ${attach.hook} ${dev}: ${attach.program} (${attach.object}${attach.endpoint === undefined ? "" : `, endpoint ${attach.endpoint}`})`,
      );
    for (const e of n.endpoints)
      lines.push(
        e.host
          ? `${at}: cilium_lxc ${formatIpv4(e.ip)} → host address`
          : `${at}: cilium_lxc ${formatIpv4(e.ip)} → dev ${e.ifname}, lxc mac ${e.lxcMac}, endpoint mac ${e.podMac}, endpoint ${e.endpointId}, identity ${e.identity}`,
      );
    for (const e of n.ipcache) lines.push(`${at}: cilium_ipcache ${describeIpcache(e)}`);
    for (const t of n.tunnel)
      lines.push(
        `${at}: cilium_tunnel_map ${formatIpv4(t.prefix)}/${t.len} → ${formatIpv4(t.endpoint)}`,
      );
    for (const p of n.policy)
      lines.push(
        `${at}: ${policyMapName(p.endpointId)} ${p.entries.map(describePolicy).join("; ")}`,
      );
    if (datapath.lb) lines.push(...lbComments(at, datapath.lb, n.node));
  }
  return lines;
}

/** One node's load-balancing maps, as `#` lines (bpf_sock.o at the cgroup, then the entries). */
function lbComments(at: string, lb: LbDatapath, node: string): string[] {
  const maps = new LbMaps(lb.shared, lb.own.get(node) ?? new LbTable(), lb.socketLb);
  const lines = [
    `${at}: cgroup /run/cilium/cgroupv2: cil_sock4_connect (connect4), cil_sock4_sendmsg (sendmsg4), cil_sock4_recvmsg (recvmsg4), cil_sock4_getpeername (getpeername4) (bpf_sock.o${lb.socketLb.hostNamespaceOnly ? ", host namespace only" : ""})`,
  ];
  for (const { key, value } of maps.services())
    lines.push(
      `${at}: cilium_lb4_services_v2 ${lbKeyText(key)} → ${
        key.slot === 0
          ? `${value.count} backend${value.count === 1 ? "" : "s"}, rev-NAT ${value.revNat} [${lbFlagsText(value.flags)}]`
          : `backend ${value.backendId}`
      }`,
    );
  for (const b of maps.backendEntries())
    lines.push(`${at}: cilium_lb4_backends_v3 ${b.id} → ${backendText(b)}`);
  for (const r of maps.revNatEntries())
    lines.push(`${at}: cilium_lb4_reverse_nat ${r.id} → ${formatIpv4(r.address)}:${r.port}`);
  return lines;
}

export function describeIpcache(e: IpcacheEntry): string {
  const tunnel = e.tunnelEndpoint === null ? "0.0.0.0" : formatIpv4(e.tunnelEndpoint);
  return `${formatIpv4(e.prefix)}/${e.len} → identity ${identityName(e.identity)}, tunnel endpoint ${tunnel}`;
}

export function describePolicy(p: PolicyEntry): string {
  const who = p.identity === 0 ? "any identity" : `identity ${identityName(p.identity)}`;
  return `${p.deny ? "deny" : "allow"} ${p.direction} ${p.direction === "ingress" ? "from" : "to"} ${who}`;
}
