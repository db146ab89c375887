import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TerminalError } from '../../lib/errors.js';
import { OpenStackError } from '../../openstack/core/errors.js';
import { fakeNeutron, neutronError, type Reply } from '../../openstack/neutron/testing.js';
import { classifyNeutronError, networkNeutronAdapter } from './neutron-adapter.js';
import { NeutronUnavailableError } from './ports.js';

const N = 'http://neutron:9696/v2.0';

const osError = (status: number, serverMessage?: string): OpenStackError =>
  new OpenStackError({ service: 'network', method: 'POST', url: `${N}/networks`, status, requestId: 'req-1', serverMessage });

const wireNet = (id: string, name: string, o: { external?: boolean; project?: string; shared?: boolean } = {}): Record<string, unknown> => ({
  id, name, project_id: o.project ?? 'p1', tenant_id: o.project ?? 'p1', status: 'ACTIVE', admin_state_up: true, shared: o.shared ?? false,
  'router:external': o.external ?? false, mtu: 1450, subnets: [], tags: [], description: '',
});

const wirePort = (id: string, deviceOwner: string, o: { device?: string; subnet?: string } = {}): Record<string, unknown> => ({
  id, name: '', network_id: 'n1', project_id: 'p1', mac_address: 'fa:16:3e:00:00:01', status: 'ACTIVE', admin_state_up: true,
  device_id: o.device ?? '', device_owner: deviceOwner, security_groups: [], tags: [], description: '',
  fixed_ips: o.subnet ? [{ subnet_id: o.subnet, ip_address: '10.0.0.1' }] : [],
});

describe('classifyNeutronError', () => {
  const cases: { name: string; error: () => unknown; want: 'unavailable' | 'refused' | 'same' }[] = [
    { name: 'status 0 (unreachable)', error: () => osError(0), want: 'unavailable' },
    { name: '500', error: () => osError(500, 'internal'), want: 'unavailable' },
    { name: '503', error: () => osError(503, 'overloaded'), want: 'unavailable' },
    { name: '401 (our credentials refused)', error: () => osError(401, 'auth'), want: 'unavailable' },
    { name: '400', error: () => osError(400, 'Invalid input for cidr'), want: 'refused' },
    { name: '403', error: () => osError(403, 'not authorized to create a network for another project'), want: 'refused' },
    { name: '409', error: () => osError(409, 'Quota exceeded for resources: [network]'), want: 'refused' },
    { name: '404', error: () => osError(404, 'Network n1 could not be found'), want: 'same' },
    { name: 'a plain Error', error: () => new Error('bug'), want: 'same' },
    { name: 'a TerminalError', error: () => new TerminalError('STACKUBE_ERR_X', 'x'), want: 'same' },
    { name: 'a string', error: () => 'thrown string', want: 'same' },
  ];
  for (const tc of cases) {
    it(`${tc.name} → ${tc.want}`, () => {
      const e = tc.error();
      const got = classifyNeutronError(e);
      if (tc.want === 'same') {
        assert.equal(got, e);
        return;
      }
      assert.ok(e instanceof OpenStackError);
      assert.ok(got instanceof Error);
      assert.equal(got.cause, e, 'the OpenStackError is kept as the cause');
      if (tc.want === 'unavailable') {
        assert.ok(got instanceof NeutronUnavailableError);
        assert.equal(got.code, 'STACKUBE_ERR_NEUTRON_UNAVAILABLE');
        assert.match(got.message, /^Neutron unavailable: /);
      } else {
        assert.ok(got instanceof TerminalError);
        assert.ok(!(got instanceof NeutronUnavailableError));
        assert.equal(got.code, 'STACKUBE_ERR_NEUTRON_REFUSED');
        assert.ok(got.message.startsWith('Neutron refused: '));
        assert.ok(got.message.includes(e.message), 'carries Neutron\'s message');
      }
    });
  }
});

