import { runTcHook, type TunnelKey } from "../bpf/cilium";
import { BpfConntrack, type TcHook } from "../bpf/maps";
import { sockReceive, sockSend } from "../bpf/sock";
import { formatIpv4, type Ipv4, networkOf } from "../ipv4";
import type { IpvsState } from "../ipvs/state";
import { BROADCAST_MAC, type Mac } from "../mac";
import type {
  BridgeLink,
  GeneveLink,
  IpipLink,
  Link,
  Netns,
  SleeveRouter,
  UserProgram,
  VxlanLink,
  World,
} from "../model";
import {
  type ConntrackEntry,
  ConntrackTable,
  type Direction,
  invert,
} from "../netfilter/conntrack";
import { type RecentLists, runChain } from "../netfilter/eval";
import type { CtState, Hook, TableName } from "../netfilter/model";
import { type IpvsConn, IpvsWalk } from "../proxy/ipvs-datapath";
import { renderRule } from "../render/iptables-save";
import type { Rng } from "../rng";
import { isBroadcastAddress, isLocalAddress } from "../state/addresses";
import { hasCarrier } from "../state/carrier";
import { describeRoute } from "../state/routes";
import { effectiveConf } from "../state/sysctl";
import { unreachable } from "../unreachable";
import { programCapturing, programListening } from "../userspace/programs";
import { arpResolve } from "./arp";
import { arpLearning } from "./arp-learning";
import type { Flow, Hop, HopKind } from "./hop";
import { type NftWalkPort, nftConntrackIn, nftConntrackOut, nftFilter } from "./nft-hooks";
import {
  type Datagram,
  type Frame,
  fragmented,
  ICMP_DEST_UNREACH,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  ICMP_HEADER,
  ICMP_REDIRECT,
  ICMP_TIME_EXCEEDED,
  IPIP_OVERHEAD,
  IPV4_HEADER,
  icmpErrorText,
  isIcmpError,
  isIcmpRedirect,
  SLEEVE_OVERHEAD,
  type Sleeve,
  TCP_SYN_HEADER,
  tupleOf,
  VXLAN_OVERHEAD,
  wireLength,
  withPorts,
} from "./packet";
import { lookupRoute, ROUTE_ERROR_TEXT, type RouteDecision, selectSource } from "./route";

/** Whose packet a step is moving: the probe's request or reply, or an ICMP error about one. */
export interface Tag {
  readonly flow: Flow;
  readonly error: boolean;
  /** A copy a bridge flooded: a host that is not its destination ignores it silently. */
  readonly flood: boolean;
}

export type DropReason =
  | "no-route"
  | "local-no-route"
  | "blackhole"
  | "unreachable-route"
  | "prohibit-route"
  | "forwarding-disabled"
  | "netfilter-drop"
  | "netfilter-reject"
  | "ttl-exceeded"
  | "frag-needed"
  | "local-mtu"
  | "neighbour-failed"
  | "fdb-miss"
  | "link-down"
  | "no-carrier"
  | "not-for-this-host"
  | "vxlan-no-vni"
  | "udp-port-unreachable"
  | "martian-source"
  | "rp-filter"
  | "bridge-same-port"
  | "peer-mtu"
  | "no-socket"
  | "unsupported"
  | "ebpf-drop"
  | "no-tunnel-key"
  | "hop-limit"
  | "ipvs-no-destination"
  | "userspace-drop";

export interface DropRecord {
  readonly tag: Tag;
  readonly netns: string;
  readonly dev: string | null;
  readonly reason: DropReason;
  readonly message: string;
}

export interface Delivery {
  readonly tag: Tag;
  readonly netns: string;
  readonly dev: string;
  readonly packet: Datagram;
}

/** A connection entry and the direction a packet travels it in. */
export type CtRef = { readonly entry: ConntrackEntry; readonly dir: Direction };

/** A packet after the first conntrack hook: possibly translated, with its state and connection. */
export interface Tracked {
  readonly packet: Datagram;
  readonly state: CtState;
  readonly ref: CtRef | null;
}

/** Steps a single probe may take before the walk gives up (an L2 loop has no TTL to stop it). */
export const DEFAULT_HOP_LIMIT = 4000;

/**
 * The packet walk: moves datagrams and frames through namespaces the way the kernel's IPv4 path
 * does (ip_rcv → PREROUTING → routing → INPUT or FORWARD → POSTROUTING → neighbour → device),
 * one queued step at a time so that floods and ICMP errors interleave deterministically and a
 * loop ends at the hop limit instead of running forever. It never changes the world: what it
 * learns (ARP answers, bridge and VXLAN learning, conntrack) lives in the walk.
 */
export class Walk {
  readonly hops: Hop[] = [];
  readonly drops: DropRecord[] = [];
  readonly deliveries: Delivery[] = [];
  /** ICMP errors that reached the namespace whose packet they were about. */
  readonly heardErrors: {
    tag: Tag;
    netns: string;
    from: Ipv4;
    text: string;
    redirect: boolean;
    /** ICMP type and code, for how a TCP or UDP client reports it. */
    type: number;
    code: number;
    /** Where the packet the message is about was going (a socket matches on it). */
    about: Ipv4 | null;
  }[] = [];
  /** Errors the sending socket itself reported (no route, message too long). */
  readonly localErrors: { tag: Tag; netns: string; message: string; reason: DropReason }[] = [];
  readonly conntrack = new Map<string, ConntrackTable>();
  private readonly recent = new Map<string, RecentLists>();
  /** What eBPF programs added to their own conntrack maps (cilium_ct4_global…) during the walk. */
  readonly bpfConntrack = new BpfConntrack();
  /** IPVS connections, templates and scheduler positions made during the walk. */
  readonly ipvs = new IpvsWalk();
  /** Rules evaluated per netfilter traversal, summed over the walk. */
  rulesEvaluated = 0;
  /**
   * Hash and map lookups made on the way (IPVS's service table, nftables sets and verdict maps,
   * eBPF maps): the cost of the datapaths that do not walk rules one by one.
   */
  mapLookups = 0;
  private readonly queue: (() => void)[] = [];
  private readonly neighbourCache = new Map<string, Mac | null>();
  private readonly bridgeLearned = new Map<string, Map<Mac, string>>();
  private readonly vxlanLearned = new Map<string, Map<Mac, Ipv4>>();
  /** Each namespace's sleeve router's MAC cache: the peer a MAC is at, null for a local one. */
  private readonly sleeveMacs = new Map<string, Map<Mac, Ipv4 | null>>();
  private steps = 0;
  private nftPortCache: NftWalkPort | undefined;
  aborted = false;

  constructor(
    readonly world: World,
    private readonly rng: Rng,
    private readonly hopLimit = DEFAULT_HOP_LIMIT,
  ) {}

  /** Runs queued steps until none is left or the hop limit is reached. */
  run(): void {
    while (this.queue.length > 0) {
      if (this.aborted) {
        this.queue.length = 0;
        return;
      }
      (this.queue.shift() as () => void)();
    }
  }

  private later(step: () => void): void {
    this.queue.push(step);
  }

  hop(
    kind: HopKind,
    tag: Tag,
    ns: Netns,
    dev: string | null,
    text: string,
    packet: Frame | Datagram,
    extra?: Pick<Hop, "rule" | "route" | "ebpf">,
  ): void {
    if (this.aborted) return;
    this.hops.push({
      kind,
      flow: tag.flow,
      error: tag.error,
      netns: ns.name,
      dev,
      text,
      packet,
      ...extra,
    });
    if (++this.steps >= this.hopLimit) {
      this.aborted = true;
      this.drops.push({
        tag,
        netns: ns.name,
        dev,
        reason: "hop-limit",
        message: `the simulator stopped after ${this.hopLimit} steps (a forwarding loop?)`,
      });
    }
  }

  private drop(
    tag: Tag,
    ns: Netns,
    dev: string | null,
    reason: DropReason,
    message: string,
    packet: Frame | Datagram,
    rule?: Hop["rule"],
  ): void {
    this.hop("drop", tag, ns, dev, message, packet, rule ? { rule } : undefined);
    this.drops.push({ tag, netns: ns.name, dev, reason, message });
  }

  /** A namespace's xt_recent lists, empty when the probe starts (see eval.ts). */
  private recentOf(ns: Netns): RecentLists {
    let lists = this.recent.get(ns.name);
    if (!lists) {
      lists = new Map();
      this.recent.set(ns.name, lists);
    }
    return lists;
  }

  private ct(ns: Netns): ConntrackTable {
    let table = this.conntrack.get(ns.name);
    if (!table) {
      table = new ConntrackTable(ns.name);
      this.conntrack.set(ns.name, table);
    }
    return table;
  }

  // ---------------------------------------------------------------- sending

  /**
   * A socket in `ns` sends `d` (src 0 means "let routing choose"). Socket errors (no route,
   * message too long) are reported to the sender as the tools print them.
   */
  sendFromSocket(ns: Netns, d0: Datagram, tag: Tag, tool: "ping" | "connect"): void {
    const d = this.socketLb(ns, d0, tag);
    if (d === null) return;
    const decision = lookupRoute(this.world, ns, d.dst);
    if (decision.kind === "error") {
      const text = ROUTE_ERROR_TEXT[decision.error];
      const message = tool === "ping" ? `ping: connect: ${text}` : `connect: ${text}`;
      this.hop(
        "route",
        tag,
        ns,
        null,
        `no usable route to ${formatIpv4(d.dst)}: ${text}${decision.route ? ` (${describeRoute(decision.route)})` : ""}`,
        d,
      );
      this.localErrors.push({ tag, netns: ns.name, message, reason: "local-no-route" });
      this.drops.push({ tag, netns: ns.name, dev: null, reason: "local-no-route", message });
      return;
    }
    if (decision.kind === "broadcast") {
      // ping refuses a broadcast target without -b; a TCP socket cannot connect to one.
      const message =
        tool === "ping"
          ? "ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules"
          : "connect: Network is unreachable";
      this.hop(
        "route",
        tag,
        ns,
        null,
        `${formatIpv4(d.dst)} is a broadcast address of ${decision.dev}`,
        d,
      );
      this.localErrors.push({ tag, netns: ns.name, message, reason: "local-no-route" });
      this.drops.push({
        tag,
        netns: ns.name,
        dev: decision.dev,
        reason: "local-no-route",
        message,
      });
      return;
    }
    const src =
      d.src !== 0 ? d.src : decision.kind === "unicast" ? (decision.src ?? 0) : (decision.src ?? 0);
    const packet: Datagram = { ...d, src };
    this.hop("send", tag, ns, null, `a socket sends ${describe(packet)}`, packet);
    this.localOut(ns, packet, tag, true);
  }

  /**
   * The cgroup programs of Cilium's socket LB (bpf/sock.ts) in a TCP connect() or UDP sendmsg():
   * the destination the socket goes on with (a Service's backend), or null when the call failed.
   */
  socketLb(ns: Netns, d: Datagram, tag: Tag): Datagram | null {
    const result = sockSend(this.world, ns, d, this.bpfConntrack, this.rng);
    if (!result) return d;
    this.mapLookups += result.lookups;
    for (const step of result.steps)
      this.hop("ebpf", tag, ns, null, step.text, d, { ebpf: step.run });
    const v = result.verdict;
    if (v.kind === "proceed") return v.datagram;
    const message = d.l4.kind === "tcp" ? "connect: No route to host" : "send: No route to host";
    this.drop(tag, ns, null, "ebpf-drop", `${v.text}: the socket call fails (${v.errno})`, d);
    this.localErrors.push({ tag, netns: ns.name, message, reason: "ebpf-drop" });
    return null;
  }

