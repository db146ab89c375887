import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addInterface, clearGateway, removeInterface, setGateway, type RouterInterfaceRef } from './routers.js';
import { fakeNeutron, isOpenStackError, neutronError } from './testing.js';

describe('router interfaces', () => {
  it('addInterface PUTs the ref and resolves the interface info', async () => {
    const info = { id: 'r1', port_id: 'p1', subnet_id: 's1', subnet_ids: ['s1'], network_id: 'n1', project_id: 't', tenant_id: 't' };
    const f = fakeNeutron([{ body: info }]);
    assert.deepEqual(await addInterface(f.client, 'r1', { subnet_id: 's1' }), info);
    assert.deepEqual(f.calls, [{ method: 'PUT', url: 'http://neutron:9696/v2.0/routers/r1/add_router_interface', body: { subnet_id: 's1' } }]);
  });

  const gone: { name: string; ref: RouterInterfaceRef; type: string; message: string }[] = [
    { name: 'router gone', ref: { subnet_id: 's1' }, type: 'RouterNotFound', message: 'Router r1 could not be found' },
    { name: 'subnet not on router', ref: { subnet_id: 's1' }, type: 'RouterInterfaceNotFoundForSubnet', message: 'Router r1 has no interface on subnet s1' },
    { name: 'port not on router', ref: { port_id: 'p1' }, type: 'RouterInterfaceNotFound', message: 'Router r1 does not have an interface with id p1' },
  ];
  for (const tc of gone) {
    it(`removeInterface: 404 ${tc.type} (${tc.name}) counts as removed`, async () => {
      const f = fakeNeutron([{ status: 404, body: neutronError(tc.type, tc.message) }]);
      await removeInterface(f.client, 'r1', tc.ref);
      assert.deepEqual(f.calls, [{ method: 'PUT', url: 'http://neutron:9696/v2.0/routers/r1/remove_router_interface', body: tc.ref }]);
    });
  }

  it('removeInterface rejects on 409 with the request-id', async () => {
    const f = fakeNeutron([{ status: 409, body: neutronError('RouterInUse', 'Router r1 still has ports'), requestId: 'req-r' }]);
    await assert.rejects(removeInterface(f.client, 'r1', { subnet_id: 's1' }), (e: unknown) => isOpenStackError(e, 409, 'req-r'));
  });
});

describe('router gateway', () => {
  it('setGateway PUTs external_gateway_info', async () => {
    const f = fakeNeutron([{ body: { router: { id: 'r1' } } }]);
    await setGateway(f.client, 'r1', { network_id: 'ext', enable_snat: true });
    assert.deepEqual(f.calls, [{ method: 'PUT', url: 'http://neutron:9696/v2.0/routers/r1', body: { router: { external_gateway_info: { network_id: 'ext', enable_snat: true } } } }]);
  });
  it('clearGateway PUTs an empty external_gateway_info', async () => {
    const f = fakeNeutron([{ body: { router: { id: 'r1', external_gateway_info: null } } }]);
    await clearGateway(f.client, 'r1');
    assert.deepEqual(f.calls[0]?.body, { router: { external_gateway_info: {} } });
  });
  it('clearGateway on a deleted router resolves undefined', async () => {
    const f = fakeNeutron([{ status: 404, body: neutronError('RouterNotFound', 'Router r1 could not be found') }]);
    assert.equal(await clearGateway(f.client, 'r1'), undefined);
  });
});
