import type { Ipv4 } from "./ipv4";
import { maskOf } from "./ipv4";
import type { Route } from "./model";

/**
 * One prefix's routes: a lone route is stored as itself (the common case, and the cheap one).
 * `null` marks a prefix this table has taken over from its shared base and holds no route for.
 */
type Slot = Route | Route[];

const EMPTY: readonly Route[] = [];

function list(slot: Slot | null | undefined): readonly Route[] {
  if (slot === undefined || slot === null) return EMPTY;
  return Array.isArray(slot) ? slot : [slot];
}

/**
 * Routes many namespaces hold alike (every node's route to every other node's pod CIDR), kept
 * once. A table that uses the base sees every base route but those `hides` says are not its own
 * (the route to its own CIDR), each with the table's own fields laid over it (`rebind`: Cilium
 * routes them via each node's own router IP). The base is never changed through a table: the
 * first change to a prefix copies that prefix into the table (copy on write).
 */
export interface SharedRoutes {
  readonly table: RouteTable;
  /** True for the base routes this table does not hold. */
  readonly hides: (route: Route) => boolean;
  /** Fields that differ in this table's copy of every base route (none when null). */
  readonly rebind: Partial<Route> | null;
  /** How many base routes the table shows (the base's size less those `hides` takes away). */
  readonly visible: number;
}

function sameFields(a: Route, b: Route): boolean {
  return (
    a === b ||
    (a.type === b.type &&
      a.dst === b.dst &&
      a.len === b.len &&
      a.gateway === b.gateway &&
      a.dev === b.dev &&
      a.onlink === b.onlink &&
      a.proto === b.proto &&
      a.scope === b.scope &&
      a.src === b.src &&
      a.metric === b.metric)
  );
}

/**
 * One prefix length's routes by network address. Most hold a single prefix (a pod's default
 * route, its route to its gateway), which is kept without a Map: 150,000 pods' tables would
 * otherwise hold 300,000 one-entry Maps. A second prefix moves them into one.
 */
class Bucket {
  /**
   * The single prefix while `map` is null. Null when there is none, which also keeps the field
   * tagged: V8 stores a small address inline, where a field of numbers only would box every one.
   */
  private key: Ipv4 | null = null;
  private value: Slot | null = null;
  private map: Map<Ipv4, Slot | null> | null = null;

  get size(): number {
    if (this.map) return this.map.size;
    return this.key === null ? 0 : 1;
  }

  has(dst: Ipv4): boolean {
    return this.map ? this.map.has(dst) : this.key === dst;
  }

  get(dst: Ipv4): Slot | null | undefined {
    if (this.map) return this.map.get(dst);
    return this.key === dst ? this.value : undefined;
  }

  set(dst: Ipv4, slot: Slot | null): void {
    if (this.map) this.map.set(dst, slot);
    else if (this.key === null || this.key === dst) {
      this.key = dst;
      this.value = slot;
    } else {
      this.map = new Map<Ipv4, Slot | null>().set(this.key, this.value).set(dst, slot);
      this.key = null;
      this.value = null;
    }
  }

  delete(dst: Ipv4): void {
    if (this.map) this.map.delete(dst);
    else if (this.key === dst) {
      this.key = null;
      this.value = null;
    }
  }

  keys(): Iterable<Ipv4> {
    if (this.map) return this.map.keys();
    return this.key === null ? [] : [this.key];
  }

  values(): Iterable<Slot | null> {
    if (this.map) return this.map.values();
    return this.key === null ? [] : [this.value];
  }
}

/**
 * One IPv4 routing table with longest-prefix match. Routes are bucketed by prefix length, then by
 * network address, so a lookup costs at most one map probe per prefix length in use (a handful),
 * whatever the number of routes: a 1,000-node cluster's table is as fast as a 2-node one.
 */
export class RouteTable {
  private readonly byLen = new Map<number, Bucket>();
  /** Prefix lengths in use (here or in the base), longest first. */
  private lens: number[] = [];
  /** Routes held here (not counting the base's). */
  private count = 0;
  private shared: SharedRoutes | null = null;
  /** Base routes this table shows, counted once when the base is attached. */
  private baseCount = 0;
  /** This table's copy of each rebound base route, so a route keeps its identity. */
  private rebound: Map<Route, Route> | null = null;

  get size(): number {
    return this.count + this.baseCount;
  }

  /** Lays this table over a shared base (once, before the base holds a prefix this table does). */
  attachBase(shared: SharedRoutes): void {
    if (this.shared) throw new Error("RouteTable.attachBase: a base is already attached");
    this.shared = shared;
    this.rebound = shared.rebind ? new Map() : null;
    this.baseCount = shared.visible;
    for (const [len, bucket] of this.byLen)
      for (const dst of bucket.keys()) this.baseCount -= this.baseRoutes(len, dst).length;
    this.updateLens();
  }

  /** Routes for exactly this prefix, in table order (lowest metric first). */
  exact(dst: Ipv4, len: number): readonly Route[] {
    const bucket = this.byLen.get(len);
    if (bucket?.has(dst)) return list(bucket.get(dst));
    return this.baseRoutes(len, dst);
  }

