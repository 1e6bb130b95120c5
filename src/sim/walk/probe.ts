import type { BpfConntrack } from "../bpf/maps";
import { formatIpv4, type Ipv4, parseIpv4 } from "../ipv4";
import type { Netns, World } from "../model";
import type { ConntrackEntry } from "../netfilter/conntrack";
import { seededRng } from "../rng";
import { unreachable } from "../unreachable";
import type { Flow, Hop } from "./hop";
import {
  type Datagram,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  ICMP_HEADER,
  IPV4_HEADER,
  TCP_SYN_HEADER,
  UDP_HEADER,
} from "./packet";
import { type DropReason, describe, type Tag, Walk } from "./walker";

export type Proto = "icmp" | "tcp" | "udp";

/** One probe: what `ping` or a TCP/UDP client in `from` would send to `to`. */
export interface ProbeSpec {
  /** Namespace the probe is sent from. */
  from: string;
  /** IPv4 destination, dotted quad. */
  to: string;
  proto: Proto;
  /** TCP/UDP destination port (default 80). */
  dport?: number;
  /** ICMP/UDP payload bytes, like `ping -s` (default 56). */
  size?: number;
  /** Set Don't Fragment (`ping -M do`); TCP always sets it, as Linux does. */
  df?: boolean;
  /** Seeds the random draws (iptables `statistic`), the ICMP id and the TCP source port. */
  seed?: number;
  /** Steps before the walk gives up. */
  hopLimit?: number;
}

export interface Drop {
  netns: string;
  /** A stable code: `no-route`, `netfilter-drop`, `frag-needed`, `forwarding-disabled`, … */
  reason: DropReason | "flooded-unclaimed" | "no-socket";
  /** What happened and why, in one sentence. */
  message: string;
  /** What the sending tool prints, as the real one would (`From 10.244.1.1 icmp_seq=1 …`), or null when it hears nothing. */
  reported: string | null;
}

/** How far one direction got. */
export interface PathVerdict {
  /** Whether this direction was sent at all (the reply only exists if the request arrived). */
  sent: boolean;
  delivered: boolean;
  netns: string | null;
  drop: Drop | null;
}

export interface ProbeResult {
  request: PathVerdict;
  reply: PathVerdict;
  /** ICMP messages the sender's ping prints, as it prints them (`From 10.0.0.1: icmp_seq=1 Redirect Host(New nexthop: 10.0.0.9)`); empty for TCP and UDP. */
  icmpHeard: string[];
  hops: Hop[];
  /** iptables rules evaluated over the whole probe (both directions). */
  rulesEvaluated: number;
  /** Hash and map lookups (IPVS, nftables maps, eBPF maps) over the whole probe. */
  mapLookups: number;
  /** The netfilter connections the probe left, per namespace in the order they were made. */
  conntrack: readonly ConntrackEntry[];
  /**
   * What Cilium's programs left in their LRU maps (conntrack, socket LB, affinity), by node:
   * `cilium-dbg bpf ct list global` after the probe (render/cilium.ts, formatCtList).
   */
  bpfConntrack: BpfConntrack;
}

const NOT_SENT: PathVerdict = { sent: false, delivered: false, netns: null, drop: null };

export function checkProbe(world: World, spec: ProbeSpec): string | null {
  if (!world.netns.has(spec.from)) return `no network namespace named "${spec.from}"`;
  if (parseIpv4(spec.to) === null)
    return `"${spec.to}" is not an IPv4 address (four numbers 0-255, like 10.244.2.15)`;
  if (
    spec.dport !== undefined &&
    (!Number.isInteger(spec.dport) || spec.dport < 1 || spec.dport > 65535)
  )
    return `port ${spec.dport} is not between 1 and 65535`;
  if (
    spec.size !== undefined &&
    (!Number.isInteger(spec.size) || spec.size < 0 || spec.size > 65507)
  )
    return `size ${spec.size} is not between 0 and 65507`;
  return null;
}

