/**
 * IPVS in the packet walk (net/netfilter/ipvs/ip_vs_core.c): what its netfilter hooks decide
 * about one packet, and the state a walk keeps for them: the connection table (ip_vs_conn),
 * persistence templates, each scheduler's position and the real servers' connection counters.
 * The walker (walk/walker.ts) calls these at the hooks the kernel registers (ip_vs_ops4):
 *
 * - LOCAL_IN, after the filter table: ip_vs_out_hook (priority NF_IP_PRI_NAT_SRC - 2) un-NATs a
 *   reply for a local client, then ip_vs_in_hook (NF_IP_PRI_NAT_SRC - 1) schedules a packet to
 *   a virtual service and sends it to the real server (the packet is "stolen").
 * - LOCAL_OUT, after the nat table: the same two, for locally generated packets.
 * - FORWARD, after the filter table: ip_vs_forward_icmp (99) and ip_vs_out_hook (100), which
 *   rewrites the source of a reply coming back from a real server through this node; bridged
 *   packets meet it too when br_netfilter runs them through FORWARD (bridge-nf-call-iptables=1),
 *   which is why kube-proxy's IPVS mode wants br_netfilter for pods on one bridge.
 *
 * Every hook returns the hash lookups it made, which the walker counts in `mapLookups`: the
 * connection table on every TCP or UDP packet (ip_vs_conn_in_get / ip_vs_conn_out_get), the
 * service table when a new connection may start (ip_vs_service_find, with the fwmark table
 * first for a marked packet), the template for a persistent service (ip_vs_ct_in_get). None of
 * them grows with the number of services: IPVS finds a service in a hash table.
 *
 * The walk starts with an empty connection table and fresh schedulers, so within one probe `rr`
 * sends the first connection to the first real server of the kernel's list, which is the one
 * added last (ip_vs_add_dest puts each new destination at the head); `sh` hashes the client's
 * address into a 256-bucket table filled from that list (ip_vs_sh.c); `dh` hashes the
 * destination. Not modelled: ICMP errors about IPVS connections are counted but not translated
 * (ip_vs_in_icmp, ip_vs_out_icmp), connection states and timeouts, one-packet scheduling, sloppy
 * TCP and fwmark services.
 */
import { formatIpv4, type Ipv4 } from "../ipv4";
import {
  findService,
  type IpvsDest,
  type IpvsForward,
  type IpvsProtocol,
  type IpvsService,
  type IpvsState,
  serviceKey,
} from "../ipvs/state";
import type { Netns } from "../model";
import { unreachable } from "../unreachable";
import {
  type Datagram,
  ICMP_DEST_UNREACH,
  ICMP_ECHO_REQUEST,
  ICMP_TIME_EXCEEDED,
  withPorts,
} from "../walk/packet";

/** One IPVS connection: client, virtual service and the real server chosen for it. */
export interface IpvsConn {
  readonly protocol: IpvsProtocol;
  readonly caddr: Ipv4;
  readonly cport: number;
  readonly vaddr: Ipv4;
  readonly vport: number;
  readonly daddr: Ipv4;
  readonly dport: number;
  readonly forward: IpvsForward;
  readonly service: string;
}

export type IpvsInVerdict =
  /** Not for IPVS: the packet goes on to the local stack. `text` explains when worth saying. */
  | { readonly kind: "pass"; readonly lookups: number; readonly text: string | null }
  /** A virtual service with no real server to take it: ip_vs_leave answers ICMP port unreachable. */
  | { readonly kind: "no-dest"; readonly lookups: number; readonly text: string }
  /** Scheduled (or a known connection): `packet` is what leaves for the real server. */
  | {
      readonly kind: "xmit";
      readonly lookups: number;
      readonly text: string;
      readonly conn: IpvsConn;
      readonly packet: Datagram;
    };

export type IpvsOutVerdict =
  | { readonly kind: "pass"; readonly lookups: number }
  /** A reply of a masqueraded connection: the source is the virtual service again. */
  | {
      readonly kind: "reply";
      readonly lookups: number;
      readonly text: string;
      readonly packet: Datagram;
    };

