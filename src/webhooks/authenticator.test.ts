import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../lib/clock.js';
import { KeystoneAuthenticator, type AuthenticatorOptions, type AuthnResult, type TokenValidator, type ValidatedToken } from './authenticator.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const GOOD = '0123456789abcdef0123456789abcdef';
const OTHER = 'fedcba9876543210fedcba9876543210';
const SECOND = 1_000;
const MINUTE = 60 * SECOND;

function facts(expiresAt: number): ValidatedToken {
  return {
    user: { id: 'uid-alice', name: 'alice', domain: { id: 'default', name: 'Default' } },
    project: { id: 'pid-demo', name: 'demo', domain: { id: 'default', name: 'Default' } },
    roles: ['member'],
    groupNames: ['devs'],
    expiresAt,
  };
}

/** A Keystone stand-in: answers per token, counts calls, and can hold answers until the test releases them. */
class FakeValidator implements TokenValidator {
  calls: string[] = [];
  held: (() => void)[] = [];
  hold = false;
  constructor(private readonly answer: (token: string) => Promise<ValidatedToken | undefined>) {}
  validate(token: string): Promise<ValidatedToken | undefined> {
    this.calls.push(token);
    if (!this.hold) return this.answer(token);
    return new Promise((resolve, reject) => {
      this.held.push(() => {
        this.answer(token).then(resolve, reject);
      });
    });
  }
  release(): void {
    for (const r of this.held.splice(0)) r();
  }
}

function setup(o: { expiresInMs?: number; cacheMaxTtlMs?: number; cacheMaxEntries?: number; answer?: (token: string, clock: ManualClock) => Promise<ValidatedToken | undefined> } = {}): { clock: ManualClock; validator: FakeValidator; authn: KeystoneAuthenticator; outcomes: string[] } {
  const clock = new ManualClock(T0);
  const expiresAt = T0 + (o.expiresInMs ?? 60 * MINUTE);
  // Keystone itself stops accepting the token once it has expired.
  const answer = o.answer ?? ((_t: string, c: ManualClock) => Promise.resolve(c.now() < expiresAt ? facts(expiresAt) : undefined));
  const validator = new FakeValidator((t) => answer(t, clock));
  const outcomes: string[] = [];
  const opts: AuthenticatorOptions = {
    validator, clock,
    cacheMaxTtlMs: o.cacheMaxTtlMs ?? 5 * MINUTE,
    cacheMaxEntries: o.cacheMaxEntries ?? 100,
    onOutcome: (e) => outcomes.push(e.result),
  };
  return { clock, validator, authn: new KeystoneAuthenticator(opts), outcomes };
}

function assertOk(r: AuthnResult): asserts r is Extract<AuthnResult, { ok: true }> {
  assert.equal(r.ok, true, r.ok ? '' : `${r.kind}: ${r.error}`);
}

