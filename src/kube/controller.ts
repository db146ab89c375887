import { randomUUID } from 'node:crypto';
import { describeError, TerminalError, toError } from '../lib/errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { Registry } from '../telemetry/metrics.js';
import { Counter, Gauge, Histogram } from '../telemetry/metrics.js';
import type { Informer } from './informer.js';
import type { KubeObject } from './objects.js';
import { objectKey } from './objects.js';
import type { Scheduler } from './scheduler.js';
import { systemScheduler } from './scheduler.js';
import type { WorkQueueOptions } from './workqueue.js';
import { WorkQueue } from './workqueue.js';

/** What one reconcile gets besides its key. */
export interface ReconcileContext {
  /** Child logger with controller, key and reconcileID. */
  log: Logger;
  /** Aborted only when the runner's stop grace period runs out; reconcilers pass it to slow calls. */
  signal: AbortSignal;
  /** Unique per reconcile call; also in the log bindings. */
  reconcileID: string;
  /** Failures of this key since its last success (0 on a first try). */
  retries: number;
}

/** A reconcile's answer: nothing (done until the next change) or a requeue after some ms. */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

/**
 * Level-based reconcile of one key. Resolves when the state converged (optionally asking for a requeue);
 * throws TerminalError for what retrying cannot fix, anything else to be retried with backoff.
 */
export type Reconciler = (ctx: ReconcileContext, key: string) => Promise<ReconcileResult>;

/** Bucket boundaries (seconds) of the reconcile duration histogram: 1 ms to 60 s. */
export const RECONCILE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The controller metrics of one registry, shared by every controller in the binary (each labels its own series
 * with `controller`). Use controllerMetrics(registry) to get them; registering twice would throw.
 */
export interface ControllerMetrics {
  depth: Gauge;
  duration: Histogram;
  errors: Counter;
  retries: Counter;
  /** Controllers whose queue depth the gauge reports at scrape time. */
  queues: Map<string, () => number>;
}

const metricsByRegistry = new WeakMap<Registry, ControllerMetrics>();

/** The controller metrics registered on registry, created on first use. Idempotent per registry. */
export function controllerMetrics(registry: Registry): ControllerMetrics {
  const existing = metricsByRegistry.get(registry);
  if (existing) return existing;
  const queues = new Map<string, () => number>();
  const m: ControllerMetrics = {
    queues,
    depth: new Gauge({
      name: 'stackube_controller_queue_depth', help: 'Keys ready in the controller work queue', labelNames: ['controller'], registers: [registry],
      collect() {
        for (const [controller, depth] of queues) this.set({ controller }, depth());
      },
    }),
    duration: new Histogram({
      name: 'stackube_controller_reconcile_duration_seconds', help: 'Time spent in one reconcile', labelNames: ['controller', 'result'],
      buckets: RECONCILE_BUCKETS, registers: [registry],
    }),
    errors: new Counter({
      name: 'stackube_controller_reconcile_errors_total', help: 'Reconciles that failed, by kind (retryable, terminal)', labelNames: ['controller', 'kind'], registers: [registry],
    }),
    retries: new Counter({
      name: 'stackube_controller_reconcile_retries_total', help: 'Keys requeued with backoff after an error', labelNames: ['controller'], registers: [registry],
    }),
  };
  metricsByRegistry.set(registry, m);
  return m;
}

/** Construction options for Controller. */
export interface ControllerOptions {
  /** Metric label and log field; unique per binary. */
  name: string;
  reconcile: Reconciler;
  log: Logger;
  registry: Registry;
  /** Concurrent workers (default 1). Keys are never worked on twice at once, whatever the count. */
  workers?: number;
  scheduler?: Scheduler;
  /** Backoff and global rate limit of the queue. */
  queue?: Omit<WorkQueueOptions, 'scheduler'>;
  /** Default: crypto.randomUUID. */
  newReconcileID?: () => string;
}

/** Maps a watched object to the keys it should enqueue (its own key, its owner's, …). */
export type KeyMapper<T extends KubeObject> = (obj: T) => string | readonly string[] | undefined;

/**
 * The controller runner: informers feed keys into a WorkQueue; N workers take keys and call reconcile.
 * Only the runner decides requeues: success → forget (and addAfter when requeueAfterMs > 0); TerminalError →
 * forget, log, count, no retry; any other error → count and addRateLimited.
 */
export class Controller {
  /** The controller's queue; enqueue keys with add/addAfter. */
  readonly queue: WorkQueue;
  private readonly metrics: ControllerMetrics;
  private readonly log: Logger;
  private readonly informers: Informer<KubeObject>[] = [];
  private readonly hardStop = new AbortController();
  private readonly stopping = new AbortController();
  private workers: Promise<void> | undefined;
  private readonly scheduler: Scheduler;

