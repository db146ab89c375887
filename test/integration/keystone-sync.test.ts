// Keystone → Tenant sync against the real Keystone, apiserver and stackube-controller (started by hack/up.sh).
// Each test starts another stackube-controller itself, running only keystone-sync (the main one keeps running the
// tenant controller, so there is one tenant controller), selecting projects by a tag unique to the test, with a
// 2 s interval: one with the delete policy (port 9444), one with orphan (9445). Both are stopped by PID.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../src/lib/clock.js';
import { createOpenStackClient } from '../../src/openstack/core/client.js';
import { projects } from '../../src/openstack/keystone/projects.js';
import { ADMIN_KUBECONFIG, CLOUDS, ROOT, cloud, eventually, kubectl } from './harness.js';

const sfx = randomBytes(3).toString('hex');
const TAG = `it-sync-${sfx}`;
const PORT = 9444;
// What the main stackube-controller must do (Ready, finalizers) can wait behind other suites' tenants on a shared stack.
const MAIN_CONTROLLER_MS = 180_000;
const admin = { kubeconfig: ADMIN_KUBECONFIG };
const os = createOpenStackClient({ cloud: cloud('admin'), clock: systemClock, sleep: (ms) => sleep(ms) });
const identity = os.service('identity');

interface TenantJson {
  metadata: { name: string; uid: string; labels?: Record<string, string>; managedFields?: { manager?: string }[]; deletionTimestamp?: string };
  spec: { projectID?: string };
  status?: { projectID?: string; conditions?: { type: string; status: string; reason?: string }[] };
}

/** The Tenants adopting a project, found by the project-id label the sync sets. */
async function tenantsOf(projectId: string): Promise<TenantJson[]> {
  const r = await kubectl(['get', 'tenants', '-l', `stackube.kubernetes.io/project-id=${projectId}`, '-o', 'json', '--show-managed-fields'], admin);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { items: TenantJson[] }).items;
}
async function oneTenant(projectId: string, timeoutMs = 30_000): Promise<TenantJson> {
  let found: TenantJson[] = [];
  assert.ok(await eventually(async () => (found = await tenantsOf(projectId)).length > 0, timeoutMs), `no Tenant appeared for project ${projectId}`);
  assert.equal(found.length, 1, `exactly one Tenant for project ${projectId}`);
  return found[0] as TenantJson;
}
const ready = (t: TenantJson | undefined): boolean => t?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

/** A second stackube-controller running only keystone-sync, logging to a temp file. */
interface SyncProcess {
  child: ChildProcess;
  port: number;
  logFile: string;
}
const procs: SyncProcess[] = [];
const created: string[] = [];

async function startSync(tag: string, policy: 'orphan' | 'delete', port: number): Promise<SyncProcess> {
  const logFile = join(mkdtempSync(join(tmpdir(), 'ks-sync-')), 'controller.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [
    join(ROOT, 'dist/src/cmd/stackube-controller.js'),
    '--leader-elect=false', '--listen-address', `127.0.0.1:${port}`, '--kubeconfig', ADMIN_KUBECONFIG,
    '--clouds-file', CLOUDS, '--cloud', 'admin', '--controllers', 'keystone-sync',
    '--sync-tag', tag, '--sync-interval', '2s', '--sync-delete-policy', policy, '--identity', `${tag}-${policy}`,
  ], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const p = { child, port, logFile };
  procs.push(p);
  const up = await eventually(async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
    } catch {
      return child.exitCode !== null; // stop waiting once it died
    }
  }, 30_000);
  assert.ok(up && child.exitCode === null, `the sync controller did not start:\n${readFileSync(logFile, 'utf8')}`);
  return p;
}

