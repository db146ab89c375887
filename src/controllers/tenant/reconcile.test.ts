import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Tenant, TenantStatus } from '../../api/tenant.js';
import { projectTag, userMarker } from '../../domain/tenant/plan.js';
import type { TenantKeystone, TenantKube } from './ports.js';
import { tenantReconciler } from './reconcile.js';

/** Recording fakes: Keystone and Kubernetes state as maps, every call logged. */
function world(t: Tenant | undefined) {
  const calls: string[] = [];
  const ks = { projects: new Map<string, { id: string; name: string; tag?: string }>(), users: new Map<string, { id: string; name: string; marker: string }>(), next: 1 };
  const kube = { tenant: t, applied: [] as string[], namespaces: new Set<string>(), status: undefined as TenantStatus | undefined, secrets: new Map<string, string>(), pendingDeletes: 0, created: new Set<string>() };
  const keystone: TenantKeystone = {
    resolveDomain: (n) => Promise.resolve(n === 'Default' ? 'default' : undefined),
    getProject: (id) => Promise.resolve(ks.projects.get(id)),
    findProjectByTag: (tag) => Promise.resolve([...ks.projects.values()].find((p) => p.tag === tag)),
    createProject: (o) => {
      calls.push(`createProject ${o.name}`);
      const id = `p${ks.next++}`;
      ks.projects.set(id, { id, name: o.name, tag: o.tag });
      return Promise.resolve({ id });
    },
    deleteProject: (id) => {
      calls.push(`deleteProject ${id}`);
      ks.projects.delete(id);
      return Promise.resolve();
    },
    findMarkedUser: (name, _d, marker) => Promise.resolve([...ks.users.values()].find((u) => u.name === name && u.marker === marker)),
    createUser: (o) => {
      calls.push(`createUser ${o.name}`);
      const id = `u${ks.next++}`;
      ks.users.set(id, { id, name: o.name, marker: o.description });
      return Promise.resolve({ id });
    },
    deleteUser: (id) => {
      calls.push(`deleteUser ${id}`);
      ks.users.delete(id);
      return Promise.resolve();
    },
    grantRole: (o) => {
      calls.push(`grant ${o.role} ${o.id ?? o.name ?? ''}`);
      return Promise.resolve();
    },
  };
  const k: TenantKube = {
    getTenant: () => Promise.resolve(kube.tenant),
    ensureFinalizer: (x) => Promise.resolve({ ...x, metadata: { ...x.metadata, finalizers: ['f'] } }),
    removeFinalizer: () => {
      calls.push('removeFinalizer');
      kube.tenant = undefined;
      return Promise.resolve();
    },
    apply: (o) => {
      kube.applied.push(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      if (o.kind === 'Namespace') kube.namespaces.add(o.metadata.name);
      return Promise.resolve();
    },
    hasNetworkApi: () => Promise.resolve(true),
    listTenantNamespaces: () => Promise.resolve([...kube.namespaces]),
    listTenantCreatedNamespaces: () => Promise.resolve([...kube.created]),
    deleteNamespace: (n) => {
      calls.push(`deleteNamespace ${n}`);
      if (kube.pendingDeletes > 0) {
        kube.pendingDeletes--;
        return Promise.resolve(false);
      }
      kube.namespaces.delete(n);
      return Promise.resolve(true);
    },
    storePassword: (x, pw) => {
      kube.secrets.set(`tenant-${x.metadata.name ?? ''}-password`, pw);
      return Promise.resolve({ name: `tenant-${x.metadata.name ?? ''}-password`, namespace: 'stackube-system', key: 'password' });
    },
    readPassword: (ref) => Promise.resolve(kube.secrets.get(ref.name)),
    movePasswordOutOfSpec: (x, ref) => {
      calls.push('movePassword');
      const spec = { ...x.spec, passwordSecretRef: ref };
      delete spec.password;
      kube.tenant = { ...x, spec };
      return Promise.resolve();
    },
    writeStatus: (_x, s) => {
      kube.status = s;
      if (kube.tenant) kube.tenant = { ...kube.tenant, status: s };
      return Promise.resolve();
    },
    event: (_x, type, reason) => calls.push(`event ${type} ${reason}`),
  };
  return { calls, ks, kube, reconcile: tenantReconciler({ keystone, kube: k, now: () => '2026-11-23T00:00:00Z' }) };
}

const tenant = (spec: Tenant['spec'], extra: Partial<Tenant['metadata']> = {}): Tenant =>
  ({ apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name: 'acme', uid: 'uid-1', generation: 1, ...extra }, spec });

