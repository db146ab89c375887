import type { AccessRequest, Decision } from './request.js';

/**
 * k8s-keystone-auth (cloud-provider-openstack) policy entries. Version 1 uses `resource`/`nonresource`
 * with `match`; version 2 uses `users` with `resource_permissions`/`nonresource_permissions`. Both may be
 * mixed in one list; within one entry the v2 permission maps take precedence.
 */
export interface KkaPolicy {
  resource?: { verbs: string[]; resources: string[]; version: string; namespace: string } | undefined;
  nonresource?: { verbs: string[]; path: string } | undefined;
  match?: { type: string; values: string[] }[] | undefined;
  users?: { roles?: string[]; projects?: string[] } | undefined;
  resource_permissions?: Record<string, string[]> | undefined;
  nonresource_permissions?: Record<string, string[]> | undefined;
}

const X_ROLES = 'alpha.kubernetes.io/identity/roles';
const X_PROJECT_ID = 'alpha.kubernetes.io/identity/project/id';
const X_PROJECT_NAME = 'alpha.kubernetes.io/identity/project/name';

/** Parses "['a', 'b']" (the policy's quoted-list syntax). Undefined when it is not a valid list. */
function parseList(def: string): string[] | undefined {
  try {
    const v: unknown = JSON.parse(def.replace(/'/g, '"'));
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a namespace or resource definition ("x", "*", "!x", "['a','b']", "!['a','b']") admits value. */
export function definitionAdmits(def: string, value: string): boolean {
  if (def === value || def === '*' || value === '') return true;
  if (def.startsWith('!') && !def.startsWith('![')) return !(def.slice(1) === value || def.slice(1) === '*');
  if (def.startsWith('[') && def.endsWith(']')) {
    const items = parseList(def);
    return items !== undefined && (items.includes(value) || items.includes('*'));
  }
  if (def.startsWith('![') && def.endsWith(']')) {
    const items = parseList(def.slice(1));
    return items !== undefined && !items.includes(value) && !items.includes('*');
  }
  return false;
}

function resourcePermissionAllowed(spec: Record<string, string[]>, r: NonNullable<AccessRequest['resource']>): boolean {
  for (const [key, verbs] of Object.entries(spec)) {
    const allowedVerbs = new Set(verbs.map((v) => v.toLowerCase()));
    if (!allowedVerbs.has('*') && !allowedVerbs.has(r.verb)) continue;
    const parts = key.split('/');
    if (parts.length !== 2) continue;
    const nsDef = (parts[0] ?? '').trim().toLowerCase();
    const resDef = (parts[1] ?? '').trim().toLowerCase();
    // Cluster-scoped requests only match a "*" namespace.
    if (nsDef !== '*' && r.namespace === '') continue;
    if (definitionAdmits(nsDef, r.namespace) && definitionAdmits(resDef, r.resource)) return true;
  }
  return false;
}

function nonResourcePermissionAllowed(spec: Record<string, string[]>, path: string, verb: string): boolean {
  return Object.entries(spec).some(([key, verbs]) => key === path && (verbs.includes('*') || verbs.includes(verb)));
}

function matches(m: KkaPolicy['match'], req: AccessRequest): boolean {
  const s = req.subject;
  for (const cond of m ?? []) {
    if (!['group', 'project', 'role', 'user'].includes(cond.type)) return false;
    const values = cond.values;
    if (values.includes('*')) continue;
    const any = (xs: readonly string[] | undefined): boolean => (xs ?? []).some((x) => values.includes(x));
    switch (cond.type) {
      case 'group':
        if (!any(s.groups)) return false;
        break;
      case 'user':
        // Upstream compares the user name only (the uid never reaches its matcher); so do we, for identical decisions.
        if (!values.includes(s.user)) return false;
        break;
      case 'project':
        if (!any(s.extra[X_PROJECT_ID]) && !any(s.extra[X_PROJECT_NAME])) return false;
        break;
      case 'role':
        if (!any(s.extra[X_ROLES])) return false;
        break;
    }
  }
  return true;
}

function v1ResourceMatches(p: NonNullable<KkaPolicy['resource']>, r: NonNullable<AccessRequest['resource']>): boolean {
  if (p.version !== '*' && p.version !== r.group) return false;
  if (p.namespace !== '*' && p.namespace !== r.namespace) return false;
  const res = p.resources;
  const resOk = r.subresource
    ? res.includes('*') || res.includes(`${r.resource}/*`) || res.includes(`${r.resource}/${r.subresource}`)
    : res.includes('*') || res.includes(r.resource);
  return resOk && (p.verbs.includes('*') || p.verbs.includes(r.verb));
}

function v1NonResourceMatches(p: NonNullable<KkaPolicy['nonresource']>, path: string, verb: string): boolean {
  if (p.verbs.includes('')) return false;
  if (!p.verbs.includes('*') && !p.verbs.includes(verb)) return false;
  return p.path === '*' || p.path === path || (p.path.endsWith('*') && path.startsWith(p.path.replace(/\*+$/, '')));
}

/**
 * Evaluates a k8s-keystone-auth policy list with the same decisions as upstream: the first entry that
 * allows wins; nothing matching is "No policy matched." (not allowed). Pure.
 */
export function evaluateKkaPolicy(policies: readonly KkaPolicy[], req: AccessRequest): Decision {
  const s = req.subject;
  const userRoles = new Set(s.extra[X_ROLES] ?? []);
  const userProjects = new Set([...(s.extra[X_PROJECT_NAME] ?? []), ...(s.extra[X_PROJECT_ID] ?? [])]);
  for (const [i, p] of policies.entries()) {
    if (p.users) {
      const roles = p.users.roles ?? [];
      const projects = p.users.projects ?? [];
      if (!roles.every((r) => userRoles.has(r)) || !projects.some((x) => userProjects.has(x))) continue;
    }
    const allow = { allowed: true, reason: `k8s-keystone-auth policy entry ${i} allows it` };
    if (req.resource) {
      if (p.resource_permissions) {
        if (resourcePermissionAllowed(p.resource_permissions, req.resource)) return allow;
      } else if (p.resource && v1ResourceMatches(p.resource, req.resource) && matches(p.match, req)) return allow;
    } else {
      const { path, verb } = req.nonResource;
      if (p.nonresource_permissions) {
        if (nonResourcePermissionAllowed(p.nonresource_permissions, path, verb)) return allow;
      } else if (p.nonresource && v1NonResourceMatches(p.nonresource, path, verb) && matches(p.match, req)) return allow;
    }
  }
  return { allowed: false, reason: 'No policy matched.' };
}

/** Checks the shape of a parsed policy document. Returns problems (empty when valid). Pure. */
export function validateKkaPolicies(doc: unknown): string[] {
  if (!Array.isArray(doc)) return ['the policy must be a JSON list of entries'];
  const problems: string[] = [];
  const strList = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const strMap = (v: unknown): boolean => !!v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every(strList);
  // Upstream decodes JSON null as an absent field (a nil pointer, map or slice), and so does evaluateKkaPolicy.
  const given = <T>(v: T): v is NonNullable<T> => v !== undefined && v !== null;
  doc.forEach((e: unknown, i) => {
    if (!e || typeof e !== 'object' || Array.isArray(e)) return void problems.push(`entry ${i}: must be an object`);
    const p = e as Record<string, unknown>;
    const known = ['resource', 'nonresource', 'match', 'users', 'resource_permissions', 'nonresource_permissions'];
    for (const k of Object.keys(p)) if (!known.includes(k)) problems.push(`entry ${i}: unknown field "${k}"`);
    if (!p['resource'] && !p['nonresource'] && !p['resource_permissions'] && !p['nonresource_permissions'])
      problems.push(`entry ${i}: needs resource, nonresource, resource_permissions or nonresource_permissions`);
    const r = p['resource'] as Record<string, unknown> | undefined;
    if (given(r) && (!strList(r['verbs']) || !strList(r['resources']) || typeof r['version'] !== 'string' || typeof r['namespace'] !== 'string'))
      problems.push(`entry ${i}: resource needs verbs (list), resources (list), version and namespace (strings)`);
    const n = p['nonresource'] as Record<string, unknown> | undefined;
    if (given(n) && (!strList(n['verbs']) || typeof n['path'] !== 'string')) problems.push(`entry ${i}: nonresource needs verbs (list) and path (string)`);
    if (given(p['match']) && (!Array.isArray(p['match']) || !(p['match'] as unknown[]).every((m) => !!m && typeof m === 'object' && typeof (m as Record<string, unknown>)['type'] === 'string' && strList((m as Record<string, unknown>)['values']))))
      problems.push(`entry ${i}: match must be a list of {type, values}`);
    if (given(p['users']) && !strMap(p['users'])) problems.push(`entry ${i}: users must map roles/projects to lists of strings`);
    for (const k of ['resource_permissions', 'nonresource_permissions']) if (given(p[k]) && !strMap(p[k])) problems.push(`entry ${i}: ${k} must map keys to lists of verbs`);
  });
  return problems;
}
