import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../lib/errors.js';
import { parseSubjectAccessReview, parseTokenReview, subjectAccessReviewResponse, tokenReviewResponse } from './reviews.js';

const AUTHN_V1 = 'authentication.k8s.io/v1';
const AUTHN_V1B1 = 'authentication.k8s.io/v1beta1';
const AUTHZ_V1 = 'authorization.k8s.io/v1';
const AUTHZ_V1B1 = 'authorization.k8s.io/v1beta1';

function throwsValidation(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ValidationError, `expected a ValidationError, got ${String(e)}`);
    assert.match(e.message, message);
    assert.equal(e.code, 'STACKUBE_ERR_INPUT_INVALID');
    return true;
  });
}

describe('parseTokenReview', () => {
  const good: { name: string; body: unknown; want: ReturnType<typeof parseTokenReview> }[] = [
    { name: 'v1 with audiences', body: { apiVersion: AUTHN_V1, kind: 'TokenReview', spec: { token: 'abc', audiences: ['https://kubernetes.default.svc'] } }, want: { apiVersion: AUTHN_V1, token: 'abc', audiences: ['https://kubernetes.default.svc'] } },
    { name: 'v1beta1 without audiences', body: { apiVersion: AUTHN_V1B1, kind: 'TokenReview', metadata: { creationTimestamp: null }, spec: { token: 'abc' } }, want: { apiVersion: AUTHN_V1B1, token: 'abc', audiences: undefined } },
    { name: 'null audiences is an empty list', body: { apiVersion: AUTHN_V1, kind: 'TokenReview', spec: { token: 'abc', audiences: null } }, want: { apiVersion: AUTHN_V1, token: 'abc', audiences: [] } },
    { name: 'an empty token is parsed (the shape check refuses it later)', body: { apiVersion: AUTHN_V1, kind: 'TokenReview', spec: { token: '' } }, want: { apiVersion: AUTHN_V1, token: '', audiences: undefined } },
  ];
  for (const c of good) {
    it(`parses ${c.name}`, () => {
      assert.deepEqual(parseTokenReview(c.body), c.want);
    });
  }

  const bad: { name: string; body: unknown; message: RegExp }[] = [
    { name: 'body null', body: null, message: /^the request body must be an object$/ },
    { name: 'body a list', body: [], message: /^the request body must be an object$/ },
    { name: 'body a string', body: 'TokenReview', message: /^the request body must be an object$/ },
    { name: 'missing apiVersion', body: { kind: 'TokenReview', spec: { token: 'a' } }, message: /^apiVersion is required \(one of authentication\.k8s\.io\/v1, authentication\.k8s\.io\/v1beta1\)$/ },
    { name: 'apiVersion not a string', body: { apiVersion: 1, kind: 'TokenReview', spec: { token: 'a' } }, message: /^apiVersion is required/ },
    { name: 'unknown apiVersion', body: { apiVersion: 'authentication.k8s.io/v2', kind: 'TokenReview', spec: { token: 'a' } }, message: /^apiVersion "authentication\.k8s\.io\/v2" is not supported for TokenReview \(use one of authentication\.k8s\.io\/v1, authentication\.k8s\.io\/v1beta1\)$/ },
    { name: 'authorization apiVersion on a TokenReview', body: { apiVersion: AUTHZ_V1, kind: 'TokenReview', spec: { token: 'a' } }, message: /is not supported for TokenReview/ },
    { name: 'wrong kind', body: { apiVersion: AUTHN_V1, kind: 'SubjectAccessReview', spec: { token: 'a' } }, message: /^kind must be "TokenReview", got "SubjectAccessReview"$/ },
    { name: 'missing kind', body: { apiVersion: AUTHN_V1, spec: { token: 'a' } }, message: /^kind must be "TokenReview", got null$/ },
    { name: 'missing spec', body: { apiVersion: AUTHN_V1, kind: 'TokenReview' }, message: /^spec must be an object$/ },
    { name: 'spec a string', body: { apiVersion: AUTHN_V1, kind: 'TokenReview', spec: 'token' }, message: /^spec must be an object$/ },
    { name: 'missing spec.token', body: { apiVersion: AUTHN_V1, kind: 'TokenReview', spec: {} }, message: /^spec\.token is required and must be a string$/ },
    { name: 'spec.token a number', body: { apiVersion: AUTHN_V1, kind: 'TokenReview', spec: { token: 12345 } }, message: /^spec\.token is required and must be a string$/ },
    { name: 'spec.token a list', body: { apiVersion: AUTHN_V1, kind: 'TokenReview', spec: { token: ['a'] } }, message: /^spec\.token is required and must be a string$/ },
    { name: 'spec.audiences not a list', body: { apiVersion: AUTHN_V1, kind: 'TokenReview', spec: { token: 'a', audiences: 'aud' } }, message: /^spec\.audiences must be a list of strings$/ },
    { name: 'spec.audiences with a number', body: { apiVersion: AUTHN_V1, kind: 'TokenReview', spec: { token: 'a', audiences: ['x', 1] } }, message: /^spec\.audiences must be a list of strings$/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}`, () => throwsValidation(() => parseTokenReview(c.body), c.message));
  }

  it('never puts the token in an error message', () => {
    const token = 'gAAAAAsecret-token-value';
    for (const body of [{ apiVersion: 'x', kind: 'TokenReview', spec: { token } }, { apiVersion: AUTHN_V1, kind: 'Nope', spec: { token } }]) {
      assert.throws(() => parseTokenReview(body), (e: Error) => !e.message.includes(token));
    }
  });
});

describe('parseSubjectAccessReview', () => {
  const ra = { namespace: 'team-a', verb: 'get', group: 'apps', version: 'v1', resource: 'deployments', subresource: 'scale', name: 'web' };
  const extra = { 'alpha.kubernetes.io/identity/roles': ['member'] };

  it('v1 uses spec.groups', () => {
    const r = parseSubjectAccessReview({ apiVersion: AUTHZ_V1, kind: 'SubjectAccessReview', spec: { user: 'alice', uid: 'u1', groups: ['g1', 'system:authenticated'], extra, resourceAttributes: ra } });
    assert.equal(r.apiVersion, AUTHZ_V1);
    assert.deepEqual(r.request, { subject: { user: 'alice', uid: 'u1', groups: ['g1', 'system:authenticated'], extra }, resource: ra });
  });

  it('v1beta1 uses spec.group', () => {
    const r = parseSubjectAccessReview({ apiVersion: AUTHZ_V1B1, kind: 'SubjectAccessReview', spec: { user: 'alice', group: ['g1'], extra, resourceAttributes: ra } });
    assert.equal(r.apiVersion, AUTHZ_V1B1);
    assert.deepEqual(r.request.subject.groups, ['g1']);
    assert.equal(r.request.subject.uid, '');
  });

  const wrongField: { name: string; apiVersion: string; spec: Record<string, unknown> }[] = [
    { name: 'v1beta1 ignores spec.groups (the v1 name)', apiVersion: AUTHZ_V1B1, spec: { user: 'alice', groups: ['g1'] } },
    { name: 'v1 ignores spec.group (the v1beta1 name)', apiVersion: AUTHZ_V1, spec: { user: 'alice', group: ['g1'] } },
  ];
  for (const c of wrongField) {
    it(c.name, () => {
      const r = parseSubjectAccessReview({ apiVersion: c.apiVersion, kind: 'SubjectAccessReview', spec: { ...c.spec, resourceAttributes: { verb: 'get' } } });
      assert.deepEqual(r.request.subject.groups, []);
    });
  }

  it('missing resource attributes become empty strings; absent extra becomes {}', () => {
    const r = parseSubjectAccessReview({ apiVersion: AUTHZ_V1, kind: 'SubjectAccessReview', spec: { user: 'alice', resourceAttributes: { verb: 'list', resource: 'nodes' } } });
    assert.deepEqual(r.request, {
      subject: { user: 'alice', uid: '', groups: [], extra: {} },
      resource: { verb: 'list', resource: 'nodes', namespace: '', group: '', version: '', subresource: '', name: '' },
    });
  });

  it('groups alone (no user) are enough', () => {
    const r = parseSubjectAccessReview({ apiVersion: AUTHZ_V1, kind: 'SubjectAccessReview', spec: { groups: ['system:nodes'], resourceAttributes: { verb: 'get' } } });
    assert.equal(r.request.subject.user, '');
  });

  it('non-resource attributes', () => {
    const r = parseSubjectAccessReview({ apiVersion: AUTHZ_V1B1, kind: 'SubjectAccessReview', spec: { user: 'alice', group: [], extra: null, nonResourceAttributes: { path: '/healthz', verb: 'get' }, resourceAttributes: null } });
    assert.deepEqual(r.request, { subject: { user: 'alice', uid: '', groups: [], extra: {} }, nonResource: { path: '/healthz', verb: 'get' } });
  });

  const sar = (spec: unknown, apiVersion: string = AUTHZ_V1): unknown => ({ apiVersion, kind: 'SubjectAccessReview', spec });
  const ok = { user: 'alice', resourceAttributes: { verb: 'get' } };
  const bad: { name: string; body: unknown; message: RegExp }[] = [
    { name: 'body null', body: null, message: /^the request body must be an object$/ },
    { name: 'missing apiVersion', body: { kind: 'SubjectAccessReview', spec: ok }, message: /^apiVersion is required \(one of authorization\.k8s\.io\/v1, authorization\.k8s\.io\/v1beta1\)$/ },
    { name: 'authentication apiVersion', body: sar(ok, AUTHN_V1), message: /^apiVersion "authentication\.k8s\.io\/v1" is not supported for SubjectAccessReview/ },
    { name: 'unknown apiVersion', body: sar(ok, 'authorization.k8s.io/v1alpha1'), message: /is not supported for SubjectAccessReview/ },
    { name: 'wrong kind', body: { apiVersion: AUTHZ_V1, kind: 'TokenReview', spec: ok }, message: /^kind must be "SubjectAccessReview", got "TokenReview"$/ },
    { name: 'LocalSubjectAccessReview kind', body: { apiVersion: AUTHZ_V1, kind: 'LocalSubjectAccessReview', spec: ok }, message: /^kind must be "SubjectAccessReview"/ },
    { name: 'missing spec', body: { apiVersion: AUTHZ_V1, kind: 'SubjectAccessReview' }, message: /^spec must be an object$/ },
    { name: 'neither resource nor non-resource attributes', body: sar({ user: 'alice' }), message: /^exactly one of spec\.resourceAttributes and spec\.nonResourceAttributes is required$/ },
    { name: 'both resource and non-resource attributes', body: sar({ user: 'alice', resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/', verb: 'get' } }), message: /^exactly one of spec\.resourceAttributes and spec\.nonResourceAttributes is required$/ },
    { name: 'no user and no groups (v1)', body: sar({ resourceAttributes: { verb: 'get' } }), message: /^spec\.user or spec\.groups is required$/ },
    { name: 'no user and no group (v1beta1 names its own field)', body: sar({ groups: ['g'], resourceAttributes: { verb: 'get' } }, AUTHZ_V1B1), message: /^spec\.user or spec\.group is required$/ },
    { name: 'user not a string', body: sar({ user: 7, resourceAttributes: { verb: 'get' } }), message: /^spec\.user must be a string$/ },
    { name: 'uid not a string', body: sar({ user: 'a', uid: {}, resourceAttributes: { verb: 'get' } }), message: /^spec\.uid must be a string$/ },
    { name: 'v1 groups not a list', body: sar({ user: 'a', groups: 'g', resourceAttributes: { verb: 'get' } }), message: /^spec\.groups must be a list of strings$/ },
    { name: 'v1beta1 group not a list', body: sar({ user: 'a', group: 'g', resourceAttributes: { verb: 'get' } }, AUTHZ_V1B1), message: /^spec\.group must be a list of strings$/ },
    { name: 'extra a list', body: sar({ ...ok, extra: [['a']] }), message: /^spec\.extra must be an object$/ },
    { name: 'extra a string', body: sar({ ...ok, extra: 'roles' }), message: /^spec\.extra must be an object$/ },
    { name: 'extra value a string', body: sar({ ...ok, extra: { roles: 'member' } }), message: /^spec\.extra\["roles"\] must be a list of strings$/ },
    { name: 'extra value with a number', body: sar({ ...ok, extra: { roles: ['member', 1] } }), message: /^spec\.extra\["roles"\] must be a list of strings$/ },
    { name: 'extra value an object', body: sar({ ...ok, extra: { roles: { a: 'b' } } }), message: /^spec\.extra\["roles"\] must be a list of strings$/ },
    { name: 'resourceAttributes a list', body: sar({ user: 'a', resourceAttributes: ['get'] }), message: /^spec\.resourceAttributes must be an object$/ },
    { name: 'resourceAttributes without verb', body: sar({ user: 'a', resourceAttributes: { resource: 'pods' } }), message: /^spec\.resourceAttributes\.verb is required$/ },
    { name: 'resourceAttributes.namespace a number', body: sar({ user: 'a', resourceAttributes: { verb: 'get', namespace: 1 } }), message: /^spec\.resourceAttributes\.namespace must be a string$/ },
    { name: 'nonResourceAttributes a string', body: sar({ user: 'a', nonResourceAttributes: '/healthz' }), message: /^spec\.nonResourceAttributes must be an object$/ },
    { name: 'nonResourceAttributes without path', body: sar({ user: 'a', nonResourceAttributes: { verb: 'get' } }), message: /^spec\.nonResourceAttributes\.path and \.verb are required$/ },
    { name: 'nonResourceAttributes without verb', body: sar({ user: 'a', nonResourceAttributes: { path: '/healthz' } }), message: /^spec\.nonResourceAttributes\.path and \.verb are required$/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}`, () => throwsValidation(() => parseSubjectAccessReview(c.body), c.message));
  }
});

