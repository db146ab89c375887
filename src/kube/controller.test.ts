import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { TerminalError } from '../lib/errors.js';
import { createLogger } from '../telemetry/logger.js';
import { createRegistry } from '../telemetry/metrics.js';
import type { Registry } from '../telemetry/metrics.js';
import type { ReconcileContext, ReconcileResult } from './controller.js';
import { Controller, controllerMetrics, specOrMetadataChanged } from './controller.js';
import { FakeKube } from './fake-kube.js';
import { Informer } from './informer.js';
import type { KubeObject } from './objects.js';
import { ManualScheduler } from './scheduler.js';

interface Call {
  key: string;
  at: number;
  retries: number;
  reconcileID: string;
}

type Behaviour = (key: string, n: number, ctx: ReconcileContext) => Promise<ReconcileResult> | ReconcileResult;

function setup(behave: Behaviour, o: { workers?: number; name?: string; registry?: Registry } = {}): {
  c: Controller; s: ManualScheduler; calls: Call[]; lines: Record<string, unknown>[]; registry: Registry;
} {
  const s = new ManualScheduler(0);
  const calls: Call[] = [];
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb): void {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  const registry = o.registry ?? createRegistry({ defaultMetrics: false });
  let id = 0;
  const perKey = new Map<string, number>();
  const c = new Controller({
    name: o.name ?? 'test', log: createLogger({ name: 't', level: 'debug', destination: sink }), registry, scheduler: s,
    workers: o.workers ?? 1,
    queue: { backoff: { baseMs: 10, maxMs: 1_000 }, bucket: { qps: 1_000, burst: 1_000 } },
    newReconcileID: () => `r${++id}`,
    reconcile: async (ctx, key) => {
      calls.push({ key, at: s.now(), retries: ctx.retries, reconcileID: ctx.reconcileID });
      const n = (perKey.get(key) ?? 0) + 1;
      perKey.set(key, n);
      return behave(key, n, ctx);
    },
  });
  return { c, s, calls, lines, registry };
}

