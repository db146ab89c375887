import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Tenant, TenantStatus } from '../../api/tenant.js';
import { projectTag, userMarker } from '../../domain/tenant/plan.js';
import { ruleChanges, tenantSecurityGroupMarker, tenantSecurityGroupRules, type RuleSpec } from '../../domain/network/plan.js';
import { TerminalError } from '../../lib/errors.js';
import { NeutronUnavailableError } from '../network/ports.js';
import type { TenantKeystone, TenantKube, TenantNeutron } from './ports.js';
import { NAMESPACE_WAIT_MS, tenantReconciler } from './reconcile.js';

type FakeGroup = { id: string; name: string; projectId: string; marker: string; rules: (RuleSpec & { id: string })[] };

/**
 * A recording fake TenantNeutron: security groups (found by their marker) and quotas in memory; calls are logged
 * into `calls`, and `failures` makes the next call of a method reject.
 */
function fakeTenantNeutron(calls: string[]) {
  const state = {
    groups: new Map<string, FakeGroup>(),
    quotas: new Map<string, Record<string, number>>(),
    /** Projects whose `default` group Neutron still holds. */
    defaultGroups: new Set<string>(),
    failures: new Map<string, Error>(),
    next: 1,
  };
  const run = <T>(line: string, fn: () => T): Promise<T> => new Promise<T>((resolve) => {
    const method = line.split(' ')[0] ?? '';
    // Like the Keystone fake, reads are not logged: the log is the list of changes, in order.
    if (method !== 'findSecurityGroup') calls.push(line);
    const e = state.failures.get(method);
    if (e) {
      state.failures.delete(method);
      throw e;
    }
    resolve(fn());
  });
  const view = (g: FakeGroup): { id: string; rules: (RuleSpec & { id: string })[] } => ({ id: g.id, rules: g.rules.map((r) => ({ ...r })) });
  // Neutron gives every new group an allow-all egress rule per ethertype.
  const egress = (ethertype: 'IPv4' | 'IPv6'): RuleSpec & { id: string } => ({
    id: `rule-${state.next++}`, direction: 'egress', ethertype, protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null,
  });
  const neutron: TenantNeutron = {
    findSecurityGroup: (marker) => run(`findSecurityGroup ${marker}`, () => {
      const g = [...state.groups.values()].find((x) => x.marker === marker);
      return g && view(g);
    }),
    createSecurityGroup: (o) => run(`createSecurityGroup ${o.name} ${o.projectId} ${o.marker}`, () => {
      const g: FakeGroup = { id: `sg-${state.next++}`, name: o.name, projectId: o.projectId, marker: o.marker, rules: [] };
      g.rules.push(egress('IPv4'), egress('IPv6'));
      state.groups.set(g.id, g);
      return view(g);
    }),
    createRules: (groupId, _projectId, rules) => run(`createRules ${groupId} ${rules.length}`, () => {
      const g = state.groups.get(groupId);
      for (const r of rules) g?.rules.push({ ...r, id: `rule-${state.next++}` });
    }),
    deleteRule: (id) => run(`deleteRule ${id}`, () => {
      for (const g of state.groups.values()) g.rules = g.rules.filter((r) => r.id !== id);
    }),
    deleteSecurityGroup: (id) => run(`deleteSecurityGroup ${id}`, () => { state.groups.delete(id); }),
    setQuota: (projectId, quota) => run(`setQuota ${projectId} ${JSON.stringify(quota)}`, () => { state.quotas.set(projectId, { ...quota }); }),
    resetQuota: (projectId) => run(`resetQuota ${projectId}`, () => { state.quotas.delete(projectId); }),
    deleteDefaultSecurityGroup: (projectId) => run(`deleteDefaultSecurityGroup ${projectId}`, () => { state.defaultGroups.delete(projectId); }),
  };
  return { neutron, state };
}