  /** ip_local_out: OUTPUT hook, re-routing after DNAT, MTU, POSTROUTING, then the link. */
  localOut(ns: Netns, d0: Datagram, tag: Tag, fromSocket: boolean): void {
    let d = d0;
    const ct = this.conntrackIn(ns, d, tag, "OUTPUT", null, null);
    if (!ct) return;
    d = ct.packet;
    let decision = lookupRoute(this.world, ns, d.dst);
    if (decision.kind === "error") {
      this.routeError(ns, null, d, tag, decision, false);
      return;
    }
    this.routeHop(ns, null, d, tag, decision);
    if (ns.ipvs?.enabled) {
      // IPVS at LOCAL_OUT, after the nat table and before filter (proxy/ipvs-datapath.ts).
      const kept = this.ipvsHooks(ns, null, d, tag, ct.state, ct.ref);
      if (kept === null) return;
      d = kept;
    }
    const outDev = decision.kind === "local" ? "lo" : decision.dev;
    const filtered = this.filter(ns, "OUTPUT", d, tag, null, outDev, ct.state, ct.ref);
    if (!filtered) return;
    d = filtered;
    if (decision.kind === "local" || decision.kind === "broadcast") {
      if (decision.kind === "broadcast") decision = { kind: "local", src: d.dst };
      const lo = ns.links.get("lo") as Link;
      if (!lo.adminUp) {
        this.drop(
          tag,
          ns,
          "lo",
          "link-down",
          "lo is down: a packet to this namespace's own address goes nowhere",
          d,
        );
        return;
      }
      const post = this.conntrackOut(ns, d, tag, "INPUT", null, "lo", ct.ref);
      if (!post) return;
      this.hop(
        "receive",
        tag,
        ns,
        "lo",
        `loops back through lo to this namespace's own address`,
        post,
      );
      this.inputAndDeliver(ns, lo, post, tag, ct.state, ct.ref);
      return;
    }
    const link = ns.links.get(decision.dev) as Link;
    if (wireLength(d) > link.mtu) {
      if (d.df) {
        if (fromSocket) {
          const message =
            d.l4.kind === "icmp"
              ? `ping: local error: message too long, mtu=${link.mtu}`
              : `send: Message too long (mtu=${link.mtu})`;
          this.drop(
            tag,
            ns,
            link.name,
            "local-mtu",
            `${describe(d)} is ${d.length} bytes with DF set, larger than ${link.name}'s MTU ${link.mtu}: the socket gets EMSGSIZE`,
            d,
          );
          this.localErrors.push({ tag, netns: ns.name, message, reason: "local-mtu" });
          return;
        }
        this.drop(
          tag,
          ns,
          link.name,
          "frag-needed",
          `${d.length} bytes with DF set do not fit ${link.name}'s MTU ${link.mtu}`,
          d,
        );
        return;
      }
      d = fragmented(d, link.mtu);
      this.hop(
        "send",
        tag,
        ns,
        link.name,
        `${d.length} bytes exceed ${link.name}'s MTU ${link.mtu}: the kernel fragments it (DF not set) into pieces of at most ${d.fragment} bytes`,
        d,
      );
    }
    const post = this.conntrackOut(
      ns,
      d,
      tag,
      "POSTROUTING",
      null,
      link.name,
      ct.ref,
      decision.nexthop,
    );
    if (!post) return;
    this.toNeighbour(ns, link, decision.nexthop, post, tag, fromSocket);
  }

  // ---------------------------------------------------------------- receiving

  /** ip_rcv: a datagram arrives on `link` (a frame already accepted for this host). */
  ipReceive(ns: Netns, link: Link, d0: Datagram, tag: Tag): void {
    const d = d0;
    if (d.src >>> 24 === 127 && link.kind !== "loopback") {
      this.drop(
        tag,
        ns,
        link.name,
        "martian-source",
        `martian source ${formatIpv4(d.src)} on ${link.name}: dropped`,
        d,
      );
      return;
    }
    // fib_validate_source: a packet from outside carrying one of our own addresses is a martian.
    if (link.kind !== "loopback" && isLocalAddress(ns, d.src)) {
      this.drop(
        tag,
        ns,
        link.name,
        "martian-source",
        `source ${formatIpv4(d.src)} is one of this namespace's own addresses: a martian, dropped`,
        d,
      );
      return;
    }
    const ct = this.conntrackIn(ns, d, tag, "PREROUTING", link.name, null);
    if (!ct) return;
    this.routeInput(ns, link, ct, tag, ct.packet.dst !== d.dst);
  }

  /** ip_route_input and what follows it, for a packet that has been through PREROUTING. */
  private routeInput(ns: Netns, link: Link, ct: Tracked, tag: Tag, dnatted = false): void {
    const p = ct.packet;
    // ip_route_input_slow: 127/8 from the wire is a martian destination unless route_localnet is on.
    if (
      p.dst >>> 24 === 127 &&
      link.kind !== "loopback" &&
      !effectiveConf(ns, link.name).routeLocalnet
    ) {
      this.drop(
        tag,
        ns,
        link.name,
        "martian-source",
        `${formatIpv4(p.dst)} arrived on ${link.name}: a loopback address from the wire is a martian destination, dropped`,
        p,
      );
      return;
    }
    const decision = lookupRoute(this.world, ns, p.dst);
    if (decision.kind === "local" || decision.kind === "broadcast") {
      if (!this.reversePathOk(ns, link, p, tag)) return;
      this.hop(
        "route",
        tag,
        ns,
        link.name,
        `${formatIpv4(p.dst)} is a local address: deliver to this namespace (INPUT)`,
        p,
      );
      const post = this.conntrackOut(ns, p, tag, "INPUT", link.name, null, ct.ref);
      if (!post) return;
      this.inputAndDeliver(ns, link, post, tag, ct.state, ct.ref);
      return;
    }
    const conf = effectiveConf(ns, link.name);
    if (!conf.forwarding) {
      this.drop(
        tag,
        ns,
        link.name,
        "forwarding-disabled",
        `${formatIpv4(p.dst)} is not a local address and forwarding is off on ${link.name} (net.ipv4.ip_forward=0): dropped without an ICMP error`,
        p,
      );
      return;
    }
    if (decision.kind === "error") {
      this.routeError(ns, link, p, tag, decision, true);
      return;
    }
    if (!this.reversePathOk(ns, link, p, tag)) return;
    this.routeHop(ns, link.name, p, tag, decision);
    // br_nf_pre_routing_finish ("bridged_dnat"): a frame that came in through a bridge port and
    // was DNATed to an address behind the same bridge is bridged there, not routed: no TTL
    // decrement, no redirect.
    const bridged =
      dnatted &&
      link.kind === "bridge" &&
      ns.sysctl.bridgeNfCallIptables &&
      decision.dev === link.name;
    this.forward(ns, link, p, tag, decision, ct, bridged);
  }

  /** rp_filter (fib_validate_source): strict mode wants the route back to the source on `link`. */
  private reversePathOk(ns: Netns, link: Link, d: Datagram, tag: Tag): boolean {
    const mode = effectiveConf(ns, link.name).rpFilter;
    if (mode === 0 || link.kind === "loopback") return true;
    const back = lookupRoute(this.world, ns, d.src);
    // __fib_validate_source: loose mode accepts any route back, except on an interface with no
    // IPv4 address, where only a route back through it will do.
    const hasAddress = ns.addresses.some((a) => a.dev === link.name);
    const okPath =
      back.kind === "unicast" && ((mode === 2 && hasAddress) || back.dev === link.name);
    if (!okPath)
      this.drop(
        tag,
        ns,
        link.name,
        "rp-filter",
        `rp_filter=${mode} on ${link.name}: the route back to ${formatIpv4(d.src)} does not leave through ${link.name}, so the packet is dropped`,
        d,
      );
    return okPath;
  }

  private inputAndDeliver(
    ns: Netns,
    link: Link,
    d: Datagram,
    tag: Tag,
    state: CtState,
    ref: CtRef | null = null,
  ): void {
    const filtered = this.filter(ns, "INPUT", d, tag, link.name, null, state, ref);
    if (!filtered) return;
    // IPVS at LOCAL_IN, after the filter table (proxy/ipvs-datapath.ts).
    const kept = ns.ipvs?.enabled ? this.ipvsHooks(ns, link, filtered, tag, state, ref) : filtered;
    if (kept) this.localDeliver(ns, link, kept, tag);
  }

  /** The datagram reached a socket (or a kernel handler: VXLAN's UDP port, ICMP). */
  private localDeliver(ns: Netns, link: Link, d: Datagram, tag: Tag): void {
    if (d.l4.kind === "udp") {
      const port = d.l4.dport;
      const vxlans = [...ns.links.values()].filter(
        (l): l is VxlanLink | GeneveLink =>
          (l.kind === "vxlan" || l.kind === "geneve") && l.adminUp && l.dstport === port,
      );
      if (vxlans.length > 0) {
        this.decap(ns, vxlans, d, tag);
        return;
      }
      const program = d.l4.sleeve ? programListening(ns, port) : undefined;
      if (program) {
        this.programReceive(ns, link, program, d, tag);
        return;
      }
      if (d.l4.vxlan !== null || d.l4.sleeve) {
        // No VXLAN device is up on that port and no router listens, so no socket holds it: the
        // UDP stack answers.
        const none = d.l4.sleeve
          ? "no weave router listens there"
          : `no VXLAN device up with dstport ${port}`;
        this.drop(
          tag,
          ns,
          link.name,
          "udp-port-unreachable",
          `nothing listens on UDP ${port} here (${none}): dropped, ICMP port unreachable sent back`,
          d,
        );
        this.icmpError(ns, d, tag, ICMP_DEST_UNREACH, 3, null, d.dst);
        return;
      }
    }
    if (d.l4.kind === "ipip") {
      this.decapIpip(ns, link, d, tag);
      return;
    }
    if (isIcmpError(d) || isIcmpRedirect(d)) {
      const l4 = d.l4 as Extract<Datagram["l4"], { kind: "icmp" }>;
      const text = icmpErrorText(l4.type, l4.code, l4.mtu, l4.gateway);
      this.hop("deliver", tag, ns, link.name, `ICMP from ${formatIpv4(d.src)}: ${text}`, d);
      this.heardErrors.push({
        tag,
        netns: ns.name,
        from: d.src,
        text,
        redirect: l4.type === ICMP_REDIRECT,
        type: l4.type,
        code: l4.code,
        about: l4.quoted?.dst ?? null,
      });
      return;
    }
    if (tag.error && d.l4.kind === "tcp") {
      this.hop(
        "deliver",
        tag,
        ns,
        link.name,
        `a TCP reset from ${formatIpv4(d.src)} ends the connection attempt`,
        d,
      );
      this.heardErrors.push({
        tag,
        netns: ns.name,
        from: d.src,
        text: "Connection refused",
        redirect: false,
        type: -1,
        code: -1,
        about: d.src,
      });
      return;
    }
    this.hop("deliver", tag, ns, link.name, `delivered to ${ns.name}: ${describe(d)}`, d);
    // Cilium's socket LB shows the application the Service it asked for (recvmsg, getpeername).
    const seen = sockReceive(this.world, ns, d, this.bpfConntrack);
    if (seen) {
      this.mapLookups += seen.lookups;
      for (const step of seen.steps)
        this.hop("ebpf", tag, ns, null, step.text, seen.view, { ebpf: step.run });
    }
    this.deliveries.push({ tag, netns: ns.name, dev: link.name, packet: seen?.view ?? d });
  }

  // ---------------------------------------------------------------- forwarding

