// Decisions of k8s-keystone-auth v1.32.0, from /tmp/kka-notes.md (measured on the real binary and read
// from pkg/identity/keystone/authorizer.go). Case names cite the section and row they come from.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessRequest } from './request.js';
import { definitionAdmits, evaluateKkaPolicy, validateKkaPolicies, type KkaPolicy } from './kka-policy.js';

interface Who {
  user?: string;
  roles?: string[];
  projectName?: string;
  projectId?: string;
  groups?: string[];
  /** No Keystone extra at all (a non-Keystone user). */
  noExtra?: boolean;
}

function subject(w: Who): AccessRequest['subject'] {
  const extra: Record<string, string[]> = {};
  if (!w.noExtra) {
    extra['alpha.kubernetes.io/identity/roles'] = w.roles ?? [];
    if (w.projectName !== undefined) extra['alpha.kubernetes.io/identity/project/name'] = [w.projectName];
    if (w.projectId !== undefined) extra['alpha.kubernetes.io/identity/project/id'] = [w.projectId];
  }
  return { user: w.user ?? 'demo', uid: '', groups: w.groups ?? [], extra };
}

/** "verb resource[/sub] ns=<ns> [group=<g>]" → a resource request. */
function res(w: Who, verb: string, resource: string, namespace: string, group = ''): AccessRequest {
  const [r = '', sub = ''] = resource.split('/');
  return { subject: subject(w), resource: { verb, resource: r, subresource: sub, namespace, group, version: 'v1', name: '' } };
}
function nonres(w: Who, verb: string, path: string): AccessRequest {
  return { subject: subject(w), nonResource: { verb, path } };
}

interface Row {
  name: string;
  req: AccessRequest;
  allowed: boolean;
}

function table(title: string, policies: KkaPolicy[], rows: Row[]): void {
  describe(title, () => {
    it('the policy document is valid', () => {
      assert.deepEqual(validateKkaPolicies(JSON.parse(JSON.stringify(policies))), []);
    });
    for (const r of rows) {
      it(`${r.name} → ${r.allowed}`, () => {
        const d = evaluateKkaPolicy(policies, r.req);
        assert.equal(d.allowed, r.allowed, d.reason);
        // Like upstream, a policy never denies outright: no match is "no opinion".
        assert.equal(d.denied, undefined);
        if (!r.allowed) assert.equal(d.reason, 'No policy matched.');
      });
    }
  });
}

const demo = (roles: string[]): Who => ({ roles, projectName: 'demo', projectId: 'pid-demo' });

// §6.1: examples/webhook/keystone-policy-configmap.yaml ("Version 2").
const configMapExample: KkaPolicy[] = [{ users: { projects: ['demo'], roles: ['member'] }, resource_permissions: { '*/pods': ['get', 'list', 'watch'] } }];
const docUser: Who = { user: 'demo', roles: ['load-balancer_member', 'member'], projectName: 'demo', projectId: '423d41d3a02f4b77b4a9bbfbc3a1b3c6', groups: ['423d41d3a02f4b77b4a9bbfbc3a1b3c6'] };
table('§6.1 v2 ConfigMap example: demo/member may get/list/watch pods in any namespace, may not create', configMapExample, [
  { name: '§6.1 doc request: get pods/pod1 ns=default', req: res(docUser, 'get', 'pods', 'default'), allowed: true },
  { name: '§6.1 doc request: create pods ns=default ("pod creation should fail")', req: res(docUser, 'create', 'pods', 'default'), allowed: false },
  { name: '§6.1 list pods ns=kube-system (any namespace)', req: res(docUser, 'list', 'pods', 'kube-system'), allowed: true },
  { name: '§6.1 watch pods in all namespaces (cluster scope)', req: res(docUser, 'watch', 'pods', ''), allowed: true },
  { name: '§6.1 delete pods ns=default', req: res(docUser, 'delete', 'pods', 'default'), allowed: false },
  { name: '§6.1 get services ns=default (only pods)', req: res(docUser, 'get', 'services', 'default'), allowed: false },
  { name: '§6.1 reader in demo', req: res(demo(['reader']), 'get', 'pods', 'default'), allowed: false },
  { name: '§6.1 member of another project', req: res({ roles: ['member'], projectName: 'other', projectId: 'pid-other' }, 'get', 'pods', 'default'), allowed: false },
]);

