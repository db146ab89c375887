import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  defaultGateway, findOverlap, isAllowAllIngress, neutronName, neutronQuota, ruleChanges, subnetUpdate,
  tenantSecurityGroupRules, validateNetworkSpec, type NetworkRef,
} from './plan.js';

describe('network plan', () => {
  it('names Neutron resources like the original Stackube', () => {
    assert.equal(neutronName('alpha', 'default'), 'kube-alpha-default');
    assert.equal(defaultGateway('10.244.0.0/16'), '10.244.0.1');
    assert.equal(defaultGateway('nope'), undefined);
  });

  it('validates specs with a clear message', () => {
    const cases: [Parameters<typeof validateNetworkSpec>[0], RegExp | undefined][] = [
      [{ cidr: '10.0.0.0/24' }, undefined],
      [{ cidr: '10.0.0.0/24', gateway: '10.0.0.254', dnsNameservers: ['8.8.8.8'] }, undefined],
      [{ networkID: '0b7f3a52-7f5e-4a5c-9d1e-2f3a4b5c6d7e' }, undefined],
      [{}, /set spec.cidr, or spec.networkID/],
      [{ cidr: '', networkID: '' }, /set spec.cidr/],
      [{ cidr: '10.0.0.1/24' }, /not an IPv4 network address/],
      [{ cidr: '10.0.0.0/33' }, /not an IPv4 network address/],
      [{ cidr: '10.0.0.0/31' }, /prefix length is at most 30/],
      [{ cidr: '10.0.0.0/24', gateway: '10.0.1.1' }, /outside spec.cidr/],
      [{ cidr: '10.0.0.0/24', gateway: '10.0.0.255' }, /broadcast/],
      [{ cidr: '10.0.0.0/24', gateway: 'x' }, /not an IPv4 address/],
      [{ cidr: '10.0.0.0/24', dnsNameservers: ['dns.example'] }, /dnsNameservers/],
    ];
    for (const [spec, want] of cases) {
      const got = validateNetworkSpec(spec);
      if (want) assert.match(got ?? '', want, JSON.stringify(spec)); else assert.equal(got, undefined, JSON.stringify(spec));
    }
  });

  it('finds an older overlapping Network of the same tenant only', () => {
    const n = (name: string, cidr: string, t: string, deleting = false): NetworkRef => ({ namespace: 'a', name, cidr, creationTimestamp: t, deleting });
    const me = n('me', '10.0.0.0/16', '2026-01-02T00:00:00Z');
    assert.equal(findOverlap(me, [me]), undefined);
    assert.equal(findOverlap(me, [n('x', '10.1.0.0/16', '2026-01-01T00:00:00Z')]), undefined);
    assert.equal(findOverlap(me, [n('x', '10.0.5.0/24', '2026-01-01T00:00:00Z')])?.name, 'x');
    // The newer of two overlapping Networks is the one that fails; the older keeps its range.
    assert.equal(findOverlap(me, [n('y', '10.0.0.0/8', '2026-01-03T00:00:00Z')]), undefined);
    assert.equal(findOverlap(me, [n('x', '10.0.0.0/24', '2026-01-01T00:00:00Z', true)]), undefined);
    // Same creation second: namespace/name breaks the tie, so exactly one of the two fails.
    const a = n('a', '10.0.0.0/16', '2026-01-02T00:00:00Z');
    assert.equal(findOverlap(me, [a])?.name, 'a');
    assert.equal(findOverlap(a, [me]), undefined);
  });

  it('updates only the subnet fields that differ', () => {
    assert.equal(subnetUpdate({ cidr: '10.0.0.0/24' }, { gateway_ip: '10.0.0.1', dns_nameservers: [] }), undefined);
    assert.deepEqual(subnetUpdate({ cidr: '10.0.0.0/24', dnsNameservers: ['1.1.1.1'] }, { gateway_ip: '10.0.0.1', dns_nameservers: [] }), { dns_nameservers: ['1.1.1.1'] });
    assert.deepEqual(subnetUpdate({ cidr: '10.0.0.0/24', gateway: '10.0.0.9' }, { gateway_ip: '10.0.0.1', dns_nameservers: ['1.1.1.1'] }), { gateway_ip: '10.0.0.9', dns_nameservers: [] });
  });

  it('keeps the tenant group free of allow-all rules and converges its rules', () => {
    const want = tenantSecurityGroupRules('sg');
    assert.equal(want.filter((r) => r.direction === 'ingress').length, 2);
    assert.ok(want.every((r) => !isAllowAllIngress(r)));
    const allowAll = { id: 'bad', direction: 'ingress' as const, ethertype: 'IPv4' as const, protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: '0.0.0.0/0', remote_group_id: null };
    assert.ok(isAllowAllIngress(allowAll));
    const egress = { ...allowAll, id: 'e4', direction: 'egress' as const, remote_ip_prefix: null };
    const { create, remove } = ruleChanges(want, [allowAll, egress]);
    assert.deepEqual(remove, ['bad']);
    assert.equal(create.length, 3);
  });

  it('maps quotas to Neutron keys', () => {
    assert.deepEqual(neutronQuota({ networks: 2, ports: -1, floatingIPs: 0 }), { network: 2, port: -1, floatingip: 0 });
    assert.deepEqual(neutronQuota({}), {});
  });
});
