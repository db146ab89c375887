import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createRegistry } from '../../telemetry/metrics.js';
import { ManualScheduler } from '../../kube/scheduler.js';
import type { DeletePolicy, SyncProject, SyncTenant } from '../../domain/keystone-sync/plan.js';
import type { SyncKeystone, SyncKube } from './ports.js';
import { REASONS, runKeystoneSync, syncMetrics, syncPass } from './sync.js';

const log = pino({ level: 'silent' });
const ID1 = '1a2b3c4d5e6f708192a3b4c5d6e7f801';
const ID2 = '2a2b3c4d5e6f708192a3b4c5d6e7f802';

/** Recording fakes: Keystone projects and Tenants as maps, every write and Event logged in order. */
function world(o: { projects?: SyncProject[]; tenants?: SyncTenant[]; namespaces?: string[] } = {}) {
  const calls: string[] = [];
  const events: string[] = [];
  const ks = { projects: new Map((o.projects ?? []).map((p) => [p.id, p])), unknownDomains: [] as string[], failList: false, failGet: new Set<string>() };
  const kube = { tenants: new Map((o.tenants ?? []).map((t) => [t.name, t])), namespaces: new Set(o.namespaces ?? []), failApply: new Set<string>(), next: 1 };
  const keystone: SyncKeystone = {
    listSelected: () => (ks.failList ? Promise.reject(new Error('keystone down')) : Promise.resolve({ projects: [...ks.projects.values()], unknownDomains: ks.unknownDomains })),
    projectExists: (id) => {
      calls.push(`exists ${id}`);
      return ks.failGet.has(id) ? Promise.reject(new Error('503')) : Promise.resolve(ks.projects.has(id));
    },
  };
  const k: SyncKube = {
    listTenants: () => Promise.resolve([...kube.tenants.values()]),
    listNamespaceNames: () => Promise.resolve([...kube.namespaces]),
    applyTenant: ({ name, projectId }) => {
      calls.push(`apply ${name} ${projectId}`);
      if (kube.failApply.has(name)) return Promise.reject(new Error('422'));
      const prev = kube.tenants.get(name);
      const uid = prev?.uid ?? `uid${kube.next++}`;
      kube.tenants.set(name, { name, uid, projectId, synced: true, markedDeleted: prev?.markedDeleted ?? false, deleting: false });
      return Promise.resolve({ name, uid });
    },
    labelProjectDeleted: (t, deleted) => {
      calls.push(`label ${t.name} ${deleted}`);
      const cur = kube.tenants.get(t.name);
      if (!cur || cur.uid !== t.uid) return Promise.resolve(false);
      kube.tenants.set(t.name, { ...cur, markedDeleted: deleted });
      return Promise.resolve(true);
    },
    deleteTenant: (t) => {
      calls.push(`delete ${t.name}`);
      const cur = kube.tenants.get(t.name);
      if (!cur || cur.uid !== t.uid) return Promise.resolve(false);
      // The tenant controller's finalizer keeps it until its namespaces are gone.
      kube.tenants.set(t.name, { ...cur, deleting: true });
      return Promise.resolve(true);
    },
    event: (t, type, reason) => events.push(`${type} ${reason} ${t.name}`),
  };
  return { calls, events, ks, kube, keystone, kube_: k };
}
const proj = (id: string, name: string): SyncProject => ({ id, name, domainId: 'd1', tags: ['team'] });
const pass = (w: ReturnType<typeof world>, policy: DeletePolicy = 'orphan', metrics?: ReturnType<typeof syncMetrics>) =>
  syncPass({ keystone: w.keystone, kube: w.kube_, policy, log, ...(metrics ? { metrics } : {}) });