/** A real server's connection counters in this walk (ActiveConn, InActConn). */
interface Counters {
  active: number;
  inactive: number;
}

/** wrr's position (ip_vs_wrr.c, struct ip_vs_wrr_mark). */
interface WrrMark {
  /** Index of the current server in the list, -1 for the list head. */
  cl: number;
  cw: number;
  mw: number;
  di: number;
}

/** What one namespace's IPVS has learned during the walk. */
class NsIpvs {
  /** Connections by the tuple a client's packet carries (ip_vs_conn_in_get). */
  readonly byClient = new Map<string, IpvsConn>();
  /** The same connections by the tuple the real server's reply carries (ip_vs_conn_out_get). */
  readonly byServer = new Map<string, IpvsConn>();
  /** Persistence templates: client address (masked), virtual address and port → real server. */
  readonly templates = new Map<string, IpvsDest>();
  /** rr: index of the last server chosen, per service (-1 = the list head). */
  readonly rrCursor = new Map<string, number>();
  readonly wrr = new Map<string, WrrMark>();
  readonly counters = new Map<IpvsDest, Counters>();
}

function clientKey(protocol: IpvsProtocol, c: Ipv4, cport: number, v: Ipv4, vport: number): string {
  return `${protocol}|${c}|${cport}|${v}|${vport}`;
}

function serverKey(protocol: IpvsProtocol, d: Ipv4, dport: number, c: Ipv4, cport: number): string {
  return `${protocol}|${d}|${dport}|${c}|${cport}`;
}

function protocolOf(d: Datagram): IpvsProtocol | null {
  return d.l4.kind === "tcp" ? "TCP" : d.l4.kind === "udp" ? "UDP" : null;
}

function portsOf(d: Datagram): { sport: number; dport: number } {
  return d.l4.kind === "tcp" || d.l4.kind === "udp"
    ? { sport: d.l4.sport, dport: d.l4.dport }
    : { sport: 0, dport: 0 };
}

/** ICMP errors IPVS looks into (ip_vs_in_icmp / ip_vs_out_icmp): unreachable, quench, time exceeded. */
function isIcmpError(d: Datagram): boolean {
  return (
    d.l4.kind === "icmp" &&
    (d.l4.type === ICMP_DEST_UNREACH || d.l4.type === 4 || d.l4.type === ICMP_TIME_EXCEEDED)
  );
}

export function forwardText(f: IpvsForward): string {
  switch (f) {
    case "masq":
      return "masquerade (NAT)";
    case "route":
      return "direct routing (DR)";
    case "tunnel":
      return "IP-in-IP tunnel (TUN)";
    default:
      return unreachable(f);
  }
}

function endpoint(ip: Ipv4, port: number): string {
  return `${formatIpv4(ip)}:${port}`;
}

/** The state IPVS builds while one walk runs, per namespace. */
export class IpvsWalk {
  private readonly perNs = new Map<string, NsIpvs>();

  private of(ns: Netns): NsIpvs {
    let s = this.perNs.get(ns.name);
    if (!s) {
      s = new NsIpvs();
      this.perNs.set(ns.name, s);
    }
    return s;
  }

  /** A connection this walk made in `ns`, by the client's tuple (for tests and the trace). */
  connection(ns: Netns, d: Datagram): IpvsConn | undefined {
    const protocol = protocolOf(d);
    if (!protocol) return undefined;
    const { sport, dport } = portsOf(d);
    return this.perNs.get(ns.name)?.byClient.get(clientKey(protocol, d.src, sport, d.dst, dport));
  }

