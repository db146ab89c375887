import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import { chain, createTransport } from './http.js';
import { OpenStackError } from './errors.js';
import { KeystoneSession } from './session.js';
import type { AuthOptions } from './auth.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const HOUR = 3_600_000;
const PASSWORD = 'correct-horse';

/** A loopback Keystone: password auth issues tok-1, tok-2, ...; /v3/things accepts only live tokens. */
class FakeKeystone {
  authCalls = 0;
  authBodies: unknown[] = [];
  thingTokens: string[] = [];
  revoked = new Set<string>();
  omitSubjectToken = false;
  base = '';
  private readonly server = createServer((req, res) => this.handle(req, res));

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
  reset(): void {
    this.authCalls = 0;
    this.authBodies = [];
    this.thingTokens = [];
    this.revoked.clear();
    this.omitSubjectToken = false;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      const unauthorized = (rid: string): void =>
        send(401, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } }, { 'x-openstack-request-id': rid });
      if (req.method === 'POST' && req.url === '/v3/auth/tokens') {
        this.authCalls++;
        const body = JSON.parse(raw) as { auth: { identity: { password: { user: { password: string } } } } };
        this.authBodies.push(body);
        if (body.auth.identity.password.user.password !== PASSWORD) return unauthorized('req-bad-credentials');
        const id = `tok-${this.authCalls}`;
        const token = {
          expires_at: new Date(T0 + HOUR).toISOString(),
          user: { id: 'u-1', name: 'svc', domain: { id: 'default', name: 'Default' } },
          catalog: [
            { type: 'network', endpoints: [{ interface: 'public', region_id: 'R1', url: `${this.base}/network/` }, { interface: 'internal', region_id: 'R1', url: `${this.base}/network-internal` }] },
            { type: 'volumev3', endpoints: [{ interface: 'public', region_id: 'R2', url: `${this.base}/volume` }] },
          ],
        };
        return send(201, { token }, this.omitSubjectToken ? { 'x-openstack-request-id': `req-auth-${this.authCalls}` } : { 'x-subject-token': id, 'x-openstack-request-id': `req-auth-${this.authCalls}` });
      }
      if (req.url === '/v3/things' || req.url === '/v3/always-401') {
        const tok = String(req.headers['x-auth-token'] ?? '');
        this.thingTokens.push(tok);
        if (req.url === '/v3/always-401' || this.revoked.has(tok) || !tok.startsWith('tok-')) return unauthorized(`req-thing-${this.thingTokens.length}`);
        return send(200, { things: [] }, { 'x-openstack-request-id': 'req-thing-ok' });
      }
      return send(404, { error: { code: 404, message: 'no route' } });
    });
  }
}

