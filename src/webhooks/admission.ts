import { ValidationError } from '../lib/errors.js';
import { decideTenantClaim, decideTenantPod, type IsolationPolicy } from '../domain/admission/pod-policy.js';
import type { NamespaceLookup } from './authorizer.js';

/** What admission needs to know about tenants (from Tenant objects later; from config defaults today). */
export interface TenantPolicySource {
  /** The isolation and storage policy for a tenant namespace, or undefined for a namespace no tenant owns. */
  policyFor(namespace: string): { isolation: IsolationPolicy; allowedStorageClasses: readonly string[] } | undefined;
}

/** The per-tenant settings admission reads from a Tenant object (a subset of its spec). */
export interface TenantSettings {
  isolation?: { runtimeClassName?: string; allowedRuntimeClasses?: string[]; mode?: 'hard' | 'soft' };
  allowedStorageClasses?: string[];
}

/**
 * A TenantPolicySource from Tenant objects: a namespace's tenant (its tenant label) sets the isolation and the
 * storage classes; fields it leaves unset take the operator's defaults. A labelled namespace whose Tenant is
 * unknown gets the defaults (which are sandboxed), never less.
 */
export function tenantPolicyFromTenants(o: {
  namespaces: NamespaceLookup & { labelOf(namespace: string, label: string): string | undefined };
  tenantLabel: string;
  tenantOf: (name: string) => TenantSettings | undefined;
  defaults: { isolation: IsolationPolicy; allowedStorageClasses: readonly string[] };
}): TenantPolicySource {
  return {
    policyFor(ns) {
      if (o.namespaces.projectOf(ns) === undefined) return undefined;
      const tenant = o.namespaces.labelOf(ns, o.tenantLabel);
      const spec = tenant ? o.tenantOf(tenant) : undefined;
      const iso = spec?.isolation ?? {};
      return {
        isolation: {
          defaultRuntimeClassName: iso.runtimeClassName ?? o.defaults.isolation.defaultRuntimeClassName,
          allowedRuntimeClasses: iso.allowedRuntimeClasses ?? o.defaults.isolation.allowedRuntimeClasses,
          mode: iso.mode ?? o.defaults.isolation.mode,
        },
        allowedStorageClasses: spec?.allowedStorageClasses ?? o.defaults.allowedStorageClasses,
      };
    },
  };
}

/** A TenantPolicySource that gives every labelled namespace the same policy. */
export function uniformTenantPolicy(namespaces: NamespaceLookup, isolation: IsolationPolicy, allowedStorageClasses: readonly string[]): TenantPolicySource {
  return { policyFor: (ns) => (namespaces.projectOf(ns) !== undefined ? { isolation, allowedStorageClasses } : undefined) };
}

export interface AdmissionRequest {
  uid: string;
  /** `extra` of the requesting user (Keystone users carry their project there). */
  userExtra?: Record<string, string[]>;
  kind: { group: string; version: string; kind: string };
  subResource: string;
  namespace: string;
  operation: string;
  object: unknown;
  /** The object before an UPDATE. */
  oldObject?: unknown;
  /** The requesting user's name and groups. */
  username?: string;
  groups?: string[];
}

/**
 * Who may write reserved annotations on tenant pods: cluster admins (system:masters) and Stackube's controller's
 * service account. The single-machine cloud runs the controller with the admin certificate (system:masters).
 */
export const OPERATOR_GROUPS = new Set(['system:masters']);
export const OPERATOR_USERS = new Set(['system:serviceaccount:stackube-system:stackube-controller']);

/** Whether an admission request comes from the operator (see OPERATOR_GROUPS, OPERATOR_USERS). Pure. */
export function isOperator(req: Pick<AdmissionRequest, 'username' | 'groups'>): boolean {
  return (req.username !== undefined && OPERATOR_USERS.has(req.username)) || (req.groups ?? []).some((g) => OPERATOR_GROUPS.has(g));
}

