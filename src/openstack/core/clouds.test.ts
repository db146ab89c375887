import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../lib/errors.js';
import { cloudsFileCandidates, resolveCloud, type CloudConfig } from './clouds.js';

const PASSWORD = 'Pa55-w0rd-never-shown';
const AC_SECRET = 'ac-secret-never-shown';

const CLOUDS = `clouds:
  alice:
    auth:
      auth_url: http://keystone.test:5000
      username: alice
      password: ${PASSWORD}
      user_domain_name: Default
      project_name: demo
      project_domain_name: Default
    region_name: RegionOne
    interface: internal
    cacert: /etc/ssl/ca.pem
  bob:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://keystone.test/identity
      application_credential_id: ac-1
      application_credential_secret: ${AC_SECRET}
    verify: false
  carol:
    auth:
      auth_url: http://keystone.test:5000/v3
      username: carol
      domain_name: Users
      project_name: ops
  nosecret:
    auth:
      auth_url: http://keystone.test:5000/v3
      username: dave
      user_domain_name: Default
  nourl:
    auth:
      username: erin
      password: ${PASSWORD}
      user_domain_name: Default
  nodomain:
    auth:
      auth_url: http://keystone.test:5000/v3
      username: frank
      password: ${PASSWORD}
  noprojdomain:
    auth:
      auth_url: http://keystone.test:5000/v3
      user_id: u-1
      password: ${PASSWORD}
      project_name: demo
  badtype:
    auth_type: v3oidcpassword
    auth:
      auth_url: http://keystone.test:5000/v3
      password: ${PASSWORD}
  badiface:
    interface: private
    auth:
      auth_url: http://keystone.test:5000/v3
      user_id: u-1
      password: ${PASSWORD}
`;

const SECURE = `clouds:
  nosecret:
    auth:
      password: ${PASSWORD}
`;

let dir: string;
let cloudsFile: string;
const empty = { env: {}, cwd: '/nonexistent-cwd', home: '/nonexistent-home' };

function assertNoSecret(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  assert.ok(!msg.includes(PASSWORD) && !msg.includes(AC_SECRET), `secret in message: ${msg}`);
}

