/**
 * A `Map` laid over a shared, read-only base map: many namespaces see the same few thousand
 * neighbour or FDB entries (one per other node) while each keeps its own changes. Reads fall
 * through to the base unless this map changed the key; `project` says how a base value looks here
 * (undefined: not here, e.g. the entry for this node itself). Iteration order is exactly a plain
 * Map's would be had every visible base entry been set first: base keys in base order (with this
 * map's value where it replaced one), then keys added here in insertion order. A base key deleted
 * and set again moves to the end, as it would in a Map.
 */
export class OverlayMap<K, V, S = V> implements Map<K, V> {
  /** Values replacing a base key in place. */
  private readonly replaced = new Map<K, V>();
  /** Base keys this map no longer shows (deleted, or set again after a delete). */
  private readonly gone = new Set<K>();
  /** Keys added here that show after the base's. */
  private readonly added = new Map<K, V>();
  /** Projected base values already worked out (a projection may copy a list). */
  private readonly seen = new Map<K, V | undefined>();

  constructor(
    private readonly base: ReadonlyMap<K, S>,
    private readonly project: (value: S, key: K) => V | undefined,
  ) {}

  get [Symbol.toStringTag](): string {
    return "OverlayMap";
  }

  private fromBase(key: K): V | undefined {
    if (this.gone.has(key)) return undefined;
    const r = this.replaced.get(key);
    if (r !== undefined) return r;
    if (this.seen.has(key)) return this.seen.get(key);
    const shared = this.base.get(key);
    const value = shared === undefined ? undefined : this.project(shared, key);
    if (shared !== undefined) this.seen.set(key, value);
    return value;
  }

  get(key: K): V | undefined {
    const a = this.added.get(key);
    if (a !== undefined) return a;
    return this.fromBase(key);
  }

  has(key: K): boolean {
    return this.added.has(key) || this.fromBase(key) !== undefined;
  }

  set(key: K, value: V): this {
    if (this.added.has(key) || this.fromBase(key) === undefined) this.added.set(key, value);
    else this.replaced.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    if (this.added.delete(key)) return true;
    if (this.fromBase(key) === undefined) return false;
    this.replaced.delete(key);
    this.gone.add(key);
    return true;
  }

  clear(): void {
    for (const key of this.base.keys()) this.gone.add(key);
    this.replaced.clear();
    this.added.clear();
  }

  get size(): number {
    let n = this.added.size;
    for (const key of this.base.keys()) if (this.fromBase(key) !== undefined) n++;
    return n;
  }

  *entries(): MapIterator<[K, V]> {
    for (const key of this.base.keys()) {
      if (this.added.has(key)) continue;
      const value = this.fromBase(key);
      if (value !== undefined) yield [key, value];
    }
    yield* this.added.entries();
  }

  *keys(): MapIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) fn.call(thisArg, value, key, this);
  }
}
