import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ANNOTATION_VIF, type VifAnnotation } from '../../api/vif.js';
import {
  aliasContainer, checkAttachment, evaluatePod, hostMac, linkAlias, parseLinkAlias, planGc, planReconcile, resultFor, vifProblem,
  type ObservedAttachment, type PodInfo,
} from './plan.js';
import type { ContainerState } from './state.js';

const PORT = 'eeeeeeee-1111-4111-8111-111111111111';
const NET = 'eeeeeeee-2222-4222-8222-222222222222';
const vif = (o: Partial<VifAnnotation> = {}): VifAnnotation => ({
  v: 1, portID: PORT, networkID: NET, subnetID: 'sub', mac: 'fa:16:3e:aa:bb:cc', ip: '10.0.0.5', prefixLength: 24, gateway: '10.0.0.1',
  mtu: 1450, vifType: 'bridge', dnsNameservers: ['10.0.0.2'], ...o,
});
const pod = (o: Partial<PodInfo> = {}, v: VifAnnotation | string | null = vif()): PodInfo => ({
  namespace: 'acme', name: 'web', uid: 'uid-1', annotations: v === null ? {} : { [ANNOTATION_VIF]: typeof v === 'string' ? v : JSON.stringify(v) }, ...o,
});
const state = (o: Partial<ContainerState> = {}): ContainerState => ({
  v: 1, containerId: 'c1', ifName: 'eth0', netns: '/run/netns/a', hostIf: 'tapeeeeeeee-11', tempIf: 'stk000000000001', alias: linkAlias('linuxbridge', PORT, o.containerId ?? 'c1'),
  driver: 'linuxbridge', portId: PORT, networkId: NET, mac: 'fa:16:3e:aa:bb:cc', mtu: 1450, pod: { namespace: 'acme', name: 'web', uid: 'uid-1' },
  phase: 'ready', createdAt: '2026-01-01T00:00:00.000Z', ...o,
});

describe('evaluatePod', () => {
  const cases: { name: string; pod: PodInfo | undefined; uid?: string; want: 'ready' | RegExp }[] = [
    { name: 'a pod with a valid VIF', pod: pod(), want: 'ready' },
    { name: 'the uid the runtime asked for', pod: pod(), uid: 'uid-1', want: 'ready' },
    { name: 'not in the cache', pod: undefined, want: /not \(yet\) known on this node/ },
    { name: 'another pod of the same name', pod: pod(), uid: 'uid-2', want: /has uid uid-1, the runtime asked for uid-2/ },
    { name: 'no annotation yet', pod: pod({}, null), want: /no stackube.kubernetes.io\/vif annotation yet/ },
    { name: 'annotation not JSON', pod: pod({}, '{'), want: /malformed/ },
    { name: 'annotation of another version', pod: pod({}, JSON.stringify({ ...vif(), v: 2 })), want: /malformed/ },
    { name: 'port id not a UUID', pod: pod({}, vif({ portID: 'x' })), want: /unusable VIF: vif.portId is not a UUID/ },
    { name: 'bad MAC', pod: pod({}, vif({ mac: 'nope' })), want: /unusable VIF: vif.mac/ },
    { name: 'MTU too small', pod: pod({}, vif({ mtu: 10 })), want: /unusable VIF: vif.mtu/ },
    { name: 'IPv6 address', pod: pod({}, vif({ ip: 'fd00::5' })), want: /not an IPv4 address/ },
    { name: 'prefix 33', pod: pod({}, vif({ prefixLength: 33 })), want: /prefixLength 33/ },
    { name: 'gateway equal to the pod IP', pod: pod({}, vif({ gateway: '10.0.0.5' })), want: /gateway/ },
    { name: 'a DNS server that is no IP', pod: pod({}, vif({ dnsNameservers: ['dns.example'] })), want: /dnsNameservers/ },
    { name: 'binding failed', pod: pod({}, vif({ vifType: 'binding_failed' })), want: /binding_failed/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = evaluatePod(c.pod, { namespace: 'acme', name: 'web', ...(c.uid === undefined ? {} : { uid: c.uid }) });
      if (c.want === 'ready') assert.equal(v.kind, 'ready', v.kind === 'wait' ? v.why : '');
      else {
        assert.equal(v.kind, 'wait');
        assert.match(v.kind === 'wait' ? v.why : '', c.want);
      }
    });
  }

  it('a VIF without gateway is usable', () => {
    const noGw = vif();
    delete noGw.gateway;
    assert.equal(vifProblem(noGw), undefined);
  });
});