  private forward(
    ns: Netns,
    inLink: Link,
    d: Datagram,
    tag: Tag,
    decision: Extract<RouteDecision, { kind: "unicast" }>,
    ct: Tracked,
    bridged = false,
  ): void {
    if (d.ttl <= 1 && !bridged) {
      this.drop(
        tag,
        ns,
        inLink.name,
        "ttl-exceeded",
        `TTL ${d.ttl} would reach 0 on forwarding: dropped, ICMP time exceeded sent back`,
        d,
      );
      this.icmpError(ns, d, tag, ICMP_TIME_EXCEEDED, 0, null);
      return;
    }
    const out = ns.links.get(decision.dev) as Link;
    if (wireLength(d) > out.mtu && d.df) {
      this.drop(
        tag,
        ns,
        out.name,
        "frag-needed",
        `${d.length} bytes with DF set do not fit ${out.name}'s MTU ${out.mtu}: dropped, ICMP "fragmentation needed (mtu ${out.mtu})" sent back`,
        d,
      );
      this.icmpError(ns, d, tag, ICMP_DEST_UNREACH, 4, out.mtu);
      return;
    }
    let fwd: Datagram = bridged ? d : { ...d, ttl: d.ttl - 1 };
    if (wireLength(fwd) > out.mtu) {
      fwd = fragmented(fwd, out.mtu);
      this.hop(
        "forward",
        tag,
        ns,
        out.name,
        `${d.length} bytes exceed ${out.name}'s MTU ${out.mtu}: fragmented (DF not set) into pieces of at most ${fwd.fragment} bytes`,
        fwd,
      );
    }
    if (!bridged) this.maybeRedirect(ns, inLink, out, d, tag, decision);
    const filtered = this.filter(ns, "FORWARD", fwd, tag, inLink.name, out.name, ct.state, ct.ref);
    if (!filtered) return;
    fwd = filtered;
    if (ns.ipvs?.enabled) fwd = this.ipvsForward(ns, fwd, tag, out.name);
    this.hop(
      "forward",
      tag,
      ns,
      out.name,
      bridged
        ? `bridged back out of ${out.name} to the translated address (br_netfilter's bridged DNAT), TTL unchanged`
        : `forwarded from ${inLink.name} to ${out.name}, TTL ${d.ttl} → ${fwd.ttl}`,
      fwd,
    );
    const post = this.conntrackOut(
      ns,
      fwd,
      tag,
      "POSTROUTING",
      inLink.name,
      out.name,
      ct.ref,
      decision.nexthop,
    );
    if (!post) return;
    this.toNeighbour(ns, out, decision.nexthop, post, tag);
  }

  private routeHop(
    ns: Netns,
    inDev: string | null,
    d: Datagram,
    tag: Tag,
    decision: RouteDecision,
  ): void {
    if (decision.kind !== "unicast") return;
    const route = describeRoute(decision.route);
    const via =
      decision.gateway === null ? "directly connected" : `via ${formatIpv4(decision.gateway)}`;
    this.hop(
      "route",
      tag,
      ns,
      inDev,
      `route to ${formatIpv4(d.dst)}: ${route} (${via}, out ${decision.dev})`,
      d,
      { route },
    );
  }

  private routeError(
    ns: Netns,
    inLink: Link | null,
    d: Datagram,
    tag: Tag,
    decision: Extract<RouteDecision, { kind: "error" }>,
    forwarding: boolean,
  ): void {
    const dev = inLink?.name ?? null;
    const route = decision.route ? describeRoute(decision.route) : null;
    switch (decision.error) {
      case "ENETUNREACH":
        this.drop(
          tag,
          ns,
          dev,
          "no-route",
          `no route to ${formatIpv4(d.dst)} in ${ns.name}'s table${forwarding ? ": ICMP net unreachable sent back" : ""}`,
          d,
        );
        if (forwarding) this.icmpError(ns, d, tag, ICMP_DEST_UNREACH, 0, null);
        return;
      case "EINVAL":
        this.drop(tag, ns, dev, "blackhole", `${route} discards the packet silently`, d);
        return;
      case "EHOSTUNREACH":
        this.drop(
          tag,
          ns,
          dev,
          "unreachable-route",
          `${route}: ICMP host unreachable sent back`,
          d,
        );
        if (forwarding) this.icmpError(ns, d, tag, ICMP_DEST_UNREACH, 1, null);
        return;
      case "EACCES":
        this.drop(tag, ns, dev, "prohibit-route", `${route}: ICMP packet filtered sent back`, d);
        if (forwarding) this.icmpError(ns, d, tag, ICMP_DEST_UNREACH, 13, null);
        return;
      default:
        unreachable(decision.error);
    }
  }

  /**
   * ICMP redirect (net/ipv4/route.c, __mkroute_input and ip_rt_send_redirect): a router that sends
   * a packet back out of the interface it came in on, to a source on that link, tells the source
   * about the better next hop. The packet is still forwarded; the sender's ping prints the note.
   */
  private maybeRedirect(
    ns: Netns,
    inLink: Link,
    out: Link,
    d: Datagram,
    tag: Tag,
    decision: Extract<RouteDecision, { kind: "unicast" }>,
  ): void {
    if (inLink !== out || tag.error || isIcmpError(d) || isIcmpRedirect(d)) return;
    const back = lookupRoute(this.world, ns, d.src);
    if (back.kind !== "unicast" || back.gateway !== null || back.dev !== inLink.name) return;
    if (!effectiveConf(ns, out.name).sendRedirects) return;
    const gw = decision.gateway;
    const onlink = ns.addresses.some(
      (a) =>
        a.dev === out.name &&
        networkOf(a.ip, a.len) === networkOf(d.src, a.len) &&
        (gw === null || networkOf(a.ip, a.len) === networkOf(gw, a.len)),
    );
    if (!onlink) return;
    this.icmpMessage(ns, d, tag, ICMP_REDIRECT, 1, null, decision.nexthop);
  }

  // ---------------------------------------------------------------- IPVS

  /**
   * IPVS's hooks at LOCAL_IN (after the filter table) and LOCAL_OUT (after the nat table), in
   * the kernel's order: ip_vs_out_hook gives the reply of a masqueraded connection its virtual
   * source back, then ip_vs_in_hook schedules a packet for a virtual service and sends it to the
   * real server itself (proxy/ipvs-datapath.ts). Returns the packet to go on with, or null when
   * IPVS took it.
   */
  private ipvsHooks(
    ns: Netns,
    link: Link | null,
    d: Datagram,
    tag: Tag,
    state: CtState,
    ref: CtRef | null,
  ): Datagram | null {
    const ipvs = ns.ipvs as IpvsState;
    const dev = link?.name ?? null;
    const out = this.ipvs.out(ns, ipvs, d);
    this.mapLookups += out.lookups;
    if (out.kind === "reply") {
      this.hop("ipvs", tag, ns, dev, out.text, out.packet);
      return out.packet;
    }
    const v = this.ipvs.in(ns, ipvs, d);
    this.mapLookups += v.lookups;
    switch (v.kind) {
      case "pass":
        if (v.text !== null) this.hop("ipvs", tag, ns, dev, v.text, d);
        return d;
      case "no-dest":
        // ip_vs_leave: the client hears ICMP port unreachable from the virtual address.
        this.drop(tag, ns, dev, "ipvs-no-destination", v.text, d);
        this.icmpError(ns, d, tag, ICMP_DEST_UNREACH, 3, null, d.dst);
        return null;
      case "xmit":
        this.hop("ipvs", tag, ns, dev, v.text, v.packet);
        return this.ipvsTransmit(ns, dev, d, v.conn, v.packet, tag, state, ref);
      default:
        return unreachable(v);
    }
  }

  /** IPVS at FORWARD: ip_vs_forward_icmp, then ip_vs_out_hook un-NATs a real server's reply. */
  private ipvsForward(ns: Netns, d: Datagram, tag: Tag, dev: string): Datagram {
    const ipvs = ns.ipvs as IpvsState;
    this.mapLookups += this.ipvs.forwardIcmp(ipvs, d);
    const out = this.ipvs.out(ns, ipvs, d);
    this.mapLookups += out.lookups;
    if (out.kind === "pass") return d;
    this.hop("ipvs", tag, ns, dev, out.text, out.packet);
    return out.packet;
  }

  /**
   * IPVS sends the packet to the real server itself (ip_vs_xmit.c: ip_vs_nat_xmit, ip_vs_dr_xmit,
   * ip_vs_tunnel_xmit): a route to the real server (__ip_vs_get_out_rt, which decrements the TTL
   * and checks the MTU), LOCAL_OUT's filter table and POSTROUTING (NF_HOOK(LOCAL_OUT) then
   * dst_output), and the neighbour. Masquerading has rewritten the destination already; direct
   * routing keeps the packet whole and sends it to the real server's MAC; tunnelling wraps it in
   * IP-in-IP to the real server. A real server at a local address takes the packet through this
   * namespace's own stack (returned).
   */
  private ipvsTransmit(
    ns: Netns,
    dev: string | null,
    d: Datagram,
    conn: IpvsConn,
    packet: Datagram,
    tag: Tag,
    state: CtState,
    ref: CtRef | null,
  ): Datagram | null {
    const rip = formatIpv4(conn.daddr);
    const route = lookupRoute(this.world, ns, conn.daddr);
    if (route.kind === "local") {
      this.hop(
        "ipvs",
        tag,
        ns,
        dev,
        `IPVS: real server ${rip} is an address of this namespace: the packet goes on to its own stack`,
        packet,
      );
      return packet;
    }
    if (route.kind !== "unicast") {
      // err_unreach: dst_link_failure tells the client the host is unreachable.
      this.drop(
        tag,
        ns,
        dev,
        "no-route",
        `IPVS: no route to real server ${rip}: ICMP host unreachable sent back`,
        packet,
      );
      this.icmpError(ns, d, tag, ICMP_DEST_UNREACH, 1, null);
      return null;
    }
    const described = describeRoute(route.route);
    const via = route.gateway === null ? "directly connected" : `via ${formatIpv4(route.gateway)}`;
    this.hop(
      "route",
      tag,
      ns,
      dev,
      `IPVS routes to real server ${rip}: ${described} (${via}, out ${route.dev})`,
      packet,
      { route: described },
    );
    if (packet.ttl <= 1) {
      this.drop(
        tag,
        ns,
        dev,
        "ttl-exceeded",
        `TTL ${packet.ttl} would reach 0 as IPVS sends it on: dropped, ICMP time exceeded sent back`,
        packet,
      );
      this.icmpError(ns, d, tag, ICMP_TIME_EXCEEDED, 0, null);
      return null;
    }
    const inner: Datagram = { ...packet, ttl: packet.ttl - 1 };
    const link = ns.links.get(route.dev) as Link;
    // With net.ipv4.vs.conntrack=0 IPVS packets are untracked (ip_vs_notrack): no nat table.
    let ctRef = (ns.ipvs as IpvsState).conntrack ? ref : null;
    let wire = inner;
    let overhead = 0;
    if (conn.forward === "tunnel") {
      const src = route.src ?? 0;
      overhead = IPIP_OVERHEAD;
      wire = {
        src,
        dst: conn.daddr,
        ttl: inner.ttl,
        proto: 4,
        df: inner.df,
        length: inner.length + IPIP_OVERHEAD,
        l4: { kind: "ipip", inner },
      };
      this.hop(
        "encap",
        tag,
        ns,
        route.dev,
        `IPVS: IP-in-IP to real server ${rip} (IP protocol 4, ${formatIpv4(src)} → ${rip}, +${IPIP_OVERHEAD} bytes)`,
        wire,
      );
      // ip_vs_tunnel_xmit_prepare drops the connection's conntrack: the outer packet is new.
      ctRef = null;
    } else if (conn.forward === "masq" && ctRef?.dir === "original" && !ctRef.entry.seenReply)
      // ip_vs_update_conntrack: the reply is expected from the real server, not the virtual one.
      this.ct(ns).rewriteReply(ctRef.entry, invert(tupleOf(inner)));
    if (wireLength(wire) > link.mtu) {
      if (inner.df) {
        // ensure_mtu_is_adequate: ICMP "fragmentation needed" with the room left.
        this.drop(
          tag,
          ns,
          route.dev,
          "frag-needed",
          `${wire.length} bytes with DF set do not fit ${route.dev}'s MTU ${link.mtu}: IPVS drops it, ICMP "fragmentation needed (mtu ${link.mtu - overhead})" sent back`,
          wire,
        );
        this.icmpError(ns, d, tag, ICMP_DEST_UNREACH, 4, link.mtu - overhead);
        return null;
      }
      wire = fragmented(wire, link.mtu);
    }
    this.hop(
      "ipvs",
      tag,
      ns,
      route.dev,
      `IPVS sends it out of ${route.dev}${conn.forward === "route" ? ` to ${rip}'s MAC, the destination still ${formatIpv4(inner.dst)}` : ""}, TTL ${packet.ttl} → ${inner.ttl}`,
      wire,
    );
    const filtered = this.filter(
      ns,
      "OUTPUT",
      wire,
      tag,
      null,
      route.dev,
      ctRef ? state : "NEW",
      ctRef,
    );
    if (!filtered) return null;
    const post = this.conntrackOut(
      ns,
      filtered,
      tag,
      "POSTROUTING",
      null,
      route.dev,
      ctRef,
      route.nexthop,
    );
    if (!post) return null;
    this.toNeighbour(ns, link, route.nexthop, post, tag);
    return null;
  }

