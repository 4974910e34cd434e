/**
 * Values by key, at most `max` of them: when full, every kept value is dropped at once (no recency kept per
 * hit, unlike an LRU), so a flood of new keys costs one Map insert each and never memory, and a round of
 * more distinct keys than `max` (a crowd polling in turn) costs no eviction bookkeeping either.
 */
export class BoundedCache<V> {
  private readonly kept = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    return this.kept.get(key);
  }

  has(key: string): boolean {
    return this.kept.has(key);
  }

  set(key: string, value: V): void {
    if (this.kept.size >= this.max) this.kept.clear();
    this.kept.set(key, value);
  }
}

/**
 * The results of a pure function by key, at most `max` of them (a BoundedCache). For values that recur
 * across a whole flood: a JWT header's parse, a room seed's commitment.
 */
export class BoundedMemo<V> {
  private readonly kept: BoundedCache<V>;

  constructor(
    max: number,
    private readonly compute: (key: string) => V,
  ) {
    this.kept = new BoundedCache(max);
  }

  get(key: string): V {
    const v = this.kept.get(key);
    if (v !== undefined || this.kept.has(key)) return v as V;
    const computed = this.compute(key);
    this.kept.set(key, computed);
    return computed;
  }
}