  /**
   * ip_vs_out_hook: a packet from a real server back to a client of a masqueraded connection has
   * its source set back to the virtual service (handle_response). One connection-table lookup
   * per TCP or UDP packet (or ICMP error), none for other traffic.
   */
  out(ns: Netns, state: IpvsState, d: Datagram): IpvsOutVerdict {
    if (!state.enabled) return { kind: "pass", lookups: 0 };
    if (d.l4.kind === "icmp") return { kind: "pass", lookups: isIcmpError(d) ? 1 : 0 };
    const protocol = protocolOf(d);
    if (!protocol) return { kind: "pass", lookups: 0 };
    const { sport, dport } = portsOf(d);
    const conn = this.of(ns).byServer.get(serverKey(protocol, d.src, sport, d.dst, dport));
    if (conn?.forward !== "masq") return { kind: "pass", lookups: 1 };
    const back = withPorts({ ...d, src: conn.vaddr }, conn.vport, dport);
    return {
      kind: "reply",
      lookups: 1,
      packet: back,
      text: `IPVS: reply of connection ${endpoint(conn.caddr, conn.cport)} → ${endpoint(conn.vaddr, conn.vport)} from real server ${endpoint(conn.daddr, conn.dport)}: source rewritten back to ${endpoint(conn.vaddr, conn.vport)} (ip_vs_out)`,
    };
  }

  /** ip_vs_forward_icmp: at FORWARD, an ICMP error is looked up as one about an incoming connection. */
  forwardIcmp(state: IpvsState, d: Datagram): number {
    return state.enabled && isIcmpError(d) ? 1 : 0;
  }

  /**
   * ip_vs_in_hook: a packet of a known connection follows it; a new TCP connection (a SYN) or
   * any UDP packet is matched against the virtual services, and a service's scheduler picks the
   * real server. ICMP echo and other protocols are not IPVS's: they pass to the local stack.
   */
  in(ns: Netns, state: IpvsState, d: Datagram): IpvsInVerdict {
    if (!state.enabled) return { kind: "pass", lookups: 0, text: null };
    if (d.l4.kind === "icmp") {
      if (isIcmpError(d)) return { kind: "pass", lookups: 1, text: null };
      if (d.l4.type !== ICMP_ECHO_REQUEST || !hasVirtualAddress(state, d.dst))
        return { kind: "pass", lookups: 0, text: null };
      return {
        kind: "pass",
        lookups: 0,
        text: `IPVS lets it pass: ICMP is not a protocol IPVS balances (TCP, UDP and SCTP are), and ${formatIpv4(d.dst)}${holder(ns, d.dst)} is this namespace's own address`,
      };
    }
    const protocol = protocolOf(d);
    if (!protocol) return { kind: "pass", lookups: 0, text: null };
    const s = this.of(ns);
    const { sport, dport } = portsOf(d);
    let lookups = 1;
    const known = s.byClient.get(clientKey(protocol, d.src, sport, d.dst, dport));
    if (known) {
      const packet = known.forward === "masq" ? natPacket(d, known) : d;
      return {
        kind: "xmit",
        lookups,
        conn: known,
        packet,
        text: `IPVS: connection ${endpoint(d.src, sport)} → ${endpoint(d.dst, dport)} is known: on to real server ${endpoint(known.daddr, known.dport)}, ${forwardText(known.forward)}`,
      };
    }
    // tcp_conn_schedule: only a SYN (or a RST-free packet with sloppy_tcp) may start one.
    if (d.l4.kind === "tcp" && d.l4.flags !== "SYN") return { kind: "pass", lookups, text: null };
    // ip_vs_service_find: the fwmark table first when the packet carries a mark, then the
    // <protocol, address, port> table.
    if ((d.mark ?? 0) !== 0) lookups++;
    lookups++;
    const svc = findService(state, protocol, d.dst, dport);
    if (!svc) return { kind: "pass", lookups, text: null };
    const name = `${protocol} ${endpoint(svc.vip, svc.port)} (${svc.scheduler}${svc.persistent === null ? "" : `, persistent ${svc.persistent}`})`;
    let dest: IpvsDest | null;
    if (svc.persistent !== null) {
      // ip_vs_sched_persist: the client's template (ip_vs_ct_in_get) keeps it on one server.
      lookups++;
      const key = `${protocol}|${(d.src & svc.netmask) >>> 0}|${svc.vip}|${svc.port}`;
      const template = s.templates.get(key);
      dest =
        template && template.weight > 0 && svc.dests.includes(template)
          ? template
          : this.schedule(s, svc, d);
      if (dest) s.templates.set(key, dest);
    } else dest = this.schedule(s, svc, d);
    if (!dest)
      return {
        kind: "no-dest",
        lookups,
        text: `IPVS: virtual service ${name} has no real server available: ICMP port unreachable sent back (ip_vs_leave)`,
      };
    const conn: IpvsConn = {
      protocol,
      caddr: d.src,
      cport: sport,
      vaddr: d.dst,
      vport: dport,
      daddr: dest.ip,
      dport: dest.port,
      forward: dest.forward,
      service: serviceKey(svc.protocol, svc.vip, svc.port),
    };
    s.byClient.set(clientKey(protocol, d.src, sport, d.dst, dport), conn);
    s.byServer.set(serverKey(protocol, dest.ip, dest.port, d.src, sport), conn);
    // ip_vs_bind_dest counts it active; the TCP state machine makes a SYN_RECV one inactive.
    const c = counters(s, dest);
    if (protocol === "TCP") c.inactive++;
    else c.active++;
    const packet = dest.forward === "masq" ? natPacket(d, conn) : d;
    return {
      kind: "xmit",
      lookups,
      conn,
      packet,
      text: `IPVS: virtual service ${name} → real server ${endpoint(dest.ip, dest.port)}, ${forwardText(dest.forward)}`,
    };
  }

