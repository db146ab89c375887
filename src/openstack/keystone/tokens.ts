import { call, type ServiceClient } from '../core/service-client.js';
import { OpenStackError } from '../core/errors.js';
import { parseTokenBody, type KeystoneTokenBody } from '../core/token.js';

export type { KeystoneTokenBody } from '../core/token.js';

/**
 * Validates someone else's token (GET /v3/auth/tokens, X-Subject-Token) with the client's own credentials.
 * Resolves the token body, or undefined when Keystone says the token is invalid, expired or revoked (404).
 * Rejects with OpenStackError for anything else (Keystone down, our own credentials refused).
 */
export async function validateToken(identity: ServiceClient, subjectToken: string, opts: { nocatalog?: boolean } = {}): Promise<KeystoneTokenBody | undefined> {
  try {
    const res = await call(identity, 'GET', '/auth/tokens', {
      headers: { 'x-subject-token': subjectToken },
      query: { nocatalog: opts.nocatalog === false ? undefined : '1' },
    });
    const body = parseTokenBody(res.body);
    if (!body) throw new OpenStackError({ service: 'identity', method: 'GET', url: '/auth/tokens', status: res.status, requestId: res.requestId, serverMessage: 'malformed token body' });
    return body;
  } catch (e) {
    if (e instanceof OpenStackError && e.status === 404) return undefined;
    throw e;
  }
}

/** Revokes a token (DELETE /v3/auth/tokens). Idempotent: an already invalid token counts as success. */
export async function revokeToken(identity: ServiceClient, subjectToken: string): Promise<void> {
  try {
    await call(identity, 'DELETE', '/auth/tokens', { headers: { 'x-subject-token': subjectToken } });
  } catch (e) {
    if (e instanceof OpenStackError && e.status === 404) return;
    throw e;
  }
}
