import { collection } from './crud.js';

/** Keystone user, wire format (never includes the password). */
export interface User { id: string; name: string; domain_id: string; enabled: boolean; default_project_id?: string; description?: string }
export interface CreateUserOpts { name: string; domain_id?: string; password?: string; enabled?: boolean; default_project_id?: string; description?: string }
export interface UpdateUserOpts { name?: string; password?: string; enabled?: boolean; default_project_id?: string; description?: string }

/** /v3/users. get resolves undefined on 404; delete is idempotent. */
export const users = collection<User, CreateUserOpts, UpdateUserOpts, { name?: string; domain_id?: string; enabled?: boolean }>('/users', 'user', 'users');

