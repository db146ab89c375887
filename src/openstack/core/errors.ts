import { AppError } from '../../lib/errors.js';

export interface OpenStackErrorInfo {
  service: string;
  method: string;
  url: string;
  /** HTTP status; 0 when the service could not be reached. */
  status: number;
  requestId?: string | undefined;
  /** The service's own message (never includes request headers or bodies with secrets). */
  serverMessage?: string | undefined;
}

/**
 * Every failed OpenStack call rejects with this. Codes:
 * STACKUBE_ERR_OPENSTACK_UNREACHABLE (status 0), _NOT_FOUND (404), _UNAUTHORIZED (401), _FORBIDDEN (403),
 * _CONFLICT (409), _BAD_REQUEST (400), _SERVER (5xx), _HTTP (other).
 */
export class OpenStackError extends AppError {
  readonly service: string;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly requestId: string | undefined;

  constructor(info: OpenStackErrorInfo, cause?: unknown) {
    const where = `${info.service} ${info.method} ${redactUrl(info.url)}`;
    const msg =
      info.status === 0
        ? `${where}: ${info.service} unreachable`
        : `${where}: HTTP ${info.status}${info.serverMessage ? `: ${info.serverMessage}` : ''}`;
    super(codeFor(info.status), info.requestId ? `${msg} (request-id ${info.requestId})` : msg, {
      cause,
      details: { service: info.service, method: info.method, url: redactUrl(info.url), status: info.status, requestId: info.requestId },
    });
    this.service = info.service;
    this.method = info.method;
    this.url = redactUrl(info.url);
    this.status = info.status;
    this.requestId = info.requestId;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }
  get isUnreachable(): boolean {
    return this.status === 0;
  }
}

function codeFor(status: number): string {
  if (status === 0) return 'STACKUBE_ERR_OPENSTACK_UNREACHABLE';
  const named: Record<number, string> = { 400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT' };
  if (named[status]) return `STACKUBE_ERR_OPENSTACK_${named[status]}`;
  return status >= 500 ? 'STACKUBE_ERR_OPENSTACK_SERVER' : 'STACKUBE_ERR_OPENSTACK_HTTP';
}

/** Drops query strings (they may carry names we do not want in logs) and userinfo. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    // Callers sometimes only know the path (e.g. '/auth/tokens'); keep it, without its query.
    return /^\/(?!\/)/.test(url) ? url.replace(/[?#].*$/, '') : '<invalid url>';
  }
}

/** Extracts OpenStack's error message from a JSON body of any service's error shape. Never throws. */
export function serverMessage(body: string): string | undefined {
  try {
    const j = JSON.parse(body) as Record<string, unknown>;
    const first = Object.values(j)[0] as Record<string, unknown> | undefined;
    const m = first?.['message'] ?? j['message'] ?? j['NeutronError'];
    if (typeof m === 'string') return m.slice(0, 300);
    if (m && typeof m === 'object' && typeof (m as Record<string, unknown>)['message'] === 'string')
      return String((m as Record<string, unknown>)['message']).slice(0, 300);
  } catch {
    // not JSON: fall through to the raw text
  }
  const t = body.trim();
  return t.length > 0 ? t.slice(0, 200) : undefined;
}
