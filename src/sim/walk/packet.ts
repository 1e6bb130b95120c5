import { formatIpv4, type Ipv4 } from "../ipv4";
import type { Mac } from "../mac";
import { unreachable } from "../unreachable";

/** Bytes the VXLAN encapsulation adds: outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14. */
export const VXLAN_OVERHEAD = 50;
/** Bytes IP-in-IP adds: the outer IPv4 header. */
export const IPIP_OVERHEAD = 20;
export const IPV4_HEADER = 20;
export const ICMP_HEADER = 8;
export const TCP_SYN_HEADER = 40;
export const UDP_HEADER = 8;
/**
 * Weave sleeve's own header for a datagram carrying one frame (weaveworks/weave router/crypto.go,
 * NonEncryptor, and site/concepts/router-encapsulation.md): the sending peer's name (6 bytes,
 * PacketOverhead), then per frame the capturing and the destination peer's names (6 + 6) and the
 * frame's length (2, FrameOverhead). Peer names are MACs (router/peer_name_mac.go, NameSize 6).
 * The router batches frames captured in quick succession into one datagram; the model sends one.
 */
export const SLEEVE_HEADER = 6 + 6 + 6 + 2;
/**
 * Bytes sleeve adds to the captured IP packet: outer IPv4 20 + UDP 8 (router/consts.go,
 * UDPOverhead 28) + sleeve's header 20 + the captured frame's Ethernet header 14
 * (EthernetOverhead): sleeveForwarder.overheadDF in router/sleeve.go, without encryption.
 */
export const SLEEVE_OVERHEAD = IPV4_HEADER + UDP_HEADER + SLEEVE_HEADER + 14;

export type L4 =
  | {
      readonly kind: "icmp";
      readonly type: number;
      readonly code: number;
      /** Echo identifier and sequence (0 for errors). */
      readonly id: number;
      readonly seq: number;
      /** Next-hop MTU carried by "fragmentation needed". */
      readonly mtu: number | null;
      /** The better gateway a redirect names. */
      readonly gateway?: Ipv4;
      /** The datagram an ICMP error is about (its header and first 8 bytes, as the kernel quotes them). */
      readonly quoted: Datagram | null;
    }
  | {
      readonly kind: "tcp";
      readonly sport: number;
      readonly dport: number;
      readonly flags: "SYN" | "SYN,ACK" | "RST" | "RST,ACK";
    }
  | {
      readonly kind: "udp";
      readonly sport: number;
      readonly dport: number;
      readonly vxlan: Vxlan | null;
      /** A Weave sleeve datagram (from one router's UDP socket to another's). */
      readonly sleeve?: Sleeve;
    }
  /** IP in IP (protocol 4): the payload is another datagram. */
  | { readonly kind: "ipip"; readonly inner: Datagram };

/** A VXLAN header (or, with `protocol: "geneve"`, a Geneve one without options: same 8 bytes). */
export interface Vxlan {
  readonly vni: number;
  readonly inner: Frame;
  readonly protocol?: "geneve";
}

/**
 * Weave's sleeve encapsulation of one captured frame. Peers are named by their node's address
 * (Weave uses MACs; see `SleeveRouter`).
 */
export interface Sleeve {
  /** The peer that sent the datagram. */
  readonly sender: Ipv4;
  /** The peer that captured the frame (its source MAC is local there). */
  readonly srcPeer: Ipv4;
  /** The peer the frame is for; on a broadcast, the peer it is sent to. */
  readonly dstPeer: Ipv4;
  readonly inner: Frame;
}

/** An IPv4 datagram. Immutable: a rewrite makes a new one, so every hop can keep the one it saw. */
export interface Datagram {
  readonly src: Ipv4;
  readonly dst: Ipv4;
  readonly ttl: number;
  /** IP protocol number: 1 ICMP, 6 TCP, 17 UDP. */
  readonly proto: number;
  readonly df: boolean;
  /** Total length in bytes, header included. */
  readonly length: number;
  /** Set once the datagram was fragmented: the total length of its largest fragment on the wire. */
  readonly fragment?: number;
  /**
   * skb->mark: set by iptables `MARK` (kube-proxy's KUBE-MARK-MASQ), read by `-m mark` in a later
   * chain of the same namespace; cleared when the packet crosses into another namespace.
   */
  readonly mark?: number;
  readonly l4: L4;
}

/** Bytes of the largest piece actually on the wire (a fragmented datagram travels in pieces). */
export function wireLength(d: Datagram): number {
  return d.fragment ?? d.length;
}

/** ip_fragment: pieces of at most `mtu` bytes, payload in multiples of 8. */
export function fragmented(d: Datagram, mtu: number): Datagram {
  const piece = Math.floor((mtu - IPV4_HEADER) / 8) * 8 + IPV4_HEADER;
  return { ...d, fragment: Math.min(wireLength(d), piece) };
}

export interface Frame {
  readonly src: Mac;
  readonly dst: Mac;
  readonly ip: Datagram;
}

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_REDIRECT = 5;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_TIME_EXCEEDED = 11;

/** The connection a datagram belongs to: conntrack's tuple (ICMP echo uses its id as both ports). */
export interface Tuple {
  readonly src: Ipv4;
  readonly dst: Ipv4;
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
}