async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = registry.getSingleMetric(name);
  assert.ok(m, name);
  const got = await m.get();
  const want = Object.entries(labels);
  return got.values.filter((v) => want.every(([k, val]) => v.labels[k] === val) && !('le' in v.labels)).reduce((a, v) => a + v.value, 0);
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Controller', () => {
  it('reconciles an added key once, with a child logger carrying controller, key and reconcileID', async () => {
    const { c, s, calls, lines, registry } = setup((_k, _n, ctx) => {
      ctx.log.info({ step: 'x' }, 'reconciling');
      return {};
    });
    c.queue.add('ns/a');
    c.queue.add('ns/a');
    const running = c.run();
    await s.advance(10_000);
    assert.deepEqual(calls, [{ key: 'ns/a', at: 0, retries: 0, reconcileID: 'r1' }]);
    const line = lines.find((l) => l['msg'] === 'reconciling');
    assert.ok(line);
    assert.equal(line['controller'], 'test');
    assert.equal(line['key'], 'ns/a');
    assert.equal(line['reconcileID'], 'r1');
    const h = await registry.getSingleMetric('stackube_controller_reconcile_duration_seconds')?.get();
    assert.equal(h?.values.find((v) => (v as { metricName?: string }).metricName === 'stackube_controller_reconcile_duration_seconds_count' && v.labels['result'] === 'success')?.value, 1);
    await c.stop();
    await running;
  });

  it('requeues after requeueAfterMs and not before', async () => {
    const { c, s, calls } = setup((_k, n) => (n === 1 ? { requeueAfterMs: 5_000 } : {}));
    void c.run();
    c.queue.add('a');
    await s.advance(4_999);
    assert.equal(calls.length, 1);
    await s.advance(1);
    assert.deepEqual(calls.map((x) => x.at), [0, 5_000]);
    await s.advance(60_000);
    assert.equal(calls.length, 2);
    await c.stop();
  });

  it('retries an ordinary error with per-key backoff, counts it, and forgets the key after a success', async () => {
    const { c, s, calls, lines, registry } = setup((_k, n) => {
      if (n <= 3) throw new Error(`transient ${n}`);
      return {};
    });
    void c.run();
    c.queue.add('a');
    await s.advance(10_000);
    assert.deepEqual(calls.map((x) => [x.at, x.retries]), [[0, 0], [10, 1], [30, 2], [70, 3]]);
    assert.equal(c.queue.retries('a'), 0, 'forgotten after success');
    assert.equal(await metric(registry, 'stackube_controller_reconcile_errors_total', { controller: 'test', kind: 'retryable' }), 3);
    assert.equal(await metric(registry, 'stackube_controller_reconcile_retries_total', { controller: 'test' }), 3);
    const warn = lines.filter((l) => l['msg'] === 'reconcile failed; retrying with backoff');
    assert.equal(warn.length, 3);
    assert.equal(warn[0]?.['error'], 'transient 1');
    assert.equal(warn[0]?.['key'], 'a');
    await c.stop();
  });

  it('a TerminalError is logged and counted but never retried', async () => {
    const { c, s, calls, lines, registry } = setup(() => {
      throw new TerminalError('STACKUBE_ERR_TENANT_INVALID', 'cidr is not a network');
    });
    void c.run();
    c.queue.add('t1');
    await s.advance(60_000);
    assert.equal(calls.length, 1);
    assert.equal(await metric(registry, 'stackube_controller_reconcile_errors_total', { controller: 'test', kind: 'terminal' }), 1);
    assert.equal(await metric(registry, 'stackube_controller_reconcile_retries_total', { controller: 'test' }), 0);
    const line = lines.find((l) => l['msg'] === 'reconcile failed permanently; not retrying');
    assert.equal(line?.['code'], 'STACKUBE_ERR_TENANT_INVALID');
    assert.equal(line?.['reconcileID'], 'r1');
    assert.equal(c.queue.retries('t1'), 0);
    await c.stop();
  });

  it('non-Error throws are retried too', async () => {
    const { c, s, calls } = setup((_k, n) => {
      if (n === 1) throw 'a string'; // eslint-disable-line @typescript-eslint/only-throw-error
      return {};
    });
    void c.run();
    c.queue.add('a');
    await s.advance(1_000);
    assert.equal(calls.length, 2);
    await c.stop();
  });

  it('never reconciles one key twice at once, while other keys run in parallel', async () => {
    const gates = new Map<string, { promise: Promise<void>; resolve: () => void }>();
    let running = 0;
    let maxRunning = 0;
    const active = new Set<string>();
    const { c, s, calls } = setup(async (key, n) => {
      assert.ok(!active.has(key), `${key} reconciled concurrently`);
      active.add(key);
      running++;
      maxRunning = Math.max(maxRunning, running);
      const g = deferred();
      gates.set(`${key}#${n}`, g);
      await g.promise;
      running--;
      active.delete(key);
      return {};
    }, { workers: 4 });
    void c.run();
    c.queue.add('a');
    c.queue.add('b');
    await s.flush();
    c.queue.add('a'); // while a#1 runs
    await s.flush();
    assert.deepEqual(calls.map((x) => x.key), ['a', 'b']);
    gates.get('a#1')?.resolve();
    await s.flush();
    assert.deepEqual(calls.map((x) => x.key), ['a', 'b', 'a'], 'a again only after a#1 finished');
    gates.get('a#2')?.resolve();
    gates.get('b#1')?.resolve();
    await s.flush();
    assert.equal(maxRunning, 2);
    await c.stop();
  });

  it('watches an informer: waits for its sync, then enqueues own keys and mapped owner keys', async () => {
    const fake = new FakeKube();
    const CMS = '/api/v1/namespaces/ns/configmaps';
    fake.seed(CMS, { metadata: { name: 'x', namespace: 'ns', labels: { owner: 'o1' } } });
    const s = new ManualScheduler();
    const inf = new Informer<KubeObject>({ client: fake, path: CMS, scheduler: s });
    const { c, calls, s: cs } = setup(() => ({}));
    c.watch(inf);
    c.watch(inf, (o) => (o.metadata?.labels?.['owner'] ? [`owner/${o.metadata.labels['owner']}`] : undefined));
    void c.run();
    await cs.flush();
    assert.equal(calls.length, 0, 'no work before the cache syncs');
    inf.start();
    await cs.flush();
    assert.deepEqual(calls.map((x) => x.key).sort(), ['ns/x', 'owner/o1']);
    await fake.delete(`${CMS}/x`);
    await cs.flush();
    assert.equal(calls.filter((x) => x.key === 'ns/x').length, 2, 'a delete enqueues the key too');
    await c.stop();
    await inf.stop();
  });

  it('stop waits for in-flight reconciles; after the grace period their signal aborts', async () => {
    const g = deferred();
    let aborted = false;
    const { c, s } = setup(async (_k, _n, ctx) => {
      ctx.signal.addEventListener('abort', () => {
        aborted = true;
        g.resolve();
      });
      await g.promise;
      return { requeueAfterMs: 1 };
    });
    const running = c.run();
    c.queue.add('a');
    await s.flush();
    let stopped = false;
    const stopping = c.stop(1_000).then(() => (stopped = true));
    await s.advance(999);
    assert.equal(stopped, false);
    assert.equal(aborted, false);
    await s.advance(1);
    await stopping;
    await running;
    assert.equal(aborted, true);
    assert.equal(c.queue.length, 0, 'no requeue after shutdown');
  });

  it('run stops when its signal aborts, even before caches sync', async () => {
    const fake = new FakeKube();
    const inf = new Informer<KubeObject>({ client: fake, path: '/api/v1/namespaces', scheduler: new ManualScheduler() });
    const { c, s } = setup(() => ({}));
    c.watch(inf);
    const ac = new AbortController();
    const running = c.run(ac.signal);
    await s.flush();
    ac.abort();
    await running;
    assert.equal(c.queue.shuttingDown, true);
  });

  it('reports queue depth per controller at scrape time, from one shared set of metrics', async () => {
    const registry = createRegistry({ defaultMetrics: false });
    const one = setup(() => ({}), { registry, name: 'one' });
    const two = setup(() => ({}), { registry, name: 'two' });
    one.c.queue.add('a');
    one.c.queue.add('b');
    two.c.queue.add('c');
    assert.equal(await metric(registry, 'stackube_controller_queue_depth', { controller: 'one' }), 2);
    assert.equal(await metric(registry, 'stackube_controller_queue_depth', { controller: 'two' }), 1);
    assert.equal(controllerMetrics(registry), controllerMetrics(registry));
    await one.c.stop();
    await two.c.stop();
  });
});

