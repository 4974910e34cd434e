/**
 * Calls that share one promise per key while it runs: at the end of a sale hundreds of attempts ask for the
 * same pull, the same look at the sale, the same read of its ledger, and one call serves them all. With
 * `notBefore` (performance.now()), a running call is shared only if it started at or after that instant
 * (a caller that needs a view taken after something it saw).
 */
export class SingleFlight<V> {
  private readonly running = new Map<string, { startedAt: number; promise: Promise<V> }>();

  run(key: string, call: () => Promise<V>, notBefore = -Infinity): Promise<V> {
    const shared = this.running.get(key);
    if (shared && shared.startedAt >= notBefore) return shared.promise;
    const entry = { startedAt: performance.now(), promise: call() };
    this.running.set(key, entry);
    const forget = () => {
      if (this.running.get(key) === entry) this.running.delete(key);
    };
    entry.promise.then(forget, forget);
    return entry.promise;
  }
}
