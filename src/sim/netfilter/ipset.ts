/**
 * IP sets (net/netfilter/ipset/), as far as kube-proxy's IPVS mode uses them: named hash or bitmap
 * sets that one iptables rule matches with `-m set --match-set NAME dst,dst`, a hash lookup
 * instead of one rule per Service. Only the types kube-proxy creates are modelled (hash:ip,
 * hash:ip,port, hash:ip,port,ip, hash:ip,port,net, bitmap:port), IPv4 only, without timeouts,
 * counters or comments.
 */
import { formatIpv4, type Ipv4, maskOf, parseCidr, parseIpv4 } from "../ipv4";
import type { Netns } from "../model";
import { unreachable } from "../unreachable";
import type { Datagram } from "../walk/packet";

export const IPSET_TYPES = [
  "hash:ip",
  "hash:ip,port",
  "hash:ip,port,ip",
  "hash:ip,port,net",
  "bitmap:port",
] as const;

export type IpSetType = (typeof IPSET_TYPES)[number];

export interface IpSet {
  readonly name: string;
  readonly type: IpSetType;
  /** hash types: `family inet hashsize N maxelem N`; bitmap:port: its port range. */
  readonly hashsize: number;
  readonly maxelem: number;
  readonly range: { readonly from: number; readonly to: number } | null;
  /** Members by their canonical text (as `ipset save` prints them), in the order added. */
  readonly members: Map<string, IpSetMember>;
}

/** One element: an address, a protocol and port, a second address or a network. */
export interface IpSetMember {
  readonly ip: Ipv4;
  readonly proto: number;
  readonly port: number;
  readonly ip2: Ipv4;
  /** hash:ip,port,net: the network's prefix length (32 for a single address). */
  readonly len: number;
}

/** The namespace's sets, made on first use. */
export function ipsetsOf(ns: Netns): Map<string, IpSet> {
  if (!ns.ipsets) ns.ipsets = new Map();
  return ns.ipsets;
}

const PROTOCOLS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, sctp: 132, icmp: 1 };

function protoName(n: number): string {
  for (const [name, num] of Object.entries(PROTOCOLS)) if (num === n) return name;
  return String(n);
}

/** How many parts a member of the type has, and which are addresses (for `--match-set` flags). */
export function dimensions(type: IpSetType): number {
  switch (type) {
    case "hash:ip":
    case "bitmap:port":
      return 1;
    case "hash:ip,port":
      return 2;
    case "hash:ip,port,ip":
    case "hash:ip,port,net":
      return 3;
    default:
      return unreachable(type);
  }
}

/**
 * Parses an element as `ipset add` takes it (`10.96.0.80,tcp:80`, `10.244.1.2,tcp:8080,10.244.1.2`,
 * `30080`); the protocol defaults to tcp, as ipset's parser does. Null when it does not parse.
 */
export function parseMember(set: IpSet, text: string): IpSetMember | null {
  const parts = text.split(",");
  if (parts.length !== dimensions(set.type)) return null;
  const base = { ip: 0, proto: 0, port: 0, ip2: 0, len: 32 };
  if (set.type === "bitmap:port") {
    const port = portOf(parts[0] as string);
    if (port === null || set.range === null) return null;
    return { ...base, port };
  }
  const ip = parseIpv4(parts[0] as string);
  if (ip === null) return null;
  if (set.type === "hash:ip") return { ...base, ip };
  const pp = /^(?:([a-z]+):)?([0-9]+)$/.exec(parts[1] as string);
  if (!pp) return null;
  const proto = PROTOCOLS[pp[1] ?? "tcp"];
  const port = Number(pp[2]);
  if (proto === undefined || port > 65535) return null;
  if (set.type === "hash:ip,port") return { ...base, ip, proto, port };
  if (set.type === "hash:ip,port,ip") {
    const ip2 = parseIpv4(parts[2] as string);
    return ip2 === null ? null : { ...base, ip, proto, port, ip2 };
  }
  const net = parseCidr(parts[2] as string);
  if (net === null || net.len === 0) return null;
  return { ...base, ip, proto, port, ip2: (net.ip & maskOf(net.len)) >>> 0, len: net.len };
}

