// Foundation + identity, end to end: real kube-apiserver → stackube-webhook → real Keystone, driven by real kubectl.
// Needs the cloud from hack/up.sh (hack/test-integration.sh starts it).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../src/lib/clock.js';
import { createOpenStackClient } from '../../src/openstack/core/client.js';
import { revokeToken } from '../../src/openstack/keystone/tokens.js';
import { createApplicationCredential, deleteApplicationCredential } from '../../src/openstack/keystone/application-credentials.js';
import {
  ROOT, STATE, cloud, eventually, freshToken, hack, kubectl, login, run, webhookGet, webhookPost,
} from './harness.js';

const suffix = randomBytes(3).toString('hex');
const users: Record<string, { kubeconfig: string; env: NodeJS.ProcessEnv }> = {};
const as = (name: string, args: string[]): ReturnType<typeof kubectl> => kubectl(args, users[name] as { kubeconfig: string; env: NodeJS.ProcessEnv });

function forbidden(r: { code: number; stderr: string }): void {
  assert.notEqual(r.code, 0, 'expected kubectl to fail');
  assert.match(r.stderr, /forbidden/i, r.stderr);
}
function unauthorized(r: { code: number; stderr: string }): void {
  assert.notEqual(r.code, 0, 'expected kubectl to fail');
  assert.match(r.stderr, /Unauthorized|must be logged in/, r.stderr);
}
function ok(r: { code: number; stdout: string; stderr: string }): void {
  assert.equal(r.code, 0, `kubectl failed: ${r.stderr}`);
}

async function openstackCalls(): Promise<number> {
  const m = await webhookGet('/metrics');
  let n = 0;
  for (const line of m.body.split('\n')) if (line.startsWith('stackube_openstack_request_duration_seconds_count')) n += Number(line.split(' ').pop());
  return n;
}