describe('networkNeutronAdapter', () => {
  const adapter = (replies: readonly Reply[], external = '') => {
    const f = fakeNeutron(replies);
    return { f, a: networkNeutronAdapter(f.client, { external }) };
  };

  it('createSubnet: IPv4, DHCP off, the marker as description, on behalf of the project', async () => {
    const { f, a } = adapter([{ status: 201, body: { subnet: { id: 's1', network_id: 'n1', cidr: '10.0.0.0/24', ip_version: 4, gateway_ip: '10.0.0.1', dns_nameservers: ['1.1.1.1'] } } }]);
    const s = await a.createSubnet({ name: 'kube-acme-web', projectId: 'p1', networkId: 'n1', cidr: '10.0.0.0/24', gateway: '10.0.0.1', dnsNameservers: ['1.1.1.1'], marker: 'stackube:network:u1' });
    assert.deepEqual(f.calls, [{
      method: 'POST', url: `${N}/subnets`, body: {
        subnet: {
          name: 'kube-acme-web', project_id: 'p1', network_id: 'n1', ip_version: 4, cidr: '10.0.0.0/24', description: 'stackube:network:u1',
          enable_dhcp: false, dns_nameservers: ['1.1.1.1'], gateway_ip: '10.0.0.1',
        },
      },
    }]);
    assert.deepEqual(s, { id: 's1', networkId: 'n1', cidr: '10.0.0.0/24', ipVersion: 4, gateway_ip: '10.0.0.1', dns_nameservers: ['1.1.1.1'] });
  });

  it('createSubnet without a gateway sends no gateway_ip (Neutron picks the first address)', async () => {
    const { f, a } = adapter([{ status: 201, body: { subnet: { id: 's1', network_id: 'n1', cidr: '10.0.0.0/24', ip_version: 4, gateway_ip: '10.0.0.1', dns_nameservers: [] } } }]);
    await a.createSubnet({ name: 'x', projectId: 'p1', networkId: 'n1', cidr: '10.0.0.0/24', dnsNameservers: [], marker: 'm' });
    const body = (f.calls[0]?.body as { subnet: Record<string, unknown> }).subnet;
    assert.ok(!('gateway_ip' in body));
    assert.equal(body['enable_dhcp'], false);
  });

  it('findNetwork filters by description and maps the network', async () => {
    const { f, a } = adapter([{ body: { networks: [wireNet('n1', 'kube-acme-web', { shared: true })] } }, { body: { networks: [] } }]);
    assert.deepEqual(await a.findNetwork('stackube:network:u1'), { id: 'n1', name: 'kube-acme-web', projectId: 'p1', shared: true, external: false });
    assert.equal(await a.findNetwork('stackube:network:u2'), undefined);
    assert.deepEqual(f.lines(), [`GET ${N}/networks?description=stackube%3Anetwork%3Au1`, `GET ${N}/networks?description=stackube%3Anetwork%3Au2`]);
  });

  describe('externalNetworkId', () => {
    const LIST = `GET ${N}/networks?router%3Aexternal=true`;
    it('"" picks the only external network, and remembers it', async () => {
      const { f, a } = adapter([{ body: { networks: [wireNet('ext-1', 'public', { external: true })] } }]);
      assert.equal(await a.externalNetworkId(), 'ext-1');
      assert.equal(await a.externalNetworkId(), 'ext-1');
      assert.deepEqual(f.lines(), [LIST]);
    });
    it('"" with no external network resolves undefined', async () => {
      const { a } = adapter([{ body: { networks: [] } }]);
      assert.equal(await a.externalNetworkId(), undefined);
    });
    it('"" with no external network yet finds the one the operator creates later', async () => {
      const { f, a } = adapter([{ body: { networks: [] } }, { body: { networks: [wireNet('ext-1', 'public', { external: true })] } }]);
      assert.equal(await a.externalNetworkId(), undefined);
      assert.equal(await a.externalNetworkId(), 'ext-1');
      assert.deepEqual(f.lines(), [LIST, LIST]);
    });
    it('"" with two external networks is a TerminalError naming them', async () => {
      const { a } = adapter([{ body: { networks: [wireNet('e1', 'public', { external: true }), wireNet('e2', 'provider', { external: true })] } }]);
      await assert.rejects(a.externalNetworkId(), (e: unknown) => e instanceof TerminalError && e.code === 'STACKUBE_ERR_CONFIG_INVALID' && /2 external networks \(public, provider\)/.test(e.message));
    });
    const named: { name: string; external: string; want: string }[] = [
      { name: 'a name', external: 'provider', want: 'e2' },
      { name: 'an id', external: 'e1', want: 'e1' },
    ];
    for (const tc of named) {
      it(`with ${tc.name} resolves the id`, async () => {
        const { a } = adapter([{ body: { networks: [wireNet('e1', 'public', { external: true }), wireNet('e2', 'provider', { external: true })] } }], tc.external);
        assert.equal(await a.externalNetworkId(), tc.want);
      });
    }
    it('a configured name that is no external network is a TerminalError', async () => {
      const { a } = adapter([{ body: { networks: [wireNet('e1', 'public', { external: true })] } }], 'missing');
      await assert.rejects(a.externalNetworkId(), (e: unknown) => e instanceof TerminalError && /"missing"/.test(e.message));
    });
    it('is not cached after a failure: an outage, then success', async () => {
      const { f, a } = adapter([
        { status: 503, body: neutronError('ServiceUnavailable', 'try later') },
        { body: { networks: [wireNet('ext-1', 'public', { external: true })] } },
      ]);
      await assert.rejects(a.externalNetworkId(), NeutronUnavailableError);
      assert.equal(await a.externalNetworkId(), 'ext-1');
      assert.deepEqual(f.lines(), [LIST, LIST]);
    });
    it('is not cached after a refusal: the operator may fix it', async () => {
      const { f, a } = adapter([
        { body: { networks: [wireNet('e1', 'public', { external: true }), wireNet('e2', 'provider', { external: true })] } },
        { body: { networks: [wireNet('e1', 'public', { external: true })] } },
      ]);
      await assert.rejects(a.externalNetworkId(), TerminalError);
      assert.equal(await a.externalNetworkId(), 'e1');
      assert.deepEqual(f.lines(), [LIST, LIST]);
    });
  });

  it('deleteWorkloadPorts deletes only the ports Neutron does not own (network:*)', async () => {
    const { f, a } = adapter([
      { body: { ports: [wirePort('dhcp', 'network:dhcp'), wirePort('pod1', 'compute:kuryr'), wirePort('rif', 'network:router_interface'), wirePort('pod2', '')] } },
      { status: 204 },
      { status: 204 },
    ]);
    assert.equal(await a.deleteWorkloadPorts('n1'), 2);
    assert.deepEqual(f.lines(), [`GET ${N}/ports?network_id=n1`, `DELETE ${N}/ports/pod1`, `DELETE ${N}/ports/pod2`]);
  });

  describe('addRouterInterface', () => {
    const IFACES = `GET ${N}/ports?device_id=r1&device_owner=network%3Arouter_interface`;
    const already = { status: 400, body: neutronError('BadRequest', 'Bad router request: Router already has a port on subnet s1.') };
    it('attaches the subnet', async () => {
      const { f, a } = adapter([{ body: { id: 'r1', port_id: 'p', subnet_id: 's1', subnet_ids: ['s1'], network_id: 'n1', project_id: 'p1', tenant_id: 'p1' } }]);
      await a.addRouterInterface('r1', 's1');
      assert.deepEqual(f.calls, [{ method: 'PUT', url: `${N}/routers/r1/add_router_interface`, body: { subnet_id: 's1' } }]);
    });
    it('tolerates 400 "already has a port" when the router has an interface on the subnet', async () => {
      const { f, a } = adapter([already, { body: { ports: [wirePort('rif', 'network:router_interface', { device: 'r1', subnet: 's1' })] } }]);
      await a.addRouterInterface('r1', 's1');
      assert.deepEqual(f.lines(), [`PUT ${N}/routers/r1/add_router_interface`, IFACES]);
    });
    it('refuses (TerminalError) the same 400 when the router has no interface on that subnet', async () => {
      const { a } = adapter([already, { body: { ports: [wirePort('rif', 'network:router_interface', { device: 'r1', subnet: 's9' })] } }]);
      await assert.rejects(a.addRouterInterface('r1', 's1'), (e: unknown) => e instanceof TerminalError && /already has a port/.test(e.message));
    });
    it('another 400 is a TerminalError without a second look', async () => {
      const { f, a } = adapter([{ status: 400, body: neutronError('BadRequest', 'Subnet s1 has no gateway') }]);
      await assert.rejects(a.addRouterInterface('r1', 's1'), TerminalError);
      assert.equal(f.calls.length, 1);
    });
    it('an outage is a NeutronUnavailableError', async () => {
      const { a } = adapter([{ status: 0 }]);
      await assert.rejects(a.addRouterInterface('r1', 's1'), NeutronUnavailableError);
    });
  });

  it('routerSubnets lists the subnets of the router\'s interface ports', async () => {
    const { f, a } = adapter([{ body: { ports: [wirePort('a', 'network:router_interface', { device: 'r1', subnet: 's1' }), wirePort('b', 'network:router_interface', { device: 'r1', subnet: 's2' })] } }]);
    assert.deepEqual(await a.routerSubnets('r1'), ['s1', 's2']);
    assert.deepEqual(f.lines(), [`GET ${N}/ports?device_id=r1&device_owner=network%3Arouter_interface`]);
  });

  it('routerOnSubnet finds the router by its interface port on the subnet', async () => {
    const { f, a } = adapter([{ body: { ports: [wirePort('a', 'network:router_interface', { device: 'r7', subnet: 's1' })] } }, { body: { ports: [] } }]);
    assert.equal(await a.routerOnSubnet('s1'), 'r7');
    assert.equal(await a.routerOnSubnet('s2'), undefined);
    assert.deepEqual(f.lines(), [
      `GET ${N}/ports?device_owner=network%3Arouter_interface&fixed_ips=subnet_id%3Ds1`,
      `GET ${N}/ports?device_owner=network%3Arouter_interface&fixed_ips=subnet_id%3Ds2`,
    ]);
  });

  it('deleteRouter clears the gateway first, and a router already gone counts as deleted', async () => {
    const { f, a } = adapter([{ status: 404, body: neutronError('RouterNotFound', 'Router r1 could not be found') }, { status: 404, body: neutronError('RouterNotFound', 'Router r1 could not be found') }]);
    await a.deleteRouter('r1');
    assert.deepEqual(f.lines(), [`PUT ${N}/routers/r1`, `DELETE ${N}/routers/r1`]);
  });
});
