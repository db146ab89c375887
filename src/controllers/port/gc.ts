// Garbage collection of Stackube's ports: pod ports whose pod is gone (a crash, a missed deletion, a restart that
// lost the ledger), pooled ports of gone networks or nodes, pools above their size. On start and then periodically.
import { describeError, toError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../telemetry/logger.js';
import { sleepOn, type Scheduler } from '../../kube/scheduler.js';
import { planGc, type PortFacts } from '../../domain/port/plan.js';
import type { CountPorts, PortMetrics } from './metrics.js';
import type { PortPools } from './pools.js';
import type { GcKube, PortNeutron } from './ports.js';

/** What one pass needs. */
export interface GcDeps {
  neutron: PortNeutron;
  kube: GcKube;
  /** Present when pools are on: pooled ports are retired through it (under each pool's lock). */
  pools?: PortPools;
  poolSize: number;
  /** Ports younger than this are left alone. */
  graceMs: number;
  clock: Clock;
  count?: CountPorts;
  log?: Logger;
}

/** What one pass did. */
export interface GcResult {
  /** Pod ports deleted (their pod is gone or finished). */
  orphans: number;
  /** Pooled ports deleted (gone network or node, pools off, or above the pool size). */
  pooled: number;
  /** Ports spared because they are younger than the grace period. */
  young: number;
  /** Deletes that failed (retried next pass). */
  failed: number;
}

/** How many deletes one pass runs at once. */
const DELETE_CONCURRENCY = 8;

/**
 * One pass: list every compute:stackube port, THEN read the caches (so a port in the listing was made for a
 * pod the cache already held), plan (planGc) and delete. Idempotent. Rejects when the listing fails; a failed
 * delete is counted and logged, and the others go on. With pools, then refills the known pools.
 */
export async function collectGarbage(d: GcDeps): Promise<GcResult> {
  const ports = await d.neutron.allPorts();
  const networkIds = d.kube.networkIds();
  const nodes = d.kube.nodes();
  const plan = planGc({
    ports, livePodUids: d.kube.livePodUids(), knownProjects: d.kube.knownProjects(), nowMs: d.clock.now(), graceMs: d.graceMs,
    poolSize: d.pools ? d.poolSize : 0, networkIds, nodes,
  });
  let failed = 0;
  const remove = async (batch: readonly PortFacts[]): Promise<number> => {
    let done = 0;
    for (let i = 0; i < batch.length; i += DELETE_CONCURRENCY) {
      await Promise.all(batch.slice(i, i + DELETE_CONCURRENCY).map(async (p) => {
        try {
          await d.neutron.deletePort(p.id);
          done++;
        } catch (e) {
          failed++;
          d.log?.warn({ err: toError(e), error: describeError(e), port: p.id }, 'orphaned port not deleted; retrying next pass');
        }
      }));
    }
    return done;
  };
  const orphans = await remove(plan.orphans);
  if (orphans > 0) d.count?.('collected', orphans);
  const stale = [...plan.stalePooled, ...plan.surplusPooled];
  let pooled = 0;
  if (d.pools) {
    try {
      pooled = await d.pools.retire(stale);
    } catch (e) {
      failed++;
      d.log?.warn({ err: toError(e), error: describeError(e) }, 'pooled ports not retired; retrying next pass');
    }
    d.pools.prune(networkIds, nodes);
    await d.pools.refillAll();
  } else {
    pooled = await remove(stale);
    if (pooled > 0) d.count?.('collected', pooled);
  }
  if (orphans + pooled > 0) d.log?.info({ orphans, pooled, young: plan.young }, 'garbage-collected ports');
  return { orphans, pooled, young: plan.young, failed };
}

/**
 * Runs a pass once `ready` resolves true (the caches synced), then every intervalMs, until signal aborts. A failed
 * pass is logged and counted; the next one comes on schedule. Never rejects.
 */
export async function runPortGc(o: {
  pass: () => Promise<GcResult>; ready: () => Promise<boolean>; intervalMs: number; signal: AbortSignal; scheduler: Scheduler; log: Logger; metrics?: PortMetrics;
}): Promise<void> {
  if (!(await o.ready())) return;
  while (!o.signal.aborted) {
    try {
      const r = await o.pass();
      o.metrics?.gcPasses.inc({ result: 'ok' });
      o.log.debug({ ...r }, 'port garbage collection pass');
    } catch (e) {
      o.metrics?.gcPasses.inc({ result: 'error' });
      o.log.warn({ err: toError(e), error: describeError(e) }, 'port garbage collection failed; retrying next pass');
    }
    await sleepOn(o.scheduler, o.intervalMs, o.signal);
  }
}
