import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { networks } from './networks.js';
import { fakeNeutron } from './testing.js';

describe('networks', () => {
  it('list follows networks_links across pages and keeps the filters', async () => {
    const f = fakeNeutron([
      { body: { networks: [{ id: 'n1' }], networks_links: [{ rel: 'next', href: 'http://127.0.0.1:9696/v2.0/networks?tags=stackube&limit=1&marker=n1' }] } },
      { body: { networks: [{ id: 'n2' }], networks_links: [{ rel: 'next', href: 'http://127.0.0.1:9696/v2.0/networks?tags=stackube&limit=1&marker=n2' }] } },
      { body: { networks: [], networks_links: [{ rel: 'previous', href: 'http://127.0.0.1:9696/v2.0/networks?tags=stackube&limit=1&marker=n2&page_reverse=True' }] } },
    ], 'http://127.0.0.1:9696/');
    const got = await networks.list(f.client, { tags: 'stackube', 'router:external': false });
    assert.deepEqual(got.map((n) => n.id), ['n1', 'n2']);
    assert.deepEqual(f.lines(), [
      'GET http://127.0.0.1:9696/v2.0/networks?tags=stackube&router%3Aexternal=false',
      'GET http://127.0.0.1:9696/v2.0/networks?tags=stackube&limit=1&marker=n1',
      'GET http://127.0.0.1:9696/v2.0/networks?tags=stackube&limit=1&marker=n2',
    ]);
  });

  it('create sends provider attributes and tags in the network body', async () => {
    const f = fakeNeutron([{ status: 201, body: { network: { id: 'n1' } } }]);
    await networks.create(f.client, { name: 'net', project_id: 'p1', 'provider:network_type': 'vxlan', mtu: 1450, tags: ['stackube'] });
    assert.deepEqual(f.calls[0]?.body, { network: { name: 'net', project_id: 'p1', 'provider:network_type': 'vxlan', mtu: 1450, tags: ['stackube'] } });
  });

  it('list by several ids repeats the id parameter', async () => {
    const f = fakeNeutron([{ body: { networks: [] } }]);
    await networks.list(f.client, { id: ['a', 'b'], project_id: 'p1' });
    assert.deepEqual(f.lines(), ['GET http://neutron:9696/v2.0/networks?id=a&id=b&project_id=p1']);
  });
});
