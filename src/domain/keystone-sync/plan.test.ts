import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Tenant } from '../../api/tenant.js';
import {
  dnsLabel, fallbackName, isSyncable, isUsableTenantName, planGone, planSync, syncedTenant, toSyncTenant,
  LABEL_KEYSTONE_PROJECT_DELETED, type DeletePolicy, type SyncProject, type SyncTenant,
} from './plan.js';

const ID1 = '1a2b3c4d5e6f708192a3b4c5d6e7f801';
const ID2 = '2a2b3c4d5e6f708192a3b4c5d6e7f802';
const ID3 = '3a2b3c4d5e6f708192a3b4c5d6e7f803';
const proj = (id: string, name: string, o: Partial<SyncProject> = {}): SyncProject => ({ id, name, domainId: 'd1', tags: ['team'], ...o });
const tn = (name: string, projectId: string | undefined, o: Partial<SyncTenant> = {}): SyncTenant => ({ name, uid: `uid-${name}`, projectId, synced: true, markedDeleted: false, deleting: false, ...o });

describe('dnsLabel', () => {
  const cases: [string, string][] = [
    ['alpha', 'alpha'],
    ['Team Alpha', 'team-alpha'],
    ['team_alpha.dev', 'team-alpha-dev'],
    ['--x--', 'x'],
    ['Ünïcødé', 'unic-de'],
    ['日本', ''],
    ['a'.repeat(70), 'a'.repeat(63)],
    [`${'a'.repeat(62)}-b`, 'a'.repeat(62)],
  ];
  for (const [input, want] of cases) it(`${JSON.stringify(input)} → ${JSON.stringify(want)}`, () => assert.equal(dnsLabel(input), want));
});

describe('isUsableTenantName', () => {
  const cases: [string, boolean][] = [
    ['alpha', true], ['a-1', true], ['', false], ['default', false], ['kube-system', false], ['kube-x', false],
    ['stackube-system', false], ['-a', false], ['A', false], ['a'.repeat(63), true], ['a'.repeat(64), false],
  ];
  for (const [name, want] of cases) it(`${JSON.stringify(name)} → ${want}`, () => assert.equal(isUsableTenantName(name), want));
});

describe('isSyncable', () => {
  const cases: [string, SyncProject, boolean][] = [
    ['an ordinary project', proj(ID1, 'alpha'), true],
    ["the Default domain's admin project", proj(ID1, 'admin', { domainId: 'default' }), false],
    ["the Default domain's service project", proj(ID1, 'service', { domainId: 'default' }), false],
    ['a project named admin in another domain', proj(ID1, 'admin', { domainId: 'd1' }), true],
    ['a project the tenant controller created', proj(ID1, 'alpha', { tags: ['team', 'stackube-tenant-5f0c'] }), false],
    ['a domain record', proj(ID1, 'dom', { isDomain: true }), false],
  ];
  for (const [what, p, want] of cases) it(what, () => assert.equal(isSyncable(p), want));
});

describe('planSync', () => {
  const cases: {
    what: string; projects: SyncProject[]; tenants?: SyncTenant[]; namespaces?: string[];
    create?: [string, string, boolean][]; skipped?: string[]; suspects?: string[]; unmark?: string[]; selected?: number;
  }[] = [
    { what: 'nothing selected, nothing to do', projects: [], create: [] },
    { what: 'a new project becomes a Tenant named after it', projects: [proj(ID1, 'Team Alpha')], create: [['team-alpha', ID1, false]] },
    { what: 'a project that a synced Tenant adopts: nothing', projects: [proj(ID1, 'alpha')], tenants: [tn('alpha', ID1)], create: [] },
    { what: 'a project that a hand-made Tenant adopts: never a second Tenant', projects: [proj(ID1, 'alpha')], tenants: [tn('mine', ID1, { synced: false })], create: [] },
    { what: 'a Tenant being deleted still holds its project', projects: [proj(ID1, 'alpha')], tenants: [tn('alpha', ID1, { deleting: true })], create: [] },
    { what: 'name taken by a Tenant of another project → p-<id>', projects: [proj(ID1, 'alpha')], tenants: [tn('alpha', 'other', { synced: false })], create: [[`p-${ID1}`, ID1, true]] },
    { what: 'name taken by an existing namespace → p-<id>', projects: [proj(ID1, 'monitoring')], namespaces: ['monitoring'], create: [[`p-${ID1}`, ID1, true]] },
    { what: 'an unusable name → p-<id>', projects: [proj(ID1, 'kube-stuff'), proj(ID2, '日本'), proj(ID3, 'default')], create: [[`p-${ID1}`, ID1, true], [`p-${ID2}`, ID2, true], [`p-${ID3}`, ID3, true]] },
    { what: 'two projects with one DNS name: the lower id keeps it', projects: [proj(ID2, 'Alpha'), proj(ID1, 'alpha', { domainId: 'd2' })], create: [['alpha', ID1, false], [`p-${ID2}`, ID2, true]] },
    { what: 'the same project listed twice (domain and tag) counts once', projects: [proj(ID1, 'alpha'), proj(ID1, 'alpha')], create: [['alpha', ID1, false]], selected: 1 },
    { what: 'even the fallback name is taken: skipped', projects: [proj(ID1, 'alpha')], tenants: [tn('alpha', 'x', { synced: false }), tn(`p-${ID1}`, 'y', { synced: false })], create: [], skipped: [ID1] },
    { what: 'an id spec.projectID refuses: skipped', projects: [proj('bad/id', 'alpha')], create: [], skipped: ['bad/id'] },
    { what: 'excluded projects are not selected', projects: [proj(ID1, 'admin', { domainId: 'default' }), proj(ID2, 'x', { tags: ['stackube-tenant-u'] })], create: [], selected: 0 },
    { what: 'a synced Tenant whose project is not listed is a suspect', projects: [], tenants: [tn('alpha', ID1)], suspects: ['alpha'] },
    { what: 'a hand-made Tenant whose project is not listed is none of our business', projects: [], tenants: [tn('alpha', ID1, { synced: false })], suspects: [] },
    { what: 'a labelled Tenant adopting no project is never touched', projects: [], tenants: [tn('alpha', undefined)], suspects: [] },
    { what: 'a Tenant marked deleted whose project is back loses the mark', projects: [proj(ID1, 'alpha')], tenants: [tn('alpha', ID1, { markedDeleted: true })], unmark: ['alpha'], create: [] },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const plan = planSync({ projects: c.projects, tenants: c.tenants ?? [], namespaces: new Set(c.namespaces ?? []) });
      if (c.create) assert.deepEqual(plan.create.map((x) => [x.name, x.projectId, x.fallback]), c.create);
      if (c.skipped) assert.deepEqual(plan.skipped.map((x) => x.projectId), c.skipped);
      assert.deepEqual(plan.suspects.map((x) => x.name), c.suspects ?? []);
      assert.deepEqual(plan.unmark.map((x) => x.name), c.unmark ?? []);
      if (c.selected !== undefined) assert.equal(plan.selected.length, c.selected);
    });
  }
  it('is deterministic whatever the input order', () => {
    const ps = [proj(ID3, 'x'), proj(ID1, 'x'), proj(ID2, 'x')];
    const a = planSync({ projects: ps, tenants: [], namespaces: new Set() });
    const b = planSync({ projects: [...ps].reverse(), tenants: [], namespaces: new Set() });
    assert.deepEqual(a.create, b.create);
    assert.equal(a.create[0]?.name, 'x');
    assert.equal(a.create[0]?.projectId, ID1);
  });
  it('fallback names are DNS labels for any Keystone id', () => {
    assert.equal(fallbackName('ABC_def'), 'p-abc-def');
  });
});

