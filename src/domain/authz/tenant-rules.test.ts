import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessRequest } from './request.js';
import { evaluateTenantRules, isClusterAdmin, strongestRight, type TenantRight } from './tenant-rules.js';

interface Who {
  roles: string[];
  projectId?: string;
  projectName?: string;
  projectDomain?: string;
}

function subject(w: Who): AccessRequest['subject'] {
  const extra: Record<string, string[]> = {
    'alpha.kubernetes.io/identity/roles': w.roles,
    'alpha.kubernetes.io/identity/user/domain/id': ['default'],
    'alpha.kubernetes.io/identity/user/domain/name': ['Default'],
  };
  if (w.projectId !== undefined) extra['alpha.kubernetes.io/identity/project/id'] = [w.projectId];
  if (w.projectName !== undefined) extra['alpha.kubernetes.io/identity/project/name'] = [w.projectName];
  if (w.projectDomain !== undefined) extra['stackube.kubernetes.io/identity/project/domain/name'] = [w.projectDomain];
  return { user: 'alice', uid: 'uid-alice', groups: [], extra };
}

function resourceRequest(w: Who, verb: string, resource: string, namespace: string, group = '', subresource = ''): AccessRequest {
  return { subject: subject(w), resource: { verb, resource, namespace, group, subresource, version: 'v1', name: '' } };
}

/** Namespace → owning project, as the namespace directory would answer. */
const NAMESPACES: Record<string, string | undefined> = { 'team-a': 'p1', 'team-b': 'p2', plain: undefined };

const reader: Who = { roles: ['reader'], projectId: 'p1' };
const member: Who = { roles: ['member', 'reader'], projectId: 'p1' };
const admin: Who = { roles: ['admin', 'member', 'reader'], projectId: 'p1' };

interface Case {
  name: string;
  who: Who;
  verb: string;
  resource: string;
  ns: string;
  group?: string;
  sub?: string;
  allowed: boolean;
  reason?: RegExp;
}

const RBAC = 'rbac.authorization.k8s.io';

