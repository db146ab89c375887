// k8s-keystone-auth policy compatibility: our webhook and the real upstream k8s-keystone-auth binary
// (built from k8s.io/cloud-provider-openstack by hack/build-keystone-auth.sh) get the same policy file and the
// same SubjectAccessReviews; their decisions must agree, and agree with upstream's documentation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, PKI, STATE, eventually, webhookGet, webhookPost } from './harness.js';

const POLICY = join(ROOT, 'test/integration/fixtures/kka-policy.json');
const OURS = 8444;
const UPSTREAM = 8445;
const CPO_VERSION = 'v1.32.0';
const KKA = join(ROOT, '.cache/cpo', CPO_VERSION, 'bin/k8s-keystone-auth');

interface Case { name: string; project: string; roles: string[]; ns?: string; verb: string; resource?: string; path?: string; allowed: boolean }
// Decisions documented upstream (docs/keystone-auth/using-keystone-webhook-authenticator-and-authorizer.md,
// "Authorization policy definition (version 2)") mapped onto the fixture's entries.
const CASES: Case[] = [
  { name: 'v2 example: member may get pods in any namespace', project: 'alpha', roles: ['member'], ns: 'anything', verb: 'get', resource: 'pods', allowed: true },
  { name: 'v2 example: member may list pods', project: 'alpha', roles: ['member', 'reader'], ns: 'default', verb: 'list', resource: 'pods', allowed: true },
  { name: 'v2 example: member may not create pods', project: 'alpha', roles: ['member'], ns: 'default', verb: 'create', resource: 'pods', allowed: false },
  { name: 'v2 example: other project gets nothing', project: 'gamma', roles: ['member'], ns: 'default', verb: 'get', resource: 'pods', allowed: false },
  { name: "default/!['secrets','clusterroles']: create configmaps in default", project: 'beta', roles: ['member'], ns: 'default', verb: 'create', resource: 'configmaps', allowed: true },
  { name: "default/!['secrets','clusterroles']: not secrets", project: 'beta', roles: ['member'], ns: 'default', verb: 'create', resource: 'secrets', allowed: false },
  { name: "default/!['secrets','clusterroles']: not in other namespaces", project: 'beta', roles: ['member'], ns: 'web', verb: 'create', resource: 'configmaps', allowed: false },
  { name: '!kube-system/*: get anything outside kube-system', project: 'beta', roles: ['member'], ns: 'web', verb: 'get', resource: 'secrets', allowed: true },
  { name: '!kube-system/*: not in kube-system', project: 'beta', roles: ['member'], ns: 'kube-system', verb: 'get', resource: 'pods', allowed: false },
  { name: '!kube-system/*: not cluster-scoped', project: 'beta', roles: ['member'], ns: '', verb: 'get', resource: 'nodes', allowed: false },
  { name: "!kube-system/!['secrets','clusterroles']: delete configmaps", project: 'beta', roles: ['admin', 'member'], ns: 'web', verb: 'delete', resource: 'configmaps', allowed: true },
  { name: "!kube-system/!['secrets','clusterroles']: not secrets", project: 'beta', roles: ['admin'], ns: 'web', verb: 'delete', resource: 'secrets', allowed: false },
  { name: "!kube-system/!['secrets','clusterroles']: not kube-system", project: 'beta', roles: ['admin'], ns: 'kube-system', verb: 'delete', resource: 'configmaps', allowed: false },
  { name: 'users.roles must all be held', project: 'beta', roles: ['member'], ns: 'web', verb: 'delete', resource: 'configmaps', allowed: false },
  { name: 'nonresource exact path', project: 'alpha', roles: ['reader'], verb: 'get', path: '/healthz', allowed: true },
  { name: 'nonresource other path', project: 'alpha', roles: ['reader'], verb: 'get', path: '/version', allowed: false },
  { name: 'v1 resource + match (role and project)', project: 'alpha', roles: ['reader'], ns: 'default', verb: 'get', resource: 'configmaps', allowed: true },
  { name: 'v1 match fails on the namespace', project: 'alpha', roles: ['reader'], ns: 'web', verb: 'get', resource: 'configmaps', allowed: false },
  { name: 'v1 match needs every entry', project: 'beta', roles: ['reader'], ns: 'default', verb: 'get', resource: 'configmaps', allowed: false },
  { name: 'v1 nonresource trailing * is a prefix', project: 'alpha', roles: [], verb: 'get', path: '/apis/apps/v1', allowed: true },
  { name: 'an unknown project gets nothing', project: 'gamma', roles: ['member'], ns: 'x', verb: 'watch', resource: 'pods', allowed: false },
];