/** Stops a process we started, by its PID: SIGTERM, then SIGKILL after 10 s. */
async function stopSync(p: SyncProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((res) => p.child.once('exit', res));
  process.kill(p.child.pid ?? 0, 'SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (p.child.exitCode === null && p.child.signalCode === null) process.kill(p.child.pid ?? 0, 'SIGKILL');
}

async function metrics(p: SyncProcess): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${p.port}/metrics`);
  return r.text();
}
const tail = (p: SyncProcess): string => readFileSync(p.logFile, 'utf8').slice(-4000);
async function mk(name: string, tags: string[]): Promise<string> {
  const p = await projects.create(identity, { name, domain_id: 'default', description: 'keystone-sync integration test', tags });
  created.push(p.id);
  return p.id;
}
async function eventReasons(uid: string): Promise<string> {
  return (await kubectl(['get', 'events', '-n', 'default', '--field-selector', `involvedObject.uid=${uid}`, '-o', 'jsonpath={.items[*].reason}'], admin)).stdout;
}

describe('Keystone → Tenant sync (real Keystone, apiserver and stackube-controller)', () => {
  after(async () => {
    // Stop the syncs first, so that they cannot recreate what we clean up; then Tenants; then the projects (the
    // Tenants only adopted them, so deleting a Tenant never deletes its project).
    for (const p of procs) await stopSync(p);
    for (const id of created) {
      for (const t of await tenantsOf(id)) await kubectl(['delete', 'tenant', t.metadata.name, '--wait=false'], admin);
    }
    for (const id of created) await eventually(async () => (await tenantsOf(id)).length === 0, MAIN_CONTROLLER_MS, 500);
    for (const id of created) await projects.delete(identity, id);
    await os.close();
  });

  it('tagged projects become Tenants that adopt them and get Ready; a project deleted in Keystone deletes its Tenant', async () => {
    const sync = await startSync(TAG, 'delete', PORT);
    const a = await mk(`sync-a-${sfx}`, [TAG]);
    const b = await mk(`Sync_B ${sfx}`, [TAG, 'other']);
    const k = await mk(`kube-${sfx}`, [TAG]); // a name no Tenant may take: the Tenant is p-<id>
    const mine = await mk(`sync-mine-${sfx}`, [TAG, `stackube-tenant-${sfx}`]); // made by the tenant controller: excluded
    const untagged = await mk(`sync-untagged-${sfx}`, []);

    const ta = await oneTenant(a);
    assert.equal(ta.metadata.name, `sync-a-${sfx}`);
    assert.equal(ta.spec.projectID, a, 'the Tenant adopts the project');
    assert.equal(ta.metadata.labels?.['stackube.kubernetes.io/keystone-sync'], 'true');
    assert.ok(ta.metadata.managedFields?.some((f) => f.manager === 'stackube-keystone-sync'), 'written by server-side apply as stackube-keystone-sync');
    assert.equal((await oneTenant(b)).metadata.name, `sync-b-${sfx}`, 'the name is made DNS-safe');
    assert.equal((await oneTenant(k)).metadata.name, `p-${k}`);

    // The main controller's tenant controller takes them from here.
    for (const id of [a, b, k]) {
      let t: TenantJson | undefined;
      assert.ok(await eventually(async () => ready((t = (await tenantsOf(id))[0])), MAIN_CONTROLLER_MS), `Tenant of ${id} never became Ready: ${JSON.stringify(t?.status)}`);
      assert.equal(t?.status?.projectID, id);
    }
    const ns = await kubectl(['get', 'ns', `sync-a-${sfx}`, '-o', 'jsonpath={.metadata.labels.stackube\\.kubernetes\\.io/project-id}'], admin);
    assert.equal(ns.stdout, a, "the Tenant's namespace belongs to the project");
    assert.deepEqual(await tenantsOf(mine), [], "a project the tenant controller created never gets a second Tenant");
    assert.deepEqual(await tenantsOf(untagged), [], 'an unselected project gets no Tenant');

    // Idempotent: passes keep running (every 2 s) and create nothing more.
    await sleep(4_500);
    assert.match(await metrics(sync), /stackube_keystone_sync_tenants_created_total 3\b/);
    assert.match(await metrics(sync), /stackube_keystone_sync_projects_seen 3\b/);

    const uidA = ta.metadata.uid;
    await projects.delete(identity, a);
    assert.ok(await eventually(async () => (await tenantsOf(a)).length === 0, MAIN_CONTROLLER_MS, 500), `the Tenant of the deleted project was not deleted:\n${tail(sync)}`);
    assert.notEqual((await kubectl(['get', 'ns', `sync-a-${sfx}`], admin)).code, 0, "its namespace went with it (the Tenant's finalizer)");
    assert.equal((await tenantsOf(b)).length, 1, 'the other Tenants stay');
    assert.match(await metrics(sync), /stackube_keystone_sync_tenants_deleted_total 1\b/);
    const ev = await eventReasons(uidA);
    assert.match(ev, /KeystoneProjectSynced/);
    assert.match(ev, /KeystoneProjectDeleted/);
    assert.doesNotMatch(await metrics(sync), /stackube_keystone_sync_errors_total\{stage="list"\} [1-9]/, 'no pass failed');
    // One sync per cluster: this one would act on the next test's synced Tenants too (any synced Tenant whose
    // project is gone from Keystone is deleted, whatever selected it).
    await stopSync(sync);
  });

  it('orphan policy: a project deleted in Keystone leaves its Tenant, labelled, with an Event; the tenant controller reports ProjectNotFound', async () => {
    const tag = `${TAG}-orphan`;
    const sync = await startSync(tag, 'orphan', PORT + 1);
    const id = await mk(`sync-orphan-${sfx}`, [tag]);
    const t = await oneTenant(id);
    assert.ok(await eventually(async () => ready((await tenantsOf(id))[0]), MAIN_CONTROLLER_MS), 'the Tenant became Ready');
    await projects.delete(identity, id);
    let now: TenantJson | undefined;
    assert.ok(await eventually(async () => (now = (await tenantsOf(id))[0])?.metadata.labels?.['stackube.kubernetes.io/keystone-project-deleted'] === 'true', 60_000, 500),
      `the orphaned Tenant was not labelled:\n${tail(sync)}`);
    assert.equal(now?.metadata.uid, t.metadata.uid, 'the same Tenant, kept');
    assert.equal(now?.metadata.deletionTimestamp, undefined, 'not deleted');
    assert.match(await eventReasons(t.metadata.uid), /KeystoneProjectDeleted/);
    assert.match(await metrics(sync), /stackube_keystone_sync_tenants_orphaned_total 1\b/);
    // The label change is a watch event for the tenant controller, which then finds the adopted project gone.
    assert.ok(await eventually(async () => (await tenantsOf(id))[0]?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False' && c.reason === 'ProjectNotFound') === true, MAIN_CONTROLLER_MS, 500),
      `the tenant controller did not report ProjectNotFound: ${JSON.stringify((await tenantsOf(id))[0]?.status)}`);
    await sleep(4_500);
    assert.match(await metrics(sync), /stackube_keystone_sync_tenants_orphaned_total 1\b/, 'labelled once');
    assert.equal((await tenantsOf(id)).length, 1);
    await stopSync(sync);
  });
});
