import { OpenStackError, serverMessage } from '../core/errors.js';
import type { HttpRequest, HttpResponse } from '../core/http.js';
import type { ServiceClient } from '../core/service-client.js';

/** What the fake saw: one request. */
export interface Recorded { method: string; url: string; body: unknown }

/** One scripted answer; status defaults to 200, requestId to `req-<n>`. */
export interface Reply { status?: number; body?: unknown; requestId?: string }

/** A recording fake of a Neutron ServiceClient, for unit tests. */
export interface FakeNeutron {
  client: ServiceClient;
  calls: Recorded[];
  /** `METHOD url` of every call, for compact assertions. */
  lines(): string[];
}

/**
 * A ServiceClient that answers scripted replies in order and records every request. Like the real transport,
 * a non-OK status rejects with OpenStackError (service message and request-id); running out of replies rejects
 * with a plain Error so that an unexpected call fails the test. Test-only; does no I/O.
 */
export function fakeNeutron(replies: readonly Reply[], endpoint = 'http://neutron:9696'): FakeNeutron {
  const queue = [...replies];
  const calls: Recorded[] = [];
  const send = (req: HttpRequest): Promise<HttpResponse> => {
    calls.push({ method: req.method, url: req.url, body: req.body });
    const r = queue.shift();
    if (!r) return Promise.reject(new Error(`unexpected call ${req.method} ${req.url}`));
    const status = r.status ?? 200;
    const requestId = r.requestId ?? `req-${calls.length}`;
    const ok = req.okStatuses ? req.okStatuses.includes(status) : status >= 200 && status < 300;
    if (!ok) {
      const msg = r.body === undefined ? undefined : serverMessage(JSON.stringify(r.body));
      return Promise.reject(new OpenStackError({ service: req.service, method: req.method, url: req.url, status, requestId, serverMessage: msg }));
    }
    return Promise.resolve({ status, headers: {}, body: r.body, requestId });
  };
  return {
    client: { service: 'network', endpoint: () => Promise.resolve(endpoint), send },
    calls,
    lines: () => calls.map((c) => `${c.method} ${c.url}`),
  };
}

/** Neutron's error body for a fault type and message. Test-only. */
export function neutronError(type: string, message: string): unknown {
  return { NeutronError: { type, message, detail: '' } };
}

/** Asserts-free predicate: e is an OpenStackError with this status and request-id. Test-only. */
export function isOpenStackError(e: unknown, status: number, requestId: string): boolean {
  return e instanceof OpenStackError && e.status === status && e.requestId === requestId;
}
