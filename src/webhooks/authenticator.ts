import { createHash } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import { SingleFlight } from '../lib/single-flight.js';
import { TtlCache } from '../lib/ttl-cache.js';
import { describeError } from '../lib/errors.js';
import { notKeystoneToken } from '../domain/identity/token-shape.js';
import { userInfoFromToken, type RoleMapping, type TokenFacts, type UserInfo } from '../domain/identity/userinfo.js';

/** A validated token's facts plus its expiry (ms epoch). */
export interface ValidatedToken extends TokenFacts {
  expiresAt: number;
}

/** The narrow Keystone port: resolves undefined for an invalid/expired/revoked token, rejects when Keystone cannot answer. */
export interface TokenValidator {
  validate(token: string): Promise<ValidatedToken | undefined>;
}

export type AuthnResult =
  | { ok: true; user: UserInfo; cached: boolean }
  | { ok: false; kind: 'rejected' | 'invalid' | 'unavailable'; error: string };

export interface AuthenticatorOptions {
  validator: TokenValidator;
  clock: Clock;
  cacheMaxTtlMs: number;
  cacheMaxEntries: number;
  roleMappings?: readonly RoleMapping[];
  /** Observability hooks; none sees the token. */
  onOutcome?: (o: { result: 'cache_hit' | 'valid' | 'rejected' | 'invalid' | 'unavailable'; ms?: number }) => void;
}

/**
 * Keystone token authentication with an in-memory cache keyed by SHA-256 of the token. A token is
 * cached no longer than min(its expiry, cacheMaxTtl). Concurrent reviews of the same token share one
 * Keystone call; there is no global lock. Tokens that cannot be Keystone tokens never reach Keystone.
 * Never throws: every failure is an AuthnResult with a reason that is safe to log (no token in it).
 */
export class KeystoneAuthenticator {
  private readonly cache: TtlCache<string, { user: UserInfo }>;
  private readonly flight = new SingleFlight<string, AuthnResult>();

  constructor(private readonly o: AuthenticatorOptions) {
    this.cache = new TtlCache(o.clock, o.cacheMaxEntries);
  }

  /** Number of cached tokens (for metrics). */
  get cacheSize(): number {
    return this.cache.size;
  }

  async authenticate(token: string): Promise<AuthnResult> {
    const shape = notKeystoneToken(token);
    if (shape) {
      this.o.onOutcome?.({ result: 'rejected' });
      return { ok: false, kind: 'rejected', error: `not a Keystone token: ${shape}` };
    }
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.cache.get(key);
    if (hit) {
      this.o.onOutcome?.({ result: 'cache_hit' });
      return { ok: true, user: hit.user, cached: true };
    }
    return this.flight.do(key, () => this.validate(key, token));
  }

  private async validate(key: string, token: string): Promise<AuthnResult> {
    const t0 = this.o.clock.now();
    let v: ValidatedToken | undefined;
    try {
      v = await this.o.validator.validate(token);
    } catch (e) {
      this.o.onOutcome?.({ result: 'unavailable', ms: this.o.clock.now() - t0 });
      // A client library may echo request headers in its errors; the reason must never carry the token.
      const why = describeError(e).split(token).join('[redacted]');
      return { ok: false, kind: 'unavailable', error: `Keystone could not validate the token: ${why}` };
    }
    const ms = this.o.clock.now() - t0;
    if (!v) {
      this.o.onOutcome?.({ result: 'invalid', ms });
      return { ok: false, kind: 'invalid', error: 'Keystone says the token is invalid, expired or revoked' };
    }
    const now = this.o.clock.now();
    if (v.expiresAt <= now) {
      this.o.onOutcome?.({ result: 'invalid', ms });
      return { ok: false, kind: 'invalid', error: 'the token has expired' };
    }
    const user = userInfoFromToken(v, this.o.roleMappings ?? []);
    this.cache.set(key, { user }, Math.min(v.expiresAt, now + this.o.cacheMaxTtlMs));
    this.o.onOutcome?.({ result: 'valid', ms });
    return { ok: true, user, cached: false };
  }
}
