import { ValidationError } from '../../lib/errors.js';

/** How to prove identity to Keystone v3. */
export type AuthMethod =
  | { type: 'password'; password: string; userId?: string; username?: string; userDomainId?: string; userDomainName?: string }
  | { type: 'token'; token: string }
  | {
      type: 'applicationCredential';
      secret: string;
      id?: string;
      name?: string;
      userId?: string;
      username?: string;
      userDomainId?: string;
      userDomainName?: string;
    };

/** What the token is scoped to. Omitted means unscoped (or the application credential's own scope). */
export type Scope =
  | { projectId: string }
  | { projectName: string; projectDomainId?: string; projectDomainName?: string }
  | { domainId: string }
  | { domainName: string }
  | { system: true };

export interface AuthOptions {
  /** Keystone URL, with or without the /v3 suffix. */
  authUrl: string;
  method: AuthMethod;
  scope?: Scope | undefined;
  regionName?: string | undefined;
  interface?: 'public' | 'internal' | 'admin' | undefined;
}

/** Normalises a Keystone URL to its v3 root (no trailing slash). Throws ValidationError for a non-URL. */
export function v3Root(authUrl: string): string {
  let u: URL;
  try {
    u = new URL(authUrl);
  } catch {
    throw new ValidationError(`auth_url "${authUrl}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ValidationError(`auth_url "${authUrl}" must be http or https`);
  const path = u.pathname.replace(/\/+$/, '');
  u.pathname = /\/v3$/.test(path) ? path : `${path}/v3`;
  return u.toString().replace(/\/+$/, '');
}

function userRef(m: { userId?: string | undefined; username?: string | undefined; userDomainId?: string | undefined; userDomainName?: string | undefined }): Record<string, unknown> {
  if (m.userId) return { id: m.userId };
  if (!m.username) throw new ValidationError('a user id or a user name is required');
  if (!m.userDomainId && !m.userDomainName)
    throw new ValidationError(`user "${m.username}" needs user_domain_name or user_domain_id`);
  return { name: m.username, domain: m.userDomainId ? { id: m.userDomainId } : { name: m.userDomainName } };
}

/** Builds the POST /v3/auth/tokens body. Pure; throws ValidationError on incomplete options. */
export function authRequestBody(opts: AuthOptions): Record<string, unknown> {
  const m = opts.method;
  let identity: Record<string, unknown>;
  switch (m.type) {
    case 'password':
      if (!m.password) throw new ValidationError('password auth needs a password');
      identity = { methods: ['password'], password: { user: { ...userRef(m), password: m.password } } };
      break;
    case 'token':
      if (!m.token) throw new ValidationError('token auth needs a token');
      identity = { methods: ['token'], token: { id: m.token } };
      break;
    case 'applicationCredential': {
      if (!m.secret) throw new ValidationError('application credential auth needs a secret');
      const ac: Record<string, unknown> = { secret: m.secret };
      if (m.id) ac['id'] = m.id;
      else if (m.name) {
        ac['name'] = m.name;
        ac['user'] = userRef(m);
      } else throw new ValidationError('application credential auth needs an id or a name');
      identity = { methods: ['application_credential'], application_credential: ac };
      if (opts.scope) throw new ValidationError('an application credential carries its own scope; do not set a project or domain');
      break;
    }
  }
  const auth: Record<string, unknown> = { identity };
  if (opts.scope) auth['scope'] = scopeBody(opts.scope);
  return { auth };
}

function scopeBody(s: Scope): Record<string, unknown> {
  if ('system' in s) return { system: { all: true } };
  if ('projectId' in s) return { project: { id: s.projectId } };
  if ('projectName' in s) {
    if (!s.projectDomainId && !s.projectDomainName)
      throw new ValidationError(`project "${s.projectName}" needs project_domain_name or project_domain_id`);
    return { project: { name: s.projectName, domain: s.projectDomainId ? { id: s.projectDomainId } : { name: s.projectDomainName } } };
  }
  if ('domainId' in s) return { domain: { id: s.domainId } };
  return { domain: { name: s.domainName } };
}

/** A stable, secret-free identity string for cache keys: same auth options → same string. */
export function authIdentity(opts: AuthOptions): string {
  const m = opts.method;
  const who =
    m.type === 'token'
      ? 'token'
      : m.type === 'password'
        ? `pw:${m.userId ?? `${m.userDomainId ?? m.userDomainName ?? ''}/${m.username ?? ''}`}`
        : `ac:${m.id ?? `${m.userId ?? m.userDomainId ?? m.userDomainName ?? ''}/${m.username ?? ''}/${m.name ?? ''}`}`;
  return `${v3Root(opts.authUrl)}|${who}|${JSON.stringify(opts.scope ?? null)}`;
}
