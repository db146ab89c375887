import { projectRoleGroup } from '../../api/constants.js';

/** What authentication tells Kubernetes about a Keystone user. */
export interface UserInfo {
  username: string;
  uid: string;
  groups: string[];
  extra: Record<string, string[]>;
}

/** The token facts the mapping needs (a subset of Keystone's token body). */
export interface TokenFacts {
  user: { id: string; name: string; domain: { id: string; name: string } };
  project?: { id: string; name: string; domain: { id: string; name: string } } | undefined;
  roles: string[];
  /** Names of the Keystone groups the user belongs to. */
  groupNames: string[];
}

/** Keystone role → extra Kubernetes groups (k8s-keystone-auth's sync config `role-mappings`). */
export interface RoleMapping {
  keystoneRole: string;
  groups: string[];
  /** If set, replaces the user name (k8s-keystone-auth's `username`). */
  username?: string | undefined;
}

/**
 * Maps a validated Keystone token to Kubernetes user info, compatible with k8s-keystone-auth:
 * username = Keystone user name, uid = user id, groups = Keystone group names + project id (+ role-mapped
 * groups) plus Stackube's `stackube:<project-id>:<role>` per role, extra = roles, project id/name, user domain id/name. Stackube adds the project's domain name. Pure.
 */
export function userInfoFromToken(t: TokenFacts, mappings: readonly RoleMapping[] = []): UserInfo {
  const groups: string[] = [...t.groupNames];
  const extra: Record<string, string[]> = {
    'alpha.kubernetes.io/identity/roles': [...t.roles],
    'alpha.kubernetes.io/identity/user/domain/id': [t.user.domain.id],
    'alpha.kubernetes.io/identity/user/domain/name': [t.user.domain.name],
  };
  if (t.project) {
    groups.push(t.project.id);
    extra['alpha.kubernetes.io/identity/project/id'] = [t.project.id];
    extra['alpha.kubernetes.io/identity/project/name'] = [t.project.name];
    extra['stackube.kubernetes.io/identity/project/domain/name'] = [t.project.domain.name];
  }
  let username = t.user.name;
  for (const m of mappings) {
    if (!m.keystoneRole || !t.roles.includes(m.keystoneRole)) continue;
    groups.push(...m.groups);
    if (m.username) username = m.username;
  }
  // Stackube's addition, after everything k8s-keystone-auth sends: one group per Keystone role on the project,
  // so RBAC in the tenant's namespaces can bind each role (ADR 0003).
  if (t.project) for (const r of t.roles) groups.push(projectRoleGroup(t.project.id, r));
  return { username, uid: t.user.id, groups: [...new Set(groups)], extra };
}
