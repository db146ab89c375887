import type { HttpRequest, HttpResponse, Send } from './http.js';

/** Where a service lives and how to call it. Resource modules take one of these; they never build auth. */
export interface ServiceClient {
  readonly service: string;
  /** Base URL of the service (no trailing slash). */
  endpoint(): Promise<string>;
  /** Sends an authenticated request through the interceptor chain. */
  send: Send;
}

/** One query value; an array becomes the same key repeated (`?id=a&id=b`), as Neutron expects. */
export type QueryValue = string | number | boolean;

export interface CallOptions {
  query?: Record<string, QueryValue | readonly QueryValue[] | undefined> | undefined;
  body?: unknown;
  headers?: Record<string, string>;
  okStatuses?: readonly number[];
}

/** One call relative to the service endpoint. Rejects with OpenStackError. */
export async function call(client: ServiceClient, method: string, path: string, opts: CallOptions = {}): Promise<HttpResponse> {
  const base = await client.endpoint();
  const req: HttpRequest = { service: client.service, method, url: base + path + queryString(opts.query), headers: opts.headers ?? {} };
  if (opts.body !== undefined) req.body = opts.body;
  if (opts.okStatuses) req.okStatuses = opts.okStatuses;
  return client.send(req);
}

/**
 * Lists every page of a collection. Follows Keystone's `links.next` and Neutron's `<key>_links` rel=next.
 * Stops after maxPages (default 1000) so that a looping server cannot hang a caller.
 */
export async function listAll<T>(client: ServiceClient, path: string, key: string, query?: CallOptions['query'], maxPages = 1000): Promise<T[]> {
  const out: T[] = [];
  const base = await client.endpoint();
  let url: string | undefined = base + path + queryString(query);
  for (let page = 0; url && page < maxPages; page++) {
    const res: HttpResponse = await client.send({ service: client.service, method: 'GET', url, headers: {} });
    const body = (res.body ?? {}) as Record<string, unknown>;
    const items = body[key];
    if (Array.isArray(items)) out.push(...(items as T[]));
    url = nextLink(body, key);
  }
  return out;
}

function nextLink(body: Record<string, unknown>, key: string): string | undefined {
  const links = body['links'] as { next?: string | null } | undefined;
  if (links && typeof links.next === 'string' && links.next) return links.next;
  const nl = body[`${key}_links`];
  if (Array.isArray(nl)) for (const l of nl as { rel?: string; href?: string }[]) if (l.rel === 'next' && l.href) return l.href;
  return undefined;
}

/** Encodes a query object, dropping undefined values; an array repeats its key once per element. Pure. */
export function queryString(q: CallOptions['query']): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    // Arrays are the only object values a query may hold.
    if (typeof v === 'object') for (const x of v) p.append(k, String(x));
    else p.append(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}
