import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { userInfoFromToken, type RoleMapping, type TokenFacts } from './userinfo.js';

/** The groups k8s-keystone-auth would send: everything but Stackube's own per-role groups (which come last). */
const kkaGroups = (g: string[]): string[] => g.filter((x) => !x.startsWith('stackube:'));

const scoped: TokenFacts = {
  user: { id: 'uid-alice', name: 'alice', domain: { id: 'default', name: 'Default' } },
  project: { id: 'pid-demo', name: 'demo', domain: { id: 'd-proj', name: 'ProjDomain' } },
  roles: ['member', 'reader'],
  groupNames: ['devs', 'ops'],
};
const unscoped: TokenFacts = { user: scoped.user, roles: [], groupNames: ['devs'] };

const KKA_KEYS = [
  'alpha.kubernetes.io/identity/project/id',
  'alpha.kubernetes.io/identity/project/name',
  'alpha.kubernetes.io/identity/roles',
  'alpha.kubernetes.io/identity/user/domain/id',
  'alpha.kubernetes.io/identity/user/domain/name',
];

describe('userInfoFromToken', () => {
  it('matches the real k8s-keystone-auth reply (kka-notes §2.2, no role mapping)', () => {
    const u = userInfoFromToken(scoped);
    assert.equal(u.username, 'alice');
    assert.equal(u.uid, 'uid-alice');
    assert.deepEqual(kkaGroups(u.groups), ['devs', 'ops', 'pid-demo']);
    assert.deepEqual(u.groups.slice(3), ['stackube:pid-demo:member', 'stackube:pid-demo:reader'], 'Stackube adds one group per role, after the upstream ones');
    assert.deepEqual(u.extra['alpha.kubernetes.io/identity/roles'], ['member', 'reader']);
    assert.deepEqual(u.extra['alpha.kubernetes.io/identity/project/id'], ['pid-demo']);
    assert.deepEqual(u.extra['alpha.kubernetes.io/identity/project/name'], ['demo']);
    // The user's domain, not the project's.
    assert.deepEqual(u.extra['alpha.kubernetes.io/identity/user/domain/id'], ['default']);
    assert.deepEqual(u.extra['alpha.kubernetes.io/identity/user/domain/name'], ['Default']);
  });

  it('has exactly the five alpha.kubernetes.io extra keys (plus Stackube\'s project domain)', () => {
    const u = userInfoFromToken(scoped);
    assert.deepEqual(Object.keys(u.extra).filter((k) => k.startsWith('alpha.kubernetes.io/')).sort(), KKA_KEYS);
    assert.deepEqual(u.extra['stackube.kubernetes.io/identity/project/domain/name'], ['ProjDomain']);
  });

  it('the project name is never a group', () => {
    assert.ok(!userInfoFromToken(scoped).groups.includes('demo'));
  });

  const mappingCases: { name: string; mappings: RoleMapping[]; groups: string[]; username: string }[] = [
    { name: 'kka-notes §2.2: member → project-1-group appended last', mappings: [{ keystoneRole: 'member', groups: ['project-1-group'] }], groups: ['devs', 'ops', 'pid-demo', 'project-1-group'], username: 'alice' },
    { name: 'a mapping for a role the user lacks adds nothing', mappings: [{ keystoneRole: 'admin', groups: ['admins'], username: 'root' }], groups: ['devs', 'ops', 'pid-demo'], username: 'alice' },
    { name: 'an empty keystone-role never applies', mappings: [{ keystoneRole: '', groups: ['x'] }], groups: ['devs', 'ops', 'pid-demo'], username: 'alice' },
    { name: 'duplicates with Keystone groups and other mappings are removed', mappings: [{ keystoneRole: 'member', groups: ['ops', 'g1'] }, { keystoneRole: 'reader', groups: ['g1', 'pid-demo', 'g2'] }], groups: ['devs', 'ops', 'pid-demo', 'g1', 'g2'], username: 'alice' },
    { name: 'username override', mappings: [{ keystoneRole: 'member', groups: [], username: 'mapped-user' }], groups: ['devs', 'ops', 'pid-demo'], username: 'mapped-user' },
    { name: 'the last matching username wins', mappings: [{ keystoneRole: 'member', groups: [], username: 'first' }, { keystoneRole: 'reader', groups: [], username: 'second' }], groups: ['devs', 'ops', 'pid-demo'], username: 'second' },
    { name: 'an empty username does not override', mappings: [{ keystoneRole: 'member', groups: [], username: '' }], groups: ['devs', 'ops', 'pid-demo'], username: 'alice' },
  ];
  for (const c of mappingCases) {
    it(`role mapping: ${c.name}`, () => {
      const u = userInfoFromToken(scoped, c.mappings);
      assert.deepEqual(kkaGroups(u.groups), c.groups);
      assert.equal(u.username, c.username);
      // Role mappings never change extra.
      assert.deepEqual(u.extra, userInfoFromToken(scoped).extra);
    });
  }

  it('deduplicates repeated Keystone group names', () => {
    assert.deepEqual(kkaGroups(userInfoFromToken({ ...scoped, groupNames: ['a', 'a', 'pid-demo'] }).groups), ['a', 'pid-demo']);
  });

  it('an unscoped token has no project keys and no project group', () => {
    const u = userInfoFromToken(unscoped);
    assert.deepEqual(u.groups, ['devs']);
    for (const k of Object.keys(u.extra)) assert.ok(!k.includes('/project/'), `unexpected key ${k}`);
    assert.deepEqual(u.extra['alpha.kubernetes.io/identity/roles'], []);
    assert.deepEqual(u.extra['alpha.kubernetes.io/identity/user/domain/id'], ['default']);
  });

  it('does not alias the input arrays', () => {
    const facts: TokenFacts = { ...scoped, roles: ['member'], groupNames: ['g'] };
    const u = userInfoFromToken(facts, [{ keystoneRole: 'member', groups: ['m'] }]);
    u.groups.push('x');
    u.extra['alpha.kubernetes.io/identity/roles']?.push('y');
    assert.deepEqual(facts.groupNames, ['g']);
    assert.deepEqual(facts.roles, ['member']);
  });
});
