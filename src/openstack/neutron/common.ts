import { OpenStackError } from '../core/errors.js';
import type { HttpResponse } from '../core/http.js';
import { call, listAll, type CallOptions, type ServiceClient } from '../core/service-client.js';

/** A list filter as query parameters; array values become repeated keys (`?id=a&id=b`). */
export type Query = NonNullable<CallOptions['query']>;

/** Neutron's tag filters: comma-separated tag lists (`tags` = all of, `tags-any` = any of). */
export type TagFilter = { tags?: string; 'tags-any'?: string; 'not-tags'?: string; 'not-tags-any'?: string };

/** Attributes every Neutron "standard attribute" resource carries. */
export interface StandardAttrs {
  tags: string[];
  description: string;
  created_at?: string;
  updated_at?: string;
  revision_number?: number;
}

const wrappers = new WeakMap<ServiceClient, ServiceClient>();
const normalised = new WeakSet<ServiceClient>();

/** The catalog URL with exactly one trailing `/v2.0` (catalogs list Neutron with or without it). Pure. */
export function v2Endpoint(catalogUrl: string): string {
  const base = catalogUrl.replace(/\/+$/, '');
  return /\/v2\.0$/.test(base) ? base : `${base}/v2.0`;
}

/** A ServiceClient whose endpoint() ends with `/v2.0`. Memoised per client; v2(v2(c)) is v2(c). Never throws. */
export function v2(c: ServiceClient): ServiceClient {
  if (normalised.has(c)) return c;
  let w = wrappers.get(c);
  if (!w) {
    // The catalog lookup is not cached here: the session owns it, and a rejected lookup must not stick.
    w = { service: c.service, endpoint: async () => v2Endpoint(await c.endpoint()), send: (req) => c.send(req) };
    wrappers.set(c, w);
    normalised.add(w);
  }
  return w;
}

/** `<path>/<id>` with the id escaped. Pure. */
export function itemPath(path: string, id: string): string {
  return `${path}/${encodeURIComponent(id)}`;
}

/** True for an OpenStackError with status 404. Never throws. */
export function isNotFound(e: unknown): boolean {
  return e instanceof OpenStackError && e.isNotFound;
}

/** A v2.0 call. Rejects with OpenStackError. */
export function neutronCall(c: ServiceClient, method: string, path: string, opts: CallOptions = {}): Promise<HttpResponse> {
  return call(v2(c), method, path, opts);
}

/** The `key` member of a response body, or the whole body when key is undefined. Throws OpenStackError unless it is an object. */
export function member<T>(c: ServiceClient, method: string, path: string, res: HttpResponse, key: string | undefined): T {
  const v = key === undefined ? res.body : ((res.body ?? {}) as Record<string, unknown>)[key];
  if (v === undefined || v === null || typeof v !== 'object') {
    const what = key === undefined ? 'a JSON object' : `"${key}"`;
    throw new OpenStackError({ service: c.service, method, url: path, status: res.status, requestId: res.requestId, serverMessage: `response has no ${what}` });
  }
  return v as T;
}

/** One request whose answer is `{<key>: ...}` (or a bare object when key is undefined). Rejects with OpenStackError. */
export async function callFor<T>(c: ServiceClient, method: string, path: string, key: string | undefined, body?: unknown): Promise<T> {
  const res = await neutronCall(c, method, path, body === undefined ? {} : { body });
  return member<T>(c, method, path, res, key);
}

/** Runs fn and resolves undefined instead of rejecting on 404. Rejects with any other error. */
export async function orUndefined<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** The shape of a Neutron collection: `/<plural>` holding `{<plural>: [...]}`, `/<plural>/<id>` holding `{<singular>: {...}}`. */
export interface Resource<T, Create, Update, Filter> {
  /** The collection path under /v2.0, e.g. `/networks` (also the path for tag helpers). */
  readonly path: string;
  /** Every page. An empty array in a filter matches nothing and sends no request. Rejects with OpenStackError. */
  list(c: ServiceClient, filter?: Filter): Promise<T[]>;
  /** Resolves undefined when the resource does not exist. Rejects with OpenStackError otherwise. */
  get(c: ServiceClient, id: string): Promise<T | undefined>;
  /** Not idempotent (POST, never retried). Rejects with OpenStackError. */
  create(c: ServiceClient, opts: Create): Promise<T>;
  /** PUT of the given fields. Idempotent. Rejects with OpenStackError (404 when missing). */
  update(c: ServiceClient, id: string, opts: Update): Promise<T>;
  /** Idempotent: a missing resource counts as deleted. Rejects with OpenStackError (e.g. 409 in use). */
  delete(c: ServiceClient, id: string): Promise<void>;
}

