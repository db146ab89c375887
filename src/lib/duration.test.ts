import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from './duration.js';
import { ValidationError } from './errors.js';

describe('parseDuration', () => {
  const good: [string | number, number][] = [
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['0.5m', 30_000],
    ['10', 10_000],
    ['0', 0],
    [' 5s ', 5_000],
    [2, 2_000],
    [0.25, 250],
    [0, 0],
  ];
  for (const [input, ms] of good) {
    it(`${JSON.stringify(input)} → ${ms} ms`, () => {
      assert.equal(parseDuration(input), ms);
    });
  }

  const bad: (string | number)[] = ['', '5d', '-1s', 'abc', '1 s', 's', '1e3s', '.5s', Number.NaN, -1, Number.POSITIVE_INFINITY];
  for (const input of bad) {
    it(`${String(input)} is refused with the option name in the message`, () => {
      assert.throws(() => parseDuration(input, 'tokenCacheMaxTtl'), (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        assert.match(e.message, /^tokenCacheMaxTtl: /);
        return true;
      });
    });
  }
});
