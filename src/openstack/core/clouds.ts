import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../../lib/errors.js';
import type { AuthMethod, AuthOptions, Scope } from './auth.js';

/** Standard OpenStack client configuration resolved to what a session needs. */
export interface CloudConfig {
  auth: AuthOptions;
  caFile?: string | undefined;
  insecure?: boolean | undefined;
  /** Where it came from, for messages ("clouds.yaml:/path#alice" or "OS_* environment"). */
  source: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The clouds.yaml search path of os-client-config: OS_CLIENT_CONFIG_FILE, ./, ~/.config/openstack, /etc/openstack. */
export function cloudsFileCandidates(env: Env, cwd: string, home: string): string[] {
  const c: string[] = [];
  if (env['OS_CLIENT_CONFIG_FILE']) c.push(env['OS_CLIENT_CONFIG_FILE']);
  c.push(join(cwd, 'clouds.yaml'), join(home, '.config/openstack/clouds.yaml'), '/etc/openstack/clouds.yaml');
  return c;
}

/**
 * Resolves credentials the way the openstack CLI does: a named cloud from clouds.yaml (OS_CLOUD or
 * `cloud`), with secure.yaml merged in, else OS_* variables. Explicit OS_* values override the file.
 * Throws ValidationError naming the missing or bad setting; never includes secrets in messages.
 */
export function resolveCloud(input: { env: Env; cloud?: string | undefined; cloudsFile?: string | undefined; cwd: string; home: string }): CloudConfig {
  const cloudName = input.cloud ?? input.env['OS_CLOUD'];
  if (cloudName) {
    const files = input.cloudsFile ? [input.cloudsFile] : cloudsFileCandidates(input.env, input.cwd, input.home);
    const file = files.find((f) => existsSync(f));
    if (!file) throw new ValidationError(`cloud "${cloudName}" requested but no clouds.yaml found (looked in ${files.join(', ')})`);
    const doc = readYaml(file);
    const clouds = (doc['clouds'] ?? {}) as Record<string, unknown>;
    const entry = clouds[cloudName] as Record<string, unknown> | undefined;
    if (!entry) throw new ValidationError(`cloud "${cloudName}" is not in ${file} (have: ${Object.keys(clouds).join(', ') || 'none'})`);
    const secureFile = join(file, '..', 'secure.yaml');
    const secure = existsSync(secureFile) ? ((readYaml(secureFile)['clouds'] ?? {}) as Record<string, unknown>)[cloudName] : undefined;
    const merged = deepMerge(entry, (secure ?? {}) as Record<string, unknown>);
    return fromCloudEntry(merged, `clouds.yaml:${file}#${cloudName}`, input.env);
  }
  return fromEnv(input.env);
}

function readYaml(file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ValidationError(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0] ?? ''}`);
  }
  if (!doc || typeof doc !== 'object') throw new ValidationError(`${file}: expected a mapping at the top level`);
  return doc as Record<string, unknown>;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const av = out[k];
    out[k] = av && v && typeof av === 'object' && typeof v === 'object' && !Array.isArray(v)
      ? deepMerge(av as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

function fromCloudEntry(e: Record<string, unknown>, source: string, env: Env): CloudConfig {
  const a = (e['auth'] ?? {}) as Record<string, unknown>;
  const get = (k: string, envKey: string): string | undefined => str(env[envKey]) ?? str(a[k]);
  const flat: Record<string, string | undefined> = {
    authType: str(env['OS_AUTH_TYPE']) ?? str(e['auth_type']),
    authUrl: get('auth_url', 'OS_AUTH_URL'),
    username: get('username', 'OS_USERNAME'),
    userId: get('user_id', 'OS_USER_ID'),
    password: get('password', 'OS_PASSWORD'),
    userDomainName: get('user_domain_name', 'OS_USER_DOMAIN_NAME') ?? str(a['domain_name']),
    userDomainId: get('user_domain_id', 'OS_USER_DOMAIN_ID') ?? str(a['domain_id']),
    projectName: get('project_name', 'OS_PROJECT_NAME') ?? str(a['tenant_name']),
    projectId: get('project_id', 'OS_PROJECT_ID') ?? str(a['tenant_id']),
    projectDomainName: get('project_domain_name', 'OS_PROJECT_DOMAIN_NAME') ?? str(a['domain_name']),
    projectDomainId: get('project_domain_id', 'OS_PROJECT_DOMAIN_ID') ?? str(a['domain_id']),
    domainName: undefined,
    domainId: undefined,
    token: get('token', 'OS_TOKEN'),
    appCredId: get('application_credential_id', 'OS_APPLICATION_CREDENTIAL_ID'),
    appCredName: get('application_credential_name', 'OS_APPLICATION_CREDENTIAL_NAME'),
    appCredSecret: get('application_credential_secret', 'OS_APPLICATION_CREDENTIAL_SECRET'),
    region: str(env['OS_REGION_NAME']) ?? str(e['region_name']),
    iface: str(env['OS_INTERFACE']) ?? str(e['interface']),
    cacert: str(env['OS_CACERT']) ?? str(e['cacert']),
    insecure: str(env['OS_INSECURE']) ?? (e['verify'] === false ? 'true' : undefined),
  };
  return build(flat, source);
}

function fromEnv(env: Env): CloudConfig {
  if (!env['OS_AUTH_URL']) {
    throw new ValidationError('no OpenStack credentials: set OS_CLOUD (with a clouds.yaml) or OS_AUTH_URL and the other OS_* variables');
  }
  return build({
    authType: env['OS_AUTH_TYPE'],
    authUrl: env['OS_AUTH_URL'],
    username: env['OS_USERNAME'],
    userId: env['OS_USER_ID'],
    password: env['OS_PASSWORD'],
    userDomainName: env['OS_USER_DOMAIN_NAME'] ?? env['OS_DOMAIN_NAME'],
    userDomainId: env['OS_USER_DOMAIN_ID'] ?? env['OS_DOMAIN_ID'],
    projectName: env['OS_PROJECT_NAME'] ?? env['OS_TENANT_NAME'],
    projectId: env['OS_PROJECT_ID'] ?? env['OS_TENANT_ID'],
    projectDomainName: env['OS_PROJECT_DOMAIN_NAME'] ?? env['OS_DOMAIN_NAME'],
    projectDomainId: env['OS_PROJECT_DOMAIN_ID'] ?? env['OS_DOMAIN_ID'],
    domainName: env['OS_PROJECT_NAME'] || env['OS_PROJECT_ID'] ? undefined : env['OS_DOMAIN_NAME'],
    domainId: env['OS_PROJECT_NAME'] || env['OS_PROJECT_ID'] ? undefined : env['OS_DOMAIN_ID'],
    token: env['OS_TOKEN'],
    appCredId: env['OS_APPLICATION_CREDENTIAL_ID'],
    appCredName: env['OS_APPLICATION_CREDENTIAL_NAME'],
    appCredSecret: env['OS_APPLICATION_CREDENTIAL_SECRET'],
    region: env['OS_REGION_NAME'],
    iface: env['OS_INTERFACE'],
    cacert: env['OS_CACERT'],
    insecure: env['OS_INSECURE'],
  }, 'OS_* environment');
}

function build(f: Record<string, string | undefined>, source: string): CloudConfig {
  if (!f['authUrl']) throw new ValidationError(`${source}: auth_url (OS_AUTH_URL) is required`);
  const t = (f['authType'] ?? '').toLowerCase().replace(/_/g, '');
  const isAppCred = t === 'v3applicationcredential' || t === 'applicationcredential' || (!t && !!f['appCredSecret']);
  const isToken = t === 'token' || t === 'v3token' || (!t && !!f['token'] && !f['password']);
  let method: AuthMethod;
  if (isAppCred) {
    if (!f['appCredSecret']) throw new ValidationError(`${source}: application_credential_secret is required for application credentials`);
    if (!f['appCredId'] && !f['appCredName']) throw new ValidationError(`${source}: application_credential_id or application_credential_name is required`);
    method = { type: 'applicationCredential', secret: f['appCredSecret'], ...opt('id', f['appCredId']), ...opt('name', f['appCredName']),
      ...opt('userId', f['userId']), ...opt('username', f['username']), ...opt('userDomainId', f['userDomainId']), ...opt('userDomainName', f['userDomainName']) };
  } else if (isToken) {
    if (!f['token']) throw new ValidationError(`${source}: token (OS_TOKEN) is required for token auth`);
    method = { type: 'token', token: f['token'] };
  } else {
    if (t && t !== 'password' && t !== 'v3password') throw new ValidationError(`${source}: auth_type "${f['authType'] ?? ''}" is not supported (use password, v3applicationcredential or token)`);
    if (!f['password']) throw new ValidationError(`${source}: password (OS_PASSWORD) is required for password auth`);
    if (!f['userId'] && !f['username']) throw new ValidationError(`${source}: username or user_id is required`);
    if (f['username'] && !f['userId'] && !f['userDomainName'] && !f['userDomainId'])
      throw new ValidationError(`${source}: user_domain_name or user_domain_id is required with username`);
    method = { type: 'password', password: f['password'], ...opt('userId', f['userId']), ...opt('username', f['username']),
      ...opt('userDomainId', f['userDomainId']), ...opt('userDomainName', f['userDomainName']) };
  }
  let scope: Scope | undefined;
  if (!isAppCred) {
    if (f['projectId']) scope = { projectId: f['projectId'] };
    else if (f['projectName']) {
      if (!f['projectDomainId'] && !f['projectDomainName']) throw new ValidationError(`${source}: project_domain_name or project_domain_id is required with project_name`);
      scope = { projectName: f['projectName'], ...opt('projectDomainId', f['projectDomainId']), ...opt('projectDomainName', f['projectDomainName']) };
    } else if (f['domainId']) scope = { domainId: f['domainId'] };
    else if (f['domainName']) scope = { domainName: f['domainName'] };
  }
  const iface = f['iface']?.replace(/URL$/, '');
  if (iface && iface !== 'public' && iface !== 'internal' && iface !== 'admin') throw new ValidationError(`${source}: interface "${iface}" must be public, internal or admin`);
  return {
    auth: { authUrl: f['authUrl'], method, scope, regionName: f['region'], interface: iface as 'public' | 'internal' | 'admin' | undefined },
    caFile: f['cacert'],
    insecure: f['insecure'] ? ['1', 'true', 'yes'].includes(f['insecure'].toLowerCase()) : undefined,
    source,
  };
}

function opt<K extends string>(k: K, v: string | undefined): { [P in K]?: string } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: string };
}