describe('specOrMetadataChanged', () => {
  const base: KubeObject & { spec: unknown; status: unknown } = {
    metadata: { name: 'a', namespace: 'ns', uid: 'u1', resourceVersion: '10', generation: 2, labels: { team: 'x' }, annotations: { note: 'n' }, finalizers: ['stackube.kubernetes.io/network'] },
    spec: { cidr: '10.0.0.0/24' },
    status: { state: 'Pending' },
  };
  /** The object after a write: a new resourceVersion plus the given changes. */
  const next = (change: (o: typeof base) => void): typeof base => {
    const o = structuredClone(base);
    o.metadata = { ...o.metadata, resourceVersion: '11' };
    change(o);
    return o;
  };
  // new: undefined means the very same object as old.
  const cases: { name: string; old: KubeObject; new: KubeObject | undefined; want: boolean }[] = [
    { name: 'status only', old: base, new: next((o) => { o.status = { state: 'Active' }; }), want: false },
    { name: 'finalizer removed only', old: base, new: next((o) => { o.metadata = { ...o.metadata, finalizers: [] }; }), want: false },
    { name: 'finalizer added only', old: base, new: next((o) => { o.metadata = { ...o.metadata, finalizers: ['a', 'b'] }; }), want: false },
    { name: 'managedFields only', old: base, new: next((o) => { o.metadata = { ...o.metadata, managedFields: [{ manager: 'stackube' }] }; }), want: false },
    { name: 'generation (spec change)', old: base, new: next((o) => { o.spec = { cidr: '10.0.1.0/24' }; o.metadata = { ...o.metadata, generation: 3 }; }), want: true },
    { name: 'labels', old: base, new: next((o) => { o.metadata = { ...o.metadata, labels: { team: 'y' } }; }), want: true },
    { name: 'labels removed', old: base, new: next((o) => { const m = { ...o.metadata }; delete m.labels; o.metadata = m; }), want: true },
    { name: 'annotations', old: base, new: next((o) => { o.metadata = { ...o.metadata, annotations: { note: 'm' } }; }), want: true },
    { name: 'deletionTimestamp set', old: base, new: next((o) => { o.metadata = { ...o.metadata, deletionTimestamp: '2026-11-23T00:00:00Z' }; }), want: true },
    { name: 'the same object (periodic resync)', old: base, new: base, want: true },
    { name: 'the same object without a resourceVersion', old: { metadata: { name: 'a' } }, new: undefined, want: true },
    { name: 'the same resourceVersion (a relist)', old: base, new: structuredClone(base), want: true },
  ];
  for (const tc of cases) {
    it(`${tc.name} → ${String(tc.want)}`, () => {
      assert.equal(specOrMetadataChanged(tc.old, tc.new ?? tc.old), tc.want);
    });
  }
});

