import { listAll, type ServiceClient } from '../core/service-client.js';
import { collection, deleteAssociation, putAssociation } from './crud.js';
import type { User } from './users.js';

/** Keystone group, wire format. */
export interface Group { id: string; name: string; domain_id: string; description?: string }
export interface CreateGroupOpts { name: string; domain_id?: string; description?: string }
export interface UpdateGroupOpts { name?: string; description?: string }

/** /v3/groups. get resolves undefined on 404; delete is idempotent. */
export const groups = collection<Group, CreateGroupOpts, UpdateGroupOpts, { name?: string; domain_id?: string }>('/groups', 'group', 'groups');

/** Adds a user to a group. Idempotent. */
export function addUserToGroup(c: ServiceClient, groupId: string, userId: string): Promise<void> {
  return putAssociation(c, `/groups/${encodeURIComponent(groupId)}/users/${encodeURIComponent(userId)}`);
}
/** Removes a user from a group. Idempotent. */
export function removeUserFromGroup(c: ServiceClient, groupId: string, userId: string): Promise<void> {
  return deleteAssociation(c, `/groups/${encodeURIComponent(groupId)}/users/${encodeURIComponent(userId)}`);
}
/** Members of a group. */
export function listGroupUsers(c: ServiceClient, groupId: string): Promise<User[]> {
  return listAll<User>(c, `/groups/${encodeURIComponent(groupId)}/users`, 'users');
}
/** The groups a user belongs to (GET /v3/users/{id}/groups). */
export function listUserGroups(c: ServiceClient, userId: string): Promise<Group[]> {
  return listAll<Group>(c, `/users/${encodeURIComponent(userId)}/groups`, 'groups');
}
