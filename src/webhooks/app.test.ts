import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ManualClock } from '../lib/clock.js';
import { createLogger } from '../telemetry/logger.js';
import { createRegistry } from '../telemetry/metrics.js';
import type { Decision } from '../domain/authz/request.js';
import { KeystoneAuthenticator, type ValidatedToken } from './authenticator.js';
import { buildWebhookApp } from './app.js';
import type { NamespaceLookup, PolicyEvaluator } from './authorizer.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const GOOD = '0123456789abcdef0123456789abcdef';
const BAD = 'ffffffffffffffffffffffffffffffff';
const DOWN = 'dddddddddddddddddddddddddddddddd';
const MAX_BODY = 4096;

const nullStream = new Writable({ write: (_chunk, _enc, cb) => cb() });

class FakeNamespaces implements NamespaceLookup {
  synced = false;
  projectOf(ns: string): string | undefined {
    return ({ 'team-a': 'pid-demo', 'team-b': 'pid-other' } as Record<string, string | undefined>)[ns];
  }
}

interface Harness {
  app: FastifyInstance;
  namespaces: FakeNamespaces;
  validatorCalls: string[];
}

function harness(policy?: PolicyEvaluator): Harness {
  const validatorCalls: string[] = [];
  const facts: ValidatedToken = {
    user: { id: 'uid-alice', name: 'alice', domain: { id: 'default', name: 'Default' } },
    project: { id: 'pid-demo', name: 'demo', domain: { id: 'default', name: 'Default' } },
    roles: ['member'],
    groupNames: ['devs'],
    expiresAt: T0 + 3_600_000,
  };
  const authenticator = new KeystoneAuthenticator({
    clock: new ManualClock(T0),
    cacheMaxTtlMs: 300_000,
    cacheMaxEntries: 100,
    validator: {
      validate(token) {
        validatorCalls.push(token);
        if (token === GOOD) return Promise.resolve(facts);
        if (token === DOWN) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5000'));
        return Promise.resolve(undefined);
      },
    },
  });
  const namespaces = new FakeNamespaces();
  const app = buildWebhookApp({
    logger: createLogger({ name: 'test', level: 'info', destination: nullStream }),
    registry: createRegistry({ defaultMetrics: false }),
    authenticator,
    maxBodyBytes: MAX_BODY,
    authorizer: { namespaces, clusterAdminProjects: ['admin'], clusterAdminRole: 'admin', tenantRules: true, policy },
  });
  return { app, namespaces, validatorCalls };
}

const tokenReview = (apiVersion: string, token: string): Record<string, unknown> => ({ apiVersion, kind: 'TokenReview', spec: { token } });

function sar(apiVersion: string, resourceAttributes: Record<string, string>): Record<string, unknown> {
  const groupsField = apiVersion.endsWith('v1beta1') ? 'group' : 'groups';
  return {
    apiVersion, kind: 'SubjectAccessReview',
    spec: {
      user: 'alice', uid: 'uid-alice', [groupsField]: ['devs', 'pid-demo', 'system:authenticated'],
      extra: {
        'alpha.kubernetes.io/identity/roles': ['member'],
        'alpha.kubernetes.io/identity/project/id': ['pid-demo'],
        'alpha.kubernetes.io/identity/project/name': ['demo'],
        'alpha.kubernetes.io/identity/user/domain/id': ['default'],
        'alpha.kubernetes.io/identity/user/domain/name': ['Default'],
        'stackube.kubernetes.io/identity/project/domain/name': ['Default'],
      },
      resourceAttributes,
    },
  };
}

function json(body: string): Record<string, unknown> {
  return JSON.parse(body) as Record<string, unknown>;
}

