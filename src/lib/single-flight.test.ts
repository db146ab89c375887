import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SingleFlight } from './single-flight.js';

/** A promise the test settles by hand. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  it('concurrent callers of one key share one call and one result', async () => {
    const sf = new SingleFlight<string, number>();
    const d = deferred<number>();
    let calls = 0;
    const fn = (): Promise<number> => {
      calls++;
      return d.promise;
    };
    const ps = [sf.do('k', fn), sf.do('k', fn), sf.do('k', fn)];
    assert.equal(calls, 1);
    assert.equal(sf.size, 1);
    d.resolve(7);
    assert.deepEqual(await Promise.all(ps), [7, 7, 7]);
  });

  it('a rejection is shared by every caller', async () => {
    const sf = new SingleFlight<string, number>();
    const d = deferred<number>();
    let calls = 0;
    const fn = (): Promise<number> => {
      calls++;
      return d.promise;
    };
    const ps = [sf.do('k', fn), sf.do('k', fn)];
    d.reject(new Error('boom'));
    const results = await Promise.allSettled(ps);
    assert.equal(calls, 1);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.equal((r.reason as Error).message, 'boom');
    }
  });

  it('different keys do not share', async () => {
    const sf = new SingleFlight<string, string>();
    let calls = 0;
    const fn = (v: string) => (): Promise<string> => {
      calls++;
      return Promise.resolve(v);
    };
    const [a, b] = await Promise.all([sf.do('a', fn('A')), sf.do('b', fn('B'))]);
    assert.deepEqual([a, b, calls], ['A', 'B', 2]);
  });

  const settleCases: { name: string; settle: (d: ReturnType<typeof deferred<number>>) => void }[] = [
    { name: 'resolve', settle: (d) => d.resolve(1) },
    { name: 'reject', settle: (d) => d.reject(new Error('x')) },
  ];
  for (const c of settleCases) {
    it(`frees the key after ${c.name}, so the next call runs fn again`, async () => {
      const sf = new SingleFlight<string, number>();
      const first = deferred<number>();
      let calls = 0;
      const p1 = sf.do('k', () => {
        calls++;
        return first.promise;
      });
      c.settle(first);
      await p1.catch(() => undefined);
      assert.equal(sf.size, 0);
      const p2 = await sf.do('k', () => {
        calls++;
        return Promise.resolve(2);
      });
      assert.equal(p2, 2);
      assert.equal(calls, 2);
    });
  }
});
