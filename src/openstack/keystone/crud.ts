import { OpenStackError } from '../core/errors.js';
import { call, listAll, type CallOptions, type ServiceClient } from '../core/service-client.js';

/**
 * The shared shape of Keystone's collection resources (projects, domains, users, groups, roles...):
 * `/<collection>` holding `{<plural>: [...]}` and `/<collection>/<id>` holding `{<singular>: {...}}`.
 */
export interface Collection<T, Create, Update, Filter> {
  list(c: ServiceClient, filter?: Filter): Promise<T[]>;
  /** Resolves undefined when the resource does not exist. */
  get(c: ServiceClient, id: string): Promise<T | undefined>;
  create(c: ServiceClient, opts: Create): Promise<T>;
  update(c: ServiceClient, id: string, opts: Update): Promise<T>;
  /** Idempotent: a missing resource counts as deleted. */
  delete(c: ServiceClient, id: string): Promise<void>;
}

/** Builds list/get/create/update/delete for one Keystone collection. */
export function collection<T, Create, Update, Filter extends CallOptions['query'] = CallOptions['query']>(
  path: string, singular: string, plural: string,
): Collection<T, Create, Update, Filter> {
  return {
    list: (c, filter) => listAll<T>(c, path, plural, filter),
    async get(c, id) {
      try {
        const r = await call(c, 'GET', `${path}/${encodeURIComponent(id)}`);
        return (r.body as Record<string, T>)[singular];
      } catch (e) {
        if (e instanceof OpenStackError && e.isNotFound) return undefined;
        throw e;
      }
    },
    async create(c, opts) {
      const r = await call(c, 'POST', path, { body: { [singular]: opts } });
      return (r.body as Record<string, T>)[singular] as T;
    },
    async update(c, id, opts) {
      const r = await call(c, 'PATCH', `${path}/${encodeURIComponent(id)}`, { body: { [singular]: opts } });
      return (r.body as Record<string, T>)[singular] as T;
    },
    async delete(c, id) {
      try {
        await call(c, 'DELETE', `${path}/${encodeURIComponent(id)}`);
      } catch (e) {
        if (e instanceof OpenStackError && e.isNotFound) return;
        throw e;
      }
    },
  };
}

/** PUT/DELETE on an association path (role grants, group membership). Idempotent both ways. */
export async function putAssociation(c: ServiceClient, path: string): Promise<void> {
  await call(c, 'PUT', path);
}

/** Removes an association; a missing one counts as removed. */
export async function deleteAssociation(c: ServiceClient, path: string): Promise<void> {
  try {
    await call(c, 'DELETE', path);
  } catch (e) {
    if (e instanceof OpenStackError && e.isNotFound) return;
    throw e;
  }
}
