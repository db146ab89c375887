import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualScheduler } from './scheduler.js';
import { TokenBucket, WorkQueue } from './workqueue.js';

function setup(o: { base?: number; max?: number; qps?: number; burst?: number } = {}): { q: WorkQueue; s: ManualScheduler } {
  const s = new ManualScheduler(1_000);
  const q = new WorkQueue({ scheduler: s, backoff: { baseMs: o.base ?? 10, maxMs: o.max ?? 1_000 }, bucket: { qps: o.qps ?? 1_000, burst: o.burst ?? 1_000 } });
  return { q, s };
}

/** Drains every ready key (get + done) and returns them in order. */
async function drain(q: WorkQueue): Promise<string[]> {
  const out: string[] = [];
  while (q.length > 0) {
    const k = await q.get();
    if (k === undefined) break;
    out.push(k);
    q.done(k);
  }
  return out;
}

describe('WorkQueue', () => {
  it('dedupes keys that are waiting and keeps first-in order', async () => {
    const { q } = setup();
    for (const k of ['ns/a', 'ns/b', 'ns/a', 'ns/c', 'ns/b']) q.add(k);
    assert.equal(q.length, 3);
    assert.deepEqual(await drain(q), ['ns/a', 'ns/b', 'ns/c']);
  });

  it('never hands a key out twice at once: an add during processing re-queues it on done', async () => {
    const { q } = setup();
    q.add('a');
    const k = await q.get();
    assert.equal(k, 'a');
    q.add('a');
    q.add('a');
    assert.equal(q.length, 0, 'not queued while processing');
    assert.equal(q.inFlight, 1);
    q.done('a');
    assert.equal(q.length, 1, 'queued once after done');
    assert.deepEqual(await drain(q), ['a']);
    assert.equal(q.length, 0);
  });

  it('a key done without a new add is not re-queued', async () => {
    const { q } = setup();
    q.add('a');
    q.done((await q.get()) ?? '');
    assert.equal(q.length, 0);
  });

  it('get waits for the next add and hands each waiter a different key', async () => {
    const { q, s } = setup();
    const g1 = q.get();
    const g2 = q.get();
    q.add('x');
    q.add('y');
    q.add('x');
    await s.flush();
    assert.deepEqual(await Promise.all([g1, g2]), ['x', 'y']);
    assert.equal(q.inFlight, 2);
  });

  describe('addAfter', () => {
    const cases: { name: string; adds: [number][]; readyAt: number }[] = [
      { name: 'one delay', adds: [[100]], readyAt: 100 },
      { name: 'an earlier time wins', adds: [[100], [50]], readyAt: 50 },
      { name: 'a later time is ignored', adds: [[50], [100]], readyAt: 50 },
      { name: 'zero means now', adds: [[0]], readyAt: 0 },
      { name: 'negative means now', adds: [[-5]], readyAt: 0 },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const { q, s } = setup();
        for (const [ms] of c.adds) q.addAfter('k', ms);
        if (c.readyAt > 0) {
          await s.advance(c.readyAt - 1);
          assert.equal(q.length, 0, 'not ready early');
          await s.advance(1);
        }
        assert.equal(q.length, 1);
        assert.deepEqual(await drain(q), ['k']);
        await s.advance(1_000);
        assert.equal(q.length, 0, 'queued exactly once');
      });
    }

    it('fires several keys in time order with one timer', async () => {
      const { q, s } = setup();
      q.addAfter('c', 300);
      q.addAfter('a', 100);
      q.addAfter('b', 200);
      assert.equal(s.pending, 1);
      assert.equal(q.delayedCount, 3);
      await s.advance(300);
      assert.deepEqual(await drain(q), ['a', 'b', 'c']);
    });

    it('a delayed key that is also added now is deduped while it waits', async () => {
      const { q, s } = setup();
      q.addAfter('k', 100);
      q.add('k');
      await s.advance(100);
      assert.equal(q.length, 1);
    });
  });

  describe('addRateLimited: per-key exponential backoff', () => {
    const cases: { failures: number; want: number }[] = [
      { failures: 0, want: 10 },
      { failures: 1, want: 20 },
      { failures: 2, want: 40 },
      { failures: 5, want: 320 },
      { failures: 7, want: 1_000 },
      { failures: 30, want: 1_000 },
    ];
    for (const c of cases) {
      it(`after ${c.failures} earlier failures the key waits ${c.want} ms`, async () => {
        const { q, s } = setup();
        for (let i = 0; i < c.failures; i++) q.addRateLimited('k');
        await s.advance(10_000);
        await drain(q);
        q.addRateLimited('k');
        assert.equal(q.retries('k'), c.failures + 1);
        await s.advance(c.want - 1);
        assert.equal(q.length, 0);
        await s.advance(1);
        assert.deepEqual(await drain(q), ['k']);
      });
    }

    it('forget resets the backoff of one key only', async () => {
      const { q, s } = setup();
      q.addRateLimited('a');
      q.addRateLimited('a');
      q.addRateLimited('b');
      q.forget('a');
      assert.equal(q.retries('a'), 0);
      assert.equal(q.retries('b'), 1);
      await s.advance(10_000);
      await drain(q);
      q.addRateLimited('a');
      await s.advance(10);
      assert.deepEqual(await drain(q), ['a']);
    });
  });

  it('the global token bucket delays keys once the burst is spent', async () => {
    const { q, s } = setup({ base: 1, qps: 2, burst: 2 });
    for (const k of ['a', 'b', 'c', 'd']) q.addRateLimited(k);
    await s.advance(1);
    assert.deepEqual(await drain(q), ['a', 'b'], 'burst of 2');
    await s.advance(498);
    assert.equal(q.length, 0);
    await s.advance(1);
    assert.deepEqual(await drain(q), ['c'], 'third token after 500 ms');
    await s.advance(500);
    assert.deepEqual(await drain(q), ['d'], 'fourth after 1 s');
  });

  describe('shutDown', () => {
    it('wakes waiting getters with undefined and ignores later adds', async () => {
      const { q, s } = setup();
      const g = q.get();
      await q.shutDown();
      assert.equal(await g, undefined);
      q.add('a');
      q.addAfter('b', 10);
      q.addRateLimited('c');
      await s.advance(10_000);
      assert.equal(q.length, 0);
      assert.equal(await q.get(), undefined);
      assert.equal(q.shuttingDown, true);
    });

    it('drops queued and delayed keys and cancels its timer', async () => {
      const { q, s } = setup();
      q.add('a');
      q.addAfter('b', 100);
      assert.equal(s.pending, 1);
      await q.shutDown();
      assert.equal(q.length, 0);
      assert.equal(q.delayedCount, 0);
      assert.equal(s.pending, 0);
    });

    it('resolves only once in-flight keys are done, and does not re-queue them', async () => {
      const { q, s } = setup();
      q.add('a');
      q.add('b');
      const a = await q.get();
      const b = await q.get();
      q.add('a');
      let finished = false;
      const p = q.shutDown().then(() => (finished = true));
      await s.flush();
      assert.equal(finished, false);
      q.done(a ?? '');
      await s.flush();
      assert.equal(finished, false, 'b still in flight');
      q.done(b ?? '');
      await p;
      assert.equal(finished, true);
      assert.equal(q.length, 0, 'a was dirty but the queue is shut down');
    });

    it('is idempotent', async () => {
      const { q } = setup();
      await q.shutDown();
      await q.shutDown();
      assert.equal(q.shuttingDown, true);
    });
  });
});

describe('TokenBucket', () => {
  const cases: { name: string; qps: number; burst: number; calls: number[]; want: number[] }[] = [
    { name: 'burst is free', qps: 1, burst: 3, calls: [0, 0, 0], want: [0, 0, 0] },
    { name: 'then one token per 1/qps', qps: 1, burst: 2, calls: [0, 0, 0, 0], want: [0, 0, 1_000, 2_000] },
    { name: 'tokens refill with time', qps: 10, burst: 1, calls: [0, 0, 100, 300], want: [0, 100, 100, 0] },
    { name: 'refill never exceeds burst', qps: 10, burst: 2, calls: [10_000, 10_000, 10_000], want: [0, 0, 100] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const b = new TokenBucket({ qps: c.qps, burst: c.burst }, 0);
      assert.deepEqual(c.calls.map((t) => b.reserve(t)), c.want);
    });
  }

  it('rejects a zero rate or burst', () => {
    assert.throws(() => new TokenBucket({ qps: 0, burst: 1 }, 0), RangeError);
    assert.throws(() => new TokenBucket({ qps: 1, burst: 0 }, 0), RangeError);
  });
});