/**
 * Sends one probe and, when it arrives, the reply (ICMP echo reply, SYN-ACK from an assumed
 * listener, or a UDP answer), and says how far each got. Pure: the world is not changed.
 */
export function probe(world: World, spec: ProbeSpec): ProbeResult | { error: string } {
  const problem = checkProbe(world, spec);
  if (problem !== null) return { error: problem };
  const seed = spec.seed ?? 1;
  const walk = new Walk(world, seededRng(seed), spec.hopLimit);
  const from = world.netns.get(spec.from) as Netns;
  const request = requestDatagram(spec, seed);
  const requestTag: Tag = { flow: "request", error: false, flood: false };
  walk.sendFromSocket(from, request, requestTag, spec.proto === "icmp" ? "ping" : "connect");
  walk.run();

  const arrived = walk.deliveries.find(
    (d) => d.tag.flow === "request" && !d.tag.error && isRequest(d.packet, request),
  );
  const requestVerdict: PathVerdict = arrived
    ? { sent: true, delivered: true, netns: arrived.netns, drop: null }
    : { sent: true, delivered: false, netns: null, drop: dropOf(walk, "request", spec) };
  if (!arrived || walk.aborted) {
    return {
      request: requestVerdict,
      reply: NOT_SENT,
      icmpHeard: heardBy(walk, spec),
      hops: walk.hops,
      rulesEvaluated: walk.rulesEvaluated,
      mapLookups: walk.mapLookups,
      conntrack: connectionsOf(walk, requestVerdict, NOT_SENT),
      bpfConntrack: walk.bpfConntrack,
    };
  }
  const responder = world.netns.get(arrived.netns) as Netns;
  const reply = replyTo(arrived.packet);
  const replyTag: Tag = { flow: "reply", error: false, flood: false };
  walk.hop(
    "send",
    replyTag,
    responder,
    null,
    `${responder.name} answers: ${describe(reply)}`,
    reply,
  );
  // A UDP server answers with sendmsg(), where Cilium's socket LB looks too (a SYN-ACK is the kernel's).
  const answer = reply.l4.kind === "udp" ? walk.socketLb(responder, reply, replyTag) : reply;
  if (answer) walk.localOut(responder, answer, replyTag, false);
  walk.run();
  // The sender's socket takes the reply only if it matches what it sent (after conntrack undid any NAT).
  const atSender = walk.deliveries.filter(
    (d) => d.tag.flow === "reply" && !d.tag.error && d.netns === spec.from,
  );
  const back = atSender.find((d) => matchesReply(d.packet, request, spec));
  const stray = atSender[0];
  let replyVerdict: PathVerdict;
  if (back) replyVerdict = { sent: true, delivered: true, netns: back.netns, drop: null };
  else if (stray)
    replyVerdict = {
      sent: true,
      delivered: false,
      netns: null,
      drop: {
        netns: spec.from,
        reason: "no-socket",
        message: `the reply reached ${spec.from} as ${describe(stray.packet)}, but the sender is waiting for an answer from ${spec.to}: no socket takes it (nothing translated the source back)`,
        reported: null,
      },
    };
  else
    replyVerdict = { sent: true, delivered: false, netns: null, drop: dropOf(walk, "reply", spec) };
  return {
    request: requestVerdict,
    reply: replyVerdict,
    icmpHeard: heardBy(walk, spec),
    hops: walk.hops,
    rulesEvaluated: walk.rulesEvaluated,
    mapLookups: walk.mapLookups,
    conntrack: connectionsOf(walk, requestVerdict, replyVerdict),
    bpfConntrack: walk.bpfConntrack,
  };
}