describe('link alias', () => {
  it('round-trips driver, port and container', () => {
    const a = linkAlias('ovs', PORT, 'abc123');
    assert.equal(a, `stackube:ovs:${PORT}:abc123`);
    assert.deepEqual(parseLinkAlias(a), { driver: 'ovs', portId: PORT, container: 'abc123' });
  });
  it('hashes container IDs too long for an alias, and stays under 255 bytes', () => {
    const long = 'c'.repeat(500);
    const a = linkAlias('linuxbridge', PORT, long);
    assert.ok(a.length <= 255, String(a.length));
    assert.equal(parseLinkAlias(a)?.container, aliasContainer(long));
    assert.match(aliasContainer(long), /^sha256-[0-9a-f]{64}$/);
    assert.equal(aliasContainer('short'), 'short');
  });
  const notOurs: (string | undefined)[] = [undefined, '', 'neutron', 'stackube:', 'stackube:vpp:' + PORT + ':c', 'stackube:ovs:not-a-port:c', `stackube:ovs:${PORT}:`, `stackube:ovs:${PORT}:c:extra`];
  for (const a of notOurs) it(`ignores alias ${JSON.stringify(a)}`, () => assert.equal(parseLinkAlias(a), undefined));
});

describe('resultFor and hostMac', () => {
  it('host tap without sandbox, pod interface in the netns, address, default route and DNS', () => {
    const r = resultFor(vif({ mac: 'FA:16:3E:AA:BB:CC' }), { hostIf: 'tapeeeeeeee-11', ifName: 'eth0', netns: '/run/netns/a' }, '1.1.0');
    assert.deepEqual(r, {
      cniVersion: '1.1.0',
      interfaces: [{ name: 'tapeeeeeeee-11', mac: 'fe:16:3e:aa:bb:cc', mtu: 1450 }, { name: 'eth0', mac: 'fa:16:3e:aa:bb:cc', mtu: 1450, sandbox: '/run/netns/a' }],
      ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1', interface: 1 }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }],
      dns: { nameservers: ['10.0.0.2'] },
    });
  });
  it('no gateway: no route and no gateway field; no DNS: empty dns', () => {
    const noGw = vif({ dnsNameservers: [] });
    delete noGw.gateway;
    const r = resultFor(noGw, { hostIf: 't', ifName: 'eth0', netns: '/n' }, '1.0.0');
    assert.deepEqual(r.routes, []);
    assert.deepEqual(r.ips, [{ address: '10.0.0.5/24', interface: 1 }]);
    assert.deepEqual(r.dns, {});
  });
  it('hostMac swaps the first byte for fe', () => assert.equal(hostMac('FA:16:3e:01:02:03'), 'fe:16:3e:01:02:03'));
});

describe('checkAttachment', () => {
  const st = state();
  const prev = resultFor(vif(), { hostIf: st.hostIf, ifName: 'eth0', netns: st.netns }, '1.1.0');
  const good: ObservedAttachment = {
    host: { up: true, alias: st.alias }, plugged: true, pod: { up: true, mac: 'fa:16:3e:aa:bb:cc', mtu: 1450, addresses: ['10.0.0.5/24'] }, defaultGateways: ['10.0.0.1'],
  };
  const cases: { name: string; obs: ObservedAttachment; want: RegExp[] }[] = [
    { name: 'all as created', obs: good, want: [] },
    { name: 'host link gone', obs: { ...good, host: undefined as never, plugged: false }, want: [/host link tapeeeeeeee-11 does not exist/] },
    { name: 'host link of someone else', obs: { ...good, host: { up: true, alias: 'other' } }, want: [/not created for this container/] },
    { name: 'host link down and unplugged', obs: { ...good, host: { up: false, alias: st.alias }, plugged: false }, want: [/is down/, /not attached to the Neutron backend/] },
    { name: 'pod link gone', obs: { ...good, pod: undefined as never }, want: [/eth0 does not exist in \/run\/netns\/a/] },
    { name: 'pod link down, wrong MAC, MTU and address', obs: { ...good, pod: { up: false, mac: '02:00:00:00:00:01', mtu: 1500, addresses: ['10.0.0.6/24'] } }, want: [/eth0 is down/, /MAC 02:00:00:00:00:01/, /MTU 1500/, /lacks address 10.0.0.5\/24/] },
    { name: 'no default route', obs: { ...good, defaultGateways: [] }, want: [/no default route via 10.0.0.1/] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const obs = { ...c.obs };
      if (obs.host === undefined) delete obs.host;
      if (obs.pod === undefined) delete obs.pod;
      const problems = checkAttachment(prev, st, obs);
      assert.equal(problems.length, c.want.length, problems.join('; '));
      c.want.forEach((re, i) => assert.match(problems[i] ?? '', re));
    });
  }
  it('a prevResult without the pod interface is a problem', () => {
    assert.match(checkAttachment({ ...prev, interfaces: [] }, st, good)[0] ?? '', /prevResult has no interface eth0/);
  });
});

