import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { quotas } from './quotas.js';
import { fakeNeutron, isOpenStackError, neutronError } from './testing.js';

const full = { network: 10, subnet: 10, port: 50, router: 10, floatingip: 50, security_group: 10, security_group_rule: 100 };

describe('quotas', () => {
  it('get reads {quota}', async () => {
    const f = fakeNeutron([{ body: { quota: full } }]);
    assert.deepEqual(await quotas.get(f.client, 'p1'), full);
    assert.deepEqual(f.lines(), ['GET http://neutron:9696/v2.0/quotas/p1']);
  });
  it('update PUTs only the given limits as {quota: {...}}', async () => {
    const f = fakeNeutron([{ body: { quota: { ...full, port: -1, network: 2 } } }]);
    const got = await quotas.update(f.client, 'p1', { port: -1, network: 2 });
    assert.equal(got.port, -1);
    assert.deepEqual(f.calls, [{ method: 'PUT', url: 'http://neutron:9696/v2.0/quotas/p1', body: { quota: { port: -1, network: 2 } } }]);
  });
  const resetCases = [204, 404];
  for (const status of resetCases) {
    it(`reset DELETEs and treats ${status} as done`, async () => {
      const f = fakeNeutron([{ status }]);
      await quotas.reset(f.client, 'p1');
      assert.deepEqual(f.lines(), ['DELETE http://neutron:9696/v2.0/quotas/p1']);
    });
  }
  it('reset rejects on 403 with the request-id', async () => {
    const f = fakeNeutron([{ status: 403, body: neutronError('PolicyNotAuthorized', 'not allowed'), requestId: 'req-q' }]);
    await assert.rejects(quotas.reset(f.client, 'p1'), (e: unknown) => isOpenStackError(e, 403, 'req-q'));
  });
  it('details reads /quotas/{id}/details.json', async () => {
    const body = { quota: { network: { limit: 10, used: 1, reserved: 0 } } };
    const f = fakeNeutron([{ body }]);
    assert.deepEqual(await quotas.details(f.client, 'p1'), body.quota);
    assert.deepEqual(f.lines(), ['GET http://neutron:9696/v2.0/quotas/p1/details.json']);
  });
});
