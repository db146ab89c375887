// Tenant escape attempts with real kubectl as a tenant user, against the real apiserver, which calls
// stackube-webhook for authorization and for admission of pods in tenant namespaces.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, kubectl, login, ADMIN_KUBECONFIG } from './harness.js';

const sfx = randomBytes(3).toString('hex');
let alice: { kubeconfig: string; env: NodeJS.ProcessEnv };
const asAlice = (args: string[]): ReturnType<typeof kubectl> => kubectl(['-n', 'alpha', ...args], alice);
const podWith = (name: string, spec: Record<string, unknown>): string[] =>
  ['run', name, '--image=busybox', '--restart=Never', `--overrides=${JSON.stringify({ spec })}`, '--', 'sleep', '1'];

describe('tenant escape attempts are denied with a clear message', () => {
  before(async () => {
    alice = await login('alice');
  });

  const attempts: { name: string; args: () => string[]; reason: RegExp }[] = [
    { name: 'a privileged pod', args: () => podWith(`esc-priv-${sfx}`, { containers: [{ name: `esc-priv-${sfx}`, image: 'busybox', securityContext: { privileged: true } }] }), reason: /privileged containers are not allowed/ },
    { name: 'hostNetwork', args: () => podWith(`esc-net-${sfx}`, { hostNetwork: true }), reason: /hostNetwork is not allowed/ },
    { name: 'hostPID', args: () => podWith(`esc-pid-${sfx}`, { hostPID: true }), reason: /hostPID is not allowed/ },
    { name: 'hostPath', args: () => podWith(`esc-path-${sfx}`, { volumes: [{ name: 'root', hostPath: { path: '/' } }] }), reason: /hostPath volumes are not allowed/ },
    { name: 'SYS_ADMIN', args: () => podWith(`esc-cap-${sfx}`, { containers: [{ name: `esc-cap-${sfx}`, image: 'busybox', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }] }), reason: /adding capabilities SYS_ADMIN is not allowed/ },
    { name: 'the runc runtime class (hard isolation)', args: () => podWith(`esc-runc-${sfx}`, { runtimeClassName: 'runc' }), reason: /runtime class "runc" is not allowed for this tenant/ },
    { name: 'an operator-reserved annotation', args: () => ['run', `esc-ann-${sfx}`, '--image=busybox', '--restart=Never', '--annotations=stackube.kubernetes.io/vif={}'], reason: /reserved for the operator/ },
  ];
  for (const a of attempts) {
    it(`denies ${a.name}`, async () => {
      const r = await asAlice(a.args());
      assert.notEqual(r.code, 0, `expected a refusal, got: ${r.stdout}`);
      assert.match(r.stderr, /denied the request: stackube: pod refused in tenant namespace "alpha"/);
      assert.match(r.stderr, a.reason);
    });
  }

  it('denies another tenant\'s namespace', async () => {
    const r = await kubectl(['-n', 'beta', 'run', `esc-ns-${sfx}`, '--image=busybox', '--restart=Never'], alice);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /forbidden.*namespace "beta" belongs to another project/i);
  });

  it('denies touching Tenant objects (one\'s own included)', async () => {
    const r = await kubectl(['auth', 'can-i', 'patch', 'tenants.stackube.kubernetes.io/alpha'], alice);
    assert.match(r.stdout.trim(), /^no\b/);
    const file = join(mkdtempSync(join(tmpdir(), 'esc-')), 'tenant.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name: `esc-${sfx}` }, spec: {} }));
    const w = await kubectl(['create', '--raw', '/apis/stackube.kubernetes.io/v1/tenants', '-f', file], alice);
    assert.notEqual(w.code, 0);
    assert.match(w.stderr, /forbidden/i);
  });

  it('denies a privileged pod even when a controller creates it on the tenant\'s behalf', async () => {
    const dep = `esc-dep-${sfx}`;
    const file = join(mkdtempSync(join(tmpdir(), 'esc-')), 'dep.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: dep, namespace: 'alpha' },
      spec: { selector: { matchLabels: { app: dep } }, template: { metadata: { labels: { app: dep } },
        spec: { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] } } } }));
    const r = await kubectl(['apply', '-f', file], alice);
    assert.equal(r.code, 0, r.stderr);
    try {
      let message = '';
      const refused = await eventually(async () => {
        const rs = await kubectl(['-n', 'alpha', 'get', 'rs', '-l', `app=${dep}`, '-o', 'jsonpath={.items[0].status.conditions[0].message}'], { kubeconfig: ADMIN_KUBECONFIG });
        message = rs.stdout;
        return /privileged containers are not allowed/.test(message);
      }, 60_000, 500);
      assert.ok(refused, `the ReplicaSet should report the refusal, got: ${message}`);
      const pods = await kubectl(['-n', 'alpha', 'get', 'pods', '-l', `app=${dep}`, '-o', 'name'], { kubeconfig: ADMIN_KUBECONFIG });
      assert.equal(pods.stdout.trim(), '', 'no pod may exist');
    } finally {
      await kubectl(['-n', 'alpha', 'delete', 'deployment', dep, '--wait=false'], alice);
    }
  });

  it('admits an ordinary pod and gives it the tenant\'s sandboxed runtime class', async () => {
    const name = `ok-${sfx}`;
    const r = await asAlice(['run', name, '--image=busybox', '--restart=Never', '--', 'sleep', '1']);
    assert.equal(r.code, 0, r.stderr);
    const rc = await kubectl(['-n', 'alpha', 'get', 'pod', name, '-o', 'jsonpath={.spec.runtimeClassName}'], { kubeconfig: ADMIN_KUBECONFIG });
    assert.equal(rc.stdout, 'gvisor');
    await kubectl(['-n', 'alpha', 'delete', 'pod', name, '--wait=false'], { kubeconfig: ADMIN_KUBECONFIG });
  });
});