/** Parses an admission.k8s.io/v1 AdmissionReview. Throws ValidationError for a 400. */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  const o = (body ?? {}) as Record<string, unknown>;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ValidationError('the request body must be an object');
  if (o['apiVersion'] !== 'admission.k8s.io/v1') throw new ValidationError(`apiVersion ${JSON.stringify(o['apiVersion'] ?? null)} is not supported for AdmissionReview (use admission.k8s.io/v1)`);
  if (o['kind'] !== 'AdmissionReview') throw new ValidationError(`kind must be "AdmissionReview", got ${JSON.stringify(o['kind'] ?? null)}`);
  const r = o['request'];
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new ValidationError('request is required');
  const req = r as Record<string, unknown>;
  if (typeof req['uid'] !== 'string' || req['uid'] === '') throw new ValidationError('request.uid is required');
  const kind = (req['kind'] ?? {}) as Record<string, unknown>;
  if (typeof kind['kind'] !== 'string') throw new ValidationError('request.kind.kind is required');
  if (typeof req['operation'] !== 'string') throw new ValidationError('request.operation is required');
  const ui = (req['userInfo'] ?? {}) as { extra?: unknown; username?: unknown; groups?: unknown };
  const userExtra: Record<string, string[]> = {};
  if (ui.extra && typeof ui.extra === 'object' && !Array.isArray(ui.extra)) {
    for (const [k, v] of Object.entries(ui.extra as Record<string, unknown>)) if (Array.isArray(v)) userExtra[k] = v.map(String);
  }
  return {
    uid: req['uid'],
    userExtra,
    kind: { group: typeof kind['group'] === 'string' ? kind['group'] : '', version: typeof kind['version'] === 'string' ? kind['version'] : '', kind: kind['kind'] },
    subResource: typeof req['subResource'] === 'string' ? req['subResource'] : '',
    namespace: typeof req['namespace'] === 'string' ? req['namespace'] : '',
    operation: req['operation'],
    object: req['object'],
    ...(req['oldObject'] !== undefined && req['oldObject'] !== null ? { oldObject: req['oldObject'] } : {}),
    ...(typeof ui.username === 'string' ? { username: ui.username } : {}),
    ...(Array.isArray(ui.groups) ? { groups: ui.groups.map(String) } : {}),
  };
}

export interface AdmissionOutcome {
  allowed: boolean;
  message: string;
  patch?: { op: string; path: string; value: unknown }[];
}

/**
 * Decides one admission request for tenant namespaces. `mutate` = the mutating call (may return a patch);
 * otherwise the validating call (final object, no patch). Objects outside tenant namespaces are allowed. Pure.
 */
export function admit(policies: TenantPolicySource, req: AdmissionRequest, mutate: boolean): AdmissionOutcome {
  if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return { allowed: true, message: 'not a create or update' };
  const policy = req.namespace ? policies.policyFor(req.namespace) : undefined;
  if (!policy) return { allowed: true, message: 'not a tenant namespace' };
  if (req.kind.group === '' && req.kind.kind === 'Pod') {
    const d = decideTenantPod(req.object, policy.isolation, { ...(req.operation === 'UPDATE' ? { oldPod: req.oldObject ?? {} } : {}), operator: isOperator(req) });
    if (d.violations.length > 0) return { allowed: false, message: `stackube: pod refused in tenant namespace "${req.namespace}": ${d.violations.join('; ')}` };
    if (mutate && d.patch.length > 0) return { allowed: true, message: 'runtime class defaulted', patch: d.patch };
    if (!mutate && d.patch.length > 0 && policy.isolation.mode === 'hard') {
      // The mutating webhook should have set it; reaching here without one means it was skipped: refuse.
      return { allowed: false, message: `stackube: pod refused in tenant namespace "${req.namespace}": no runtime class set` };
    }
    return { allowed: true, message: 'pod complies with tenant isolation' };
  }
  if (req.kind.group === '' && req.kind.kind === 'PersistentVolumeClaim' && req.operation === 'CREATE') {
    const v = decideTenantClaim(req.object, policy.allowedStorageClasses);
    return v.length > 0 ? { allowed: false, message: `stackube: claim refused in tenant namespace "${req.namespace}": ${v.join('; ')}` } : { allowed: true, message: 'storage class allowed' };
  }
  return { allowed: true, message: 'no tenant rule for this kind' };
}

