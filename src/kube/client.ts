import { request, Agent } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { AppError } from '../lib/errors.js';
import type { KubeConnection } from './kubeconfig.js';

/** A failed Kubernetes API call, with the apiserver's Status message and reason. Code STACKUBE_ERR_KUBE_<status>. */
export class KubeError extends AppError {
  /** The Status `reason` (NotFound, Conflict, AlreadyExists, Expired, …) when the apiserver sent one. */
  readonly reason: string | undefined;
  constructor(readonly status: number, readonly method: string, readonly path: string, message: string, cause?: unknown, reason?: string) {
    super(status === 0 ? 'STACKUBE_ERR_KUBE_UNREACHABLE' : `STACKUBE_ERR_KUBE_${status}`, `kube ${method} ${path}: ${status === 0 ? 'apiserver unreachable' : `HTTP ${status}`}: ${message}`, { cause });
    this.reason = reason;
  }
}

/** True when e is a KubeError for HTTP 404. Never throws. */
export function isNotFound(e: unknown): boolean {
  return e instanceof KubeError && e.status === 404;
}
/** True when e is a KubeError for HTTP 409 caused by a stale resourceVersion or precondition (not AlreadyExists). */
export function isConflict(e: unknown): boolean {
  return e instanceof KubeError && e.status === 409 && e.reason !== 'AlreadyExists';
}
/** True when e is a KubeError for HTTP 409 AlreadyExists (a create raced another). */
export function isAlreadyExists(e: unknown): boolean {
  return e instanceof KubeError && e.status === 409 && e.reason === 'AlreadyExists';
}
/** True when e is a KubeError for HTTP 410 Gone (a resourceVersion or continue token too old). */
export function isGone(e: unknown): boolean {
  return e instanceof KubeError && e.status === 410;
}

/** Patch flavours the apiserver accepts, by the content type they are sent with. */
export const PATCH_CONTENT_TYPES = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;
/** One of the PATCH_CONTENT_TYPES keys. */
export type PatchType = keyof typeof PATCH_CONTENT_TYPES;

/** Per-call options shared by every request. */
export interface CallOptions {
  /** Aborts the request (rejects with KubeError status 0). */
  signal?: AbortSignal;
  /** Gives up after this many ms (rejects with KubeError status 0). */
  timeoutMs?: number;
}

/** Options of one JSON request. */
export interface RequestOptions extends CallOptions {
  body?: unknown;
  contentType?: string;
  /** Overrides the client's field manager for this write. */
  fieldManager?: string;
}

/** Options of a PATCH. */
export interface PatchOptions extends CallOptions {
  type: PatchType;
  /** Overrides the client's field manager (server-side apply requires one). */
  fieldManager?: string;
  /** Server-side apply only: take ownership of fields other managers own. */
  force?: boolean;
}

/** DeleteOptions sent in a DELETE body. */
export interface DeleteOptions extends CallOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
}

/** The calls controllers and informers make; KubeClient implements it and unit tests fake it. */
export interface KubeApi {
  /** One JSON request. Rejects with KubeError. */
  request<T>(method: string, path: string, opts?: RequestOptions): Promise<T>;
  /** One JSON request (positional form). Rejects with KubeError. */
  json<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
  /** A PATCH of the given type. Rejects with KubeError. */
  patch<T>(path: string, body: unknown, opts: PatchOptions): Promise<T>;
  /** A DELETE with DeleteOptions. Resolves with the apiserver's answer (the object or a Status). Rejects with KubeError. */
  delete<T>(path: string, opts?: DeleteOptions): Promise<T>;
  /** A watch stream; see KubeClient.watch. */
  watch(path: string, onEvent: (ev: WatchEvent) => void, signal?: AbortSignal): Promise<void>;
}

/** One line of a watch stream. */
export interface WatchEvent {
  type: string;
  object: Record<string, unknown>;
}

/** Minimal Kubernetes REST client (JSON + watch streams) over node:https. Sends a field manager on writes. */
export class KubeClient implements KubeApi {
  private readonly agent: Agent;
  constructor(private readonly conn: KubeConnection, private readonly fieldManager = 'stackube') {
    this.agent = new Agent({ keepAlive: true, ca: conn.ca, cert: conn.cert, key: conn.key, rejectUnauthorized: conn.insecure !== true });
  }

