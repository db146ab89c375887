import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CHOICE_REASONS, chooseNetwork, choiceNamespaces, claimUpdate, parsePortMarker, pickPodPort, planGc, podIntent, podPortMarker,
  podPortName, podPortSpec, podUpdateMatters, poolPortMarker, poolPortSpec, portAgeMs, portIpv4, vifFor, vifText, vifUpToDate,
  type ChoiceInput, type GcInput, type NetworkChoice, type NetworkFacts, type PodFacts, type PortFacts,
} from './plan.js';

const pod = (o: Partial<PodFacts> = {}): PodFacts => ({
  namespace: 'acme', name: 'web-0', uid: 'u1', nodeName: 'node-a', hostNetwork: false, phase: 'Pending', deleting: false,
  networkAnnotation: undefined, vifAnnotation: undefined, ...o,
});

describe('markers and names', () => {
  it('pod and pool markers round-trip through parsePortMarker', () => {
    assert.equal(podPortMarker('u1'), 'stackube:pod:u1');
    assert.equal(poolPortMarker('net-1', 'node-a'), 'stackube:pool:net-1:node-a');
    assert.deepEqual(parsePortMarker(podPortMarker('u1')), { kind: 'pod', uid: 'u1' });
    assert.deepEqual(parsePortMarker(poolPortMarker('net-1', 'node-a.example')), { kind: 'pool', networkId: 'net-1', node: 'node-a.example' });
  });
  const others = ['', 'stackube:pod:', 'stackube:pool:net-1', 'stackube:pool:a:b:c', 'stackube:network:x', 'something else'];
  for (const d of others) it(`"${d}" is no Stackube port marker`, () => assert.equal(parsePortMarker(d), undefined));
  it('port names are namespace/name, cut to 255 characters', () => {
    assert.equal(podPortName('acme', 'web-0'), 'acme/web-0');
    assert.equal(podPortName('a'.repeat(63), 'b'.repeat(253)).length, 255);
  });
});

describe('podIntent', () => {
  const tenantNs = { projectId: 'p1', tenant: 'acme' };
  const cases: { name: string; pod: PodFacts; ns: { projectId: string | undefined; tenant: string | undefined } | undefined; want: string }[] = [
    { name: 'a scheduled pod of a tenant namespace', pod: pod(), ns: tenantNs, want: 'reserve' },
    { name: 'a running pod', pod: pod({ phase: 'Running' }), ns: tenantNs, want: 'reserve' },
    { name: 'a pod of an unknown namespace', pod: pod(), ns: undefined, want: 'ignore' },
    { name: 'a pod of a namespace without project', pod: pod(), ns: { projectId: undefined, tenant: 'acme' }, want: 'ignore' },
    { name: 'a hostNetwork pod', pod: pod({ hostNetwork: true }), ns: tenantNs, want: 'ignore' },
    { name: 'an unscheduled pod', pod: pod({ nodeName: '' }), ns: tenantNs, want: 'ignore' },
    { name: 'a Succeeded pod', pod: pod({ phase: 'Succeeded' }), ns: tenantNs, want: 'release' },
    { name: 'a Failed pod', pod: pod({ phase: 'Failed' }), ns: tenantNs, want: 'release' },
    { name: 'a pod being deleted', pod: pod({ phase: 'Running', deleting: true }), ns: tenantNs, want: 'release' },
    { name: 'a finished hostNetwork pod', pod: pod({ hostNetwork: true, phase: 'Failed' }), ns: tenantNs, want: 'ignore' },
  ];
  for (const tc of cases) it(`${tc.name} → ${tc.want}`, () => assert.equal(podIntent(tc.pod, tc.ns).kind, tc.want));
  it('reserve carries the project, tenant and node', () => {
    assert.deepEqual(podIntent(pod(), tenantNs), { kind: 'reserve', projectId: 'p1', tenant: 'acme', node: 'node-a' });
  });
});

