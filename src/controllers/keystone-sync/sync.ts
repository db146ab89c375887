import { randomUUID } from 'node:crypto';
import { describeError, toError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../telemetry/logger.js';
import { Counter, Gauge, Histogram, type Registry } from '../../telemetry/metrics.js';
import { RECONCILE_BUCKETS } from '../../kube/controller.js';
import { sleepOn, systemScheduler, type Scheduler } from '../../kube/scheduler.js';
import { planGone, planSync, LABEL_KEYSTONE_PROJECT_DELETED, type DeletePolicy, type SyncTenant } from '../../domain/keystone-sync/plan.js';
import type { SyncKeystone, SyncKube, TenantRef } from './ports.js';

/** Event reasons (constants, as CONVENTIONS asks). */
export const REASONS = {
  /** A Tenant was created for a Keystone project. */
  Synced: 'KeystoneProjectSynced',
  /** The project of a synced Tenant was deleted in Keystone. */
  ProjectDeleted: 'KeystoneProjectDeleted',
  /** The project of a Tenant labelled as deleted exists again. */
  ProjectRestored: 'KeystoneProjectRestored',
} as const;

/** Where a failure happened, as the `stage` label of the errors metric. */
export type SyncStage = 'list' | 'check' | 'create' | 'label' | 'delete' | 'select';

/** The sync's Prometheus metrics. */
export interface SyncMetrics {
  projectsSeen: Gauge;
  created: Counter;
  deleted: Counter;
  orphaned: Counter;
  duration: Histogram;
  errors: Counter;
  lastSuccess: Gauge;
}

/** Registers the sync's metrics on registry. Call once per registry (prom-client throws on a second registration). */
export function syncMetrics(registry: Registry): SyncMetrics {
  const registers = [registry];
  return {
    projectsSeen: new Gauge({ name: 'stackube_keystone_sync_projects_seen', help: 'Keystone projects selected for sync in the last pass (after exclusions)', registers }),
    created: new Counter({ name: 'stackube_keystone_sync_tenants_created_total', help: 'Tenants created for Keystone projects', registers }),
    deleted: new Counter({ name: 'stackube_keystone_sync_tenants_deleted_total', help: 'Synced Tenants deleted because their Keystone project was deleted (policy delete)', registers }),
    orphaned: new Counter({ name: 'stackube_keystone_sync_tenants_orphaned_total', help: 'Synced Tenants labelled keystone-project-deleted (policy orphan)', registers }),
    duration: new Histogram({ name: 'stackube_keystone_sync_pass_duration_seconds', help: 'Time of one sync pass', labelNames: ['result'], buckets: RECONCILE_BUCKETS, registers }),
    errors: new Counter({ name: 'stackube_keystone_sync_errors_total', help: 'Sync failures, by stage (list, check, create, label, delete, select)', labelNames: ['stage'], registers }),
    lastSuccess: new Gauge({ name: 'stackube_keystone_sync_last_success_timestamp_seconds', help: 'When a sync pass last completed', registers }),
  };
}

/** What one pass needs. */
export interface SyncDeps {
  keystone: SyncKeystone;
  kube: SyncKube;
  policy: DeletePolicy;
  log: Logger;
  metrics?: SyncMetrics;
  /** Default: the system clock. */
  clock?: Clock;
}

/** What one pass did (Tenant names), for logs and tests. */
export interface PassResult {
  selected: number;
  created: string[];
  deleted: string[];
  marked: string[];
  unmarked: string[];
  skipped: string[];
  /** Failed steps; the pass carried on with the others. */
  errors: number;
}

/**
 * One level-based pass: list the selected projects and every Tenant, create a Tenant for each project without
 * one, then ask Keystone about each synced Tenant whose project is no longer listed, and delete or label it by
 * the policy. Idempotent and crash-safe: it compares the two lists afresh every time and never remembers
 * anything between passes. Rejects (changing nothing) when either list fails; a failed step for one project or
 * Tenant is logged and counted, and the others go on.
 */
export async function syncPass(d: SyncDeps): Promise<PassResult> {
  const clock = d.clock ?? systemScheduler;
  const started = clock.now();
  const seconds = (): number => Math.max(0, clock.now() - started) / 1000;
  const res: PassResult = { selected: 0, created: [], deleted: [], marked: [], unmarked: [], skipped: [], errors: 0 };
  const failed = (stage: SyncStage, e: unknown, fields: Record<string, unknown>, msg: string): void => {
    res.errors++;
    d.metrics?.errors.inc({ stage });
    d.log.warn({ ...fields, err: toError(e), error: describeError(e) }, msg);
  };
  try {
    const [{ projects, unknownDomains }, tenants, namespaces] = await Promise.all([d.keystone.listSelected(), d.kube.listTenants(), d.kube.listNamespaceNames()]);
    for (const domain of unknownDomains) failed('select', new Error(`Keystone has no domain "${domain}"`), { domain }, 'configured sync domain does not exist');
    const plan = planSync({ projects, tenants, namespaces: new Set(namespaces) });
    res.selected = plan.selected.length;
    d.metrics?.projectsSeen.set(plan.selected.length);

    for (const s of plan.skipped) {
      res.skipped.push(s.projectId);
      failed('create', new Error(s.reason), { projectId: s.projectId, projectName: s.projectName }, 'no Tenant name for Keystone project');
    }
    for (const c of plan.create) {
      try {
        const ref = await d.kube.applyTenant({ name: c.name, projectId: c.projectId });
        res.created.push(c.name);
        d.metrics?.created.inc();
        d.log.info({ tenant: c.name, projectId: c.projectId, projectName: c.projectName, fallback: c.fallback }, 'tenant created for Keystone project');
        d.kube.event(ref, 'Normal', REASONS.Synced, `created for Keystone project ${c.projectName} (${c.projectId})${c.fallback ? '; the project name is not a usable or free Tenant name' : ''}`);
      } catch (e) {
        failed('create', e, { tenant: c.name, projectId: c.projectId }, 'creating a Tenant for a Keystone project failed');
      }
    }

    const gone = new Set<string>();
    const present = new Set<string>();
    for (const t of plan.suspects) {
      const id = t.projectId ?? '';
      try {
        (await d.keystone.projectExists(id) ? present : gone).add(id);
      } catch (e) {
        // Unknown is neither gone nor present: nothing happens to this Tenant until Keystone answers.
        failed('check', e, { tenant: t.name, projectId: id }, 'checking a synced Tenant\'s Keystone project failed');
      }
    }
    const after = planGone({ suspects: plan.suspects, gone, present, policy: d.policy });
    for (const t of after.delete) await step(failed, 'delete', t, async () => {
      if (await d.kube.deleteTenant(t)) {
        res.deleted.push(t.name);
        d.metrics?.deleted.inc();
        d.log.info({ tenant: t.name, projectId: t.projectId }, 'synced tenant deleted: its Keystone project is gone');
        d.kube.event(t, 'Warning', REASONS.ProjectDeleted, `Keystone project ${t.projectId ?? ''} was deleted; the Tenant is being deleted (sync delete policy "delete")`);
      }
    });
    for (const t of after.mark) await step(failed, 'label', t, async () => {
      if (await d.kube.labelProjectDeleted(t, true)) {
        res.marked.push(t.name);
        d.metrics?.orphaned.inc();
        d.log.info({ tenant: t.name, projectId: t.projectId }, 'synced tenant orphaned: its Keystone project is gone');
        d.kube.event(t, 'Warning', REASONS.ProjectDeleted, `Keystone project ${t.projectId ?? ''} was deleted; the Tenant is kept (sync delete policy "orphan") and labelled ${LABEL_KEYSTONE_PROJECT_DELETED}=true`);
      }
    });
    for (const t of [...plan.unmark, ...after.unmark]) await step(failed, 'label', t, async () => {
      if (await d.kube.labelProjectDeleted(t, false)) {
        res.unmarked.push(t.name);
        d.kube.event(t, 'Normal', REASONS.ProjectRestored, `Keystone project ${t.projectId ?? ''} exists again`);
      }
    });
  } catch (e) {
    // Only the lists get here (every later step catches its own failure); the caller logs it.
    d.metrics?.duration.observe({ result: 'error' }, seconds());
    d.metrics?.errors.inc({ stage: 'list' });
    throw e;
  }
  d.metrics?.duration.observe({ result: res.errors ? 'partial' : 'success' }, seconds());
  d.metrics?.lastSuccess.set(clock.now() / 1000);
  return res;
}

async function step(failed: (stage: SyncStage, e: unknown, f: Record<string, unknown>, m: string) => void, stage: SyncStage, t: SyncTenant & TenantRef, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    failed(stage, e, { tenant: t.name, projectId: t.projectId }, `keystone sync: ${stage} of a synced Tenant failed`);
  }
}

