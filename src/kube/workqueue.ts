import type { CancelTimer, Scheduler } from './scheduler.js';
import { systemScheduler } from './scheduler.js';

/** Per-key failure backoff: baseMs · 2^failures, capped at maxMs (no jitter, like client-go's item limiter). */
export interface ItemBackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** Global token bucket shared by every key: qps tokens a second, up to burst saved. */
export interface BucketOptions {
  qps: number;
  burst: number;
}

/** Construction options for WorkQueue; every field has a default. */
export interface WorkQueueOptions {
  scheduler?: Scheduler;
  /** Default 5 ms → 5 min. */
  backoff?: ItemBackoffOptions;
  /** Default 10 qps, burst 100 (client-go's controller defaults). */
  bucket?: BucketOptions;
}

/**
 * A token bucket that hands out reservations: each call takes one token now and returns how long the caller
 * must wait for it (0 while tokens remain). Tokens may go negative, so waits queue up fairly.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly o: BucketOptions, now: number) {
    if (!(o.qps > 0) || !(o.burst >= 1)) throw new RangeError('token bucket needs qps > 0 and burst >= 1');
    this.tokens = o.burst;
    this.last = now;
  }

  /** Takes one token; returns the ms until it is really available. Never negative. */
  reserve(now: number): number {
    this.tokens = Math.min(this.o.burst, this.tokens + ((now - this.last) * this.o.qps) / 1000);
    this.last = Math.max(this.last, now);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.o.qps);
  }
}

/**
 * A keyed work queue (keys are `namespace/name` or `name`), like client-go's rate-limiting workqueue:
 * - a key waiting to be processed is held once, however often it is added;
 * - a key is never handed to two workers at once: adding it while it is processed marks it dirty, and `done`
 *   queues it again;
 * - `addAfter` delays a key (the earliest pending time wins); `addRateLimited` delays it by the larger of its
 *   own exponential backoff and the global token bucket; `forget` resets its backoff;
 * - `shutDown` stops handing out keys, drops queued and delayed ones and resolves once in-flight keys are done.
 * Single-threaded (Node): no locks needed.
 */
export class WorkQueue {
  private readonly scheduler: Scheduler;
  private readonly backoff: ItemBackoffOptions;
  private readonly bucket: TokenBucket;
  private readonly ready: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, number>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private readonly idle: (() => void)[] = [];
  private timer: { at: number; cancel: CancelTimer } | undefined;
  private stopping = false;

  constructor(o: WorkQueueOptions = {}) {
    this.scheduler = o.scheduler ?? systemScheduler;
    this.backoff = o.backoff ?? { baseMs: 5, maxMs: 5 * 60_000 };
    this.bucket = new TokenBucket(o.bucket ?? { qps: 10, burst: 100 }, this.scheduler.now());
  }

  /** Queues key now. Idempotent while the key waits; ignored after shutDown. */
  add(key: string): void {
    if (this.stopping || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // `done` queues it again
    this.ready.push(key);
    this.handOut();
  }

  /** Queues key after ms (at once when ms ≤ 0). An earlier pending time for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.stopping) return;
    if (!(ms > 0)) {
      this.add(key);
      return;
    }
    const at = this.scheduler.now() + ms;
    const prev = this.delayed.get(key);
    if (prev !== undefined && prev <= at) return;
    this.delayed.set(key, at);
    this.arm();
  }

  /** Records one more failure of key and queues it after max(per-key backoff, token-bucket wait). */
  addRateLimited(key: string): void {
    if (this.stopping) return;
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const itemDelay = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** n);
    this.addAfter(key, Math.max(itemDelay, this.bucket.reserve(this.scheduler.now())));
  }

  /** Clears key's failure count (call after a success). Idempotent. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Failures recorded for key since the last `forget`. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /**
   * The next key, which the caller now owns until it calls `done(key)`. Waits while the queue is empty;
   * resolves undefined once the queue is shut down.
   */
  get(): Promise<string | undefined> {
    if (this.stopping) return Promise.resolve(undefined);
    const key = this.take();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolveP) => this.getters.push(resolveP));
  }

  /** Releases key after processing; queues it again if it was added meanwhile. Must follow every `get`. */
  done(key: string): void {
    this.processing.delete(key);
    if (!this.stopping && this.dirty.has(key)) {
      this.ready.push(key);
      this.handOut();
    }
    if (this.processing.size === 0) for (const f of this.idle.splice(0)) f();
  }

  /**
   * Stops the queue: no more keys are handed out or accepted, queued and delayed keys are dropped (level-based
   * controllers relist them on restart), waiting `get`s resolve undefined. Resolves when in-flight keys are done.
   * Idempotent.
   */
  shutDown(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.timer?.cancel();
      this.timer = undefined;
      this.delayed.clear();
      this.ready.length = 0;
      this.dirty.clear();
      for (const g of this.getters.splice(0)) g(undefined);
    }
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolveP) => this.idle.push(resolveP));
  }

  /** Keys ready to be handed out (the queue depth). */
  get length(): number {
    return this.ready.length;
  }
  /** Keys waiting for their addAfter / backoff time. */
  get delayedCount(): number {
    return this.delayed.size;
  }
  /** Keys handed out and not yet done. */
  get inFlight(): number {
    return this.processing.size;
  }
  /** True once shutDown was called. */
  get shuttingDown(): boolean {
    return this.stopping;
  }

  private take(): string | undefined {
    const key = this.ready.shift();
    if (key === undefined) return undefined;
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private handOut(): void {
    while (this.getters.length > 0 && this.ready.length > 0) {
      const g = this.getters.shift();
      const key = this.take();
      if (g !== undefined && key !== undefined) g(key);
    }
  }

  /** Keeps one timer, set for the earliest delayed key. */
  private arm(): void {
    let earliest = Infinity;
    for (const at of this.delayed.values()) earliest = Math.min(earliest, at);
    if (earliest === Infinity) {
      this.timer?.cancel();
      this.timer = undefined;
      return;
    }
    if (this.timer !== undefined && this.timer.at <= earliest) return;
    this.timer?.cancel();
    this.timer = { at: earliest, cancel: this.scheduler.setTimer(earliest - this.scheduler.now(), () => this.fire()) };
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.scheduler.now();
    for (const [key, at] of this.delayed) {
      if (at > now) continue;
      this.delayed.delete(key);
      this.add(key);
    }
    this.arm();
  }
}
