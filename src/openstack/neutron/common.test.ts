import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OpenStackError } from '../core/errors.js';
import { addTag, bulkCreate, removeTag, resource, setTags, v2, v2Endpoint } from './common.js';
import { fakeNeutron, isOpenStackError, neutronError } from './testing.js';

interface Thing { id: string; name?: string }
const things = resource<Thing, { name: string }, { name: string }, { id?: string | readonly string[]; name?: string }>('/things', 'thing', 'things');

describe('v2Endpoint', () => {
  const cases: [string, string][] = [
    ['http://127.0.0.1:9696', 'http://127.0.0.1:9696/v2.0'],
    ['http://127.0.0.1:9696/', 'http://127.0.0.1:9696/v2.0'],
    ['http://127.0.0.1:9696/v2.0', 'http://127.0.0.1:9696/v2.0'],
    ['http://127.0.0.1:9696/v2.0/', 'http://127.0.0.1:9696/v2.0'],
    ['https://cloud.example/networking', 'https://cloud.example/networking/v2.0'],
    ['https://cloud.example/networking/v2.0//', 'https://cloud.example/networking/v2.0'],
  ];
  for (const [input, want] of cases) it(`${input} → ${want}`, () => assert.equal(v2Endpoint(input), want));
});

describe('v2', () => {
  const endpoints = ['http://n:9696', 'http://n:9696/', 'http://n:9696/v2.0', 'http://n:9696/v2.0/'];
  for (const ep of endpoints) {
    it(`addresses <endpoint>/v2.0/... for catalog URL ${ep}`, async () => {
      const f = fakeNeutron([{ body: { thing: { id: 't1' } } }], ep);
      await things.get(f.client, 't1');
      assert.deepEqual(f.lines(), ['GET http://n:9696/v2.0/things/t1']);
    });
  }

  it('is memoised and idempotent', () => {
    const f = fakeNeutron([]);
    const w = v2(f.client);
    assert.equal(v2(f.client), w);
    assert.equal(v2(w), w);
  });

  it('does not cache a failed catalog lookup', async () => {
    let fail = true;
    const f = fakeNeutron([{ body: { thing: { id: 't1' } } }]);
    const client = { ...f.client, endpoint: () => (fail ? Promise.reject(new Error('keystone down')) : Promise.resolve('http://n:9696')) };
    await assert.rejects(things.get(client, 't1'), /keystone down/);
    fail = false;
    assert.deepEqual(await things.get(client, 't1'), { id: 't1' });
  });
});