/**
 * The connections `conntrack -L` would list after the probe. An entry joins the table only when
 * the packet that made it leaves the namespace or is delivered there (nf_conntrack_confirm, at
 * POSTROUTING and at the end of INPUT); a packet that dies on the way (DROP, REJECT, no route,
 * forwarding off) frees its unconfirmed entry with it, and REJECT's own reset or ICMP error,
 * going the other way, confirms nothing (__nf_conntrack_confirm). So: the namespace where the
 * request died lists nothing of it, and where the reply died, nothing the reply made itself.
 */
function connectionsOf(walk: Walk, request: PathVerdict, reply: PathVerdict): ConntrackEntry[] {
  return [...walk.conntrack.values()]
    .flatMap((t) => t.entries)
    .filter(
      (e) => e.netns !== request.drop?.netns && !(e.netns === reply.drop?.netns && !e.seenReply),
    );
}

/**
 * The ICMP messages ping prints, in the order they arrived (iputils: errors without a colon,
 * other ICMP with one). Like ping, it keeps only those about a packet it sent to the target.
 */
function heardBy(walk: Walk, spec: ProbeSpec): string[] {
  if (spec.proto !== "icmp") return [];
  return walk.heardErrors
    .filter((h) => h.netns === spec.from && h.tag.flow === "request" && aboutTarget(h.about, spec))
    .map((h) => `From ${formatIpv4(h.from)}${h.redirect ? ":" : ""} icmp_seq=1 ${h.text}`);
}

function aboutTarget(about: Ipv4 | null, spec: ProbeSpec): boolean {
  return about === null || about === parseIpv4(spec.to);
}

function requestDatagram(spec: ProbeSpec, seed: number): Datagram {
  const dst = parseIpv4(spec.to) as Ipv4;
  const size = spec.size ?? 56;
  const dport = spec.dport ?? 80;
  const sport = 32768 + ((seed * 7919) % 28231);
  switch (spec.proto) {
    case "icmp":
      return {
        src: 0,
        dst,
        ttl: 64,
        proto: 1,
        df: spec.df ?? false,
        length: IPV4_HEADER + ICMP_HEADER + size,
        l4: {
          kind: "icmp",
          type: ICMP_ECHO_REQUEST,
          code: 0,
          id: 0x1000 + (seed % 0xefff),
          seq: 1,
          mtu: null,
          quoted: null,
        },
      };
    case "tcp":
      return {
        src: 0,
        dst,
        ttl: 64,
        proto: 6,
        df: true,
        length: IPV4_HEADER + TCP_SYN_HEADER,
        l4: { kind: "tcp", sport, dport, flags: "SYN" },
      };
    case "udp":
      return {
        src: 0,
        dst,
        ttl: 64,
        proto: 17,
        df: spec.df ?? false,
        length: IPV4_HEADER + UDP_HEADER + size,
        l4: { kind: "udp", sport, dport, vxlan: null },
      };
    default:
      return unreachable(spec.proto);
  }
}

function isRequest(d: Datagram, request: Datagram): boolean {
  const l4 = d.l4;
  const r = request.l4;
  if (l4.kind === "icmp" && r.kind === "icmp")
    return l4.type === ICMP_ECHO_REQUEST && l4.id === r.id;
  if (l4.kind === "tcp" && r.kind === "tcp") return l4.flags === "SYN";
  if (l4.kind === "udp" && r.kind === "udp") return l4.vxlan === null && !l4.sleeve;
  return false;
}