export function tupleOf(d: Datagram): Tuple {
  switch (d.l4.kind) {
    case "icmp":
      return { src: d.src, dst: d.dst, proto: 1, sport: d.l4.id, dport: d.l4.id };
    case "tcp":
    case "udp":
      return { src: d.src, dst: d.dst, proto: d.proto, sport: d.l4.sport, dport: d.l4.dport };
    case "ipip":
      return { src: d.src, dst: d.dst, proto: 4, sport: 0, dport: 0 };
    default:
      return unreachable(d.l4);
  }
}

export function withPorts(d: Datagram, sport: number, dport: number): Datagram {
  if (d.l4.kind === "tcp" || d.l4.kind === "udp") return { ...d, l4: { ...d.l4, sport, dport } };
  return d;
}

export function isIcmpRedirect(d: Datagram): boolean {
  return d.l4.kind === "icmp" && d.l4.type === ICMP_REDIRECT;
}

export function isIcmpError(d: Datagram): boolean {
  return (
    d.l4.kind === "icmp" && (d.l4.type === ICMP_DEST_UNREACH || d.l4.type === ICMP_TIME_EXCEEDED)
  );
}

/** What ping prints for an ICMP error it hears (iputils ping_common.c / ping.c). */
export function icmpErrorText(
  type: number,
  code: number,
  mtu: number | null,
  gateway?: Ipv4,
): string {
  if (type === ICMP_REDIRECT) {
    const kind =
      code === 0 ? "Redirect Network" : code === 1 ? "Redirect Host" : "Redirect Type of Service";
    return `${kind}(New nexthop: ${gateway === undefined ? "?" : formatIpv4(gateway)})`;
  }
  if (type === ICMP_TIME_EXCEEDED)
    return code === 0 ? "Time to live exceeded" : "Frag reassembly time exceeded";
  if (type !== ICMP_DEST_UNREACH) return `Bad ICMP type: ${type}`;
  switch (code) {
    case 0:
      return "Destination Net Unreachable";
    case 1:
      return "Destination Host Unreachable";
    case 2:
      return "Destination Protocol Unreachable";
    case 3:
      return "Destination Port Unreachable";
    case 4:
      return `Frag needed and DF set (mtu = ${mtu ?? 0})`;
    case 9:
      return "Destination Net Prohibited";
    case 10:
      return "Destination Host Prohibited";
    case 13:
      return "Packet filtered";
    default:
      return `Dest Unreachable, Bad Code: ${code}`;
  }
}

/** A plain JSON view of a frame or datagram, outer headers first, for traces and `--json`. */
export interface PacketView {
  eth?: { src: string; dst: string };
  ip: {
    src: string;
    dst: string;
    ttl: number;
    proto: string;
    length: number;
    df: boolean;
    fragment?: number;
  };
  icmp?: { type: number; code: number; id?: number; seq?: number; mtu?: number };
  tcp?: { sport: number; dport: number; flags: string };
  udp?: { sport: number; dport: number };
  vxlan?: { vni: number };
  geneve?: { vni: number };
  sleeve?: { sender: string; srcPeer: string; dstPeer: string };
  inner?: PacketView;
}

export function viewOf(packet: Frame | Datagram): PacketView {
  const frame = "ip" in packet ? packet : null;
  const d = frame ? frame.ip : (packet as Datagram);
  const view: PacketView = {
    ip: {
      src: formatIpv4(d.src),
      dst: formatIpv4(d.dst),
      ttl: d.ttl,
      proto:
        d.proto === 1
          ? "icmp"
          : d.proto === 6
            ? "tcp"
            : d.proto === 17
              ? "udp"
              : d.proto === 4
                ? "ipip"
                : String(d.proto),
      length: d.length,
      df: d.df,
    },
  };
  if (d.fragment !== undefined) view.ip.fragment = d.fragment;
  if (frame) view.eth = { src: frame.src, dst: frame.dst };
  const l4 = d.l4;
  if (l4.kind === "icmp") {
    view.icmp = { type: l4.type, code: l4.code };
    if (l4.type === ICMP_ECHO_REQUEST || l4.type === ICMP_ECHO_REPLY) {
      view.icmp.id = l4.id;
      view.icmp.seq = l4.seq;
    }
    if (l4.mtu !== null) view.icmp.mtu = l4.mtu;
  } else if (l4.kind === "tcp") view.tcp = { sport: l4.sport, dport: l4.dport, flags: l4.flags };
  else if (l4.kind === "ipip") view.inner = viewOf(l4.inner);
  else {
    view.udp = { sport: l4.sport, dport: l4.dport };
    if (l4.vxlan) {
      if (l4.vxlan.protocol === "geneve") view.geneve = { vni: l4.vxlan.vni };
      else view.vxlan = { vni: l4.vxlan.vni };
      view.inner = viewOf(l4.vxlan.inner);
    } else if (l4.sleeve) {
      view.sleeve = {
        sender: formatIpv4(l4.sleeve.sender),
        srcPeer: formatIpv4(l4.sleeve.srcPeer),
        dstPeer: formatIpv4(l4.sleeve.dstPeer),
      };
      view.inner = viewOf(l4.sleeve.inner);
    }
  }
  return view;
}
