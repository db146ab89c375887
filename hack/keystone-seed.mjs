// keystone-seed.mjs - idempotently create the Keystone objects the single-machine control plane needs, then
// write $STACKUBE_STATE/clouds.yaml (0600) and $STACKUBE_STATE/keystone-ids.env. Get-or-create only: it never
// deletes anything, and it resets a user's password only when the one in $STACKUBE_STATE/secrets no longer works.
// Called by hack/keystone-up.sh once Keystone answers; passwords are read from $STACKUBE_STATE/secrets/*.password.
// Usage: STACKUBE_STATE=/var/lib/stackube node hack/keystone-seed.mjs
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STATE = process.env.STACKUBE_STATE ?? '/var/lib/stackube';
const KS = process.env.KEYSTONE_URL ?? 'http://127.0.0.1:5000/v3';
const REGION = 'RegionOne';
const NEUTRON_URL = process.env.NEUTRON_URL ?? 'http://127.0.0.1:9696';
const secret = (name) => readFileSync(join(STATE, 'secrets', `${name}.password`), 'utf8').trim();

// The fixtures. Role names are Keystone's defaults plus `service` (Keystone's identity:validate_token policy
// allows role:service, so the webhook's service user can validate other users' tokens).
const ROLES = ['admin', 'member', 'reader', 'service'];
const DEMO_DOMAIN = 'demo';
const DEMO_PROJECTS = ['alpha', 'beta'];
const DEMO_USERS = [
  { name: 'alice', project: 'alpha', role: 'member' },
  { name: 'bob', project: 'alpha', role: 'reader' },
  { name: 'carol', project: 'alpha', role: 'admin' },
  { name: 'dave', project: 'beta', role: 'member' },
];

