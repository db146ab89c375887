import type { Logger } from '../../telemetry/logger.js';
import type { Registry } from '../../telemetry/metrics.js';
import { LABEL_PROJECT_ID } from '../../api/constants.js';
import type { Network } from '../../api/network.js';
import type { Tenant } from '../../api/tenant.js';
import { ANNOTATION_VIF } from '../../api/vif.js';
import type { KubeApi } from '../../kube/client.js';
import { Controller } from '../../kube/controller.js';
import { Informer } from '../../kube/informer.js';
import { objectKey, type KubeObject } from '../../kube/objects.js';
import { systemScheduler, type Scheduler } from '../../kube/scheduler.js';
import { podIntent, podUpdateMatters, type NamespaceFacts } from '../../domain/port/plan.js';
import { collectGarbage, runPortGc } from './gc.js';
import { namespaceFacts, portKubeAdapter } from './kube-adapter.js';
import { PodLedger } from './ledger.js';
import { portMetrics } from './metrics.js';
import { PortPools } from './pools.js';
import type { Pod, PortNeutron } from './ports.js';
import { podFacts, portReconciler } from './reconcile.js';

/** Construction options of portController. */
export interface PortControllerOptions {
  api: KubeApi;
  neutron: PortNeutron;
  log: Logger;
  registry: Registry;
  workers: number;
  /** Ready ports per (network, node) pool; 0 turns pools off. */
  poolSize: number;
  gcIntervalMs: number;
  /** Ports younger than this are never garbage-collected. */
  gcGraceMs: number;
  onError: (e: unknown) => void;
  event: (pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string) => void;
  scheduler?: Scheduler;
}

/**
 * The port controller: a Pod informer (scheduled pods only; keys = namespace/name; container-status churn filtered
 * out) feeding portReconciler, plus Network, tenant-namespace and Tenant informers that re-enqueue the pods still
 * waiting for a port when a Network turns Active, a namespace becomes a tenant's, or a tenant gets its security
 * group. runGc runs garbage collection once the caches synced, then every gcIntervalMs.
 */
