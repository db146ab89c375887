import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const opts = { baseMs: 100, maxMs: 1_000 };
  const cases: { name: string; attempt: number; r: number; want: number }[] = [
    { name: 'attempt 0, r=0 → half of base', attempt: 0, r: 0, want: 50 },
    { name: 'attempt 0, r≈1 → just under base', attempt: 0, r: 0.999, want: 99 },
    { name: 'attempt 1 doubles', attempt: 1, r: 0, want: 100 },
    { name: 'attempt 3, r=0.5', attempt: 3, r: 0.5, want: 600 },
    { name: 'capped at maxMs', attempt: 10, r: 0.999, want: 999 },
    { name: 'huge attempt stays capped (no Infinity)', attempt: 100_000, r: 0, want: 500 },
    { name: 'negative attempt treated as 0', attempt: -3, r: 0, want: 50 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(backoffDelay(c.attempt, { ...opts, random: () => c.r }), c.want);
    });
  }

  it('never negative and never above maxMs for any attempt and random value', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      for (const r of [0, 0.1, 0.5, 0.9, 0.999999]) {
        const d = backoffDelay(attempt, { ...opts, random: () => r });
        assert.ok(d >= 0 && d <= opts.maxMs, `attempt ${attempt} r ${r} → ${d}`);
      }
    }
  });
});
