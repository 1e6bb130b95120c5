/**
 * What the checker reads from a probe's trace: the request's path, its first encapsulation, what
 * translated a Service address, which device a namespace sent it out of. Everything is read from
 * the simulator's hops (docs/trace-json.md), the same hops `trace` prints.
 */

import type { Encap, Translator } from "../lessons/vocabulary";
import type { Hop, ProbeResult, World } from "../sim";
import { formatIpv4, type Ipv4 } from "../sim/ipv4";
import { routeLine } from "../sim/render/ip-route";
import type { Datagram, Frame } from "../sim/walk/packet";

/** The request's own steps: not the reply's, not ICMP errors about it. */
export function requestHops(result: ProbeResult): Hop[] {
  return result.hops.filter((h) => h.flow === "request" && !h.error);
}

/**
 * Whether a hop moves the packet in its own namespace. Cilium's ARP responder runs at the host
 * side of the pod's veth while the packet still waits in the pod (bpf_lxc answers the ARP
 * request): that hop is in the node's namespace but the packet is not there yet.
 */
function isOnPath(hop: Hop): boolean {
  return hop.ebpf?.action !== "arp-reply";
}

/** The underlay's switches are layer 2: a packet crosses them but they make no decision. */
export function isSwitch(netns: string): boolean {
  return /^sw[0-9]+$/.test(netns);
}

/** The namespaces the request visits, in order, without repeats in a row (switches included). */
export function namespacesVisited(result: ProbeResult): string[] {
  const out: string[] = [];
  for (const hop of requestHops(result))
    if (isOnPath(hop) && out[out.length - 1] !== hop.netns) out.push(hop.netns);
  return out;
}

/** The `path` fact: the namespaces the request visits, switches left out. */
export function routedPath(result: ProbeResult): string[] {
  const out: string[] = [];
  for (const netns of namespacesVisited(result))
    if (!isSwitch(netns) && out[out.length - 1] !== netns) out.push(netns);
  return out;
}

/** The datagram a hop holds, under its Ethernet header if it has one. */
export function datagramOf(packet: Frame | Datagram): Datagram {
  return "l4" in packet ? packet : packet.ip;
}

/** The innermost datagram: what is inside any VXLAN, Geneve, sleeve or IP-in-IP wrapping. */
export function innermost(packet: Frame | Datagram): Datagram {
  let d = datagramOf(packet);
  for (;;) {
    const l4 = d.l4;
    if (l4.kind === "udp" && l4.vxlan) d = l4.vxlan.inner.ip;
    else if (l4.kind === "udp" && l4.sleeve) d = l4.sleeve.inner.ip;
    else if (l4.kind === "ipip") d = l4.inner;
    else return d;
  }
}

/** The request's first encapsulation: which, and its outer header. */
export interface Encapsulation {
  readonly encap: Exclude<Encap, "none">;
  readonly netns: string;
  readonly dev: string | null;
  readonly outerSrc: string;
  readonly outerDst: string;
  /** UDP destination port; 0 for IP-in-IP. */
  readonly dport: number;
  /** VXLAN or Geneve VNI; 0 for the others. */
  readonly vni: number;
}

/** What an `encap` hop's packet says about the wrapping, or null for an `encap` note. */
export function encapsulationOf(hop: Hop): Encapsulation | null {
  const outer = datagramOf(hop.packet);
  const l4 = outer.l4;
  const base = {
    netns: hop.netns,
    dev: hop.dev,
    outerSrc: formatIpv4(outer.src),
    outerDst: formatIpv4(outer.dst),
  };
  if (l4.kind === "udp" && l4.vxlan)
    return {
      ...base,
      encap: l4.vxlan.protocol === "geneve" ? "geneve" : "vxlan",
      dport: l4.dport,
      vni: l4.vxlan.vni,
    };
  if (l4.kind === "udp" && l4.sleeve) return { ...base, encap: "sleeve", dport: l4.dport, vni: 0 };
  if (l4.kind === "ipip") return { ...base, encap: "ipip", dport: 0, vni: 0 };
  return null;
}

export function firstEncapsulation(result: ProbeResult): Encapsulation | null {
  for (const hop of requestHops(result)) {
    if (hop.kind !== "encap") continue;
    const found = encapsulationOf(hop);
    if (found) return found;
  }
  return null;
}