describe('syncPass', () => {
  it('creates a Tenant per new project, once: a second pass changes nothing (idempotent)', async () => {
    const w = world({ projects: [proj(ID1, 'Team Alpha'), proj(ID2, 'beta')], namespaces: ['beta'] });
    const r = await pass(w);
    assert.deepEqual(r.created, ['team-alpha', `p-${ID2}`]);
    assert.deepEqual(w.calls, [`apply team-alpha ${ID1}`, `apply p-${ID2} ${ID2}`]);
    assert.deepEqual(w.events, [`Normal ${REASONS.Synced} team-alpha`, `Normal ${REASONS.Synced} p-${ID2}`]);
    w.calls.length = 0;
    const again = await pass(w);
    assert.deepEqual(again, { selected: 2, created: [], deleted: [], marked: [], unmarked: [], skipped: [], errors: 0 });
    assert.deepEqual(w.calls, []);
  });

  it('never touches Tenants without the keystone-sync label', async () => {
    const w = world({ tenants: [{ name: 'mine', uid: 'u', projectId: ID1, synced: false, markedDeleted: false, deleting: false }] });
    const r = await pass(w, 'delete');
    assert.deepEqual(r.deleted, []);
    assert.deepEqual(w.calls, []);
  });

  it('delete policy: a project deleted in Keystone deletes its Tenant, once', async () => {
    const w = world({ projects: [proj(ID1, 'alpha')] });
    await pass(w, 'delete');
    w.ks.projects.delete(ID1);
    w.calls.length = 0;
    const r = await pass(w, 'delete');
    assert.deepEqual(r.deleted, ['alpha']);
    assert.deepEqual(w.calls, [`exists ${ID1}`, 'delete alpha']);
    assert.ok(w.events.includes(`Warning ${REASONS.ProjectDeleted} alpha`));
    w.calls.length = 0;
    assert.deepEqual((await pass(w, 'delete')).deleted, [], 'a Tenant already being deleted is left to its finalizer');
    assert.deepEqual(w.calls, [`exists ${ID1}`]);
  });

  it('orphan policy: labels the Tenant and emits an Event, once; the label goes when the project is back', async () => {
    const w = world({ projects: [proj(ID1, 'alpha')] });
    await pass(w);
    const p = w.ks.projects.get(ID1);
    w.ks.projects.delete(ID1);
    const r = await pass(w);
    assert.deepEqual(r.marked, ['alpha']);
    assert.equal(w.kube.tenants.get('alpha')?.markedDeleted, true);
    assert.equal(w.kube.tenants.get('alpha')?.deleting, false, 'orphan never deletes');
    assert.deepEqual(w.events.filter((e) => e.startsWith('Warning')), [`Warning ${REASONS.ProjectDeleted} alpha`]);
    assert.deepEqual((await pass(w)).marked, [], 'labelled once');
    if (p) w.ks.projects.set(ID1, p);
    assert.deepEqual((await pass(w)).unmarked, ['alpha']);
    assert.equal(w.kube.tenants.get('alpha')?.markedDeleted, false);
    assert.ok(w.events.includes(`Normal ${REASONS.ProjectRestored} alpha`));
  });

  it('a project that still exists but is no longer selected keeps its Tenant, whatever the policy', async () => {
    const w = world({ projects: [proj(ID1, 'alpha')] });
    await pass(w, 'delete');
    const kept = w.ks.projects.get(ID1);
    w.ks.projects.delete(ID1);
    // It is "unselected" (e.g. its tag was removed), yet Keystone still has it.
    w.keystone.projectExists = (id) => Promise.resolve(id === ID1 && kept !== undefined);
    const r = await pass(w, 'delete');
    assert.deepEqual([r.deleted, r.marked], [[], []]);
  });

  it('a failing list changes nothing and rejects; the error is counted', async () => {
    const registry = createRegistry({ defaultMetrics: false });
    const m = syncMetrics(registry);
    const w = world({ tenants: [{ name: 'alpha', uid: 'u', projectId: ID1, synced: true, markedDeleted: false, deleting: false }] });
    w.ks.failList = true;
    await assert.rejects(pass(w, 'delete', m), /keystone down/);
    assert.deepEqual(w.calls, []);
    assert.match(await registry.metrics(), /stackube_keystone_sync_errors_total\{stage="list"\} 1/);
  });

  it('a failed step is counted and the others go on; Keystone not answering about a project deletes nothing', async () => {
    const registry = createRegistry({ defaultMetrics: false });
    const m = syncMetrics(registry);
    const w = world({
      projects: [proj(ID1, 'alpha'), proj(ID2, 'beta')],
      tenants: [
        { name: 'gone1', uid: 'g1', projectId: 'deadbeef1', synced: true, markedDeleted: false, deleting: false },
        { name: 'unknown', uid: 'g2', projectId: 'deadbeef2', synced: true, markedDeleted: false, deleting: false },
      ],
    });
    w.kube.failApply.add('alpha');
    w.ks.failGet.add('deadbeef2');
    w.ks.unknownDomains.push('nosuch');
    const r = await pass(w, 'delete', m);
    assert.deepEqual(r.created, ['beta']);
    assert.deepEqual(r.deleted, ['gone1']);
    assert.equal(r.errors, 3);
    const text = await registry.metrics();
    for (const stage of ['create', 'check', 'select']) assert.match(text, new RegExp(`stackube_keystone_sync_errors_total\\{stage="${stage}"\\} 1`));
    assert.match(text, /stackube_keystone_sync_tenants_created_total 1/);
    assert.match(text, /stackube_keystone_sync_tenants_deleted_total 1/);
    assert.match(text, /stackube_keystone_sync_projects_seen 2/);
    assert.match(text, /stackube_keystone_sync_pass_duration_seconds_count\{result="partial"\} 1/);
  });

  it('is crash-safe: a pass that died after some creates is completed by the next one', async () => {
    const w = world({ projects: [proj(ID1, 'alpha'), proj(ID2, 'beta')] });
    w.kube.failApply.add('beta'); // the "crash" happens before beta is created
    await pass(w);
    w.kube.failApply.clear();
    w.calls.length = 0;
    const r = await pass(w);
    assert.deepEqual(r.created, ['beta']);
    assert.deepEqual(w.calls, [`apply beta ${ID2}`]);
  });
});

describe('runKeystoneSync', () => {
  it('runs at once and then every interval until stopped', async () => {
    const s = new ManualScheduler();
    const w = world({ projects: [proj(ID1, 'alpha')] });
    let lists = 0;
    const inner = w.keystone.listSelected.bind(w.keystone);
    w.keystone.listSelected = () => {
      lists++;
      return lists === 2 ? Promise.reject(new Error('blip')) : inner();
    };
    const stop = new AbortController();
    const done = runKeystoneSync({ deps: { keystone: w.keystone, kube: w.kube_, policy: 'orphan', log }, intervalMs: 30_000, signal: stop.signal, scheduler: s });
    await s.flush();
    assert.equal(lists, 1);
    assert.equal(w.kube.tenants.size, 1);
    await s.advance(29_999);
    assert.equal(lists, 1);
    await s.advance(1);
    assert.equal(lists, 2, 'a failed pass does not stop the loop');
    await s.advance(30_000);
    assert.equal(lists, 3);
    stop.abort();
    await done;
    await s.advance(60_000);
    assert.equal(lists, 3);
  });
});
