/**
 * `ip route [show [dev DEV]]` as iproute2 prints the main table (ip/iproute.c, print_route).
 * Verified against Linux 6.18 with iproute2 6.1 in network namespaces; the exact lines are pinned
 * in test/sim/render/ip-route.test.ts.
 */
import { formatIpv4, formatPrefix } from "../ipv4";
import type { Netns, Route, World } from "../model";
import { hasCarrier } from "../state/carrier";

export interface RouteFilter {
  /** `ip route show dev DEV`: only routes through DEV, printed without their `dev DEV`. */
  dev?: string;
}

/**
 * Route protocol names from iproute2's /etc/iproute2/rt_protos, for a `proto` given as a number
 * (`ip route add … proto 42` prints `proto babel`); a number not listed prints as itself.
 */
const RT_PROTOS: Readonly<Record<string, string>> = {
  "0": "unspec",
  "1": "redirect",
  "2": "kernel",
  "3": "boot",
  "4": "static",
  "8": "gated",
  "9": "ra",
  "10": "mrt",
  "11": "zebra",
  "12": "bird",
  "13": "dnrouted",
  "14": "xorp",
  "15": "ntk",
  "16": "dhcp",
  "18": "keepalived",
  "42": "babel",
  "99": "openr",
  "186": "bgp",
  "187": "isis",
  "188": "ospf",
  "189": "rip",
  "192": "eigrp",
};

/**
 * The main table, one route a line, in `RouteTable.all()` order. That order is the kernel's: its
 * FIB trie dumps by destination address, and routes sharing an address come longest prefix first
 * (`0.0.0.0/1` before `default`), then by metric (checked on Linux 6.18).
 */
export function renderIpRoute(world: World, ns: Netns, filter: RouteFilter = {}): string {
  return ns.routes
    .all()
    .filter((route) => filter.dev === undefined || route.dev === filter.dev)
    .map((route) => `${routeLine(world, ns, route, filter)}\n`)
    .join("");
}

/**
 * One route. iproute2 prints every field followed by a space, so each line ends with one
 * (`default via 192.168.1.1 dev eth0 `). Field order: type, destination, via, dev, proto, scope,
 * src, metric, then the nexthop flags (`onlink` before `linkdown`, print_rt_flags' order).
 */
export function routeLine(world: World, ns: Netns, route: Route, filter: RouteFilter = {}): string {
  const fields: string[] = [];
  if (route.type !== "unicast") fields.push(route.type);
  fields.push(route.len === 0 ? "default" : formatPrefix(route.dst, route.len));
  if (route.gateway !== null) fields.push(`via ${formatIpv4(route.gateway)}`);
  if (route.dev !== null && filter.dev === undefined) fields.push(`dev ${route.dev}`);
  // iproute2 hides only `proto boot`, what `ip route add` sets when no proto is given.
  const proto = protoName(route.proto);
  if (proto !== "boot") fields.push(`proto ${proto}`);
  // Scope universe (global) is the default and not printed; link and host are.
  if (route.scope !== "global") fields.push(`scope ${route.scope}`);
  if (route.src !== null) fields.push(`src ${formatIpv4(route.src)}`);
  // The kernel sends RTA_PRIORITY only when the metric is not 0 (fib_dump_info).
  if (route.metric !== 0) fields.push(`metric ${route.metric}`);
  if (route.onlink) fields.push("onlink");
  if (isLinkDown(world, ns, route)) fields.push("linkdown");
  return fields.map((f) => `${f} `).join("");
}

/** A route's `proto` as iproute2 names it: a number is looked up in rt_protos. */
export function protoName(proto: string): string {
  return /^[0-9]+$/.test(proto)
    ? (RT_PROTOS[String(Number(proto))] ?? String(Number(proto)))
    : proto;
}

/**
 * RTNH_F_LINKDOWN: the kernel flags a nexthop whose device is up but has no carrier (a veth whose
 * peer is down, a bridge whose ports are all down). Routes through a device that is down are
 * removed instead, so they never show up here.
 */
function isLinkDown(world: World, ns: Netns, route: Route): boolean {
  if (route.dev === null) return false;
  const link = ns.links.get(route.dev);
  return link !== undefined && !hasCarrier(world, link);
}