const cases: Case[] = [
  // Where: own project, other project, unlabelled namespace, cluster scope.
  { name: 'reader gets pods in own project', who: reader, verb: 'get', resource: 'pods', ns: 'team-a', allowed: true },
  { name: 'member lists pods in own project', who: member, verb: 'list', resource: 'pods', ns: 'team-a', allowed: true },
  { name: 'admin watches pods in own project', who: admin, verb: 'watch', resource: 'pods', ns: 'team-a', allowed: true },
  { name: 'reader in another project', who: reader, verb: 'get', resource: 'pods', ns: 'team-b', allowed: false, reason: /another project/ },
  { name: 'member in another project', who: member, verb: 'create', resource: 'pods', ns: 'team-b', allowed: false, reason: /another project/ },
  { name: 'admin in another project', who: admin, verb: 'delete', resource: 'pods', ns: 'team-b', allowed: false, reason: /another project/ },
  { name: 'reader in an unlabelled namespace', who: reader, verb: 'get', resource: 'pods', ns: 'plain', allowed: false, reason: /no Stackube tenant/ },
  { name: 'member in an unlabelled namespace', who: member, verb: 'create', resource: 'configmaps', ns: 'plain', allowed: false, reason: /no Stackube tenant/ },
  { name: 'admin in an unlabelled namespace', who: admin, verb: 'get', resource: 'secrets', ns: 'plain', allowed: false, reason: /no Stackube tenant/ },
  { name: 'reader on cluster-scoped nodes', who: reader, verb: 'list', resource: 'nodes', ns: '', allowed: false, reason: /cluster-scoped/ },
  { name: 'admin on cluster-scoped namespaces list', who: admin, verb: 'list', resource: 'namespaces', ns: '', allowed: false, reason: /cluster-scoped/ },
  { name: 'admin creating a ClusterRole', who: admin, verb: 'create', resource: 'clusterroles', group: RBAC, ns: '', allowed: false, reason: /cluster-scoped/ },
  // Writes by right.
  { name: 'reader cannot create pods', who: reader, verb: 'create', resource: 'pods', ns: 'team-a', allowed: false, reason: /readers cannot create/ },
  { name: 'reader cannot delete deployments', who: reader, verb: 'delete', resource: 'deployments', group: 'apps', ns: 'team-a', allowed: false },
  { name: 'member creates deployments', who: member, verb: 'create', resource: 'deployments', group: 'apps', ns: 'team-a', allowed: true },
  { name: 'member patches services', who: member, verb: 'patch', resource: 'services', ns: 'team-a', allowed: true },
  { name: 'member deletecollection pods', who: member, verb: 'deletecollection', resource: 'pods', ns: 'team-a', allowed: true },
  { name: 'member creates pods/exec (subresource create)', who: member, verb: 'create', resource: 'pods', sub: 'exec', ns: 'team-a', allowed: true },
  { name: 'member uses an unknown verb', who: member, verb: 'use', resource: 'podsecuritypolicies', group: 'policy', ns: 'team-a', allowed: false, reason: /not granted/ },
  // Secrets for reader.
  { name: 'reader cannot get secrets', who: reader, verb: 'get', resource: 'secrets', ns: 'team-a', allowed: false, reason: /secrets/ },
  { name: 'reader cannot list secrets', who: reader, verb: 'list', resource: 'secrets', ns: 'team-a', allowed: false, reason: /secrets/ },
  { name: 'member gets secrets', who: member, verb: 'get', resource: 'secrets', ns: 'team-a', allowed: true },
  { name: 'member creates secrets', who: member, verb: 'create', resource: 'secrets', ns: 'team-a', allowed: true },
  // Reader subresources.
  { name: 'reader reads pods/log', who: reader, verb: 'get', resource: 'pods', sub: 'log', ns: 'team-a', allowed: true },
  { name: 'reader reads deployments/scale', who: reader, verb: 'get', resource: 'deployments', group: 'apps', sub: 'scale', ns: 'team-a', allowed: true },
  { name: 'reader cannot get pods/exec (websocket exec is a GET)', who: reader, verb: 'get', resource: 'pods', sub: 'exec', ns: 'team-a', allowed: false, reason: /subresource/ },
  { name: 'reader cannot get pods/attach', who: reader, verb: 'get', resource: 'pods', sub: 'attach', ns: 'team-a', allowed: false },
  { name: 'reader cannot get services/proxy', who: reader, verb: 'get', resource: 'services', sub: 'proxy', ns: 'team-a', allowed: false },
  // RBAC objects.
  { name: 'reader cannot read roles', who: reader, verb: 'get', resource: 'roles', group: RBAC, ns: 'team-a', allowed: false, reason: /RBAC/ },
  { name: 'reader cannot list rolebindings', who: reader, verb: 'list', resource: 'rolebindings', group: RBAC, ns: 'team-a', allowed: false, reason: /RBAC/ },
  { name: 'member reads rolebindings', who: member, verb: 'list', resource: 'rolebindings', group: RBAC, ns: 'team-a', allowed: true },
  { name: 'member cannot create roles', who: member, verb: 'create', resource: 'roles', group: RBAC, ns: 'team-a', allowed: false, reason: /only project admins/ },
  { name: 'member cannot update rolebindings', who: member, verb: 'update', resource: 'rolebindings', group: RBAC, ns: 'team-a', allowed: false, reason: /only project admins/ },
  { name: 'admin creates roles', who: admin, verb: 'create', resource: 'roles', group: RBAC, ns: 'team-a', allowed: true },
  { name: 'admin deletes rolebindings', who: admin, verb: 'delete', resource: 'rolebindings', group: RBAC, ns: 'team-a', allowed: true },
  { name: 'a "roles" resource in another API group is not RBAC', who: member, verb: 'create', resource: 'roles', group: 'example.com', ns: 'team-a', allowed: true },
  // Operator-owned objects.
  { name: 'reader reads resourcequotas', who: reader, verb: 'get', resource: 'resourcequotas', ns: 'team-a', allowed: true },
  { name: 'admin cannot create resourcequotas', who: admin, verb: 'create', resource: 'resourcequotas', ns: 'team-a', allowed: false, reason: /operator/ },
  { name: 'admin cannot update resourcequotas', who: admin, verb: 'update', resource: 'resourcequotas', ns: 'team-a', allowed: false, reason: /operator/ },
  { name: 'admin cannot patch resourcequotas/status', who: admin, verb: 'patch', resource: 'resourcequotas', sub: 'status', ns: 'team-a', allowed: false, reason: /operator/ },
  { name: 'member cannot delete resourcequotas', who: member, verb: 'delete', resource: 'resourcequotas', ns: 'team-a', allowed: false, reason: /operator/ },
  { name: 'admin cannot delete limitranges', who: admin, verb: 'delete', resource: 'limitranges', ns: 'team-a', allowed: false, reason: /operator/ },
  { name: 'admin cannot patch Stackube tenants', who: admin, verb: 'patch', resource: 'tenants', group: 'stackube.kubernetes.io', ns: 'team-a', allowed: false, reason: /operator/ },
  { name: 'admin cannot update Stackube networks', who: admin, verb: 'update', resource: 'networks', group: 'stackube.kubernetes.io', ns: 'team-a', allowed: false, reason: /operator/ },
  { name: 'member reads Stackube networks', who: member, verb: 'get', resource: 'networks', group: 'stackube.kubernetes.io', ns: 'team-a', allowed: true },
  // Verbs that are never granted.
  { name: 'admin never escalates roles', who: admin, verb: 'escalate', resource: 'roles', group: RBAC, ns: 'team-a', allowed: false, reason: /never granted/ },
  { name: 'admin never binds roles', who: admin, verb: 'bind', resource: 'roles', group: RBAC, ns: 'team-a', allowed: false, reason: /never granted/ },
  { name: 'admin never binds clusterroles from a namespace', who: admin, verb: 'bind', resource: 'clusterroles', group: RBAC, ns: 'team-a', allowed: false, reason: /never granted/ },
  { name: 'admin never impersonates serviceaccounts', who: admin, verb: 'impersonate', resource: 'serviceaccounts', ns: 'team-a', allowed: false, reason: /never granted/ },
  { name: 'member never impersonates', who: member, verb: 'impersonate', resource: 'serviceaccounts', ns: 'team-a', allowed: false, reason: /never granted/ },
  { name: 'admin never approves', who: admin, verb: 'approve', resource: 'certificatesigningrequests', group: 'certificates.k8s.io', ns: 'team-a', allowed: false, reason: /never granted/ },
  // The namespace object itself.
  { name: 'reader gets own namespace', who: reader, verb: 'get', resource: 'namespaces', ns: 'team-a', allowed: true },
  { name: 'member watches own namespace', who: member, verb: 'watch', resource: 'namespaces', ns: 'team-a', allowed: true },
  { name: 'admin cannot delete own namespace', who: admin, verb: 'delete', resource: 'namespaces', ns: 'team-a', allowed: false, reason: /managed by the operator/ },
  { name: 'admin cannot update own namespace', who: admin, verb: 'update', resource: 'namespaces', ns: 'team-a', allowed: false, reason: /managed by the operator/ },
  { name: 'admin cannot patch namespaces/status', who: admin, verb: 'patch', resource: 'namespaces', sub: 'status', ns: 'team-a', allowed: false },
  { name: 'reader cannot get namespaces/finalize', who: reader, verb: 'get', resource: 'namespaces', sub: 'finalize', ns: 'team-a', allowed: false },
  { name: 'member cannot get another project\'s namespace', who: member, verb: 'get', resource: 'namespaces', ns: 'team-b', allowed: false, reason: /another project/ },
  // Identity problems.
  { name: 'no mapped role', who: { roles: ['load-balancer_member'], projectId: 'p1' }, verb: 'get', resource: 'pods', ns: 'team-a', allowed: false, reason: /none of the roles/ },
  { name: 'no roles at all', who: { roles: [], projectId: 'p1' }, verb: 'get', resource: 'pods', ns: 'team-a', allowed: false, reason: /none of the roles/ },
  { name: 'unscoped token', who: { roles: ['admin'] }, verb: 'get', resource: 'pods', ns: 'team-a', allowed: false, reason: /not scoped/ },
];

