import { API_VERSION, LABEL_TENANT_CREATED, DEFAULT_PASSWORD_KEY, LABEL_MANAGED_BY, LABEL_TENANT, MANAGED_BY, SYSTEM_NAMESPACE, FINALIZER_TENANT } from '../../api/constants.js';
import type { Tenant, TenantStatus } from '../../api/tenant.js';
import type { DesiredObject } from '../../domain/tenant/plan.js';
import { isNotFound, type KubeApi } from '../../kube/client.js';
import { RESOURCES, createOrUpdate, ensureFinalizer, getObject, removeFinalizer, resourcePath, type KubeObject, type ResourceType } from '../../kube/objects.js';
import type { TenantKube } from './ports.js';

/** The Tenant resource. */
export const TENANTS: ResourceType = { group: 'stackube.kubernetes.io', version: 'v1', plural: 'tenants', namespaced: false, kind: 'Tenant' };
const NAMESPACES = RESOURCES.namespaces;
const SECRETS = RESOURCES.secrets;
const TYPES: Record<string, ResourceType> = {
  Namespace: NAMESPACES,
  RoleBinding: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', namespaced: true, kind: 'RoleBinding' },
  ResourceQuota: { group: '', version: 'v1', plural: 'resourcequotas', namespaced: true, kind: 'ResourceQuota' },
  LimitRange: { group: '', version: 'v1', plural: 'limitranges', namespaced: true, kind: 'LimitRange' },
  NetworkPolicy: { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', namespaced: true, kind: 'NetworkPolicy' },
  Network: { group: 'stackube.kubernetes.io', version: 'v1', plural: 'networks', namespaced: true, kind: 'Network' },
};

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The last-applied annotation with spec.password replaced by the Secret reference; null (drop it) when unreadable. */
export function withoutPassword(lastApplied: string, ref: { name: string; namespace: string; key: string }): string | null {
  try {
    const doc = JSON.parse(lastApplied) as { spec?: Record<string, unknown> };
    if (doc.spec) {
      delete doc.spec['password'];
      doc.spec['passwordSecretRef'] = ref;
    }
    return `${JSON.stringify(doc)}\n`;
  } catch {
    return null;
  }
}

/** TenantKube over the Kubernetes API; every write uses the controller's field manager. */
export function kubeAdapter(api: KubeApi, recordEvent: (t: Tenant, type: 'Normal' | 'Warning', reason: string, message: string) => void): TenantKube {
  let networkApi: boolean | undefined;
  const namespaceNames = async (selector: string): Promise<string[]> => {
    const l = await api.request<{ items: { metadata?: { name?: string } }[] }>('GET', `${resourcePath(NAMESPACES)}?labelSelector=${encodeURIComponent(selector)}`);
    return l.items.map((n) => n.metadata?.name ?? '').filter((n) => n !== '');
  };
  return {
    getTenant: (name) => getObject<Tenant>(api, TENANTS, undefined, name),
    ensureFinalizer: (t) => ensureFinalizer(api, TENANTS, t, FINALIZER_TENANT),
    async removeFinalizer(t) {
      await removeFinalizer(api, TENANTS, t, FINALIZER_TENANT);
    },
    async apply(o: DesiredObject) {
      const r = TYPES[o.kind];
      if (!r) throw new TypeError(`tenant controller cannot apply kind ${o.kind}`);
      await createOrUpdate(api, r, o);
    },
    async hasNetworkApi() {
      if (networkApi !== undefined) return networkApi;
      try {
        await api.request('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/networks.stackube.kubernetes.io');
        networkApi = true;
      } catch (e) {
        if (!isNotFound(e)) throw e;
        networkApi = false;
      }
      return networkApi;
    },
    listTenantNamespaces: (tenant) => namespaceNames(`${LABEL_TENANT}=${tenant},${LABEL_MANAGED_BY}=${MANAGED_BY}`),
    listTenantCreatedNamespaces: (tenant) => namespaceNames(`${LABEL_TENANT}=${tenant},${LABEL_TENANT_CREATED}=true`),
    async deleteNamespace(name) {
      // A namespace already terminating is only waited for: no DELETE again on every pass.
      const ns = await getObject<KubeObject>(api, NAMESPACES, undefined, name);
      if (ns === undefined) return true;
      if (ns.metadata?.deletionTimestamp) return false;
      try {
        await api.delete(resourcePath(NAMESPACES, undefined, name), { propagationPolicy: 'Background' });
      } catch (e) {
        if (isNotFound(e)) return true;
        throw e;
      }
      return false; // the namespace controller removes its contents first
    },
    async storePassword(t, password) {
      const ref = { name: `tenant-${t.metadata.name ?? ''}-password`, namespace: SYSTEM_NAMESPACE, key: DEFAULT_PASSWORD_KEY };
      await createOrUpdate(api, NAMESPACES, { metadata: { name: SYSTEM_NAMESPACE, labels: { [LABEL_MANAGED_BY]: MANAGED_BY } } });
      await createOrUpdate(api, SECRETS, {
        metadata: { name: ref.name, namespace: ref.namespace, labels: { [LABEL_TENANT]: t.metadata.name ?? '', [LABEL_MANAGED_BY]: MANAGED_BY },
          ownerReferences: [{ apiVersion: API_VERSION, kind: 'Tenant', name: t.metadata.name ?? '', uid: t.metadata.uid ?? '' }] },
        type: 'Opaque',
        stringData: { [ref.key]: password },
      });
      return ref;
    },
    async readPassword(ref) {
      const s = await getObject<{ metadata?: { name?: string }; data?: Record<string, string> }>(api, SECRETS, ref.namespace, ref.name);
      const v = s?.data?.[ref.key ?? DEFAULT_PASSWORD_KEY];
      return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
    },
    async movePasswordOutOfSpec(t, ref) {
      // Client-side `kubectl apply` keeps a copy of the applied manifest, password included, in an annotation.
      const annotations: Record<string, string | null> = {};
      const last = t.metadata.annotations?.[LAST_APPLIED];
      if (last !== undefined) annotations[LAST_APPLIED] = withoutPassword(last, ref);
      await api.patch(resourcePath(TENANTS, undefined, t.metadata.name ?? ''), {
        metadata: { resourceVersion: t.metadata.resourceVersion, ...(last !== undefined ? { annotations } : {}) },
        spec: { password: null, passwordSecretRef: ref },
      }, { type: 'merge' });
    },
    async writeStatus(t, status: TenantStatus) {
      await api.patch(`${resourcePath(TENANTS, undefined, t.metadata.name ?? '')}/status`, { status }, { type: 'merge' });
    },
    event: recordEvent,
  };
}
