import type { Logger } from '../../telemetry/logger.js';
import type { Registry } from '../../telemetry/metrics.js';
import { LABEL_PROJECT_ID } from '../../api/constants.js';
import type { Network } from '../../api/network.js';
import type { KubeApi } from '../../kube/client.js';
import { Controller, specOrMetadataChanged } from '../../kube/controller.js';
import { Informer } from '../../kube/informer.js';
import type { KubeObject } from '../../kube/objects.js';
import { networkKubeAdapter } from './kube-adapter.js';
import type { NetworkNeutron } from './ports.js';
import { networkReconciler } from './reconcile.js';

/**
 * The Network controller: a Network informer (keys = namespace/name; the controller's own status writes do not
 * re-trigger it) and a namespace informer (tenant namespaces) that re-enqueues a namespace's Networks when its
 * project label appears or changes, feeding networkReconciler.
 */
export function networkController(o: {
  api: KubeApi; neutron: NetworkNeutron; log: Logger; registry: Registry; workers: number; onError: (e: unknown) => void;
  event: (n: Network, type: 'Normal' | 'Warning', reason: string, message: string) => void; now: () => string;
}): { controller: Controller; informers: Informer<KubeObject>[] } {
  const networks = new Informer<Network & KubeObject>({ client: o.api, path: '/apis/stackube.kubernetes.io/v1/networks', onError: o.onError, resyncPeriodMs: 10 * 60_000 });
  const namespaces = new Informer<KubeObject>({ client: o.api, path: '/api/v1/namespaces', labelSelector: LABEL_PROJECT_ID, onError: o.onError });
  const kube = networkKubeAdapter(o.api, { namespace: (name) => namespaces.get(name), networks: () => networks.list() }, o.event);
  const reconcile = networkReconciler({ neutron: o.neutron, kube, now: o.now });
  const controller = new Controller({ name: 'network', reconcile: (_ctx, key) => reconcile(key), log: o.log, registry: o.registry, workers: o.workers });
  controller.watch(networks, undefined, { updateFilter: specOrMetadataChanged });
  controller.watch(namespaces, (ns) => networks.list().filter((n) => n.metadata.namespace === ns.metadata?.name).map((n) => `${n.metadata.namespace ?? ''}/${n.metadata.name ?? ''}`));
  return { controller, informers: [networks, namespaces] };
}
