// Tenant lifecycle against the real apiserver, Keystone and stackube-controller (started by hack/up.sh).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../src/lib/clock.js';
import { createOpenStackClient } from '../../src/openstack/core/client.js';
import { projects } from '../../src/openstack/keystone/projects.js';
import { users } from '../../src/openstack/keystone/users.js';
import { ADMIN_KUBECONFIG, STATE, cloud, eventually, freshToken, kubectl, login } from './harness.js';

const sfx = randomBytes(3).toString('hex');
const admin = { kubeconfig: ADMIN_KUBECONFIG };
const os = createOpenStackClient({ cloud: cloud('admin'), clock: systemClock, sleep: (ms) => sleep(ms) });
const identity = os.service('identity');
const ids = Object.fromEntries(readFileSync(join(STATE, 'keystone-ids.env'), 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => l.split('=') as [string, string]));

function apply(obj: unknown): ReturnType<typeof kubectl> {
  const f = join(mkdtempSync(join(tmpdir(), 'tn-')), 'obj.json');
  writeFileSync(f, JSON.stringify(obj));
  return kubectl(['apply', '-f', f], admin);
}
async function tenant(name: string): Promise<{ spec: Record<string, unknown>; status?: { phase?: string; projectID?: string; userID?: string; conditions?: { type: string; status: string; reason: string; message: string }[] } } | undefined> {
  const r = await kubectl(['get', 'tenant', name, '-o', 'json'], admin);
  return r.code === 0 ? JSON.parse(r.stdout) as never : undefined;
}
const ready = (t: Awaited<ReturnType<typeof tenant>>): string | undefined => t?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
async function waitReady(name: string, want = 'True'): Promise<NonNullable<Awaited<ReturnType<typeof tenant>>>> {
  let last: Awaited<ReturnType<typeof tenant>>;
  assert.ok(await eventually(async () => ready((last = await tenant(name))) === want, 60_000), `tenant ${name} never became Ready=${want}: ${JSON.stringify(last?.status)}`);
  return last as NonNullable<typeof last>;
}
async function gone(name: string): Promise<void> {
  assert.ok(await eventually(async () => (await tenant(name)) === undefined, 120_000), `tenant ${name} was not deleted`);
}

