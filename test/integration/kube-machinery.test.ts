// The controller machinery in src/kube against the real kube-apiserver from hack/up.sh: informer, leader
// election, server-side apply, finalizers, events, and the controller runner end to end. Everything happens in a
// scratch namespace that the suite creates and deletes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from '../../src/kube/client.js';
import { isConflict, isNotFound } from '../../src/kube/client.js';
import { Controller } from '../../src/kube/controller.js';
import { EventRecorder } from '../../src/kube/events.js';
import { Informer } from '../../src/kube/informer.js';
import { LeaderElector } from '../../src/kube/leader-election.js';
import type { Lease } from '../../src/kube/leader-election.js';
import { NamespaceDirectory } from '../../src/kube/namespace-directory.js';
import type { KubeObject } from '../../src/kube/objects.js';
import {
  applyStatus, createOrUpdate, deleteObject, ensureFinalizer, getObject, removeFinalizer, RESOURCES, resourcePath, splitKey, updateStatus,
} from '../../src/kube/objects.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { createRegistry } from '../../src/telemetry/metrics.js';
import { adminKube, eventually } from './harness.js';

type ConfigMap = KubeObject & { data?: Record<string, string> };

const suffix = randomBytes(3).toString('hex');
const NS = `it-kube-${suffix}`;
const LABEL = 'stackube.kubernetes.io/project-id';
const FIN = 'stackube.kubernetes.io/it-cleanup';
const quietLog = createLogger({ name: 'it', level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
let kube: KubeClient;

const cm = (name: string, data: Record<string, string> = {}): ConfigMap => ({ metadata: { name, namespace: NS }, data });

describe('kube machinery against the real kube-apiserver', () => {
  before(async () => {
    kube = adminKube('stackube-it');
    await createOrUpdate(kube, RESOURCES.namespaces, { metadata: { name: NS, labels: { [LABEL]: `project-${suffix}` } } });
  });

  after(async () => {
    // Drop any finalizer a failed test left, so the namespace can go.
    const list = await kube.request<{ items: ConfigMap[] }>('GET', resourcePath(RESOURCES.configMaps, NS));
    for (const o of list.items) await removeFinalizer(kube, RESOURCES.configMaps, o, FIN).catch(() => undefined);
    await deleteObject(kube, RESOURCES.namespaces, undefined, NS);
    kube.close();
  });

  it('an informer sees add, update and delete of ConfigMaps, and its cache follows', async () => {
    const seen: string[] = [];
    const errors: unknown[] = [];
    const inf = new Informer<ConfigMap>({ client: kube, path: resourcePath(RESOURCES.configMaps, NS), onError: (e) => errors.push(e) });
    inf.addHandlers({
      onAdd: (o) => seen.push(`add ${o.metadata?.name ?? ''}`),
      onUpdate: (_a, b) => seen.push(`update ${b.metadata?.name ?? ''} ${b.data?.['k'] ?? ''}`),
      onDelete: (o) => seen.push(`delete ${o.metadata?.name ?? ''}`),
    });
    inf.start();
    try {
      assert.equal(await inf.waitForSync(AbortSignal.timeout(10_000)), true);
      const listed = inf.get(`${NS}/kube-root-ca.crt`);
      if (listed) assert.equal(listed.kind, 'ConfigMap', 'list items carry their kind');
      await createOrUpdate(kube, RESOURCES.configMaps, cm('inf-a', { k: 'v1' }));
      assert.ok(await eventually(() => Promise.resolve(seen.includes('add inf-a')), 10_000), seen.join(', '));
      await kube.patch(resourcePath(RESOURCES.configMaps, NS, 'inf-a'), { data: { k: 'v2' } }, { type: 'merge' });
      assert.ok(await eventually(() => Promise.resolve(seen.includes('update inf-a v2')), 10_000), seen.join(', '));
      assert.equal(inf.get(`${NS}/inf-a`)?.data?.['k'], 'v2');
      assert.ok(inf.list().some((o) => o.metadata?.name === 'inf-a'));
      await deleteObject(kube, RESOURCES.configMaps, NS, 'inf-a');
      assert.ok(await eventually(() => Promise.resolve(seen.includes('delete inf-a')), 10_000), seen.join(', '));
      assert.equal(inf.get(`${NS}/inf-a`), undefined);
      assert.deepEqual(errors, []);
    } finally {
      await inf.stop();
    }
  });

  it('NamespaceDirectory (built on the informer) maps the scratch namespace to its project label', async () => {
    const dir = new NamespaceDirectory({ client: kube, label: LABEL, retryDelay: () => 500, sleep: (ms, signal) => sleep(ms, undefined, { signal }) });
    dir.start();
    try {
      assert.ok(await eventually(() => Promise.resolve(dir.synced), 10_000));
      assert.equal(dir.projectOf(NS), `project-${suffix}`);
      assert.ok(dir.size > 1);
    } finally {
      await dir.stop();
    }
  });

  it('two leader-election candidates on one Lease: only one leads, the other takes over after it releases', async () => {
    const leases = resourcePath(RESOURCES.leases, NS, 'it-leader');
    const timing = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 };
    const make = (identity: string): { el: LeaderElector; started: string[]; stop: AbortController; done: Promise<void> } => {
      const started: string[] = [];
      const el = new LeaderElector({
        client: kube, namespace: NS, name: 'it-leader', identity, ...timing,
        callbacks: { onStartedLeading: () => void started.push('started'), onStoppedLeading: () => void started.push('stopped') },
      });
      const stop = new AbortController();
      return { el, started, stop, done: el.run(stop.signal) };
    };
    const a = make(`a-${suffix}`);
    assert.ok(await eventually(() => Promise.resolve(a.el.isLeader()), 10_000), 'a leads');
    const b = make(`b-${suffix}`);
    await sleep(2_500); // several renew periods
    assert.equal(a.el.isLeader(), true);
    assert.equal(b.el.isLeader(), false, 'b must not lead while a renews');
    assert.equal(b.el.leader(), `a-${suffix}`);
    const held = await kube.request<Lease>('GET', leases);
    assert.equal(held.spec?.holderIdentity, `a-${suffix}`);
    assert.equal(held.spec?.leaseDurationSeconds, 4);

    const releasedAt = Date.now();
    a.stop.abort();
    await a.done;
    assert.deepEqual(a.started, ['started', 'stopped']);
    assert.ok(await eventually(() => Promise.resolve(b.el.isLeader()), 5_000), 'b takes over');
    assert.ok(Date.now() - releasedAt < timing.leaseDurationMs, 'without waiting for the lease to expire');
    const taken = await kube.request<Lease>('GET', leases);
    assert.equal(taken.spec?.holderIdentity, `b-${suffix}`);
    assert.equal(taken.spec?.leaseTransitions, 1);
    b.stop.abort();
    await b.done;
    assert.equal((await kube.request<Lease>('GET', leases)).spec?.holderIdentity ?? '', '');
  });

  it('server-side apply createOrUpdate is idempotent and owns exactly the fields it sends', async () => {
    const first = await createOrUpdate(kube, RESOURCES.configMaps, cm('ssa', { a: '1', b: '2' }), { fieldManager: 'it-ssa' });
    const again = await createOrUpdate(kube, RESOURCES.configMaps, cm('ssa', { a: '1', b: '2' }), { fieldManager: 'it-ssa' });
    assert.equal(again.metadata?.resourceVersion, first.metadata?.resourceVersion, 're-applying the same object changes nothing');
    const managers = (again.metadata as { managedFields?: { manager: string; operation: string }[] }).managedFields ?? [];
    assert.ok(managers.some((m) => m.manager === 'it-ssa' && m.operation === 'Apply'), JSON.stringify(managers));
    const changed = await createOrUpdate(kube, RESOURCES.configMaps, cm('ssa', { a: '3' }), { fieldManager: 'it-ssa' });
    assert.notEqual(changed.metadata?.resourceVersion, first.metadata?.resourceVersion);
    assert.deepEqual(changed.data, { a: '3' }, 'a field the manager stopped sending is removed');
    // Another writer's field, then our apply with force: we take back ours and leave theirs.
    await kube.patch(resourcePath(RESOURCES.configMaps, NS, 'ssa'), { data: { a: 'theirs', c: 'theirs' } }, { type: 'merge', fieldManager: 'someone-else' });
    const forced = await createOrUpdate(kube, RESOURCES.configMaps, cm('ssa', { a: '3' }), { fieldManager: 'it-ssa' });
    assert.deepEqual(forced.data, { a: '3', c: 'theirs' });
  });

  it('ensureFinalizer / removeFinalizer hold and then release a deleted object', async () => {
    const created = await createOrUpdate(kube, RESOURCES.configMaps, cm('fin'));
    const held = await ensureFinalizer(kube, RESOURCES.configMaps, created, FIN);
    assert.deepEqual(held.metadata?.finalizers, [FIN]);
    assert.equal(await ensureFinalizer(kube, RESOURCES.configMaps, held, FIN), held, 'no call when present');
    await assert.rejects(ensureFinalizer(kube, RESOURCES.configMaps, created, 'other.example/f'), (e: unknown) => isConflict(e), 'a stale object is refused');
    assert.equal(await deleteObject(kube, RESOURCES.configMaps, NS, 'fin'), true);
    const deleting = await getObject<ConfigMap>(kube, RESOURCES.configMaps, NS, 'fin');
    assert.ok(deleting?.metadata?.deletionTimestamp, 'kept by the finalizer');
    const last = await removeFinalizer(kube, RESOURCES.configMaps, deleting, FIN);
    assert.equal(last?.metadata?.name, 'fin');
    assert.equal(await getObject(kube, RESOURCES.configMaps, NS, 'fin'), undefined, 'gone once released');
    assert.equal(await removeFinalizer(kube, RESOURCES.configMaps, deleting, FIN), undefined, 'NotFound counts as done');
  });

  it('updateStatus and applyStatus write only the status subresource of a custom resource', async () => {
    // Not under *.kubernetes.io: those groups are protected and need an api-approved.kubernetes.io annotation.
    const group = `it${suffix}.stackube.test`;
    const crds = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false, kind: 'CustomResourceDefinition' };
    const widgets = { group, version: 'v1', plural: 'widgets', namespaced: true, kind: 'Widget' };
    const open = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    await createOrUpdate(kube, crds, {
      metadata: { name: `widgets.${group}` },
      spec: {
        group, scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: open, status: open } } } }],
      },
    });
    try {
      type Widget = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
      let w: Widget | undefined;
      // The CRD takes a moment to be served.
      assert.ok(await eventually(async () => {
        try {
          w = await createOrUpdate<Widget>(kube, widgets, { metadata: { name: 'w1', namespace: NS }, spec: { size: 1 } });
          return true;
        } catch (e) {
          if (isNotFound(e)) return false;
          throw e;
        }
      }, 15_000));
      assert.ok(w);
      const written = await updateStatus(kube, widgets, { ...w, spec: { size: 99 }, status: { phase: 'Ready', observedGeneration: 1 } });
      assert.deepEqual(written.status, { phase: 'Ready', observedGeneration: 1 });
      assert.deepEqual(written.spec, { size: 1 }, 'spec is ignored on /status');
      assert.equal(written.metadata?.generation, 1, 'status writes do not bump generation');
      await assert.rejects(updateStatus(kube, widgets, { ...w, status: { phase: 'Stale' } }), (e: unknown) => isConflict(e), 'guarded by resourceVersion');
      const applied = await applyStatus(kube, widgets, { metadata: { name: 'w1', namespace: NS }, status: { phase: 'Applied' } }, { fieldManager: 'it-status' });
      assert.equal(applied.status?.['phase'], 'Applied');
      // An informer on the custom resource path.
      const inf = new Informer<Widget>({ client: kube, path: resourcePath(widgets, NS) });
      inf.start();
      try {
        assert.equal(await inf.waitForSync(AbortSignal.timeout(10_000)), true);
        assert.equal(inf.get(`${NS}/w1`)?.kind, 'Widget');
        assert.equal(inf.get(`${NS}/w1`)?.status?.['phase'], 'Applied');
      } finally {
        await inf.stop();
      }
    } finally {
      await deleteObject(kube, crds, undefined, `widgets.${group}`);
    }
  });

  it('an Event is recorded, then aggregated into count 2', async () => {
    const obj = await createOrUpdate(kube, RESOURCES.configMaps, cm('evt'));
    const errors: unknown[] = [];
    const rec = new EventRecorder({ client: kube, controller: 'stackube.kubernetes.io/it-controller', instance: `it-${suffix}`, onError: (e) => errors.push(e) });
    rec.event(obj, 'Warning', 'ItFailed', 'first');
    rec.event(obj, 'Warning', 'ItFailed', 'second');
    await rec.flush();
    assert.deepEqual(errors, []);
    const q = new URLSearchParams({ fieldSelector: `involvedObject.name=evt,reason=ItFailed` }).toString();
    const events = await kube.request<{ items: (KubeObject & { count?: number; message?: string; type?: string; involvedObject?: { uid?: string }; source?: { component?: string } })[] }>('GET', `${resourcePath(RESOURCES.events, NS)}?${q}`);
    assert.equal(events.items.length, 1);
    const ev = events.items[0];
    assert.equal(ev?.count, 2);
    assert.equal(ev?.message, 'second');
    assert.equal(ev?.type, 'Warning');
    assert.equal(ev?.involvedObject?.uid, obj.metadata?.uid);
    assert.equal(ev?.source?.component, 'stackube.kubernetes.io/it-controller');
  });

  it('the controller runner reconciles what its informer sees, retrying failures', async () => {
    const inf = new Informer<ConfigMap>({ client: kube, path: resourcePath(RESOURCES.configMaps, NS), labelSelector: 'it-controller=yes' });
    let failures = 0;
    const c = new Controller({
      name: 'it', log: quietLog, registry: createRegistry({ defaultMetrics: false }), workers: 2,
      reconcile: async (_ctx, key) => {
        const cur = inf.get(key);
        if (!cur || cur.data?.['reconciled'] === 'true') return {};
        if (failures++ === 0) throw new Error('first attempt fails');
        const { namespace, name } = splitKey(key);
        await createOrUpdate(kube, RESOURCES.configMaps, { metadata: { name, namespace }, data: { reconciled: 'true' } }, { fieldManager: 'it-controller' });
        return {};
      },
    });
    c.watch(inf);
    inf.start();
    const running = c.run();
    try {
      await createOrUpdate(kube, RESOURCES.configMaps, { metadata: { name: 'ctl', namespace: NS, labels: { 'it-controller': 'yes' } } }, { fieldManager: 'it-user' });
      assert.ok(await eventually(async () => (await getObject<ConfigMap>(kube, RESOURCES.configMaps, NS, 'ctl'))?.data?.['reconciled'] === 'true', 10_000));
      assert.equal(failures, 2, 'one failure, one success');
    } finally {
      await c.stop();
      await running;
      await inf.stop();
    }
  });
});
