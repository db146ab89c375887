import { collection, deleteAssociation, putAssociation } from './crud.js';
import type { ServiceClient } from '../core/service-client.js';

/** Keystone role, wire format. */
export interface Role { id: string; name: string; domain_id?: string | null; description?: string }
export interface CreateRoleOpts { name: string; domain_id?: string; description?: string }
export interface UpdateRoleOpts { name?: string; description?: string }

/** /v3/roles. get resolves undefined on 404; delete is idempotent. */
export const roles = collection<Role, CreateRoleOpts, UpdateRoleOpts, { name?: string; domain_id?: string }>('/roles', 'role', 'roles');

/** Who receives a grant, and on what. */
export interface GrantTarget { projectId?: string; domainId?: string; userId?: string; groupId?: string }

function grantPath(t: GrantTarget, roleId: string): string {
  const on = t.projectId ? `projects/${encodeURIComponent(t.projectId)}` : t.domainId ? `domains/${encodeURIComponent(t.domainId)}` : undefined;
  const who = t.userId ? `users/${encodeURIComponent(t.userId)}` : t.groupId ? `groups/${encodeURIComponent(t.groupId)}` : undefined;
  if (!on || !who) throw new TypeError('a grant needs a project or domain and a user or group');
  return `/${on}/${who}/roles/${encodeURIComponent(roleId)}`;
}

/** Grants a role. Idempotent. */
export function grantRole(c: ServiceClient, t: GrantTarget, roleId: string): Promise<void> {
  return putAssociation(c, grantPath(t, roleId));
}
/** Revokes a role. Idempotent: a missing grant counts as revoked. */
export function revokeRole(c: ServiceClient, t: GrantTarget, roleId: string): Promise<void> {
  return deleteAssociation(c, grantPath(t, roleId));
}