describe('webhook app', () => {
  let h: Harness;
  before(async () => {
    h = harness();
    await h.app.ready();
  });
  after(async () => {
    await h.app.close();
  });

  describe('request errors', () => {
    const cases: { name: string; url: string; payload: string | Buffer; contentType?: string; status: number; error: RegExp; code: string }[] = [
      { name: 'malformed JSON', url: '/authenticate', payload: '{"apiVersion": ', status: 400, error: /^the body is not valid JSON: /, code: 'STACKUBE_ERR_INPUT_INVALID' },
      { name: 'malformed JSON on /authorize', url: '/authorize', payload: 'nul', status: 400, error: /^the body is not valid JSON: /, code: 'STACKUBE_ERR_INPUT_INVALID' },
      { name: 'empty JSON body', url: '/authenticate', payload: '', status: 400, error: /^the body is not valid JSON: /, code: 'STACKUBE_ERR_INPUT_INVALID' },
      { name: 'wrong apiVersion', url: '/authenticate', payload: JSON.stringify(tokenReview('authentication.k8s.io/v2', GOOD)), status: 400, error: /^apiVersion "authentication\.k8s\.io\/v2" is not supported for TokenReview/, code: 'STACKUBE_ERR_INPUT_INVALID' },
      { name: 'TokenReview sent to /authorize', url: '/authorize', payload: JSON.stringify(tokenReview('authentication.k8s.io/v1', GOOD)), status: 400, error: /is not supported for SubjectAccessReview/, code: 'STACKUBE_ERR_INPUT_INVALID' },
      { name: 'missing spec.token', url: '/authenticate', payload: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: {} }), status: 400, error: /^spec\.token is required/, code: 'STACKUBE_ERR_INPUT_INVALID' },
      { name: 'missing spec', url: '/authorize', payload: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview' }), status: 400, error: /^spec must be an object$/, code: 'STACKUBE_ERR_INPUT_INVALID' },
      { name: 'missing attributes', url: '/authorize', payload: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'alice' } }), status: 400, error: /^exactly one of spec\.resourceAttributes/, code: 'STACKUBE_ERR_INPUT_INVALID' },
      { name: 'oversized body', url: '/authenticate', payload: JSON.stringify(tokenReview('authentication.k8s.io/v1', 'a'.repeat(MAX_BODY + 1))), status: 413, error: new RegExp(`^request body larger than ${MAX_BODY} bytes$`), code: 'STACKUBE_ERR_INPUT_TOO_LARGE' },
      { name: 'wrong content-type', url: '/authenticate', payload: 'token=abc', contentType: 'application/x-www-form-urlencoded', status: 415, error: /^Content-Type must be application\/json$/, code: 'STACKUBE_ERR_INPUT_MEDIA_TYPE' },
      { name: 'text/plain content-type', url: '/authorize', payload: '{}', contentType: 'text/plain', status: 415, error: /^Content-Type must be application\/json$/, code: 'STACKUBE_ERR_INPUT_MEDIA_TYPE' },
    ];
    for (const c of cases) {
      it(`${c.name} → ${c.status}`, async () => {
        const res = await h.app.inject({ method: 'POST', url: c.url, payload: c.payload, headers: { 'content-type': c.contentType ?? 'application/json' } });
        assert.equal(res.statusCode, c.status, res.body);
        const body = json(res.body);
        assert.match(String(body['error']), c.error);
        assert.equal(body['code'], c.code);
      });
    }

    it('a bad request never echoes the token', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/authenticate', payload: { apiVersion: 'authentication.k8s.io/v1', kind: 'Nope', spec: { token: GOOD } } });
      assert.equal(res.statusCode, 400);
      assert.ok(!res.body.includes(GOOD));
    });
  });

  describe('TokenReview', () => {
    for (const apiVersion of ['authentication.k8s.io/v1', 'authentication.k8s.io/v1beta1']) {
      it(`a good ${apiVersion} review → 200, authenticated, same apiVersion`, async () => {
        const res = await h.app.inject({ method: 'POST', url: '/authenticate', payload: tokenReview(apiVersion, GOOD) });
        assert.equal(res.statusCode, 200);
        const body = json(res.body);
        assert.equal(body['apiVersion'], apiVersion);
        assert.equal(body['kind'], 'TokenReview');
        const status = body['status'] as { authenticated: boolean; user: { username: string; groups: string[]; extra: Record<string, string[]> } };
        assert.equal(status.authenticated, true);
        assert.equal(status.user.username, 'alice');
        assert.deepEqual(status.user.groups, ['devs', 'pid-demo', 'stackube:pid-demo:member']);
        assert.deepEqual(status.user.extra['alpha.kubernetes.io/identity/project/id'], ['pid-demo']);
        // The reply never echoes the token.
        assert.ok(!res.body.includes(GOOD));
      });
    }

    const refusals: { name: string; token: string; error: RegExp }[] = [
      { name: 'invalid token', token: BAD, error: /invalid, expired or revoked/ },
      { name: 'Keystone down', token: DOWN, error: /^Keystone could not validate the token: / },
      { name: 'service-account-like token', token: 'abcdef.0123456789abcdef', error: /^not a Keystone token: / },
    ];
    for (const c of refusals) {
      it(`${c.name} → 200 with authenticated:false and a reason`, async () => {
        const res = await h.app.inject({ method: 'POST', url: '/authenticate', payload: tokenReview('authentication.k8s.io/v1', c.token) });
        assert.equal(res.statusCode, 200);
        const status = json(res.body)['status'] as { authenticated: boolean; error: string; user?: unknown };
        assert.equal(status.authenticated, false);
        assert.equal(status.user, undefined);
        assert.match(status.error, c.error);
        assert.ok(!status.error.includes(c.token));
      });
    }
  });

  describe('SubjectAccessReview', () => {
    for (const apiVersion of ['authorization.k8s.io/v1', 'authorization.k8s.io/v1beta1']) {
      it(`a good ${apiVersion} review → 200 with the same apiVersion`, async () => {
        h.namespaces.synced = true;
        const res = await h.app.inject({ method: 'POST', url: '/authorize', payload: sar(apiVersion, { verb: 'get', resource: 'pods', namespace: 'team-a' }) });
        assert.equal(res.statusCode, 200, res.body);
        const body = json(res.body);
        assert.equal(body['apiVersion'], apiVersion);
        assert.equal(body['kind'], 'SubjectAccessReview');
        assert.equal((body['status'] as Decision).allowed, true);
      });
    }

    it('another project\'s namespace → no opinion (allowed:false, no denied)', async () => {
      h.namespaces.synced = true;
      const res = await h.app.inject({ method: 'POST', url: '/authorize', payload: sar('authorization.k8s.io/v1', { verb: 'get', resource: 'pods', namespace: 'team-b' }) });
      const status = json(res.body)['status'] as Decision;
      assert.equal(status.allowed, false);
      assert.equal(status.denied, undefined);
    });

    it('a namespaced request before the namespace directory synced is denied', async () => {
      h.namespaces.synced = false;
      const res = await h.app.inject({ method: 'POST', url: '/authorize', payload: sar('authorization.k8s.io/v1', { verb: 'get', resource: 'pods', namespace: 'team-a' }) });
      const status = json(res.body)['status'] as Decision;
      assert.deepEqual([status.allowed, status.denied], [false, true]);
    });
  });

  describe('health and metrics', () => {
    it('/healthz → 200', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(json(res.body), { status: 'ok' });
    });

    it('/readyz is 503 until the namespace lookup has synced, then 200', async () => {
      h.namespaces.synced = false;
      const before = await h.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(before.statusCode, 503);
      assert.equal(json(before.body)['namespaces'], 'not synced');
      h.namespaces.synced = true;
      const after = await h.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(after.statusCode, 200);
      assert.equal(json(after.body)['status'], 'ready');
    });

    it('/metrics exposes the request counter with outcomes', async () => {
      await h.app.inject({ method: 'POST', url: '/authenticate', payload: tokenReview('authentication.k8s.io/v1', GOOD) });
      const res = await h.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain/);
      assert.match(res.body, /^# TYPE stackube_webhook_requests_total counter$/m);
      assert.match(res.body, /^stackube_webhook_requests_total\{endpoint="\/authenticate",outcome="(authenticated|authenticated_cached)"\} \d+$/m);
      assert.match(res.body, /^stackube_webhook_requests_total\{endpoint="\/authenticate",outcome="bad_request"\} \d+$/m);
      assert.match(res.body, /^stackube_webhook_token_cache_entries 1$/m);
      assert.match(res.body, /stackube_webhook_request_duration_seconds_bucket/);
    });
  });
});