  /** The scheduler's pick among the service's real servers, or null (ip_vs_scheduler.c). */
  private schedule(s: NsIpvs, svc: IpvsService, d: Datagram): IpvsDest | null {
    const key = serviceKey(svc.protocol, svc.vip, svc.port);
    const list = svc.dests;
    const usable = (x: IpvsDest): boolean => x.weight > 0;
    switch (svc.scheduler) {
      case "rr": {
        // ip_vs_rr_schedule: from the last choice (the list head at first) to the next with weight.
        const from = s.rrCursor.get(key) ?? -1;
        for (let k = 1; k <= list.length; k++) {
          const i = (from + k) % list.length;
          const x = list[i] as IpvsDest;
          if (usable(x)) {
            s.rrCursor.set(key, i);
            return x;
          }
        }
        return null;
      }
      case "wrr":
        return wrrSchedule(s, key, list);
      case "lc":
        return leastBy(
          list,
          (x) => overhead(s, x),
          (a, _wa, b, _wb) => b < a,
        );
      case "wlc":
        return weighted(list, (x) => overhead(s, x));
      case "sed":
        return weighted(list, (x) => counters(s, x).active + 1);
      case "nq": {
        // ip_vs_nq: an idle server at once; otherwise as sed.
        const idle = list.find((x) => usable(x) && counters(s, x).active === 0);
        return idle ?? weighted(list, (x) => counters(s, x).active + 1);
      }
      case "sh": {
        const dest = shBuckets(list)[hash32(d.src, 8)] ?? null;
        return dest && usable(dest) ? dest : null;
      }
      case "dh": {
        const dest = dhBuckets(list)[dhHash(d.dst)] ?? null;
        return dest && usable(dest) ? dest : null;
      }
      default:
        return null;
    }
  }

  /** The counters the walk's connections left on a real server (for tests and lc-style schedulers). */
  countersOf(ns: Netns, dest: IpvsDest): Counters {
    return counters(this.of(ns), dest);
  }
}

function counters(s: NsIpvs, dest: IpvsDest): Counters {
  let c = s.counters.get(dest);
  if (!c) {
    c = { active: 0, inactive: 0 };
    s.counters.set(dest, c);
  }
  return c;
}

/** ip_vs_dest_conn_overhead: active connections weigh 256 times an inactive one. */
function overhead(s: NsIpvs, dest: IpvsDest): number {
  const c = counters(s, dest);
  return c.active * 256 + c.inactive;
}

/** lc: the first server with the least overhead (ties go to the earlier one). */
function leastBy(
  list: readonly IpvsDest[],
  cost: (d: IpvsDest) => number,
  better: (best: number, bestWeight: number, cand: number, candWeight: number) => boolean,
): IpvsDest | null {
  let least: IpvsDest | null = null;
  let loh = 0;
  for (const x of list) {
    if (x.weight <= 0) continue;
    const doh = cost(x);
    if (least === null || better(loh, least.weight, doh, x.weight)) {
      least = x;
      loh = doh;
    }
  }
  return least;
}

