/**
 * The Linux network state the simulator models, per network namespace. Everything here is data;
 * the operations that change it (with the kernel's refusals) are in `state/`, the packet walk is
 * in `walk/`, and the renderers that print it as iproute2 and iptables do are in `render/`.
 */
import type { CiliumMaps, TcAttachment } from "./bpf/maps";
import type { Ipv4 } from "./ipv4";
import type { IpvsState } from "./ipvs/state";
import type { Mac } from "./mac";
import type { IpSet } from "./netfilter/ipset";
import type { Netfilter } from "./netfilter/model";
import type { NftState } from "./netfilter/nft-model";
import type { RouteTable } from "./route-table";

/** Every namespace of one scenario, by name. */
export interface World {
  readonly netns: Map<string, Netns>;
  /** Source of deterministic MAC addresses for devices created without one. */
  macCounter: number;
  /** Shared with every namespace: counts changes, so derived indexes know when to rebuild. */
  readonly changes: ChangeCounter;
}

export interface ChangeCounter {
  count: number;
}

export interface Netns {
  readonly name: string;
  /** The world's change counter (the same object for every namespace of a world). */
  readonly changes: ChangeCounter;
  /** Devices by name. */
  readonly links: Map<string, Link>;
  /** Next interface index the kernel would hand out in this namespace (lo is 1). */
  nextIfindex: number;
  /** IPv4 addresses in the order they were added (the order `ip addr` prints them in). */
  readonly addresses: Address[];
  /** The main routing table (the local table is derived from `addresses`). */
  readonly routes: RouteTable;
  /** Neighbour (ARP) entries by device name, then by IP. */
  readonly neighbours: Map<string, Map<Ipv4, Neighbour>>;
  readonly sysctl: Sysctls;
  readonly netfilter: Netfilter;
  /** nftables tables (`nft add table …`), created by the first nft command that needs them. */
  nft?: NftState;
  /**
   * Cilium's pinned eBPF maps on this node (cilium_lxc, cilium_ipcache, …). Simulator-only state:
   * no script command creates it; the Cilium installer loads it after the script (see bpf/).
   */
  bpf?: CiliumMaps;
  /**
   * User-space programs that move packets in this namespace (Weave's router in sleeve mode).
   * Simulator-only state, like `bpf`: no script command starts a process; the installer returns
   * them and they are loaded after the script (see userspace/).
   */
  programs?: readonly UserProgram[];
  /**
   * The node whose cgroup-attached eBPF programs (Cilium's socket LB, bpf_sock.c) run for this
   * namespace's sockets: cilium-agent attaches them to the node's root cgroup v2, which holds the
   * node's processes and its pods' alike. Simulator-only, loaded with `bpf`.
   */
  cgroupBpf?: string;
  /** IPVS virtual services (`ipvsadm`), made when first written; see ipvs/state.ts. */
  ipvs?: IpvsState;
  /** IP sets (`ipset`), made when first written; see netfilter/ipset.ts. */
  ipsets?: Map<string, IpSet>;
}

/**
 * A user-space program the walk runs where it takes packets from the kernel: at the device it
 * captures on and at the socket it listens on.
 */
export type UserProgram = SleeveRouter;

/**
 * Weave Net's router (`weaver`) forwarding with sleeve, its user-space overlay
 * (weaveworks/weave router/sleeve.go, router/pcap.go, prog/weaver/main.go): it captures the frames
 * the `weave` bridge sends to the `vethwe-pcap` end of a veth pair, and carries each to the peer
 * whose MAC cache holds the destination (every peer when none does) in a UDP datagram from its
 * own port to the peer's; a peer's router injects what it receives through its own `vethwe-pcap`.
 */