describe('resource', () => {
  it('list follows <plural>_links rel=next across pages', async () => {
    const f = fakeNeutron([
      { body: { things: [{ id: 'a' }, { id: 'b' }], things_links: [{ rel: 'next', href: 'http://n:9696/v2.0/things?limit=2&marker=b' }] } },
      { body: { things: [{ id: 'c' }], things_links: [{ rel: 'previous', href: 'http://n:9696/v2.0/things?limit=2&marker=c&page_reverse=True' }] } },
    ]);
    const got = await things.list(f.client, { name: 'x' });
    assert.deepEqual(got.map((t) => t.id), ['a', 'b', 'c']);
    assert.deepEqual(f.lines(), ['GET http://neutron:9696/v2.0/things?name=x', 'GET http://n:9696/v2.0/things?limit=2&marker=b']);
  });

  const filterCases: { name: string; filter: { id?: string | readonly string[]; name?: string }; want: string }[] = [
    { name: 'no filter', filter: {}, want: '/v2.0/things' },
    { name: 'scalar', filter: { id: 'a' }, want: '/v2.0/things?id=a' },
    { name: 'array → repeated keys', filter: { id: ['a', 'b'], name: 'n' }, want: '/v2.0/things?id=a&id=b&name=n' },
  ];
  for (const tc of filterCases) {
    it(`list filter: ${tc.name}`, async () => {
      const f = fakeNeutron([{ body: { things: [] } }]);
      await things.list(f.client, tc.filter);
      assert.deepEqual(f.lines(), [`GET http://neutron:9696${tc.want}`]);
    });
  }

  it('list with an empty array filter matches nothing without a request', async () => {
    const f = fakeNeutron([]);
    assert.deepEqual(await things.list(f.client, { id: [] }), []);
    assert.equal(f.calls.length, 0);
  });

  it('get resolves undefined on 404', async () => {
    const f = fakeNeutron([{ status: 404, body: neutronError('ThingNotFound', 'Thing t9 could not be found.') }]);
    assert.equal(await things.get(f.client, 't9'), undefined);
  });

  it('get escapes the id', async () => {
    const f = fakeNeutron([{ body: { thing: { id: 'a/b' } } }]);
    await things.get(f.client, 'a/b');
    assert.deepEqual(f.lines(), ['GET http://neutron:9696/v2.0/things/a%2Fb']);
  });

  it('create POSTs {<singular>: opts}', async () => {
    const f = fakeNeutron([{ status: 201, body: { thing: { id: 't1', name: 'x' } } }]);
    assert.deepEqual(await things.create(f.client, { name: 'x' }), { id: 't1', name: 'x' });
    assert.deepEqual(f.calls, [{ method: 'POST', url: 'http://neutron:9696/v2.0/things', body: { thing: { name: 'x' } } }]);
  });

  it('update uses PUT, not PATCH', async () => {
    const f = fakeNeutron([{ body: { thing: { id: 't1', name: 'y' } } }]);
    await things.update(f.client, 't1', { name: 'y' });
    assert.deepEqual(f.calls, [{ method: 'PUT', url: 'http://neutron:9696/v2.0/things/t1', body: { thing: { name: 'y' } } }]);
  });

  const deleteCases: { name: string; status: number }[] = [{ name: '204', status: 204 }, { name: '404 counts as deleted', status: 404 }];
  for (const tc of deleteCases) {
    it(`delete: ${tc.name}`, async () => {
      const f = fakeNeutron([{ status: tc.status }]);
      await things.delete(f.client, 't1');
      assert.deepEqual(f.lines(), ['DELETE http://neutron:9696/v2.0/things/t1']);
    });
  }

  const errorCases: { name: string; run: (c: ReturnType<typeof fakeNeutron>['client']) => Promise<unknown>; status: number }[] = [
    { name: 'delete 409 in use', run: (c) => things.delete(c, 't1'), status: 409 },
    { name: 'get 500', run: (c) => things.get(c, 't1'), status: 500 },
    { name: 'create 409', run: (c) => things.create(c, { name: 'x' }), status: 409 },
    { name: 'update 404', run: (c) => things.update(c, 't1', { name: 'x' }), status: 404 },
    { name: 'list 500', run: (c) => things.list(c), status: 500 },
  ];
  for (const tc of errorCases) {
    it(`${tc.name} rejects with OpenStackError carrying the request-id`, async () => {
      const f = fakeNeutron([{ status: tc.status, body: neutronError('Boom', 'it broke'), requestId: 'req-abc' }]);
      await assert.rejects(tc.run(f.client), (e: unknown) => isOpenStackError(e, tc.status, 'req-abc') && /it broke/.test((e as Error).message));
    });
  }

  it('a 2xx answer without the expected key rejects with OpenStackError', async () => {
    const f = fakeNeutron([{ body: { other: {} }, requestId: 'req-x' }]);
    await assert.rejects(things.create(f.client, { name: 'x' }), (e: unknown) => e instanceof OpenStackError && e.requestId === 'req-x' && /no "thing"/.test(e.message));
  });
});

describe('bulkCreate', () => {
  it('sends nothing for an empty list', async () => {
    const f = fakeNeutron([]);
    assert.deepEqual(await bulkCreate(f.client, '/things', 'things', []), []);
  });
  it('rejects when the answer has a different number of items', async () => {
    const f = fakeNeutron([{ status: 201, body: { things: [{ id: 'a' }] } }]);
    await assert.rejects(bulkCreate(f.client, '/things', 'things', [{}, {}]), (e: unknown) => e instanceof OpenStackError && /returned 1 items for 2/.test(e.message));
  });
});

describe('tags', () => {
  it('setTags PUTs {tags} on /{collection}/{id}/tags', async () => {
    const f = fakeNeutron([{ body: { tags: ['a', 'b'] } }]);
    assert.deepEqual(await setTags(f.client, '/networks', 'n1', ['a', 'b']), ['a', 'b']);
    assert.deepEqual(f.calls, [{ method: 'PUT', url: 'http://neutron:9696/v2.0/networks/n1/tags', body: { tags: ['a', 'b'] } }]);
  });
  it('addTag PUTs /{collection}/{id}/tags/{tag} with the tag escaped', async () => {
    const f = fakeNeutron([{ status: 201 }]);
    await addTag(f.client, '/security-groups', 's1', 'stackube/tenant=a b');
    assert.deepEqual(f.lines(), ['PUT http://neutron:9696/v2.0/security-groups/s1/tags/stackube%2Ftenant%3Da%20b']);
  });
  it('removeTag counts 404 as removed', async () => {
    const f = fakeNeutron([{ status: 404, body: neutronError('TagNotFound', 'Tag x could not be found.') }]);
    await removeTag(f.client, '/ports', 'p1', 'x');
    assert.deepEqual(f.lines(), ['DELETE http://neutron:9696/v2.0/ports/p1/tags/x']);
  });
  it('tag filters are passed through as comma-separated strings', async () => {
    const f = fakeNeutron([{ body: { things: [] } }]);
    const tagged = resource<Thing, object, object, { tags?: string; 'tags-any'?: string; 'not-tags'?: string }>('/things', 'thing', 'things');
    await tagged.list(f.client, { tags: 'a,b', 'tags-any': 'c', 'not-tags': 'd' });
    assert.deepEqual(f.lines(), ['GET http://neutron:9696/v2.0/things?tags=a%2Cb&tags-any=c&not-tags=d']);
  });
});
