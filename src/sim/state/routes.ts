import { formatIpv4, type Ipv4, maskOf } from "../ipv4";
import type { Netns, Route, RouteType } from "../model";
import { unreachable } from "../unreachable";
import { isBroadcastAddress, isLocalAddress } from "./addresses";
import { findLink, touch } from "./netns";
import { fail, ok, type Result } from "./result";

/** A route as `ip route add|del|replace` describes it (what was not given is null). */
export interface RouteSpec {
  type: RouteType;
  dst: Ipv4;
  len: number;
  gateway: Ipv4 | null;
  dev: string | null;
  onlink: boolean;
  proto: string | null;
  scope: Route["scope"] | null;
  src: Ipv4 | null;
  metric: number | null;
}

export type RouteMode = "add" | "replace" | "append" | "change";

/**
 * Adds a route to the main table with the checks the kernel makes (net/ipv4/fib_semantics.c,
 * fib_check_nh): a gateway must be reachable through a connected (scope link) route on the given
 * device unless `onlink`; an `onlink` or device-only route needs its device up.
 */
export function addRoute(ns: Netns, spec: RouteSpec, mode: RouteMode): Result<Route> {
  return insertRoute(ns, routeOf(spec), mode);
}

/** The route `ip route add` would store for a spec (iproute2's defaults for proto and scope). */
export function routeOf(spec: RouteSpec): Route {
  return {
    type: spec.type,
    dst: spec.dst,
    len: spec.len,
    gateway: spec.gateway,
    dev: spec.dev,
    onlink: spec.onlink,
    proto: spec.proto ?? "boot",
    scope: spec.scope ?? (spec.type === "unicast" && spec.gateway === null ? "link" : "global"),
    src: spec.src,
    metric: spec.metric ?? 0,
  };
}

/**
 * Adds a route object with the kernel's checks. The table keeps the object itself, so an
 * installer may hand the same route to many namespaces (routes are immutable).
 */
export function insertRoute(ns: Netns, given: Route, mode: RouteMode): Result<Route> {
  const resolved = resolveRoute(ns, given);
  if (!resolved.ok) return resolved;
  return placeRoute(ns, resolved.value, mode);
}

/**
 * The kernel's checks on a route before it touches the table, and the route it would store (the
 * nexthop device filled in). A shared table's routes are checked this way once, on one node.
 */
export function resolveRoute(ns: Netns, given: Route): Result<Route> {
  if ((given.dst & ~maskOf(given.len)) >>> 0 !== 0)
    return fail("Error: Invalid prefix for given prefix length.");
  if (given.dev !== null) {
    const found = findLink(ns, given.dev);
    if (!found.ok) return found;
  }
  let route = given;
  if (route.type === "unicast") {
    const checked = checkNexthop(ns, route);
    if (!checked.ok) return checked;
    if (checked.value !== route.dev) route = { ...route, dev: checked.value };
  }
  if (route.src !== null && !isLocalAddress(ns, route.src))
    return fail("Error: Invalid prefsrc address.");
  return ok(route);
}

/** Puts a checked route in the table as `ip route add|append|replace|change` does. */
function placeRoute(ns: Netns, route: Route, mode: RouteMode): Result<Route> {
  touch(ns);
  const same = ns.routes.exact(route.dst, route.len).find((r) => r.metric === route.metric);
  switch (mode) {
    case "add":
      if (same) return fail("RTNETLINK answers: File exists");
      ns.routes.insert(route);
      return ok(route);
    case "append":
      if (ns.routes.exact(route.dst, route.len).some((r) => sameRoute(r, route)))
        return fail("RTNETLINK answers: File exists");
      ns.routes.insert(route);
      return ok(route);
    case "replace": {
      // fib_table_insert: when an identical route already exists, replace is a no-op if it is
      // the first of that prefix and metric, and refused (File exists) if it is a later one.
      const twin = ns.routes
        .exact(route.dst, route.len)
        .find((r) => r.metric === route.metric && sameRoute(r, route));
      if (twin) return twin === same ? ok(twin) : fail("RTNETLINK answers: File exists");
      if (same) ns.routes.replaceAt(same, route);
      else ns.routes.insert(route);
      return ok(route);
    }
    case "change":
      if (!same) return fail("RTNETLINK answers: No such file or directory");
      ns.routes.replaceAt(same, route);
      return ok(route);
    default:
      return unreachable(mode);
  }
}