describe('Controller.watch with an updateFilter', () => {
  const CMS = '/api/v1/namespaces/ns/configmaps';
  async function watched(filter: boolean) {
    const fake = new FakeKube();
    fake.seed(CMS, { metadata: { name: 'a', namespace: 'ns', finalizers: ['f'] } });
    const is = new ManualScheduler();
    const inf = new Informer<KubeObject>({ client: fake, path: CMS, scheduler: is, resyncPeriodMs: 60_000 });
    const { c, calls, s } = setup(() => ({}));
    c.watch(inf, undefined, filter ? { updateFilter: specOrMetadataChanged } : {});
    void c.run();
    inf.start();
    await s.flush();
    const keys = (): string[] => calls.map((x) => x.key);
    const step = async (fn: () => Promise<unknown>): Promise<void> => {
      await fn();
      await s.flush();
    };
    const stop = async (): Promise<void> => {
      await c.stop();
      await inf.stop();
    };
    return { fake, is, keys, step, stop, s };
  }

  it('does not enqueue updates it filters out, but does enqueue adds, passing updates, resyncs and deletes', async () => {
    const w = await watched(true);
    assert.deepEqual(w.keys(), ['ns/a'], 'the initial add');
    await w.step(() => w.fake.patch(`${CMS}/a/status`, { status: { state: 'Active' } }, { type: 'merge' }));
    await w.step(() => w.fake.patch(`${CMS}/a`, { metadata: { finalizers: ['f', 'g'] } }, { type: 'merge' }));
    assert.deepEqual(w.keys(), ['ns/a'], 'status-only and finalizer-only updates are filtered');
    await w.step(() => w.fake.patch(`${CMS}/a`, { metadata: { labels: { team: 'x' } } }, { type: 'merge' }));
    assert.deepEqual(w.keys(), ['ns/a', 'ns/a'], 'a label change passes');
    await w.step(() => w.fake.patch(`${CMS}/a`, { data: { k: 'v' } }, { type: 'merge' }));
    assert.deepEqual(w.keys(), ['ns/a', 'ns/a', 'ns/a'], 'a change that bumps the generation passes');
    await w.step(() => w.fake.json('POST', CMS, { metadata: { name: 'b', namespace: 'ns' } }));
    assert.deepEqual(w.keys().slice(3), ['ns/b'], 'an add is enqueued');
    await w.step(() => w.is.advance(60_000));
    assert.deepEqual(w.keys().slice(4).sort(), ['ns/a', 'ns/b'], 'a periodic resync passes');
    await w.step(() => w.fake.delete(`${CMS}/b`));
    assert.deepEqual(w.keys().slice(6), ['ns/b'], 'a delete is enqueued');
    await w.step(() => w.fake.delete(`${CMS}/a`));
    assert.deepEqual(w.keys().slice(7), ['ns/a'], 'the deletionTimestamp passes');
    await w.step(() => w.fake.patch(`${CMS}/a`, { metadata: { finalizers: null } }, { type: 'merge' }));
    assert.deepEqual(w.keys().slice(8), ['ns/a'], 'the delete after the last finalizer goes is enqueued');
    await w.stop();
  });

  it('without a filter, a status-only update is enqueued', async () => {
    const w = await watched(false);
    await w.step(() => w.fake.patch(`${CMS}/a/status`, { status: { state: 'Active' } }, { type: 'merge' }));
    assert.deepEqual(w.keys(), ['ns/a', 'ns/a']);
    await w.stop();
  });
});
