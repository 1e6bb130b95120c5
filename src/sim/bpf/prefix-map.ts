import { type Ipv4, networkOf } from "../ipv4";

/** What an LPM map holds: a prefix and its length, and whatever value goes with them. */
export interface PrefixEntry {
  readonly prefix: Ipv4;
  readonly len: number;
}

/** Entries many nodes' maps hold alike, indexed by length then prefix; never changed once made. */
export class SharedPrefixes<T extends PrefixEntry> {
  private readonly index = new Map<number, Map<Ipv4, T>>();
  /** Prefix lengths in use, longest first. */
  readonly lens: readonly number[];

  /** Entries with a prefix seen before replace the earlier one (keys are unique, as in a map). */
  constructor(readonly entries: readonly T[]) {
    for (const e of entries) {
      let bucket = this.index.get(e.len);
      if (!bucket) {
        bucket = new Map();
        this.index.set(e.len, bucket);
      }
      bucket.set(e.prefix, e);
    }
    this.lens = [...this.index.keys()].sort((a, b) => b - a);
  }

  exact(prefix: Ipv4, len: number): T | undefined {
    return this.index.get(len)?.get(prefix);
  }
}

/**
 * One node's LPM trie map (cilium_ipcache, cilium_tunnel_map): the shared entries every node
 * holds, with this node's own entries in their place (its pods are local, not behind a tunnel)
 * and the ones it lacks hidden (its own pod CIDR in the tunnel map). A 5,000-node cluster's
 * ipcache holds 160,000 entries; 5,000 copies would not fit. Iterates in the shared order, as the
 * arrays it replaces did.
 */
export class PrefixMap<T extends PrefixEntry> implements Iterable<T> {
  private readonly own = new Map<number, Map<Ipv4, T>>();
  private readonly hidden = new Map<number, Set<Ipv4>>();

  constructor(
    private readonly shared: SharedPrefixes<T>,
    own: readonly T[] = [],
    hidden: readonly PrefixEntry[] = [],
  ) {
    for (const e of own) {
      if (!shared.exact(e.prefix, e.len))
        throw new Error("PrefixMap: a node's own entry must replace a shared one");
      let bucket = this.own.get(e.len);
      if (!bucket) {
        bucket = new Map();
        this.own.set(e.len, bucket);
      }
      bucket.set(e.prefix, e);
    }
    for (const h of hidden) {
      let set = this.hidden.get(h.len);
      if (!set) {
        set = new Set();
        this.hidden.set(h.len, set);
      }
      set.add(h.prefix);
    }
  }

  /** The entry for exactly this prefix. */
  exact(prefix: Ipv4, len: number): T | undefined {
    const mine = this.own.get(len)?.get(prefix);
    if (mine) return mine;
    if (this.hidden.get(len)?.has(prefix)) return undefined;
    return this.shared.exact(prefix, len);
  }

  /** Longest-prefix match, as the kernel's LPM trie does. */
  lookup(ip: Ipv4): T | null {
    for (const len of this.shared.lens) {
      const hit = this.exact(networkOf(ip, len), len);
      if (hit) return hit;
    }
    return null;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (const e of this.shared.entries) {
      const here = this.exact(e.prefix, e.len);
      if (here) yield here;
    }
  }

  find(match: (e: T) => boolean): T | undefined {
    for (const e of this) if (match(e)) return e;
    return undefined;
  }
}