describe('evaluateTenantRules', () => {
  for (const c of cases) {
    it(`${c.allowed ? 'allows' : 'no opinion'}: ${c.name}`, () => {
      const request = resourceRequest(c.who, c.verb, c.resource, c.ns, c.group ?? '', c.sub ?? '');
      const d = evaluateTenantRules({ request, namespaceProjectId: c.ns ? NAMESPACES[c.ns] : undefined });
      assert.equal(d.allowed, c.allowed, d.reason);
      // Tenant rules never deny outright: RBAC may still allow.
      assert.equal(d.denied, undefined);
      assert.ok(d.reason.length > 0);
      if (c.reason) assert.match(d.reason, c.reason);
    });
  }

  it('non-resource requests get no opinion', () => {
    const d = evaluateTenantRules({ request: { subject: subject(admin), nonResource: { path: '/healthz', verb: 'get' } }, namespaceProjectId: undefined });
    assert.equal(d.allowed, false);
    assert.match(d.reason, /namespaced resources only/);
  });

  it('custom role rights replace the defaults', () => {
    const roleRights: Record<string, TenantRight> = { 'k8s-viewer': 'view', 'k8s-editor': 'edit' };
    const viewer = resourceRequest({ roles: ['k8s-viewer'], projectId: 'p1' }, 'get', 'pods', 'team-a');
    assert.equal(evaluateTenantRules({ request: viewer, namespaceProjectId: 'p1', roleRights }).allowed, true);
    const writes = resourceRequest({ roles: ['k8s-viewer'], projectId: 'p1' }, 'create', 'pods', 'team-a');
    assert.equal(evaluateTenantRules({ request: writes, namespaceProjectId: 'p1', roleRights }).allowed, false);
    // The default names mean nothing under a custom map.
    const defaults = resourceRequest(member, 'get', 'pods', 'team-a');
    assert.equal(evaluateTenantRules({ request: defaults, namespaceProjectId: 'p1', roleRights }).allowed, false);
  });
});

