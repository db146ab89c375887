import { describeError, ValidationError } from '../lib/errors.js';
import type { KubeApi } from './client.js';
import { isAlreadyExists, isConflict, isNotFound } from './client.js';
import type { ObjectMeta } from './objects.js';
import { RESOURCES, resourcePath } from './objects.js';
import type { Scheduler } from './scheduler.js';
import { sleepOn, systemScheduler } from './scheduler.js';

/** coordination.k8s.io/v1 LeaseSpec. Times are MicroTime strings (RFC 3339 with microseconds). */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** coordination.k8s.io/v1 Lease. */
export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: LeaseSpec;
}

/** What the elector tells its owner. */
export interface LeaderCallbacks {
  /**
   * Called once leadership is acquired. `signal` aborts when leadership ends (lost or stopping); the returned
   * promise should settle soon after, because the lease is released only once it has (so two leaders never
   * overlap on a clean shutdown).
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once after leading ends, however it ended. */
  onStoppedLeading(): void;
  /** Called when a different holder is observed (including ourselves on acquiring). */
  onNewLeader?(identity: string): void;
}

/** Construction options for LeaderElector; durations follow client-go's meaning and defaults. */
export interface LeaderElectionOptions {
  client: Pick<KubeApi, 'request'>;
  namespace: string;
  name: string;
  /** Unique per candidate (e.g. pod name + random suffix). */
  identity: string;
  /** How long non-leaders wait after the last observed renewal before taking over. Default 15 s. */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying a failing renewal before it gives up leading. Default 10 s. */
  renewDeadlineMs?: number;
  /** Interval between attempts to acquire or renew. Default 2 s. */
  retryPeriodMs?: number;
  /** Release the lease (empty holder) when run's signal aborts, so a successor takes over at once. Default true. */
  releaseOnCancel?: boolean;
  callbacks: LeaderCallbacks;
  scheduler?: Scheduler;
  /** Returns [0, 1): the jitter of the acquire retry. */
  random?: () => number;
  /** Told about failed API calls (they are retried). */
  onError?: (e: unknown) => void;
}

/** client-go's JitterFactor: acquire retries wait retryPeriod · (1 + 1.2·random). */
const JITTER = 1.2;

/**
 * Lease-based leader election, after client-go's leaderelection package. A candidate acquires the Lease when it
 * is absent, unheld, expired (no renewal observed for leaseDuration on *our* clock, so clock skew between nodes
 * does not matter) or already ours; every write is a PUT guarded by the Lease's resourceVersion, so two
 * candidates cannot both win. The leader renews every retryPeriod and gives up after failing for
 * renewDeadline (before anyone else may take over), or at once when it sees another holder.
 */
export class LeaderElector {
  private readonly scheduler: Scheduler;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private observed: { spec: string; at: number; lease: Lease } | undefined;
  private leading = false;
  private lastLeader: string | undefined;

  /** Throws ValidationError unless leaseDuration > renewDeadline > 1.2 · retryPeriod > 0. */
  constructor(private readonly o: LeaderElectionOptions) {
    this.scheduler = o.scheduler ?? systemScheduler;
    this.leaseDurationMs = o.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = o.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = o.retryPeriodMs ?? 2_000;
    if (!o.identity) throw new ValidationError('leader election needs an identity');
    if (!(this.leaseDurationMs > this.renewDeadlineMs)) throw new ValidationError('leaseDuration must be greater than renewDeadline');
    if (!(this.renewDeadlineMs > JITTER * this.retryPeriodMs)) throw new ValidationError('renewDeadline must be greater than 1.2 × retryPeriod');
    if (!(this.retryPeriodMs > 0)) throw new ValidationError('retryPeriod must be positive');
  }

  /** True while this candidate holds the lease. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last observed (undefined before the first read or when unheld). */
  leader(): string | undefined {
    return this.lastLeader;
  }

