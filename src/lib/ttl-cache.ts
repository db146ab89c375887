import type { Clock } from './clock.js';

interface Entry<V> {
  value: V;
  expiresAt: number;
}

/**
 * A bounded map whose entries expire at their own deadline. Lookups never return an expired entry.
 * When full, expired entries are swept first, then the oldest insertions are evicted.
 * Not a lock: safe under Node's single thread; callers need no synchronisation.
 */
export class TtlCache<K, V> {
  private readonly map = new Map<K, Entry<V>>();

  constructor(
    private readonly clock: Clock,
    private readonly maxEntries: number,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  }

  /** The live value, or undefined when missing or expired (an expired entry is dropped). */
  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= this.clock.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Stores value until expiresAt (ms epoch). A deadline in the past stores nothing. */
  set(key: K, value: V, expiresAt: number): void {
    if (expiresAt <= this.clock.now()) {
      this.map.delete(key);
      return;
    }
    this.map.delete(key);
    if (this.map.size >= this.maxEntries) this.evict();
    this.map.set(key, { value, expiresAt });
  }

  /** Removes a key. Idempotent. */
  delete(key: K): void {
    this.map.delete(key);
  }

  /** Number of entries, including ones that expired but were not swept yet. */
  get size(): number {
    return this.map.size;
  }

  private evict(): void {
    const now = this.clock.now();
    for (const [k, e] of this.map) if (e.expiresAt <= now) this.map.delete(k);
    while (this.map.size >= this.maxEntries) {
      const oldest = this.map.keys().next();
      if (oldest.done === true) break;
      this.map.delete(oldest.value);
    }
  }
}