// §6.3: the policy file /tmp/kkatest/docex.json, measured on the real binary. Rows in table order.
const docex: KkaPolicy[] = [
  { users: { projects: ['demo'], roles: ['member'] }, resource_permissions: { '*/pods': ['get', 'list', 'watch'] } },
  { users: { projects: ['demo'], roles: ['ex1'] }, resource_permissions: { '*/*': ['*'] } },
  { users: { projects: ['demo'], roles: ['ex2'] }, resource_permissions: { 'default/pods': ['get', 'list'] } },
  { users: { projects: ['demo'], roles: ['ex3'] }, resource_permissions: { "default/!['secrets', 'clusterroles']": ['create'] } },
  { users: { projects: ['demo'], roles: ['ex4'] }, resource_permissions: { '!kube-system/*': ['*'] } },
  { users: { projects: ['demo'], roles: ['ex5'] }, resource_permissions: { "!kube-system/!['secrets', 'clusterroles']": ['*'] } },
  { users: { projects: ['pid-other'], roles: ['both', 'admin'] }, resource_permissions: { '*/*': ['*'] } },
  { users: { roles: ['noproj'] }, resource_permissions: { '*/*': ['*'] } },
  { resource_permissions: { 'open/configmaps': ['GET'] }, nonresource_permissions: { '/healthz': ['get'], '/api/*': ['get'] } },
];
const none: Who = { roles: [], projectName: 'demo', projectId: 'pid-demo' };
table('§6.3 decision table measured on the real binary (docex.json, incl. the five §6.2 resource_permissions examples)', docex, [
  { name: '§6.3 row 1: member get pods ns=default', req: res(demo(['member']), 'get', 'pods', 'default'), allowed: true },
  { name: '§6.3 row 2: member create pods ns=default', req: res(demo(['member']), 'create', 'pods', 'default'), allowed: false },
  { name: '§6.3 row 3: member list pods ns="" (a "*" ns matches cluster scope)', req: res(demo(['member']), 'list', 'pods', ''), allowed: true },
  { name: '§6.3 row 4: member watch pods ns=kube-system', req: res(demo(['member']), 'watch', 'pods', 'kube-system'), allowed: true },
  { name: '§6.3 row 5: member get pods/log ns=default (subresource ignored)', req: res(demo(['member']), 'get', 'pods/log', 'default'), allowed: true },
  { name: '§6.3 row 6: member get pods (group metrics.k8s.io) ns=default (API group ignored)', req: res(demo(['member']), 'get', 'pods', 'default', 'metrics.k8s.io'), allowed: true },
  { name: '§6.3 row 7: reader get pods ns=default', req: res(demo(['reader']), 'get', 'pods', 'default'), allowed: false },
  { name: '§6.3 row 8: member, project name=other id=pid-x get pods ns=default', req: res({ roles: ['member'], projectName: 'other', projectId: 'pid-x' }, 'get', 'pods', 'default'), allowed: false },
  { name: '§6.3 row 9: member, project name=x id=demo (names and ids are pooled)', req: res({ roles: ['member'], projectName: 'x', projectId: 'demo' }, 'get', 'pods', 'default'), allowed: true },
  { name: '§6.3 row 10 (§6.2 ex. 1 "*/*"): ex1 delete secrets ns=kube-system', req: res(demo(['ex1']), 'delete', 'secrets', 'kube-system'), allowed: true },
  { name: '§6.3 row 11 (§6.2 ex. 1): ex1 get nodes ns=""', req: res(demo(['ex1']), 'get', 'nodes', ''), allowed: true },
  { name: '§6.3 row 12 (§6.2 ex. 2 "default/pods"): ex2 list pods ns=default', req: res(demo(['ex2']), 'list', 'pods', 'default'), allowed: true },
  { name: '§6.3 row 13 (§6.2 ex. 2): ex2 watch pods ns=default', req: res(demo(['ex2']), 'watch', 'pods', 'default'), allowed: false },
  { name: '§6.3 row 14 (§6.2 ex. 2): ex2 get pods ns=kube-system', req: res(demo(['ex2']), 'get', 'pods', 'kube-system'), allowed: false },
  { name: '§6.3 row 15 (§6.2 ex. 2): ex2 list pods ns=""', req: res(demo(['ex2']), 'list', 'pods', ''), allowed: false },
  { name: '§6.3 row 16 (§6.2 ex. 3 "default/![...]"): ex3 create configmaps ns=default', req: res(demo(['ex3']), 'create', 'configmaps', 'default'), allowed: true },
  { name: '§6.3 row 17 (§6.2 ex. 3): ex3 create secrets ns=default', req: res(demo(['ex3']), 'create', 'secrets', 'default'), allowed: false },
  { name: '§6.3 row 18 (§6.2 ex. 3): ex3 get configmaps ns=default', req: res(demo(['ex3']), 'get', 'configmaps', 'default'), allowed: false },
  { name: '§6.3 row 19 (§6.2 ex. 3): ex3 create configmaps ns=other', req: res(demo(['ex3']), 'create', 'configmaps', 'other'), allowed: false },
  { name: '§6.3 row 20 (§6.2 ex. 4 "!kube-system/*"): ex4 delete pods ns=default', req: res(demo(['ex4']), 'delete', 'pods', 'default'), allowed: true },
  { name: '§6.3 row 21 (§6.2 ex. 4): ex4 get pods ns=kube-system', req: res(demo(['ex4']), 'get', 'pods', 'kube-system'), allowed: false },
  { name: '§6.3 row 22 (§6.2 ex. 4): ex4 get nodes ns="" (only a "*" ns key matches cluster scope)', req: res(demo(['ex4']), 'get', 'nodes', ''), allowed: false },
  { name: '§6.3 row 23 (§6.2 ex. 5 "!kube-system/![...]"): ex5 get pods ns=default', req: res(demo(['ex5']), 'get', 'pods', 'default'), allowed: true },
  { name: '§6.3 row 24 (§6.2 ex. 5): ex5 get secrets ns=default', req: res(demo(['ex5']), 'get', 'secrets', 'default'), allowed: false },
  { name: '§6.3 row 25 (§6.2 ex. 5): ex5 get pods ns=kube-system', req: res(demo(['ex5']), 'get', 'pods', 'kube-system'), allowed: false },
  { name: '§6.3 row 26 (§6.2 ex. 5): ex5 get clusterroles ns=""', req: res(demo(['ex5']), 'get', 'clusterroles', ''), allowed: false },
  { name: '§6.3 row 27: both (project id pid-other) get pods ns=default (needs ALL roles)', req: res({ roles: ['both'], projectName: 'other', projectId: 'pid-other' }, 'get', 'pods', 'default'), allowed: false },
  { name: '§6.3 row 28: both, admin, x (project id pid-other) get pods ns=default', req: res({ roles: ['both', 'admin', 'x'], projectName: 'other', projectId: 'pid-other' }, 'get', 'pods', 'default'), allowed: true },
  { name: '§6.3 row 29: noproj get pods ns=default (users without projects never matches)', req: res(demo(['noproj']), 'get', 'pods', 'default'), allowed: false },
  { name: '§6.3 row 30: none, verb GET configmaps ns=open (request verb not lowercased)', req: res(none, 'GET', 'configmaps', 'open'), allowed: false },
  { name: '§6.3 row 31: none, verb get configmaps ns=open (policy verbs lowercased)', req: res(none, 'get', 'configmaps', 'open'), allowed: true },
  { name: '§6.3 row 32: none, nonresource get /healthz', req: nonres(none, 'get', '/healthz'), allowed: true },
  { name: '§6.3 row 33: none, nonresource get /api/v1 (no wildcard in nonresource_permissions)', req: nonres(none, 'get', '/api/v1'), allowed: false },
  { name: '§6.3 row 34: none, nonresource get "/api/*" (literal)', req: nonres(none, 'get', '/api/*'), allowed: true },
  { name: '§6.3 row 35: member, nonresource get /healthz', req: nonres(demo(['member']), 'get', '/healthz'), allowed: true },
]);

