import type { AccessRequest, Decision } from '../domain/authz/request.js';
import { evaluateTenantRules, isClusterAdmin, type TenantRight } from '../domain/authz/tenant-rules.js';

/** The namespace → project lookup the tenant rules need (an informer cache in production). */
export interface NamespaceLookup {
  projectOf(namespace: string): string | undefined;
  /** Any label of a namespace (optional: lookups without it know only the project). */
  labelOf?(namespace: string, label: string): string | undefined;
  readonly synced: boolean;
}

/** A policy that can allow (k8s-keystone-auth policy files). */
export type PolicyEvaluator = (req: AccessRequest) => Decision;

export interface AuthorizerOptions {
  namespaces: NamespaceLookup;
  clusterAdminProjects: readonly string[];
  clusterAdminRole: string;
  tenantRules: boolean;
  policy?: PolicyEvaluator | undefined;
  roleRights?: Readonly<Record<string, TenantRight>>;
  /** Whether a Tenant exists for a Keystone project id (lets its admins create namespaces). */
  projectHasTenant?: (projectId: string) => boolean;
}

/**
 * Combines cluster-admin, k8s-keystone-auth policy and the default tenant rules: the first that allows wins.
 * Users that did not log in through Keystone get "no opinion". A namespaced request from a Keystone user
 * while the namespace cache has not synced is denied (fail closed). Pure apart from the cache read.
 */
export function authorize(o: AuthorizerOptions, req: AccessRequest): Decision {
  const e = req.subject.extra;
  const keystoneUser = e['alpha.kubernetes.io/identity/user/domain/id'] !== undefined;
  if (!keystoneUser) return { allowed: false, reason: 'not a Keystone user: no opinion' };
  if (isClusterAdmin(req, o.clusterAdminProjects, o.clusterAdminRole)) return { allowed: true, reason: 'cluster admin (Keystone admin project)' };
  const reasons: string[] = [];
  if (o.policy) {
    const d = o.policy(req);
    if (d.allowed) return d;
    reasons.push(`policy: ${d.reason}`);
  }
  if (o.tenantRules) {
    if (req.resource?.namespace && !o.namespaces.synced) {
      return { allowed: false, denied: true, reason: 'the namespace directory has not synced with the apiserver yet; try again shortly' };
    }
    const ns = req.resource?.namespace ?? '';
    const pid = e['alpha.kubernetes.io/identity/project/id']?.[0];
    const d = evaluateTenantRules({
      request: req,
      namespaceProjectId: ns ? o.namespaces.projectOf(ns) : undefined,
      projectHasTenant: pid !== undefined && (o.projectHasTenant?.(pid) ?? false),
      namespaceTenantCreated: ns !== '' && o.namespaces.labelOf?.(ns, 'stackube.kubernetes.io/tenant-created') === 'true',
      ...(o.roleRights ? { roleRights: o.roleRights } : {}),
    });
    if (d.allowed) return d;
    reasons.push(`tenant rules: ${d.reason}`);
  }
  return { allowed: false, reason: reasons.join('; ') || 'no authorizer enabled' };
}
