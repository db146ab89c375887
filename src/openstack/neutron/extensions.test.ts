import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { extensions } from './extensions.js';
import { fakeNeutron } from './testing.js';

describe('extensions', () => {
  it('aliases lists GET /extensions', async () => {
    const f = fakeNeutron([{ body: { extensions: [{ alias: 'standard-attr-tag', name: 'Tag support', description: '', updated: '' }, { alias: 'quota_details', name: 'q', description: '', updated: '' }] } }], 'http://n:9696/v2.0/');
    const got = await extensions.aliases(f.client);
    assert.ok(got.has('standard-attr-tag'));
    assert.ok(!got.has('trunk'));
    assert.deepEqual(f.lines(), ['GET http://n:9696/v2.0/extensions']);
  });
});