/** The answer the destination's kernel (or an assumed listener) sends back. */
function replyTo(d: Datagram): Datagram {
  const base = { src: d.dst, dst: d.src, ttl: 64 };
  switch (d.l4.kind) {
    case "icmp":
      // Linux's ICMP socket does not set DF on echo replies.
      return {
        ...base,
        proto: 1,
        df: false,
        length: d.length,
        l4: { ...d.l4, type: ICMP_ECHO_REPLY },
      };
    case "tcp":
      return {
        ...base,
        proto: 6,
        df: true,
        length: IPV4_HEADER + TCP_SYN_HEADER,
        l4: { kind: "tcp", sport: d.l4.dport, dport: d.l4.sport, flags: "SYN,ACK" },
      };
    case "udp":
      return {
        ...base,
        proto: 17,
        df: false,
        length: d.length,
        l4: { kind: "udp", sport: d.l4.dport, dport: d.l4.sport, vxlan: null },
      };
    case "ipip":
      // Probes are ICMP, TCP or UDP; a tunnel packet is never one. Echo it back unchanged.
      return { ...base, proto: 4, df: false, length: d.length, l4: d.l4 };
    default:
      return unreachable(d.l4);
  }
}

function matchesReply(d: Datagram, request: Datagram, spec: ProbeSpec): boolean {
  const l4 = d.l4;
  const r = request.l4;
  // ping's raw socket filters on the echo id only; TCP and UDP sockets need the whole 4-tuple.
  if (l4.kind === "icmp" && r.kind === "icmp") return l4.type === ICMP_ECHO_REPLY && l4.id === r.id;
  const to = parseIpv4(spec.to) as Ipv4;
  if (l4.kind === "tcp" && r.kind === "tcp")
    return l4.flags === "SYN,ACK" && d.src === to && l4.sport === r.dport && l4.dport === r.sport;
  if (l4.kind === "udp" && r.kind === "udp")
    return d.src === to && l4.sport === r.dport && l4.dport === r.sport;
  return false;
}

/** Picks the drop that explains a direction's failure, and what the sender's tool would print. */
function dropOf(walk: Walk, flow: Flow, spec: ProbeSpec): Drop {
  const sender = flow === "request" ? spec.from : null;
  const local = walk.localErrors.find((e) => e.tag.flow === flow);
  const drops = walk.drops.filter((d) => d.tag.flow === flow && !d.tag.error);
  // A walk cut at the hop limit is explained by the limit, not by whatever copy fell first.
  const main = walk.aborted ? walk.drops.find((d) => d.reason === "hop-limit") : drops[0];
  const heard = walk.heardErrors.find(
    (h) =>
      h.tag.flow === flow &&
      !h.redirect &&
      (sender === null || h.netns === sender) &&
      aboutTarget(h.about, spec),
  );
  let reported: string | null = null;
  if (local) reported = local.message;
  else if (heard && flow === "request")
    reported =
      spec.proto === "icmp"
        ? `From ${formatIpv4(heard.from)} icmp_seq=1 ${heard.text}`
        : socketReport(spec.proto, heard.type, heard.code);
  if (!main) {
    return {
      netns: sender ?? "",
      reason: "flooded-unclaimed",
      message: "the frame was flooded and no host on the segment took it",
      reported,
    };
  }
  return { netns: main.netns, reason: main.reason, message: main.message, reported };
}

/**
 * How a TCP or UDP client reports the ICMP error (or reset) that reached its socket: the errno
 * from the kernel's icmp_err_convert table. A connecting TCP socket gives up on any of them
 * (tcp_v4_err); a UDP socket only on the "fatal" ones (__udp4_lib_err), and otherwise waits.
 */
function socketReport(proto: "tcp" | "udp", type: number, code: number): string | null {
  if (type === -1) return "connect: Connection refused";
  if (type === 11) return proto === "tcp" ? "connect: No route to host" : null;
  if (type !== 3) return null;
  const table: Record<number, [string, boolean]> = {
    0: ["Network is unreachable", false],
    1: ["No route to host", false],
    2: ["Protocol not available", true],
    3: ["Connection refused", true],
    9: ["Network is unreachable", true],
    10: ["No route to host", true],
    13: ["No route to host", true],
  };
  const entry = table[code];
  if (!entry || code === 4) return null;
  const [text, fatal] = entry;
  if (proto === "udp" && !fatal) return null;
  return proto === "tcp" ? `connect: ${text}` : `recv: ${text}`;
}