  // ---------------------------------------------------------------- ICMP errors

  /**
   * icmp_send: the kernel reports a problem with `about` to its source, as a new datagram routed
   * like any other (and lost like any other when there is no way back). Never about an ICMP error.
   */
  icmpError(
    ns: Netns,
    about: Datagram,
    tag: Tag,
    type: number,
    code: number,
    mtu: number | null,
    srcOverride?: Ipv4,
  ): void {
    this.icmpMessage(ns, about, tag, type, code, mtu, undefined, srcOverride);
  }

  private icmpMessage(
    ns: Netns,
    about: Datagram,
    tag: Tag,
    type: number,
    code: number,
    mtu: number | null,
    gateway?: Ipv4,
    srcOverride?: Ipv4,
  ): void {
    if (isIcmpError(about) || isIcmpRedirect(about) || tag.error) return;
    const back = lookupRoute(this.world, ns, about.src);
    const src =
      srcOverride ?? (back.kind === "unicast" ? back.src : back.kind === "local" ? back.src : null);
    if (src === null || src === undefined) return;
    const quoted = about;
    const err: Datagram = {
      src,
      dst: about.src,
      ttl: 64,
      proto: 1,
      df: false,
      length: IPV4_HEADER + ICMP_HEADER + Math.min(about.length, 548),
      l4:
        gateway === undefined
          ? { kind: "icmp", type, code, id: 0, seq: 0, mtu, quoted }
          : { kind: "icmp", type, code, id: 0, seq: 0, mtu, quoted, gateway },
    };
    const errTag: Tag = { flow: tag.flow, error: true, flood: false };
    this.hop(
      "icmp",
      errTag,
      ns,
      null,
      `${ns.name} sends ICMP "${icmpErrorText(type, code, mtu, gateway)}" to ${formatIpv4(about.src)}`,
      err,
    );
    this.later(() => this.localOut(ns, err, errTag, false));
  }

  // ---------------------------------------------------------------- netfilter

  /** What nftables' base chains need from the walk (walk/nft-hooks.ts). */
  private get nftPort(): NftWalkPort {
    this.nftPortCache ??= {
      world: this.world,
      rng: this.rng,
      ct: (ns) => this.ct(ns),
      hop: (kind, tag, ns, dev, text, packet, extra) =>
        this.hop(kind, tag, ns, dev, text, packet, extra),
      drop: (tag, ns, dev, reason, message, packet, rule) =>
        this.drop(tag, ns, dev, reason, message, packet, rule),
      reject: (ns, d, tag, withType, hook) => this.reject(ns, d, tag, withType, hook),
      count: (rules, lookups) => {
        this.rulesEvaluated += rules;
        this.mapLookups += lookups;
      },
    };
    return this.nftPortCache;
  }

  /** The filter hook: nftables' filter chains around iptables' filter table (walk/nft-hooks.ts). */
  private filter(
    ns: Netns,
    hook: "INPUT" | "FORWARD" | "OUTPUT",
    d: Datagram,
    tag: Tag,
    inDev: string | null,
    outDev: string | null,
    state: CtState,
    ref: CtRef | null = null,
  ): Datagram | null {
    return nftFilter(this.nftPort, ns, hook, d, tag, inDev, outDev, state, (p) =>
      this.iptablesFilter(ns, hook, p, tag, inDev, outDev, state, ref),
    );
  }

  /** Runs a filter-table chain; false when the packet was dropped or rejected there. */
  private iptablesFilter(
    ns: Netns,
    hook: "INPUT" | "FORWARD" | "OUTPUT",
    d: Datagram,
    tag: Tag,
    inDev: string | null,
    outDev: string | null,
    state: CtState,
    ref: CtRef | null = null,
  ): Datagram | null {
    const chain = ns.netfilter.tables.filter.chains.get(hook);
    if (!chain || (chain.rules.length === 0 && chain.policy !== "DROP")) return d;
    const nat = ref ? { dnat: ref.entry.dnat, snat: ref.entry.snat } : undefined;
    const v = runChain(
      ns,
      "filter",
      hook,
      {
        packet: d,
        inDev,
        outDev,
        ctState: state,
        mark: d.mark ?? 0,
        recent: this.recentOf(ns),
        ...(nat ? { nat } : {}),
      },
      this.rng,
    );
    this.rulesEvaluated += v.rulesEvaluated;
    this.mapLookups += v.setLookups;
    const rule = v.decidedBy ? this.ruleRef("filter", v.decidedBy) : undefined;
    if (v.verdict === "ACCEPT") {
      if (rule)
        this.hop(
          "netfilter",
          tag,
          ns,
          inDev ?? outDev,
          `filter ${hook}: accepted by ${rule.chain} rule ${rule.index}`,
          d,
          { rule },
        );
      return withMark(d, v.mark);
    }
    const by = rule
      ? `rule ${rule.index} of ${rule.chain} (${rule.text})`
      : `the ${hook} policy DROP`;
    if (v.verdict === "REJECT" && v.target?.kind === "REJECT") {
      this.drop(
        tag,
        ns,
        inDev ?? outDev,
        "netfilter-reject",
        `filter ${hook}: rejected by ${by} with ${v.target.with}`,
        d,
        rule,
      );
      this.reject(ns, d, tag, v.target.with, hook);
    } else
      this.drop(
        tag,
        ns,
        inDev ?? outDev,
        "netfilter-drop",
        `filter ${hook}: dropped by ${by}`,
        d,
        rule,
      );
    return null;
  }

  private ruleRef(
    table: TableName,
    decided: NonNullable<ReturnType<typeof runChain>["decidedBy"]>,
  ): NonNullable<Hop["rule"]> {
    return {
      table,
      chain: decided.chain,
      index: decided.index,
      text: `-A ${decided.chain} ${renderRule(decided.rule)}`,
    };
  }

  /** REJECT: an ICMP error, or a TCP reset that claims to come from the destination. */
  private reject(ns: Netns, d: Datagram, tag: Tag, withType: string, hook: Hook): void {
    if (withType === "tcp-reset") {
      if (d.l4.kind !== "tcp" || d.l4.flags === "RST") return;
      const rst: Datagram = {
        src: d.dst,
        dst: d.src,
        ttl: 64,
        proto: 6,
        df: true,
        length: IPV4_HEADER + 20,
        l4: { kind: "tcp", sport: d.l4.dport, dport: d.l4.sport, flags: "RST,ACK" },
      };
      const errTag: Tag = { flow: tag.flow, error: true, flood: false };
      this.hop(
        "icmp",
        errTag,
        ns,
        null,
        `${ns.name} answers with a TCP reset from ${formatIpv4(d.dst)}`,
        rst,
      );
      this.later(() => this.localOut(ns, rst, errTag, false));
      return;
    }
    const codes: Record<string, number> = {
      "icmp-net-unreachable": 0,
      "icmp-host-unreachable": 1,
      "icmp-proto-unreachable": 2,
      "icmp-port-unreachable": 3,
      "icmp-net-prohibited": 9,
      "icmp-host-prohibited": 10,
      "icmp-admin-prohibited": 13,
    };
    // For a packet to this host the error comes from the address it was sent to (ipt_REJECT).
    const src = hook === "INPUT" ? d.dst : undefined;
    this.icmpError(ns, d, tag, ICMP_DEST_UNREACH, codes[withType] ?? 3, null, src);
  }

  /**
   * The first conntrack hook a packet meets in a namespace (PREROUTING for arrivals, OUTPUT for
   * local packets): an existing connection's translation is applied to the destination; a new
   * one consults the nat table's chain, where DNAT happens.
   */
  private conntrackIn(
    ns: Netns,
    d: Datagram,
    tag: Tag,
    hook: "PREROUTING" | "OUTPUT",
    inDev: string | null,
    outDev: string | null,
  ): Tracked | null {
    return nftConntrackIn(this.nftPort, ns, d, tag, hook, inDev, outDev, (p) =>
      this.conntrackInTables(ns, p, tag, hook, inDev, outDev),
    );
  }

  /** conntrack and iptables' nat table at the first hook (nftables' chains: walk/nft-hooks.ts). */
  private conntrackInTables(
    ns: Netns,
    d: Datagram,
    tag: Tag,
    hook: "PREROUTING" | "OUTPUT",
    inDev: string | null,
    outDev: string | null,
  ): Tracked | null {
    if (isIcmpError(d) || isIcmpRedirect(d)) {
      const related = this.relatedError(ns, d, tag);
      return related === null ? null : { packet: related, state: "RELATED", ref: null };
    }
    const table = this.ct(ns);
    const t = tupleOf(d);
    const found = table.find(t);
    if (found) {
      const { entry, dir } = found;
      let p = d;
      if (dir === "original" && entry.dnat) p = rewriteDst(d, entry.reply.src, entry.reply.sport);
      if (dir === "reply" && entry.snat)
        p = rewriteDst(d, entry.original.src, entry.original.sport);
      if (dir === "reply") entry.seenReply = true;
      if (p !== d)
        this.hop(
          "nat",
          tag,
          ns,
          inDev ?? outDev,
          `conntrack: ${dir} direction of a known connection, destination restored to ${formatIpv4(p.dst)}${portOf(p)}`,
          p,
        );
      const state: CtState = dir === "reply" || entry.seenReply ? "ESTABLISHED" : "NEW";
      return { packet: p, state, ref: found };
    }
    const entry = table.create(t);
    const ref = { entry, dir: "original" as const };
    const chain = ns.netfilter.tables.nat.chains.get(hook);
    if (!chain || chain.rules.length === 0) return { packet: d, state: "NEW", ref };
    const v = runChain(
      ns,
      "nat",
      hook,
      { packet: d, inDev, outDev, ctState: "NEW", mark: d.mark ?? 0, recent: this.recentOf(ns) },
      this.rng,
    );
    this.rulesEvaluated += v.rulesEvaluated;
    this.mapLookups += v.setLookups;
    for (const draw of v.draws)
      this.hop(
        "netfilter",
        tag,
        ns,
        inDev ?? outDev,
        `nat ${hook}: ${draw.chain} rule ${draw.index} -m statistic --probability ${draw.probability} drew ${draw.drew.toFixed(4)}: ${draw.matched ? "matched" : "not matched"}`,
        d,
      );
    if (v.verdict === "DNAT" && v.target?.kind === "DNAT") {
      const port = v.target.port ?? t.dport;
      const p = rewriteDst(withMark(d, v.mark), v.target.ip, port);
      entry.dnat = true;
      table.rewriteReply(entry, invert({ ...t, dst: v.target.ip, dport: port }));
      const rule = v.decidedBy ? this.ruleRef("nat", v.decidedBy) : undefined;
      this.hop(
        "nat",
        tag,
        ns,
        inDev ?? outDev,
        `nat ${hook}: DNAT ${formatIpv4(d.dst)}${portOf(d)} → ${formatIpv4(p.dst)}${portOf(p)} (${v.rulesEvaluated} rules evaluated, via ${v.path.join(" → ")}); conntrack remembers it for the reply`,
        p,
        rule ? { rule } : undefined,
      );
      return { packet: p, state: "NEW", ref };
    }
    if (v.verdict === "DROP") {
      this.drop(tag, ns, inDev ?? outDev, "netfilter-drop", `nat ${hook}: dropped`, d);
      return null;
    }
    return { packet: withMark(d, v.mark), state: "NEW", ref };
  }