  /** One JSON request. Rejects with KubeError. */
  async json<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    return this.request<T>(method, path, { body, contentType });
  }

  /** One JSON request with options (body, content type, field manager, signal, timeout). Rejects with KubeError. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const signal = callSignal(opts);
    const res = await this.open(method, this.withFieldManager(method, path, opts.fieldManager), opts.body, opts.contentType ?? 'application/json', signal);
    const text = await readAll(res).catch((e: unknown) => {
      throw new KubeError(0, method, path, 'response read failed', e);
    });
    if ((res.statusCode ?? 0) >= 300) throw statusError(res.statusCode ?? 0, method, path, text);
    return JSON.parse(text) as T;
  }

  /** A PATCH: merge, JSON, strategic merge or server-side apply (`force` takes conflicting fields). Rejects with KubeError. */
  async patch<T>(path: string, body: unknown, opts: PatchOptions): Promise<T> {
    const withForce = opts.type === 'apply' && opts.force === true ? `${path}${path.includes('?') ? '&' : '?'}force=true` : path;
    return this.request<T>('PATCH', withForce, {
      body, contentType: PATCH_CONTENT_TYPES[opts.type],
      ...(opts.fieldManager !== undefined ? { fieldManager: opts.fieldManager } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
  }

  /** A DELETE with preconditions, propagation policy and grace period. Rejects with KubeError (404 included). */
  async delete<T>(path: string, opts: DeleteOptions = {}): Promise<T> {
    const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
    if (opts.preconditions) body['preconditions'] = opts.preconditions;
    if (opts.propagationPolicy) body['propagationPolicy'] = opts.propagationPolicy;
    if (opts.gracePeriodSeconds !== undefined) body['gracePeriodSeconds'] = opts.gracePeriodSeconds;
    return this.request<T>('DELETE', path, {
      body,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
  }

  /**
   * Opens a watch and calls onEvent per line. Resolves when the server closes the stream; rejects with
   * KubeError when it cannot be opened. `signal` aborts it.
   */
  async watch(path: string, onEvent: (ev: WatchEvent) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.open('GET', path, undefined, 'application/json', signal);
    if ((res.statusCode ?? 0) >= 300) throw statusError(res.statusCode ?? 0, 'GET', path, await readAll(res));
    await new Promise<void>((resolveP, rejectP) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.trim()) continue;
          try {
            onEvent(JSON.parse(line) as WatchEvent);
          } catch (e) {
            // A torn or garbled event (or a throwing handler) ends this watch; the caller relists.
            res.destroy();
            rejectP(new KubeError(0, 'GET', path, 'bad watch event', e));
            return;
          }
        }
      });
      res.on('end', () => resolveP());
      res.on('error', (e) => (signal?.aborted ? resolveP() : rejectP(new KubeError(0, 'GET', path, 'watch stream failed', e))));
    });
  }

  /** Closes pooled connections; in-flight requests fail. Idempotent. */
  close(): void {
    this.agent.destroy();
  }

  private withFieldManager(method: string, path: string, override?: string): string {
    if (method === 'GET' || method === 'DELETE' || /[?&]fieldManager=/.test(path)) return path;
    return `${path}${path.includes('?') ? '&' : '?'}fieldManager=${encodeURIComponent(override ?? this.fieldManager)}`;
  }

  private open(method: string, path: string, body: unknown, contentType: string, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolveP, rejectP) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (this.conn.token) headers['authorization'] = `Bearer ${this.conn.token}`;
      const payload = body === undefined ? undefined : JSON.stringify(body);
      if (payload !== undefined) {
        headers['content-type'] = contentType;
        // Explicit: Node sends DELETE bodies neither chunked nor sized, which desynchronises the keep-alive socket.
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      const req = request(`${this.conn.server}${path}`, { method, headers, agent: this.agent, ...(signal ? { signal } : {}) }, resolveP);
      req.on('error', (e) => rejectP(new KubeError(0, method, path, e.message, e)));
      req.end(payload);
    });
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolveP, rejectP) => {
    let s = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (s += c));
    res.on('end', () => resolveP(s));
    res.on('error', rejectP);
  });
}

/** Combines a caller's signal with a timeout. */
function callSignal(o: CallOptions): AbortSignal | undefined {
  const signals: AbortSignal[] = [];
  if (o.signal) signals.push(o.signal);
  if (o.timeoutMs !== undefined) signals.push(AbortSignal.timeout(o.timeoutMs));
  if (signals.length <= 1) return signals[0];
  return AbortSignal.any(signals);
}

function statusError(status: number, method: string, path: string, text: string): KubeError {
  let reason: string | undefined;
  try {
    const j = JSON.parse(text) as { reason?: unknown };
    if (typeof j.reason === 'string' && j.reason) reason = j.reason;
  } catch {
    // not a Status object: no reason
  }
  return new KubeError(status, method, path, statusMessage(text), undefined, reason);
}

function statusMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { message?: string };
    if (j.message) return j.message;
  } catch {
    // not a Status object
  }
  return text.slice(0, 200);
}
