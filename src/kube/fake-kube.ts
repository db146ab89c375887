// An in-memory KubeApi for unit tests of the kube machinery and of reconcilers: a tiny object store with
// resourceVersions, preconditions, finalizers, the status subresource, merge patch, a simplified server-side
// apply, watches, recorded calls and injected failures. It is a test double, not an apiserver.
import type { DeleteOptions, KubeApi, PatchOptions, RequestOptions, WatchEvent } from './client.js';
import { KubeError } from './client.js';
import type { KubeObject } from './objects.js';

/** One call the fake received. */
export interface FakeCall {
  method: string;
  /** The path with its query string. */
  path: string;
  body?: unknown;
  /** PATCH only: merge | json | strategic | apply. */
  patchType?: string;
  fieldManager?: string;
  force?: boolean;
}

/** An open watch; tests may push events into it or end it. */
export interface FakeWatch {
  path: string;
  send(ev: WatchEvent): void;
  /** Ends the stream normally (the server closed it). */
  end(): void;
  /** Ends the stream with an error. */
  fail(e: Error): void;
  readonly closed: boolean;
}

interface Failure {
  method: string | undefined;
  path: RegExp;
  error: () => Error;
  times: number;
}

interface Parsed {
  collection: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

type Obj = KubeObject & Record<string, unknown>;

/** The in-memory fake. Objects it returns are copies; mutate them freely. */
export class FakeKube implements KubeApi {
  /** Every call, in order. */
  readonly calls: FakeCall[] = [];
  /** Every watch opened, in order (closed ones included). */
  readonly watches: FakeWatch[] = [];
  private readonly store = new Map<string, Map<string, Obj>>();
  private readonly failures: Failure[] = [];
  private rv = 100;
  private uid = 0;

  constructor(private readonly now: () => number = () => 0) {}

  /** Makes the next `times` calls matching method (undefined = any) and path fail with error(). */
  failNext(method: string | undefined, path: RegExp, error: () => Error, times = 1): void {
    this.failures.push({ method, path, error, times });
  }

  /** Stores obj directly (no call recorded) at its collection path; returns the stored copy. */
  seed(collectionPath: string, obj: KubeObject): Obj {
    const stored = this.stamp(structuredClone(obj) as Obj, undefined);
    this.bucket(collectionPath).set(stored.metadata?.name ?? '', stored);
    return structuredClone(stored);
  }

  /** Removes the object at an object path without notifying watches (a change a broken watch missed). */
  unseed(objectPath: string): void {
    const p = parsePath(objectPath);
    if (p.name !== undefined) this.store.get(p.collection)?.delete(p.name);
  }

  /** The stored object at an object path, or undefined (a copy). */
  peek(objectPath: string): Obj | undefined {
    const p = parsePath(objectPath);
    const o = p.name === undefined ? undefined : this.store.get(p.collection)?.get(p.name);
    return o === undefined ? undefined : structuredClone(o);
  }

  /** Every stored object of a collection path (copies). */
  items(collectionPath: string): Obj[] {
    return [...(this.store.get(parsePath(collectionPath).collection)?.values() ?? [])].map((o) => structuredClone(o));
  }

  /** Calls whose method matches and whose path starts with prefix. */
  callsTo(method: string, prefix = ''): FakeCall[] {
    return this.calls.filter((c) => c.method === method && c.path.startsWith(prefix));
  }

  json<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    return this.request<T>(method, path, { body, ...(contentType !== undefined ? { contentType } : {}) });
  }