describe('KeystoneAuthenticator', () => {
  it('caches a valid token: the second call does not reach Keystone', async () => {
    const { validator, authn, outcomes } = setup();
    const first = await authn.authenticate(GOOD);
    const second = await authn.authenticate(GOOD);
    assertOk(first);
    assertOk(second);
    assert.equal(first.cached, false);
    assert.equal(second.cached, true);
    assert.deepEqual(second.user, first.user);
    assert.equal(first.user.username, 'alice');
    assert.deepEqual(first.user.groups, ['devs', 'pid-demo', 'stackube:pid-demo:member']);
    assert.equal(validator.calls.length, 1);
    assert.equal(authn.cacheSize, 1);
    assert.deepEqual(outcomes, ['valid', 'cache_hit']);
  });

  const ttlCases: { name: string; expiresInMs: number; cacheMaxTtlMs: number; liveFor: number }[] = [
    { name: 'the token expiry when it comes first', expiresInMs: 2 * MINUTE, cacheMaxTtlMs: 5 * MINUTE, liveFor: 2 * MINUTE },
    { name: 'cacheMaxTtlMs when it comes first', expiresInMs: 60 * MINUTE, cacheMaxTtlMs: 5 * MINUTE, liveFor: 5 * MINUTE },
    { name: 'equal deadlines', expiresInMs: 5 * MINUTE, cacheMaxTtlMs: 5 * MINUTE, liveFor: 5 * MINUTE },
  ];
  for (const c of ttlCases) {
    it(`the cache entry lives until ${c.name}, never longer`, async () => {
      const { clock, validator, authn } = setup({ expiresInMs: c.expiresInMs, cacheMaxTtlMs: c.cacheMaxTtlMs });
      assertOk(await authn.authenticate(GOOD));
      clock.advance(c.liveFor - 1);
      const hit = await authn.authenticate(GOOD);
      assertOk(hit);
      assert.equal(hit.cached, true);
      assert.equal(validator.calls.length, 1);
      clock.advance(1);
      const after = await authn.authenticate(GOOD);
      assert.equal(validator.calls.length, 2, 'the entry must have expired');
      if (c.expiresInMs <= c.liveFor) {
        // Keystone now refuses the expired token, and the cached user is not served.
        assert.equal(after.ok, false);
      } else {
        assertOk(after);
        assert.equal(after.cached, false);
      }
    });
  }

  it('concurrent authenticate() of one token makes one Keystone call', async () => {
    const { validator, authn } = setup();
    validator.hold = true;
    const pending = [authn.authenticate(GOOD), authn.authenticate(GOOD), authn.authenticate(GOOD)];
    // Let the authenticate() calls reach the validator before releasing it.
    await Promise.resolve();
    validator.release();
    const results = await Promise.all(pending);
    assert.equal(validator.calls.length, 1);
    for (const r of results) {
      assertOk(r);
      assert.equal(r.user.username, 'alice');
    }
  });

  it('concurrent authenticate() of different tokens makes one call each', async () => {
    const { validator, authn } = setup();
    validator.hold = true;
    const pending = [authn.authenticate(GOOD), authn.authenticate(OTHER), authn.authenticate(GOOD)];
    await Promise.resolve();
    validator.release();
    await Promise.all(pending);
    assert.deepEqual([...validator.calls].sort(), [GOOD, OTHER].sort());
  });

  it('an invalid token is kind "invalid" and is not cached', async () => {
    const { validator, authn, outcomes } = setup({ answer: () => Promise.resolve(undefined) });
    for (let i = 0; i < 2; i++) {
      const r = await authn.authenticate(GOOD);
      assert.deepEqual(r, { ok: false, kind: 'invalid', error: 'Keystone says the token is invalid, expired or revoked' });
    }
    assert.equal(validator.calls.length, 2);
    assert.equal(authn.cacheSize, 0);
    assert.deepEqual(outcomes, ['invalid', 'invalid']);
  });

  it('a token Keystone returns already expired is "invalid" and not cached', async () => {
    const { authn } = setup({ answer: (_t, c) => Promise.resolve(facts(c.now())) });
    const r = await authn.authenticate(GOOD);
    assert.deepEqual(r, { ok: false, kind: 'invalid', error: 'the token has expired' });
    assert.equal(authn.cacheSize, 0);
  });

  const failures: { name: string; error: (token: string) => unknown }[] = [
    { name: 'connection refused', error: () => new Error('connect ECONNREFUSED 127.0.0.1:5000') },
    { name: 'an error whose message echoes the token', error: (t) => new Error(`GET /v3/auth/tokens failed; headers: x-subject-token=${t}`) },
    { name: 'a cause that echoes the token', error: (t) => new Error('identity GET failed', { cause: new Error(`bad header ${t}`) }) },
    { name: 'a thrown string', error: () => 'socket hang up' },
  ];
  for (const f of failures) {
    it(`Keystone failing (${f.name}) is kind "unavailable", names Keystone, never contains the token, and is not cached`, async () => {
      const { validator, authn, outcomes } = setup({
        answer: async (t) => {
          await Promise.resolve();
          // Rejects with whatever the client library threw, Error or not.
          throw f.error(t);
        },
      });
      const r = await authn.authenticate(GOOD);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.kind, 'unavailable');
      assert.match(r.error, /^Keystone could not validate the token: /);
      assert.ok(!r.error.includes(GOOD), r.error);
      await authn.authenticate(GOOD);
      assert.equal(validator.calls.length, 2);
      assert.deepEqual(outcomes, ['unavailable', 'unavailable']);
    });
  }

  const notKeystone: [string, string][] = [
    ['empty', ''],
    ['a service-account JWT', `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"iss":"kubernetes/serviceaccount"}').toString('base64url')}.c2ln`],
    ['a bootstrap token', 'abcdef.0123456789abcdef'],
    ['a token with spaces', 'not a token at all, clearly'],
  ];
  for (const [name, token] of notKeystone) {
    it(`shape-rejected tokens never reach Keystone: ${name}`, async () => {
      const { validator, authn, outcomes } = setup();
      const r = await authn.authenticate(token);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.kind, 'rejected');
        assert.match(r.error, /^not a Keystone token: /);
        if (token) assert.ok(!r.error.includes(token));
      }
      assert.equal(validator.calls.length, 0);
      assert.deepEqual(outcomes, ['rejected']);
    });
  }

  it('applies role mappings to the user', async () => {
    const clock = new ManualClock(T0);
    const validator = new FakeValidator(() => Promise.resolve(facts(T0 + MINUTE)));
    const authn = new KeystoneAuthenticator({ validator, clock, cacheMaxTtlMs: MINUTE, cacheMaxEntries: 10, roleMappings: [{ keystoneRole: 'member', groups: ['project-1-group'], username: 'mapped' }] });
    const r = await authn.authenticate(GOOD);
    assertOk(r);
    assert.equal(r.user.username, 'mapped');
    assert.deepEqual(r.user.groups, ['devs', 'pid-demo', 'project-1-group', 'stackube:pid-demo:member']);
  });

  it('the cache holds at most cacheMaxEntries tokens', async () => {
    const { authn } = setup({ cacheMaxEntries: 2 });
    for (const t of [GOOD, OTHER, 'a'.repeat(32), 'b'.repeat(32)]) assertOk(await authn.authenticate(t));
    assert.equal(authn.cacheSize, 2);
  });
});
