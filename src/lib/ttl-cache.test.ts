import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from './clock.js';
import { TtlCache } from './ttl-cache.js';

describe('TtlCache', () => {
  it('rejects a non-positive or fractional capacity', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new TtlCache(new ManualClock(), bad), RangeError, `maxEntries=${bad}`);
    }
  });

  describe('expiry', () => {
    const cases: { name: string; ttl: number; advance: number; live: boolean }[] = [
      { name: 'fresh entry is returned', ttl: 100, advance: 0, live: true },
      { name: 'one ms before the deadline is live', ttl: 100, advance: 99, live: true },
      { name: 'exactly at the deadline is expired', ttl: 100, advance: 100, live: false },
      { name: 'after the deadline is expired', ttl: 100, advance: 5_000, live: false },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const clock = new ManualClock(1_000);
        const cache = new TtlCache<string, number>(clock, 10);
        cache.set('k', 42, clock.now() + c.ttl);
        clock.advance(c.advance);
        assert.equal(cache.get('k'), c.live ? 42 : undefined);
        // An expired lookup drops the entry.
        assert.equal(cache.size, c.live ? 1 : 0);
      });
    }
  });

  describe('deadlines in the past or now store nothing', () => {
    for (const [name, offset] of [['past', -1], ['now', 0], ['far past', -1e9]] as const) {
      it(name, () => {
        const clock = new ManualClock(10_000);
        const cache = new TtlCache<string, string>(clock, 4);
        cache.set('k', 'v', clock.now() + offset);
        assert.equal(cache.get('k'), undefined);
        assert.equal(cache.size, 0);
      });
    }
    it('a past deadline also removes an existing live value', () => {
      const clock = new ManualClock(10_000);
      const cache = new TtlCache<string, string>(clock, 4);
      cache.set('k', 'old', clock.now() + 1000);
      cache.set('k', 'new', clock.now() - 1);
      assert.equal(cache.get('k'), undefined);
    });
  });

  it('overwriting a key replaces value and deadline', () => {
    const clock = new ManualClock();
    const cache = new TtlCache<string, string>(clock, 4);
    cache.set('k', 'a', 100);
    cache.set('k', 'b', 1_000);
    clock.advance(500);
    assert.equal(cache.get('k'), 'b');
    assert.equal(cache.size, 1);
  });

  describe('eviction when full', () => {
    it('evicts the oldest insertion first', () => {
      const clock = new ManualClock();
      const cache = new TtlCache<string, number>(clock, 3);
      cache.set('a', 1, 1_000);
      cache.set('b', 2, 1_000);
      cache.set('c', 3, 1_000);
      cache.set('d', 4, 1_000);
      assert.equal(cache.size, 3);
      assert.deepEqual(['a', 'b', 'c', 'd'].map((k) => cache.get(k)), [undefined, 2, 3, 4]);
    });

    it('sweeps expired entries before evicting live ones', () => {
      const clock = new ManualClock();
      const cache = new TtlCache<string, number>(clock, 3);
      cache.set('old-live', 1, 10_000);
      cache.set('short1', 2, 50);
      cache.set('short2', 3, 50);
      clock.advance(60);
      cache.set('new', 4, 10_000);
      // Both expired entries went; the oldest live one stayed.
      assert.equal(cache.size, 2);
      assert.equal(cache.get('old-live'), 1);
      assert.equal(cache.get('new'), 4);
    });

    it('re-setting an existing key when full does not evict another key', () => {
      const clock = new ManualClock();
      const cache = new TtlCache<string, number>(clock, 2);
      cache.set('a', 1, 1_000);
      cache.set('b', 2, 1_000);
      cache.set('a', 10, 1_000);
      assert.equal(cache.get('a'), 10);
      assert.equal(cache.get('b'), 2);
    });

    it('capacity 1 keeps only the newest', () => {
      const clock = new ManualClock();
      const cache = new TtlCache<number, number>(clock, 1);
      for (let i = 0; i < 5; i++) cache.set(i, i, 1_000);
      assert.equal(cache.size, 1);
      assert.equal(cache.get(4), 4);
      assert.equal(cache.get(3), undefined);
    });
  });

  it('delete is idempotent', () => {
    const cache = new TtlCache<string, number>(new ManualClock(), 2);
    cache.set('a', 1, 100);
    cache.delete('a');
    cache.delete('a');
    cache.delete('never');
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.size, 0);
  });
});
