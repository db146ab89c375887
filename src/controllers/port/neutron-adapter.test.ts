import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../lib/clock.js';
import { TerminalError } from '../../lib/errors.js';
import { fakeNeutron, neutronError, type Reply } from '../../openstack/neutron/testing.js';
import { podPortSpec, poolPortSpec } from '../../domain/port/plan.js';
import { NeutronUnavailableError } from '../network/ports.js';
import { portNeutronAdapter } from './neutron-adapter.js';

const N = 'http://neutron:9696/v2.0';

const wirePort = (id: string, o: Record<string, unknown> = {}): Record<string, unknown> => ({
  id, name: 'acme/web-0', network_id: 'net-1', project_id: 'p1', mac_address: 'fa:16:3e:00:00:01', status: 'DOWN', admin_state_up: true,
  device_id: 'u1', device_owner: 'compute:stackube', security_groups: ['sg-1'], tags: [], description: 'stackube:pod:u1',
  fixed_ips: [{ subnet_id: 'sub-1', ip_address: '10.10.0.5' }], 'binding:host_id': 'node-a', 'binding:vif_type': 'bridge',
  'binding:vif_details': {}, 'binding:vnic_type': 'normal', 'binding:profile': {}, port_security_enabled: true,
  created_at: '2026-11-23T00:00:00Z', ...o,
});

const adapter = (replies: Reply[], clock = new ManualClock(1_000)) => {
  const f = fakeNeutron(replies);
  return { f, a: portNeutronAdapter(f.client, { clock, cacheTtlMs: 30_000 }), clock };
};

const place = { networkID: 'net-1', subnetID: 'sub-1', node: 'node-a', projectId: 'p1', securityGroupID: 'sg-1' };