/** What namespace self-service needs: the tenant of a project and how many namespaces it owns. */
export interface NamespaceQuotaSource {
  tenantForProject(projectId: string): { name: string; maxNamespaces: number | undefined } | undefined;
  countTenantNamespaces(tenant: string): number;
}

const L_PROJECT = 'stackube.kubernetes.io/project-id';
const L_TENANT = 'stackube.kubernetes.io/tenant';
const L_CREATED = 'stackube.kubernetes.io/tenant-created';
const L_MANAGED = 'app.kubernetes.io/managed-by';

/**
 * A tenant admin creating a namespace: the mutating call labels it as the tenant's (whatever labels were sent);
 * the validating call checks the labels and the tenant's maxNamespaces. Users without a Keystone project, and
 * projects without a Tenant, are not ours to judge (authorization already decided). Pure.
 */
export function admitNamespace(src: NamespaceQuotaSource, req: AdmissionRequest, mutate: boolean): AdmissionOutcome {
  const pid = req.userExtra?.['alpha.kubernetes.io/identity/project/id']?.[0];
  if (req.operation !== 'CREATE' || req.kind.kind !== 'Namespace' || !pid) return { allowed: true, message: 'not a tenant namespace creation' };
  const tenant = src.tenantForProject(pid);
  if (!tenant) return { allowed: true, message: 'the project has no Tenant' };
  const want = { [L_PROJECT]: pid, [L_TENANT]: tenant.name, [L_CREATED]: 'true', [L_MANAGED]: 'stackube' };
  if (mutate) {
    const labels = ((req.object as { metadata?: { labels?: Record<string, string> } } | undefined)?.metadata?.labels) ?? {};
    return { allowed: true, message: 'labelled as the tenant\'s', patch: [{ op: 'add', path: '/metadata/labels', value: { ...labels, ...want } }] };
  }
  const labels = (req.object as { metadata?: { labels?: Record<string, string> } } | undefined)?.metadata?.labels ?? {};
  const wrong = Object.entries(want).filter(([k, v]) => labels[k] !== v).map(([k]) => k);
  if (wrong.length > 0) return { allowed: false, message: `stackube: namespace refused: labels ${wrong.join(', ')} must name tenant "${tenant.name}"` };
  if (tenant.maxNamespaces === undefined) return { allowed: false, message: `stackube: tenant "${tenant.name}" may not create namespaces (spec.namespaces.maxNamespaces is not set)` };
  const have = src.countTenantNamespaces(tenant.name);
  if (have >= tenant.maxNamespaces) return { allowed: false, message: `stackube: tenant "${tenant.name}" already has ${have} of its ${tenant.maxNamespaces} namespaces (spec.namespaces.maxNamespaces)` };
  return { allowed: true, message: `namespace ${have + 1} of ${tenant.maxNamespaces}` };
}

/** The AdmissionReview response body. */
export function admissionResponse(uid: string, o: AdmissionOutcome): Record<string, unknown> {
  const response: Record<string, unknown> = { uid, allowed: o.allowed };
  if (!o.allowed) response['status'] = { code: 403, reason: 'Forbidden', message: o.message };
  if (o.allowed && o.patch && o.patch.length > 0) {
    response['patchType'] = 'JSONPatch';
    response['patch'] = Buffer.from(JSON.stringify(o.patch)).toString('base64');
  }
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}