// §6.3 "Other cases checked on the binary": v1 policies.
const v1Group: KkaPolicy[] = [{ resource: { verbs: ['get'], resources: ['pods', 'deployments/*'], version: '*', namespace: 'default' }, match: [{ type: 'group', values: ['project-1-group'] }] }];
const inGroup: Who = { roles: ['member'], projectName: 'demo', projectId: 'pid-demo', groups: ['system:authenticated', 'project-1-group'] };
table('§6.3 other cases: v1 resources ["pods","deployments/*"], version "*", namespace "default", match group', v1Group, [
  { name: '§6.3 other row 3: get pods ns=default', req: res(inGroup, 'get', 'pods', 'default'), allowed: true },
  { name: '§6.3 other row 4: get pods ns=other', req: res(inGroup, 'get', 'pods', 'other'), allowed: false },
  { name: '§6.3 other row 5: get pods/log (plain "pods" does not cover subresources)', req: res(inGroup, 'get', 'pods/log', 'default'), allowed: false },
  { name: '§6.3 other row 6: get deployments/scale', req: res(inGroup, 'get', 'deployments/scale', 'default', 'apps'), allowed: true },
  { name: 'v1: get deployments without subresource ("deployments/*" needs one)', req: res(inGroup, 'get', 'deployments', 'default', 'apps'), allowed: false },
  { name: 'v1: get pods ns=default, user not in the group', req: res({ ...inGroup, groups: ['system:authenticated'] }, 'get', 'pods', 'default'), allowed: false },
  { name: 'v1: list pods (verb not listed)', req: res(inGroup, 'list', 'pods', 'default'), allowed: false },
  { name: 'v1: get pods cluster scope (namespace "default" is exact)', req: res(inGroup, 'get', 'pods', ''), allowed: false },
]);

const v1Apps: KkaPolicy[] = [{ resource: { verbs: ['list'], resources: ['*'], version: 'apps', namespace: '*' }, match: [] }];
table('§6.3 other cases: v1 match: [] with version "apps", namespace "*"', v1Apps, [
  { name: '§6.3 other row 7: list deployments in apps, cluster scope (anyone)', req: res({ roles: [] }, 'list', 'deployments', '', 'apps'), allowed: true },
  { name: '§6.3 other row 8: list pods in core', req: res({ roles: [] }, 'list', 'pods', '', ''), allowed: false },
  { name: 'v1 "version" is the API group: apps in a namespace', req: res({ roles: [] }, 'list', 'statefulsets', 'ns1', 'apps'), allowed: true },
  { name: 'v1 "version" is compared exactly: batch', req: res({ roles: [] }, 'list', 'jobs', 'ns1', 'batch'), allowed: false },
]);