describe('review responses', () => {
  it('TokenReview success echoes the apiVersion and the user', () => {
    const user = { username: 'alice', uid: 'u', groups: ['g'], extra: { k: ['v'] } };
    assert.deepEqual(tokenReviewResponse(AUTHN_V1B1, { user }), { apiVersion: AUTHN_V1B1, kind: 'TokenReview', status: { authenticated: true, user } });
  });
  it('TokenReview failure carries the error', () => {
    assert.deepEqual(tokenReviewResponse(AUTHN_V1, { error: 'nope' }), { apiVersion: AUTHN_V1, kind: 'TokenReview', status: { authenticated: false, error: 'nope' } });
  });
  const sarCases: { name: string; d: Parameters<typeof subjectAccessReviewResponse>[1]; status: Record<string, unknown> }[] = [
    { name: 'allowed', d: { allowed: true, reason: 'r' }, status: { allowed: true, reason: 'r' } },
    { name: 'no opinion has no denied field', d: { allowed: false, reason: 'r' }, status: { allowed: false, reason: 'r' } },
    { name: 'denied', d: { allowed: false, denied: true, reason: 'r' }, status: { allowed: false, denied: true, reason: 'r' } },
    { name: 'evaluation error', d: { allowed: false, denied: true, reason: 'r', evaluationError: 'boom' }, status: { allowed: false, denied: true, reason: 'r', evaluationError: 'boom' } },
  ];
  for (const c of sarCases) {
    it(`SubjectAccessReview ${c.name}`, () => {
      assert.deepEqual(subjectAccessReviewResponse(AUTHZ_V1, c.d), { apiVersion: AUTHZ_V1, kind: 'SubjectAccessReview', status: c.status });
    });
  }
});