describe('podUpdateMatters', () => {
  const base = pod({ phase: 'Running' });
  const cases: { name: string; next: PodFacts; want: boolean }[] = [
    { name: 'nothing the controller reads (container status churn)', next: { ...base }, want: false },
    { name: 'Pending → Running', next: { ...base, phase: 'Pending' }, want: false },
    { name: 'Running → Succeeded', next: { ...base, phase: 'Succeeded' }, want: true },
    { name: 'deletion started', next: { ...base, deleting: true }, want: true },
    { name: 'scheduled', next: { ...base, nodeName: 'node-b' }, want: true },
    { name: 'the VIF annotation', next: { ...base, vifAnnotation: '{}' }, want: true },
    { name: 'the network annotation', next: { ...base, networkAnnotation: 'db' }, want: true },
    { name: 'a new uid', next: { ...base, uid: 'u2' }, want: true },
  ];
  for (const tc of cases) it(`${tc.name} → ${tc.want}`, () => assert.equal(podUpdateMatters(base, tc.next), tc.want));
  it('a resync (the same object) passes', () => assert.equal(podUpdateMatters(base, base), true));
});

describe('chooseNetwork', () => {
  const active = (namespace: string, name: string, id = `${namespace}-${name}`): NetworkFacts => ({ namespace, name, state: 'Active', networkID: `net-${id}`, subnetID: `sub-${id}`, deleting: false });
  const input = (o: Partial<ChoiceInput>): ChoiceInput => ({
    namespace: 'acme-dev', annotation: undefined, projectId: 'p1', tenant: 'acme',
    projectOf: { 'acme-dev': 'p1', acme: 'p1', other: 'p2' }, networks: [], ...o,
  });
  const ready = (namespace: string, name: string): NetworkChoice => ({ kind: 'ready', namespace, name, networkID: `net-${namespace}-${name}`, subnetID: `sub-${namespace}-${name}` });
  const cases: { name: string; in: ChoiceInput; want: NetworkChoice | { kind: 'refused' | 'wait'; reason: string; message: RegExp } }[] = [
    { name: 'annotation "name": that Network of the pod\'s namespace', in: input({ annotation: 'db', networks: [active('acme-dev', 'web'), active('acme-dev', 'db')] }), want: ready('acme-dev', 'db') },
    { name: 'annotation "ns/name" in another namespace of the same project', in: input({ annotation: 'acme/shared', networks: [active('acme-dev', 'web'), active('acme', 'shared')] }), want: ready('acme', 'shared') },
    { name: 'annotation naming its own namespace explicitly', in: input({ annotation: 'acme-dev/web', networks: [active('acme-dev', 'web')] }), want: ready('acme-dev', 'web') },
    { name: 'annotation in another project\'s namespace', in: input({ annotation: 'other/net', networks: [active('other', 'net')] }), want: { kind: 'refused', reason: CHOICE_REASONS.OtherProject, message: /other\/net .* not in a namespace of this tenant's project p1/ } },
    { name: 'annotation in a namespace of no tenant', in: input({ annotation: 'kube-system/x', networks: [] }), want: { kind: 'refused', reason: CHOICE_REASONS.OtherProject, message: /kube-system\/x/ } },
    { name: 'a malformed annotation', in: input({ annotation: 'a/b/c' }), want: { kind: 'refused', reason: CHOICE_REASONS.InvalidAnnotation, message: /"a\/b\/c" is not "name" or "namespace\/name"/ } },
    { name: 'an annotation with capitals', in: input({ annotation: 'Web' }), want: { kind: 'refused', reason: CHOICE_REASONS.InvalidAnnotation, message: /"Web"/ } },
    { name: 'annotation naming a Network that does not exist', in: input({ annotation: 'db', networks: [active('acme-dev', 'web')] }), want: { kind: 'wait', reason: CHOICE_REASONS.NotReady, message: /Network acme-dev\/db, named by the annotation .* does not exist/ } },
    { name: 'no annotation: the only Network of the namespace', in: input({ networks: [active('acme-dev', 'web'), active('acme', 'acme')] }), want: ready('acme-dev', 'web') },
    { name: 'a blank annotation counts as none', in: input({ annotation: '  ', networks: [active('acme-dev', 'web')] }), want: ready('acme-dev', 'web') },
    { name: 'no Network in the namespace: the tenant default', in: input({ networks: [active('acme', 'acme')] }), want: ready('acme', 'acme') },
    { name: 'two Networks in the namespace: the tenant default', in: input({ networks: [active('acme-dev', 'a'), active('acme-dev', 'b'), active('acme', 'acme')] }), want: ready('acme', 'acme') },
    { name: 'a deleting Network does not count as the only other one', in: input({ networks: [active('acme-dev', 'web'), { ...active('acme-dev', 'old'), deleting: true }] }), want: ready('acme-dev', 'web') },
    { name: 'the tenant default does not exist yet', in: input({ networks: [] }), want: { kind: 'wait', reason: CHOICE_REASONS.NotReady, message: /Network acme\/acme, the tenant's default Network \(the namespace has no Network;.*does not exist/ } },
    { name: 'the only Network is Pending', in: input({ networks: [{ ...active('acme-dev', 'web'), state: 'Pending' }] }), want: { kind: 'wait', reason: CHOICE_REASONS.NotReady, message: /acme-dev\/web, the only Network of the namespace, is Pending, not Active yet/ } },
    { name: 'an Active Network without subnet', in: input({ networks: [{ ...active('acme-dev', 'web'), subnetID: undefined }] }), want: { kind: 'wait', reason: CHOICE_REASONS.NotReady, message: /acme-dev\/web, the only Network of the namespace, has no Neutron network and subnet in its status yet/ } },
    { name: 'a Network without status', in: input({ annotation: 'web', networks: [{ namespace: 'acme-dev', name: 'web', state: undefined, networkID: undefined, subnetID: undefined, deleting: false }] }), want: { kind: 'wait', reason: CHOICE_REASONS.NotReady, message: /is Pending, not Active yet/ } },
    { name: 'the named Network is being deleted', in: input({ annotation: 'web', networks: [{ ...active('acme-dev', 'web'), deleting: true }] }), want: { kind: 'wait', reason: CHOICE_REASONS.NotReady, message: /is being deleted/ } },
    { name: 'no Network and no tenant label', in: input({ tenant: undefined, networks: [] }), want: { kind: 'wait', reason: CHOICE_REASONS.NotReady, message: /namespace acme-dev has no Network and no tenant label/ } },
  ];
  for (const tc of cases) {
    it(`${tc.name} → ${tc.want.kind}`, () => {
      const got = chooseNetwork(tc.in);
      if (tc.want.kind === 'ready') return assert.deepEqual(got, tc.want);
      if (got.kind === 'ready') return assert.fail(`chose ${got.namespace}/${got.name}`);
      assert.equal(got.kind, tc.want.kind);
      assert.equal(got.reason, tc.want.reason);
      assert.match(got.message, (tc.want as { message: RegExp }).message);
    });
  }
  it('choiceNamespaces: the pod\'s, the annotation\'s and the tenant default\'s namespaces, once each', () => {
    assert.deepEqual(choiceNamespaces('acme-dev', 'other/net', 'acme'), ['acme-dev', 'other', 'acme']);
    assert.deepEqual(choiceNamespaces('acme', 'web', 'acme'), ['acme']);
    assert.deepEqual(choiceNamespaces('x', 'a/b/c', undefined), ['x']);
  });
});

describe('port bodies', () => {
  const place = { networkID: 'net-1', subnetID: 'sub-1', node: 'node-a', projectId: 'p1', securityGroupID: 'sg-1' };
  it('podPortSpec: the exact Neutron create body', () => {
    assert.deepEqual(podPortSpec({ namespace: 'acme', name: 'web-0', uid: 'u1' }, place), {
      network_id: 'net-1', fixed_ips: [{ subnet_id: 'sub-1' }], security_groups: ['sg-1'], device_owner: 'compute:stackube', device_id: 'u1',
      'binding:host_id': 'node-a', project_id: 'p1', admin_state_up: true, name: 'acme/web-0', description: 'stackube:pod:u1',
    });
  });
  it('poolPortSpec: bound to the node, no device, the pool marker', () => {
    assert.deepEqual(poolPortSpec(place), {
      network_id: 'net-1', fixed_ips: [{ subnet_id: 'sub-1' }], security_groups: ['sg-1'], device_owner: 'compute:stackube', device_id: '',
      'binding:host_id': 'node-a', project_id: 'p1', admin_state_up: true, name: '', description: 'stackube:pool:net-1:node-a',
    });
  });
  it('claimUpdate: device_id, name and marker in one update', () => {
    assert.deepEqual(claimUpdate({ namespace: 'acme', name: 'web-0', uid: 'u1' }), { device_id: 'u1', name: 'acme/web-0', description: 'stackube:pod:u1' });
  });
});

const port = (o: Partial<PortFacts> = {}): PortFacts => ({
  id: 'port-1', networkId: 'net-1', projectId: 'p1', mac: 'FA:16:3E:00:00:01', fixedIps: [{ subnetId: 'sub-1', ip: '10.10.0.5' }],
  deviceId: 'u1', deviceOwner: 'compute:stackube', description: 'stackube:pod:u1', hostId: 'node-a', vifType: 'bridge', createdAt: '2026-11-23T00:00:00Z', ...o,
});

describe('VIF', () => {
  const subnet = { id: 'sub-1', cidr: '10.10.0.0/24', gatewayIp: '10.10.0.1', dnsNameservers: ['10.0.0.53'] };
  it('from the port, the subnet and the network MTU', () => {
    assert.deepEqual(vifFor(port(), subnet, 1450), {
      v: 1, portID: 'port-1', networkID: 'net-1', subnetID: 'sub-1', mac: 'fa:16:3e:00:00:01', ip: '10.10.0.5', prefixLength: 24,
      gateway: '10.10.0.1', mtu: 1450, vifType: 'bridge', dnsNameservers: ['10.0.0.53'],
    });
  });
  it('no gateway when the subnet has none; "unbound" when Neutron reports no vif_type', () => {
    const v = vifFor(port({ vifType: '' }), { ...subnet, gatewayIp: null }, 1500);
    assert.equal(v?.gateway, undefined);
    assert.ok(!('gateway' in (v ?? {})));
    assert.equal(v?.vifType, 'unbound');
  });
  it('undefined when the port has no IPv4 address on the subnet, or the subnet is not IPv4', () => {
    assert.equal(vifFor(port({ fixedIps: [{ subnetId: 'sub-2', ip: '10.10.0.5' }] }), subnet, 1450), undefined);
    assert.equal(vifFor(port({ fixedIps: [{ subnetId: 'sub-1', ip: 'fd00::5' }] }), subnet, 1450), undefined);
    assert.equal(vifFor(port(), { ...subnet, cidr: 'fd00::/64' }, 1450), undefined);
  });
  it('portIpv4 skips IPv6 addresses', () => {
    assert.deepEqual(portIpv4(port({ fixedIps: [{ subnetId: 's6', ip: 'fd00::5' }, { subnetId: 's4', ip: '10.0.0.2' }] })), { subnetId: 's4', ip: '10.0.0.2' });
    assert.equal(portIpv4(port({ fixedIps: [] })), undefined);
  });
  it('vifUpToDate compares data, not text', () => {
    const v = vifFor(port(), subnet, 1450);
    assert.ok(v);
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(v).reverse()));
    assert.equal(vifUpToDate(vifText(v), v), true);
    assert.equal(vifUpToDate(reordered, v), true);
    assert.equal(vifUpToDate(undefined, v), false);
    assert.equal(vifUpToDate('not json', v), false);
    assert.equal(vifUpToDate(vifText({ ...v, mtu: 1500 }), v), false);
    assert.equal(vifUpToDate(vifText({ ...v, vifType: 'unbound' }), v), false);
  });
});

describe('pickPodPort', () => {
  const a = port({ id: 'a', createdAt: '2026-11-23T00:00:02Z' });
  const b = port({ id: 'b', createdAt: '2026-11-23T00:00:01Z' });
  it('none', () => assert.deepEqual(pickPodPort([], undefined), { port: undefined, extras: [] }));
  it('the annotated one; the rest are extras', () => assert.deepEqual(pickPodPort([a, b], 'a'), { port: a, extras: [b] }));
  it('else the oldest', () => assert.deepEqual(pickPodPort([a, b], undefined), { port: b, extras: [a] }));
  it('an annotation naming none of them: the oldest', () => assert.deepEqual(pickPodPort([a, b], 'zzz'), { port: b, extras: [a] }));
});

describe('planGc', () => {
  const NOW = Date.parse('2026-11-23T01:00:00Z');
  const OLD = '2026-11-23T00:00:00Z';
  const YOUNG = '2026-11-23T00:59:50Z';
  const pooled = (id: string, o: Partial<PortFacts> & { node?: string } = {}): PortFacts =>
    port({ id, deviceId: '', description: poolPortMarker(o.networkId ?? 'net-1', o.node ?? 'node-a'), ...o });
  const input = (ports: PortFacts[], o: Partial<GcInput> = {}): GcInput => ({
    ports, livePodUids: new Set(['live']), knownProjects: new Set(['p1']), nowMs: NOW, graceMs: 30_000, poolSize: 2,
    networkIds: new Set(['net-1']), nodes: new Set(['node-a']), ...o,
  });
  const ids = (ps: PortFacts[]): string[] => ps.map((p) => p.id).sort();
  const cases: { name: string; in: GcInput; orphans?: string[]; stale?: string[]; surplus?: string[]; young?: number }[] = [
    { name: 'the port of a live pod is kept', in: input([port({ id: 'k', deviceId: 'live', createdAt: OLD })]) },
    { name: 'an old orphan (pod gone) is deleted', in: input([port({ id: 'o', deviceId: 'gone', createdAt: OLD })]), orphans: ['o'] },
    { name: 'a young orphan is kept (grace)', in: input([port({ id: 'y', deviceId: 'gone', createdAt: YOUNG })]), young: 1 },
    { name: 'an orphan without created_at counts as old', in: input([port({ id: 'n', deviceId: 'gone', createdAt: undefined })]), orphans: ['n'] },
    { name: 'a port of another project is never touched', in: input([port({ id: 'x', deviceId: 'gone', projectId: 'p9', createdAt: OLD })]) },
    { name: 'a port of another owner is never touched', in: input([port({ id: 'x', deviceId: 'gone', deviceOwner: 'compute:nova', createdAt: OLD })]) },
    { name: 'an unowned port without marker is an orphan', in: input([port({ id: 'u', deviceId: '', description: '', createdAt: OLD })]), orphans: ['u'] },
    { name: 'pooled ports within the pool size are kept', in: input([pooled('p1', { createdAt: OLD }), pooled('p2', { createdAt: OLD })]) },
    {
      name: 'pooled ports above the size: the youngest old ones go', in: input([pooled('a', { createdAt: '2026-11-23T00:00:01Z' }), pooled('b', { createdAt: '2026-11-23T00:00:02Z' }), pooled('c', { createdAt: '2026-11-23T00:00:03Z' }), pooled('d', { createdAt: OLD })]),
      surplus: ['b', 'c'],
    },
    { name: 'surplus within the grace period stays', in: input([pooled('a', { createdAt: OLD }), pooled('b', { createdAt: OLD }), pooled('c', { createdAt: YOUNG })]), young: 1 },
    { name: 'pools of different nodes are counted apart', in: input([pooled('a', { createdAt: OLD }), pooled('b', { createdAt: OLD }), pooled('c', { createdAt: OLD, node: 'node-b' })], { nodes: new Set(['node-a', 'node-b']) }) },
    { name: 'pooled ports of a gone network go', in: input([pooled('g', { createdAt: OLD, networkId: 'net-gone' })]), stale: ['g'] },
    { name: 'pooled ports of a gone node go', in: input([pooled('g', { createdAt: OLD, node: 'node-gone' })]), stale: ['g'] },
    { name: 'nodes unknown: no pooled port goes for its node', in: input([pooled('g', { createdAt: OLD, node: 'node-x' })], { nodes: undefined }) },
    { name: 'pools off: every old pooled port goes', in: input([pooled('a', { createdAt: OLD }), pooled('y', { createdAt: YOUNG })], { poolSize: 0 }), stale: ['a'], young: 1 },
    { name: 'a claimed pooled port (device set) of a live pod is kept', in: input([pooled('c', { createdAt: OLD, deviceId: 'live' })]) },
    { name: 'a claimed pooled port of a gone pod is an orphan', in: input([pooled('c', { createdAt: OLD, deviceId: 'gone' })]), orphans: ['c'] },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const plan = planGc(tc.in);
      assert.deepEqual(ids(plan.orphans), tc.orphans ?? []);
      assert.deepEqual(ids(plan.stalePooled), tc.stale ?? []);
      assert.deepEqual(ids(plan.surplusPooled), tc.surplus ?? []);
      assert.equal(plan.young, tc.young ?? 0);
    });
  }
  it('portAgeMs', () => {
    assert.equal(portAgeMs({ createdAt: OLD }, NOW), 3_600_000);
    assert.equal(portAgeMs({ createdAt: undefined }, NOW), Infinity);
    assert.equal(portAgeMs({ createdAt: 'garbage' }, NOW), Infinity);
  });
});