  /** The base's routes for a prefix this table has not taken over, as this table sees them. */
  private baseRoutes(len: number, dst: Ipv4): readonly Route[] {
    if (!this.shared) return EMPTY;
    const routes = this.shared.table.exact(dst, len);
    if (routes.length === 0) return EMPTY;
    const out: Route[] = [];
    for (const route of routes) if (!this.shared.hides(route)) out.push(this.bind(route));
    return out;
  }

  private bind(route: Route): Route {
    if (!this.rebound || !this.shared?.rebind) return route;
    let mine = this.rebound.get(route);
    if (!mine) {
      mine = { ...route, ...this.shared.rebind };
      this.rebound.set(route, mine);
    }
    return mine;
  }

  /** Copies a base prefix into this table before it changes, so the base stays as it was. */
  private own(len: number, dst: Ipv4): Bucket {
    let bucket = this.byLen.get(len);
    if (!bucket) {
      bucket = new Bucket();
      this.byLen.set(len, bucket);
      if (this.shared) this.updateLens();
      else this.addLen(len);
    }
    if (!bucket.has(dst) && this.shared) {
      const routes = this.baseRoutes(len, dst);
      if (routes.length > 0) {
        bucket.set(dst, routes.length === 1 ? (routes[0] as Route) : [...routes]);
        this.baseCount -= routes.length;
        this.count += routes.length;
      }
    }
    return bucket;
  }

  /**
   * A table of its own gains a prefix length, without `updateLens`'s set of every length. A new
   * array of the right size: splicing into a pod's empty one would reserve room for 17.
   */
  private addLen(len: number): void {
    const lens = this.lens;
    if (lens.includes(len)) return;
    let at = 0;
    while (at < lens.length && (lens[at] as number) > len) at++;
    this.lens = lens.toSpliced(at, 0, len);
  }

  private updateLens(): void {
    const all = new Set(this.byLen.keys());
    if (this.shared) for (const len of this.shared.table.lens) all.add(len);
    this.lens = [...all].sort((a, b) => b - a);
  }

  /**
   * Inserts in the kernel's order within a prefix: by metric, and after the routes of the same
   * metric (`ip route append` puts a second route with the same metric behind the first).
   */
  insert(route: Route): void {
    const bucket = this.own(route.len, route.dst);
    const slot = bucket.get(route.dst);
    this.count++;
    if (slot === undefined || slot === null) {
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
    const bucket = this.own(old.len, old.dst);
    const slot = bucket.get(old.dst);
    if (slot === undefined || slot === null)
      throw new Error("RouteTable.replaceAt: route not in table");
    if (route.metric !== old.metric || route.dst !== old.dst || route.len !== old.len) {
      this.remove(old);
      this.insert(route);
      return;
    }
    if (!Array.isArray(slot)) {
      if (!sameFields(slot, old)) throw new Error("RouteTable.replaceAt: route not in table");
      bucket.set(old.dst, route);
      return;
    }
    const at = slot.findIndex((r) => sameFields(r, old));
    if (at < 0) throw new Error("RouteTable.replaceAt: route not in table");
    slot[at] = route;
  }

  remove(route: Route): boolean {
    if (this.exact(route.dst, route.len).length === 0) return false;
    const bucket = this.own(route.len, route.dst);
    const slot = bucket.get(route.dst);
    if (slot === undefined || slot === null) return false;
    if (Array.isArray(slot)) {
      const at = slot.findIndex((r) => sameFields(r, route));
      if (at < 0) return false;
      slot.splice(at, 1);
      if (slot.length === 1) bucket.set(route.dst, slot[0] as Route);
    } else {
      if (!sameFields(slot, route)) return false;
      // A prefix the base also holds stays taken over, empty, so the base's routes stay hidden.
      if (this.shared && this.shared.table.exact(route.dst, route.len).length > 0)
        bucket.set(route.dst, null);
      else bucket.delete(route.dst);
    }
    this.count--;
    if (bucket.size === 0) {
      this.byLen.delete(route.len);
      this.updateLens();
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
      const key = (ip & maskOf(len)) >>> 0;
      const bucket = this.byLen.get(len);
      let slot: Slot | null | undefined = bucket?.get(key);
      if (slot === undefined && this.shared && !bucket?.has(key)) {
        const routes = this.baseRoutes(len, key);
        slot = routes.length === 0 ? undefined : (routes as Route[]);
      }
      if (slot === undefined || slot === null) continue;
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
        if (slot === null) continue;
        if (Array.isArray(slot)) out.push(...slot);
        else out.push(slot);
      }
    if (this.shared)
      for (const route of this.shared.table.all()) {
        if (this.shared.hides(route) || this.byLen.get(route.len)?.has(route.dst)) continue;
        out.push(this.bind(route));
      }
    // The kernel dumps its trie in key order; routes sharing a key come longest prefix first.
    return out.sort((a, b) => a.dst - b.dst || b.len - a.len || a.metric - b.metric);
  }
}