  /**
   * Campaigns until leader (or signal aborts), leads until leadership is lost or signal aborts, then releases the
   * lease (on abort, when releaseOnCancel) and calls onStoppedLeading. Resolves when all that is done; never
   * rejects (API failures are retried and reported to onError). Call once per elector.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.acquire(signal))) return;
    const leadership = new AbortController();
    const onAbort = (): void => leadership.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.leading = true;
    const work = Promise.resolve()
      .then(() => this.o.callbacks.onStartedLeading(leadership.signal))
      .catch((e: unknown) => this.o.onError?.(e));
    try {
      await this.renewLoop(leadership.signal);
    } finally {
      leadership.abort();
      signal.removeEventListener('abort', onAbort);
      await work;
      if (signal.aborted && this.o.releaseOnCancel !== false) await this.release();
      this.leading = false;
      this.o.callbacks.onStoppedLeading();
    }
  }

  /** Retries tryAcquireOrRenew every retryPeriod (jittered) until it succeeds. False when signal aborted first. */
  private async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) return true;
      const jitter = 1 + JITTER * (this.o.random ?? Math.random)();
      await sleepOn(this.scheduler, this.retryPeriodMs * jitter, signal);
    }
    return false;
  }

  /** Renews every retryPeriod; returns when leadership is lost or signal aborts. */
  private async renewLoop(signal: AbortSignal): Promise<void> {
    let lastRenew = this.scheduler.now();
    while (!signal.aborted) {
      await sleepOn(this.scheduler, this.retryPeriodMs, signal);
      if (signal.aborted) return;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = this.scheduler.now();
        continue;
      }
      const holder = this.observed?.lease.spec?.holderIdentity;
      if (holder && holder !== this.o.identity) return; // someone else holds it now
      if (this.scheduler.now() - lastRenew >= this.renewDeadlineMs) return;
    }
  }

  /** One attempt: read the lease, and create or update it in our name when we may. Never throws. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const path = resourcePath(RESOURCES.leases, this.o.namespace, this.o.name);
    const now = this.scheduler.now();
    const call = { timeoutMs: this.renewDeadlineMs };
    let lease: Lease;
    try {
      lease = await this.o.client.request<Lease>('GET', path, call);
    } catch (e) {
      if (!isNotFound(e)) {
        this.o.onError?.(e);
        return false;
      }
      return this.create(now);
    }
    this.observe(lease, now);
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const observedAt = this.observed?.at ?? now;
    const durationMs = (spec.leaseDurationSeconds ?? 0) * 1000;
    if (holder && holder !== this.o.identity && observedAt + durationMs > now) return false;
    const mine = holder === this.o.identity;
    const next: Lease = {
      ...lease,
      spec: {
        holderIdentity: this.o.identity,
        leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
        acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
      },
    };
    try {
      // PUT with metadata.resourceVersion from the read: a concurrent writer makes this a 409, not a second leader.
      const stored = await this.o.client.request<Lease>('PUT', path, { body: next, ...call });
      this.observe(stored, now);
      return true;
    } catch (e) {
      if (!isConflict(e)) this.o.onError?.(e);
      return false;
    }
  }

  private async create(now: number): Promise<boolean> {
    const body: Lease = {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
      metadata: { name: this.o.name, namespace: this.o.namespace },
      spec: {
        holderIdentity: this.o.identity, leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
        acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0,
      },
    };
    try {
      const stored = await this.o.client.request<Lease>('POST', resourcePath(RESOURCES.leases, this.o.namespace), { body, timeoutMs: this.renewDeadlineMs });
      this.observe(stored, now);
      return true;
    } catch (e) {
      if (!isAlreadyExists(e)) this.o.onError?.(e);
      return false;
    }
  }

  /** Remembers when the lease record last changed, on our clock. */
  private observe(lease: Lease, now: number): void {
    const spec = JSON.stringify(lease.spec ?? {});
    if (this.observed?.spec !== spec) this.observed = { spec, at: now, lease };
    else this.observed.lease = lease;
    const holder = lease.spec?.holderIdentity || undefined;
    if (holder !== this.lastLeader) {
      this.lastLeader = holder;
      if (holder !== undefined) {
        try {
          this.o.callbacks.onNewLeader?.(holder);
        } catch (e) {
          this.o.onError?.(e);
        }
      }
    }
  }

  /** Empties the holder of a lease we hold (resourceVersion-guarded), so a successor need not wait. Never throws. */
  private async release(): Promise<void> {
    const lease = this.observed?.lease;
    if (lease?.spec?.holderIdentity !== this.o.identity) return;
    const now = this.scheduler.now();
    const body: Lease = {
      ...lease,
      spec: { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: lease.spec.leaseTransitions ?? 0 },
    };
    try {
      const stored = await this.o.client.request<Lease>('PUT', resourcePath(RESOURCES.leases, this.o.namespace, this.o.name), { body, timeoutMs: this.renewDeadlineMs });
      this.observe(stored, now);
    } catch (e) {
      this.o.onError?.(new Error(`releasing lease ${this.o.namespace}/${this.o.name} failed: ${describeError(e)}`, { cause: e }));
    }
  }
}

/** A MicroTime string: RFC 3339 UTC with six fractional digits, as the apiserver expects for Lease times. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
