import { backoffDelay } from '../lib/backoff.js';
import type { KubeApi, WatchEvent } from './client.js';
import { isGone, KubeError } from './client.js';
import type { KubeObject } from './objects.js';
import { objectKey } from './objects.js';
import type { Scheduler } from './scheduler.js';
import { sleepOn, systemScheduler } from './scheduler.js';

/** Callbacks an informer makes, synchronously and in event order. A throwing handler is reported, not fatal. */
export interface InformerHandlers<T extends KubeObject> {
  onAdd?(obj: T): void;
  /** Also called with old === new on a periodic resync. */
  onUpdate?(oldObj: T, newObj: T): void;
  /** Called with the last state the informer knew. */
  onDelete?(obj: T): void;
}

/** Construction options for Informer. */
export interface InformerOptions {
  /** The client; only `request` and `watch` are used. */
  client: Pick<KubeApi, 'request' | 'watch'>;
  /** Collection path, e.g. /api/v1/namespaces or /apis/stackube.kubernetes.io/v1/tenants. No query string. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size of the list (default 500). */
  pageSize?: number;
  /** Server-side watch timeout before a cheap re-watch (default 300 s). */
  watchTimeoutSeconds?: number;
  /** When > 0, calls onUpdate(obj, obj) for every cached object this often (a level-based safety net). */
  resyncPeriodMs?: number;
  /** Delay before relisting after failure number `attempt` (0-based). Default: 500 ms → 30 s with jitter. */
  retryDelay?: (attempt: number) => number;
  /** Waits ms or until signal aborts. Default: the scheduler's timers. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  scheduler?: Scheduler;
  /** Told about list/watch failures (not about the routine 410 Gone) and throwing handlers. */
  onError?: (e: unknown) => void;
}