describe('Tenant lifecycle (real apiserver, Keystone and stackube-controller)', () => {
  after(() => os.close());

  it('the original Stackube manifest: project, user, namespace; the password moves to a Secret; a clean delete', async () => {
    const name = `orig-${sfx}`;
    const r = await apply({ apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name }, spec: { username: name, password: 'password' } });
    assert.equal(r.code, 0, r.stderr);
    const t = await waitReady(name);
    assert.equal(t.spec['password'], undefined, 'the plaintext password left the spec');
    assert.deepEqual(t.spec['passwordSecretRef'], { key: 'password', name: `tenant-${name}-password`, namespace: 'stackube-system' });
    const everything = (await kubectl(['get', 'tenant', name, '-o', 'json'], admin)).stdout;
    assert.doesNotMatch(everything, /"password":\s*"password"|\\"password\\":\s*\\"password\\"/, 'no copy of the password is left (kubectl apply keeps one in an annotation)');
    const projectID = t.status?.projectID ?? '';
    assert.equal((await projects.get(identity, projectID))?.name, name, 'the Keystone project exists');
    assert.ok(t.status?.userID && (await users.get(identity, t.status.userID)), 'the Keystone user exists');
    const ns = await kubectl(['get', 'ns', name, '-o', 'jsonpath={.metadata.labels}'], admin);
    assert.match(ns.stdout, new RegExp(`"stackube.kubernetes.io/project-id":"${projectID}"`));
    // The compatibility user logs in with Keystone and works in its namespace through the webhook.
    const tok = await freshToken({ auth: { authUrl: 'http://127.0.0.1:5000/v3', method: { type: 'password', username: name, userDomainName: 'Default', password: 'password' }, scope: { projectId: projectID } }, source: 'test' });
    const cm = await kubectl(['-n', name, 'create', 'configmap', 'hello'], { token: tok.id });
    assert.equal(cm.code, 0, cm.stderr);
    assert.equal((await kubectl(['delete', 'tenant', name, '--wait=false'], admin)).code, 0);
    await gone(name);
    assert.equal(await projects.get(identity, projectID), undefined, 'the created project is deleted');
    assert.equal(await users.get(identity, t.status?.userID ?? 'x'), undefined, 'the created user is deleted (the original leaked it)');
    assert.notEqual((await kubectl(['get', 'ns', name], admin)).code, 0, 'the namespace is deleted');
  });

  it('adopts an existing project and never deletes it', async () => {
    const name = `adopt-${sfx}`;
    assert.equal((await apply({ apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name }, spec: { projectID: ids['BETA_PROJECT_ID'] } })).code, 0);
    const t = await waitReady(name);
    assert.equal(t.status?.projectID, ids['BETA_PROJECT_ID']);
    assert.equal((await kubectl(['delete', 'tenant', name, '--wait=false'], admin)).code, 0);
    await gone(name);
    assert.ok(await projects.get(identity, ids['BETA_PROJECT_ID'] ?? ''), 'the adopted project still exists');
  });

  it('applies spec updates: quota and additional namespaces, added and removed', async () => {
    const name = `upd-${sfx}`;
    const base = { apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name } };
    assert.equal((await apply({ ...base, spec: {} })).code, 0);
    await waitReady(name);
    assert.equal((await apply({ ...base, spec: { resourceQuota: { hard: { pods: '5' } }, namespaces: { additional: [`${name}-x`] } } })).code, 0);
    assert.ok(await eventually(async () => (await kubectl(['-n', `${name}-x`, 'get', 'resourcequota', 'stackube-tenant', '-o', 'jsonpath={.spec.hard.pods}'], admin)).stdout === '5', 30_000), 'quota in the new namespace');
    assert.equal((await apply({ ...base, spec: {} })).code, 0);
    assert.ok(await eventually(async () => (await kubectl(['get', 'ns', `${name}-x`, '-o', 'jsonpath={.status.phase}'], admin)).stdout !== 'Active', 30_000), 'the dropped namespace is deleted');
    assert.equal((await kubectl(['delete', 'tenant', name, '--wait=false'], admin)).code, 0);
    await gone(name);
  });

  it('bad specs end Ready=False with a reason, or are refused by the schema', async () => {
    const unknown = `bad-proj-${sfx}`;
    assert.equal((await apply({ apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name: unknown }, spec: { projectID: '0123456789abcdef0123456789abcdef' } })).code, 0);
    const t = await waitReady(unknown, 'False');
    assert.match(JSON.stringify(t.status?.conditions), /ProjectNotFound/);
    const nosecret = `bad-secret-${sfx}`;
    assert.equal((await apply({ apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name: nosecret }, spec: { username: nosecret, passwordSecretRef: { name: 'no-such-secret', namespace: 'stackube-system' } } })).code, 0);
    assert.match(JSON.stringify((await waitReady(nosecret, 'False')).status?.conditions), /PasswordSecretMissing/);
    const cidr = await apply({ apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name: `bad-cidr-${sfx}` }, spec: { network: { cidr: '10.0.0.0/33' } } });
    assert.notEqual(cidr.code, 0, 'an invalid CIDR is refused by the schema');
    for (const n of [unknown, nosecret]) await kubectl(['delete', 'tenant', n, '--wait=false'], admin);
    for (const n of [unknown, nosecret]) await gone(n);
  });
});

describe('tenant admins create namespaces up to maxNamespaces', () => {
  const name = `selfns-${sfx}`;
  after(async () => {
    await kubectl(['delete', 'tenant', name, '--wait=false'], admin);
    await gone(name);
  });
  it('an admin creates one, the quota stops the next, members cannot, and the admin may delete only its own', async () => {
    assert.equal((await apply({ apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name }, spec: { projectID: ids['ALPHA_PROJECT_ID'], namespaces: { maxNamespaces: 2 } } })).code, 0);
    await waitReady(name);
    const carol = await login('carol');
    const alice = await login('alice');
    const first = await kubectl(['create', 'namespace', `${name}-a`], carol);
    assert.equal(first.code, 0, first.stderr);
    const labels = (await kubectl(['get', 'ns', `${name}-a`, '-o', 'jsonpath={.metadata.labels}'], admin)).stdout;
    assert.match(labels, new RegExp(`"stackube.kubernetes.io/project-id":"${ids['ALPHA_PROJECT_ID'] ?? ''}"`));
    assert.match(labels, new RegExp(`"stackube.kubernetes.io/tenant":"${name}"`));
    const second = await kubectl(['create', 'namespace', `${name}-b`], carol);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, /already has 2 of its 2 namespaces/);
    const member = await kubectl(['create', 'namespace', `${name}-c`], alice);
    assert.notEqual(member.code, 0);
    assert.match(member.stderr, /forbidden/i);
    assert.ok(await eventually(async () => (await kubectl(['-n', `${name}-a`, 'create', 'configmap', 'mine'], carol)).code === 0, 30_000), 'the creator works in its new namespace');
    assert.match((await kubectl(['delete', 'namespace', name, '--wait=false'], carol)).stderr, /forbidden/i, 'the Tenant\'s own namespace is the operator\'s');
    assert.equal((await kubectl(['delete', 'namespace', `${name}-a`, '--wait=false'], carol)).code, 0);
  });
});