const v1NonRes: KkaPolicy[] = [{ nonresource: { verbs: ['get'], path: '/apis/*' }, match: [{ type: 'user', values: ['demo'] }, { type: 'project', values: ['*'] }] }];
table('§6.3 other cases: v1 nonresource "/apis/*" + match user + project ["*"] (trailing-* prefix)', v1NonRes, [
  { name: '§6.3 other row 9: get /apis/apps', req: nonres({ user: 'demo', roles: [] }, 'get', '/apis/apps'), allowed: true },
  { name: '§6.3 other row 10: get /apis (prefix is "/apis/")', req: nonres({ user: 'demo', roles: [] }, 'get', '/apis'), allowed: false },
  { name: 'v1 nonresource: another user', req: nonres({ user: 'eve', roles: [] }, 'get', '/apis/apps'), allowed: false },
  { name: 'v1 nonresource: project "*" passes even without any project', req: nonres({ user: 'demo', roles: ['member'] }, 'get', '/apis/apps/v1'), allowed: true },
  { name: 'v1 nonresource: verb post not listed', req: nonres({ user: 'demo' }, 'post', '/apis/apps'), allowed: false },
  { name: 'v1 nonresource policies never answer resource requests', req: res({ user: 'demo' }, 'get', 'pods', 'default'), allowed: false },
]);

// §6.4: upstream unit tests (ks/authorizer_test.go:262-414, authorizer_test_policy_version2.json).
const RBACISH = "['namespaces', 'clusterrolebindings', 'clusterroles', 'podsecuritypolicies', 'rolebindings', 'roles', 'podSecurityPolicies']";
const upstreamV2: KkaPolicy[] = [
  {
    users: { roles: ['developer'], projects: ['demo'] },
    resource_permissions: {
      [`!kube-system/!${RBACISH}`]: ['*'],
      [`!kube-system/${RBACISH}`]: ['get', 'list'],
      "*/['namespaces', 'clusterrolebindings', 'clusterroles', 'podsecuritypolicies', 'podSecurityPolicies']": ['get', 'list'],
    },
  },
  { users: { roles: ['viewer'], projects: ['demo', 'cd08a539b7c845ddb92c5d08752101d1'] }, resource_permissions: { "default/['*']": ['get', 'list'] } },
  { users: { roles: ['clusteradmin'], projects: ['demo'] }, resource_permissions: { '*/*': ['*'] }, nonresource_permissions: { '/healthz': ['get', 'post'] } },
  { users: { roles: ['testuser'], projects: ['demo'] }, resource_permissions: { "*/['namespaces', 'clusterroles']": ['get', 'list'], "default/['pods', 'deployments']": ['get', 'list'] } },
];
const developer: Who = { user: 'developer', roles: ['developer'], projectName: 'demo' };
const viewer: Who = { user: 'viewer', roles: ['viewer'], projectName: 'demo', projectId: 'ff9db8e7a3c54e6c9d3b7b1a0b5e3e2d' };
const anotherviewer: Who = { user: 'anotherviewer', roles: ['viewer'], projectName: 'alt_demo', projectId: 'cd08a539b7c845ddb92c5d08752101d1' };
const clusteradmin: Who = { user: 'clusteradmin', roles: ['clusteradmin'], projectName: 'demo' };
const testuser1: Who = { user: 'testuser1', noExtra: true };
const testuser2: Who = { user: 'testuser2', roles: ['testuser'], projectName: 'demo' };
table('§6.4 upstream unit tests (version 2 policy)', upstreamV2, [
  { name: '§6.4 developer get pods default', req: res(developer, 'get', 'pods', 'default'), allowed: true },
  { name: '§6.4 developer get clusterroles default', req: res(developer, 'get', 'clusterroles', 'default'), allowed: true },
  { name: '§6.4 developer get clusterroles ""', req: res(developer, 'get', 'clusterroles', ''), allowed: true },
  { name: '§6.4 developer create clusterrolebindings ""', req: res(developer, 'create', 'clusterrolebindings', ''), allowed: false },
  { name: '§6.4 developer get podsecuritypolicies "" (resource names case-insensitive in the policy)', req: res(developer, 'get', 'podsecuritypolicies', ''), allowed: true },
  { name: '§6.4 viewer get deployments default', req: res(viewer, 'get', 'deployments', 'default'), allowed: true },
  { name: '§6.4 viewer get services kube-system', req: res(viewer, 'get', 'services', 'kube-system'), allowed: false },
  { name: '§6.4 viewer create pods default', req: res(viewer, 'create', 'pods', 'default'), allowed: false },
  { name: '§6.4 anotherviewer (project by id) get deployments default', req: res(anotherviewer, 'get', 'deployments', 'default'), allowed: true },
  { name: '§6.4 anotherviewer get services kube-system', req: res(anotherviewer, 'get', 'services', 'kube-system'), allowed: false },
  { name: '§6.4 anotherviewer create pods default', req: res(anotherviewer, 'create', 'pods', 'default'), allowed: false },
  { name: '§6.4 clusteradmin create clusterroles ""', req: res(clusteradmin, 'create', 'clusterroles', ''), allowed: true },
  { name: '§6.4 clusteradmin get secrets kube-system', req: res(clusteradmin, 'get', 'secrets', 'kube-system'), allowed: true },
  { name: '§6.4 nonresource get /healthz: developer', req: nonres(developer, 'get', '/healthz'), allowed: false },
  { name: '§6.4 nonresource get /healthz: viewer', req: nonres(viewer, 'get', '/healthz'), allowed: false },
  { name: '§6.4 nonresource get /healthz: clusteradmin', req: nonres(clusteradmin, 'get', '/healthz'), allowed: true },
  { name: '§6.4 testuser1 (no extra) get namespaces ""', req: res(testuser1, 'get', 'namespaces', ''), allowed: false },
  { name: '§6.4 testuser1 (no extra) get pods default', req: res(testuser1, 'get', 'pods', 'default'), allowed: false },
  { name: '§6.4 testuser2 get namespaces ""', req: res(testuser2, 'get', 'namespaces', ''), allowed: true },
  { name: '§6.4 testuser2 get pods ""', req: res(testuser2, 'get', 'pods', ''), allowed: false },
  { name: '§6.4 testuser2 get pods default', req: res(testuser2, 'get', 'pods', 'default'), allowed: true },
]);