function refuses(fn: () => CloudConfig, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ValidationError, String(e));
    assert.match(e.message, message);
    assertNoSecret(e);
    return true;
  });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'stackube-clouds-'));
  cloudsFile = join(dir, 'clouds.yaml');
  writeFileSync(cloudsFile, CLOUDS);
  writeFileSync(join(dir, 'secure.yaml'), SECURE);
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('resolveCloud from clouds.yaml', () => {
  it('selects the named cloud and resolves password auth with project scope', () => {
    const c = resolveCloud({ ...empty, cloud: 'alice', cloudsFile });
    assert.deepEqual(c, {
      auth: {
        authUrl: 'http://keystone.test:5000',
        method: { type: 'password', password: PASSWORD, username: 'alice', userDomainName: 'Default' },
        scope: { projectName: 'demo', projectDomainName: 'Default' },
        regionName: 'RegionOne',
        interface: 'internal',
      },
      caFile: '/etc/ssl/ca.pem',
      insecure: undefined,
      source: `clouds.yaml:${cloudsFile}#alice`,
    });
  });

  it('OS_CLOUD selects the cloud when no name is given', () => {
    assert.equal(resolveCloud({ ...empty, env: { OS_CLOUD: 'alice' }, cloudsFile }).auth.method.type, 'password');
  });

  it('an explicit cloud name wins over OS_CLOUD', () => {
    assert.equal(resolveCloud({ ...empty, env: { OS_CLOUD: 'alice' }, cloud: 'bob', cloudsFile }).auth.method.type, 'applicationCredential');
  });

  it('application credential by id: no scope, verify:false → insecure', () => {
    const c = resolveCloud({ ...empty, cloud: 'bob', cloudsFile });
    assert.deepEqual(c.auth.method, { type: 'applicationCredential', secret: AC_SECRET, id: 'ac-1' });
    assert.equal(c.auth.scope, undefined);
    assert.equal(c.insecure, true);
  });

  it('auth.domain_name serves as both user and project domain', () => {
    const c = resolveCloud({ ...empty, cloud: 'carol', cloudsFile, env: { OS_PASSWORD: PASSWORD } });
    assert.deepEqual(c.auth.method, { type: 'password', password: PASSWORD, username: 'carol', userDomainName: 'Users' });
    assert.deepEqual(c.auth.scope, { projectName: 'ops', projectDomainName: 'Users' });
  });

  it('merges secure.yaml from the same directory', () => {
    const c = resolveCloud({ ...empty, cloud: 'nosecret', cloudsFile });
    assert.deepEqual(c.auth.method, { type: 'password', password: PASSWORD, username: 'dave', userDomainName: 'Default' });
  });

  it('explicit OS_* values override the file', () => {
    const c = resolveCloud({ ...empty, cloud: 'alice', cloudsFile, env: { OS_PASSWORD: 'other', OS_REGION_NAME: 'RegionTwo', OS_PROJECT_ID: 'p-9' } });
    assert.equal(c.auth.method.type === 'password' ? c.auth.method.password : '', 'other');
    assert.equal(c.auth.regionName, 'RegionTwo');
    assert.deepEqual(c.auth.scope, { projectId: 'p-9' });
  });

  const bad: [string, string, RegExp][] = [
    ['missing auth_url', 'nourl', /^clouds\.yaml:.*#nourl: auth_url \(OS_AUTH_URL\) is required$/],
    ['missing password', 'carol', /^clouds\.yaml:.*#carol: password \(OS_PASSWORD\) is required for password auth$/],
    ['user name without a domain', 'nodomain', /^clouds\.yaml:.*#nodomain: user_domain_name or user_domain_id is required with username$/],
    ['project name without a domain', 'noprojdomain', /#noprojdomain: project_domain_name or project_domain_id is required with project_name$/],
    ['unsupported auth_type', 'badtype', /#badtype: auth_type "v3oidcpassword" is not supported/],
    ['bad interface', 'badiface', /#badiface: interface "private" must be public, internal or admin$/],
    ['a cloud that is not in the file', 'zed', /^cloud "zed" is not in .*clouds\.yaml \(have: alice, bob, carol, /],
  ];
  for (const [name, cloud, message] of bad) {
    it(`refuses ${name}, naming the source and never the password`, () => {
      refuses(() => resolveCloud({ ...empty, cloud, cloudsFile }), message);
    });
  }

  it('refuses a missing clouds.yaml, listing where it looked', () => {
    refuses(() => resolveCloud({ env: {}, cloud: 'alice', cwd: '/nowhere', home: '/nohome' }), /^cloud "alice" requested but no clouds\.yaml found \(looked in \/nowhere\/clouds\.yaml, \/nohome\/\.config\/openstack\/clouds\.yaml, \/etc\/openstack\/clouds\.yaml\)$/);
  });

  it('refuses invalid YAML without quoting it (it may hold a password)', () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, `clouds:\n  x:\n    auth: {password: ${PASSWORD}\n    bad: [\n`);
    refuses(() => resolveCloud({ ...empty, cloud: 'x', cloudsFile: broken }), /broken\.yaml: not valid YAML/);
  });

  it('refuses a clouds.yaml that is not a mapping', () => {
    const scalar = join(dir, 'scalar.yaml');
    writeFileSync(scalar, `${PASSWORD}\n`);
    refuses(() => resolveCloud({ ...empty, cloud: 'x', cloudsFile: scalar }), /scalar\.yaml: expected a mapping at the top level/);
  });

  it('finds clouds.yaml in the working directory, then ~/.config/openstack', () => {
    const cwd = join(dir, 'cwd');
    const home = join(dir, 'home');
    mkdirSync(join(home, '.config', 'openstack'), { recursive: true });
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(home, '.config', 'openstack', 'clouds.yaml'), 'clouds:\n  h:\n    auth: {auth_url: "http://home:5000", token: t}\n');
    assert.equal(resolveCloud({ env: {}, cloud: 'h', cwd, home }).source, `clouds.yaml:${join(home, '.config/openstack/clouds.yaml')}#h`);
    writeFileSync(join(cwd, 'clouds.yaml'), 'clouds:\n  h:\n    auth: {auth_url: "http://cwd:5000", token: t}\n');
    assert.equal(resolveCloud({ env: {}, cloud: 'h', cwd, home }).auth.authUrl, 'http://cwd:5000');
    // OS_CLIENT_CONFIG_FILE comes first.
    assert.equal(resolveCloud({ env: { OS_CLIENT_CONFIG_FILE: cloudsFile }, cloud: 'alice', cwd, home }).source, `clouds.yaml:${cloudsFile}#alice`);
  });

  it('cloudsFileCandidates follows the os-client-config order', () => {
    assert.deepEqual(cloudsFileCandidates({ OS_CLIENT_CONFIG_FILE: '/x/c.yaml' }, '/w', '/h'), ['/x/c.yaml', '/w/clouds.yaml', '/h/.config/openstack/clouds.yaml', '/etc/openstack/clouds.yaml']);
    assert.deepEqual(cloudsFileCandidates({}, '/w', '/h'), ['/w/clouds.yaml', '/h/.config/openstack/clouds.yaml', '/etc/openstack/clouds.yaml']);
  });
});

describe('resolveCloud from OS_* environment only', () => {
  const base = { OS_AUTH_URL: 'http://keystone.test:5000/v3', OS_USERNAME: 'alice', OS_PASSWORD: PASSWORD, OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_NAME: 'demo', OS_PROJECT_DOMAIN_NAME: 'Default' };
  const good: { name: string; env: Record<string, string>; check: (c: CloudConfig) => void }[] = [
    {
      name: 'password with project scope',
      env: base,
      check: (c) => {
        assert.equal(c.source, 'OS_* environment');
        assert.deepEqual(c.auth.method, { type: 'password', password: PASSWORD, username: 'alice', userDomainName: 'Default' });
        assert.deepEqual(c.auth.scope, { projectName: 'demo', projectDomainName: 'Default' });
      },
    },
    {
      name: 'legacy OS_TENANT_NAME and OS_DOMAIN_NAME',
      env: { OS_AUTH_URL: 'http://k/v3', OS_USERNAME: 'alice', OS_PASSWORD: PASSWORD, OS_DOMAIN_NAME: 'Users', OS_TENANT_NAME: 'demo' },
      check: (c) => {
        assert.deepEqual(c.auth.method, { type: 'password', password: PASSWORD, username: 'alice', userDomainName: 'Users' });
        assert.deepEqual(c.auth.scope, { projectName: 'demo', projectDomainName: 'Users' });
      },
    },
    {
      name: 'domain scope when no project is set',
      env: { OS_AUTH_URL: 'http://k/v3', OS_USER_ID: 'u-1', OS_PASSWORD: PASSWORD, OS_DOMAIN_ID: 'd-1' },
      check: (c) => assert.deepEqual(c.auth.scope, { domainId: 'd-1' }),
    },
    {
      name: 'unscoped when nothing is set',
      env: { OS_AUTH_URL: 'http://k/v3', OS_USER_ID: 'u-1', OS_PASSWORD: PASSWORD },
      check: (c) => assert.equal(c.auth.scope, undefined),
    },
    {
      name: 'application credential by id (OS_AUTH_TYPE); project variables are ignored',
      env: { ...base, OS_AUTH_TYPE: 'v3applicationcredential', OS_APPLICATION_CREDENTIAL_ID: 'ac-1', OS_APPLICATION_CREDENTIAL_SECRET: AC_SECRET },
      check: (c) => {
        assert.equal(c.auth.method.type, 'applicationCredential');
        assert.equal(c.auth.method.type === 'applicationCredential' ? c.auth.method.id : '', 'ac-1');
        assert.equal(c.auth.scope, undefined);
      },
    },
    {
      name: 'application credential by name + user, inferred from the secret',
      env: { OS_AUTH_URL: 'http://k/v3', OS_APPLICATION_CREDENTIAL_NAME: 'ci', OS_APPLICATION_CREDENTIAL_SECRET: AC_SECRET, OS_USERNAME: 'alice', OS_USER_DOMAIN_ID: 'default' },
      check: (c) => assert.deepEqual(c.auth.method, { type: 'applicationCredential', secret: AC_SECRET, name: 'ci', username: 'alice', userDomainId: 'default' }),
    },
    {
      name: 'token auth',
      env: { OS_AUTH_URL: 'http://k/v3', OS_AUTH_TYPE: 'v3token', OS_TOKEN: 'tok', OS_PROJECT_ID: 'p' },
      check: (c) => {
        assert.deepEqual(c.auth.method, { type: 'token', token: 'tok' });
        assert.deepEqual(c.auth.scope, { projectId: 'p' });
      },
    },
    {
      name: 'interface publicURL, region, cacert and OS_INSECURE',
      env: { ...base, OS_INTERFACE: 'publicURL', OS_REGION_NAME: 'R1', OS_CACERT: '/ca.pem', OS_INSECURE: 'TRUE' },
      check: (c) => {
        assert.equal(c.auth.interface, 'public');
        assert.equal(c.auth.regionName, 'R1');
        assert.equal(c.caFile, '/ca.pem');
        assert.equal(c.insecure, true);
      },
    },
  ];
  for (const c of good) {
    it(c.name, () => c.check(resolveCloud({ env: c.env, cwd: '/nowhere', home: '/nohome' })));
  }

  const bad: { name: string; env: Record<string, string>; message: RegExp }[] = [
    { name: 'no OS_AUTH_URL', env: { OS_USERNAME: 'alice', OS_PASSWORD: PASSWORD }, message: /^no OpenStack credentials: set OS_CLOUD/ },
    { name: 'no password', env: { ...base, OS_PASSWORD: '' }, message: /^OS_\* environment: password \(OS_PASSWORD\) is required for password auth$/ },
    { name: 'no user', env: { OS_AUTH_URL: 'http://k/v3', OS_PASSWORD: PASSWORD }, message: /^OS_\* environment: username or user_id is required$/ },
    { name: 'no user domain', env: { OS_AUTH_URL: 'http://k/v3', OS_USERNAME: 'alice', OS_PASSWORD: PASSWORD }, message: /^OS_\* environment: user_domain_name or user_domain_id is required with username$/ },
    { name: 'no project domain', env: { OS_AUTH_URL: 'http://k/v3', OS_USER_ID: 'u', OS_PASSWORD: PASSWORD, OS_PROJECT_NAME: 'demo' }, message: /project_domain_name or project_domain_id is required with project_name$/ },
    { name: 'application credential without a secret', env: { OS_AUTH_URL: 'http://k/v3', OS_AUTH_TYPE: 'v3applicationcredential', OS_APPLICATION_CREDENTIAL_ID: 'ac' }, message: /application_credential_secret is required/ },
    { name: 'application credential without id or name', env: { OS_AUTH_URL: 'http://k/v3', OS_APPLICATION_CREDENTIAL_SECRET: AC_SECRET }, message: /application_credential_id or application_credential_name is required/ },
    { name: 'token auth without a token', env: { OS_AUTH_URL: 'http://k/v3', OS_AUTH_TYPE: 'token' }, message: /token \(OS_TOKEN\) is required/ },
    { name: 'unsupported OS_AUTH_TYPE', env: { ...base, OS_AUTH_TYPE: 'v3totp' }, message: /auth_type "v3totp" is not supported/ },
    { name: 'bad OS_INTERFACE', env: { ...base, OS_INTERFACE: 'privateURL' }, message: /interface "private" must be public, internal or admin/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}, never showing the password`, () => {
      refuses(() => resolveCloud({ env: c.env, cwd: '/nowhere', home: '/nohome' }), c.message);
    });
  }
});