  /** The last hook: nftables' chains with iptables' nat table (walk/nft-hooks.ts). */
  private conntrackOut(
    ns: Netns,
    d: Datagram,
    tag: Tag,
    hook: "POSTROUTING" | "INPUT",
    inDev: string | null,
    outDev: string | null,
    ref: CtRef | null,
    nexthop: Ipv4 | null = null,
  ): Datagram | null {
    return nftConntrackOut(this.nftPort, ns, d, tag, hook, inDev, outDev, ref, nexthop, (p) =>
      this.conntrackOutTables(ns, p, tag, hook, inDev, outDev, ref, nexthop),
    );
  }

  /** POSTROUTING (or INPUT for local delivery): source NAT for new connections, un-DNAT for replies. */
  private conntrackOutTables(
    ns: Netns,
    d: Datagram,
    tag: Tag,
    hook: "POSTROUTING" | "INPUT",
    inDev: string | null,
    outDev: string | null,
    ref: CtRef | null,
    nexthop: Ipv4 | null = null,
  ): Datagram | null {
    // The packet carries its connection from the first hook (the kernel's skb->_nfct): after a
    // DNAT its own tuple no longer names the entry.
    if (ref === null) return d;
    const table = this.ct(ns);
    const { entry, dir } = ref;
    if (dir === "reply" && entry.dnat) {
      const p = rewriteSrc(d, entry.original.dst, entry.original.dport);
      this.hop(
        "nat",
        tag,
        ns,
        outDev ?? inDev,
        `conntrack: reply of a DNATed connection, source rewritten back ${formatIpv4(d.src)}${srcPortOf(d)} → ${formatIpv4(p.src)}${srcPortOf(p)}`,
        p,
      );
      return p;
    }
    if (dir === "original" && entry.snat) return rewriteSrc(d, entry.reply.dst, entry.reply.dport);
    if (dir !== "original" || entry.seenReply || entry.snat) return d;
    const chain = ns.netfilter.tables.nat.chains.get(hook);
    if (!chain || chain.rules.length === 0) return d;
    const v = runChain(
      ns,
      "nat",
      hook,
      { packet: d, inDev, outDev, ctState: "NEW", mark: d.mark ?? 0, recent: this.recentOf(ns) },
      this.rng,
    );
    this.rulesEvaluated += v.rulesEvaluated;
    this.mapLookups += v.setLookups;
    if (
      (v.verdict === "SNAT" && v.target?.kind === "SNAT") ||
      (v.verdict === "MASQUERADE" && outDev !== null)
    ) {
      const t = tupleOf(d);
      let ip: Ipv4;
      let port = t.sport;
      if (v.target?.kind === "SNAT") {
        ip = v.target.ip;
        port = v.target.port ?? t.sport;
      } else {
        // nf_nat_masquerade_ipv4: the outgoing device's address toward the next hop, global scope.
        const chosen = selectSource(this.world, ns, outDev as string, nexthop ?? d.dst, "global");
        if (chosen === null) {
          this.drop(
            tag,
            ns,
            outDev,
            "netfilter-drop",
            `MASQUERADE: ${outDev} has no address to masquerade with`,
            d,
          );
          return null;
        }
        ip = chosen;
      }
      const p = rewriteSrc(withMark(d, v.mark), ip, port);
      entry.snat = true;
      table.rewriteReply(entry, invert({ ...t, src: ip, sport: port }));
      const rule = v.decidedBy ? this.ruleRef("nat", v.decidedBy) : undefined;
      this.hop(
        "nat",
        tag,
        ns,
        outDev,
        `nat ${hook}: ${v.verdict} ${formatIpv4(d.src)} → ${formatIpv4(ip)}; conntrack remembers it for the reply`,
        p,
        rule ? { rule } : undefined,
      );
      return p;
    }
    if (v.verdict === "DROP") {
      this.drop(tag, ns, outDev, "netfilter-drop", `nat ${hook}: dropped`, d);
      return null;
    }
    return withMark(d, v.mark);
  }

  /**
   * An ICMP error about a tracked packet is RELATED to its connection and translated with it
   * (nf_conntrack_inet_error finds the connection by the inverted quoted tuple;
   * nf_nat_icmp_reply_translation rewrites the quoted packet and the outer header): an error
   * travelling back against a DNAT comes from the virtual address, one against a SNAT or
   * MASQUERADE is sent on to the real source.
   */
  private relatedError(ns: Netns, d: Datagram, tag: Tag): Datagram | null {
    const l4 = d.l4 as Extract<Datagram["l4"], { kind: "icmp" }>;
    const quoted = l4.quoted;
    if (
      !quoted ||
      !(quoted.l4.kind === "tcp" || quoted.l4.kind === "udp" || quoted.l4.kind === "icmp")
    )
      return d;
    const found = this.ct(ns).find(invert(tupleOf(quoted)));
    if (!found) return d;
    const { entry, dir } = found;
    if (isIcmpRedirect(d) && (entry.dnat || entry.snat)) {
      // nf_nat_icmp_reply_translation: a redirect about a NATed connection would let the hosts
      // talk past the translation, so NAT drops it.
      this.drop(
        tag,
        ns,
        null,
        "netfilter-drop",
        "an ICMP redirect about a NATed connection: NAT drops it",
        d,
      );
      return null;
    }
    // `dir` is the error's own direction: the quoted packet went the other way.
    const toward = dir === "reply" ? entry.original : entry.reply;
    // The quoted packet, as its sender sent it; the error goes to that sender. Whoever generated
    // it, an error crossing a DNAT seems to come from the address the sender used.
    const fixedQuoted = withPorts(
      { ...quoted, src: toward.src, dst: toward.dst },
      toward.sport,
      toward.dport,
    );
    const outerSrc =
      dir === "reply" && entry.dnat
        ? entry.original.dst
        : dir === "original" && entry.snat
          ? entry.reply.dst
          : d.src;
    if (fixedQuoted.src === quoted.src && fixedQuoted.dst === quoted.dst && outerSrc === d.src)
      return d;
    const p: Datagram = {
      ...d,
      src: outerSrc,
      dst: toward.src,
      l4: { ...l4, quoted: fixedQuoted },
    };
    this.hop(
      "nat",
      tag,
      ns,
      null,
      `conntrack: an ICMP error related to a NATed connection, translated back: ${formatIpv4(p.src)} → ${formatIpv4(p.dst)}`,
      p,
    );
    return p;
  }

  // ---------------------------------------------------------------- the link layer

  /** Resolves the nexthop's MAC on `link` (neighbour table, then ARP) and transmits. */
  private toNeighbour(
    ns: Netns,
    link: Link,
    nexthop: Ipv4,
    d: Datagram,
    tag: Tag,
    fromSocket = false,
  ): void {
    if (!hasCarrier(this.world, link)) {
      this.drop(
        tag,
        ns,
        link.name,
        "no-carrier",
        `${link.name} has no carrier (${carrierWhy(link)}): the packet is dropped`,
        d,
      );
      return;
    }
    if (link.kind === "loopback") {
      this.later(() => this.ipReceive(ns, link, d, tag));
      return;
    }
    if (link.kind === "dummy") {
      this.drop(
        tag,
        ns,
        link.name,
        "link-down",
        `${link.name} is a dummy device: it discards what it transmits`,
        d,
      );
      return;
    }
    if (link.kind === "ipip") {
      this.encapIpip(ns, link, nexthop, d, tag);
      return;
    }
    const mac = this.neighbour(ns, link, nexthop, d, tag);
    if (mac === null) return;
    const frame: Frame = { src: link.mac, dst: mac, ip: d };
    this.xmit(ns, link, frame, tag, fromSocket);
  }

  private neighbour(ns: Netns, link: Link, nexthop: Ipv4, d: Datagram, tag: Tag): Mac | null {
    if (link.noarp) {
      // arp_constructor: on a NOARP device the entry is NUD_NOARP with the device's own address.
      this.hop(
        "neighbour",
        tag,
        ns,
        link.name,
        `${link.name} is NOARP: neighbour ${formatIpv4(nexthop)} takes ${link.name}'s own address ${link.mac}, no ARP`,
        d,
      );
      return link.mac;
    }
    const entry = ns.neighbours.get(link.name)?.get(nexthop);
    if (entry && entry.mac !== null && entry.state !== "FAILED") {
      this.hop(
        "neighbour",
        tag,
        ns,
        link.name,
        `neighbour ${formatIpv4(nexthop)} dev ${link.name} lladdr ${entry.mac} ${entry.state}`,
        d,
      );
      return entry.mac;
    }
    if (isBroadcastAddress(ns, nexthop)) return BROADCAST_MAC;
    const key = `${ns.name}|${link.name}|${nexthop}`;
    if (this.neighbourCache.has(key)) {
      const cached = this.neighbourCache.get(key) ?? null;
      if (cached === null)
        this.drop(
          tag,
          ns,
          link.name,
          "neighbour-failed",
          `neighbour ${formatIpv4(nexthop)} on ${link.name} is FAILED: nobody answered ARP`,
          d,
        );
      return cached;
    }
    // arp_solicit: the request carries the packet's source when it is ours, else one chosen for the link.
    const sender = isLocalAddress(ns, d.src)
      ? d.src
      : selectSource(this.world, ns, link.name, nexthop, "link");
    const answer = arpResolve(this.world, link, nexthop, sender);
    if (!answer.ok) {
      this.neighbourCache.set(key, null);
      this.drop(
        tag,
        ns,
        link.name,
        "neighbour-failed",
        `ARP for ${formatIpv4(nexthop)} on ${link.name} got no answer (${answer.why}): the neighbour entry fails and the packet is dropped; the kernel reports "Destination Host Unreachable" only after ~3 s`,
        d,
      );
      return null;
    }
    this.neighbourCache.set(key, answer.mac);
    this.learnFromArp(link, answer.responder);
    const responderNs = this.world.netns.get(answer.responder.netns);
    if (answer.ebpf && responderNs)
      this.hop("ebpf", tag, responderNs, answer.responder.name, answer.ebpf.text, d, {
        ebpf: answer.ebpf.run,
      });
    this.hop(
      "neighbour",
      tag,
      ns,
      link.name,
      `ARP: who has ${formatIpv4(nexthop)}? ${answer.responder.netns}'s ${answer.responder.name} answers ${answer.mac}${answer.proxy ? " (proxy ARP)" : answer.ebpf ? " (its eBPF ARP responder)" : ""}`,
      d,
    );
    return answer.mac;
  }

  /**
   * What the ARP request and its reply taught the bridges, VXLAN devices and sleeve routers
   * between the ends.
   */
  private learnFromArp(requester: Link, responder: Link): void {
    const learned = arpLearning(this.world, requester, responder);
    if (learned.length === 0) {
      // No way through bridges: the bridges beside each end still saw the frames.
      for (const end of [requester, responder]) {
        if (end.kind !== "veth" || end.peer.master === null) continue;
        this.learnBridge(end.peer.netns, end.peer.master, end.mac, end.peer.name);
      }
      return;
    }
    for (const e of learned) {
      switch (e.kind) {
        case "bridge":
          this.learnBridge(e.netns, e.bridge, e.mac, e.port);
          break;
        case "vxlan":
          this.learnVxlan(`${e.netns}|${e.dev}`, e.mac, e.remote);
          break;
        case "sleeve":
          this.sleeveCache(e.netns).set(e.mac, e.peer);
          break;
        default:
          unreachable(e);
      }
    }
  }

  private learnVxlan(key: string, mac: Mac, remote: Ipv4): void {
    let table = this.vxlanLearned.get(key);
    if (!table) {
      table = new Map();
      this.vxlanLearned.set(key, table);
    }
    table.set(mac, remote);
  }

