import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessRequest, Decision } from '../domain/authz/request.js';
import { authorize, type AuthorizerOptions, type NamespaceLookup } from './authorizer.js';

function request(o: { keystone?: boolean; roles?: string[]; project?: string; verb?: string; resource?: string; namespace?: string }): AccessRequest {
  const extra: Record<string, string[]> = {};
  if (o.keystone !== false) {
    extra['alpha.kubernetes.io/identity/user/domain/id'] = ['default'];
    extra['alpha.kubernetes.io/identity/roles'] = o.roles ?? ['member'];
    extra['alpha.kubernetes.io/identity/project/id'] = [`pid-${o.project ?? 'demo'}`];
    extra['alpha.kubernetes.io/identity/project/name'] = [o.project ?? 'demo'];
    extra['stackube.kubernetes.io/identity/project/domain/name'] = ['Default'];
  }
  return {
    subject: { user: 'alice', uid: '', groups: [], extra },
    resource: { verb: o.verb ?? 'get', resource: o.resource ?? 'pods', namespace: o.namespace ?? 'team-a', group: '', version: 'v1', subresource: '', name: '' },
  };
}

function options(o: { synced?: boolean; tenantRules?: boolean; policy?: (r: AccessRequest) => Decision } = {}): AuthorizerOptions & { policyCalls: number } {
  const namespaces: NamespaceLookup = { synced: o.synced ?? true, projectOf: (ns) => (ns === 'team-a' ? 'pid-demo' : undefined) };
  const out = {
    namespaces, clusterAdminProjects: ['admin'], clusterAdminRole: 'admin', tenantRules: o.tenantRules ?? true, policyCalls: 0,
    policy: undefined as AuthorizerOptions['policy'],
  };
  if (o.policy) {
    const p = o.policy;
    out.policy = (r) => {
      out.policyCalls++;
      return p(r);
    };
  }
  return out;
}

const noMatch = (): Decision => ({ allowed: false, reason: 'No policy matched.' });
const allowAll = (): Decision => ({ allowed: true, reason: 'policy allows' });

describe('authorize', () => {
  const cases: { name: string; opts: ReturnType<typeof options>; req: AccessRequest; allowed: boolean; denied?: boolean; reason: RegExp; policyCalls?: number }[] = [
    { name: 'a non-Keystone user gets no opinion, and the policy is not consulted (like kka with no extra)', opts: options({ policy: allowAll }), req: request({ keystone: false }), allowed: false, reason: /not a Keystone user/, policyCalls: 0 },
    { name: 'cluster admin', opts: options(), req: request({ roles: ['admin'], project: 'admin', namespace: 'kube-system' }), allowed: true, reason: /cluster admin/ },
    { name: 'the policy allows first', opts: options({ policy: allowAll }), req: request({ namespace: 'elsewhere' }), allowed: true, reason: /policy allows/, policyCalls: 1 },
    { name: 'tenant rules allow when the policy does not', opts: options({ policy: noMatch }), req: request({}), allowed: true, reason: /edit in project pid-demo/, policyCalls: 1 },
    { name: 'neither allows: both reasons', opts: options({ policy: noMatch }), req: request({ namespace: 'elsewhere' }), allowed: false, reason: /^policy: No policy matched\.; tenant rules: namespace "elsewhere" belongs to no Stackube tenant$/ },
    { name: 'namespaced request before sync is denied (fail closed)', opts: options({ synced: false }), req: request({}), allowed: false, denied: true, reason: /not synced/ },
    { name: 'cluster-scoped request before sync is not denied', opts: options({ synced: false }), req: request({ namespace: '', resource: 'nodes' }), allowed: false, reason: /cluster-scoped/ },
    { name: 'the policy still allows before sync', opts: options({ synced: false, policy: allowAll }), req: request({}), allowed: true, reason: /policy allows/ },
    { name: 'tenant rules off and no policy', opts: options({ tenantRules: false }), req: request({}), allowed: false, reason: /^no authorizer enabled$/ },
    { name: 'tenant rules off: sync does not matter', opts: options({ tenantRules: false, synced: false, policy: noMatch }), req: request({}), allowed: false, reason: /^policy: No policy matched\.$/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = authorize(c.opts, c.req);
      assert.equal(d.allowed, c.allowed, d.reason);
      assert.equal(d.denied, c.denied);
      assert.match(d.reason, c.reason);
      if (c.policyCalls !== undefined) assert.equal(c.opts.policyCalls, c.policyCalls);
    });
  }
});