export interface SleeveRouter {
  readonly kind: "weave-sleeve";
  /** The device it captures and injects frames on (pcap, promiscuous, inbound only). */
  readonly capture: string;
  /** The UDP port its socket is bound to (`--port`, 6783): both ports of what it sends. */
  readonly port: number;
  /** Its peer name. Weave names a peer by a MAC; the model uses its node's address instead. */
  readonly name: Ipv4;
  /**
   * The peers it is started with (weave-kube passes KUBE_PEERS, every node's address, its own
   * included: it does not connect to itself). Shared between the nodes of a cluster.
   */
  readonly peers: readonly Ipv4[];
}

export type LinkKind = Link["kind"];

interface LinkBase {
  name: string;
  ifindex: number;
  /** Name of the namespace that holds the device. */
  netns: string;
  mtu: number;
  mac: Mac;
  /** `ip link set DEV up` (IFF_UP). Carrier is derived: see `state/carrier.ts`. */
  adminUp: boolean;
  /** Name of the bridge this device is a port of (same namespace), or null. */
  master: string | null;
  /** Has been up at least once: the kernel attaches its qdisc (`noqueue`) on the first `up`. */
  everUp: boolean;
  /**
   * IFF_NOARP (`ip link set DEV arp off`): the device neither sends nor answers ARP; a neighbour
   * on it takes the device's own address (net/ipv4/arp.c, arp_constructor). Absent means off.
   */
  noarp?: boolean;
  /**
   * eBPF programs attached at the device's TC hooks (clsact ingress/egress), run before the
   * kernel's own path (see bpf/ and the walker's tcHook). Simulator-only, like `Netns.bpf`.
   */
  tc?: readonly TcAttachment[];
}

export interface LoopbackLink extends LinkBase {
  readonly kind: "loopback";
}

export interface VethLink extends LinkBase {
  readonly kind: "veth";
  /** The other end; it may live in another namespace. */
  peer: VethLink;
}

export interface BridgeLink extends LinkBase {
  readonly kind: "bridge";
  /** The MAC was set by hand; otherwise the bridge takes its lowest port's MAC. */
  macSet: boolean;
  /** A port has joined at least once: from then on the bridge's carrier follows its ports. */
  hadPort: boolean;
  /** Static and learned forwarding entries: MAC → port name (the bridge's own name for local). */
  readonly fdb: Map<Mac, BridgeFdbEntry>;
}

export interface VxlanLink extends LinkBase {
  readonly kind: "vxlan";
  vni: number;
  /** UDP destination port; Linux's historical default 8472 when none is given. */
  dstport: number;
  local: Ipv4 | null;
  /** A default remote (`remote IP`), as an all-zeros FDB entry would be. */
  remote: Ipv4 | null;
  /** Underlay device name given with `dev`. */
  dev: string | null;
  learning: boolean;
  /**
   * Collect-metadata mode (`external`, IFLA_VXLAN_COLLECT_METADATA): the FDB and VNI are not
   * used; each packet's destination and VNI come from its tunnel key, set by an eBPF program.
   * Absent means off.
   */
  external?: boolean;
  /** FDB: inner MAC → outer destinations (`bridge fdb append` adds another for the same MAC). */
  readonly fdb: Map<Mac, readonly VxlanFdbEntry[]>;
}

export interface DummyLink extends LinkBase {
  readonly kind: "dummy";
}

/**
 * An IP-in-IP tunnel (IP protocol 4, 20 bytes of overhead). Without a remote it is the NBMA kind,
 * like the ipip module's `tunl0` that Calico uses: each packet goes to its route's gateway.
 */
export interface IpipLink extends LinkBase {
  readonly kind: "ipip";
  local: Ipv4 | null;
  remote: Ipv4 | null;
}

/**
 * A Geneve device (UDP 6081, drivers/net/geneve.c). Cilium creates `cilium_geneve` in external
 * (collect-metadata) mode: the destination and VNI of each packet come from the tunnel key an
 * eBPF program set, not from the device.
 */
