import { broadcastOf, type Ipv4, networkOf } from "../ipv4";
import type { Netns, Route, World } from "../model";
import { isBroadcastAddress, isLocalAddress } from "../state/addresses";
import { unreachable } from "../unreachable";

/** What the routing decision said for one destination (fib_lookup plus source selection). */
export type RouteDecision =
  | { readonly kind: "local"; readonly src: Ipv4 }
  | { readonly kind: "broadcast"; readonly dev: string; readonly src: Ipv4 | null }
  | {
      readonly kind: "unicast";
      readonly route: Route;
      /** The gateway the packet goes to; null when the destination is on-link (or the route's gateway is a local address). */
      readonly gateway: Ipv4 | null;
      readonly dev: string;
      /** Where the frame goes on the link: the gateway, or the destination itself. */
      readonly nexthop: Ipv4;
      readonly src: Ipv4 | null;
    }
  | { readonly kind: "error"; readonly error: RouteError; readonly route: Route | null };

/** The errno a failed lookup reports (`RTNETLINK answers: …`, `ping: connect: …`). */
export type RouteError = "ENETUNREACH" | "EHOSTUNREACH" | "EACCES" | "EINVAL";

export const ROUTE_ERROR_TEXT: Record<RouteError, string> = {
  ENETUNREACH: "Network is unreachable",
  EHOSTUNREACH: "No route to host",
  EACCES: "Permission denied",
  EINVAL: "Invalid argument",
};

/** Looks a destination up the way the kernel does: the local table first, then the main table. */
export function lookupRoute(world: World, ns: Netns, dst: Ipv4): RouteDecision {
  if (isLocalAddress(ns, dst)) return { kind: "local", src: dst };
  const route = ns.routes.lookup(dst);
  if (isBroadcastAddress(ns, dst)) {
    const a = ns.addresses.find(
      (x) => x.broadcast === dst || (x.len < 31 && broadcastOf(x.ip, x.len) === dst),
    );
    if (a) return { kind: "broadcast", dev: a.dev, src: a.ip };
  }
  if (!route) return { kind: "error", error: "ENETUNREACH", route: null };
  switch (route.type) {
    case "blackhole":
      return { kind: "error", error: "EINVAL", route };
    case "unreachable":
      return { kind: "error", error: "EHOSTUNREACH", route };
    case "prohibit":
      return { kind: "error", error: "EACCES", route };
    case "unicast": {
      const dev = route.dev as string;
      // A gateway that is one of our own addresses has host scope: the kernel sends directly.
      const gateway =
        route.gateway !== null && isLocalAddress(ns, route.gateway) ? null : route.gateway;
      const nexthop = gateway ?? dst;
      // fib_info_update_nhc_saddr: the route's own scope bounds the source address.
      const src = route.src ?? selectSource(world, ns, dev, nexthop, route.scope);
      return { kind: "unicast", route, gateway, dev, nexthop, src };
    }
    default:
      return unreachable(route.type);
  }
}

const SCOPE_RANK = { global: 0, link: 253, host: 254 } as const;

/**
 * inet_select_addr (net/ipv4/devinet.c): the first address of the outgoing device in the
 * nexthop's subnet, else its first address of a usable scope, else the first global address
 * on any device of the namespace.
 */
export function selectSource(
  world: World,
  ns: Netns,
  dev: string,
  nexthop: Ipv4,
  scope: "global" | "link" | "host",
): Ipv4 | null {
  void world;
  const limit = SCOPE_RANK[scope];
  let fallback: Ipv4 | null = null;
  for (const a of ns.addresses) {
    if (a.dev !== dev || SCOPE_RANK[a.scope] > limit) continue;
    if (networkOf(nexthop, a.len) === networkOf(a.ip, a.len)) return a.ip;
    if (fallback === null) fallback = a.ip;
  }
  if (fallback !== null) return fallback;
  const byIndex = [...ns.links.values()].sort((x, y) => x.ifindex - y.ifindex);
  for (const link of byIndex)
    for (const a of ns.addresses)
      if (a.dev === link.name && a.scope !== "link" && SCOPE_RANK[a.scope] <= limit) return a.ip;
  return null;
}
