import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { notKeystoneToken } from './token-shape.js';

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const jwt = (payload: unknown): string => `${b64url({ alg: 'RS256', kid: 'k1' })}.${b64url(payload)}.${Buffer.from('signature-bytes-here').toString('base64url')}`;
// 135 bytes → exactly 180 base64url characters, like a Keystone Fernet token.
const fernetLike = `gAAAAA${Buffer.from(Array.from({ length: 131 }, (_, i) => (i * 37 + 11) & 255)).toString('base64url')}`.slice(0, 180);

describe('notKeystoneToken', () => {
  it('the Fernet-like sample is 180 base64url characters', () => {
    assert.equal(fernetLike.length, 180);
    assert.match(fernetLike, /^[A-Za-z0-9_-]+$/);
  });

  const accepted: { name: string; token: string }[] = [
    { name: 'fernet-like 180-char base64url', token: fernetLike },
    { name: 'fernet-like with base64 padding', token: `${fernetLike.slice(0, 178)}==` },
    { name: '32-hex UUID token', token: '0123456789abcdef0123456789abcdef' },
    { name: 'Keystone JWS token (payload has openstack_methods)', token: jwt({ sub: 'u1', exp: 1, openstack_methods: ['password'], openstack_audit_ids: ['a'] }) },
    { name: 'token exactly 8192 characters', token: 'a'.repeat(8192) },
  ];
  for (const c of accepted) {
    it(`passes: ${c.name}`, () => {
      assert.equal(notKeystoneToken(c.token), undefined);
    });
  }

  const rejected: { name: string; token: string; why: RegExp }[] = [
    { name: 'Kubernetes service-account JWT', token: jwt({ iss: 'kubernetes/serviceaccount', sub: 'system:serviceaccount:default:default', 'kubernetes.io/serviceaccount/namespace': 'default' }), why: /JWT without Keystone claims/ },
    { name: 'OIDC JWT', token: jwt({ iss: 'https://accounts.example.com', sub: '1234', email: 'a@example.com' }), why: /JWT without Keystone claims/ },
    { name: 'JWT whose payload is not JSON', token: `${b64url({ alg: 'none' })}.${Buffer.from('not json').toString('base64url')}.sig`, why: /payload is not JSON/ },
    { name: 'JWT whose payload is a JSON list', token: `${b64url({ alg: 'none' })}.${b64url(['openstack_methods'])}.sig`, why: /payload is not JSON/ },
    { name: 'Kubernetes bootstrap token', token: 'abcdef.0123456789abcdef', why: /bootstrap token/ },
    { name: 'empty', token: '', why: /empty/ },
    { name: 'too long', token: 'a'.repeat(8193), why: /longer/ },
    { name: 'contains a space', token: 'abcdef0123456789 abcdef0123456789', why: /characters/ },
    { name: 'leading "Bearer " prefix', token: 'Bearer 0123456789abcdef0123456789abcdef', why: /characters/ },
    { name: 'unicode', token: `${'a'.repeat(40)}é`, why: /characters/ },
    { name: 'newline', token: `${'a'.repeat(40)}\n`, why: /characters/ },
    { name: 'too short to be UUID or Fernet', token: '0123456789abcdef', why: /shorter/ },
    { name: 'two dot-separated parts', token: `${'a'.repeat(20)}.${'b'.repeat(20)}`, why: /dots but is not a JWT/ },
    { name: 'four dot-separated parts', token: 'aaaa.bbbb.cccc.dddd', why: /dots but is not a JWT/ },
  ];
  for (const c of rejected) {
    it(`rejects: ${c.name}`, () => {
      const why = notKeystoneToken(c.token);
      assert.ok(why !== undefined, 'expected a reason');
      assert.match(why, c.why);
      // The reason is safe to log: never the token itself.
      if (c.token.length > 0) assert.ok(!why.includes(c.token));
    });
  }
});