// §6.5: the doc's v1 example.
const v1DocExample: KkaPolicy[] = [{
  resource: { verbs: ['get', 'list', 'watch'], resources: ['pods'], version: '*', namespace: 'default' },
  match: [{ type: 'role', values: ['member'] }, { type: 'project', values: ['demo'] }],
}];
table('§6.5 v1 doc example: match role member AND project demo (all entries must hold)', v1DocExample, [
  { name: '§6.5 member of demo lists pods in default', req: res(demo(['member']), 'list', 'pods', 'default'), allowed: true },
  { name: '§6.5 the policy says "default", not all namespaces', req: res(demo(['member']), 'list', 'pods', 'kube-system'), allowed: false },
  { name: '§6.5 role holds but project does not', req: res({ roles: ['member'], projectName: 'other', projectId: 'pid-other' }, 'get', 'pods', 'default'), allowed: false },
  { name: '§6.5 project holds but role does not', req: res(demo(['reader']), 'get', 'pods', 'default'), allowed: false },
  { name: '§6.5 project matched by id', req: res({ roles: ['member'], projectName: 'x', projectId: 'demo' }, 'get', 'pods', 'default'), allowed: true },
  { name: '§6.5 create is not listed', req: res(demo(['member']), 'create', 'pods', 'default'), allowed: false },
]);