async function call(method, path, { token, body, ok = [200, 201, 204] } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers['X-Auth-Token'] = token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(KS + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!ok.includes(res.status)) {
    throw new Error(`keystone ${method} ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  }
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

// passwordAuth returns the token, or undefined when Keystone rejects the credentials (401).
async function passwordAuth(user, password, scope) {
  const body = { auth: { identity: { methods: ['password'], password: { user: { ...user, password } } } } };
  if (scope) body.auth.scope = scope;
  const r = await call('POST', '/auth/tokens', { body, ok: [201, 401] });
  return r.status === 201 ? r.headers.get('x-subject-token') : undefined;
}

const q = (params) => new URLSearchParams(params).toString();

async function main() {
  const adminToken = await passwordAuth({ name: 'admin', domain: { id: 'default' } }, secret('admin'), {
    project: { name: 'admin', domain: { id: 'default' } },
  });
  if (!adminToken) throw new Error('keystone: the admin password in secrets/admin.password is rejected');
  const api = (method, path, opts = {}) => call(method, path, { ...opts, token: adminToken });

  // getOrCreate finds the first `kind` matching `query`, or creates it from `body`.
  async function getOrCreate(kind, query, body) {
    const plural = `${kind}s`;
    const found = (await api('GET', `/${plural}?${q(query)}`)).json[plural];
    if (found.length > 0) return found[0];
    console.log(`keystone-seed: created ${kind} ${body.name}`);
    return (await api('POST', `/${plural}`, { body: { [kind]: body } })).json[kind];
  }

  // ensureUser creates the user, or re-sets its password (and re-enables it) when the stored one is rejected.
  async function ensureUser(name, domainId, password, defaultProjectId) {
    const user = await getOrCreate('user', { name, domain_id: domainId }, {
      name, domain_id: domainId, password, enabled: true, default_project_id: defaultProjectId,
    });
    if (!user.enabled || !(await passwordAuth({ id: user.id }, password))) {
      console.log(`keystone-seed: resetting password of user ${name}`);
      await api('PATCH', `/users/${user.id}`, { body: { user: { password, enabled: true } } });
    }
    return user;
  }

  const grant = (projectId, userId, roleId) => api('PUT', `/projects/${projectId}/users/${userId}/roles/${roleId}`);

  // ensureService registers a service and its public/internal/admin endpoints in RegionOne (missing ones only).
  async function ensureService(name, type, url) {
    const svc = await getOrCreate('service', { type }, { name, type, enabled: true });
    const have = (await api('GET', `/endpoints?${q({ service_id: svc.id })}`)).json.endpoints;
    await Promise.all(['public', 'internal', 'admin'].filter((i) => !have.some((e) => e.interface === i)).map((iface) =>
      api('POST', '/endpoints', { body: { endpoint: { service_id: svc.id, interface: iface, url, region_id: REGION, enabled: true } } })));
  }

  // Independent objects are handled concurrently (Keystone serves requests on several threads).
  const roleList = await Promise.all(ROLES.map((name) => getOrCreate('role', { name }, { name })));
  const roles = Object.fromEntries(roleList.map((r) => [r.name, r.id]));

  const [adminProject, serviceProject, demo] = await Promise.all([
    getOrCreate('project', { name: 'admin', domain_id: 'default' }, { name: 'admin', domain_id: 'default' }),
    getOrCreate('project', { name: 'service', domain_id: 'default' }, {
      name: 'service', domain_id: 'default', description: 'OpenStack service users',
    }),
    getOrCreate('domain', { name: DEMO_DOMAIN }, { name: DEMO_DOMAIN, description: 'Stackube demo tenants', enabled: true }),
  ]);
  if (!demo.enabled) await api('PATCH', `/domains/${demo.id}`, { body: { domain: { enabled: true } } });
  const projectList = await Promise.all(DEMO_PROJECTS.map((name) => getOrCreate('project', { name, domain_id: demo.id }, {
    name, domain_id: demo.id, description: `Stackube demo tenant ${name}`,
  })));
  const projects = Object.fromEntries(projectList.map((p) => [p.name, p]));

  await Promise.all([
    (async () => {
      const svcUser = await ensureUser('stackube', 'default', secret('stackube-service'), serviceProject.id);
      await grant(serviceProject.id, svcUser.id, roles.service);
    })(),
    // Neutron's own service user (keystone_authtoken in neutron.conf) and its catalog entry.
    (async () => {
      const neutronUser = await ensureUser('neutron', 'default', secret('neutron-service'), serviceProject.id);
      await Promise.all(['admin', 'service'].map((r) => grant(serviceProject.id, neutronUser.id, roles[r])));
      await ensureService('neutron', 'network', NEUTRON_URL);
    })(),
    ...DEMO_USERS.map(async (u) => {
      const project = projects[u.project];
      const user = await ensureUser(u.name, demo.id, secret(u.name), project.id);
      await grant(project.id, user.id, roles[u.role]);
    }),
  ]);

  // clouds.yaml: JSON-quoted scalars are valid YAML and keep generated passwords strings.
  const s = JSON.stringify;
  const cloud = (name, username, password, project, domain) => [
    `  ${name}:`,
    '    auth:',
    `      auth_url: ${s(KS)}`,
    `      username: ${s(username)}`,
    `      password: ${s(password)}`,
    `      project_name: ${s(project)}`,
    `      user_domain_name: ${s(domain)}`,
    `      project_domain_name: ${s(domain)}`,
    `    region_name: ${s(REGION)}`,
    '    identity_api_version: 3',
    '    interface: public',
  ].join('\n');
  const clouds = [
    '# Written by stackube hack/keystone-seed.mjs: the service user, the admin and the demo tenant users.',
    'clouds:',
    cloud('stackube-service', 'stackube', secret('stackube-service'), 'service', 'Default'),
    cloud('admin', 'admin', secret('admin'), 'admin', 'Default'),
    ...DEMO_USERS.map((u) => cloud(u.name, u.name, secret(u.name), u.project, DEMO_DOMAIN)),
    '',
  ].join('\n');
  writeAtomic(join(STATE, 'clouds.yaml'), clouds, 0o600);

  const ids = [
    `ALPHA_PROJECT_ID=${projects.alpha.id}`,
    `BETA_PROJECT_ID=${projects.beta.id}`,
    `DEMO_DOMAIN_ID=${demo.id}`,
    `ADMIN_PROJECT_ID=${adminProject.id}`,
    `SERVICE_PROJECT_ID=${serviceProject.id}`,
    '',
  ].join('\n');
  writeAtomic(join(STATE, 'keystone-ids.env'), ids, 0o644);
}

function writeAtomic(file, content, mode) {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, content, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

main().catch((err) => {
  console.error(`keystone-seed: ${err.message}`);
  process.exit(1);
});
