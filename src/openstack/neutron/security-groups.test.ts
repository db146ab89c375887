import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existingRuleId, securityGroupRules, securityGroups, type CreateSecurityGroupRuleOpts } from './security-groups.js';
import { fakeNeutron, isOpenStackError, neutronError } from './testing.js';

const RULE_ID = '1c347cc8-3be0-409b-ad57-708ccf64d678';
const exists = (id: string): { status: number; body: unknown; requestId: string } =>
  ({ status: 409, body: neutronError('SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${id}.`), requestId: 'req-409' });
const ssh: CreateSecurityGroupRuleOpts = { security_group_id: 'sg1', direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' };

describe('securityGroupRules.create', () => {
  it('POSTs {security_group_rule}', async () => {
    const f = fakeNeutron([{ status: 201, body: { security_group_rule: { id: 'r1' } } }]);
    assert.equal((await securityGroupRules.create(f.client, ssh)).id, 'r1');
    assert.deepEqual(f.calls, [{ method: 'POST', url: 'http://neutron:9696/v2.0/security-group-rules', body: { security_group_rule: ssh } }]);
  });

  it('409 SecurityGroupRuleExists resolves the existing rule', async () => {
    const f = fakeNeutron([exists(RULE_ID), { body: { security_group_rule: { id: RULE_ID, security_group_id: 'sg1' } } }]);
    const got = await securityGroupRules.create(f.client, ssh);
    assert.equal(got.id, RULE_ID);
    assert.deepEqual(f.lines(), ['POST http://neutron:9696/v2.0/security-group-rules', `GET http://neutron:9696/v2.0/security-group-rules/${RULE_ID}`]);
  });

  it('409 exists but the rule vanished: rejects with the original conflict', async () => {
    const f = fakeNeutron([exists(RULE_ID), { status: 404, body: neutronError('SecurityGroupRuleNotFound', 'gone') }]);
    await assert.rejects(securityGroupRules.create(f.client, ssh), (e: unknown) => isOpenStackError(e, 409, 'req-409'));
  });

  it('another 409 (quota) rejects without a lookup', async () => {
    const f = fakeNeutron([{ status: 409, body: neutronError('OverQuota', 'Quota exceeded for resources: [\'security_group_rule\'].'), requestId: 'req-q' }]);
    await assert.rejects(securityGroupRules.create(f.client, ssh), (e: unknown) => isOpenStackError(e, 409, 'req-q'));
    assert.equal(f.calls.length, 1);
  });
});

describe('securityGroupRules.createBulk', () => {
  const other: CreateSecurityGroupRuleOpts = { ...ssh, port_range_min: 80, port_range_max: 80 };
  it('POSTs {security_group_rules:[...]} and keeps the order', async () => {
    const f = fakeNeutron([{ status: 201, body: { security_group_rules: [{ id: 'a' }, { id: 'b' }] } }]);
    const got = await securityGroupRules.createBulk(f.client, [ssh, other]);
    assert.deepEqual(got.map((r) => r.id), ['a', 'b']);
    assert.deepEqual(f.calls[0]?.body, { security_group_rules: [ssh, other] });
  });
  it('falls back to idempotent one-by-one creates when one rule already exists', async () => {
    const f = fakeNeutron([
      exists(RULE_ID),
      exists(RULE_ID), { body: { security_group_rule: { id: RULE_ID } } },
      { status: 201, body: { security_group_rule: { id: 'new' } } },
    ]);
    const got = await securityGroupRules.createBulk(f.client, [ssh, other]);
    assert.deepEqual(got.map((r) => r.id), [RULE_ID, 'new']);
    assert.equal(f.calls.length, 4);
  });
});

describe('security groups', () => {
  it('rule delete counts 404 as deleted', async () => {
    const f = fakeNeutron([{ status: 404 }]);
    await securityGroupRules.delete(f.client, 'r1');
    assert.deepEqual(f.lines(), ['DELETE http://neutron:9696/v2.0/security-group-rules/r1']);
  });
  it('rules list by group', async () => {
    const f = fakeNeutron([{ body: { security_group_rules: [{ id: 'r1' }] } }]);
    await securityGroupRules.list(f.client, { security_group_id: 'sg1', direction: 'ingress' });
    assert.deepEqual(f.lines(), ['GET http://neutron:9696/v2.0/security-group-rules?security_group_id=sg1&direction=ingress']);
  });
  it('groups use /security-groups with {security_group}', async () => {
    const f = fakeNeutron([{ status: 201, body: { security_group: { id: 'sg1' } } }]);
    await securityGroups.create(f.client, { name: 'default-np', project_id: 'p1', stateful: true });
    assert.deepEqual(f.calls, [{ method: 'POST', url: 'http://neutron:9696/v2.0/security-groups', body: { security_group: { name: 'default-np', project_id: 'p1', stateful: true } } }]);
  });
  it('existingRuleId only reads 409s', () => {
    assert.equal(existingRuleId(new Error(`Rule id is ${RULE_ID}`)), undefined);
  });
});