describe('planGone', () => {
  const gone = new Set([ID1]);
  const present = new Set([ID2]);
  const cases: { what: string; t: SyncTenant; policy: DeletePolicy; want: 'delete' | 'mark' | 'unmark' | 'nothing' }[] = [
    { what: 'delete policy: a project gone → delete the Tenant', t: tn('a', ID1), policy: 'delete', want: 'delete' },
    { what: 'delete policy: already being deleted → nothing', t: tn('a', ID1, { deleting: true }), policy: 'delete', want: 'nothing' },
    { what: 'delete policy, marked earlier under orphan → delete', t: tn('a', ID1, { markedDeleted: true }), policy: 'delete', want: 'delete' },
    { what: 'orphan policy: a project gone → mark', t: tn('a', ID1), policy: 'orphan', want: 'mark' },
    { what: 'orphan policy: already marked → nothing', t: tn('a', ID1, { markedDeleted: true }), policy: 'orphan', want: 'nothing' },
    { what: 'project exists but is no longer selected → nothing (never delete on a changed selection)', t: tn('a', ID2), policy: 'delete', want: 'nothing' },
    { what: 'project exists, stale mark → unmark', t: tn('a', ID2, { markedDeleted: true }), policy: 'orphan', want: 'unmark' },
    { what: 'Keystone could not say → nothing', t: tn('a', ID3), policy: 'delete', want: 'nothing' },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const p = planGone({ suspects: [c.t], gone, present, policy: c.policy });
      const got = p.delete.length ? 'delete' : p.mark.length ? 'mark' : p.unmark.length ? 'unmark' : 'nothing';
      assert.equal(got, c.want);
    });
  }
});

describe('toSyncTenant and syncedTenant', () => {
  const base = (labels: Record<string, string>, spec: Tenant['spec'], extra: Partial<Tenant['metadata']> = {}, status?: Tenant['status']): Pick<Tenant, 'metadata' | 'spec' | 'status'> =>
    ({ metadata: { name: 't', uid: 'u', labels, ...extra }, spec, ...(status ? { status } : {}) });
  it('reads the labels, the adopted project and deletion', () => {
    assert.deepEqual(toSyncTenant(base({ 'stackube.kubernetes.io/keystone-sync': 'true', [LABEL_KEYSTONE_PROJECT_DELETED]: 'true' }, { projectID: ID1 }, { deletionTimestamp: 'x' })),
      { name: 't', uid: 'u', projectId: ID1, synced: true, markedDeleted: true, deleting: true });
  });
  it("takes the original's tenantID, then the status' project", () => {
    assert.equal(toSyncTenant(base({}, { tenantID: ID2 })).projectId, ID2);
    assert.equal(toSyncTenant(base({}, {}, {}, { projectID: ID3 })).projectId, ID3);
    assert.equal(toSyncTenant(base({}, {}, {}, { projectID: '' })).projectId, undefined);
    assert.equal(toSyncTenant(base({ 'stackube.kubernetes.io/keystone-sync': 'false' }, {})).synced, false);
  });
  it('a synced Tenant adopts its project and carries the labels', () => {
    assert.deepEqual(syncedTenant({ name: 'alpha', projectId: ID1 }), {
      apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant',
      metadata: { name: 'alpha', labels: { 'stackube.kubernetes.io/keystone-sync': 'true', 'app.kubernetes.io/managed-by': 'stackube', 'stackube.kubernetes.io/project-id': ID1 } },
      spec: { projectID: ID1 },
    });
    assert.equal(syncedTenant({ name: 'a', projectId: 'x'.repeat(64) }).metadata.labels['stackube.kubernetes.io/project-id'], undefined);
  });
});
