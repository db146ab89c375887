import { API_VERSION } from '../../api/constants.js';
import type { Tenant } from '../../api/tenant.js';
import { isNotFound, type KubeApi } from '../../kube/client.js';
import type { ObjectReference } from '../../kube/events.js';
import { createOrUpdate, deleteObject, resourcePath, RESOURCES, type ResourceType } from '../../kube/objects.js';
import { syncedTenant, toSyncTenant, LABEL_KEYSTONE_PROJECT_DELETED, SYNC_FIELD_MANAGER } from '../../domain/keystone-sync/plan.js';
import type { SyncKube, TenantRef } from './ports.js';

/** The Tenant resource. */
const TENANTS: ResourceType = { group: 'stackube.kubernetes.io', version: 'v1', plural: 'tenants', namespaced: false, kind: 'Tenant' };
const PAGE = 500;

/** Every item of a collection, page by page (a consistent snapshot: the continue token pins the first page's resourceVersion). */
async function listAll<T>(api: KubeApi, path: string): Promise<T[]> {
  const out: T[] = [];
  let cont: string | undefined;
  do {
    const q = new URLSearchParams({ limit: String(PAGE), ...(cont ? { continue: cont } : {}) });
    const page = await api.request<{ items?: T[]; metadata?: { continue?: string } }>('GET', `${path}?${q.toString()}`);
    out.push(...(page.items ?? []));
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return out;
}

const ref = (t: TenantRef): ObjectReference => ({ apiVersion: API_VERSION, kind: 'Tenant', name: t.name, uid: t.uid });

/** SyncKube over the Kubernetes API; every write uses the field manager `stackube-keystone-sync`. */
export function syncKubeAdapter(api: KubeApi, recordEvent: (ref: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string) => void): SyncKube {
  return {
    async listTenants() {
      return (await listAll<Tenant>(api, resourcePath(TENANTS))).map(toSyncTenant);
    },
    async listNamespaceNames() {
      return (await listAll<{ metadata?: { name?: string } }>(api, resourcePath(RESOURCES.namespaces))).map((n) => n.metadata?.name ?? '').filter((n) => n !== '');
    },
    async applyTenant(o) {
      const t = await createOrUpdate(api, TENANTS, syncedTenant(o), { fieldManager: SYNC_FIELD_MANAGER });
      return { name: t.metadata?.name ?? o.name, uid: t.metadata?.uid ?? '' };
    },
    async labelProjectDeleted(t, deleted) {
      try {
        // The uid in the patch makes it fail, instead of touching it, if the name now belongs to another Tenant.
        await api.patch(resourcePath(TENANTS, undefined, t.name), { metadata: { uid: t.uid, labels: { [LABEL_KEYSTONE_PROJECT_DELETED]: deleted ? 'true' : null } } }, { type: 'merge', fieldManager: SYNC_FIELD_MANAGER });
        return true;
      } catch (e) {
        if (isNotFound(e)) return false;
        throw e;
      }
    },
    deleteTenant: (t) => deleteObject(api, TENANTS, undefined, t.name, { preconditions: { uid: t.uid } }),
    event: (t, type, reason, message) => recordEvent(ref(t), type, reason, message),
  };
}
