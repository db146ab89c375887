import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KubeError } from './client.js';
import type { KubeApi } from './client.js';
import { FakeKube } from './fake-kube.js';
import { Informer } from './informer.js';
import type { InformerOptions } from './informer.js';
import type { KubeObject } from './objects.js';
import { ManualScheduler } from './scheduler.js';

const CMS = '/api/v1/namespaces/ns/configmaps';
const cm = (name: string, data: Record<string, string> = {}): KubeObject & { data: Record<string, string> } => ({ metadata: { name, namespace: 'ns' }, data });

interface Seen {
  events: string[];
  errors: unknown[];
  sleeps: number[];
}

function setup(fake: Pick<KubeApi, 'request' | 'watch'>, extra: Partial<InformerOptions> = {}): { inf: Informer<KubeObject>; seen: Seen; s: ManualScheduler } {
  const s = new ManualScheduler();
  const seen: Seen = { events: [], errors: [], sleeps: [] };
  const inf = new Informer<KubeObject>({
    client: fake, path: CMS, scheduler: s,
    retryDelay: (a) => 100 * (a + 1),
    sleep: (ms) => {
      seen.sleeps.push(ms);
      return Promise.resolve();
    },
    onError: (e) => seen.errors.push(e),
    ...extra,
  });
  inf.addHandlers({
    onAdd: (o) => seen.events.push(`add ${o.metadata?.name ?? ''}`),
    onUpdate: (a, b) => seen.events.push(`update ${b.metadata?.name ?? ''} ${a.metadata?.resourceVersion ?? ''}→${b.metadata?.resourceVersion ?? ''}`),
    onDelete: (o) => seen.events.push(`delete ${o.metadata?.name ?? ''}`),
  });
  return { inf, seen, s };
}

function listCalls(fake: FakeKube): number {
  return fake.callsTo('GET', CMS).length;
}