/** True when some filter value is an empty array, i.e. "one of nothing". Pure. */
export function matchesNothing(filter: Query | undefined): boolean {
  return filter !== undefined && Object.values(filter).some((v) => typeof v === 'object' && v.length === 0);
}

/** Builds list/get/create/update/delete for one Neutron v2.0 collection. Does no I/O. */
export function resource<T, Create, Update, Filter extends Query = Query>(path: string, singular: string, plural: string): Resource<T, Create, Update, Filter> {
  return {
    path,
    list: async (c, filter) => (matchesNothing(filter) ? [] : listAll<T>(v2(c), path, plural, filter)),
    get: (c, id) => orUndefined(() => callFor<T>(c, 'GET', itemPath(path, id), singular)),
    create: (c, opts) => callFor<T>(c, 'POST', path, singular, { [singular]: opts }),
    update: (c, id, opts) => callFor<T>(c, 'PUT', itemPath(path, id), singular, { [singular]: opts }),
    delete: async (c, id) => {
      await orUndefined(() => neutronCall(c, 'DELETE', itemPath(path, id)));
    },
  };
}

/** POST `{<plural>: [...]}` (Neutron bulk create); resolves the created items in request order. Not idempotent. Rejects with OpenStackError. */
export async function bulkCreate<T, Create>(c: ServiceClient, path: string, plural: string, opts: readonly Create[]): Promise<T[]> {
  if (opts.length === 0) return [];
  const res = await neutronCall(c, 'POST', path, { body: { [plural]: opts } });
  const items = member<T[]>(c, 'POST', path, res, plural);
  // Callers pair results with requests by position, so a short or padded answer must not pass silently.
  if (!Array.isArray(items) || items.length !== opts.length) {
    const got = Array.isArray(items) ? String(items.length) : 'no';
    throw new OpenStackError({ service: c.service, method: 'POST', url: path, status: res.status, requestId: res.requestId, serverMessage: `bulk create returned ${got} items for ${opts.length}` });
  }
  return items;
}

/** Collections that carry Neutron tags (standard-attr-tag). */
export type TaggedCollection =
  | '/networks' | '/subnets' | '/ports' | '/routers' | '/security-groups' | '/floatingips' | '/subnetpools' | '/trunks' | '/qos/policies';

/** Replaces all tags of a resource (PUT /{collection}/{id}/tags). Idempotent. Rejects with OpenStackError (404 when missing). */
export async function setTags(c: ServiceClient, collection: TaggedCollection, id: string, tags: readonly string[]): Promise<string[]> {
  const path = `${itemPath(collection, id)}/tags`;
  return callFor<string[]>(c, 'PUT', path, 'tags', { tags });
}

/** Adds one tag (PUT /{collection}/{id}/tags/{tag}). Idempotent. Rejects with OpenStackError (404 when missing). */
export async function addTag(c: ServiceClient, collection: TaggedCollection, id: string, tag: string): Promise<void> {
  await neutronCall(c, 'PUT', `${itemPath(collection, id)}/tags/${encodeURIComponent(tag)}`);
}

/** Removes one tag (DELETE /{collection}/{id}/tags/{tag}). Idempotent: a missing tag or resource counts as removed. */
export async function removeTag(c: ServiceClient, collection: TaggedCollection, id: string, tag: string): Promise<void> {
  await orUndefined(() => neutronCall(c, 'DELETE', `${itemPath(collection, id)}/tags/${encodeURIComponent(tag)}`));
}