/** Options of runKeystoneSync. */
export interface SyncLoopOptions {
  deps: SyncDeps;
  intervalMs: number;
  /** Stops the loop (between passes; a running pass finishes first). */
  signal: AbortSignal;
  scheduler?: Scheduler;
}

/**
 * Runs a pass at once and then every intervalMs until signal aborts. A failed pass is logged and counted, and
 * the next one runs on schedule. Never rejects; resolves once stopped.
 */
export async function runKeystoneSync(o: SyncLoopOptions): Promise<void> {
  const scheduler = o.scheduler ?? systemScheduler;
  const log = o.deps.log.child({ controller: 'keystone-sync' });
  log.info({ intervalMs: o.intervalMs, policy: o.deps.policy }, 'keystone sync started');
  while (!o.signal.aborted) {
    const passLog = log.child({ passID: randomUUID() });
    try {
      const r = await syncPass({ ...o.deps, log: passLog, clock: scheduler });
      const changed = r.created.length + r.deleted.length + r.marked.length + r.unmarked.length;
      passLog[changed > 0 ? 'info' : 'debug']({ selected: r.selected, created: r.created.length, deleted: r.deleted.length, orphaned: r.marked.length, restored: r.unmarked.length, errors: r.errors }, 'keystone sync pass done');
    } catch (e) {
      // Counted by syncPass; the next pass retries on schedule.
      passLog.warn({ err: toError(e), error: describeError(e) }, 'keystone sync pass failed; nothing changed');
    }
    await sleepOn(scheduler, o.intervalMs, o.signal);
  }
  log.info('keystone sync stopped');
}
