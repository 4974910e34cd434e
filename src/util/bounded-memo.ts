/**
 * The results of a pure function by key, at most `max` of them: when full, every kept result is dropped at
 * once (no recency kept per hit), so a flood of new keys costs a computation each and never memory. For
 * values that recur across a whole flood: a JWT header's parse, a room seed's commitment.
 */
export class BoundedMemo<V> {
  private readonly kept = new Map<string, V>();

  constructor(
    private readonly max: number,
    private readonly compute: (key: string) => V,
  ) {}

  get(key: string): V {
    const v = this.kept.get(key);
    if (v !== undefined || this.kept.has(key)) return v as V;
    if (this.kept.size >= this.max) this.kept.clear();
    const computed = this.compute(key);
    this.kept.set(key, computed);
    return computed;
  }
}
