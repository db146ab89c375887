import { API_VERSION, LABEL_MANAGED_BY, LABEL_PROJECT_ID, LABEL_TENANT, MANAGED_BY, projectRoleGroup } from '../../api/constants.js';
import type { Tenant } from '../../api/tenant.js';
import type { Condition, ConditionStatus, OwnerReference } from '../../api/meta.js';

/** A Kubernetes object the tenant controller applies (server-side apply body). */
export interface DesiredObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: OwnerReference[] };
  [field: string]: unknown;
}

/** The default Network range of a tenant that sets none (the original Stackube's). */
export const DEFAULT_TENANT_CIDR = '10.244.0.0/16';

/** Keystone role → built-in ClusterRole, as in ADR 0003. */
export const ROLE_BINDINGS: readonly (readonly [string, string])[] = [['admin', 'admin'], ['member', 'edit'], ['reader', 'view']];

/** The namespaces a tenant owns: its default one (named after it) first, then the additional ones, deduplicated. Pure. */
export function tenantNamespaces(t: Tenant): string[] {
  const name = t.metadata.name ?? '';
  return [...new Set([name, ...(t.spec.namespaces?.additional ?? [])])].filter((n) => n !== '');
}

/**
 * Everything the controller keeps in the tenant's namespaces, given its Keystone project: the namespaces
 * (labelled with the project and the tenant), one RoleBinding per Keystone role, the ResourceQuota and
 * LimitRange, a NetworkPolicy that admits traffic only from the tenant's own namespaces, and the default
 * Network in the default namespace. Pure and deterministic: the same input gives the same objects.
 */
export function desiredObjects(t: Tenant, projectId: string, opts: { withNetwork: boolean; tenantCreated?: readonly string[] }): DesiredObject[] {
  const tenant = t.metadata.name ?? '';
  const labels = { [LABEL_TENANT]: tenant, [LABEL_MANAGED_BY]: MANAGED_BY };
  const owner: OwnerReference[] = [{ apiVersion: API_VERSION, kind: 'Tenant', name: tenant, uid: t.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }];
  const out: DesiredObject[] = [];
  const namespaces = [...new Set([...tenantNamespaces(t), ...(opts.tenantCreated ?? [])])];
  for (const ns of namespaces) {
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { ...labels, [LABEL_PROJECT_ID]: projectId }, ownerReferences: owner } });
    for (const [role, clusterRole] of ROLE_BINDINGS) {
      out.push({
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding',
        metadata: { name: `stackube-keystone-${role}`, namespace: ns, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: projectRoleGroup(projectId, role) }],
      });
    }
    const hard = t.spec.resourceQuota?.hard;
    if (hard && Object.keys(hard).length > 0) {
      out.push({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'stackube-tenant', namespace: ns, labels }, spec: { hard: stringify(hard) } });
    }
    const lr = t.spec.limitRange;
    if (lr && (lr.default || lr.defaultRequest)) {
      const limit: Record<string, unknown> = { type: 'Container' };
      if (lr.default) limit['default'] = stringify(lr.default);
      if (lr.defaultRequest) limit['defaultRequest'] = stringify(lr.defaultRequest);
      out.push({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'stackube-tenant', namespace: ns, labels }, spec: { limits: [limit] } });
    }
    out.push({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
      metadata: { name: 'stackube-tenant-isolation', namespace: ns, labels },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { [LABEL_TENANT]: tenant } } }] }] },
    });
  }
  if (opts.withNetwork) {
    const n = t.spec.network ?? {};
    const spec: Record<string, unknown> = {};
    // Every tenant has its own Neutron network, so all may share the original Stackube's default range.
    spec['cidr'] = n.cidr ?? DEFAULT_TENANT_CIDR;
    if (n.gateway) spec['gateway'] = n.gateway;
    if (n.dnsNameservers) spec['dnsNameservers'] = n.dnsNameservers;
    out.push({ apiVersion: API_VERSION, kind: 'Network', metadata: { name: tenant, namespace: tenant, labels }, spec });
  }
  return out;
}

function stringify(m: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)]));
}

/**
 * Sets a condition in a list, keeping lastTransitionTime when the status did not change. Pure: returns a new
 * list, sorted by type so that status writes are stable.
 */
export function setCondition(list: readonly Condition[] | undefined, c: { type: string; status: ConditionStatus; reason: string; message: string; observedGeneration?: number }, now: string): Condition[] {
  const prev = (list ?? []).find((x) => x.type === c.type);
  const next: Condition = { ...c, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : now };
  return [...(list ?? []).filter((x) => x.type !== c.type), next].sort((a, b) => a.type.localeCompare(b.type));
}

/** The Keystone project tag that marks a project as created for the Tenant with this uid (crash-safe lookup). */
export function projectTag(tenantUid: string): string {
  return `stackube-tenant-${tenantUid}`;
}

/** The description marking a Keystone user created for a Tenant's compatibility `username`. */
export function userMarker(tenantUid: string): string {
  return `created by stackube for tenant ${tenantUid}`;
}
