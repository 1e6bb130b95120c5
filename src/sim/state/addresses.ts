import { broadcastOf, type Ipv4, networkOf } from "../ipv4";
import type { Address, Netns, Route, World } from "../model";
import { findLink, touch } from "./netns";
import { fail, ok, type Result } from "./result";

export interface NewAddress {
  ip: Ipv4;
  len: number;
  dev: string;
  broadcast: Ipv4 | "auto" | null;
  scope: Address["scope"] | null;
}

/** `ip addr add IP/LEN dev DEV`. */
export function addAddress(world: World, ns: Netns, spec: NewAddress): Result<Address> {
  touch(ns);
  const found = findLink(ns, spec.dev);
  if (!found.ok) return found;
  if (ns.addresses.some((a) => a.dev === spec.dev && a.ip === spec.ip && a.len === spec.len))
    return fail("Error: ipv4: Address already assigned.");
  const broadcast =
    spec.broadcast === "auto"
      ? spec.len < 31
        ? broadcastOf(spec.ip, spec.len)
        : null
      : spec.broadcast;
  const scope = spec.scope ?? (spec.ip >>> 24 === 127 ? "host" : "global");
  const address: Address = { ip: spec.ip, len: spec.len, dev: spec.dev, scope, broadcast };
  ns.addresses.push(address);
  if (found.value.adminUp) addConnectedRoutes(world, ns, spec.dev);
  return ok(address);
}

/**
 * `ip addr del IP/LEN dev DEV`. Deleting a primary address also deletes the secondaries of its
 * subnet (net.ipv4.conf.*.promote_secondaries is 0 by default), and with them the subnet's route.
 */
export function deleteAddress(ns: Netns, ip: Ipv4, len: number | null, dev: string): Result {
  touch(ns);
  const found = findLink(ns, dev);
  if (!found.ok) return found;
  const at = ns.addresses.findIndex(
    (a) => a.dev === dev && a.ip === ip && (len === null || a.len === len),
  );
  if (at < 0) return fail("RTNETLINK answers: Cannot assign requested address");
  const gone = ns.addresses[at] as Address;
  const net = networkOf(gone.ip, gone.len);
  const sameSubnet = (a: Address): boolean =>
    a.dev === dev && a.len === gone.len && networkOf(a.ip, a.len) === net;
  const primary = ns.addresses.find(sameSubnet) === gone;
  for (let i = ns.addresses.length - 1; i >= 0; i--) {
    const a = ns.addresses[i] as Address;
    if (a === gone || (primary && sameSubnet(a))) ns.addresses.splice(i, 1);
  }
  if (!ns.addresses.some(sameSubnet))
    ns.routes.removeWhere(
      (r) => r.proto === "kernel" && r.dev === dev && r.dst === net && r.len === gone.len,
    );
  return ok();
}

/**
 * The route the kernel adds for an address on an up device: `NET/LEN dev DEV proto kernel scope
 * link src IP`. A /32 gets none; a second address in the same subnet shares the first one's route.
 */
export function addConnectedRoutes(world: World, ns: Netns, dev: string): void {
  const link = ns.links.get(dev);
  if (!link?.adminUp) return;
  for (const a of ns.addresses) {
    // lo's 127.0.0.1/8 lives in the local table only; a host-scope address elsewhere still gets a route.
    if (a.dev !== dev || a.len === 32 || link.kind === "loopback") continue;
    const net = networkOf(a.ip, a.len);
    if (ns.routes.exact(net, a.len).some((r) => r.proto === "kernel" && r.dev === dev)) continue;
    const route: Route = {
      type: "unicast",
      dst: net,
      len: a.len,
      gateway: null,
      dev,
      onlink: false,
      proto: "kernel",
      scope: "link",
      src: a.ip,
      metric: 0,
    };
    ns.routes.insert(route);
  }
  void world;
}

export function removeRoutesOfDevice(ns: Netns, dev: string): void {
  ns.routes.removeWhere((r) => r.dev === dev);
}

/**
 * The local table's answer: does this namespace own the address? Every address on any device
 * counts (Linux's weak host model), 127/8 when lo has 127.0.0.1/8, and subnet broadcasts.
 */
export function isLocalAddress(ns: Netns, ip: Ipv4): boolean {
  for (const a of ns.addresses) {
    if (a.ip === ip) return true;
    if (a.scope === "host" && a.len < 32 && networkOf(ip, a.len) === networkOf(a.ip, a.len))
      return true;
  }
  return false;
}

/**
 * The local table's broadcast entries: every subnet's broadcast address (the kernel adds one for
 * each address shorter than /31, with or without `brd`), any explicit `brd`, and 255.255.255.255.
 */
export function isBroadcastAddress(ns: Netns, ip: Ipv4): boolean {
  if (ip === 0xffffffff) return true;
  return ns.addresses.some(
    (a) => a.broadcast === ip || (a.len < 31 && broadcastOf(a.ip, a.len) === ip),
  );
}

/** Addresses of one device, primary first (the order they were added). */
export function addressesOf(ns: Netns, dev: string): Address[] {
  return ns.addresses.filter((a) => a.dev === dev);
}