  request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    this.calls.push({ method, path, ...(opts.body !== undefined ? { body: structuredClone(opts.body) } : {}), ...(opts.fieldManager !== undefined ? { fieldManager: opts.fieldManager } : {}) });
    return this.serve<T>(method, path, opts.body, undefined);
  }

  patch<T>(path: string, body: unknown, opts: PatchOptions): Promise<T> {
    this.calls.push({ method: 'PATCH', path, body: structuredClone(body), patchType: opts.type, ...(opts.fieldManager !== undefined ? { fieldManager: opts.fieldManager } : {}), ...(opts.force !== undefined ? { force: opts.force } : {}) });
    return this.serve<T>('PATCH', path, body, opts.type);
  }

  delete<T>(path: string, opts: DeleteOptions = {}): Promise<T> {
    const body = { ...(opts.preconditions ? { preconditions: opts.preconditions } : {}), ...(opts.propagationPolicy ? { propagationPolicy: opts.propagationPolicy } : {}) };
    this.calls.push({ method: 'DELETE', path, body });
    return this.serve<T>('DELETE', path, body, undefined);
  }

  watch(path: string, onEvent: (ev: WatchEvent) => void, signal?: AbortSignal): Promise<void> {
    this.calls.push({ method: 'WATCH', path });
    const injected = this.takeFailure('WATCH', path);
    if (injected !== undefined) return Promise.reject(injected);
    return new Promise<void>((resolveP, rejectP) => {
      let closed = false;
      const close = (): void => {
        closed = true;
        signal?.removeEventListener('abort', onAbort);
      };
      const w: FakeWatch = {
        path,
        send: (ev) => {
          if (!closed) onEvent(structuredClone(ev));
        },
        end: () => {
          if (closed) return;
          close();
          resolveP();
        },
        fail: (e) => {
          if (closed) return;
          close();
          rejectP(e);
        },
        get closed() {
          return closed;
        },
      };
      const onAbort = (): void => w.end();
      if (signal?.aborted === true) {
        closed = true;
        resolveP();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.watches.push(w);
    });
  }

  /** Open watches on a collection path (query ignored). */
  openWatches(collectionPath: string): FakeWatch[] {
    const c = parsePath(collectionPath).collection;
    return this.watches.filter((w) => !w.closed && parsePath(w.path).collection === c);
  }

  private takeFailure(method: string, path: string): Error | undefined {
    const f = this.failures.find((x) => (x.method === undefined || x.method === method) && x.path.test(path) && x.times > 0);
    if (f === undefined) return undefined;
    f.times--;
    return f.error();
  }

  private async serve<T>(method: string, path: string, body: unknown, patchType: string | undefined): Promise<T> {
    await Promise.resolve(); // answer asynchronously, like a real client
    const injected = this.takeFailure(method, path);
    if (injected !== undefined) throw injected;
    return structuredClone(this.handle(method, path, body, patchType)) as T;
  }

  private handle(method: string, path: string, body: unknown, patchType: string | undefined): unknown {
    const p = parsePath(path);
    const bucket = this.bucket(p.collection);
    const err = (status: number, reason: string, msg: string): KubeError => new KubeError(status, method, path, msg, undefined, reason);
    if (p.name === undefined) {
      if (method === 'GET') return { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items: [...bucket.values()] };
      if (method !== 'POST') throw err(405, 'MethodNotAllowed', 'method not allowed');
      const obj = structuredClone(body) as Obj;
      let name = obj.metadata?.name;
      if (!name && obj.metadata?.generateName) name = `${obj.metadata.generateName}${(++this.uid).toString(36)}`;
      if (!name) throw err(422, 'Invalid', 'name required');
      if (bucket.has(name)) throw err(409, 'AlreadyExists', `${name} already exists`);
      obj.metadata = { ...obj.metadata, name, ...(p.namespace ? { namespace: p.namespace } : {}) };
      return this.put(p, bucket, this.stamp(obj, undefined), 'ADDED');
    }
    const current = bucket.get(p.name);
    if (method === 'GET') {
      if (!current) throw err(404, 'NotFound', `${p.name} not found`);
      return current;
    }
    if (method === 'DELETE') return this.remove(p, bucket, current, body, err);
    if (method === 'PUT') {
      if (!current) throw err(404, 'NotFound', `${p.name} not found`);
      const obj = structuredClone(body) as Obj;
      checkRV(obj, current, err);
      return this.write(p, bucket, current, p.subresource === 'status' ? { ...current, status: obj['status'] } : obj);
    }
    if (method === 'PATCH') {
      const patch = structuredClone(body) as Obj;
      if (patchType === 'apply') {
        const base = current ?? { metadata: { name: p.name, ...(p.namespace ? { namespace: p.namespace } : {}) } };
        const merged = mergePatch(base, p.subresource === 'status' ? { status: patch['status'] } : patch) as Obj;
        if (!current) {
          if (p.subresource) throw err(404, 'NotFound', `${p.name} not found`);
          return this.put(p, bucket, this.stamp(merged, undefined), 'ADDED');
        }
        return this.write(p, bucket, current, merged);
      }
      if (!current) throw err(404, 'NotFound', `${p.name} not found`);
      checkRV(patch, current, err);
      if (patch.metadata?.resourceVersion !== undefined) delete patch.metadata.resourceVersion;
      const merged = mergePatch(current, p.subresource === 'status' ? { status: patch['status'] } : patch) as Obj;
      return this.write(p, bucket, current, merged);
    }
    throw err(405, 'MethodNotAllowed', 'method not allowed');
  }

  private remove(p: Parsed, bucket: Map<string, Obj>, current: Obj | undefined, body: unknown, err: (s: number, r: string, m: string) => KubeError): unknown {
    if (!current || p.name === undefined) throw err(404, 'NotFound', `${p.name ?? ''} not found`);
    const pre = (body as { preconditions?: { uid?: string; resourceVersion?: string } } | undefined)?.preconditions;
    if (pre?.uid !== undefined && pre.uid !== current.metadata?.uid) throw err(409, 'Conflict', 'uid precondition failed');
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== current.metadata?.resourceVersion) throw err(409, 'Conflict', 'resourceVersion precondition failed');
    if ((current.metadata?.finalizers ?? []).length > 0) {
      if (current.metadata?.deletionTimestamp) return current;
      return this.write(p, bucket, current, { ...current, metadata: { ...current.metadata, deletionTimestamp: new Date(this.now()).toISOString() } });
    }
    bucket.delete(p.name);
    this.notify(p, 'DELETED', current);
    return { kind: 'Status', status: 'Success' };
  }

  /** Stores a changed object (new resourceVersion) or returns the unchanged one; finishes deletions. */
  private write(p: Parsed, bucket: Map<string, Obj>, current: Obj, next: Obj): Obj {
    const meta = { ...next.metadata, name: current.metadata?.name ?? '', resourceVersion: current.metadata?.resourceVersion ?? '' };
    if (current.metadata?.uid !== undefined) Object.assign(meta, { uid: current.metadata.uid });
    const candidate = { ...next, metadata: meta } as Obj;
    if (JSON.stringify(candidate) === JSON.stringify(current)) return current;
    const stored = this.stamp(candidate, current);
    if (stored.metadata?.deletionTimestamp && (stored.metadata.finalizers ?? []).length === 0) {
      bucket.delete(p.name ?? '');
      this.notify(p, 'DELETED', stored);
      return stored;
    }
    return this.put(p, bucket, stored, 'MODIFIED');
  }

  private put(p: Parsed, bucket: Map<string, Obj>, obj: Obj, type: string): Obj {
    bucket.set(obj.metadata?.name ?? '', obj);
    this.notify(p, type, obj);
    return obj;
  }

  private stamp(obj: Obj, current: Obj | undefined): Obj {
    const metadata = { ...obj.metadata, resourceVersion: String(++this.rv) };
    if (current === undefined) {
      metadata.uid ??= `uid-${++this.uid}`;
      metadata.creationTimestamp ??= new Date(this.now()).toISOString();
      metadata.generation ??= 1;
    } else if (JSON.stringify(stripMeta(obj)) !== JSON.stringify(stripMeta(current))) {
      metadata.generation = (current.metadata?.generation ?? 1) + 1;
    }
    return { ...obj, metadata };
  }

  private notify(p: Parsed, type: string, obj: Obj): void {
    for (const w of this.openWatches(p.collection)) w.send({ type, object: obj });
  }

  private bucket(collection: string): Map<string, Obj> {
    const c = parsePath(collection).collection;
    let b = this.store.get(c);
    if (b === undefined) {
      b = new Map();
      this.store.set(c, b);
    }
    return b;
  }
}

function stripMeta(o: Obj): unknown {
  const rest: Record<string, unknown> = { ...o };
  delete rest['metadata'];
  delete rest['status'];
  return rest;
}

function checkRV(patch: Obj, current: Obj, err: (s: number, r: string, m: string) => KubeError): void {
  const want = patch.metadata?.resourceVersion;
  if (want !== undefined && want !== current.metadata?.resourceVersion) throw err(409, 'Conflict', 'the object has been modified; please apply your changes to the latest version and try again');
}

/** Parses a REST path into its collection (with namespace), name and subresource. Query strings are ignored. */
function parsePath(path: string): Parsed {
  const clean = path.split('?')[0] ?? '';
  const segs = clean.split('/').filter(Boolean);
  const rootLen = segs[0] === 'api' ? 2 : 3;
  const root = segs.slice(0, rootLen).join('/');
  const rest = segs.slice(rootLen);
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    return { collection: `/${root}/namespaces/${rest[1] ?? ''}/${rest[2] ?? ''}`, namespace: rest[1], name: rest[3], subresource: rest[4] };
  }
  return { collection: `/${root}/${rest[0] ?? ''}`, namespace: undefined, name: rest[1], subresource: rest[2] };
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
