import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ManualClock } from '../../lib/clock.js';
import { ValidationError } from '../../lib/errors.js';
import { OpenStackError } from '../../openstack/core/errors.js';
import type { CloudConfig } from '../../openstack/core/clouds.js';
import { cacheFile, execApiVersion, forgetCredential, runCredential } from './credential.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const HOUR = 3_600_000;
const MINUTE = 60_000;
const PASSWORD = 'alice-password';

interface ExecCredential {
  apiVersion: string;
  kind: string;
  status: { token: string; expirationTimestamp?: string };
}

const parse = (out: string): ExecCredential => {
  assert.ok(out.endsWith('\n'));
  return JSON.parse(out) as ExecCredential;
};

describe('execApiVersion', () => {
  const good: [string | undefined, string][] = [
    [undefined, 'client.authentication.k8s.io/v1'],
    ['', 'client.authentication.k8s.io/v1'],
    ['{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}', 'client.authentication.k8s.io/v1'],
    ['{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential"}', 'client.authentication.k8s.io/v1beta1'],
  ];
  for (const [info, want] of good) {
    it(`${JSON.stringify(info)} → ${want}`, () => assert.equal(execApiVersion(info), want));
  }
  const bad: [string, RegExp][] = [
    ['{not json', /^KUBERNETES_EXEC_INFO is not valid JSON$/],
    ['{"apiVersion":"client.authentication.k8s.io/v1alpha1"}', /^KUBERNETES_EXEC_INFO apiVersion "client\.authentication\.k8s\.io\/v1alpha1" is not supported/],
    ['{"kind":"ExecCredential"}', /apiVersion undefined is not supported/],
    ['{"apiVersion":1}', /apiVersion 1 is not supported/],
  ];
  for (const [info, message] of bad) {
    it(`refuses ${info}`, () => assert.throws(() => execApiVersion(info), (e: unknown) => e instanceof ValidationError && message.test(e.message)));
  }
});

