import type { Logger } from '../../telemetry/logger.js';
import type { Registry } from '../../telemetry/metrics.js';
import { LABEL_TENANT } from '../../api/constants.js';
import type { KubeApi } from '../../kube/client.js';
import { Controller, specOrMetadataChanged } from '../../kube/controller.js';
import { Informer } from '../../kube/informer.js';
import type { KubeObject } from '../../kube/objects.js';
import { tenantReconciler, type TenantReconcilerDeps } from './reconcile.js';

/**
 * The tenant controller: a Tenant informer (keys = tenant names) and a namespace informer that re-enqueues the
 * owning tenant when one of its namespaces changes (e.g. someone deleted it), feeding tenantReconciler.
 */
export function tenantController(o: { api: KubeApi; deps: TenantReconcilerDeps; log: Logger; registry: Registry; workers: number; onError: (e: unknown) => void }): { controller: Controller; informers: Informer<KubeObject>[] } {
  const reconcile = tenantReconciler(o.deps);
  const controller = new Controller({ name: 'tenant', reconcile: (_ctx, key) => reconcile(key), log: o.log, registry: o.registry, workers: o.workers });
  const tenants = new Informer<KubeObject>({ client: o.api, path: '/apis/stackube.kubernetes.io/v1/tenants', onError: o.onError, resyncPeriodMs: 10 * 60_000 });
  const namespaces = new Informer<KubeObject>({ client: o.api, path: '/api/v1/namespaces', labelSelector: LABEL_TENANT, onError: o.onError });
  // The controller's own status writes do not re-trigger it (they used to double the work per tenant).
  controller.watch(tenants, (t) => t.metadata?.name, { updateFilter: specOrMetadataChanged });
  controller.watch(namespaces, (ns) => ns.metadata?.labels?.[LABEL_TENANT]);
  return { controller, informers: [tenants, namespaces] };
}