function sameRoute(a: Route, b: Route): boolean {
  return (
    a.type === b.type &&
    a.gateway === b.gateway &&
    a.dev === b.dev &&
    a.metric === b.metric &&
    a.src === b.src
  );
}

/** Returns the nexthop device (found through the gateway's route when none was given). */
function checkNexthop(ns: Netns, route: Route): Result<string> {
  if (route.gateway === null) {
    if (route.dev === null) return fail("Error: Device only routes require a device.");
    if (route.onlink)
      return fail("Error: Invalid flags for nexthop - PERVASIVE and ONLINK can not be set.");
    const link = ns.links.get(route.dev);
    if (!link?.adminUp) return fail("Error: Device for nexthop is not up.");
    return ok(route.dev);
  }
  const gw = route.gateway;
  if (route.onlink) {
    if (route.dev === null) return fail("Error: Nexthop device required for onlink.");
    const link = ns.links.get(route.dev);
    if (!link?.adminUp) return fail("Error: Nexthop device is not up.");
    if (isLocalAddress(ns, gw) || isBroadcastAddress(ns, gw) || gw === 0 || gw >>> 28 === 14)
      return fail("Error: Nexthop has invalid gateway.");
    return ok(route.dev);
  }
  // The gateway itself must be on a link: a local address, or covered by a scope-link route
  // (a connected route or a `dev` route) on the given device; a route via another gateway is not enough.
  if (isLocalAddress(ns, gw)) {
    if (route.dev === null) return ok(ownerOf(ns, gw));
    return ok(route.dev);
  }
  const via = ns.routes.lookup(
    gw,
    (r) =>
      r.type === "unicast" && r.scope !== "global" && (route.dev === null || r.dev === route.dev),
  );
  if (!via || via.dev === null) return fail("Error: Nexthop has invalid gateway.");
  const link = ns.links.get(via.dev);
  if (!link?.adminUp) return fail("RTNETLINK answers: Network is down");
  return ok(via.dev);
}

function ownerOf(ns: Netns, ip: Ipv4): string {
  return ns.addresses.find((a) => a.ip === ip)?.dev ?? "lo";
}

/** `ip route del`: the first route of that prefix whose given attributes all match. */
export function deleteRoute(ns: Netns, spec: RouteSpec): Result<Route> {
  if ((spec.dst & ~maskOf(spec.len)) >>> 0 !== 0)
    return fail("Error: Invalid prefix for given prefix length.");
  if (spec.dev !== null) {
    const found = findLink(ns, spec.dev);
    if (!found.ok) return found;
  }
  const victim = ns.routes.exact(spec.dst, spec.len).find(
    // fib_table_delete: a metric of 0 (or none) matches any; whatever else was given must match.
    (r) =>
      (spec.metric === null || spec.metric === 0 || r.metric === spec.metric) &&
      (spec.gateway === null || r.gateway === spec.gateway) &&
      (spec.dev === null || r.dev === spec.dev) &&
      (spec.type === "unicast" || r.type === spec.type) &&
      (spec.proto === null || r.proto === spec.proto) &&
      (spec.src === null || r.src === spec.src) &&
      (spec.scope === null || r.scope === spec.scope),
  );
  if (!victim) return fail("RTNETLINK answers: No such process");
  touch(ns);
  ns.routes.remove(victim);
  return ok(victim);
}

export function describeRoute(r: Route): string {
  const dst = r.len === 0 ? "default" : `${formatIpv4(r.dst)}/${r.len}`;
  const type = r.type === "unicast" ? "" : `${r.type} `;
  const via = r.gateway === null ? "" : ` via ${formatIpv4(r.gateway)}`;
  const dev = r.dev === null ? "" : ` dev ${r.dev}`;
  return `${type}${dst}${via}${dev}${r.onlink ? " onlink" : ""}`;
}
