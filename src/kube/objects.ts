import type { CallOptions, KubeApi } from './client.js';
import { isNotFound } from './client.js';
import type { ObjectMeta, OwnerReference } from '../api/meta.js';

/** Object metadata and owner references: the API layer's wire types, re-exported for kube callers. */
export type { ObjectMeta, OwnerReference } from '../api/meta.js';

/** Any Kubernetes object (typed or unstructured). apiVersion/kind are absent on items of a list response. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** Where a resource lives: group ('' for core), version, plural, and whether it is namespaced. */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  /** The Kind, for objects built from this type (apply bodies, event references). */
  kind: string;
}

/** Core resources the machinery itself uses; controllers define their own ResourceTypes next to their code. */
export const RESOURCES = {
  namespaces: { group: '', version: 'v1', plural: 'namespaces', namespaced: false, kind: 'Namespace' },
  configMaps: { group: '', version: 'v1', plural: 'configmaps', namespaced: true, kind: 'ConfigMap' },
  secrets: { group: '', version: 'v1', plural: 'secrets', namespaced: true, kind: 'Secret' },
  events: { group: '', version: 'v1', plural: 'events', namespaced: true, kind: 'Event' },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespaced: true, kind: 'Lease' },
} as const satisfies Record<string, ResourceType>;

/** `apiVersion` of a resource type: `v1` for core, `group/version` otherwise. */
export function apiVersionOf(r: ResourceType): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/**
 * The REST path of a collection (no name) or an object, e.g. /api/v1/namespaces/ns/configmaps/x. A namespaced
 * type without a namespace gives the all-namespaces collection. Throws TypeError for a namespace on a
 * cluster-scoped type. Names are URL-encoded.
 */