  constructor(private readonly o: ControllerOptions) {
    this.scheduler = o.scheduler ?? systemScheduler;
    this.queue = new WorkQueue({ ...o.queue, scheduler: this.scheduler });
    this.metrics = controllerMetrics(o.registry);
    this.metrics.queues.set(o.name, () => this.queue.length);
    this.log = o.log.child({ controller: o.name });
  }

  /**
   * Enqueues the keys of every object the informer adds, updates or deletes (by default its own key). The
   * controller waits for the informer to sync before starting workers. Call before run().
   */
  watch<T extends KubeObject>(informer: Informer<T>, map: KeyMapper<T> = objectKey, opts: { updateFilter?: (oldObj: T, newObj: T) => boolean } = {}): void {
    const enqueue = (obj: T): void => {
      const keys = map(obj);
      for (const k of typeof keys === 'string' ? [keys] : keys ?? []) if (k) this.queue.add(k);
    };
    const filter = opts.updateFilter;
    informer.addHandlers({ onAdd: enqueue, onUpdate: (old, obj) => { if (!filter || filter(old, obj)) enqueue(obj); }, onDelete: enqueue });
    this.informers.push(informer);
  }

  /**
   * Waits for the watched informers to sync, then runs the workers until stop() (or until signal aborts, which
   * calls stop()). Resolves when every worker has finished. Idempotent.
   */
  run(signal?: AbortSignal): Promise<void> {
    if (signal) {
      if (signal.aborted) void this.stop();
      else signal.addEventListener('abort', () => void this.stop(), { once: true });
    }
    this.workers ??= this.startWorkers();
    return this.workers;
  }

  /**
   * Stops taking keys and waits for in-flight reconciles. After graceMs their signal aborts (they should then
   * return quickly). Idempotent.
   */
  async stop(graceMs = 30_000): Promise<void> {
    this.stopping.abort();
    const cancel = this.scheduler.setTimer(graceMs, () => this.hardStop.abort());
    try {
      await this.queue.shutDown();
      await this.workers;
    } finally {
      cancel();
      this.metrics.queues.delete(this.o.name);
    }
  }

  private async startWorkers(): Promise<void> {
    for (const inf of this.informers) {
      if (!(await inf.waitForSync(this.stopping.signal))) {
        this.log.warn('caches did not sync; controller not started');
        return;
      }
    }
    const n = Math.max(1, this.o.workers ?? 1);
    this.log.info({ workers: n }, 'controller started');
    await Promise.all(Array.from({ length: n }, () => this.worker()));
    this.log.info('controller stopped');
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.processOne(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** One reconcile with its bookkeeping. Never throws. */
  private async processOne(key: string): Promise<void> {
    const reconcileID = (this.o.newReconcileID ?? randomUUID)();
    const log = this.log.child({ key, reconcileID });
    const retries = this.queue.retries(key);
    const started = this.scheduler.now();
    const seconds = (): number => Math.max(0, this.scheduler.now() - started) / 1000;
    const labels = { controller: this.o.name };
    try {
      const res = await this.o.reconcile({ log, signal: this.hardStop.signal, reconcileID, retries }, key);
      this.metrics.duration.observe({ ...labels, result: 'success' }, seconds());
      this.queue.forget(key);
      const after = res.requeueAfterMs;
      if (after !== undefined && after > 0) this.queue.addAfter(key, after);
      log.debug({ requeueAfterMs: after ?? null }, 'reconciled');
    } catch (e) {
      this.metrics.duration.observe({ ...labels, result: 'error' }, seconds());
      if (e instanceof TerminalError) {
        this.queue.forget(key);
        this.metrics.errors.inc({ ...labels, kind: 'terminal' });
        log.error({ err: toError(e), code: e.code, error: describeError(e) }, 'reconcile failed permanently; not retrying');
        return;
      }
      this.metrics.errors.inc({ ...labels, kind: 'retryable' });
      this.metrics.retries.inc(labels);
      this.queue.addRateLimited(key);
      log.warn({ err: toError(e), error: describeError(e), retries: retries + 1 }, 'reconcile failed; retrying with backoff');
    }
  }
}

/**
 * An update filter for a controller's own objects: true unless only the status, the finalizers or other fields
 * that do not bump metadata.generation, labels, annotations or the deletion timestamp changed. The controller's own
 * status writes then do not trigger a second reconcile; periodic resyncs (old === new) still pass. Pure.
 */
export function specOrMetadataChanged(oldObj: KubeObject, newObj: KubeObject): boolean {
  if (oldObj === newObj) return true;
  const o = oldObj.metadata ?? {};
  const n = newObj.metadata ?? {};
  if (o.resourceVersion !== undefined && o.resourceVersion === n.resourceVersion) return true;
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  // Finalizer changes are left out too: the controller adds its own, and the deletion that follows a removal is
  // seen through deletionTimestamp.
  return o.generation !== n.generation || !same(o.deletionTimestamp, n.deletionTimestamp)
    || !same(o.labels, n.labels) || !same(o.annotations, n.annotations);
}