// §3.4 v1 match semantics (authorizer.go:237-311) and §6.4 v1 tests.
const allPods = { verbs: ['*'], resources: ['pods'], version: '', namespace: '*' };
describe('§3.4 v1 match semantics', () => {
  const cases: { name: string; match: KkaPolicy['match']; who: Who; allowed: boolean }[] = [
    { name: 'absent match matches everyone', match: undefined, who: { user: 'anyone' }, allowed: true },
    { name: 'empty match matches everyone', match: [], who: { user: 'anyone' }, allowed: true },
    { name: 'user by name', match: [{ type: 'user', values: ['alice', 'bob'] }], who: { user: 'bob' }, allowed: true },
    { name: 'user not listed', match: [{ type: 'user', values: ['alice'] }], who: { user: 'bob' }, allowed: false },
    { name: 'group: any of the user groups', match: [{ type: 'group', values: ['g2'] }], who: { groups: ['g1', 'g2'] }, allowed: true },
    { name: 'group: none of the user groups', match: [{ type: 'group', values: ['g3'] }], who: { groups: ['g1', 'g2'] }, allowed: false },
    { name: 'project by name', match: [{ type: 'project', values: ['demo'] }], who: demo([]), allowed: true },
    { name: 'project by id', match: [{ type: 'project', values: ['pid-demo'] }], who: demo([]), allowed: true },
    { name: 'project: user has none', match: [{ type: 'project', values: ['demo'] }], who: { roles: [] }, allowed: false },
    { name: 'role: any of the roles', match: [{ type: 'role', values: ['admin', 'member'] }], who: demo(['reader', 'member']), allowed: true },
    { name: 'role: none of the roles', match: [{ type: 'role', values: ['admin'] }], who: demo(['member']), allowed: false },
    { name: '"*" value passes even without the attribute', match: [{ type: 'role', values: ['*'] }, { type: 'project', values: ['*'] }], who: { roles: [] }, allowed: true },
    { name: 'entries are ANDed: one fails', match: [{ type: 'user', values: ['demo'] }, { type: 'role', values: ['admin'] }], who: demo(['member']), allowed: false },
    { name: 'entries are ANDed: all hold', match: [{ type: 'user', values: ['demo'] }, { type: 'role', values: ['member'] }, { type: 'group', values: ['g'] }], who: { ...demo(['member']), groups: ['g'] }, allowed: true },
    { name: 'an unknown type makes the policy not match', match: [{ type: 'domain', values: ['*'] }], who: demo(['member']), allowed: false },
    { name: 'an unknown type after a passing entry still fails', match: [{ type: 'user', values: ['demo'] }, { type: 'userid', values: ['demo'] }], who: demo(['member']), allowed: false },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.allowed}`, () => {
      const d = evaluateKkaPolicy([{ resource: allPods, match: c.match }], res(c.who, 'get', 'pods', 'default'));
      assert.equal(d.allowed, c.allowed, d.reason);
    });
  }
});

describe('§3.4 v1 resource and nonresource details', () => {
  const cases: { name: string; policy: KkaPolicy; req: AccessRequest; allowed: boolean }[] = [
    { name: 'version "" is the core group', policy: { resource: allPods }, req: res({}, 'get', 'pods', 'x', ''), allowed: true },
    { name: 'version "" does not match apps', policy: { resource: { ...allPods, resources: ['*'] } }, req: res({}, 'get', 'deployments', 'x', 'apps'), allowed: false },
    { name: '"res/sub" matches that subresource', policy: { resource: { ...allPods, resources: ['pods/log'] } }, req: res({}, 'get', 'pods/log', 'x'), allowed: true },
    { name: '"res/sub" does not match another subresource', policy: { resource: { ...allPods, resources: ['pods/log'] } }, req: res({}, 'create', 'pods/exec', 'x'), allowed: false },
    { name: '"res/*" matches any subresource', policy: { resource: { ...allPods, resources: ['pods/*'] } }, req: res({}, 'create', 'pods/exec', 'x'), allowed: true },
    { name: '"*" resources match subresources', policy: { resource: { ...allPods, resources: ['*'] } }, req: res({}, 'create', 'pods/exec', 'x'), allowed: true },
    { name: 'resources are case-sensitive', policy: { resource: { ...allPods, resources: ['Pods'] } }, req: res({}, 'get', 'pods', 'x'), allowed: false },
    { name: 'verbs are case-sensitive', policy: { resource: { ...allPods, verbs: ['GET'] } }, req: res({}, 'get', 'pods', 'x'), allowed: false },
    { name: 'namespace "*" includes cluster scope', policy: { resource: allPods }, req: res({}, 'list', 'pods', ''), allowed: true },
    { name: 'nonresource exact path', policy: { nonresource: { verbs: ['get'], path: '/api' } }, req: nonres({}, 'get', '/api'), allowed: true },
    { name: 'nonresource exact path is not a prefix', policy: { nonresource: { verbs: ['get'], path: '/api' } }, req: nonres({}, 'get', '/api/v1'), allowed: false },
    { name: 'nonresource "/api/*" matches /api/v1', policy: { nonresource: { verbs: ['get'], path: '/api/*' } }, req: nonres({}, 'get', '/api/v1'), allowed: true },
    { name: 'nonresource "/api/*" does not match /api', policy: { nonresource: { verbs: ['get'], path: '/api/*' } }, req: nonres({}, 'get', '/api'), allowed: false },
    { name: 'nonresource "/api*" (several trailing stars trimmed) matches /apis', policy: { nonresource: { verbs: ['get'], path: '/api**' } }, req: nonres({}, 'get', '/apis'), allowed: true },
    { name: 'nonresource path "*" matches anything', policy: { nonresource: { verbs: ['*'], path: '*' } }, req: nonres({}, 'post', '/whatever'), allowed: true },
    { name: 'nonresource verbs containing "" skip the policy', policy: { nonresource: { verbs: ['', '*'], path: '*' } }, req: nonres({}, 'get', '/healthz'), allowed: false },
    { name: 'users filter also applies to v1 entries', policy: { users: { projects: ['demo'] }, resource: allPods }, req: res({ roles: [], projectName: 'other' }, 'get', 'pods', 'x'), allowed: false },
    { name: 'users with projects and no roles matches any role', policy: { users: { projects: ['demo'] }, resource: allPods }, req: res(demo([]), 'get', 'pods', 'x'), allowed: true },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.allowed}`, () => {
      assert.equal(evaluateKkaPolicy([c.policy], c.req).allowed, c.allowed);
    });
  }
});

