import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { array, boolean, dateTime, enumeration, exactly, integer, intOrString, map, object, string, type Equals, type Infer } from './openapi.js';

describe('openapi builders', () => {
  const cases: { name: string; got: unknown; want: unknown }[] = [
    { name: 'string drops unset options', got: string('s', { maxLength: 3 }).json, want: { description: 's', type: 'string', maxLength: 3 } },
    {
      name: 'string keeps pattern, format and rules',
      got: string('s', { maxLength: 3, minLength: 1, pattern: '^a$', format: 'x', rules: [{ rule: 'true', message: 'm' }] }).json,
      want: { description: 's', type: 'string', format: 'x', pattern: '^a$', minLength: 1, maxLength: 3, 'x-kubernetes-validations': [{ rule: 'true', message: 'm' }] },
    },
    { name: 'an empty rules list emits nothing', got: string('s', { maxLength: 3, rules: [] }).json, want: { description: 's', type: 'string', maxLength: 3 } },
    { name: 'dateTime', got: dateTime('t').json, want: { description: 't', type: 'string', format: 'date-time' } },
    { name: 'enumeration', got: enumeration(['a', 'b'], 'e').json, want: { description: 'e', type: 'string', enum: ['a', 'b'] } },
    { name: 'integer', got: integer('i', { minimum: 0, format: 'int64' }).json, want: { description: 'i', type: 'integer', format: 'int64', minimum: 0 } },
    { name: 'boolean', got: boolean('b').json, want: { description: 'b', type: 'boolean' } },
    {
      name: 'intOrString is the structural int-or-string form',
      got: intOrString('q', { maxLength: 8, minimum: 0 }).json,
      want: { description: 'q', anyOf: [{ type: 'integer' }, { type: 'string' }], minimum: 0, maxLength: 8, 'x-kubernetes-int-or-string': true },
    },
    {
      name: 'array with a list type',
      got: array(string('s', { maxLength: 1 }), 'a', { maxItems: 2, listType: 'set' }).json,
      want: { description: 'a', type: 'array', maxItems: 2, items: { description: 's', type: 'string', maxLength: 1 }, 'x-kubernetes-list-type': 'set' },
    },
    {
      name: 'map list names its keys',
      got: array(object('o', { k: string('k', { maxLength: 1 }) }, { required: ['k'] }), 'a', { maxItems: 2, listType: 'map', listMapKeys: ['k'] }).json['x-kubernetes-list-map-keys'],
      want: ['k'],
    },
    {
      name: 'map',
      got: map(boolean('v'), 'm', { maxProperties: 4 }).json,
      want: { description: 'm', type: 'object', maxProperties: 4, additionalProperties: { description: 'v', type: 'boolean' } },
    },
    {
      name: 'object without required fields omits `required`',
      got: object('o', { a: boolean('a') }).json,
      want: { description: 'o', type: 'object', properties: { a: { description: 'a', type: 'boolean' } } },
    },
    { name: 'object lists required fields', got: object('o', { a: boolean('a'), b: boolean('b') }, { required: ['b'] }).json.required, want: ['b'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(c.got, c.want);
    });
  }

  it('array() refuses a map list without keys, and keys on other lists', () => {
    assert.throws(() => array(boolean('b'), 'a', { maxItems: 1, listType: 'map' }), /listMapKeys/);
    assert.throws(() => array(boolean('b'), 'a', { maxItems: 1, listType: 'set', listMapKeys: ['x'] }), /listMapKeys/);
  });

  it('rules are copied, so later changes to the caller\'s array do not leak into the schema', () => {
    const rules = [{ rule: 'true' }];
    const s = string('s', { maxLength: 1, rules });
    rules.push({ rule: 'false' });
    assert.equal(s.json['x-kubernetes-validations']?.length, 1);
  });

  it('exactly() returns its argument unchanged', () => {
    const s = object('o', { a: boolean('a') }, { required: ['a'] });
    assert.equal(exactly<{ a: boolean }>()(s), s);
  });

  it('infers required and optional fields (compile-time check)', () => {
    const s = object('o', { a: boolean('a'), b: array(integer('i'), 'l', { maxItems: 1, listType: 'atomic' }) }, { required: ['a'] });
    const same: Equals<Infer<typeof s>, { a: boolean; b?: number[] }> = true;
    const optionalDiffers: Equals<Infer<typeof s>, { a?: boolean; b?: number[] }> = false;
    const extraOptionalDiffers: Equals<Infer<typeof s>, { a: boolean; b?: number[]; c?: string }> = false;
    assert.deepEqual([same, optionalDiffers, extraOptionalDiffers], [true, false, false]);
    assert.deepEqual(s.json.required, ['a']);
  });
});