function portOf(text: string): number | null {
  if (!/^[0-9]+$/.test(text)) return null;
  const port = Number(text);
  return port > 65535 ? null : port;
}

/** The element as `ipset save` and `ipset list` print it. */
export function memberText(set: IpSet, m: IpSetMember): string {
  const pp = `${protoName(m.proto)}:${m.port}`;
  switch (set.type) {
    case "hash:ip":
      return formatIpv4(m.ip);
    case "bitmap:port":
      return String(m.port);
    case "hash:ip,port":
      return `${formatIpv4(m.ip)},${pp}`;
    case "hash:ip,port,ip":
      return `${formatIpv4(m.ip)},${pp},${formatIpv4(m.ip2)}`;
    case "hash:ip,port,net":
      return `${formatIpv4(m.ip)},${pp},${formatIpv4(m.ip2)}${m.len === 32 ? "" : `/${m.len}`}`;
    default:
      return unreachable(set.type);
  }
}

/** `src` or `dst` for each dimension of a `--match-set` flag list, like `dst,dst,src`. */
export type SetDirection = "src" | "dst";

/**
 * The packet's protocol and port for a set (ip_set_get_ip4_port): TCP, UDP and SCTP ports; for
 * ICMP the type and code stand in for the port (type << 8 | code); other protocols have port 0.
 */
function packetPort(d: Datagram, dir: SetDirection): { proto: number; port: number } {
  switch (d.l4.kind) {
    case "tcp":
    case "udp":
      return { proto: d.proto, port: dir === "src" ? d.l4.sport : d.l4.dport };
    case "icmp":
      return { proto: 1, port: (d.l4.type << 8) | d.l4.code };
    case "ipip":
      return { proto: d.proto, port: 0 };
    default:
      return unreachable(d.l4);
  }
}

/**
 * Does the packet's element, taken by `flags` (the kernel's IPSET_DIM_*_SRC bits), belong to the
 * set? One hash lookup, whatever the set holds (hash:ip,port,net checks each prefix length in
 * use, as the kernel's per-prefix hashing does).
 */
export function setContains(set: IpSet, flags: readonly SetDirection[], d: Datagram): boolean {
  const addr = (i: number): Ipv4 => ((flags[i] ?? "dst") === "src" ? d.src : d.dst);
  const { proto, port } = packetPort(d, flags[set.type === "bitmap:port" ? 0 : 1] ?? "dst");
  switch (set.type) {
    case "hash:ip":
      return set.members.has(formatIpv4(addr(0)));
    case "bitmap:port":
      if (!isPortProtocol(d)) return false;
      return set.members.has(String(port));
    case "hash:ip,port":
      return set.members.has(`${formatIpv4(addr(0))},${protoName(proto)}:${port}`);
    case "hash:ip,port,ip":
      return set.members.has(
        `${formatIpv4(addr(0))},${protoName(proto)}:${port},${formatIpv4(addr(2))}`,
      );
    case "hash:ip,port,net": {
      const a = addr(0);
      const b = addr(2);
      for (const m of set.members.values())
        if (
          m.ip === a &&
          m.proto === proto &&
          m.port === port &&
          (b & maskOf(m.len)) >>> 0 === m.ip2
        )
          return true;
      return false;
    }
    default:
      return unreachable(set.type);
  }
}

/** bitmap:port takes its port from TCP, UDP and ICMP (type and code) headers alike. */
function isPortProtocol(d: Datagram): boolean {
  return d.l4.kind === "tcp" || d.l4.kind === "udp" || d.l4.kind === "icmp";
}

/** Rules of the namespace's iptables tables that match on the set (ipset's reference count). */
export function setReferences(ns: Netns, name: string): number {
  let refs = 0;
  for (const table of Object.values(ns.netfilter.tables))
    for (const chain of table.chains.values())
      for (const rule of chain.rules)
        for (const m of rule.matches) if (m.kind === "set" && m.name === name) refs++;
  return refs;
}