/** Recording fakes: Keystone and Kubernetes state as maps, every call logged; Neutron only when asked for. */
function world(t: Tenant | undefined, o: { neutron?: boolean } = {}) {
  const calls: string[] = [];
  const net = o.neutron ? fakeTenantNeutron(calls) : undefined;
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
  return {
    calls, ks, kube, net,
    reconcile: tenantReconciler({ keystone, kube: k, ...(net ? { neutron: net.neutron } : {}), now: () => '2026-11-23T00:00:00Z' }),
  };
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
    assert.deepEqual(await w.reconcile('acme'), { requeueAfterMs: NAMESPACE_WAIT_MS });
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

const deleting = (t: Tenant): Tenant => ({ ...t, metadata: { ...t.metadata, deletionTimestamp: 'now', finalizers: ['f'] } });
const condition = (s: TenantStatus | undefined, type: string) => s?.conditions?.find((c) => c.type === type);
const SG_MARKER = tenantSecurityGroupMarker('uid-1');

describe('tenantReconciler with Neutron', () => {
  it('without the neutron dep touches no security group and sets no securityGroupID', async () => {
    const w = world(tenant({ networkQuota: { networks: 1 } }));
    await w.reconcile('acme');
    assert.equal(w.kube.status?.phase, 'Active');
    assert.equal(w.kube.status?.securityGroupID, undefined);
    assert.equal(condition(w.kube.status, 'NetworkReady')?.message, 'Network acme/acme applied');
  });

  it('creates the tenant security group once, with its marker and name, and converges its rules', async () => {
    const w = world(tenant({}), { neutron: true });
    assert.deepEqual(await w.reconcile('acme'), {});
    assert.deepEqual(await w.reconcile('acme'), {});
    const sg = [...(w.net?.state.groups.values() ?? [])];
    assert.equal(sg.length, 1);
    assert.deepEqual(w.calls.filter((c) => /^(createSecurityGroup|createRules|deleteRule)/.test(c)), [
      `createSecurityGroup stackube-tenant-acme p1 ${SG_MARKER}`,
      `createRules ${sg[0]?.id ?? ''} 2`,
    ]);
    assert.equal(w.kube.status?.securityGroupID, sg[0]?.id);
    assert.deepEqual(ruleChanges(tenantSecurityGroupRules(sg[0]?.id ?? ''), sg[0]?.rules ?? []), { create: [], remove: [] });
    assert.equal(condition(w.kube.status, 'NetworkReady')?.status, 'True');
  });

  it('an existing group (found by marker) loses an allow-all ingress rule and gets the missing rules in one call', async () => {
    const w = world(tenant({}), { neutron: true });
    const any = { protocol: null, port_range_min: null, port_range_max: null } as const;
    w.net?.state.groups.set('sg-old', {
      id: 'sg-old', name: 'stackube-tenant-acme', projectId: 'p1', marker: SG_MARKER, rules: [
        { id: 'r-egress4', direction: 'egress', ethertype: 'IPv4', ...any, remote_ip_prefix: '0.0.0.0/0', remote_group_id: null },
        { id: 'r-self4', direction: 'ingress', ethertype: 'IPv4', ...any, remote_ip_prefix: null, remote_group_id: 'sg-old' },
        { id: 'r-open', direction: 'ingress', ethertype: 'IPv4', ...any, remote_ip_prefix: '0.0.0.0/0', remote_group_id: null },
      ],
    });
    await w.reconcile('acme');
    assert.deepEqual(w.calls.filter((c) => /^(createSecurityGroup|createRules|deleteRule)/.test(c)), ['createRules sg-old 2', 'deleteRule r-open']);
    const g = w.net?.state.groups.get('sg-old');
    assert.deepEqual(ruleChanges(tenantSecurityGroupRules('sg-old'), g?.rules ?? []), { create: [], remove: [] });
    assert.ok(!(g?.rules ?? []).some((r) => r.direction === 'ingress' && r.remote_group_id === null), 'no ingress rule open to every address');
    assert.equal(w.kube.status?.securityGroupID, 'sg-old');
  });

  const quotaCases: { name: string; spec: Tenant['spec']; adopted?: boolean; want: string[] }[] = [
    { name: 'networkQuota on a created project → setQuota with Neutron keys', spec: { networkQuota: { networks: 3, ports: 100, securityGroupRules: 50 } }, want: ['setQuota p1 {"network":3,"port":100,"security_group_rule":50}'] },
    { name: 'no networkQuota on a created project → resetQuota', spec: {}, want: ['resetQuota p1'] },
    { name: 'no networkQuota on an adopted project → neither', spec: { projectID: 'adopted' }, adopted: true, want: [] },
    { name: 'networkQuota on an adopted project → setQuota', spec: { projectID: 'adopted', networkQuota: { floatingIPs: 2 } }, adopted: true, want: ['setQuota adopted {"floatingip":2}'] },
  ];
  for (const tc of quotaCases) {
    it(tc.name, async () => {
      const w = world(tenant(tc.spec), { neutron: true });
      if (tc.adopted) w.ks.projects.set('adopted', { id: 'adopted', name: 'theirs' });
      await w.reconcile('acme');
      assert.deepEqual(w.calls.filter((c) => /^(setQuota|resetQuota)/.test(c)), tc.want);
      assert.equal(w.kube.status?.phase, 'Active');
    });
  }

  const failureCases: { name: string; error: Error; reason: string; requeueAfterMs: number }[] = [
    { name: 'NeutronUnavailableError', error: new NeutronUnavailableError('Neutron unavailable: connection refused'), reason: 'NeutronUnavailable', requeueAfterMs: 5_000 },
    { name: 'TerminalError', error: new TerminalError('STACKUBE_ERR_NEUTRON_REFUSED', 'Neutron refused: quota'), reason: 'NeutronRefused', requeueAfterMs: 300_000 },
  ];
  for (const tc of failureCases) {
    it(`a ${tc.name} → Ready False ${tc.reason}, requeued after ${tc.requeueAfterMs} ms`, async () => {
      const w = world(tenant({}), { neutron: true });
      w.net?.state.failures.set('findSecurityGroup', tc.error);
      assert.deepEqual(await w.reconcile('acme'), { requeueAfterMs: tc.requeueAfterMs });
      assert.equal(w.kube.status?.phase, 'Failed');
      assert.deepEqual([condition(w.kube.status, 'Ready')?.status, condition(w.kube.status, 'Ready')?.reason], ['False', tc.reason]);
      assert.deepEqual([condition(w.kube.status, 'NetworkReady')?.status, condition(w.kube.status, 'NetworkReady')?.reason], ['False', tc.reason]);
      assert.equal(condition(w.kube.status, 'Ready')?.message, tc.error.message);
      assert.ok(w.calls.includes(`event Warning ${tc.reason}`));
      // Once Neutron answers again the tenant becomes ready.
      assert.deepEqual(await w.reconcile('acme'), {});
      assert.equal(w.kube.status?.phase, 'Active');
    });
  }

  it('deletion of a created project: our group, the default group and the quota go before the Keystone project', async () => {
    const w = world(tenant({}), { neutron: true });
    await w.reconcile('acme');
    const sg = w.kube.status?.securityGroupID ?? '';
    w.net?.state.defaultGroups.add('p1');
    w.kube.tenant = deleting(w.kube.tenant as Tenant);
    w.calls.length = 0;
    assert.deepEqual(await w.reconcile('acme'), {});
    assert.deepEqual(w.calls.filter((c) => !c.startsWith('deleteNamespace') && !c.startsWith('event')), [
      `deleteSecurityGroup ${sg}`, 'deleteDefaultSecurityGroup p1', 'resetQuota p1', 'deleteProject p1', 'removeFinalizer',
    ]);
    assert.equal(w.net?.state.groups.size, 0);
    assert.equal(w.net?.state.defaultGroups.size, 0);
  });

  it('deletion of an adopted project removes only our group', async () => {
    const w = world(undefined, { neutron: true });
    w.ks.projects.set('adopted', { id: 'adopted', name: 'theirs' });
    w.kube.tenant = tenant({ projectID: 'adopted' });
    await w.reconcile('acme');
    const sg = w.kube.status?.securityGroupID ?? '';
    w.kube.tenant = deleting(w.kube.tenant);
    w.calls.length = 0;
    assert.deepEqual(await w.reconcile('acme'), {});
    assert.deepEqual(w.calls.filter((c) => !c.startsWith('deleteNamespace') && !c.startsWith('event')), [`deleteSecurityGroup ${sg}`, 'removeFinalizer']);
    assert.ok(w.ks.projects.has('adopted'));
  });

  it('deletion after the status write was lost still removes the default group and the quota of the created project', async () => {
    const w = world(tenant({}), { neutron: true });
    await w.reconcile('acme');
    w.net?.state.defaultGroups.add('p1');
    w.kube.tenant = deleting(tenant({})); // the status write was lost
    w.calls.length = 0;
    assert.deepEqual(await w.reconcile('acme'), {});
    assert.ok(w.calls.includes('deleteDefaultSecurityGroup p1'));
    assert.ok(w.calls.includes('resetQuota p1'));
    assert.ok(w.calls.indexOf('resetQuota p1') < w.calls.indexOf('deleteProject p1'));
  });

  it('a NeutronUnavailableError during deletion requeues and keeps the finalizer and the project', async () => {
    const w = world(tenant({}), { neutron: true });
    await w.reconcile('acme');
    w.kube.tenant = deleting(w.kube.tenant as Tenant);
    w.net?.state.failures.set('deleteSecurityGroup', new NeutronUnavailableError('Neutron unavailable: 503'));
    w.calls.length = 0;
    assert.deepEqual(await w.reconcile('acme'), { requeueAfterMs: 5_000 });
    assert.ok(!w.calls.includes('removeFinalizer'));
    assert.ok(!w.calls.some((c) => c.startsWith('deleteProject')));
    assert.ok(w.ks.projects.has('p1'));
    assert.ok(w.calls.includes('event Warning NeutronUnavailable'));
    assert.equal(w.kube.status?.phase, 'Terminating');
    // Neutron back: the deletion completes.
    assert.deepEqual(await w.reconcile('acme'), {});
    assert.equal(w.calls.at(-2), 'removeFinalizer');
    assert.equal(w.ks.projects.size, 0);
    assert.equal(w.net?.state.groups.size, 0);
  });
});
