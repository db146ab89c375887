import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeKube } from '../../kube/fake-kube.js';
import { informerPodSource, podInfo, StaticPodSource } from './pods.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
};

describe('informerPodSource', () => {
  it('lists and watches only this node\'s pods (field selector), and wakes waiters on a change', async () => {
    const fake = new FakeKube();
    // The fake keeps all-namespace lists apart from namespaced ones, so the pod lives in the cluster-wide collection.
    fake.seed('/api/v1/pods', { metadata: { name: 'web', namespace: 'acme', uid: 'u1' }, spec: { nodeName: 'node-a' } } as never);
    const { source, informer } = informerPodSource({ api: fake, nodeName: 'node-a' });
    assert.equal(source.hasSynced(), false);
    informer.start();
    try {
      assert.equal(await informer.waitForSync(), true);
      assert.ok(fake.calls.some((c) => c.method === 'GET' && c.path.startsWith('/api/v1/pods?') && c.path.includes('fieldSelector=spec.nodeName%3Dnode-a')), JSON.stringify(fake.calls));
      assert.deepEqual(source.get('acme', 'web'), { namespace: 'acme', name: 'web', uid: 'u1', annotations: {} });
      assert.deepEqual([...source.uids()], ['u1']);
      await settle();
      const ac = new AbortController();
      let woke = false;
      const waiting = source.nextChange('acme', 'web', ac.signal).then(() => (woke = true));
      await fake.patch('/api/v1/pods/web', { metadata: { annotations: { a: 'b' } } }, { type: 'merge' });
      await settle();
      await waiting;
      assert.equal(woke, true);
      assert.deepEqual(source.get('acme', 'web')?.annotations, { a: 'b' });
    } finally {
      await informer.stop();
    }
  });

  it('nextChange resolves when its signal aborts, and leaves no listener', async () => {
    const s = new StaticPodSource();
    const ac = new AbortController();
    const p = s.nextChange('a', 'b', ac.signal);
    assert.equal(s.waiting, 1);
    ac.abort();
    await p;
    assert.equal(s.waiting, 0);
    await s.nextChange('a', 'b', AbortSignal.abort());
  });

  it('podInfo tolerates missing metadata', () => {
    assert.deepEqual(podInfo({}), { namespace: '', name: '', uid: '', annotations: {} });
  });
});
