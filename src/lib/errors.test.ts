import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, TerminalError, ValidationError, describeError, toError } from './errors.js';

describe('describeError', () => {
  const loop = new Error('loop');
  (loop as { cause?: unknown }).cause = loop;
  const deep = Array.from({ length: 8 }, (_, i) => `level${i}`).reduceRight<unknown>((cause, m) => new Error(m, cause === undefined ? undefined : { cause }), undefined);

  const cases: { name: string; input: unknown; want: string }[] = [
    { name: 'plain Error', input: new Error('boom'), want: 'boom' },
    { name: 'cause chain joined with ": "', input: new Error('outer', { cause: new Error('inner') }), want: 'outer: inner' },
    { name: 'AppError keeps its cause', input: new AppError('STACKUBE_ERR_X_Y', 'app', { cause: new Error('why') }), want: 'app: why' },
    { name: 'repeated messages appear once', input: new Error('same', { cause: new Error('same') }), want: 'same' },
    { name: 'a self-referencing cause terminates', input: loop, want: 'loop' },
    { name: 'at most five levels', input: deep, want: 'level0: level1: level2: level3: level4' },
    { name: 'thrown string', input: 'just text', want: 'just text' },
    { name: 'thrown number', input: 42, want: 'non-error thrown: 42' },
    { name: 'thrown object', input: { a: 1 }, want: 'non-error thrown: [object Object]' },
    { name: 'string cause', input: new Error('outer', { cause: 'inner text' }), want: 'outer: inner text' },
    { name: 'thrown undefined is still described', input: undefined, want: 'non-error thrown: undefined' },
    { name: 'thrown null is still described', input: null, want: 'non-error thrown: null' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(describeError(c.input), c.want);
    });
  }
});

describe('error classes', () => {
  it('ValidationError is a TerminalError and an AppError with the input code', () => {
    const e = new ValidationError('bad', { field: 'x' });
    assert.ok(e instanceof TerminalError);
    assert.ok(e instanceof AppError);
    assert.equal(e.code, 'STACKUBE_ERR_INPUT_INVALID');
    assert.equal(e.name, 'ValidationError');
    assert.deepEqual(e.details, { field: 'x' });
  });

  it('toError keeps Errors and wraps anything else', () => {
    const err = new Error('x');
    assert.equal(toError(err), err);
    assert.equal(toError('s').message, 's');
    assert.equal(toError(1).message, 'non-error thrown: 1');
  });
});
