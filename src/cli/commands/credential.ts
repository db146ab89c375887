import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../lib/clock.js';
import { ValidationError } from '../../lib/errors.js';
import { authIdentity } from '../../openstack/core/auth.js';
import type { CloudConfig } from '../../openstack/core/clouds.js';
import { createOpenStackClient } from '../../openstack/core/client.js';
import { OpenStackError } from '../../openstack/core/errors.js';
import { call } from '../../openstack/core/service-client.js';

const EXEC_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];

export interface CredentialInput {
  cloud: CloudConfig;
  /** KUBERNETES_EXEC_INFO, if kubectl set it. */
  execInfo: string | undefined;
  cacheDir: string | undefined;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  /** Tokens closer than this to expiry are not reused. */
  minRemainingMs?: number;
}

interface CachedToken {
  token: string;
  expiresAt: string;
}

/** The ExecCredential apiVersion to answer with: the one kubectl asked for, else v1. Throws ValidationError. */
export function execApiVersion(execInfo: string | undefined): string {
  if (!execInfo) return 'client.authentication.k8s.io/v1';
  let v: unknown;
  try {
    v = (JSON.parse(execInfo) as { apiVersion?: unknown }).apiVersion;
  } catch {
    throw new ValidationError('KUBERNETES_EXEC_INFO is not valid JSON');
  }
  if (typeof v !== 'string' || !EXEC_VERSIONS.includes(v)) throw new ValidationError(`KUBERNETES_EXEC_INFO apiVersion ${JSON.stringify(v)} is not supported (${EXEC_VERSIONS.join(', ')})`);
  return v;
}

/** Cache file of one identity: named by a hash of the auth identity (no secret in the name). */
export function cacheFile(dir: string, cloud: CloudConfig): string {
  return join(dir, `${createHash('sha256').update(authIdentity(cloud.auth)).digest('hex').slice(0, 32)}.json`);
}

/**
 * kubectl exec credential plugin: prints an ExecCredential with a Keystone token, reusing a cached
 * token (file mode 0600 in a 0700 directory) until shortly before it expires, as long as Keystone still accepts it. Rejects with
 * ValidationError or OpenStackError; the caller maps them to exit codes.
 */
export async function runCredential(i: CredentialInput): Promise<string> {
  const apiVersion = execApiVersion(i.execInfo);
  const minRemaining = i.minRemainingMs ?? 5 * 60_000;
  let tok: CachedToken | undefined;
  const file = i.cacheDir ? cacheFile(i.cacheDir, i.cloud) : undefined;
  if (file) tok = readCache(file, i.clock.now() + minRemaining);
  if (tok && !(await stillValid(i, tok.token))) tok = undefined;
  if (!tok) {
    if (i.cloud.auth.method.type === 'token') {
      tok = { token: i.cloud.auth.method.token, expiresAt: '' };
    } else {
      const os = createOpenStackClient({ cloud: i.cloud, clock: i.clock, sleep: i.sleep, retries: 1 });
      try {
        const t = await os.session.token();
        tok = { token: t.id, expiresAt: new Date(t.expiresAt).toISOString() };
      } finally {
        await os.close();
      }
      if (file && i.cacheDir) writeCache(i.cacheDir, file, tok);
    }
  }
  const status: Record<string, string> = { token: tok.token };
  if (tok.expiresAt) status['expirationTimestamp'] = tok.expiresAt.replace(/\.\d+Z$/, 'Z');
  return `${JSON.stringify({ apiVersion, kind: 'ExecCredential', status })}\n`;
}

/**
 * Asks Keystone whether a cached token is still good (HEAD /v3/auth/tokens, the token validating itself, which
 * needs no other credential). A token Keystone rejects (revoked, or from a Keystone that was rebuilt) is dropped;
 * when Keystone cannot answer, the cached token is still used and the apiserver decides.
 */
async function stillValid(i: CredentialInput, token: string): Promise<boolean> {
  const os = createOpenStackClient({ cloud: i.cloud, clock: i.clock, sleep: i.sleep, retries: 0 });
  try {
    await call(os.serviceAs('identity', token), 'HEAD', '/auth/tokens', { headers: { 'x-subject-token': token } });
    return true;
  } catch (e) {
    return !(e instanceof OpenStackError && (e.status === 401 || e.status === 404));
  } finally {
    await os.close();
  }
}

/** Removes the cached token of an identity. Idempotent. */
export function forgetCredential(cacheDir: string, cloud: CloudConfig): void {
  rmSync(cacheFile(cacheDir, cloud), { force: true });
}

function readCache(file: string, notBefore: number): CachedToken | undefined {
  let c: Partial<CachedToken> | null;
  try {
    c = JSON.parse(readFileSync(file, 'utf8')) as Partial<CachedToken> | null;
  } catch {
    return undefined; // missing or corrupt: authenticate again and overwrite
  }
  // Valid JSON of the wrong shape (e.g. `null`) is as corrupt as invalid JSON.
  if (c === null || typeof c !== 'object' || typeof c.token !== 'string' || typeof c.expiresAt !== 'string') return undefined;
  const exp = Date.parse(c.expiresAt);
  return Number.isFinite(exp) && exp > notBefore ? { token: c.token, expiresAt: c.expiresAt } : undefined;
}

function writeCache(dir: string, file: string, t: CachedToken): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(t), { mode: 0o600 });
  renameSync(tmp, file);
}