export interface GeneveLink extends LinkBase {
  readonly kind: "geneve";
  vni: number;
  dstport: number;
  remote: Ipv4 | null;
  /** Collect-metadata mode (`external`): no VNI or remote of its own. */
  external: boolean;
}

export type Link =
  | LoopbackLink
  | VethLink
  | BridgeLink
  | VxlanLink
  | DummyLink
  | IpipLink
  | GeneveLink;

export interface BridgeFdbEntry {
  mac: Mac;
  /** Port the MAC is behind; the bridge's own name means "deliver to the bridge device". */
  port: string;
  /** `permanent` for the bridge's own addresses and `bridge fdb add … master static|permanent`. */
  state: "permanent" | "static" | "learned";
}

/** A VXLAN FDB entry; immutable and shareable like a route. */
export interface VxlanFdbEntry {
  readonly mac: Mac;
  readonly dst: Ipv4;
  /** flanneld and the harness add these as `self permanent`. */
  readonly state: "permanent" | "learned";
}

export interface Address {
  ip: Ipv4;
  len: number;
  dev: string;
  /** `host` for 127.0.0.1/8 on lo, `link` for 169.254/16 when asked, `global` otherwise. */
  scope: "global" | "link" | "host";
  /** Broadcast address when given with `brd` (or `brd +`). */
  broadcast: Ipv4 | null;
}

export type RouteType = "unicast" | "blackhole" | "unreachable" | "prohibit";

/**
 * A route. Immutable, so that an installer may put one object in many namespaces' tables (a
 * 1,000-node cluster holds a million routes, most of them the same few thousand).
 */
export interface Route {
  readonly type: RouteType;
  readonly dst: Ipv4;
  readonly len: number;
  readonly gateway: Ipv4 | null;
  readonly dev: string | null;
  readonly onlink: boolean;
  /** `kernel` for connected routes, `boot` (not printed) for `ip route add`, or what `proto` said. */
  readonly proto: string;
  readonly scope: "global" | "link" | "host";
  readonly src: Ipv4 | null;
  readonly metric: number;
}

export type NeighbourState =
  | "PERMANENT"
  | "NOARP"
  | "REACHABLE"
  | "STALE"
  | "FAILED"
  | "INCOMPLETE";

/** A neighbour entry; immutable and shareable like a route. */
export interface Neighbour {
  readonly ip: Ipv4;
  readonly dev: string;
  /** null for a FAILED/INCOMPLETE entry. */
  readonly mac: Mac | null;
  readonly state: NeighbourState;
}

/**
 * Per-interface IPv4 settings (`net.ipv4.conf.IF.*`), plus the `all` and `default` rows. Immutable
 * and shareable like a route: a new device starts as a copy of `default`, so it holds the
 * `default` row itself until one of its settings is written (a 150,000-pod cluster would
 * otherwise hold hundreds of thousands of identical rows).
 */
export interface InterfaceConf {
  readonly forwarding: boolean;
  readonly proxyArp: boolean;
  /** 0 off, 1 strict, 2 loose (RFC 3704). */
  readonly rpFilter: 0 | 1 | 2;
  /** `net.ipv4.neigh.IF.proxy_delay` in jiffies; only its effect on the first ping's timing differs. */
  readonly proxyDelay: number;
  /** `send_redirects`: a router may tell a sender about a better next hop (on when `all` or IF is). */
  readonly sendRedirects: boolean;
  /** `route_localnet`: 127/8 may be routed to and from this interface (off: a martian). */
  readonly routeLocalnet: boolean;
}

export interface Sysctls {
  /** `net.ipv4.ip_forward` (writing it rewrites every interface's `forwarding`). */
  ipForward: boolean;
  /** Rows are replaced, never changed in place: several devices may hold the same row. */
  readonly conf: Map<string, InterfaceConf>;
  /** `net.bridge.bridge-nf-call-iptables`: bridged IPv4 frames traverse iptables (br_netfilter). */
  bridgeNfCallIptables: boolean;
}