describe('planReconcile (restart reconciliation decisions)', () => {
  const alive = state({ containerId: 'alive' });
  const netnsGone = state({ containerId: 'gone-ns', netns: '/run/netns/gone', hostIf: 'tapeeeeeeee-22' });
  const podGone = state({ containerId: 'gone-pod', netns: '/run/netns/b', pod: { namespace: 'acme', name: 'old', uid: 'uid-old' }, hostIf: 'tapeeeeeeee-33' });
  const noNetns = state({ containerId: 'no-ns', netns: '' });
  const links = [
    { name: alive.hostIf, alias: alive.alias },
    { name: 'tapeeeeeeee-44', alias: linkAlias('linuxbridge', 'eeeeeeee-4444-4444-8444-444444444444', 'lost') },
    { name: 'tapeeeeeeee-55', alias: 'stackube:garbage' },
    // Same name as a state's link, but another container's alias: not accounted for by that state.
    { name: netnsGone.hostIf, alias: linkAlias('ovs', PORT, 'someone-else') },
  ];
  const cases: { name: string; states: ContainerState[]; links: typeof links; live: string[]; uids: string[]; want: string[] }[] = [
    { name: 'nothing on the host', states: [], links: [], live: [], uids: [], want: [] },
    { name: 'an attachment whose netns and pod exist is kept', states: [alive], links: [links[0]!], live: [alive.netns], uids: ['uid-1'], want: [] },
    { name: 'netns gone', states: [netnsGone], links: [], live: [], uids: ['uid-1'], want: ['teardown gone-ns netns /run/netns/gone'] },
    { name: 'pod gone from this node', states: [podGone], links: [], live: ['/run/netns/b'], uids: ['uid-1'], want: ['teardown gone-pod pod acme/old'] },
    { name: 'a state without netns', states: [noNetns], links: [], live: [], uids: ['uid-1'], want: ['teardown no-ns netns (none)'] },
    {
      name: 'marked links without a state are deleted; garbage aliases and accounted links are not',
      states: [alive], links, live: [alive.netns], uids: ['uid-1'],
      want: ['deleteLink tapeeeeeeee-44 linuxbridge', `deleteLink ${netnsGone.hostIf} ovs`],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = planReconcile({ states: c.states, links: c.links, liveNetns: new Set(c.live), podUids: new Set(c.uids) })
        .map((a) => (a.kind === 'teardown' ? `teardown ${a.containerId} ${a.why}` : `deleteLink ${a.name} ${a.driver}`));
      assert.equal(got.length, c.want.length, got.join('\n'));
      c.want.forEach((w, i) => assert.ok(got[i]?.startsWith(w), `${got[i] ?? ''} should start with ${w}`));
    });
  }
});

describe('planGc', () => {
  const now = Date.parse('2026-01-01T01:00:00.000Z');
  const keep = state({ containerId: 'keep' });
  const drop = state({ containerId: 'drop', hostIf: 'tapeeeeeeee-66' });
  const young = state({ containerId: 'young', createdAt: '2026-01-01T00:59:30.000Z' });
  const otherIf = state({ containerId: 'other-if', ifName: 'net1' });
  it('tears down what the runtime no longer lists, except young attachments; matches containerID and ifname', () => {
    const actions = planGc({ states: [keep, drop, young, otherIf], links: [], valid: [{ containerID: 'keep', ifname: 'eth0' }, { containerID: 'other-if', ifname: 'eth0' }], now, graceMs: 60_000 });
    assert.deepEqual(actions.map((a) => (a.kind === 'teardown' ? a.containerId : a.name)), ['drop', 'other-if']);
  });
  it('deletes marked links without a state unless their container is listed', () => {
    const links = [
      { name: 'tapeeeeeeee-77', alias: linkAlias('linuxbridge', PORT, 'listed') },
      { name: 'tapeeeeeeee-88', alias: linkAlias('linuxbridge', PORT, 'unlisted') },
    ];
    const actions = planGc({ states: [], links, valid: [{ containerID: 'listed', ifname: 'eth0' }], now, graceMs: 0 });
    assert.deepEqual(actions.map((a) => (a.kind === 'deleteLink' ? a.name : a.containerId)), ['tapeeeeeeee-88']);
  });
  it('an empty list removes every old attachment', () => {
    assert.equal(planGc({ states: [keep, drop], links: [], valid: [], now, graceMs: 1000 }).length, 2);
  });
});
