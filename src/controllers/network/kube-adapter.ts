import { FINALIZER_NETWORK, LABEL_PROJECT_ID } from '../../api/constants.js';
import type { Network, NetworkStatus } from '../../api/network.js';
import type { KubeApi } from '../../kube/client.js';
import { ensureFinalizer, getObject, removeFinalizer, resourcePath, type KubeObject, type ResourceType } from '../../kube/objects.js';
import type { NetworkKube, NetworkPeer } from './ports.js';

/** The Network resource. */
export const NETWORKS: ResourceType = { group: 'stackube.kubernetes.io', version: 'v1', plural: 'networks', namespaced: true, kind: 'Network' };

/** Read-only views of the controller's informer caches (no API call per reconcile). */
export interface NetworkCaches {
  namespace(name: string): KubeObject | undefined;
  networks(): Network[];
}

/** NetworkKube over the Kubernetes API and the informer caches; every write uses the controller's field manager. */
export function networkKubeAdapter(api: KubeApi, caches: NetworkCaches, recordEvent: (n: Network, type: 'Normal' | 'Warning', reason: string, message: string) => void): NetworkKube {
  return {
    getNetwork: (namespace, name) => getObject<Network>(api, NETWORKS, namespace, name),
    ensureFinalizer: (n) => ensureFinalizer(api, NETWORKS, n, FINALIZER_NETWORK),
    async removeFinalizer(n) {
      await removeFinalizer(api, NETWORKS, n, FINALIZER_NETWORK);
    },
    async namespaceProject(namespace) {
      // The cache first; a namespace labelled a moment ago may not be there yet, so ask the API when it is not.
      const ns = caches.namespace(namespace) ?? (await getObject(api, { group: '', version: 'v1', plural: 'namespaces', namespaced: false, kind: 'Namespace' }, undefined, namespace));
      const id = ns?.metadata?.labels?.[LABEL_PROJECT_ID];
      return id === undefined || id === '' ? undefined : id;
    },
    projectNetworks(projectId): Promise<NetworkPeer[]> {
      const peers = caches.networks()
        .filter((n) => caches.namespace(n.metadata.namespace ?? '')?.metadata?.labels?.[LABEL_PROJECT_ID] === projectId)
        .map((n) => ({
          namespace: n.metadata.namespace ?? '', name: n.metadata.name ?? '', cidr: n.spec.cidr ?? '',
          creationTimestamp: n.metadata.creationTimestamp ?? '', deleting: n.metadata.deletionTimestamp !== undefined,
        }));
      return Promise.resolve(peers);
    },
    async writeStatus(n, status: NetworkStatus) {
      await api.patch(`${resourcePath(NETWORKS, n.metadata.namespace, n.metadata.name ?? '')}/status`, { status }, { type: 'merge' });
    },
    event: recordEvent,
  };
}