describe('tenantReconciler', () => {
  it('creates a tagged project, namespaces, RBAC and a Ready status', async () => {
    const w = world(tenant({}));
    assert.deepEqual(await w.reconcile('acme'), {});
    assert.deepEqual(w.calls.filter((c) => c.startsWith('createProject')), ['createProject acme']);
    assert.equal([...w.ks.projects.values()][0]?.tag, projectTag('uid-1'));
    assert.ok(w.kube.applied.includes('Namespace//acme'));
    assert.ok(w.kube.applied.includes('RoleBinding/acme/stackube-keystone-admin'));
    assert.ok(w.kube.applied.includes('Network/acme/acme'));
    assert.equal(w.kube.status?.phase, 'Active');
    assert.equal(w.kube.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });
  it('after a crash between create and status, finds its project by tag instead of creating a second', async () => {
    const w = world(tenant({}));
    await w.reconcile('acme');
    w.kube.tenant = tenant({}); // the status write was lost
    await w.reconcile('acme');
    assert.equal(w.calls.filter((c) => c.startsWith('createProject')).length, 1);
    assert.equal(w.ks.projects.size, 1);
  });
  it('an unknown projectID ends Ready=False ProjectNotFound and asks for a slow retry', async () => {
    const w = world(tenant({ projectID: 'nope' }));
    assert.deepEqual(await w.reconcile('acme'), { requeueAfterMs: 60_000 });
    assert.equal(w.kube.status?.phase, 'Failed');
    assert.equal(w.kube.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'ProjectNotFound');
    assert.equal(w.ks.projects.size, 0, 'nothing is created for a bad adopt');
  });
  it('moves the original password into a Secret first, then creates the user from it', async () => {
    const w = world(tenant({ username: 'bob', password: 's3cret' }));
    await w.reconcile('acme');
    assert.deepEqual(w.calls, ['movePassword', 'event Normal PasswordMoved']);
    await w.reconcile('acme');
    assert.ok(w.calls.includes('createUser bob'));
    assert.equal([...w.ks.users.values()][0]?.marker, userMarker('uid-1'));
  });
  it('deletion waits for namespaces, then removes the user and the created project, then the finalizer', async () => {
    const w = world(tenant({ username: 'bob', password: 'x' }));
    await w.reconcile('acme');
    await w.reconcile('acme');
    const t = w.kube.tenant as Tenant;
    w.kube.tenant = { ...t, metadata: { ...t.metadata, deletionTimestamp: 'now', finalizers: ['f'] } };
    w.kube.pendingDeletes = 1;
    assert.deepEqual(await w.reconcile('acme'), { requeueAfterMs: 2_000 });
    assert.ok(!w.calls.includes('removeFinalizer'));
    assert.deepEqual(await w.reconcile('acme'), {});
    assert.equal(w.ks.projects.size, 0);
    assert.equal(w.ks.users.size, 0);
    assert.equal(w.calls.at(-2), 'removeFinalizer');
  });
  it('never deletes an adopted project', async () => {
    const w = world(undefined);
    w.ks.projects.set('adopted', { id: 'adopted', name: 'theirs' });
    w.kube.tenant = tenant({ projectID: 'adopted' });
    await w.reconcile('acme');
    const t = w.kube.tenant;
    w.kube.tenant = { ...t, metadata: { ...t.metadata, deletionTimestamp: 'now', finalizers: ['f'] } };
    await w.reconcile('acme');
    assert.ok(w.ks.projects.has('adopted'));
    assert.ok(!w.calls.some((c) => c.startsWith('deleteProject')));
  });
  it('keeps and equips namespaces the tenant created itself, and prunes only dropped spec ones', async () => {
    const w = world(tenant({ namespaces: { additional: ['acme-x'] } }));
    await w.reconcile('acme');
    w.kube.created.add('acme-self');
    w.kube.namespaces.add('acme-self');
    w.kube.tenant = tenant({});
    await w.reconcile('acme');
    assert.ok(w.calls.includes('deleteNamespace acme-x'));
    assert.ok(!w.calls.includes('deleteNamespace acme-self'));
    assert.ok(w.kube.applied.includes('RoleBinding/acme-self/stackube-keystone-admin'));
  });
  it('a missing tenant is done', async () => {
    assert.deepEqual(await world(undefined).reconcile('acme'), {});
  });
});