export function resourcePath(r: ResourceType, namespace?: string, name?: string): string {
  if (!r.namespaced && namespace) throw new TypeError(`${r.plural} is cluster-scoped: no namespace allowed`);
  const root = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${r.plural}${name !== undefined ? `/${encodeURIComponent(name)}` : ''}`;
}

/** The cache / workqueue key of an object: `namespace/name`, or `name` when cluster-scoped. '' when unnamed. */
export function objectKey(o: KubeObject): string {
  const name = o.metadata?.name ?? '';
  if (!name) return '';
  return o.metadata?.namespace ? `${o.metadata.namespace}/${name}` : name;
}

/** Splits a key made by objectKey into namespace ('' when cluster-scoped) and name. Never throws. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** An ownerReference to owner, marked as the controller by default. Throws TypeError if owner lacks identity. */
export function ownerReference(owner: KubeObject, opts: { controller?: boolean; blockOwnerDeletion?: boolean } = {}): OwnerReference {
  const { apiVersion, kind } = owner;
  const name = owner.metadata?.name;
  const uid = owner.metadata?.uid;
  if (!apiVersion || !kind || !name || !uid) throw new TypeError('owner needs apiVersion, kind, metadata.name and metadata.uid');
  return { apiVersion, kind, name, uid, controller: opts.controller ?? true, blockOwnerDeletion: opts.blockOwnerDeletion ?? true };
}

/** Options of the write helpers. */
export interface WriteOptions extends CallOptions {
  /** Field manager of this write; defaults to the client's. Server-side apply is owned per manager. */
  fieldManager?: string;
}

function writeOpts(o: WriteOptions): CallOptions & { fieldManager?: string } {
  return {
    ...(o.fieldManager !== undefined ? { fieldManager: o.fieldManager } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
  };
}

function requireName(o: KubeObject): string {
  const name = o.metadata?.name;
  if (!name) throw new TypeError('object needs metadata.name');
  return name;
}

/** GET of one object; undefined on 404. Rejects with KubeError on any other failure. */
export async function getObject<T extends KubeObject>(api: KubeApi, r: ResourceType, namespace: string | undefined, name: string, opts: CallOptions = {}): Promise<T | undefined> {
  try {
    return await api.request<T>('GET', resourcePath(r, namespace, name), opts);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/**
 * Creates or updates obj by server-side apply (PATCH application/apply-patch+yaml with fieldManager and
 * force=true): the manager owns exactly the fields in obj, and fields it stops sending are removed.
 * Idempotent: applying the same object again changes nothing (the resourceVersion stays). apiVersion and kind
 * are filled from r. Returns the stored object. Rejects with KubeError (e.g. 422 for an invalid object).
 */
export async function createOrUpdate<T extends KubeObject>(api: KubeApi, r: ResourceType, obj: T, opts: WriteOptions = {}): Promise<T & KubeObject> {
  const name = requireName(obj);
  const body = { ...obj, apiVersion: apiVersionOf(r), kind: r.kind };
  return api.patch<T & KubeObject>(resourcePath(r, r.namespaced ? obj.metadata?.namespace : undefined, name), body, { type: 'apply', force: true, ...writeOpts(opts) });
}

/**
 * Adds finalizer to obj with a JSON merge patch guarded by obj's resourceVersion (a stale obj rejects with a
 * 409 KubeError, which the runner retries). Idempotent: when obj already lists it, or is being deleted (the
 * apiserver refuses new finalizers then), returns obj without a call.
 */
export async function ensureFinalizer<T extends KubeObject>(api: KubeApi, r: ResourceType, obj: T, finalizer: string, opts: WriteOptions = {}): Promise<T & KubeObject> {
  const current = obj.metadata?.finalizers ?? [];
  if (current.includes(finalizer) || obj.metadata?.deletionTimestamp) return obj;
  return patchFinalizers(api, r, obj, [...current, finalizer], opts);
}

/**
 * Removes finalizer from obj with a JSON merge patch guarded by obj's resourceVersion. Idempotent: returns obj
 * without a call when it is absent. Resolves undefined when the object is gone (404, or deleted by this very
 * removal). Rejects with KubeError (409 when obj is stale).
 */
export async function removeFinalizer<T extends KubeObject>(api: KubeApi, r: ResourceType, obj: T, finalizer: string, opts: WriteOptions = {}): Promise<(T & KubeObject) | undefined> {
  const current = obj.metadata?.finalizers ?? [];
  if (!current.includes(finalizer)) return obj;
  try {
    // When this lets a deleting object go, the apiserver still answers with the object as last stored.
    return await patchFinalizers(api, r, obj, current.filter((f) => f !== finalizer), opts);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

async function patchFinalizers<T extends KubeObject>(api: KubeApi, r: ResourceType, obj: T, finalizers: string[], opts: WriteOptions): Promise<T & KubeObject> {
  const name = requireName(obj);
  const rv = obj.metadata?.resourceVersion;
  // Merge patch replaces the whole list; the resourceVersion precondition makes that safe against a concurrent writer.
  const body = { metadata: { finalizers: finalizers.length ? finalizers : null, ...(rv ? { resourceVersion: rv } : {}) } };
  return api.patch<T & KubeObject>(resourcePath(r, r.namespaced ? obj.metadata?.namespace : undefined, name), body, { type: 'merge', ...writeOpts(opts) });
}

/**
 * Writes obj.status to the status subresource with a JSON merge patch (fields absent from status are kept;
 * arrays such as conditions are replaced whole). When obj carries a resourceVersion the write is guarded by it
 * (409 when stale). Returns the stored object. Rejects with KubeError (404 when the object is gone).
 */
export async function updateStatus<T extends KubeObject & { status?: unknown }>(api: KubeApi, r: ResourceType, obj: T, opts: WriteOptions = {}): Promise<T & KubeObject> {
  const name = requireName(obj);
  const rv = obj.metadata?.resourceVersion;
  const body = { ...(rv ? { metadata: { resourceVersion: rv } } : {}), status: obj.status ?? null };
  return api.patch<T & KubeObject>(`${resourcePath(r, r.namespaced ? obj.metadata?.namespace : undefined, name)}/status`, body, { type: 'merge', ...writeOpts(opts) });
}

/**
 * Server-side applies obj.status to the status subresource under the field manager (with force). Idempotent.
 * Rejects with KubeError (404 when the object is gone: apply never creates through /status).
 */
export async function applyStatus<T extends KubeObject & { status?: unknown }>(api: KubeApi, r: ResourceType, obj: T, opts: WriteOptions = {}): Promise<T & KubeObject> {
  const name = requireName(obj);
  const namespace = r.namespaced ? obj.metadata?.namespace : undefined;
  const body = { apiVersion: apiVersionOf(r), kind: r.kind, metadata: { name, ...(namespace ? { namespace } : {}) }, status: obj.status ?? {} };
  return api.patch<T & KubeObject>(`${resourcePath(r, namespace, name)}/status`, body, { type: 'apply', force: true, ...writeOpts(opts) });
}

/**
 * Deletes an object. Resolves true when this call deleted it (or started its deletion), false when it was
 * already gone (404 counts as success). Preconditions (uid, resourceVersion) make it reject with 409 when the
 * object changed. Rejects with KubeError otherwise.
 */
export async function deleteObject(api: KubeApi, r: ResourceType, namespace: string | undefined, name: string, opts: Parameters<KubeApi['delete']>[1] = {}): Promise<boolean> {
  try {
    await api.delete(resourcePath(r, namespace, name), opts);
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}
