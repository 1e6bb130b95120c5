import type { Ipv4 } from "./ipv4";
import { maskOf } from "./ipv4";
import type { Route } from "./model";

/** One prefix's routes: a lone route is stored as itself (the common case, and the cheap one). */
type Slot = Route | Route[];

const EMPTY: readonly Route[] = [];

function list(slot: Slot | undefined): readonly Route[] {
  if (slot === undefined) return EMPTY;
  return Array.isArray(slot) ? slot : [slot];
}

/**
 * One IPv4 routing table with longest-prefix match. Routes are bucketed by prefix length, then by
 * network address, so a lookup costs at most one map probe per prefix length in use (a handful),
 * whatever the number of routes: a 1,000-node cluster's table is as fast as a 2-node one.
 */
export class RouteTable {
  private readonly byLen = new Map<number, Map<Ipv4, Slot>>();
  /** Prefix lengths in use, longest first. */
  private lens: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Routes for exactly this prefix, in table order (lowest metric first). */
  exact(dst: Ipv4, len: number): readonly Route[] {
    return list(this.byLen.get(len)?.get(dst));
  }

  /**
   * Inserts in the kernel's order within a prefix: by metric, and after the routes of the same
   * metric (`ip route append` puts a second route with the same metric behind the first).
   */
  insert(route: Route): void {
    let bucket = this.byLen.get(route.len);
    if (!bucket) {
      bucket = new Map();
      this.byLen.set(route.len, bucket);
      this.lens = [...this.byLen.keys()].sort((a, b) => b - a);
    }
    const slot = bucket.get(route.dst);
    this.count++;
    if (slot === undefined) {
      bucket.set(route.dst, route);
      return;
    }
    const routes = Array.isArray(slot) ? slot : [slot];
    let at = routes.length;
    while (at > 0 && (routes[at - 1] as Route).metric > route.metric) at--;
    routes.splice(at, 0, route);
    bucket.set(route.dst, routes);
  }

  /** Replaces `old` in place (same position), as `ip route replace` does. */
  replaceAt(old: Route, route: Route): void {
    const bucket = this.byLen.get(old.len);
    const slot = bucket?.get(old.dst);
    if (!bucket || slot === undefined) throw new Error("RouteTable.replaceAt: route not in table");
    if (route.metric !== old.metric || route.dst !== old.dst || route.len !== old.len) {
      this.remove(old);
      this.insert(route);
      return;
    }
    if (!Array.isArray(slot)) {
      if (slot !== old) throw new Error("RouteTable.replaceAt: route not in table");
      bucket.set(old.dst, route);
      return;
    }
    const at = slot.indexOf(old);
    if (at < 0) throw new Error("RouteTable.replaceAt: route not in table");
    slot[at] = route;
  }

  remove(route: Route): boolean {
    const bucket = this.byLen.get(route.len);
    const slot = bucket?.get(route.dst);
    if (!bucket || slot === undefined) return false;
    if (Array.isArray(slot)) {
      const at = slot.indexOf(route);
      if (at < 0) return false;
      slot.splice(at, 1);
      if (slot.length === 1) bucket.set(route.dst, slot[0] as Route);
    } else {
      if (slot !== route) return false;
      bucket.delete(route.dst);
    }
    this.count--;
    if (bucket.size === 0) {
      this.byLen.delete(route.len);
      this.lens = this.lens.filter((l) => l !== route.len);
    }
    return true;
  }

  /** Removes every route for which `drop` is true (used when a device goes down or away). */
  removeWhere(drop: (route: Route) => boolean): Route[] {
    const removed = this.all().filter(drop);
    for (const route of removed) this.remove(route);
    return removed;
  }

  /**
   * Longest-prefix match. Within the winning prefix the first route `usable` accepts wins (the
   * lowest metric): the kernel skips nexthops that are dead, and so must the caller's predicate.
   */
  lookup(ip: Ipv4, usable?: (route: Route) => boolean): Route | null {
    for (const len of this.lens) {
      const slot = this.byLen.get(len)?.get((ip & maskOf(len)) >>> 0);
      if (slot === undefined) continue;
      if (!Array.isArray(slot)) {
        if (!usable || usable(slot)) return slot;
        continue;
      }
      for (const route of slot) if (!usable || usable(route)) return route;
    }
    return null;
  }

  /** Every route in the order `ip route` prints them: by address, longer prefixes first. */
  all(): Route[] {
    const out: Route[] = [];
    for (const bucket of this.byLen.values())
      for (const slot of bucket.values()) {
        if (Array.isArray(slot)) out.push(...slot);
        else out.push(slot);
      }
    // The kernel dumps its trie in key order; routes sharing a key come longest prefix first.
    return out.sort((a, b) => a.dst - b.dst || b.len - a.len || a.metric - b.metric);
  }
}