describe('Keystone login for kubectl (real kube-apiserver, webhook and Keystone)', () => {
  before(async () => {
    for (const u of ['alice', 'bob', 'carol', 'dave']) users[u] = await login(u);
  });

  it('a member of project A creates and lists ConfigMaps in A but not in B', async () => {
    ok(await as('alice', ['-n', 'alpha', 'create', 'configmap', `it-alice-${suffix}`, '--from-literal=k=v']));
    const list = await as('alice', ['-n', 'alpha', 'get', 'configmaps', '-o', 'name']);
    ok(list);
    assert.match(list.stdout, new RegExp(`configmap/it-alice-${suffix}`));
    const other = await as('alice', ['-n', 'beta', 'get', 'configmaps']);
    forbidden(other);
    assert.match(other.stderr, /belongs to another project/);
    forbidden(await as('alice', ['-n', 'beta', 'create', 'configmap', `it-alice-${suffix}`]));
  });

  it('a member of B cannot touch A, and can work in B', async () => {
    forbidden(await as('dave', ['-n', 'alpha', 'get', 'configmaps']));
    ok(await as('dave', ['-n', 'beta', 'create', 'configmap', `it-dave-${suffix}`]));
    ok(await as('dave', ['-n', 'beta', 'delete', 'configmap', `it-dave-${suffix}`]));
  });

  it('a reader can read but not write', async () => {
    ok(await as('bob', ['-n', 'alpha', 'get', 'configmap', `it-alice-${suffix}`]));
    forbidden(await as('bob', ['-n', 'alpha', 'create', 'configmap', `it-bob-${suffix}`]));
    forbidden(await as('bob', ['-n', 'alpha', 'delete', 'configmap', `it-alice-${suffix}`]));
    forbidden(await as('bob', ['-n', 'alpha', 'get', 'secrets']));
  });

  it('an admin of A is admin in A only', async () => {
    ok(await as('carol', ['-n', 'alpha', 'create', 'role', `it-role-${suffix}`, '--verb=get', '--resource=configmaps']));
    ok(await as('carol', ['-n', 'alpha', 'create', 'rolebinding', `it-rb-${suffix}`, `--role=it-role-${suffix}`, '--user=bob']));
    forbidden(await as('alice', ['-n', 'alpha', 'create', 'role', `it-role2-${suffix}`, '--verb=get', '--resource=configmaps']));
    forbidden(await as('carol', ['-n', 'beta', 'get', 'configmaps']));
    forbidden(await as('carol', ['-n', 'beta', 'create', 'role', `it-role-${suffix}`, '--verb=get', '--resource=configmaps']));
    forbidden(await as('carol', ['get', 'nodes']));
    forbidden(await as('carol', ['create', 'namespace', `it-ns-${suffix}`]));
    ok(await as('carol', ['-n', 'alpha', 'delete', 'rolebinding', `it-rb-${suffix}`]));
    ok(await as('carol', ['-n', 'alpha', 'delete', 'role', `it-role-${suffix}`]));
    ok(await as('alice', ['-n', 'alpha', 'delete', 'configmap', `it-alice-${suffix}`]));
  });

  it('the Keystone admin (admin project) is a cluster admin', async () => {
    const t = await freshToken(cloud('admin'));
    ok(await kubectl(['get', 'namespaces'], { token: t.id }));
  });

  it('refuses a garbage token, and a JWT-shaped token never reaches Keystone', async () => {
    unauthorized(await kubectl(['-n', 'alpha', 'get', 'configmaps'], { token: 'garbage' }));
    unauthorized(await kubectl(['-n', 'alpha', 'get', 'configmaps'], { token: 'x'.repeat(183) }));
    const jwt = ['{"alg":"RS256","kid":"k"}', '{"iss":"kubernetes/serviceaccount","sub":"system:serviceaccount:default:x"}', 'sig']
      .map((p, i) => (i < 2 ? Buffer.from(p).toString('base64url') : p)).join('.');
    const before = await openstackCalls();
    unauthorized(await kubectl(['-n', 'alpha', 'get', 'configmaps'], { token: jwt }));
    const r = await webhookPost('/authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: jwt } });
    assert.equal(r.status, 200);
    const status = (JSON.parse(r.body) as { status: { authenticated?: boolean; error?: string } }).status;
    assert.equal(status.authenticated, false);
    assert.match(status.error ?? '', /not a Keystone token/);
    assert.equal(await openstackCalls(), before, 'a JWT-shaped token must not cause any Keystone call');
  });

  it('refuses a revoked token', async () => {
    const t = await freshToken(cloud('alice'));
    const admin = createOpenStackClient({ cloud: cloud('admin'), clock: systemClock, sleep: (ms) => sleep(ms) });
    try {
      await revokeToken(admin.service('identity'), t.id);
    } finally {
      await admin.close();
    }
    unauthorized(await kubectl(['-n', 'alpha', 'get', 'configmaps'], { token: t.id }));
  });

  it('accepts an application credential, and refuses its token once expired', async () => {
    const alice = createOpenStackClient({ cloud: cloud('alice'), clock: systemClock, sleep: (ms) => sleep(ms) });
    const me = await alice.session.token();
    const expires = new Date(Date.now() + 6_000);
    const ac = await createApplicationCredential(alice.service('identity'), me.body.token.user.id, {
      name: `it-ac-${suffix}`, expires_at: expires.toISOString().replace(/\.\d+Z$/, ''),
    });
    try {
      const env = { OS_AUTH_URL: 'http://127.0.0.1:5000/v3', OS_AUTH_TYPE: 'v3applicationcredential', OS_APPLICATION_CREDENTIAL_ID: ac.id,
        OS_APPLICATION_CREDENTIAL_SECRET: ac.secret ?? '', OS_CLOUD: '', XDG_CACHE_HOME: join(STATE, 'no-such-cache') };
      const cred = await run(process.execPath, [join(ROOT, 'dist/src/cmd/stackube.js'), 'credential', '--no-cache'], env);
      assert.equal(cred.code, 0, cred.stderr);
      const ec = JSON.parse(cred.stdout) as { kind: string; status: { token: string; expirationTimestamp: string } };
      assert.equal(ec.kind, 'ExecCredential');
      assert.ok(Date.parse(ec.status.expirationTimestamp) <= expires.getTime() + 1000, 'Keystone caps the token at the credential expiry');
      ok(await kubectl(['-n', 'alpha', 'get', 'configmaps'], { token: ec.status.token }));
      // Just past the expiry our webhook refuses it, although it was cached a moment ago (the cache never
      // outlives a token; Keystone itself still accepts it for up to a second).
      const expiry = Date.parse(ec.status.expirationTimestamp);
      await sleep(Math.max(0, expiry - Date.now()) + 300);
      const r = await webhookPost('/authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: ec.status.token } });
      const status = (JSON.parse(r.body) as { status: { authenticated?: boolean; error?: string } }).status;
      assert.equal(status.authenticated, false);
      assert.match(status.error ?? '', /expired/);
      // kube-apiserver keeps every successful token authentication for 10 s whatever the webhook cache TTL
      // (TokenSuccessCacheTTL, not a flag in 1.32); past that, kubectl is refused too.
      await sleep(Math.max(0, expiry + 10_500 - Date.now()));
      unauthorized(await kubectl(['-n', 'alpha', 'get', 'configmaps'], { token: ec.status.token }));
    } finally {
      await deleteApplicationCredential(alice.service('identity'), me.body.token.user.id, ac.id);
      await alice.close();
    }
  });

  it('with Keystone stopped, new tokens are refused with a clear reason; it recovers when Keystone returns', async () => {
    const t = await freshToken(cloud('dave'));
    const stop = await hack('keystone-down.sh');
    assert.equal(stop.code, 0, stop.stderr);
    try {
      unauthorized(await kubectl(['-n', 'beta', 'get', 'configmaps'], { token: t.id }));
      const r = await webhookPost('/authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: t.id } });
      const status = (JSON.parse(r.body) as { status: { authenticated?: boolean; error?: string } }).status;
      assert.equal(status.authenticated, false);
      assert.match(status.error ?? '', /Keystone could not validate the token: .*unreachable/);
      assert.doesNotMatch(status.error ?? '', new RegExp(t.id), 'the reason must not contain the token');
      const failing = await run(process.execPath, [join(ROOT, 'dist/src/cmd/stackube.js'), 'credential', '--os-cloud', 'dave', '--no-cache'], { OS_CLIENT_CONFIG_FILE: join(STATE, 'clouds.yaml') });
      assert.equal(failing.code, 4, 'the credential plugin exits 4 (unreachable)');
      assert.match(failing.stderr, /unreachable/);
    } finally {
      const start = await hack('keystone-up.sh');
      assert.equal(start.code, 0, start.stderr);
    }
    assert.ok(await eventually(async () => (await kubectl(['-n', 'beta', 'get', 'configmaps'], { token: t.id })).code === 0, 60_000),
      'the webhook recovers once Keystone is back');
  });
});

describe('bad input to the real webhook gets a clear 4xx and never crashes it', () => {
  const pidFile = '/run/stackube/stackube-webhook.pid';
  let pid = 0;
  before(() => {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  });
  const cases: { name: string; path: string; raw?: string; body?: unknown; contentType?: string; status: number; message: RegExp }[] = [
    { name: 'malformed JSON', path: '/authenticate', raw: '{"apiVersion": ', status: 400, message: /not valid JSON/ },
    { name: 'wrong apiVersion', path: '/authenticate', body: { apiVersion: 'authentication.k8s.io/v2', kind: 'TokenReview', spec: { token: 'x' } }, status: 400, message: /apiVersion "authentication.k8s.io\/v2" is not supported/ },
    { name: 'wrong kind', path: '/authorize', body: { apiVersion: 'authorization.k8s.io/v1', kind: 'TokenReview', spec: {} }, status: 400, message: /kind must be "SubjectAccessReview"/ },
    { name: 'missing token', path: '/authenticate', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: {} }, status: 400, message: /spec.token is required/ },
    { name: 'missing spec', path: '/authorize', body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview' }, status: 400, message: /spec must be an object/ },
    { name: 'no attributes', path: '/authorize', body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'a' } }, status: 400, message: /exactly one of spec.resourceAttributes/ },
    { name: 'oversized body', path: '/authenticate', raw: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'a'.repeat(2 << 20) } }), status: 413, message: /larger than/ },
    { name: 'not JSON media type', path: '/authenticate', raw: 'token=abc', contentType: 'application/x-www-form-urlencoded', status: 415, message: /Content-Type/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await webhookPost(c.path, c.body, { ...(c.raw !== undefined ? { raw: c.raw } : {}), ...(c.contentType ? { contentType: c.contentType } : {}) });
      assert.equal(r.status, c.status, r.body);
      assert.match((JSON.parse(r.body) as { error: string }).error, c.message);
    });
  }
  after(async () => {
    assert.doesNotThrow(() => process.kill(pid, 0), 'the webhook process is still the same and alive');
    assert.equal((await webhookGet('/healthz')).status, 200);
  });
});