describe('strongestRight', () => {
  const cases: [string[], TenantRight | undefined][] = [
    [[], undefined],
    [['other'], undefined],
    [['reader'], 'view'],
    [['reader', 'member'], 'edit'],
    [['member', 'admin', 'reader'], 'admin'],
    [['admin', 'reader'], 'admin'],
  ];
  for (const [roles, want] of cases) {
    it(`[${roles.join(', ')}] → ${want ?? 'none'}`, () => {
      assert.equal(strongestRight(roles), want);
    });
  }
});

describe('isClusterAdmin', () => {
  const cases: { name: string; who: Who; projects: string[]; want: boolean }[] = [
    { name: 'admin of project "admin" in the Default domain', who: { roles: ['admin'], projectId: 'x', projectName: 'admin', projectDomain: 'Default' }, projects: ['admin'], want: true },
    { name: 'a bare name never matches another domain', who: { roles: ['admin'], projectId: 'x', projectName: 'admin', projectDomain: 'Other' }, projects: ['admin'], want: false },
    { name: 'domain/name matches that domain', who: { roles: ['admin'], projectId: 'x', projectName: 'admin', projectDomain: 'Other' }, projects: ['Other/admin'], want: true },
    { name: 'domain/name does not match the Default domain', who: { roles: ['admin'], projectId: 'x', projectName: 'admin', projectDomain: 'Default' }, projects: ['Other/admin'], want: false },
    { name: 'Default/name also works', who: { roles: ['admin'], projectId: 'x', projectName: 'ops', projectDomain: 'Default' }, projects: ['Default/ops'], want: true },
    { name: 'member of the admin project is not a cluster admin', who: { roles: ['member'], projectId: 'x', projectName: 'admin', projectDomain: 'Default' }, projects: ['admin'], want: false },
    { name: 'admin of another project', who: { roles: ['admin'], projectId: 'x', projectName: 'demo', projectDomain: 'Default' }, projects: ['admin'], want: false },
    { name: 'without the project-domain key (not from Stackube)', who: { roles: ['admin'], projectId: 'x', projectName: 'admin' }, projects: ['admin'], want: false },
    { name: 'unscoped token', who: { roles: ['admin'] }, projects: ['admin'], want: false },
    { name: 'no admin projects configured', who: { roles: ['admin'], projectId: 'x', projectName: 'admin', projectDomain: 'Default' }, projects: [], want: false },
  ];
  for (const c of cases) {
    it(`${c.want}: ${c.name}`, () => {
      assert.equal(isClusterAdmin(resourceRequest(c.who, 'get', 'nodes', ''), c.projects, 'admin'), c.want);
    });
  }
});
