import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { associate, disassociate, floatingIps } from './floating-ips.js';
import { fakeNeutron, neutronError } from './testing.js';

describe('floating IPs', () => {
  const cases: { name: string; run: (c: ReturnType<typeof fakeNeutron>['client']) => Promise<unknown>; method: string; path: string; body: unknown }[] = [
    { name: 'create', run: (c) => floatingIps.create(c, { floating_network_id: 'ext', project_id: 'p1', description: 'svc' }), method: 'POST', path: '/floatingips', body: { floatingip: { floating_network_id: 'ext', project_id: 'p1', description: 'svc' } } },
    { name: 'associate', run: (c) => associate(c, 'f1', 'port1'), method: 'PUT', path: '/floatingips/f1', body: { floatingip: { port_id: 'port1' } } },
    { name: 'associate with an address', run: (c) => associate(c, 'f1', 'port1', '10.0.0.5'), method: 'PUT', path: '/floatingips/f1', body: { floatingip: { port_id: 'port1', fixed_ip_address: '10.0.0.5' } } },
    { name: 'disassociate', run: (c) => disassociate(c, 'f1'), method: 'PUT', path: '/floatingips/f1', body: { floatingip: { port_id: null } } },
  ];
  for (const tc of cases) {
    it(`${tc.name} sends ${tc.method} ${tc.path}`, async () => {
      const f = fakeNeutron([{ body: { floatingip: { id: 'f1' } } }]);
      await tc.run(f.client);
      assert.deepEqual(f.calls, [{ method: tc.method, url: `http://neutron:9696/v2.0${tc.path}`, body: tc.body }]);
    });
  }
  it('disassociate of a deleted floating IP resolves undefined', async () => {
    const f = fakeNeutron([{ status: 404, body: neutronError('FloatingIPNotFound', 'Floating IP f1 could not be found') }]);
    assert.equal(await disassociate(f.client, 'f1'), undefined);
  });
  it('list filters by port', async () => {
    const f = fakeNeutron([{ body: { floatingips: [] } }]);
    await floatingIps.list(f.client, { port_id: 'p1', project_id: 't' });
    assert.deepEqual(f.lines(), ['GET http://neutron:9696/v2.0/floatingips?port_id=p1&project_id=t']);
  });
});