/** What turned the Service address into a pod address, and where. */
export interface Translation {
  readonly by: Translator;
  readonly netns: string;
  /** The address it became. */
  readonly to: string;
}

/**
 * The first step that changed the request's destination away from `target`: a `nat` hop (an
 * iptables rule in table `nat`, or an nftables rule, whose table is named `ip kube-proxy`), an
 * `ipvs` hop, or an `ebpf` hop (Cilium; with socket LB the next hop, the socket's send, is the
 * first to carry the new address). IPVS direct routing keeps the address: its `ipvs` hop is it.
 */
export function translationOf(result: ProbeResult, target: Ipv4): Translation | null {
  const hops = requestHops(result);
  let lastTranslator: Hop | null = null;
  for (const hop of hops) {
    if (hop.kind === "nat" || hop.kind === "ipvs" || hop.kind === "ebpf") lastTranslator = hop;
    const dst = innermost(hop.packet).dst;
    if (dst === target) continue;
    if (!lastTranslator) return null;
    return { by: translatorOf(lastTranslator), netns: lastTranslator.netns, to: formatIpv4(dst) };
  }
  const ipvs = hops.find((h) => h.kind === "ipvs");
  return ipvs ? { by: "ipvs", netns: ipvs.netns, to: formatIpv4(target) } : null;
}

/** What a translating hop is: `nat` hops name iptables (table nat) or nftables (table `ip …`). */
export function translatorOf(hop: Hop): Translator {
  if (hop.kind === "ipvs") return "ipvs";
  if (hop.kind === "ebpf") return "ebpf";
  return hop.rule && hop.rule.table !== "nat" ? "nftables" : "iptables";
}

const LEAVING: ReadonlySet<Hop["kind"]> = new Set(["forward", "xmit", "encap"]);

/** The device the request first leaves namespace `netns` by (forwarded, sent to a veth peer, or wrapped by a tunnel device). */
export function egressDevice(result: ProbeResult, netns: string): string | null {
  for (const hop of requestHops(result))
    if (hop.netns === netns && LEAVING.has(hop.kind) && hop.dev !== null) return hop.dev;
  return null;
}

/** Every (namespace, device) the request leaves by. */
export function devicesLeft(result: ProbeResult): { netns: string; dev: string }[] {
  return requestHops(result)
    .filter((h) => LEAVING.has(h.kind) && h.dev !== null)
    .map((h) => ({ netns: h.netns, dev: h.dev as string }));
}

/**
 * The route namespace `netns` chose for the request, as `ip route` prints it (with its `proto`
 * and `scope`, without the trailing space): the first routing decision there, looked up again in
 * the namespace's table (a probe changes nothing, so the table is the one the walk used).
 */
export function routeChosen(result: ProbeResult, netns: string, world: World): string | null {
  const ns = world.netns.get(netns);
  if (!ns) return null;
  for (const hop of requestHops(result)) {
    if (hop.netns !== netns || hop.kind !== "route" || !hop.route) continue;
    const route = ns.routes.lookup(innermost(hop.packet).dst);
    return route ? routeLine(world, ns, route).trimEnd() : hop.route.trim();
  }
  return null;
}

/** The namespace the request goes to after `netns` (switches left out). */
export function nextHopAfter(result: ProbeResult, netns: string): string | null {
  const path = routedPath(result);
  const i = path.indexOf(netns);
  return i < 0 ? null : (path[i + 1] ?? null);
}

/**
 * The step that decided a drop: the `drop` hop of that flow in that namespace, and the rule it
 * names or the route the namespace last chose for the packet.
 */
export function decidedBy(
  result: ProbeResult,
  flow: "request" | "reply",
  netns: string,
): { rule?: NonNullable<Hop["rule"]>; route?: string } {
  const hops = result.hops.filter((h) => h.flow === flow && !h.error && h.netns === netns);
  const drop = [...hops].reverse().find((h) => h.kind === "drop");
  if (drop?.rule) return { rule: drop.rule };
  const upTo = drop ? hops.slice(0, hops.indexOf(drop)) : hops;
  const route = [...upTo].reverse().find((h) => h.kind === "route" && h.route);
  return route?.route ? { route: route.route.trim() } : {};
}
