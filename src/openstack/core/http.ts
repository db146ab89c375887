import { Agent, request as undiciRequest } from 'undici';
import { readFileSync } from 'node:fs';
import { OpenStackError, serverMessage } from './errors.js';

/** One HTTP exchange as the interceptors see it. Bodies are JSON or absent. */
export interface HttpRequest {
  service: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  /** Status codes the caller treats as success; default 2xx. */
  okStatuses?: readonly number[];
  timeoutMs?: number;
  /** Safe to send twice (set for POSTs that create nothing, such as token issue). GET/HEAD/PUT/DELETE always are. */
  idempotent?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON body, or undefined for an empty body. */
  body: unknown;
  requestId: string | undefined;
}

export type Send = (req: HttpRequest) => Promise<HttpResponse>;
/** An interceptor wraps the next sender: auth, retry, request-id logging, microversions. */
export type Interceptor = (req: HttpRequest, next: Send) => Promise<HttpResponse>;

export interface TransportOptions {
  /** PEM file with the CA bundle for https endpoints (OS_CACERT). */
  caFile?: string | undefined;
  /** Skip TLS verification (OS_INSECURE); only for development. */
  insecure?: boolean | undefined;
  timeoutMs?: number | undefined;
  /** Maximum concurrent connections per origin. */
  connections?: number | undefined;
}

/**
 * The base sender: undici with keep-alive. Rejects with OpenStackError for a non-OK status (with the
 * service's message and request-id) and for network failures (status 0). Never logs bodies.
 */
export function createTransport(opts: TransportOptions = {}): { send: Send; close: () => Promise<void> } {
  const tls = { ...(opts.caFile ? { ca: readFileSync(opts.caFile, 'utf8') } : {}), rejectUnauthorized: opts.insecure !== true };
  const agent = new Agent({ connect: tls, keepAliveTimeout: 4_000, connections: opts.connections ?? 64 });
  const send: Send = async (req) => {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let payload: string | undefined;
    if (req.body !== undefined) {
      payload = JSON.stringify(req.body);
      headers['content-type'] = 'application/json';
    }
    const timeout = req.timeoutMs ?? opts.timeoutMs ?? 15_000;
    let res;
    try {
      res = await undiciRequest(req.url, {
        method: req.method as 'GET',
        headers,
        body: payload ?? null,
        dispatcher: agent,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
    } catch (e) {
      throw new OpenStackError({ service: req.service, method: req.method, url: req.url, status: 0 }, e);
    }
    const text = await res.body.text();
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
    const requestId = flat['x-openstack-request-id'] ?? flat['x-compute-request-id'];
    const ok = req.okStatuses ? req.okStatuses.includes(res.statusCode) : res.statusCode >= 200 && res.statusCode < 300;
    if (!ok) {
      throw new OpenStackError({
        service: req.service, method: req.method, url: req.url, status: res.statusCode, requestId, serverMessage: serverMessage(text),
      });
    }
    let body: unknown;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch (e) {
        throw new OpenStackError(
          { service: req.service, method: req.method, url: req.url, status: res.statusCode, requestId, serverMessage: 'response is not JSON' }, e);
      }
    }
    return { status: res.statusCode, headers: flat, body, requestId };
  };
  return { send, close: () => agent.close() };
}

/** Builds a sender that runs the interceptors outermost-first around base. */
export function chain(base: Send, interceptors: readonly Interceptor[]): Send {
  return interceptors.reduceRight<Send>((next, ic) => (req) => ic(req, next), base);
}

/** Retries idempotent calls (never a plain POST, which could create twice) on 5xx or unreachable, with backoff. */
export function retryInterceptor(opts: { retries: number; delayMs: (attempt: number) => number; sleep: (ms: number) => Promise<void> }): Interceptor {
  return async (req, next) => {
    const idempotent = req.idempotent === true || ['GET', 'HEAD', 'PUT', 'DELETE'].includes(req.method);
    for (let attempt = 0; ; attempt++) {
      try {
        return await next(req);
      } catch (e) {
        const retriable = idempotent && e instanceof OpenStackError && (e.status >= 500 || e.status === 0);
        if (!retriable || attempt >= opts.retries) throw e;
        await opts.sleep(opts.delayMs(attempt));
      }
    }
  };
}

/** Reports every call (method, url, status, request-id, latency) to a sink; never sees headers or bodies. */
export function observeInterceptor(
  sink: (ev: { service: string; method: string; url: string; status: number; requestId: string | undefined; ms: number }) => void,
  now: () => number = () => performance.now(),
): Interceptor {
  return async (req, next) => {
    const t0 = now();
    try {
      const res = await next(req);
      sink({ service: req.service, method: req.method, url: req.url, status: res.status, requestId: res.requestId, ms: now() - t0 });
      return res;
    } catch (e) {
      const status = e instanceof OpenStackError ? e.status : -1;
      const requestId = e instanceof OpenStackError ? e.requestId : undefined;
      sink({ service: req.service, method: req.method, url: req.url, status, requestId, ms: now() - t0 });
      throw e;
    }
  };
}

/** Sets `OpenStack-API-Version: <service> <version>` on every request of that service. */
export function microversionInterceptor(service: string, headerService: string, version: string): Interceptor {
  return (req, next) =>
    next(req.service === service ? { ...req, headers: { ...req.headers, 'openstack-api-version': `${headerService} ${version}` } } : req);
}