describe('§3.4 v2 details', () => {
  const cases: { name: string; policy: KkaPolicy; req: AccessRequest; allowed: boolean }[] = [
    { name: 'key parts are trimmed and lowercased', policy: { resource_permissions: { ' Default / PODS ': ['Get'] } }, req: res({}, 'get', 'pods', 'default'), allowed: true },
    { name: 'the request resource is not lowercased', policy: { resource_permissions: { 'default/pods': ['get'] } }, req: res({}, 'get', 'Pods', 'default'), allowed: false },
    { name: 'a key with three parts is skipped', policy: { resource_permissions: { 'default/pods/log': ['*'] } }, req: res({}, 'get', 'pods/log', 'default'), allowed: false },
    { name: 'a key with one part is skipped', policy: { resource_permissions: { '*': ['*'] } }, req: res({}, 'get', 'pods', 'default'), allowed: false },
    { name: '"!*" never matches', policy: { resource_permissions: { '!*/pods': ['*'] } }, req: res({}, 'get', 'pods', 'default'), allowed: false },
    { name: '"[...]" containing "*" matches anything', policy: { resource_permissions: { "['*']/pods": ['*'] } }, req: res({}, 'get', 'pods', 'ns9'), allowed: true },
    { name: '"![...]" containing "*" matches nothing', policy: { resource_permissions: { "default/!['*']": ['*'] } }, req: res({}, 'get', 'pods', 'default'), allowed: false },
    { name: 'namespace list', policy: { resource_permissions: { "['a', 'b']/pods": ['get'] } }, req: res({}, 'get', 'pods', 'b'), allowed: true },
    { name: 'namespace list, not listed', policy: { resource_permissions: { "['a', 'b']/pods": ['get'] } }, req: res({}, 'get', 'pods', 'c'), allowed: false },
    { name: 'an invalid list skips the key', policy: { resource_permissions: { "default/['pods', x]": ['*'], "default/['secrets'": ['*'] } }, req: res({}, 'get', 'pods', 'default'), allowed: false },
    { name: 'an invalid key does not hide a valid one', policy: { resource_permissions: { "default/['pods', x]": ['*'], 'default/pods': ['get'] } }, req: res({}, 'get', 'pods', 'default'), allowed: true },
    { name: 'an unrecognised definition matches nothing', policy: { resource_permissions: { 'default/pods]': ['*'] } }, req: res({}, 'get', 'pods', 'default'), allowed: false },
    { name: 'verb "*" means any verb', policy: { resource_permissions: { 'default/pods': ['*'] } }, req: res({}, 'deletecollection', 'pods', 'default'), allowed: true },
    { name: 'v2 ignores match', policy: { resource_permissions: { '*/*': ['*'] }, match: [{ type: 'user', values: ['nobody'] }] }, req: res({ user: 'eve' }, 'get', 'pods', 'default'), allowed: true },
    { name: 'resource_permissions (even empty) takes precedence over resource', policy: { resource: { verbs: ['*'], resources: ['*'], version: '*', namespace: '*' }, resource_permissions: {} }, req: res({}, 'get', 'pods', 'default'), allowed: false },
    { name: 'nonresource_permissions (even empty) takes precedence over nonresource', policy: { nonresource: { verbs: ['*'], path: '*' }, nonresource_permissions: {} }, req: nonres({}, 'get', '/healthz'), allowed: false },
    { name: 'resource_permissions do not stop a v1 nonresource entry', policy: { resource_permissions: {}, nonresource: { verbs: ['get'], path: '/healthz' } }, req: nonres({}, 'get', '/healthz'), allowed: true },
    { name: 'nonresource_permissions verbs are case-sensitive', policy: { nonresource_permissions: { '/healthz': ['GET'] } }, req: nonres({}, 'get', '/healthz'), allowed: false },
    { name: 'nonresource_permissions verb "*"', policy: { nonresource_permissions: { '/metrics': ['*'] } }, req: nonres({}, 'get', '/metrics'), allowed: true },
    { name: 'users present but empty never matches', policy: { users: {}, resource_permissions: { '*/*': ['*'] } }, req: res(demo(['member']), 'get', 'pods', 'default'), allowed: false },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.allowed}`, () => {
      assert.equal(evaluateKkaPolicy([c.policy], c.req).allowed, c.allowed);
    });
  }

  it('the first entry that allows wins, and the reason names it', () => {
    const d = evaluateKkaPolicy(docex, res(demo(['ex1', 'member']), 'get', 'pods', 'default'));
    assert.deepEqual(d, { allowed: true, reason: 'k8s-keystone-auth policy entry 0 allows it' });
    const d2 = evaluateKkaPolicy(docex, res(demo(['ex1']), 'get', 'pods', 'default'));
    assert.equal(d2.reason, 'k8s-keystone-auth policy entry 1 allows it');
  });

  it('no policies: nothing is allowed (§3.2)', () => {
    assert.deepEqual(evaluateKkaPolicy([], res(demo(['admin']), 'get', 'pods', 'default')), { allowed: false, reason: 'No policy matched.' });
  });
});

describe('definitionAdmits (getAllowed, authorizer.go:53-99)', () => {
  const cases: [string, string, boolean][] = [
    ['default', 'default', true],
    ['default', 'other', false],
    ['*', 'anything', true],
    ['x', '', true],
    ['!kube-system', 'default', true],
    ['!kube-system', 'kube-system', false],
    ['!*', 'default', false],
    ["['a', 'b']", 'a', true],
    ["['a', 'b']", 'c', false],
    ['["a","b"]', 'b', true],
    ["!['a', 'b']", 'c', true],
    ["!['a', 'b']", 'a', false],
    ["!['a', '*']", 'c', false],
    ["['a', 1]", 'a', false],
    ["!['a', 1]", 'c', false],
    ['[not json]', 'x', false],
  ];
  for (const [def, value, want] of cases) {
    it(`${JSON.stringify(def)} admits ${JSON.stringify(value)}: ${want}`, () => {
      assert.equal(definitionAdmits(def, value), want);
    });
  }
});

describe('validateKkaPolicies', () => {
  it('accepts every policy document above, v1 and v2 mixed', () => {
    assert.deepEqual(validateKkaPolicies([...docex, ...upstreamV2, ...v1DocExample, ...v1Group, ...v1NonRes]), []);
  });

  it('accepts null for optional fields (upstream reads JSON null as absent)', () => {
    assert.deepEqual(validateKkaPolicies([{ resource: null, nonresource: null, match: null, users: null, resource_permissions: { '*/pods': ['get'] }, nonresource_permissions: null }]), []);
  });

  const cases: { name: string; doc: unknown; problems: RegExp[] }[] = [
    { name: 'not a list', doc: { resource_permissions: {} }, problems: [/must be a JSON list/] },
    { name: 'null document', doc: null, problems: [/must be a JSON list/] },
    { name: 'entry not an object', doc: ['x', null, []], problems: [/entry 0: must be an object/, /entry 1: must be an object/, /entry 2: must be an object/] },
    { name: 'unknown field', doc: [{ resource_permissions: { '*/*': ['*'] }, resource_permission: {} }], problems: [/entry 0: unknown field "resource_permission"/] },
    { name: 'nothing to grant', doc: [{ users: { projects: ['demo'] } }], problems: [/entry 0: needs resource, nonresource, resource_permissions or nonresource_permissions/] },
    { name: 'v1 resource without namespace (upstream panics on it)', doc: [{ resource: { verbs: ['get'], resources: ['pods'], version: '*' } }], problems: [/entry 0: resource needs verbs \(list\), resources \(list\), version and namespace/] },
    { name: 'v1 resource without version', doc: [{ resource: { verbs: ['get'], resources: ['pods'], namespace: '*' } }], problems: [/resource needs/] },
    { name: 'v1 resource verbs not a list', doc: [{ resource: { verbs: 'get', resources: ['pods'], version: '*', namespace: '*' } }], problems: [/resource needs/] },
    { name: 'v1 resource not an object', doc: [{ resource: 'pods' }], problems: [/resource needs/] },
    { name: 'v1 nonresource without path', doc: [{ nonresource: { verbs: ['get'] } }], problems: [/entry 0: nonresource needs verbs \(list\) and path \(string\)/] },
    { name: 'match not a list', doc: [{ resource_permissions: {}, match: { type: 'user', values: ['a'] } }], problems: [/match must be a list of \{type, values\}/] },
    { name: 'match entry without values', doc: [{ resource_permissions: {}, match: [{ type: 'user' }] }], problems: [/match must be a list/] },
    { name: 'match entry null', doc: [{ resource_permissions: {}, match: [null] }], problems: [/match must be a list/] },
    { name: 'users roles not a list', doc: [{ users: { roles: 'member', projects: ['demo'] }, resource_permissions: {} }], problems: [/users must map roles\/projects to lists of strings/] },
    { name: 'users not an object', doc: [{ users: ['demo'], resource_permissions: {} }], problems: [/users must map/] },
    { name: 'resource_permissions value not a list', doc: [{ resource_permissions: { '*/pods': 'get' } }], problems: [/resource_permissions must map keys to lists of verbs/] },
    { name: 'nonresource_permissions a list', doc: [{ nonresource_permissions: ['/healthz'] }], problems: [/nonresource_permissions must map keys to lists of verbs/] },
    { name: 'problems of several entries are all reported', doc: [{ resource_permissions: { a: [1] } }, { nonresource: {} }, 7], problems: [/entry 0: resource_permissions/, /entry 1: nonresource needs/, /entry 2: must be an object/] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const problems = validateKkaPolicies(c.doc);
      assert.equal(problems.length, c.problems.length, problems.join('\n'));
      c.problems.forEach((re, i) => assert.match(problems[i] ?? '', re));
    });
  }
});
