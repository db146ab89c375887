import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixedIpsQuery, ports, type CreatePortOpts, type PortFilter } from './ports.js';
import { fakeNeutron, isOpenStackError, neutronError } from './testing.js';

describe('ports.createBulk', () => {
  it('POSTs {ports:[...]} and resolves the ports in request order', async () => {
    const opts: CreatePortOpts[] = [
      { network_id: 'n1', name: 'p-a', device_owner: 'compute:kuryr' },
      { network_id: 'n1', name: 'p-b', fixed_ips: [{ subnet_id: 's1' }] },
      { network_id: 'n1', name: 'p-c', fixed_ips: [{ ip_address: '10.0.0.9' }] },
    ];
    const f = fakeNeutron([{ status: 201, body: { ports: [{ id: '1', name: 'p-a' }, { id: '2', name: 'p-b' }, { id: '3', name: 'p-c' }] } }]);
    const got = await ports.createBulk(f.client, opts);
    assert.deepEqual(got.map((p) => [p.id, p.name]), [['1', 'p-a'], ['2', 'p-b'], ['3', 'p-c']]);
    assert.deepEqual(f.calls, [{ method: 'POST', url: 'http://neutron:9696/v2.0/ports', body: { ports: opts } }]);
  });

  it('rejects with the request-id when Neutron refuses the bulk', async () => {
    const f = fakeNeutron([{ status: 409, body: neutronError('IpAddressAlreadyAllocated', 'IP address 10.0.0.9 already allocated'), requestId: 'req-bulk' }]);
    await assert.rejects(ports.createBulk(f.client, [{ network_id: 'n1' }]), (e: unknown) => isOpenStackError(e, 409, 'req-bulk'));
  });
});

describe('ports.list filters', () => {
  const cases: { name: string; filter: PortFilter; want: string }[] = [
    { name: 'device owner and host', filter: { device_owner: 'compute:kuryr', 'binding:host_id': 'node-1' }, want: '?device_owner=compute%3Akuryr&binding%3Ahost_id=node-1' },
    { name: 'fixed_ips by subnet', filter: { fixed_ips: { subnet_id: 's1' } }, want: '?fixed_ips=subnet_id%3Ds1' },
    { name: 'fixed_ips by subnet and address', filter: { network_id: 'n1', fixed_ips: [{ subnet_id: 's1' }, { ip_address: '10.0.0.5' }] }, want: '?network_id=n1&fixed_ips=subnet_id%3Ds1&fixed_ips=ip_address%3D10.0.0.5' },
    { name: 'empty fixed_ips is no constraint', filter: { fixed_ips: [] }, want: '' },
    { name: 'several ids', filter: { id: ['p1', 'p2'], status: 'DOWN' }, want: '?id=p1&id=p2&status=DOWN' },
    { name: 'tags-any', filter: { 'tags-any': 'pool,warm' }, want: '?tags-any=pool%2Cwarm' },
  ];
  for (const tc of cases) {
    it(tc.name, async () => {
      const f = fakeNeutron([{ body: { ports: [] } }]);
      await ports.list(f.client, tc.filter);
      assert.deepEqual(f.lines(), [`GET http://neutron:9696/v2.0/ports${tc.want}`]);
    });
  }

  it('fixedIpsQuery drops undefined keys', () => {
    assert.deepEqual(fixedIpsQuery({ subnet_id: 's1', ip_address_substr: '10.0.' }), ['subnet_id=s1', 'ip_address_substr=10.0.']);
  });
});