describe('Informer', () => {
  it('lists, syncs, then follows watch adds, updates and deletes', async () => {
    const fake = new FakeKube();
    fake.seed(CMS, cm('a'));
    fake.seed(CMS, cm('b'));
    const { inf, seen, s } = setup(fake);
    assert.equal(inf.hasSynced(), false);
    inf.start();
    assert.equal(await inf.waitForSync(), true);
    assert.deepEqual(seen.events, ['add a', 'add b']);
    await s.flush();
    assert.equal(fake.openWatches(CMS).length, 1);
    assert.match(fake.openWatches(CMS)[0]?.path ?? '', /watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=102/);

    seen.events.length = 0;
    await fake.request('POST', CMS, { body: cm('c') });
    const before = inf.get('ns/a')?.metadata?.resourceVersion ?? '';
    const updated = await fake.patch<KubeObject>(`${CMS}/a`, { data: { k: 'v' } }, { type: 'merge' });
    await fake.delete(`${CMS}/b`);
    await s.flush();
    assert.deepEqual(seen.events, ['add c', `update a ${before}→${updated.metadata?.resourceVersion ?? ''}`, 'delete b']);
    assert.deepEqual(inf.keys().sort(), ['ns/a', 'ns/c']);
    assert.deepEqual((inf.get('ns/a') as { data?: unknown }).data, { k: 'v' });
    assert.equal(inf.get('ns/b'), undefined);
    assert.equal(inf.list().length, 2);
    assert.equal(inf.size, 2);
    await inf.stop();
    assert.equal(fake.openWatches(CMS).length, 0);
    assert.deepEqual(seen.errors, []);
  });

  it('a 410 ERROR event relists at once and reports exactly what was missed', async () => {
    const fake = new FakeKube();
    fake.seed(CMS, cm('keep'));
    fake.seed(CMS, cm('gone'));
    fake.seed(CMS, cm('changed'));
    const { inf, seen, s } = setup(fake);
    inf.start();
    await inf.waitForSync();
    await s.flush();
    seen.events.length = 0;
    // Changes the broken watch never delivered:
    fake.unseed(`${CMS}/gone`);
    const changed = fake.seed(CMS, cm('changed', { x: '1' }));
    fake.seed(CMS, cm('new'));
    fake.openWatches(CMS)[0]?.send({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } });
    await s.flush();
    assert.equal(listCalls(fake), 2);
    assert.deepEqual(seen.events, ['delete gone', `update changed 103→${changed.metadata?.resourceVersion ?? ''}`, 'add new']);
    assert.deepEqual(seen.sleeps, [], 'no backoff for 410');
    assert.deepEqual(seen.errors, [], '410 is routine');
    assert.equal(fake.watches[0]?.closed, true, 'the old stream was ended');
    assert.equal(fake.openWatches(CMS).length, 1);
    await inf.stop();
  });

  it('a watch that cannot be opened with 410 relists at once', async () => {
    const fake = new FakeKube();
    fake.failNext('WATCH', /configmaps/, () => new KubeError(410, 'GET', CMS, 'gone'));
    const { inf, seen, s } = setup(fake);
    inf.start();
    await inf.waitForSync();
    await s.flush();
    assert.equal(listCalls(fake), 2);
    assert.deepEqual(seen.sleeps, []);
    assert.deepEqual(seen.errors, []);
    await inf.stop();
  });

  const failures: { name: string; inject: (f: FakeKube) => void; wantSleeps: number[]; wantLists: number }[] = [
    {
      name: 'a failing list is retried with growing backoff',
      inject: (f) => f.failNext('GET', /configmaps/, () => new KubeError(0, 'GET', CMS, 'connection refused'), 3),
      wantSleeps: [100, 200, 300], wantLists: 4,
    },
    {
      name: 'a failing watch open relists after backoff',
      inject: (f) => f.failNext('WATCH', /configmaps/, () => new KubeError(500, 'GET', CMS, 'boom')),
      wantSleeps: [100], wantLists: 2,
    },
    {
      name: 'backoff restarts after a successful list',
      inject: (f) => {
        f.failNext('WATCH', /configmaps/, () => new KubeError(500, 'GET', CMS, 'boom'), 2);
      },
      wantSleeps: [100, 100], wantLists: 3,
    },
  ];
  for (const c of failures) {
    it(c.name, async () => {
      const fake = new FakeKube();
      c.inject(fake);
      const { inf, seen, s } = setup(fake);
      inf.start();
      await inf.waitForSync();
      await s.flush();
      assert.deepEqual(seen.sleeps, c.wantSleeps);
      assert.equal(listCalls(fake), c.wantLists);
      assert.equal(seen.errors.length, c.wantSleeps.length);
      assert.ok(seen.errors.every((e) => e instanceof KubeError));
      await inf.stop();
    });
  }

  it('a non-410 ERROR event is reported and relists after backoff', async () => {
    const fake = new FakeKube();
    const { inf, seen, s } = setup(fake);
    inf.start();
    await inf.waitForSync();
    await s.flush();
    fake.openWatches(CMS)[0]?.send({ type: 'ERROR', object: { code: 500, message: 'internal', reason: 'InternalError' } });
    await s.flush();
    assert.equal(seen.errors.length, 1);
    assert.equal((seen.errors[0] as KubeError).status, 500);
    assert.deepEqual(seen.sleeps, [100]);
    assert.equal(listCalls(fake), 2);
    await inf.stop();
  });

  it('a stream the server closes is re-watched from the last resourceVersion (bookmarks included), without a relist', async () => {
    const fake = new FakeKube();
    const { inf, seen, s } = setup(fake);
    inf.start();
    await inf.waitForSync();
    await s.flush();
    const w = fake.openWatches(CMS)[0];
    w?.send({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '555' } } });
    w?.end();
    await s.flush();
    assert.equal(listCalls(fake), 1);
    assert.match(fake.openWatches(CMS)[0]?.path ?? '', /resourceVersion=555$/);
    assert.deepEqual(seen.events, []);
    await inf.stop();
  });

  it('a silent stream is cut after timeoutSeconds + 30 s and re-watched', async () => {
    const fake = new FakeKube();
    const { inf, s } = setup(fake, { watchTimeoutSeconds: 60 });
    inf.start();
    await inf.waitForSync();
    await s.flush();
    const first = fake.openWatches(CMS)[0];
    await s.advance(89_999);
    assert.equal(first?.closed, false);
    await s.advance(1);
    assert.equal(first?.closed, true);
    assert.equal(fake.openWatches(CMS).length, 1);
    assert.equal(listCalls(fake), 1);
    await inf.stop();
  });

  it('a throwing handler is reported and does not stop the informer', async () => {
    const fake = new FakeKube();
    const { inf, seen, s } = setup(fake);
    inf.addHandlers({ onAdd: () => {
      throw new Error('handler bug');
    } });
    inf.start();
    await inf.waitForSync();
    await s.flush();
    await fake.request('POST', CMS, { body: cm('x') });
    await fake.request('POST', CMS, { body: cm('y') });
    await s.flush();
    assert.deepEqual(seen.events, ['add x', 'add y']);
    assert.equal(seen.errors.length, 2);
    assert.equal(listCalls(fake), 1);
    await inf.stop();
  });

  it('a handler added late first gets adds for what is cached', async () => {
    const fake = new FakeKube();
    fake.seed(CMS, cm('a'));
    const { inf } = setup(fake);
    inf.start();
    await inf.waitForSync();
    const late: string[] = [];
    inf.addHandlers({ onAdd: (o) => late.push(o.metadata?.name ?? '') });
    assert.deepEqual(late, ['a']);
    await inf.stop();
  });

  it('lists in pages and fills apiVersion and kind into list items', async () => {
    const calls: string[] = [];
    const pages: Record<string, unknown> = {
      '': { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: '7', continue: 'tok' }, items: [cm('a')] },
      tok: { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: '7' }, items: [cm('b')] },
    };
    const client: Pick<KubeApi, 'request' | 'watch'> = {
      request: <T>(_m: string, path: string): Promise<T> => {
        calls.push(path);
        return Promise.resolve(pages[new URL(path, 'https://x').searchParams.get('continue') ?? ''] as T);
      },
      watch: (_p: string, _on: unknown, signal?: AbortSignal) => new Promise<void>((r) => signal?.addEventListener('abort', () => r())),
    };
    const { inf } = setup(client, { pageSize: 1, labelSelector: 'app=x' });
    inf.start();
    await inf.waitForSync();
    assert.deepEqual(calls, [`${CMS}?limit=1&labelSelector=app%3Dx`, `${CMS}?limit=1&continue=tok&labelSelector=app%3Dx`]);
    assert.deepEqual(inf.list().map((o) => [o.apiVersion, o.kind, o.metadata?.name]), [['v1', 'ConfigMap', 'a'], ['v1', 'ConfigMap', 'b']]);
    await inf.stop();
  });

  it('resyncs every period with onUpdate(obj, obj)', async () => {
    const fake = new FakeKube();
    fake.seed(CMS, cm('a'));
    const s = new ManualScheduler();
    const inf = new Informer<KubeObject>({ client: fake, path: CMS, scheduler: s, resyncPeriodMs: 1_000 });
    const updates: boolean[] = [];
    inf.addHandlers({ onUpdate: (a, b) => updates.push(a === b) });
    inf.start();
    await inf.waitForSync();
    await s.advance(999);
    assert.deepEqual(updates, []);
    await s.advance(1);
    await s.advance(1_000);
    assert.deepEqual(updates, [true, true]);
    await inf.stop();
  });

  it('waitForSync resolves false when stopped before the first list, and start/stop are idempotent', async () => {
    const fake = new FakeKube();
    fake.failNext('GET', /configmaps/, () => new KubeError(0, 'GET', CMS, 'down'), 1_000);
    const s = new ManualScheduler();
    const inf = new Informer<KubeObject>({ client: fake, path: CMS, scheduler: s, retryDelay: () => 1_000 });
    inf.start();
    inf.start();
    const waiting = inf.waitForSync();
    await s.advance(2_500);
    assert.equal(fake.callsTo('GET').length, 3, 'default sleep uses the scheduler');
    await inf.stop();
    await inf.stop();
    assert.equal(await waiting, false);
    assert.equal(inf.hasSynced(), false);
  });

  it('waitForSync resolves false when its own signal aborts', async () => {
    const fake = new FakeKube();
    const inf = new Informer<KubeObject>({ client: fake, path: CMS, scheduler: new ManualScheduler() });
    const ac = new AbortController();
    const waiting = inf.waitForSync(ac.signal);
    ac.abort();
    assert.equal(await waiting, false);
  });
});