  private learnBridge(netns: string, bridge: string, mac: Mac, port: string): void {
    const ns = this.world.netns.get(netns);
    const br = ns?.links.get(bridge);
    if (br?.kind !== "bridge" || port === bridge) return;
    const fixed = br.fdb.get(mac);
    if (fixed && fixed.state !== "learned") return;
    const key = `${netns}|${bridge}`;
    let table = this.bridgeLearned.get(key);
    if (!table) {
      table = new Map();
      this.bridgeLearned.set(key, table);
    }
    table.set(mac, port);
  }

  /**
   * A device transmits a frame. `fromSocket` marks the first transmission of a packet a local
   * socket sent, whose failure the socket hears (veth's ENOBUFS).
   */
  xmit(
    ns: Netns,
    link: Link,
    frame0: Frame,
    tag: Tag,
    fromSocket = false,
    tunnelKey: TunnelKey | null = null,
  ): void {
    const frame = this.tcHook(ns, link, "tc-egress", frame0, tag, null);
    if (frame === null) return;
    switch (link.kind) {
      case "veth": {
        const peer = link.peer;
        const peerNs = this.world.netns.get(peer.netns);
        if (!peer.adminUp || !peerNs) {
          this.drop(
            tag,
            ns,
            link.name,
            "no-carrier",
            `${link.name}'s peer ${peer.name} is down: the frame is lost`,
            frame,
          );
          return;
        }
        if (!fitsMtu(frame, peer)) {
          // veth_xmit → __dev_forward_skb → is_skb_forwardable: the peer's MTU is the limit.
          this.drop(
            tag,
            ns,
            link.name,
            "peer-mtu",
            `${wireLength(frame.ip)} bytes do not fit the peer ${peer.name}'s MTU ${peer.mtu}: veth drops the frame`,
            frame,
          );
          if (fromSocket) {
            const message =
              frame.ip.l4.kind === "icmp"
                ? "ping: sendmsg: No buffer space available"
                : "send: No buffer space available";
            this.localErrors.push({ tag, netns: ns.name, message, reason: "peer-mtu" });
          }
          return;
        }
        this.hop(
          "xmit",
          tag,
          ns,
          link.name,
          `out of ${link.name} (veth) to its peer ${peer.name} in ${peer.netns}`,
          frame,
        );
        // skb_scrub_packet: a packet entering another namespace leaves its mark behind.
        const arriving =
          frame.ip.mark !== undefined && peerNs !== ns
            ? { ...frame, ip: { ...frame.ip, mark: undefined } }
            : frame;
        this.later(() => this.receive(peerNs, peer, arriving, tag));
        return;
      }
      case "bridge":
        this.bridgeForward(ns, link, null, frame, tag);
        return;
      case "vxlan":
      case "geneve":
        this.encap(ns, link, frame, tag, tunnelKey);
        return;
      case "loopback":
        this.later(() => this.ipReceive(ns, link, frame.ip, tag));
        return;
      case "ipip":
        // Routing hands a layer-3 tunnel datagrams (toNeighbour); a frame is sent on as one.
        this.encapIpip(ns, link, frame.ip.dst, frame.ip, tag);
        return;
      case "dummy":
        this.drop(
          tag,
          ns,
          link.name,
          "link-down",
          `${link.name} is a dummy device: it discards what it transmits`,
          frame,
        );
        return;
      default:
        unreachable(link);
    }
  }

  /**
   * A frame arrives on a device: its TC ingress programs run first, then a bridge port hands it
   * to its bridge and other devices check the MAC. `tunnelKey` is what a collect-metadata tunnel
   * device attached on decapsulation.
   */
  receive(
    ns: Netns,
    link: Link,
    frame0: Frame,
    tag: Tag,
    tunnelKey: TunnelKey | null = null,
  ): void {
    if (!link.adminUp) {
      this.drop(
        tag,
        ns,
        link.name,
        "link-down",
        `${link.name} is down: the frame is dropped`,
        frame0,
      );
      return;
    }
    const program = ns.programs ? programCapturing(ns, link.name) : undefined;
    if (program) {
      // A packet socket (pcap) gets its copy before TC ingress: __netif_receive_skb_core hands
      // the frame to the ptype_all taps first. The kernel's own copy goes on, but a capture
      // device like vethwe-pcap has no address and no bridge, so nothing takes it.
      this.programCapture(ns, link, program, frame0, tag);
      return;
    }
    const frame = this.tcHook(ns, link, "tc-ingress", frame0, tag, tunnelKey);
    if (frame === null) return;
    if (link.master) {
      const bridge = ns.links.get(link.master);
      if (bridge?.kind === "bridge") {
        if (!bridge.adminUp) {
          this.drop(
            tag,
            ns,
            link.name,
            "link-down",
            `${link.name}'s bridge ${bridge.name} is down: the frame is dropped`,
            frame,
          );
          return;
        }
        this.bridgeForward(ns, bridge, link, frame, tag);
        return;
      }
    }
    if (frame.dst !== link.mac && frame.dst !== BROADCAST_MAC) {
      if (tag.flood) {
        this.hop(
          "receive",
          tag,
          ns,
          link.name,
          `${link.name} ignores a flooded frame for ${frame.dst}`,
          frame,
        );
        return;
      }
      this.drop(
        tag,
        ns,
        link.name,
        "not-for-this-host",
        `the frame is for ${frame.dst}, not ${link.name}'s ${link.mac}: dropped (PACKET_OTHERHOST)`,
        frame,
      );
      return;
    }
    this.hop("receive", tag, ns, link.name, `in on ${link.name}`, frame);
    this.ipReceive(ns, link, frame.ip, tag);
  }

  // ---------------------------------------------------------------- eBPF at the TC hooks

  /**
   * sch_handle_ingress / sch_handle_egress: the programs attached at `hook` run before the
   * kernel's own path (bpf/cilium.ts decides; each run is an `ebpf` hop). Returns the frame to
   * carry on with (TC_ACT_OK), or null when a program dropped, redirected or encapsulated it:
   * a redirect transmits out of (or, with BPF_F_INGRESS, arrives on) the target device, skipping
   * routing and netfilter; an encapsulation transmits on the tunnel device with the key set.
   */
  private tcHook(
    ns: Netns,
    link: Link,
    hook: TcHook,
    frame: Frame,
    tag: Tag,
    tunnelKey: TunnelKey | null,
  ): Frame | null {
    if (!link.tc?.some((a) => a.hook === hook)) return frame;
    const result = runTcHook(
      this.world,
      ns,
      link,
      hook,
      frame,
      tunnelKey,
      this.bpfConntrack,
      this.rng,
    );
    if (!result) return frame;
    this.mapLookups += result.lookups;
    for (const step of result.steps)
      this.hop("ebpf", tag, ns, link.name, step.text, step.frame, { ebpf: step.run });
    const v = result.verdict;
    switch (v.kind) {
      case "pass":
        return v.frame;
      case "drop":
        this.drop(
          tag,
          ns,
          link.name,
          "ebpf-drop",
          `dropped by eBPF at ${hook} on ${link.name}: ${v.reason} (${v.code})`,
          frame,
        );
        return null;
      case "redirect":
      case "redirect-peer":
      case "encap": {
        const target = ns.links.get(v.dev);
        if (!target?.adminUp) {
          this.drop(
            tag,
            ns,
            link.name,
            "link-down",
            `the eBPF redirect target ${v.dev} is ${target ? "down" : "missing"}: the frame is dropped`,
            v.frame,
          );
          return null;
        }
        if (v.kind === "encap") this.xmit(ns, target, v.frame, tag, false, v.key);
        else if (v.kind === "redirect" && !v.ingress) this.xmit(ns, target, v.frame, tag);
        else if (v.kind === "redirect") this.later(() => this.receive(ns, target, v.frame, tag));
        else if (target.kind === "veth") {
          const peerNs = this.world.netns.get(target.peer.netns);
          if (peerNs) this.later(() => this.receive(peerNs, target.peer, v.frame, tag));
        }
        return null;
      }
      default:
        return unreachable(v);
    }
  }

  /**
   * Bridge forwarding (net/bridge/br_input.c): learn the source, deliver frames for the bridge's
   * own MAC up to its IP stack, forward known MACs to their port, flood the rest. With
   * br_netfilter, a forwarded IPv4 frame also crosses iptables FORWARD, as on a Kubernetes node.
   */
  private bridgeForward(
    ns: Netns,
    bridge: BridgeLink,
    ingress: Link | null,
    frame0: Frame,
    tag: Tag,
  ): void {
    let frame = frame0;
    const learnedKey = `${ns.name}|${bridge.name}`;
    if (ingress) this.learnBridge(ns.name, bridge.name, frame.src, ingress.name);
    if (frame.dst === bridge.mac) {
      this.hop(
        "bridge",
        tag,
        ns,
        bridge.name,
        `bridge ${bridge.name}: frame for the bridge's own MAC, up to its IP stack`,
        frame,
      );
      this.later(() => this.ipReceive(ns, bridge, frame.ip, tag));
      return;
    }
    const fixed = bridge.fdb.get(frame.dst);
    const port =
      this.bridgeLearned.get(learnedKey)?.get(frame.dst) ??
      (fixed && fixed.port !== bridge.name ? fixed.port : undefined);
    if (fixed && fixed.port === bridge.name) {
      this.drop(
        tag,
        ns,
        bridge.name,
        "not-for-this-host",
        `bridge ${bridge.name}: ${frame.dst} is a port's own address, not the bridge's: dropped`,
        frame,
      );
      return;
    }
    if (ingress && ns.sysctl.bridgeNfCallIptables) {
      // br_netfilter runs bridged IPv4 through conntrack, nat PREROUTING, filter FORWARD and nat
      // POSTROUTING, with the bridge as the in and out device (net/bridge/br_netfilter_hooks.c).
      const pre = this.conntrackIn(ns, frame.ip, tag, "PREROUTING", bridge.name, null);
      if (!pre) return;
      if (pre.packet.dst !== frame.ip.dst) {
        // A DNAT changed the destination: br_nf_pre_routing_finish hands the packet to routing.
        this.hop(
          "bridge",
          tag,
          ns,
          bridge.name,
          `bridge ${bridge.name}: the destination was translated, so the packet is routed instead of bridged`,
          pre.packet,
        );
        this.later(() => this.routeInput(ns, bridge, pre, tag, true));
        return;
      }
      const filtered = this.filter(
        ns,
        "FORWARD",
        pre.packet,
        tag,
        bridge.name,
        bridge.name,
        pre.state,
        pre.ref,
      );
      if (!filtered) return;
      // br_netfilter's FORWARD runs IPVS's hooks too (the bridge's fake route is the skb's dst):
      // how a reply bridged between two pods gets its ClusterIP source back.
      const seen = ns.ipvs?.enabled ? this.ipvsForward(ns, filtered, tag, bridge.name) : filtered;
      const post = this.conntrackOut(
        ns,
        seen,
        tag,
        "POSTROUTING",
        bridge.name,
        bridge.name,
        pre.ref,
      );
      if (!post) return;
      if (post !== frame.ip) frame = { ...frame, ip: post };
    }
    if (port !== undefined) {
      if (port === ingress?.name) {
        this.drop(
          tag,
          ns,
          bridge.name,
          "bridge-same-port",
          `bridge ${bridge.name}: ${frame.dst} is behind the port the frame came in on: not forwarded`,
          frame,
        );
        return;
      }
      const out = ns.links.get(port);
      if (!out || !hasCarrier(this.world, out)) {
        this.drop(
          tag,
          ns,
          bridge.name,
          "no-carrier",
          `bridge ${bridge.name}: port ${port} for ${frame.dst} has no carrier`,
          frame,
        );
        return;
      }
      if (!fitsMtu(frame, out)) {
        // br_dev_queue_push_xmit → is_skb_forwardable: a frame larger than the port's MTU is dropped.
        this.drop(
          tag,
          ns,
          bridge.name,
          "peer-mtu",
          `bridge ${bridge.name}: ${wireLength(frame.ip)} bytes do not fit port ${port}'s MTU ${out.mtu}: dropped`,
          frame,
        );
        return;
      }
      this.hop(
        "bridge",
        tag,
        ns,
        bridge.name,
        `bridge ${bridge.name}: ${frame.dst} is behind port ${port}`,
        frame,
      );
      this.xmit(ns, out, frame, tag);
      return;
    }
    const ports = [...ns.links.values()].filter(
      (p) => p.master === bridge.name && p !== ingress && hasCarrier(this.world, p),
    );
    this.hop(
      "bridge",
      tag,
      ns,
      bridge.name,
      `bridge ${bridge.name}: ${frame.dst} not learned yet: flooded to ${ports.length} port(s)`,
      frame,
    );
    const floodTag: Tag = { ...tag, flood: true };
    if (ports.length === 0) {
      // A flooded copy that finds no further port just ends; only the packet's own way failing is a drop.
      if (tag.flood) return;
      this.drop(
        tag,
        ns,
        bridge.name,
        "no-carrier",
        `bridge ${bridge.name} has no other port up to flood to`,
        frame,
      );
      return;
    }
    for (const p of ports) if (fitsMtu(frame, p)) this.xmit(ns, p, frame, floodTag);
  }