function sar(apiVersion: string, c: Case): Record<string, unknown> {
  const extra = {
    'alpha.kubernetes.io/identity/roles': c.roles,
    'alpha.kubernetes.io/identity/project/id': [`${c.project}-0000`],
    'alpha.kubernetes.io/identity/project/name': [c.project],
    'alpha.kubernetes.io/identity/user/domain/id': ['default'],
    'alpha.kubernetes.io/identity/user/domain/name': ['Default'],
  };
  const groupsKey = apiVersion.endsWith('v1beta1') ? 'group' : 'groups';
  const attrs = c.path ? { nonResourceAttributes: { path: c.path, verb: c.verb } } : { resourceAttributes: { namespace: c.ns, verb: c.verb, group: '', version: 'v1', resource: c.resource } };
  return { apiVersion, kind: 'SubjectAccessReview', spec: { user: 'someone', uid: 'u1', [groupsKey]: [`${c.project}-0000`], extra, ...attrs } };
}

async function decide(port: number, body: unknown, path: string): Promise<boolean> {
  const r = await webhookPost(path, body, { port });
  assert.equal(r.status, 200, r.body);
  return (JSON.parse(r.body) as { status: { allowed: boolean } }).status.allowed;
}

const children: ChildProcess[] = [];
function start(cmd: string, args: string[]): ChildProcess {
  const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(c);
  return c;
}

describe('k8s-keystone-auth policy files (v1 and v2) give upstream decisions', () => {
  before(async () => {
    start(process.execPath, [join(ROOT, 'dist/src/cmd/stackube-webhook.js'), `--listen-address=127.0.0.1:${OURS}`,
      `--tls-cert-file=${PKI}/webhook.crt`, `--tls-key-file=${PKI}/webhook.key`, `--clouds-file=${STATE}/clouds.yaml`, '--cloud=stackube-service',
      `--kubeconfig=${PKI}/webhook.kubeconfig`, `--policy-file=${POLICY}`, '--tenant-rules=false', '--log-level=warn']);
    assert.ok(existsSync(KKA), `${KKA} missing: hack/test-integration.sh builds it with hack/build-keystone-auth.sh`);
    start(KKA, ['--keystone-url=http://127.0.0.1:5000/v3', `--tls-cert-file=${PKI}/webhook.crt`, `--tls-private-key-file=${PKI}/webhook.key`,
      `--keystone-policy-file=${POLICY}`, `--listen=127.0.0.1:${UPSTREAM}`]);
    assert.ok(await eventually(async () => (await webhookGet('/readyz', OURS).catch(() => ({ status: 0 }))).status === 200, 30_000), 'our webhook on 8444 did not become ready');
    assert.ok(await eventually(async () => (await webhookGet('/webhook', UPSTREAM).catch(() => ({ status: 0 }))).status !== 0, 30_000), 'k8s-keystone-auth on 8445 did not start');
  });
  after(() => {
    for (const c of children) if (c.pid) process.kill(c.pid, 'SIGTERM');
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const upstream = await decide(UPSTREAM, sar('authorization.k8s.io/v1beta1', c), '/webhook');
      const oursBeta = await decide(OURS, sar('authorization.k8s.io/v1beta1', c), '/authorize');
      const oursV1 = await decide(OURS, sar('authorization.k8s.io/v1', c), '/authorize');
      assert.equal(upstream, c.allowed, `upstream k8s-keystone-auth decided ${upstream}, the documented decision is ${c.allowed}`);
      assert.equal(oursBeta, upstream, 'stackube (v1beta1) must agree with upstream');
      assert.equal(oursV1, upstream, 'stackube (v1) must agree with upstream');
    });
  }
});
