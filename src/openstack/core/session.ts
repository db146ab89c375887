import type { Clock } from '../../lib/clock.js';
import { SingleFlight } from '../../lib/single-flight.js';
import { AppError } from '../../lib/errors.js';
import { authRequestBody, v3Root, type AuthOptions } from './auth.js';
import { OpenStackError } from './errors.js';
import type { HttpRequest, HttpResponse, Interceptor, Send } from './http.js';
import { findEndpoint, parseTokenBody, type KeystoneTokenBody } from './token.js';

/** A token this session holds. The secret is only ever in `id`. */
export interface SessionToken {
  id: string;
  expiresAt: number;
  body: KeystoneTokenBody;
}

export interface SessionOptions {
  auth: AuthOptions;
  send: Send;
  clock: Clock;
  /** Re-authenticate this long before expiry. Default 60 s. */
  refreshMarginMs?: number;
}

/**
 * A Keystone v3 session: authenticates with password, token or application credential, keeps the
 * service catalog, re-authenticates before expiry and once on a 401. Concurrent callers share one
 * authentication (single flight); nothing blocks callers of other sessions.
 */
export class KeystoneSession {
  readonly authUrl: string;
  private current: SessionToken | undefined;
  private readonly flight = new SingleFlight<'auth', SessionToken>();
  private readonly margin: number;

  constructor(private readonly opts: SessionOptions) {
    this.authUrl = v3Root(opts.auth.authUrl);
    this.margin = opts.refreshMarginMs ?? 60_000;
  }

  /** A valid token, authenticating if needed. Rejects with OpenStackError (401 = bad credentials). */
  async token(): Promise<SessionToken> {
    const c = this.current;
    if (c && c.expiresAt - this.margin > this.opts.clock.now()) return c;
    return this.flight.do('auth', () => this.authenticate());
  }

  /** Forgets the current token so that the next call re-authenticates. Idempotent. */
  invalidate(token?: string): void {
    if (token === undefined || this.current?.id === token) this.current = undefined;
  }

  /** The URL of a service from the token's catalog; throws AppError when the catalog lacks it. */
  async endpoint(type: string): Promise<string> {
    if (type === 'identity') return this.authUrl;
    const t = await this.token();
    const iface = this.opts.auth.interface ?? 'public';
    const url = findEndpoint(t.body.token.catalog ?? [], type, iface, this.opts.auth.regionName);
    if (!url) {
      throw new AppError('STACKUBE_ERR_OPENSTACK_NO_ENDPOINT',
        `the service catalog has no ${iface} endpoint for "${type}"${this.opts.auth.regionName ? ` in region ${this.opts.auth.regionName}` : ''}`);
    }
    return url;
  }

  /** Interceptor that adds X-Auth-Token and retries once with a fresh token after a 401. */
  interceptor(): Interceptor {
    return async (req, next) => {
      const t = await this.token();
      try {
        return await next(withToken(req, t.id));
      } catch (e) {
        if (!(e instanceof OpenStackError) || e.status !== 401) throw e;
        this.invalidate(t.id);
        const fresh = await this.token();
        return next(withToken(req, fresh.id));
      }
    };
  }

  private async authenticate(): Promise<SessionToken> {
    const res: HttpResponse = await this.opts.send({
      service: 'identity',
      method: 'POST',
      url: `${this.authUrl}/auth/tokens`,
      headers: {},
      body: authRequestBody(this.opts.auth),
      idempotent: true, // issuing a token creates nothing that a retry could duplicate
    });
    const id = res.headers['x-subject-token'];
    const body = parseTokenBody(res.body);
    if (!id || !body) {
      throw new OpenStackError({ service: 'identity', method: 'POST', url: `${this.authUrl}/auth/tokens`, status: res.status,
        requestId: res.requestId, serverMessage: 'Keystone returned no usable token' });
    }
    this.current = { id, body, expiresAt: Date.parse(body.token.expires_at) };
    return this.current;
  }
}

function withToken(req: HttpRequest, token: string): HttpRequest {
  return { ...req, headers: { ...req.headers, 'x-auth-token': token } };
}