export function portController(o: PortControllerOptions): { controller: Controller; informers: Informer<KubeObject>[]; runGc: (signal: AbortSignal) => Promise<void> } {
  const scheduler = o.scheduler ?? systemScheduler;
  const common = { client: o.api, onError: o.onError, ...(o.scheduler ? { scheduler: o.scheduler } : {}) };
  // Only scheduled pods: an unscheduled pod needs no port yet, and most churn happens before scheduling.
  const pods = new Informer<Pod & KubeObject>({ ...common, path: '/api/v1/pods', fieldSelector: 'spec.nodeName!=' });
  const networks = new Informer<Network & KubeObject>({ ...common, path: '/apis/stackube.kubernetes.io/v1/networks' });
  const namespaces = new Informer<KubeObject>({ ...common, path: '/api/v1/namespaces', labelSelector: LABEL_PROJECT_ID });
  const tenants = new Informer<Tenant & KubeObject>({ ...common, path: '/apis/stackube.kubernetes.io/v1/tenants' });
  const nodes = o.poolSize > 0 ? new Informer<KubeObject>({ ...common, path: '/api/v1/nodes' }) : undefined;

  const ledger = new PodLedger();
  const pools = o.poolSize > 0 ? new PortPools({
    neutron: o.neutron, size: o.poolSize, count: (a, n) => metrics.count(a, n),
    onError: (e, pool) => o.log.warn({ err: e, ...pool, controller: 'port' }, 'port pool refill failed; retrying on the next take or GC pass'),
  }) : undefined;
  const metrics = portMetrics(o.registry, { reserved: () => ledger.reservedCount(), poolReady: () => pools?.readyCount() ?? 0 });
  const kube = portKubeAdapter(o.api, {
    pod: (key) => pods.get(key), pods: () => pods.list(),
    namespace: (name) => namespaces.get(name), namespaces: () => namespaces.list(),
    networks: () => networks.list(), tenant: (name) => tenants.get(name), tenants: () => tenants.list(),
    nodes: () => nodes?.list().map((n) => n.metadata?.name ?? ''),
  }, o.event);
  const reconcile = portReconciler({ neutron: o.neutron, kube, ledger, ...(pools ? { pools } : {}), count: metrics.count });
  const controller = new Controller({ name: 'port', reconcile: (_ctx, key) => reconcile(key), log: o.log, registry: o.registry, workers: o.workers, scheduler });

  // Pod keys by namespace, so that a Network, namespace or Tenant event looks only at the pods it concerns.
  const podsByNamespace = new Map<string, Set<string>>();
  const index = (p: Pod, add: boolean): void => {
    const ns = p.metadata.namespace ?? '';
    const keys = podsByNamespace.get(ns) ?? new Set<string>();
    if (add) keys.add(objectKey(p));
    else keys.delete(objectKey(p));
    if (keys.size > 0) podsByNamespace.set(ns, keys);
    else podsByNamespace.delete(ns);
  };
  pods.addHandlers({ onAdd: (p) => index(p, true), onDelete: (p) => index(p, false) });
  /** Keys of the cached pods of these namespaces that need a port and have no VIF yet. */
  const waiting = (inNamespaces: Iterable<string>): string[] => {
    const out: string[] = [];
    for (const ns of inNamespaces) {
      const facts = namespaceFacts(namespaces.get(ns));
      for (const key of podsByNamespace.get(ns) ?? []) {
        const p = pods.get(key);
        if (p && p.metadata.annotations?.[ANNOTATION_VIF] === undefined && podIntent(podFacts(p), facts).kind === 'reserve') out.push(key);
      }
    }
    return out;
  };
  /** The tenant namespaces matching a predicate on their project and tenant labels. */
  const namespacesWhere = (match: (f: NamespaceFacts) => boolean): string[] => namespaces.list()
    .filter((ns) => { const f = namespaceFacts(ns); return f !== undefined && match(f); })
    .map((ns) => ns.metadata?.name ?? '');
  const projectOf = (ns: string): string | undefined => namespaceFacts(namespaces.get(ns))?.projectId;

  controller.watch(pods, objectKey, { updateFilter: (a, b) => podUpdateMatters(podFacts(a), podFacts(b)) });
  controller.watch(networks, (n) => {
    const project = projectOf(n.metadata.namespace ?? '');
    return project === undefined ? [] : waiting(namespacesWhere((f) => f.projectId === project));
  }, { updateFilter: (a, b) => a === b || usable(a) !== usable(b) });
  controller.watch(namespaces, (ns) => waiting([ns.metadata?.name ?? '']), {
    updateFilter: (a, b) => JSON.stringify(namespaceFacts(a) ?? null) !== JSON.stringify(namespaceFacts(b) ?? null),
  });
  controller.watch(tenants, (t) => {
    const name = t.metadata.name ?? '';
    return waiting(namespacesWhere((f) => f.tenant === name || f.projectId === t.status?.projectID));
  }, { updateFilter: (a, b) => a.status?.securityGroupID !== b.status?.securityGroupID || a.status?.projectID !== b.status?.projectID });

  const informers: Informer<KubeObject>[] = [pods, networks, namespaces, tenants, ...(nodes ? [nodes] : [])];
  const runGc = (signal: AbortSignal): Promise<void> => runPortGc({
    pass: () => collectGarbage({ neutron: o.neutron, kube, ...(pools ? { pools } : {}), poolSize: o.poolSize, graceMs: o.gcGraceMs, clock: scheduler, count: metrics.count, log: o.log.child({ controller: 'port' }) }),
    ready: async () => {
      for (const i of informers) if (!(await i.waitForSync(signal))) return false;
      return true;
    },
    intervalMs: o.gcIntervalMs, signal, scheduler, log: o.log.child({ controller: 'port' }), metrics,
  });
  return { controller, informers, runGc };
}

/** Whether a Network can take ports: Active with its Neutron network and subnet, not being deleted. Pure. */
function usable(n: Network): boolean {
  return n.status?.state === 'Active' && !!n.status.networkID && !!n.status.subnetID && n.metadata.deletionTimestamp === undefined;
}