describe('KeystoneSession against a loopback Keystone', () => {
  const ks = new FakeKeystone();
  const transport = createTransport({ timeoutMs: 5_000 });
  let clock: ManualClock;

  const auth = (password = PASSWORD, extra: Partial<AuthOptions> = {}): AuthOptions => ({
    authUrl: ks.base, method: { type: 'password', username: 'svc', userDomainName: 'Default', password }, scope: { projectName: 'service', projectDomainName: 'Default' }, ...extra,
  });
  const session = (a: AuthOptions = auth()): KeystoneSession => new KeystoneSession({ auth: a, send: transport.send, clock });
  const getThings = (s: KeystoneSession, path = '/v3/things'): Promise<unknown> =>
    chain(transport.send, [s.interceptor()])({ service: 'identity', method: 'GET', url: `${ks.base}${path}`, headers: {} });

  before(() => ks.start());
  after(async () => {
    await transport.close();
    await ks.stop();
  });
  beforeEach(() => {
    ks.reset();
    clock = new ManualClock(T0);
  });

  it('authenticates once for concurrent callers', async () => {
    const s = session();
    const tokens = await Promise.all(Array.from({ length: 5 }, () => s.token()));
    assert.equal(ks.authCalls, 1);
    assert.deepEqual(new Set(tokens.map((t) => t.id)), new Set(['tok-1']));
    assert.equal(tokens[0]?.expiresAt, T0 + HOUR);
    // The auth URL was normalised to /v3 and the body is Keystone's password method.
    assert.deepEqual(ks.authBodies[0], { auth: { identity: { methods: ['password'], password: { user: { name: 'svc', domain: { name: 'Default' }, password: PASSWORD } } }, scope: { project: { name: 'service', domain: { name: 'Default' } } } } });
  });

  it('concurrent requests through the interceptor share one authentication', async () => {
    const s = session();
    await Promise.all([getThings(s), getThings(s), getThings(s)]);
    assert.equal(ks.authCalls, 1);
    assert.deepEqual(ks.thingTokens, ['tok-1', 'tok-1', 'tok-1']);
  });

  const marginCases: { name: string; margin: number | undefined; advance: number; reauth: boolean }[] = [
    { name: 'default 60 s margin: 1 ms before it, the token is reused', margin: undefined, advance: HOUR - 60_000 - 1, reauth: false },
    { name: 'default 60 s margin: at it, the session re-authenticates', margin: undefined, advance: HOUR - 60_000, reauth: true },
    { name: 'custom 5 min margin: inside it, the session re-authenticates', margin: 300_000, advance: HOUR - 299_000, reauth: true },
    { name: 'custom 5 min margin: before it, the token is reused', margin: 300_000, advance: HOUR - 301_000, reauth: false },
    { name: 'after expiry, the session re-authenticates', margin: undefined, advance: 2 * HOUR, reauth: true },
  ];
  for (const c of marginCases) {
    it(c.name, async () => {
      const s = new KeystoneSession({ auth: auth(), send: transport.send, clock, ...(c.margin === undefined ? {} : { refreshMarginMs: c.margin }) });
      assert.equal((await s.token()).id, 'tok-1');
      clock.advance(c.advance);
      const t = await s.token();
      assert.equal(ks.authCalls, c.reauth ? 2 : 1);
      assert.equal(t.id, c.reauth ? 'tok-2' : 'tok-1');
    });
  }

  it('retries once with a fresh token after a 401', async () => {
    const s = session();
    await s.token();
    ks.revoked.add('tok-1');
    await getThings(s);
    assert.equal(ks.authCalls, 2);
    assert.deepEqual(ks.thingTokens, ['tok-1', 'tok-2']);
  });

  it('retries only once: a second 401 rejects with the request-id', async () => {
    const s = session();
    await assert.rejects(getThings(s, '/v3/always-401'), (e: unknown) => {
      assert.ok(e instanceof OpenStackError);
      assert.equal(e.status, 401);
      assert.equal(e.requestId, 'req-thing-2');
      return true;
    });
    assert.equal(ks.authCalls, 2);
    assert.equal(ks.thingTokens.length, 2);
  });

  it('bad credentials reject with OpenStackError carrying x-openstack-request-id, never the password', async () => {
    const wrong = 'wrong-password-value';
    const s = session(auth(wrong));
    await assert.rejects(s.token(), (e: unknown) => {
      assert.ok(e instanceof OpenStackError);
      assert.equal(e.status, 401);
      assert.equal(e.code, 'STACKUBE_ERR_OPENSTACK_UNAUTHORIZED');
      assert.equal(e.requestId, 'req-bad-credentials');
      assert.equal(e.service, 'identity');
      assert.equal(e.method, 'POST');
      assert.equal(e.url, `${ks.base}/v3/auth/tokens`);
      assert.match(e.message, /HTTP 401: The request you have made requires authentication\. \(request-id req-bad-credentials\)$/);
      assert.ok(!e.message.includes(wrong));
      return true;
    });
    // A failed authentication is not cached: the next call tries again.
    await assert.rejects(s.token());
    assert.equal(ks.authCalls, 2);
  });

  it('a reply without X-Subject-Token is an OpenStackError', async () => {
    ks.omitSubjectToken = true;
    await assert.rejects(session().token(), (e: unknown) => e instanceof OpenStackError && /Keystone returned no usable token/.test(e.message) && e.requestId === 'req-auth-1');
  });

  it('invalidate(token) forgets only that token', async () => {
    const s = session();
    await s.token();
    s.invalidate('some-other-token');
    assert.equal((await s.token()).id, 'tok-1');
    s.invalidate('tok-1');
    assert.equal((await s.token()).id, 'tok-2');
    s.invalidate();
    assert.equal((await s.token()).id, 'tok-3');
  });

  const endpointCases: { name: string; extra: Partial<AuthOptions>; type: string; want: string | RegExp }[] = [
    { name: 'identity is the auth URL, without authenticating', extra: {}, type: 'identity', want: '/v3' },
    { name: 'public endpoint from the catalog, trailing slash dropped', extra: {}, type: 'network', want: '/network' },
    { name: 'internal interface', extra: { interface: 'internal' }, type: 'network', want: '/network-internal' },
    { name: 'region filter', extra: { regionName: 'R2' }, type: 'volumev3', want: '/volume' },
    { name: 'missing service', extra: {}, type: 'compute', want: /^the service catalog has no public endpoint for "compute"$/ },
    { name: 'service in another region', extra: { regionName: 'R1' }, type: 'volumev3', want: /no public endpoint for "volumev3" in region R1$/ },
  ];
  for (const c of endpointCases) {
    it(`endpoint: ${c.name}`, async () => {
      const s = session(auth(PASSWORD, c.extra));
      if (typeof c.want === 'string') {
        assert.equal(await s.endpoint(c.type), `${ks.base}${c.want}`);
        if (c.type === 'identity') assert.equal(ks.authCalls, 0);
      } else {
        const re = c.want;
        await assert.rejects(s.endpoint(c.type), (e: unknown) => e instanceof AppError && e.code === 'STACKUBE_ERR_OPENSTACK_NO_ENDPOINT' && re.test(e.message));
      }
    });
  }

  it('an unreachable Keystone rejects with status 0', async () => {
    const dead = new KeystoneSession({ auth: { ...auth(), authUrl: 'http://127.0.0.1:1' }, send: transport.send, clock });
    await assert.rejects(dead.token(), (e: unknown) => e instanceof OpenStackError && e.status === 0 && e.code === 'STACKUBE_ERR_OPENSTACK_UNREACHABLE');
  });
});