  /**
   * IP-in-IP transmit (net/ipv4/ipip.c, ip_tunnel_xmit): the datagram becomes the payload of an
   * outer one, protocol 4, to the tunnel's remote or, on an NBMA tunnel like tunl0, to the route's
   * gateway. The outer header inherits TTL and DF; no ARP: the device is layer 3.
   */
  private encapIpip(ns: Netns, tunnel: IpipLink, nexthop: Ipv4, inner: Datagram, tag: Tag): void {
    const remote = tunnel.remote ?? nexthop;
    if (tunnel.remote === null && nexthop === inner.dst) {
      this.drop(
        tag,
        ns,
        tunnel.name,
        "no-route",
        `${tunnel.name} has no remote and the route names no gateway: the tunnel has nowhere to send the packet`,
        inner,
      );
      return;
    }
    const route = lookupRoute(this.world, ns, remote);
    const src = tunnel.local ?? (route.kind === "unicast" ? route.src : null) ?? 0;
    const outer: Datagram = {
      src,
      dst: remote,
      ttl: inner.ttl,
      proto: 4,
      df: inner.df,
      length: inner.length + IPIP_OVERHEAD,
      ...(inner.fragment === undefined ? {} : { fragment: inner.fragment + IPIP_OVERHEAD }),
      l4: { kind: "ipip", inner },
    };
    this.hop(
      "encap",
      tag,
      ns,
      tunnel.name,
      `${tunnel.name}: IP-in-IP to ${formatIpv4(remote)} (IP protocol 4, ${formatIpv4(src)} → ${formatIpv4(remote)}, +${IPIP_OVERHEAD} bytes)`,
      outer,
    );
    this.later(() => this.localOut(ns, outer, tag, false));
  }

  /** Protocol 4 delivered here: an ipip device that is up takes the inner datagram (tunl0 takes any). */
  private decapIpip(ns: Netns, link: Link, d: Datagram, tag: Tag): void {
    const l4 = d.l4 as Extract<Datagram["l4"], { kind: "ipip" }>;
    const tunnel = [...ns.links.values()].find(
      (l): l is IpipLink =>
        l.kind === "ipip" &&
        l.adminUp &&
        (l.remote === null || l.remote === d.src) &&
        (l.local === null || l.local === d.dst),
    );
    if (!tunnel) {
      this.drop(
        tag,
        ns,
        link.name,
        "unsupported",
        "IP protocol 4 arrived but no IP-in-IP device is up here: dropped, ICMP protocol unreachable sent back",
        d,
      );
      this.icmpError(ns, d, tag, ICMP_DEST_UNREACH, 2, null, d.dst);
      return;
    }
    this.hop(
      "decap",
      tag,
      ns,
      tunnel.name,
      `${tunnel.name} decapsulates IP-in-IP from ${formatIpv4(d.src)}`,
      l4.inner,
    );
    this.later(() => this.ipReceive(ns, tunnel, l4.inner, tag));
  }

  /**
   * VXLAN transmit (drivers/net/vxlan): FDB lookup for the inner MAC, outer IP/UDP/VXLAN header.
   * A collect-metadata (`external`) device, VXLAN or Geneve, takes the destination and VNI from
   * the tunnel key an eBPF program set instead, and drops what comes without one; a plain Geneve
   * device sends to its remote.
   */
  private encap(
    ns: Netns,
    vx: VxlanLink | GeneveLink,
    frame: Frame,
    tag: Tag,
    key: TunnelKey | null = null,
  ): void {
    const geneve = vx.kind === "geneve";
    let remotes: Ipv4[];
    let how: string;
    let vni = vx.vni;
    if (vx.external) {
      if (key === null) {
        this.drop(
          tag,
          ns,
          vx.name,
          "no-tunnel-key",
          `${vx.name} is a collect-metadata (external) device and the packet carries no tunnel key (no eBPF program set one): dropped`,
          frame,
        );
        return;
      }
      remotes = [key.remote];
      vni = key.vni;
      how = "tunnel key set by eBPF";
    } else if (vx.kind === "geneve") {
      remotes = vx.remote === null ? [] : [vx.remote];
      how = "the device's remote";
    } else {
      const learned = this.vxlanLearned.get(`${ns.name}|${vx.name}`)?.get(frame.dst);
      const entries = vx.fdb.get(frame.dst) ?? vx.fdb.get("00:00:00:00:00:00");
      remotes =
        learned !== undefined
          ? [learned]
          : entries
            ? entries.map((e) => e.dst)
            : vx.remote !== null
              ? [vx.remote]
              : [];
      how =
        learned !== undefined
          ? `learned ${frame.dst} behind ${formatIpv4(learned)}`
          : vx.fdb.has(frame.dst)
            ? `FDB ${frame.dst}`
            : entries
              ? `no entry for ${frame.dst}: flooded to the all-zeros entries`
              : `no entry for ${frame.dst}: sent to the default remote`;
    }
    if (remotes.length === 0) {
      this.drop(
        tag,
        ns,
        vx.name,
        "fdb-miss",
        `${vx.name} has no FDB entry for ${frame.dst} (and no default remote): the frame is dropped`,
        frame,
      );
      return;
    }
    const inner = frame.ip;
    for (const remote of remotes) {
      const route = lookupRoute(this.world, ns, remote);
      const underMtu = route.kind === "unicast" ? (ns.links.get(route.dev)?.mtu ?? 1500) : 1500;
      if (inner.df && wireLength(inner) + VXLAN_OVERHEAD > underMtu) {
        // skb_tunnel_check_pmtu only lowers the route's PMTU for the packets that follow; this
        // one is encapsulated anyway and its outer packet (no DF) is fragmented.
        this.hop(
          "encap",
          tag,
          ns,
          vx.name,
          `${inner.length} bytes plus ${VXLAN_OVERHEAD} of VXLAN exceed the underlay MTU ${underMtu}: the kernel lowers the path MTU to ${formatIpv4(inner.dst)} to ${underMtu - VXLAN_OVERHEAD} for later packets, and fragments this one's outer packet`,
          frame,
        );
      }
      const local = vx.kind === "vxlan" ? vx.local : null;
      const src = local ?? (route.kind === "unicast" ? route.src : null) ?? 0;
      const outer: Datagram = {
        src,
        dst: remote,
        ttl: 64,
        proto: 17,
        df: false,
        length: inner.length + VXLAN_OVERHEAD,
        // Each fragment of the inner datagram is encapsulated on its own.
        ...(inner.fragment === undefined ? {} : { fragment: inner.fragment + VXLAN_OVERHEAD }),
        l4: {
          kind: "udp",
          sport: flowPort(inner),
          dport: vx.dstport,
          vxlan: geneve ? { vni, inner: frame, protocol: "geneve" } : { vni, inner: frame },
        },
      };
      this.hop(
        "encap",
        tag,
        ns,
        vx.name,
        `${vx.name}: ${how}, dst ${formatIpv4(remote)}; encapsulated in UDP ${vx.dstport}, ${geneve ? "Geneve " : ""}VNI ${vni}, ${formatIpv4(src)} → ${formatIpv4(remote)} (+${VXLAN_OVERHEAD} bytes)`,
        outer,
      );
      // Several destinations (an all-zeros flooding list): each copy is a flood copy.
      const copyTag: Tag = remotes.length > 1 ? { ...tag, flood: true } : tag;
      this.later(() => this.localOut(ns, outer, copyTag, false));
    }
  }

  /**
   * The VXLAN (or Geneve) socket on a UDP port hands the inner frame to the device with that VNI;
   * a collect-metadata device takes any VNI and hands its program the tunnel key.
   */
  private decap(ns: Netns, candidates: (VxlanLink | GeneveLink)[], d: Datagram, tag: Tag): void {
    const l4 = d.l4 as Extract<Datagram["l4"], { kind: "udp" }>;
    if (!l4.vxlan) {
      this.drop(
        tag,
        ns,
        null,
        "vxlan-no-vni",
        `UDP ${l4.dport} reached the VXLAN socket without a VXLAN header: dropped`,
        d,
      );
      return;
    }
    const vni = l4.vxlan.vni;
    const kind = l4.vxlan.protocol === "geneve" ? "geneve" : "vxlan";
    const vx =
      candidates.find((c) => c.kind === kind && !c.external && c.vni === vni) ??
      candidates.find((c) => c.kind === kind && c.external);
    if (!vx) {
      this.drop(
        tag,
        ns,
        candidates[0]?.name ?? null,
        "vxlan-no-vni",
        `VXLAN packet on UDP ${l4.dport} with VNI ${vni}, but no VXLAN device here has that VNI (${candidates.map((c) => `${c.name}: ${c.vni}`).join(", ")}): dropped`,
        d,
      );
      return;
    }
    const inner = l4.vxlan.inner;
    if (vx.kind === "vxlan" && vx.learning && !vx.external) {
      this.learnVxlan(`${ns.name}|${vx.name}`, inner.src, d.src);
    }
    this.hop(
      "decap",
      tag,
      ns,
      vx.name,
      `${vx.name} (VNI ${vni}, UDP ${l4.dport}) decapsulates the inner frame from ${formatIpv4(d.src)}${vx.external ? ", keeping the tunnel key for its programs" : ""}`,
      inner,
    );
    this.receive(ns, vx, inner, tag, vx.external ? { remote: d.src, vni } : null);
  }

  // ---------------------------------------------------------------- user-space programs

  /** A frame arrived on a device a program captures on (see userspace/). */
  private programCapture(
    ns: Netns,
    link: Link,
    program: UserProgram,
    frame: Frame,
    tag: Tag,
  ): void {
    switch (program.kind) {
      case "weave-sleeve":
        this.sleeveCapture(ns, link, program, frame, tag);
        return;
      default:
        unreachable(program.kind);
    }
  }

  /** A datagram for a program reached its socket, past INPUT. */
  private programReceive(ns: Netns, link: Link, program: UserProgram, d: Datagram, tag: Tag): void {
    switch (program.kind) {
      case "weave-sleeve":
        this.sleeveReceive(ns, link, program, d, tag);
        return;
      default:
        unreachable(program.kind);
    }
  }

  private sleeveCache(netns: string): Map<Mac, Ipv4 | null> {
    let table = this.sleeveMacs.get(netns);
    if (!table) {
      table = new Map();
      this.sleeveMacs.set(netns, table);
    }
    return table;
  }

