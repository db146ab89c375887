import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTransport } from './http.js';
import { OpenStackError } from './errors.js';
import { call, listAll, queryString, type ServiceClient } from './service-client.js';

interface Seen {
  method: string;
  url: string;
  body: string;
}

/** A loopback server that plays Keystone and Neutron collections. */
function fakeServer(seen: Seen[]): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      const base = `http://${req.headers.host ?? ''}`;
      const u = new URL(req.url ?? '/', base);
      const send = (status: number, obj: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-openstack-request-id': `req-${seen.length}` });
        res.end(JSON.stringify(obj));
      };
      const marker = u.searchParams.get('marker');
      switch (u.pathname) {
        case '/v3/users':
          // Keystone: links.next is an absolute URL, null on the last page.
          if (marker === null) return send(200, { users: [{ id: 'u1' }, { id: 'u2' }], links: { self: `${base}/v3/users`, previous: null, next: `${base}/v3/users?marker=u2` } });
          if (marker === 'u2') return send(200, { users: [{ id: 'u3' }], links: { self: u.href, previous: null, next: `${base}/v3/users?marker=u3` } });
          return send(200, { users: [], links: { self: u.href, previous: null, next: null } });
        case '/v2.0/networks':
          // Neutron: <key>_links with rel=next; the last page has only rel=previous.
          if (marker === null) return send(200, { networks: [{ id: 'n1' }], networks_links: [{ rel: 'next', href: `${base}/v2.0/networks?limit=1&marker=n1` }] });
          return send(200, { networks: [{ id: 'n2' }], networks_links: [{ rel: 'previous', href: `${base}/v2.0/networks?limit=1&marker=n2&page_reverse=True` }] });
        case '/v3/loop':
          return send(200, { things: [{ id: 'x' }], links: { next: `${base}/v3/loop` } });
        case '/v3/nokey':
          return send(200, { other: [1] });
        case '/v3/empty':
          res.writeHead(204);
          return res.end();
        case '/v3/projects':
          return send(req.method === 'POST' ? 201 : 200, { project: { id: 'p1' } });
        case '/v3/conflict':
          return send(409, { error: { code: 409, message: 'Duplicate entry', title: 'Conflict' } });
        default:
          return send(404, { error: { code: 404, message: 'Not found', title: 'Not Found' } });
      }
    });
  });
}

describe('service-client over a loopback server', () => {
  const seen: Seen[] = [];
  const server = fakeServer(seen);
  const transport = createTransport({ timeoutMs: 5_000 });
  let client: ServiceClient;

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = { service: 'identity', endpoint: () => Promise.resolve(base), send: transport.send };
  });
  after(async () => {
    await transport.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('listAll follows Keystone links.next until it is null', async () => {
    seen.length = 0;
    const users = await listAll<{ id: string }>(client, '/v3/users', 'users');
    assert.deepEqual(users.map((u) => u.id), ['u1', 'u2', 'u3']);
    assert.deepEqual(seen.map((s) => s.url), ['/v3/users', '/v3/users?marker=u2', '/v3/users?marker=u3']);
  });

  it('listAll follows Neutron <key>_links rel=next and stops without it', async () => {
    seen.length = 0;
    const nets = await listAll<{ id: string }>(client, '/v2.0/networks', 'networks', { limit: 1 });
    assert.deepEqual(nets.map((n) => n.id), ['n1', 'n2']);
    assert.deepEqual(seen.map((s) => s.url), ['/v2.0/networks?limit=1', '/v2.0/networks?limit=1&marker=n1']);
  });

  it('listAll stops after maxPages on a server that loops', async () => {
    seen.length = 0;
    const things = await listAll(client, '/v3/loop', 'things', undefined, 3);
    assert.equal(things.length, 3);
    assert.equal(seen.length, 3);
  });

  it('listAll encodes the query and drops undefined values', async () => {
    seen.length = 0;
    await listAll(client, '/v3/users', 'users', { name: 'a b&c', enabled: true, domain_id: undefined, marker: 'zzz' });
    assert.equal(seen[0]?.url, '/v3/users?name=a+b%26c&enabled=true&marker=zzz');
  });

  it('listAll yields nothing when the key is missing or the body is empty', async () => {
    assert.deepEqual(await listAll(client, '/v3/nokey', 'things'), []);
    assert.deepEqual(await listAll(client, '/v3/empty', 'things'), []);
  });

  it('listAll rejects with OpenStackError on a failed page', async () => {
    await assert.rejects(listAll(client, '/v3/missing', 'things'), (e: unknown) => e instanceof OpenStackError && e.status === 404 && e.requestId !== undefined);
  });

  it('call sends method, JSON body and query relative to the endpoint', async () => {
    seen.length = 0;
    const r = await call(client, 'POST', '/v3/projects', { body: { project: { name: 'demo' } }, query: { x: 1 } });
    assert.equal(r.status, 201);
    assert.deepEqual(r.body, { project: { id: 'p1' } });
    assert.deepEqual(seen[0], { method: 'POST', url: '/v3/projects?x=1', body: '{"project":{"name":"demo"}}' });
  });

  it('call honours okStatuses', async () => {
    const r = await call(client, 'PUT', '/v3/conflict', { okStatuses: [409] });
    assert.equal(r.status, 409);
    await assert.rejects(call(client, 'PUT', '/v3/conflict'), (e: unknown) => e instanceof OpenStackError && e.code === 'STACKUBE_ERR_OPENSTACK_CONFLICT' && /Duplicate entry/.test(e.message));
  });
});

describe('queryString', () => {
  const cases: [Parameters<typeof queryString>[0], string][] = [
    [undefined, ''],
    [{}, ''],
    [{ a: undefined }, ''],
    [{ a: 1, b: false, c: 'x y' }, '?a=1&b=false&c=x+y'],
    [{ id: ['a', 'b'], name: 'n' }, '?id=a&id=b&name=n'],
    [{ id: [] }, ''],
    [{ fixed_ips: ['subnet_id=s1', 'ip_address=10.0.0.5'] }, '?fixed_ips=subnet_id%3Ds1&fixed_ips=ip_address%3D10.0.0.5'],
  ];
  for (const [q, want] of cases) {
    it(`${JSON.stringify(q)} → ${JSON.stringify(want)}`, () => assert.equal(queryString(q), want));
  }
});