/** wlc and sed: least overhead per weight, compared as loh × w > doh × lw (no division). */
function weighted(list: readonly IpvsDest[], cost: (d: IpvsDest) => number): IpvsDest | null {
  return leastBy(list, cost, (loh, lw, doh, dw) => loh * dw > doh * lw);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * ip_vs_wrr_schedule: walk the list from the current server; at the head, lower the current
 * weight by the weights' gcd (back to the maximum below zero); the first server whose weight
 * reaches the current weight is chosen.
 */
function wrrSchedule(s: NsIpvs, key: string, list: readonly IpvsDest[]): IpvsDest | null {
  let mark = s.wrr.get(key);
  if (!mark) {
    const weights = list.map((x) => x.weight).filter((w) => w > 0);
    const di = weights.length === 0 ? 1 : weights.reduce(gcd);
    const mw = Math.max(0, ...list.map((x) => x.weight)) - (di - 1);
    mark = { cl: -1, cw: mw, mw, di };
    s.wrr.set(key, mark);
  }
  if (mark.mw <= 0 || list.length === 0) return null;
  // Each weight level is tried at most once over the whole list before giving up.
  const levels = Math.ceil(mark.mw / mark.di) + 1;
  for (let step = 0; step < levels * (list.length + 1); step++) {
    mark.cl++;
    if (mark.cl >= list.length) {
      mark.cl = -1;
      mark.cw -= mark.di;
      if (mark.cw <= 0) mark.cw = mark.mw;
      continue;
    }
    const x = list[mark.cl] as IpvsDest;
    if (x.weight >= mark.cw) return x;
  }
  return null;
}

/** hash_32 (include/linux/hash.h): the top `bits` of val × GOLDEN_RATIO_32. */
export function hash32(val: number, bits: number): number {
  return Math.imul(val >>> 0, 0x61c88647) >>> (32 - bits);
}

/**
 * ip_vs_sh_reassign: 256 buckets filled from the list in order, each server taking as many
 * consecutive buckets as its weight, round and round.
 */
export function shBuckets(list: readonly IpvsDest[]): (IpvsDest | null)[] {
  const buckets: (IpvsDest | null)[] = [];
  let at = 0;
  let count = 0;
  for (let i = 0; i < 256; i++) {
    if (list.length === 0) {
      buckets.push(null);
      continue;
    }
    if (at >= list.length) at = 0;
    const x = list[at] as IpvsDest;
    buckets.push(x);
    if (++count >= x.weight) {
      at++;
      count = 0;
    }
  }
  return buckets;
}

/** ip_vs_dh_reassign: 256 buckets, one server after the other, ignoring weights. */
function dhBuckets(list: readonly IpvsDest[]): (IpvsDest | null)[] {
  return Array.from({ length: 256 }, (_, i) =>
    list.length === 0 ? null : (list[i % list.length] as IpvsDest),
  );
}

/** ip_vs_dh_hashkey: (address × 2654435761) & 255. */
function dhHash(addr: Ipv4): number {
  return Math.imul(addr >>> 0, 2654435761 | 0) & 255;
}

/** The destination rewrite masquerading makes (ip_vs_nat_xmit, the protocol's dnat_handler). */
function natPacket(d: Datagram, conn: IpvsConn): Datagram {
  const { sport } = portsOf(d);
  return withPorts({ ...d, dst: conn.daddr }, sport, conn.dport);
}

function hasVirtualAddress(state: IpvsState, ip: Ipv4): boolean {
  for (const svc of state.services.values()) if (svc.vip === ip) return true;
  return false;
}

/** ` (an address of kube-ipvs0)`: which device holds a local address, for the trace. */
function holder(ns: Netns, ip: Ipv4): string {
  const a = ns.addresses.find((x) => x.ip === ip);
  return a ? ` (an address of ${a.dev})` : "";
}