describe('webhook app: fail closed', () => {
  const throwing: PolicyEvaluator = () => {
    throw new Error('policy evaluator bug');
  };

  it('an authorizer evaluation that throws → 200, allowed:false, denied:true', async () => {
    const h = harness(throwing);
    try {
      h.namespaces.synced = true;
      const res = await h.app.inject({ method: 'POST', url: '/authorize', payload: sar('authorization.k8s.io/v1beta1', { verb: 'get', resource: 'pods', namespace: 'team-a' }) });
      assert.equal(res.statusCode, 200);
      const body = json(res.body);
      assert.equal(body['apiVersion'], 'authorization.k8s.io/v1beta1');
      const status = body['status'] as Decision & { evaluationError?: string };
      assert.equal(status.allowed, false);
      assert.equal(status.denied, true);
      assert.equal(status.evaluationError, 'policy evaluator bug');
      const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /stackube_webhook_requests_total\{endpoint="\/authorize",outcome="denied"\} 1/);
    } finally {
      await h.app.close();
    }
  });

  it('an authenticator that throws → 500 with a generic message', async () => {
    const h = harness();
    try {
      const broken = Object.create(KeystoneAuthenticator.prototype) as KeystoneAuthenticator;
      Object.defineProperty(broken, 'authenticate', { value: () => Promise.reject(new Error(`internal ${GOOD}`)) });
      const app = buildWebhookApp({
        logger: createLogger({ name: 'test', level: 'info', destination: nullStream }),
        registry: createRegistry({ defaultMetrics: false }),
        authenticator: broken,
        maxBodyBytes: MAX_BODY,
        authorizer: { namespaces: h.namespaces, clusterAdminProjects: [], clusterAdminRole: 'admin', tenantRules: false },
      });
      const res = await app.inject({ method: 'POST', url: '/authenticate', payload: tokenReview('authentication.k8s.io/v1', GOOD) });
      await app.close();
      assert.equal(res.statusCode, 500);
      assert.deepEqual(json(res.body), { error: 'internal error; the review is refused', code: 'STACKUBE_ERR_WEBHOOK_INTERNAL' });
    } finally {
      await h.app.close();
    }
  });
});