describe('runCredential', () => {
  let clock: ManualClock;
  let authCalls = 0;
  let validations = 0;
  const issued = new Set<string>();
  let base = '';
  let dir: string;
  let cacheDir: string;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      if (req.method === 'HEAD' && req.url === '/v3/auth/tokens') {
        // Keystone's self-validation of a cached token: 200 while issued and not revoked, else 404.
        validations++;
        const t = String(req.headers['x-subject-token']);
        res.writeHead(issued.has(t) && req.headers['x-auth-token'] === t ? 200 : 404).end();
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v3/auth/tokens') {
        res.writeHead(404).end();
        return;
      }
      authCalls++;
      const body = JSON.parse(raw) as { auth: { identity: { password: { user: { password: string } } } } };
      if (body.auth.identity.password.user.password !== PASSWORD) {
        res.writeHead(401, { 'content-type': 'application/json', 'x-openstack-request-id': 'req-denied' });
        res.end(JSON.stringify({ error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } }));
        return;
      }
      // Tokens live one hour from the test's clock, as Keystone's would from real time.
      const token = { expires_at: new Date(clock.now() + HOUR).toISOString(), user: { id: 'u', name: 'alice', domain: { id: 'default', name: 'Default' } } };
      issued.add(`tok-${authCalls}`);
      res.writeHead(201, { 'content-type': 'application/json', 'x-subject-token': `tok-${authCalls}` });
      res.end(JSON.stringify({ token }));
    });
  });

  const passwordCloud = (password = PASSWORD, username = 'alice'): CloudConfig => ({
    auth: { authUrl: base, method: { type: 'password', username, userDomainName: 'Default', password }, scope: { projectName: 'demo', projectDomainName: 'Default' } },
    source: 'test',
  });
  const run = (cloud: CloudConfig, o: { minRemainingMs?: number; execInfo?: string; cacheDir?: string | null } = {}): Promise<string> =>
    runCredential({
      cloud, clock, execInfo: o.execInfo, sleep: () => Promise.resolve(),
      cacheDir: o.cacheDir === null ? undefined : (o.cacheDir ?? cacheDir),
      ...(o.minRemainingMs === undefined ? {} : { minRemainingMs: o.minRemainingMs }),
    });

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`;
    dir = mkdtempSync(join(tmpdir(), 'stackube-cred-'));
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    clock = new ManualClock(T0);
    authCalls = 0;
    validations = 0;
    issued.clear();
    // A fresh, not yet existing cache directory per test.
    cacheDir = join(mkdtempSync(join(dir, 't-')), 'stackube', 'tokens');
  });

  const tokenCases: { name: string; execInfo?: string; apiVersion: string }[] = [
    { name: 'default apiVersion', apiVersion: 'client.authentication.k8s.io/v1' },
    { name: 'v1beta1 requested by kubectl', execInfo: '{"apiVersion":"client.authentication.k8s.io/v1beta1"}', apiVersion: 'client.authentication.k8s.io/v1beta1' },
  ];
  for (const c of tokenCases) {
    it(`a token cloud prints a valid ExecCredential without any network (${c.name})`, async () => {
      const cloud: CloudConfig = { auth: { authUrl: 'http://192.0.2.1:5000/v3', method: { type: 'token', token: 'given-token' } }, source: 'test' };
      const out = parse(await run(cloud, c.execInfo === undefined ? {} : { execInfo: c.execInfo }));
      assert.deepEqual(out, { apiVersion: c.apiVersion, kind: 'ExecCredential', status: { token: 'given-token' } });
      assert.equal(authCalls, 0);
      // Nothing is cached for a token the user already holds.
      assert.equal(existsSync(cacheDir), false);
    });
  }

  it('a password cloud authenticates, caches the token (0600 file in a 0700 dir), and the second call does not hit Keystone', async () => {
    const cloud = passwordCloud();
    const first = parse(await run(cloud));
    assert.deepEqual(first, { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'tok-1', expirationTimestamp: '2030-01-01T01:00:00Z' } });
    assert.equal(authCalls, 1);

    const f = cacheFile(cacheDir, cloud);
    assert.equal(dirname(f), cacheDir);
    assert.equal(statSync(f).mode & 0o777, 0o600);
    assert.equal(statSync(cacheDir).mode & 0o777, 0o700);
    const cached = JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(cached).sort(), ['expiresAt', 'token']);
    assert.ok(!readFileSync(f, 'utf8').includes(PASSWORD));
    // The file name is a hash: no user name, no secret.
    assert.match(f, /[0-9a-f]{32}\.json$/);

    const second = parse(await run(cloud));
    assert.deepEqual(second, first);
    assert.equal(authCalls, 1);
    assert.equal(validations, 1, 'the cached token was checked with Keystone once');
  });

  it('a cached token Keystone no longer accepts (revoked, or Keystone rebuilt) is replaced', async () => {
    const cloud = passwordCloud();
    assert.equal(parse(await run(cloud)).status.token, 'tok-1');
    issued.delete('tok-1');
    assert.equal(parse(await run(cloud)).status.token, 'tok-2');
    assert.equal(authCalls, 2);
    assert.equal((JSON.parse(readFileSync(cacheFile(cacheDir, cloud), 'utf8')) as { token: string }).token, 'tok-2');
  });

  const reuseCases: { name: string; minRemainingMs?: number; advance: number; reused: boolean }[] = [
    { name: 'default 5 min: more than 5 min left → reused', advance: HOUR - 5 * MINUTE - 1, reused: true },
    { name: 'default 5 min: exactly 5 min left → not reused', advance: HOUR - 5 * MINUTE, reused: false },
    { name: 'default 5 min: 1 min left → not reused', advance: HOUR - MINUTE, reused: false },
    { name: 'minRemainingMs 0: 1 ms left → reused', minRemainingMs: 0, advance: HOUR - 1, reused: true },
    { name: 'minRemainingMs 30 min: 29 min left → not reused', minRemainingMs: 30 * MINUTE, advance: 31 * MINUTE, reused: false },
    { name: 'expired → not reused', advance: 2 * HOUR, reused: false },
  ];
  for (const c of reuseCases) {
    it(`a cached token within minRemainingMs of expiry is not reused: ${c.name}`, async () => {
      const cloud = passwordCloud();
      const opts = c.minRemainingMs === undefined ? {} : { minRemainingMs: c.minRemainingMs };
      await run(cloud, opts);
      clock.advance(c.advance);
      const out = parse(await run(cloud, opts));
      assert.equal(authCalls, c.reused ? 1 : 2);
      assert.equal(out.status.token, c.reused ? 'tok-1' : 'tok-2');
      if (!c.reused) {
        // The fresh token replaced the old one in the cache.
        assert.equal((JSON.parse(readFileSync(cacheFile(cacheDir, cloud), 'utf8')) as { token: string }).token, 'tok-2');
      }
    });
  }

  const corrupt: [string, string][] = [
    ['not JSON', '{"token": "tok-old", '],
    ['empty', ''],
    ['token not a string', JSON.stringify({ token: 42, expiresAt: '2031-01-01T00:00:00Z' })],
    ['expiry missing', JSON.stringify({ token: 'tok-old' })],
    ['expiry not a date', JSON.stringify({ token: 'tok-old', expiresAt: 'tomorrow' })],
    ['a JSON list', '[]'],
    ['JSON null', 'null'],
  ];
  for (const [name, text] of corrupt) {
    it(`a corrupt cache file is ignored and replaced (${name})`, async () => {
      const cloud = passwordCloud();
      const f = cacheFile(cacheDir, cloud);
      mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      writeFileSync(f, text, { mode: 0o600 });
      const out = parse(await run(cloud));
      assert.equal(out.status.token, 'tok-1');
      assert.equal(authCalls, 1);
      assert.equal((JSON.parse(readFileSync(f, 'utf8')) as { token: string }).token, 'tok-1');
    });
  }

  it('different identities use different cache files', async () => {
    const alice = passwordCloud();
    const bob = passwordCloud(PASSWORD, 'bob');
    assert.notEqual(cacheFile(cacheDir, alice), cacheFile(cacheDir, bob));
    await run(alice);
    const out = parse(await run(bob));
    assert.equal(out.status.token, 'tok-2');
    assert.equal(authCalls, 2);
  });

  it('without a cache directory every call authenticates', async () => {
    await run(passwordCloud(), { cacheDir: null });
    await run(passwordCloud(), { cacheDir: null });
    assert.equal(authCalls, 2);
  });

  it('refused credentials reject with OpenStackError 401 and cache nothing', async () => {
    const cloud = passwordCloud('wrong-password');
    await assert.rejects(run(cloud), (e: unknown) => {
      assert.ok(e instanceof OpenStackError);
      assert.equal(e.status, 401);
      assert.equal(e.requestId, 'req-denied');
      assert.ok(!e.message.includes('wrong-password'));
      return true;
    });
    assert.equal(existsSync(cacheFile(cacheDir, cloud)), false);
  });

  it('forgetCredential removes the cached token and is idempotent', async () => {
    const cloud = passwordCloud();
    await run(cloud);
    forgetCredential(cacheDir, cloud);
    forgetCredential(cacheDir, cloud);
    assert.equal(existsSync(cacheFile(cacheDir, cloud)), false);
    await run(cloud);
    assert.equal(authCalls, 2);
  });
});
