/** Why a bearer token cannot be a Keystone token, or undefined if it might be one. Pure; never logs the token. */
export function notKeystoneToken(token: string): string | undefined {
  if (token.length === 0) return 'empty token';
  if (token.length > 8192) return 'token longer than any Keystone token';
  // Fernet (base64url), UUID (hex) and JWS tokens use only these characters.
  if (!/^[A-Za-z0-9_\-.=]+$/.test(token)) return 'token has characters no Keystone token has';
  // Kubernetes bootstrap tokens: [a-z0-9]{6}.[a-z0-9]{16}
  if (/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(token)) return 'token is a Kubernetes bootstrap token';
  const parts = token.split('.');
  if (parts.length === 3) {
    // A JWT. Keystone's JWS tokens carry openstack_* claims; service-account and OIDC tokens do not.
    const claims = decodeJwtPart(parts[1] ?? '');
    if (!claims) return 'token is JWT-shaped but its payload is not JSON';
    if (!Object.keys(claims).some((k) => k.startsWith('openstack_'))) return 'token is a JWT without Keystone claims (a service-account or OIDC token?)';
    return undefined;
  }
  if (parts.length !== 1) return 'token has dots but is not a JWT';
  if (token.length < 32) return 'token shorter than any Keystone token';
  return undefined;
}

function decodeJwtPart(p: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
