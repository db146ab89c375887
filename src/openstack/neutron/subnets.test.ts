import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { subnets } from './subnets.js';
import { fakeNeutron } from './testing.js';

describe('subnets', () => {
  it('update PUTs a null gateway and DNS servers', async () => {
    const f = fakeNeutron([{ body: { subnet: { id: 's1', gateway_ip: null } } }]);
    const got = await subnets.update(f.client, 's1', { gateway_ip: null, dns_nameservers: ['10.96.0.10'] });
    assert.equal(got.gateway_ip, null);
    assert.deepEqual(f.calls, [{ method: 'PUT', url: 'http://neutron:9696/v2.0/subnets/s1', body: { subnet: { gateway_ip: null, dns_nameservers: ['10.96.0.10'] } } }]);
  });
});