describe('each tenant\'s isolation comes from its Tenant object', () => {
  const name = `iso-${sfx}`;
  const admin = { kubeconfig: ADMIN_KUBECONFIG };
  before(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'iso-')), 'tenant.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name }, spec: { isolation: { mode: 'soft' } } }));
    assert.equal((await kubectl(['apply', '-f', file], admin)).code, 0);
    assert.ok(await eventually(async () => (await kubectl(['get', 'tenant', name, '-o', 'jsonpath={.status.phase}'], admin)).stdout === 'Active', 60_000), 'tenant never became Active');
  });
  after(async () => {
    await kubectl(['delete', 'tenant', name, '--wait=false'], admin);
  });
  it('a soft-isolated tenant may run a pod on runc; it still gets the sandbox by default', async () => {
    const r = await kubectl(['-n', name, 'run', 'on-runc', '--image=busybox', '--restart=Never', `--overrides=${JSON.stringify({ spec: { runtimeClassName: 'runc' } })}`], admin);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await kubectl(['-n', name, 'run', 'plain', '--image=busybox', '--restart=Never'], admin)).code, 0);
    assert.equal((await kubectl(['-n', name, 'get', 'pod', 'plain', '-o', 'jsonpath={.spec.runtimeClassName}'], admin)).stdout, 'gvisor');
  });
  it('switching the Tenant to hard isolation refuses runc from then on', async () => {
    assert.equal((await kubectl(['patch', 'tenant', name, '--type=merge', '-p', '{"spec":{"isolation":{"mode":"hard"}}}'], admin)).code, 0);
    const refused = await eventually(async () => {
      const r = await kubectl(['-n', name, 'run', `on-runc-${Date.now()}`, '--image=busybox', '--restart=Never', `--overrides=${JSON.stringify({ spec: { runtimeClassName: 'runc' } })}`], admin);
      return r.code !== 0 && /runtime class "runc" is not allowed/.test(r.stderr);
    }, 20_000, 500);
    assert.ok(refused, 'the webhook follows the Tenant change');
  });
});
