/**
 * Collapses concurrent calls with the same key into one in-flight promise (per key, never a global lock).
 * Every caller gets the same result or the same rejection; the key is free again once it settles.
 */
export class SingleFlight<K, V> {
  private readonly inflight = new Map<K, Promise<V>>();

  /** Runs fn unless a call for key is already in flight, in which case it joins that call. */
  do(key: K, fn: () => Promise<V>): Promise<V> {
    const existing = this.inflight.get(key);
    if (existing !== undefined) return existing;
    const p = fn().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** Calls in flight right now. */
  get size(): number {
    return this.inflight.size;
  }
}
