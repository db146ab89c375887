import type { AccessRequest, Decision } from './request.js';

/** Kubernetes rights a Keystone role maps to, named like the built-in ClusterRoles. */
export type TenantRight = 'view' | 'edit' | 'admin';

/** Default Keystone role → right mapping (Keystone's implied roles make admin ⊃ member ⊃ reader). */
export const DEFAULT_ROLE_RIGHTS: Readonly<Record<string, TenantRight>> = { reader: 'view', member: 'edit', admin: 'admin' };

const READ_VERBS = new Set(['get', 'list', 'watch']);
const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
/** Read-only subresources a viewer may use. */
const VIEW_SUBRESOURCES = new Set(['', 'status', 'log', 'scale']);
/** Objects only an operator (or the tenant controller) writes; tenants may read them. */
const OPERATOR_OWNED = new Set(['/resourcequotas', '/limitranges', 'stackube.kubernetes.io/tenants', 'stackube.kubernetes.io/networks']);
const RBAC = new Set(['rbac.authorization.k8s.io/roles', 'rbac.authorization.k8s.io/rolebindings']);
/** Verbs that hand out more power than the role itself; nobody gets them from tenant rules. */
const NEVER_VERBS = new Set(['escalate', 'bind', 'impersonate', 'approve', 'sign']);

export interface TenantRulesInput {
  request: AccessRequest;
  /** The Keystone project that owns the request's namespace (its label), or undefined if none or unknown. */
  namespaceProjectId: string | undefined;
  roleRights?: Readonly<Record<string, TenantRight>>;
  /** Whether a Tenant exists for the token's project (its admins may then create namespaces, within quota). */
  projectHasTenant?: boolean;
  /** Whether the request's namespace was created by a tenant admin (so tenant admins may delete it). */
  namespaceTenantCreated?: boolean;
}

const RANK: Record<TenantRight, number> = { view: 1, edit: 2, admin: 3 };

/** The strongest right a set of Keystone role names grants, if any. Pure. */
export function strongestRight(roles: readonly string[], map: Readonly<Record<string, TenantRight>> = DEFAULT_ROLE_RIGHTS): TenantRight | undefined {
  let best: TenantRight | undefined;
  for (const r of roles) {
    const right = map[r];
    if (right && (!best || RANK[right] > RANK[best])) best = right;
  }
  return best;
}

/**
 * Stackube's default tenant rules: a user scoped to project P acts only in namespaces labelled with P,
 * with rights from their Keystone roles. Anything else gets "no opinion" (allowed=false, not denied), so
 * RBAC or another authorizer may still allow it. Pure.
 */
export function evaluateTenantRules(i: TenantRulesInput): Decision {
  const { request } = i;
  if (!request.resource) return { allowed: false, reason: 'tenant rules cover namespaced resources only' };
  const r = request.resource;
  const projectId = request.subject.extra['alpha.kubernetes.io/identity/project/id']?.[0];
  if (!projectId) return { allowed: false, reason: 'the token is not scoped to a Keystone project' };
  if (!r.namespace) {
    // The one cluster-scoped write: a tenant's admins create namespaces; admission labels them and enforces
    // the tenant's maxNamespaces.
    if (r.group === '' && r.resource === 'namespaces' && r.verb === 'create' && r.subresource === '' && i.projectHasTenant === true
      && strongestRight(request.subject.extra['alpha.kubernetes.io/identity/roles'] ?? [], i.roleRights ?? DEFAULT_ROLE_RIGHTS) === 'admin') {
      return { allowed: true, reason: `admin of project ${projectId}: create a tenant namespace (admission enforces the quota)` };
    }
    return { allowed: false, reason: 'tenants have no rights on cluster-scoped resources' };
  }
  if (i.namespaceProjectId === undefined) return { allowed: false, reason: `namespace "${r.namespace}" belongs to no Stackube tenant` };
  if (i.namespaceProjectId !== projectId) return { allowed: false, reason: `namespace "${r.namespace}" belongs to another project` };
  const roles = request.subject.extra['alpha.kubernetes.io/identity/roles'] ?? [];
  const right = strongestRight(roles, i.roleRights ?? DEFAULT_ROLE_RIGHTS);
  if (!right) return { allowed: false, reason: `none of the roles [${roles.join(', ')}] grants rights in namespace "${r.namespace}"` };
  const gr = `${r.group}/${r.resource}`;
  const verb = r.verb;
  const allow = (why: string): Decision => ({ allowed: true, reason: `${right} in project ${projectId}: ${why}` });
  const no = (why: string): Decision => ({ allowed: false, reason: `${right} in namespace "${r.namespace}": ${why}` });

  if (NEVER_VERBS.has(verb)) return no(`verb "${verb}" is never granted by tenant rules`);
  // The namespace object itself: readable by every member, never writable by tenants.
  if (gr === '/namespaces') {
    if (READ_VERBS.has(verb) && r.subresource === '') return allow('read own namespace');
    if (verb === 'delete' && r.subresource === '' && right === 'admin' && i.namespaceTenantCreated === true) return allow('delete a namespace the tenant created');
    return no('namespaces are managed by the operator');
  }
  const operatorOwned = OPERATOR_OWNED.has(gr);
  if (READ_VERBS.has(verb)) {
    if (right === 'view') {
      if (gr === '/secrets') return no('readers cannot read secrets');
      if (RBAC.has(gr)) return no('readers cannot read RBAC objects');
      if (!VIEW_SUBRESOURCES.has(r.subresource)) return no(`readers cannot use the ${r.resource}/${r.subresource} subresource`);
    }
    return allow(`${verb} ${r.resource}`);
  }
  if (right === 'view') return no(`readers cannot ${verb}`);
  if (!WRITE_VERBS.has(verb) && !(r.subresource !== '' && verb === 'create')) return no(`verb "${verb}" is not granted`);
  if (operatorOwned) return no(`${r.resource} are set by the operator`);
  if (RBAC.has(gr) && right !== 'admin') return no('only project admins manage roles and role bindings');
  return allow(`${verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}`);
}

/** Cluster admins: holders of `role` in one of `projects` ("name" = Default domain, or "domain/name"). Pure. */
export function isClusterAdmin(request: AccessRequest, projects: readonly string[], role: string): boolean {
  const e = request.subject.extra;
  const project = e['alpha.kubernetes.io/identity/project/name']?.[0];
  const domain = e['stackube.kubernetes.io/identity/project/domain/name']?.[0];
  if (!project || !domain) return false;
  if (!(e['alpha.kubernetes.io/identity/roles'] ?? []).includes(role)) return false;
  return projects.some((p) => (p.includes('/') ? p === `${domain}/${project}` : domain === 'Default' && p === project));
}