describe('portNeutronAdapter', () => {
  it('podPorts: device_id and device_owner filter; wire ports become PortFacts', async () => {
    const { f, a } = adapter([{ body: { ports: [wirePort('port-1')] } }]);
    assert.deepEqual(await a.podPorts('u1'), [{
      id: 'port-1', networkId: 'net-1', projectId: 'p1', mac: 'fa:16:3e:00:00:01', fixedIps: [{ subnetId: 'sub-1', ip: '10.10.0.5' }],
      deviceId: 'u1', deviceOwner: 'compute:stackube', description: 'stackube:pod:u1', hostId: 'node-a', vifType: 'bridge', createdAt: '2026-11-23T00:00:00Z',
    }]);
    assert.deepEqual(f.lines(), [`GET ${N}/ports?device_owner=compute%3Astackube&device_id=u1`]);
  });

  it('createPort: POST /ports with exactly the planned body', async () => {
    const { f, a } = adapter([{ status: 201, body: { port: wirePort('port-1') } }]);
    const spec = podPortSpec({ namespace: 'acme', name: 'web-0', uid: 'u1' }, place);
    assert.equal((await a.createPort(spec)).id, 'port-1');
    assert.deepEqual(f.calls.map((c) => [c.method, c.url, c.body]), [['POST', `${N}/ports`, { port: spec }]]);
  });

  it('createPorts: one bulk POST', async () => {
    const { f, a } = adapter([{ status: 201, body: { ports: [wirePort('a', { device_id: '' }), wirePort('b', { device_id: '' })] } }]);
    const spec = poolPortSpec(place);
    assert.deepEqual((await a.createPorts([spec, spec])).map((p) => p.id), ['a', 'b']);
    assert.deepEqual(f.calls.map((c) => c.body), [{ ports: [spec, spec] }]);
  });

  it('poolPorts: filtered by network, project and pool marker; claimed ones left out', async () => {
    const { f, a } = adapter([{ body: { ports: [wirePort('free', { device_id: '' }), wirePort('taken')] } }]);
    assert.deepEqual((await a.poolPorts('net-1', 'node-a', 'p1')).map((p) => p.id), ['free']);
    assert.deepEqual(f.lines(), [`GET ${N}/ports?device_owner=compute%3Astackube&network_id=net-1&project_id=p1&description=stackube%3Apool%3Anet-1%3Anode-a`]);
  });

  it('claimPort: one PUT; a missing port resolves undefined', async () => {
    const { f, a } = adapter([{ body: { port: wirePort('p') } }, { status: 404, body: neutronError('PortNotFound', 'Port q could not be found.') }]);
    const claim = { device_id: 'u1', name: 'acme/web-0', description: 'stackube:pod:u1' };
    assert.equal((await a.claimPort('p', claim))?.deviceId, 'u1');
    assert.equal(await a.claimPort('q', claim), undefined);
    assert.deepEqual(f.calls.map((c) => [c.method, c.url, c.body]), [['PUT', `${N}/ports/p`, { port: claim }], ['PUT', `${N}/ports/q`, { port: claim }]]);
  });

  it('a quota refusal is a TerminalError carrying Neutron\'s message', async () => {
    const { a } = adapter([{ status: 409, body: neutronError('OverQuota', "Quota exceeded for resources: ['port'].") }]);
    await assert.rejects(a.createPort(poolPortSpec(place)), (e) => e instanceof TerminalError && !(e instanceof NeutronUnavailableError) && /Neutron refused: .*Quota exceeded for resources: \['port'\]/.test(e.message));
  });

  it('creating on a network that is gone is a TerminalError (not a retry with backoff)', async () => {
    const { a } = adapter([{ status: 404, body: neutronError('NetworkNotFound', 'Network net-1 could not be found.') }]);
    await assert.rejects(a.createPort(poolPortSpec(place)), (e) => e instanceof TerminalError && /Network net-1 could not be found/.test(e.message));
  });

  it('a 503 is NeutronUnavailableError', async () => {
    const { a } = adapter([{ status: 503, body: neutronError('ServiceUnavailable', 'busy') }]);
    await assert.rejects(a.podPorts('u1'), NeutronUnavailableError);
  });

  it('deletePort is idempotent (404 counts as deleted)', async () => {
    const { a } = adapter([{ status: 404, body: neutronError('PortNotFound', 'gone') }]);
    await a.deletePort('p');
  });

  it('network MTU and subnet are cached for the TTL', async () => {
    const subnet = { id: 'sub-1', name: '', network_id: 'net-1', project_id: 'p1', cidr: '10.10.0.0/24', ip_version: 4, gateway_ip: '10.10.0.1', enable_dhcp: false, dns_nameservers: ['10.0.0.53'], allocation_pools: [], host_routes: [], tags: [], description: '' };
    const net = { id: 'net-1', name: 'n', project_id: 'p1', tenant_id: 'p1', status: 'ACTIVE', admin_state_up: true, shared: false, 'router:external': false, mtu: 1450, subnets: [], tags: [], description: '' };
    const { f, a, clock } = adapter([{ body: { network: net } }, { body: { subnet } }, { body: { network: { ...net, mtu: 1400 } } }]);
    assert.equal(await a.networkMtu('net-1'), 1450);
    assert.deepEqual(await a.subnet('sub-1'), { id: 'sub-1', cidr: '10.10.0.0/24', gatewayIp: '10.10.0.1', dnsNameservers: ['10.0.0.53'] });
    assert.equal(await a.networkMtu('net-1'), 1450);
    await a.subnet('sub-1');
    assert.equal(f.calls.length, 2, 'served from the cache');
    clock.advance(30_000);
    assert.equal(await a.networkMtu('net-1'), 1400);
    assert.equal(f.calls.length, 3);
  });

  it('a missing network or subnet resolves undefined', async () => {
    const { a } = adapter([{ status: 404, body: neutronError('NetworkNotFound', 'x') }, { status: 404, body: neutronError('SubnetNotFound', 'x') }]);
    assert.equal(await a.networkMtu('net-x'), undefined);
    assert.equal(await a.subnet('sub-x'), undefined);
  });
});