  /**
   * Weave's router captured a frame on the device it holds with pcap (router/pcap.go: promiscuous,
   * inbound only; router/network_router.go, handleCapturedPacket): it learns the source MAC as
   * local, looks the destination up in its MAC cache, and forwards the frame to the peer that
   * holds it, or to every peer when the destination is a broadcast or unknown (relayBroadcast: in
   * the full mesh weave-kube builds, the broadcast tree from a peer reaches every other directly).
   */
  private sleeveCapture(ns: Netns, link: Link, router: SleeveRouter, frame: Frame, tag: Tag): void {
    const macs = this.sleeveCache(ns.name);
    const from = macs.get(frame.src);
    if (from !== undefined && from !== null) {
      this.drop(
        tag,
        ns,
        link.name,
        "userspace-drop",
        `weave router (sleeve) captured a frame from ${frame.src} on ${link.name}, a MAC it knows at peer ${formatIpv4(from)}: discarded (most likely a frame it injected itself)`,
        frame,
      );
      return;
    }
    macs.set(frame.src, null);
    const at = frame.dst === BROADCAST_MAC ? undefined : macs.get(frame.dst);
    if (at === null) {
      // The bridge flooded a frame for one of its own ports' MACs: the router leaves it alone.
      const text = `weave router (sleeve) captured a frame for ${frame.dst}, a local MAC: discarded`;
      if (tag.flood) this.hop("receive", tag, ns, link.name, text, frame);
      else this.drop(tag, ns, link.name, "userspace-drop", text, frame);
      return;
    }
    const peers = at !== undefined ? [at] : router.peers.filter((p) => p !== router.name);
    if (peers.length === 0) {
      this.drop(
        tag,
        ns,
        link.name,
        "userspace-drop",
        `weave router (sleeve) captured a frame for ${frame.dst} and has no peer to send it to`,
        frame,
      );
      return;
    }
    const how =
      at !== undefined
        ? `${frame.dst} is at that peer (its MAC cache)`
        : frame.dst === BROADCAST_MAC
          ? "a broadcast goes to every peer"
          : `${frame.dst} is not in its MAC cache, so the frame goes to every peer`;
    // Copies to several peers are flood copies: a peer without the destination ignores its own.
    const copyTag: Tag = peers.length > 1 ? { ...tag, flood: true } : tag;
    for (const peer of peers) this.sleeveSend(ns, link, router, frame, peer, how, at, copyTag);
  }

  /**
   * One captured frame to one peer (router/sleeve.go, curriedForward.Process): in a UDP datagram
   * from the router's port to the peer's, through the host's own output path. A frame with DF set
   * goes out with DF (the forwarder's raw "DF" socket, IP_PMTUDISC_DO), any other without
   * (IP_PMTUDISC_DONT; the kernel fragments it, which the router's fragmentation test finds it
   * may rely on). A DF frame larger than the overlay MTU is not sent: a unicast one is answered
   * with ICMP "fragmentation needed", a broadcast one dropped.
   */
  private sleeveSend(
    ns: Netns,
    link: Link,
    router: SleeveRouter,
    frame: Frame,
    peer: Ipv4,
    how: string,
    at: Ipv4 | undefined,
    tag: Tag,
  ): void {
    const inner = frame.ip;
    const route = lookupRoute(this.world, ns, peer);
    // The forwarder's MTU: the path MTU it discovered to the peer less its overhead (overheadDF,
    // processSendError, searchMTU); the model takes the MTU of the device the route leaves by.
    const pathMtu = route.kind === "unicast" ? (ns.links.get(route.dev)?.mtu ?? 1500) : 1500;
    const mtu = pathMtu - SLEEVE_OVERHEAD;
    if (inner.df && wireLength(inner) > mtu) {
      if (at === undefined) {
        this.drop(
          tag,
          ns,
          link.name,
          "userspace-drop",
          `weave router (sleeve): ${inner.length} bytes with DF set do not fit the overlay MTU ${mtu} to peer ${formatIpv4(peer)}, and the frame is a broadcast: dropped`,
          frame,
        );
        return;
      }
      this.sleeveFragNeeded(ns, link, frame, peer, mtu, pathMtu, tag);
      return;
    }
    const src = (route.kind === "unicast" ? route.src : null) ?? 0;
    const sleeve: Sleeve = {
      sender: router.name,
      srcPeer: router.name,
      dstPeer: peer,
      inner: frame,
    };
    const outer: Datagram = {
      src,
      dst: peer,
      ttl: 64,
      proto: 17,
      df: inner.df,
      length: inner.length + SLEEVE_OVERHEAD,
      // Each fragment of the inner datagram is a frame of its own.
      ...(inner.fragment === undefined ? {} : { fragment: inner.fragment + SLEEVE_OVERHEAD }),
      l4: { kind: "udp", sport: router.port, dport: router.port, vxlan: null, sleeve },
    };
    this.hop(
      "encap",
      tag,
      ns,
      link.name,
      `weave router (sleeve) captured the frame on ${link.name}, sends it to peer ${formatIpv4(peer)} in UDP ${router.port}: ${how}; ${formatIpv4(src)}:${router.port} → ${formatIpv4(peer)}:${router.port}${inner.df ? " with DF" : ""}, +${SLEEVE_OVERHEAD} bytes (IPv4 20, UDP 8, sleeve 20, the frame's Ethernet 14)`,
      outer,
    );
    this.later(() => this.localOut(ns, outer, tag, false));
  }

  /**
   * A DF frame too big for the overlay: the router answers in the destination's name with ICMP
   * "fragmentation needed", quoting the IP header and 8 bytes (router/sleeve.go Process,
   * router/ethernet_decoder.go makeICMPFragNeeded), and hands it to itself as if the destination's
   * peer had sent it: it is injected through the capture device, back to the sender.
   */
  private sleeveFragNeeded(
    ns: Netns,
    link: Link,
    frame: Frame,
    peer: Ipv4,
    mtu: number,
    pathMtu: number,
    tag: Tag,
  ): void {
    const about = frame.ip;
    this.drop(
      tag,
      ns,
      link.name,
      "frag-needed",
      `weave router (sleeve): ${about.length} bytes with DF set do not fit the overlay MTU ${mtu} to peer ${formatIpv4(peer)} (path MTU ${pathMtu} less ${SLEEVE_OVERHEAD} of sleeve): not sent, ICMP "fragmentation needed (mtu ${mtu})" sent back`,
      frame,
    );
    if (tag.error || isIcmpError(about) || isIcmpRedirect(about)) return;
    const err: Datagram = {
      src: about.dst,
      dst: about.src,
      ttl: 64,
      proto: 1,
      df: false,
      length: IPV4_HEADER + ICMP_HEADER + IPV4_HEADER + 8,
      l4: {
        kind: "icmp",
        type: ICMP_DEST_UNREACH,
        code: 4,
        id: 0,
        seq: 0,
        mtu,
        quoted: about,
      },
    };
    const errTag: Tag = { flow: tag.flow, error: true, flood: false };
    const reply: Frame = { src: frame.dst, dst: frame.src, ip: err };
    this.hop(
      "icmp",
      errTag,
      ns,
      link.name,
      `weave router (sleeve) answers ICMP "${icmpErrorText(ICMP_DEST_UNREACH, 4, mtu)}" in ${formatIpv4(about.dst)}'s name, injected through ${link.name}`,
      reply,
    );
    this.xmit(ns, link, reply, errTag);
  }

  /**
   * A sleeve datagram reached the router's socket (router/sleeve.go readUDP and handleFrame;
   * router/network_router.go handleForwardedPacket): from a peer it has a connection with and for
   * itself, it learns the frame's source MAC at the peer that captured it and injects the frame
   * through its capture device (pcap's WritePacketData: transmitted out of vethwe-pcap, so it
   * arrives at vethwe-bridge and the bridge). A broadcast is not relayed on: in a full mesh the
   * sender reached every peer itself.
   */
  private sleeveReceive(ns: Netns, link: Link, router: SleeveRouter, d: Datagram, tag: Tag): void {
    const s = (d.l4 as Extract<Datagram["l4"], { kind: "udp" }>).sleeve as Sleeve;
    if (s.sender === router.name || !router.peers.includes(s.sender)) {
      this.drop(
        tag,
        ns,
        link.name,
        "userspace-drop",
        `weave router (sleeve) has no connection with a peer ${formatIpv4(s.sender)}: the datagram is ignored`,
        d,
      );
      return;
    }
    if (s.dstPeer !== router.name) {
      this.drop(
        tag,
        ns,
        link.name,
        "unsupported",
        `the frame is for peer ${formatIpv4(s.dstPeer)}, not this router: relaying between peers is not modelled (a full mesh never needs it)`,
        d,
      );
      return;
    }
    this.sleeveCache(ns.name).set(s.inner.src, s.srcPeer);
    const dev = ns.links.get(router.capture);
    if (!dev?.adminUp) {
      this.drop(
        tag,
        ns,
        router.capture,
        "link-down",
        `weave router (sleeve) cannot inject the frame: ${router.capture} is ${dev ? "down" : "missing"}`,
        s.inner,
      );
      return;
    }
    this.hop(
      "decap",
      tag,
      ns,
      dev.name,
      `weave router (sleeve) received UDP ${router.port} from peer ${formatIpv4(s.sender)}: learns ${s.inner.src} is at that peer and injects the frame through ${dev.name}`,
      s.inner,
    );
    this.xmit(ns, dev, s.inner, tag);
  }
}

export function rewriteDst(d: Datagram, ip: Ipv4, port: number): Datagram {
  const p = { ...d, dst: ip };
  return d.l4.kind === "tcp" || d.l4.kind === "udp" ? withPorts(p, d.l4.sport, port) : p;
}

export function rewriteSrc(d: Datagram, ip: Ipv4, port: number): Datagram {
  const p = { ...d, src: ip };
  return d.l4.kind === "tcp" || d.l4.kind === "udp" ? withPorts(p, port, d.l4.dport) : p;
}

/** The packet with the mark a chain left on it (the same object when unchanged). */
export function withMark(d: Datagram, mark: number): Datagram {
  return (d.mark ?? 0) === mark ? d : { ...d, mark };
}

/** is_skb_forwardable: the receiving device takes frames up to its MTU plus a VLAN tag's 4 bytes. */
function fitsMtu(frame: Frame, receiver: Link): boolean {
  return wireLength(frame.ip) <= receiver.mtu + 4;
}

function srcPortOf(d: Datagram): string {
  return d.l4.kind === "tcp" || d.l4.kind === "udp" ? `:${d.l4.sport}` : "";
}

function portOf(d: Datagram): string {
  return d.l4.kind === "tcp" || d.l4.kind === "udp" ? `:${d.l4.dport}` : "";
}

function carrierWhy(link: Link): string {
  if (!link.adminUp) return "it is down";
  if (link.kind === "veth") return `its peer ${link.peer.name} is down`;
  if (link.kind === "bridge") return "no port of the bridge is up";
  return "no lower link";
}

/** A UDP source port from the inner flow, as udp_flow_src_port does (a hash into the ephemeral range). */
function flowPort(d: Datagram): number {
  const t = tupleOf(d);
  let h = 2166136261;
  for (const n of [t.src, t.dst, t.proto, t.sport, t.dport]) {
    h ^= n;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return 32768 + (h % (60999 - 32768 + 1));
}

export function describe(d: Datagram): string {
  const s = formatIpv4(d.src);
  const t = formatIpv4(d.dst);
  switch (d.l4.kind) {
    case "icmp":
      if (d.l4.type === ICMP_ECHO_REQUEST) return `ICMP echo request ${s} → ${t}`;
      if (d.l4.type === ICMP_ECHO_REPLY) return `ICMP echo reply ${s} → ${t}`;
      return `ICMP ${icmpErrorText(d.l4.type, d.l4.code, d.l4.mtu)} ${s} → ${t}`;
    case "tcp":
      return `TCP ${d.l4.flags} ${s}:${d.l4.sport} → ${t}:${d.l4.dport}`;
    case "udp":
      return `UDP ${s}:${d.l4.sport} → ${t}:${d.l4.dport}`;
    case "ipip":
      return `IP-in-IP ${s} → ${t} carrying ${describe(d.l4.inner)}`;
    default:
      return unreachable(d.l4);
  }
}

export type { Direction };
export { TCP_SYN_HEADER };