interface ListResponse<T> {
  apiVersion?: string;
  kind?: string;
  items?: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/**
 * A list + watch cache of one resource collection, like client-go's shared informer: it lists (in pages), then
 * watches from the list's resourceVersion, re-watches when the server ends the stream, and relists after a 410
 * Gone (at once), a watch ERROR or any failure (with backoff). A relist diffs against the cache, so handlers see
 * exactly the adds, updates (resourceVersion changed) and deletes they missed. Cached objects carry apiVersion
 * and kind even when they came from a list. Keys are `namespace/name` (objectKey).
 */
export class Informer<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly syncWaiters: (() => void)[] = [];
  private readonly abort = new AbortController();
  private readonly scheduler: Scheduler;
  private synced = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly o: InformerOptions) {
    this.scheduler = o.scheduler ?? systemScheduler;
  }

  /** Registers handlers. Added after objects are cached, they first get onAdd for each of them. */
  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h);
    for (const obj of this.store.values()) this.call(() => h.onAdd?.(obj));
  }

  /** Starts the list/watch loop (and the resync loop when configured). Idempotent. */
  start(): void {
    this.loop ??= Promise.all([this.run(), this.resync()]).then(() => undefined);
  }

  /** Stops watching and waits for the loop to end. Idempotent. Pending waitForSync calls resolve false. */
  async stop(): Promise<void> {
    this.abort.abort();
    for (const w of this.syncWaiters.splice(0)) w();
    await this.loop;
  }

  /** True once the first full list has been applied (stays true across relists). */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, false if the informer or signal stops first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.abort.signal.aborted || signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolveP) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        resolveP(this.synced);
      };
      this.syncWaiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** The cached object for a key, or undefined. Treat it as read-only: it is shared with every caller. */
  get(key: string): T | undefined {
    return this.store.get(key);
  }

  /** Every cached object (a new array; the objects are shared and read-only). */
  list(): T[] {
    return [...this.store.values()];
  }

  /** Every cached key. */
  keys(): string[] {
    return [...this.store.keys()];
  }

  /** Number of cached objects. */
  get size(): number {
    return this.store.size;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    for (let attempt = 0; !signal.aborted; ) {
      try {
        let rv = await this.relist();
        attempt = 0;
        for (;;) {
          const next = await this.watchOnce(rv);
          if (signal.aborted) return;
          if (next === undefined) break;
          rv = next;
        }
      } catch (e) {
        if (signal.aborted) return;
        if (isGone(e)) continue; // the resourceVersion or continue token expired: relist at once
        this.o.onError?.(e);
        await this.sleep(this.retryDelay(attempt++));
      }
    }
  }

  /** Lists every page and replaces the cache; returns the list's resourceVersion. */
  private async relist(): Promise<string> {
    const fresh = new Map<string, T>();
    let cont: string | undefined;
    let rv = '';
    do {
      const q = this.query({ limit: String(this.o.pageSize ?? 500), ...(cont ? { continue: cont } : {}) });
      const page = await this.o.client.request<ListResponse<T>>('GET', `${this.o.path}?${q}`, { signal: this.abort.signal });
      const kind = page.kind?.replace(/List$/, '');
      for (const item of page.items ?? []) {
        // List items carry no apiVersion/kind; fill them in so cached objects look like watched ones.
        const obj = { ...(page.apiVersion ? { apiVersion: page.apiVersion } : {}), ...(kind ? { kind } : {}), ...item };
        const key = objectKey(obj);
        if (key) fresh.set(key, obj);
      }
      rv = page.metadata?.resourceVersion ?? rv;
      cont = page.metadata?.continue || undefined;
    } while (cont !== undefined && !this.abort.signal.aborted);
    this.replace(fresh);
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    return rv;
  }

  private replace(fresh: Map<string, T>): void {
    for (const [key, old] of this.store) {
      if (fresh.has(key)) continue;
      this.store.delete(key);
      this.emit((h) => h.onDelete?.(old));
    }
    for (const [key, obj] of fresh) {
      const old = this.store.get(key);
      this.store.set(key, obj);
      if (old === undefined) this.emit((h) => h.onAdd?.(obj));
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit((h) => h.onUpdate?.(old, obj));
    }
  }

  /** One watch from rv. Returns the resourceVersion to re-watch from, or undefined to relist. Rejects on failure. */
  private async watchOnce(rv: string): Promise<string | undefined> {
    if (this.abort.signal.aborted) return undefined;
    let next: string | undefined = rv;
    let failure: KubeError | undefined;
    const timeoutSeconds = this.o.watchTimeoutSeconds ?? 300;
    const q = this.query({ watch: '1', allowWatchBookmarks: 'true', timeoutSeconds: String(timeoutSeconds), resourceVersion: rv });
    // Its own signal: ends the stream on an ERROR event, and a stream the server should have closed long ago
    // (a silently dead connection) is cut so the loop re-watches.
    const stream = new AbortController();
    const onStop = (): void => stream.abort();
    this.abort.signal.addEventListener('abort', onStop, { once: true });
    const cancelGuard = this.scheduler.setTimer((timeoutSeconds + 30) * 1000, onStop);
    try {
      await this.o.client.watch(`${this.o.path}?${q}`, (ev) => {
        if (next === undefined) return;
        const r = this.apply(ev);
        if (r.kind === 'rv') {
          if (r.rv) next = r.rv;
          return;
        }
        next = undefined;
        if (r.kind === 'error') failure = r.error;
        stream.abort();
      }, stream.signal);
    } catch (e) {
      // An abort we caused ends the watch like a normal close.
      if (!stream.signal.aborted) throw e;
    } finally {
      cancelGuard();
      this.abort.signal.removeEventListener('abort', onStop);
    }
    if (failure !== undefined) throw failure;
    return next;
  }

  /** Applies one watch event: its resourceVersion, or gone (410 ERROR), or an error (other ERRORs). */
  private apply(ev: WatchEvent): { kind: 'rv'; rv: string | undefined } | { kind: 'gone' } | { kind: 'error'; error: KubeError } {
    if (ev.type === 'ERROR') {
      const st = ev.object as { code?: number; message?: string; reason?: string };
      if (st.code === 410) return { kind: 'gone' };
      return { kind: 'error', error: new KubeError(st.code ?? 0, 'GET', this.o.path, `watch error: ${st.message ?? 'unknown'}`, undefined, st.reason) };
    }
    const obj = ev.object as T;
    const rv = obj.metadata?.resourceVersion;
    const key = objectKey(obj);
    if (ev.type === 'BOOKMARK' || !key) return { kind: 'rv', rv };
    const old = this.store.get(key);
    if (ev.type === 'DELETED') {
      this.store.delete(key);
      this.emit((h) => h.onDelete?.(obj));
    } else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
      this.store.set(key, obj);
      if (old === undefined) this.emit((h) => h.onAdd?.(obj));
      else this.emit((h) => h.onUpdate?.(old, obj));
    }
    return { kind: 'rv', rv };
  }

  private async resync(): Promise<void> {
    const period = this.o.resyncPeriodMs ?? 0;
    if (!(period > 0)) return;
    while (!this.abort.signal.aborted) {
      await this.sleep(period);
      if (this.abort.signal.aborted || !this.synced) continue;
      for (const obj of this.store.values()) this.emit((h) => h.onUpdate?.(obj, obj));
    }
  }

  private query(extra: Record<string, string>): string {
    const q = new URLSearchParams(extra);
    if (this.o.labelSelector) q.set('labelSelector', this.o.labelSelector);
    if (this.o.fieldSelector) q.set('fieldSelector', this.o.fieldSelector);
    return q.toString();
  }

  private emit(fn: (h: InformerHandlers<T>) => void): void {
    for (const h of this.handlers) this.call(() => fn(h));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.o.onError?.(e);
    }
  }

  private retryDelay(attempt: number): number {
    return this.o.retryDelay?.(attempt) ?? backoffDelay(attempt, { baseMs: 500, maxMs: 30_000 });
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.abort.signal;
    return this.o.sleep ? this.o.sleep(ms, signal).catch(() => undefined) : sleepOn(this.scheduler, ms, signal);
  }
}
