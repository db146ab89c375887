import { LABEL_PROJECT_ID, LABEL_TENANT } from '../../api/constants.js';
import type { Network } from '../../api/network.js';
import type { Tenant } from '../../api/tenant.js';
import { ANNOTATION_VIF } from '../../api/vif.js';
import { TerminalError } from '../../lib/errors.js';
import { isConflict, isNotFound, KubeError, type KubeApi } from '../../kube/client.js';
import { resourcePath, type KubeObject, type ResourceType } from '../../kube/objects.js';
import { podFinished, type NamespaceFacts, type NetworkFacts } from '../../domain/port/plan.js';
import { podFacts } from './reconcile.js';
import type { GcKube, Pod, PortKube } from './ports.js';

/** The Pod resource. */
export const PODS: ResourceType = { group: '', version: 'v1', plural: 'pods', namespaced: true, kind: 'Pod' };

/** Read-only views of the port controller's informer caches. */
export interface PortCaches {
  pod(key: string): Pod | undefined;
  pods(): Pod[];
  /** A tenant namespace (the informer selects those with the project label). */
  namespace(name: string): KubeObject | undefined;
  namespaces(): KubeObject[];
  networks(): Network[];
  tenant(name: string): Tenant | undefined;
  tenants(): Tenant[];
  /** Node names; undefined when nodes are not watched. */
  nodes(): string[] | undefined;
}

/** A namespace's project and tenant labels ("" counts as unset). Pure. */
export function namespaceFacts(ns: KubeObject | undefined): NamespaceFacts | undefined {
  const labels = ns?.metadata?.labels ?? {};
  const projectId = labels[LABEL_PROJECT_ID] || undefined;
  if (!projectId) return undefined;
  return { projectId, tenant: labels[LABEL_TENANT] || undefined };
}

/** The facts chooseNetwork reads from a Network. Pure. */
export function networkFacts(n: Network): NetworkFacts {
  return {
    namespace: n.metadata.namespace ?? '', name: n.metadata.name ?? '', state: n.status?.state,
    networkID: n.status?.networkID || undefined, subnetID: n.status?.subnetID || undefined, deleting: n.metadata.deletionTimestamp !== undefined,
  };
}

/**
 * PortKube and GcKube over the informer caches (no API read per reconcile) and the API for the one write, the
 * VIF annotation: a JSON merge patch carrying the pod's uid, so it can never land on a newer pod of the same name
 * (the apiserver answers 409), under the client's field manager. A refused write (400/403/422) is a TerminalError.
 */
export function portKubeAdapter(api: KubeApi, caches: PortCaches, recordEvent: (pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string) => void): PortKube & GcKube {
  return {
    pod: (namespace, name) => caches.pod(`${namespace}/${name}`),
    namespace: (name) => namespaceFacts(caches.namespace(name)),
    networks: (namespaces) => caches.networks().filter((n) => namespaces.includes(n.metadata.namespace ?? '')).map(networkFacts),
    securityGroup(ns) {
      // The Tenant named by the namespace's tenant label, else the one holding its project (operator-labelled namespaces).
      // Only a Tenant of the namespace's own project counts: a mislabelled namespace never borrows another's group.
      const byLabel = ns.tenant ? caches.tenant(ns.tenant) : undefined;
      const t = byLabel?.status?.projectID === ns.projectId ? byLabel : caches.tenants().find((x) => x.status?.projectID === ns.projectId);
      return t?.status?.securityGroupID || undefined;
    },
    async writeVif(pod, text) {
      const m = pod.metadata;
      try {
        await api.patch(resourcePath(PODS, m.namespace, m.name ?? ''), { metadata: { uid: m.uid, annotations: { [ANNOTATION_VIF]: text } } }, { type: 'merge' });
        return 'written';
      } catch (e) {
        if (isNotFound(e) || isConflict(e)) return 'gone';
        // Refused (an admission webhook, RBAC, validation): retrying at backoff speed cannot help; the pod's
        // PortFailed Event carries the apiserver's message.
        if (e instanceof KubeError && [400, 403, 422].includes(e.status)) {
          throw new TerminalError('STACKUBE_ERR_KUBE_REFUSED', `the VIF annotation was refused: ${e.message}`, { cause: e });
        }
        throw e;
      }
    },
    event: recordEvent,
    livePodUids: () => new Set(caches.pods().filter((p) => !podFinished(podFacts(p))).map((p) => p.metadata.uid ?? '').filter((u) => u !== '')),
    knownProjects: () => new Set(caches.namespaces().map((ns) => namespaceFacts(ns)?.projectId).filter((p): p is string => p !== undefined)),
    networkIds: () => new Set(caches.networks().map((n) => n.status?.networkID ?? '').filter((id) => id !== '')),
    nodes: () => {
      const names = caches.nodes();
      return names && new Set(names);
    },
  };
}
