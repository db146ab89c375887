import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Network, NetworkSpec, NetworkStatus } from '../../api/network.js';
import { defaultGateway, networkMarker } from '../../domain/network/plan.js';
import { TerminalError } from '../../lib/errors.js';
import { NeutronUnavailableError, type NetworkKube, type NetworkNeutron, type NetworkPeer, type NeutronNet, type NeutronRouter, type NeutronSubnet } from './ports.js';
import { NEUTRON_RETRY_MS, REASONS, networkReconciler } from './reconcile.js';

const NOW = '2026-11-23T00:00:00Z';
const MARKER = networkMarker('uid-1');
/** Calls that change something (Neutron's, and removeFinalizer); the rest only read. */
const MUTATING = /^(create|update|set|add|remove|delete)/;

type Marked<T> = T & { marker?: string };

/**
 * Recording fakes: Neutron networks, subnets and routers in memory (found again by their marker), the Network and
 * its namespace's project on the Kubernetes side; every call is logged as `method arg…`.
 */
function world(n: Network | undefined, o: { project?: string; external?: string; peers?: NetworkPeer[] } = {}) {
  const calls: string[] = [];
  const neutron = {
    nets: new Map<string, Marked<NeutronNet>>(),
    subnets: new Map<string, Marked<NeutronSubnet>>(),
    routers: new Map<string, Marked<NeutronRouter> & { subnets: string[] }>(),
    /** Router interfaces on subnets (for adopted networks, whose routers we do not model). */
    interfaces: new Map<string, string>(),
    external: o.external,
    /** Errors thrown by the next call of a method (then forgotten). */
    failures: new Map<string, Error>(),
    next: 1,
  };
  const kube = {
    network: n,
    project: o.project,
    peers: o.peers ?? [],
    statusWrites: [] as NetworkStatus[],
    events: [] as string[],
  };
  const rec = (line: string): void => {
    calls.push(line);
    const method = line.split(' ')[0] ?? '';
    const e = neutron.failures.get(method);
    if (e) {
      neutron.failures.delete(method);
      throw e;
    }
  };
  // Every fake method runs inside a promise, so that a scripted failure rejects like the real adapter's would.
  const run = <T>(line: string, fn: () => T): Promise<T> => new Promise<T>((resolve) => { rec(line); resolve(fn()); });
  const byMarker = <T extends { marker?: string }>(m: Map<string, T>, marker: string): T | undefined => [...m.values()].find((x) => x.marker === marker);
  const id = (prefix: string): string => `${prefix}${neutron.next++}`;
  const plain = <T extends { marker?: string }>(x: T | undefined): Omit<T, 'marker'> | undefined => {
    if (!x) return undefined;
    const copy = { ...x };
    delete copy.marker;
    return copy;
  };
  const fakeNeutron: NetworkNeutron = {
    externalNetworkId: () => run('externalNetworkId', () => neutron.external),
    getNetwork: (x) => run(`getNetwork ${x}`, () => plain(neutron.nets.get(x))),
    findNetwork: (m) => run(`findNetwork ${m}`, () => plain(byMarker(neutron.nets, m))),
    findSubnet: (m) => run(`findSubnet ${m}`, () => plain(byMarker(neutron.subnets, m))),
    findRouter: (m) => run(`findRouter ${m}`, () => {
      const r = byMarker(neutron.routers, m);
      return r && { id: r.id, externalNetworkId: r.externalNetworkId };
    }),
    createNetwork: (x) => run(`createNetwork ${x.name} ${x.projectId} ${x.marker}`, () => {
      const net = { id: id('net-'), name: x.name, projectId: x.projectId, shared: false, external: false, marker: x.marker };
      neutron.nets.set(net.id, net);
      return plain(net) as NeutronNet;
    }),
    createSubnet: (x) => run(`createSubnet ${x.networkId} ${x.cidr} gw=${x.gateway ?? '-'} dns=${x.dnsNameservers.join(',')} ${x.projectId} ${x.marker}`, () => {
      const s = { id: id('sub-'), networkId: x.networkId, cidr: x.cidr, ipVersion: 4, gateway_ip: x.gateway ?? defaultGateway(x.cidr) ?? null, dns_nameservers: [...x.dnsNameservers], marker: x.marker };
      neutron.subnets.set(s.id, s);
      return plain(s) as NeutronSubnet;
    }),
    createRouter: (x) => run(`createRouter ${x.name} ${x.projectId} ${x.marker} ext=${x.externalNetworkId ?? '-'}`, () => {
      const r = { id: id('rtr-'), externalNetworkId: x.externalNetworkId, marker: x.marker, subnets: [] as string[] };
      neutron.routers.set(r.id, r);
      return { id: r.id, externalNetworkId: r.externalNetworkId };
    }),
    listSubnets: (x) => run(`listSubnets ${x}`, () => [...neutron.subnets.values()].filter((s) => s.networkId === x).map((s) => plain(s) as NeutronSubnet)),
    updateSubnet: (x, changes) => run(`updateSubnet ${x} ${JSON.stringify(changes)}`, () => {
      const s = neutron.subnets.get(x);
      if (s) Object.assign(s, changes);
    }),
    setRouterGateway: (r, ext) => run(`setRouterGateway ${r} ${ext}`, () => {
      const router = neutron.routers.get(r);
      if (router) router.externalNetworkId = ext;
    }),
    routerSubnets: (r) => run(`routerSubnets ${r}`, () => [...(neutron.routers.get(r)?.subnets ?? [])]),
    addRouterInterface: (r, s) => run(`addRouterInterface ${r} ${s}`, () => {
      const router = neutron.routers.get(r);
      if (router && !router.subnets.includes(s)) router.subnets.push(s);
    }),
    routerOnSubnet: (s) => run(`routerOnSubnet ${s}`, () => neutron.interfaces.get(s) ?? [...neutron.routers.values()].find((r) => r.subnets.includes(s))?.id),
    deleteWorkloadPorts: (x) => run(`deleteWorkloadPorts ${x}`, () => 0),
    removeRouterInterface: (r, s) => run(`removeRouterInterface ${r} ${s}`, () => {
      const router = neutron.routers.get(r);
      if (router) router.subnets = router.subnets.filter((x) => x !== s);
    }),
    deleteRouter: (x) => run(`deleteRouter ${x}`, () => { neutron.routers.delete(x); }),
    deleteSubnet: (x) => run(`deleteSubnet ${x}`, () => { neutron.subnets.delete(x); }),
    deleteNetwork: (x) => run(`deleteNetwork ${x}`, () => { neutron.nets.delete(x); }),
  };
  const k: NetworkKube = {
    getNetwork: () => Promise.resolve(kube.network && structuredClone(kube.network)),
    ensureFinalizer: (x) => Promise.resolve({ ...x, metadata: { ...x.metadata, finalizers: ['stackube.kubernetes.io/network'] } }),
    removeFinalizer: () => {
      calls.push('removeFinalizer');
      kube.network = undefined;
      return Promise.resolve();
    },
    namespaceProject: () => Promise.resolve(kube.project),
    projectNetworks: () => Promise.resolve(kube.peers),
    writeStatus: (_x, s) => {
      calls.push(`writeStatus ${s.state ?? ''}`);
      kube.statusWrites.push(structuredClone(s));
      if (kube.network) kube.network = { ...kube.network, status: structuredClone(s) };
      return Promise.resolve();
    },
    event: (_x, type, reason, message) => {
      kube.events.push(`${type} ${reason} ${message}`);
    },
  };
  const neutronCalls = (): string[] => calls.filter((c) => !/^(writeStatus|removeFinalizer)/.test(c));
  const writes = (): string[] => neutronCalls().filter((c) => MUTATING.test(c));
  const ready = () => kube.network?.status?.conditions?.find((c) => c.type === 'Ready');
  /** Forgets the calls, writes and events so far (the state stays). */
  const reset = (): void => {
    calls.length = 0;
    kube.statusWrites.length = 0;
    kube.events.length = 0;
  };
  return { calls, neutron, kube, writes, neutronCalls, ready, reset, reconcile: networkReconciler({ neutron: fakeNeutron, kube: k, now: () => NOW }) };
}

const network = (spec: NetworkSpec, meta: Partial<Network['metadata']> = {}): Network => ({
  apiVersion: 'stackube.kubernetes.io/v1', kind: 'Network',
  metadata: { name: 'web', namespace: 'acme', uid: 'uid-1', generation: 3, creationTimestamp: '2026-01-02T00:00:00Z', ...meta },
  spec,
});
const SPEC: NetworkSpec = { cidr: '10.10.0.0/24', gateway: '10.10.0.1', dnsNameservers: ['10.0.0.53'] };
const deleting = (n: Network): Network => ({ ...n, metadata: { ...n.metadata, deletionTimestamp: NOW, finalizers: ['stackube.kubernetes.io/network'] } });

describe('networkReconciler: creating', () => {
  it('creates network, subnet (gateway, nameservers), router on the external network and its interface; Active with the IDs and an Event', async () => {
    const w = world(network(SPEC), { project: 'p1', external: 'ext-1' });
    assert.deepEqual(await w.reconcile('acme/web'), {});
    assert.deepEqual(w.writes(), [
      `createNetwork kube-acme-web p1 ${MARKER}`,
      `createSubnet net-1 10.10.0.0/24 gw=10.10.0.1 dns=10.0.0.53 p1 ${MARKER}`,
      `createRouter kube-acme-web p1 ${MARKER} ext=ext-1`,
      'addRouterInterface rtr-3 sub-2',
    ]);
    const s = w.kube.network?.status;
    assert.equal(s?.state, 'Active');
    assert.equal(s?.networkID, 'net-1');
    assert.equal(s?.subnetID, 'sub-2');
    assert.equal(s?.routerID, 'rtr-3');
    assert.equal(s?.observedGeneration, 3);
    assert.match(s?.message ?? '', /with its gateway on the external network/);
    assert.deepEqual(w.ready(), { type: 'Ready', status: 'True', reason: REASONS.Created, message: s?.message, observedGeneration: 3, lastTransitionTime: NOW });
    assert.deepEqual(w.kube.events.map((e) => e.split(' ').slice(0, 2).join(' ')), [`Normal ${REASONS.Created}`]);
  });

  it('without a gateway in the spec leaves the subnet gateway to Neutron', async () => {
    const w = world(network({ cidr: '10.10.0.0/24' }), { project: 'p1', external: 'ext-1' });
    await w.reconcile('acme/web');
    assert.ok(w.writes().includes(`createSubnet net-1 10.10.0.0/24 gw=- dns= p1 ${MARKER}`));
    assert.ok(!w.writes().some((c) => c.startsWith('updateSubnet')));
  });

  it('a second reconcile creates nothing, writes no status and records no Event', async () => {
    const w = world(network(SPEC), { project: 'p1', external: 'ext-1' });
    await w.reconcile('acme/web');
    w.reset();
    assert.deepEqual(await w.reconcile('acme/web'), {});
    assert.deepEqual(w.writes(), []);
    assert.deepEqual(w.kube.statusWrites, [], 'an unchanged status is not written');
    assert.deepEqual(w.kube.events, []);
  });

  it('after a crash with the network made (found by marker) but no subnet: only the subnet and router are created', async () => {
    const w = world(network(SPEC), { project: 'p1', external: 'ext-1' });
    w.neutron.nets.set('net-old', { id: 'net-old', name: 'kube-acme-web', projectId: 'p1', shared: false, external: false, marker: MARKER });
    await w.reconcile('acme/web');
    assert.deepEqual(w.writes(), [
      `createSubnet net-old 10.10.0.0/24 gw=10.10.0.1 dns=10.0.0.53 p1 ${MARKER}`,
      `createRouter kube-acme-web p1 ${MARKER} ext=ext-1`,
      'addRouterInterface rtr-2 sub-1',
    ]);
    assert.equal(w.kube.network?.status?.networkID, 'net-old');
    assert.equal(w.kube.network?.status?.state, 'Active');
  });

  it('after a crash with the router made but not attached: only the interface is added', async () => {
    const w = world(network(SPEC), { project: 'p1', external: 'ext-1' });
    w.neutron.nets.set('n', { id: 'n', name: 'kube-acme-web', projectId: 'p1', shared: false, external: false, marker: MARKER });
    w.neutron.subnets.set('s', { id: 's', networkId: 'n', cidr: '10.10.0.0/24', ipVersion: 4, gateway_ip: '10.10.0.1', dns_nameservers: ['10.0.0.53'], marker: MARKER });
    w.neutron.routers.set('r', { id: 'r', externalNetworkId: 'ext-1', marker: MARKER, subnets: [] });
    await w.reconcile('acme/web');
    assert.deepEqual(w.writes(), ['addRouterInterface r s']);
    assert.deepEqual({ ...w.kube.network?.status, conditions: undefined, message: undefined }, {
      state: 'Active', networkID: 'n', subnetID: 's', routerID: 'r', observedGeneration: 3, conditions: undefined, message: undefined,
    });
  });

  it('a router found without a gateway gets it once an external network exists', async () => {
    const w = world(network(SPEC), { project: 'p1', external: 'ext-1' });
    w.neutron.nets.set('n', { id: 'n', name: 'kube-acme-web', projectId: 'p1', shared: false, external: false, marker: MARKER });
    w.neutron.subnets.set('s', { id: 's', networkId: 'n', cidr: '10.10.0.0/24', ipVersion: 4, gateway_ip: '10.10.0.1', dns_nameservers: ['10.0.0.53'], marker: MARKER });
    w.neutron.routers.set('r', { id: 'r', externalNetworkId: undefined, marker: MARKER, subnets: ['s'] });
    await w.reconcile('acme/web');
    assert.deepEqual(w.writes(), ['setRouterGateway r ext-1']);
  });

  it('without an external network: a router without gateway, and the message says so', async () => {
    const w = world(network(SPEC), { project: 'p1' });
    await w.reconcile('acme/web');
    assert.ok(w.writes().includes(`createRouter kube-acme-web p1 ${MARKER} ext=-`));
    assert.ok(!w.writes().some((c) => c.startsWith('setRouterGateway')));
    assert.equal(w.kube.network?.status?.state, 'Active');
    assert.match(w.kube.network?.status?.message ?? '', /without an external gateway \(no external network is configured\)/);
  });

  it('a nameserver change updates only dns_nameservers of the subnet', async () => {
    const w = world(network(SPEC), { project: 'p1', external: 'ext-1' });
    await w.reconcile('acme/web');
    const t = w.kube.network as Network;
    w.kube.network = { ...t, metadata: { ...t.metadata, generation: 4 }, spec: { ...SPEC, dnsNameservers: ['10.0.0.53', '10.0.0.54'] } };
    w.reset();
    await w.reconcile('acme/web');
    assert.deepEqual(w.writes(), ['updateSubnet sub-2 {"dns_nameservers":["10.0.0.53","10.0.0.54"]}']);
    assert.deepEqual(w.neutron.subnets.get('sub-2')?.dns_nameservers, ['10.0.0.53', '10.0.0.54']);
    assert.equal(w.ready()?.reason, REASONS.Created); // the update is an Event (SubnetUpdated); Ready keeps its reason
    assert.equal(w.kube.network?.status?.observedGeneration, 4);
  });
});

/** A deep copy with every object's keys sorted: how the apiserver (Go's JSON encoder over a CR's map) returns it. */
function sortedKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x: unknown) => sortedKeys(x)) as T;
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortedKeys(x as unknown)])) as T;
}

describe('networkReconciler: status writes against apiserver-shaped objects', () => {
  it('an unchanged status read back from the apiserver (keys sorted) is not written again', async () => {
    const w = world(network(SPEC), { project: 'p1', external: 'ext-1' });
    await w.reconcile('acme/web');
    w.kube.network = sortedKeys(w.kube.network);
    w.reset();
    await w.reconcile('acme/web');
    assert.deepEqual(w.writes(), []);
    assert.deepEqual(w.kube.statusWrites, []);
  });

  it('a nameserver change is announced by a SubnetUpdated Event, and the reconcile after it writes no status', async () => {
    const w = world(network(SPEC), { project: 'p1', external: 'ext-1' });
    await w.reconcile('acme/web');
    const t = w.kube.network as Network;
    w.kube.network = { ...t, spec: { ...SPEC, dnsNameservers: ['10.0.0.54'] } };
    w.reset();
    await w.reconcile('acme/web');
    assert.ok(w.kube.events.some((e) => e.startsWith(`Normal ${REASONS.Updated} `)), 'SubnetUpdated Event');
    w.reset();
    await w.reconcile('acme/web');
    assert.deepEqual(w.kube.statusWrites, []);
  });
});

describe('networkReconciler: refusals before Neutron', () => {
  const cases: { name: string; spec: NetworkSpec; project?: string; peers?: NetworkPeer[]; reason: string; requeue: { requeueAfterMs?: number }; message: RegExp }[] = [
    { name: 'an invalid cidr', spec: { cidr: '10.10.0.1/33' }, project: 'p1', reason: REASONS.InvalidSpec, requeue: {}, message: /spec\.cidr/ },
    { name: 'a gateway outside the cidr', spec: { cidr: '10.10.0.0/24', gateway: '10.11.0.1' }, project: 'p1', reason: REASONS.InvalidSpec, requeue: {}, message: /outside spec\.cidr/ },
    { name: 'neither cidr nor networkID', spec: {}, project: 'p1', reason: REASONS.InvalidSpec, requeue: {}, message: /spec\.cidr, or spec\.networkID/ },
    { name: 'a namespace of no tenant', spec: SPEC, reason: REASONS.NoTenant, requeue: { requeueAfterMs: 60_000 }, message: /namespace acme belongs to no tenant/ },
    {
      name: 'an overlap with an older Network of the same project', spec: SPEC, project: 'p1', reason: REASONS.CIDROverlap, requeue: { requeueAfterMs: 60_000 },
      peers: [
        { namespace: 'acme', name: 'web', cidr: '10.10.0.0/24', creationTimestamp: '2026-01-02T00:00:00Z', deleting: false },
        { namespace: 'acme-dev', name: 'old', cidr: '10.0.0.0/8', creationTimestamp: '2026-01-01T00:00:00Z', deleting: false },
      ],
      message: /overlaps Network acme-dev\/old \(10\.0\.0\.0\/8\)/,
    },
  ];
  for (const tc of cases) {
    it(`${tc.name} → Failed ${tc.reason} without any Neutron call`, async () => {
      const w = world(network(tc.spec), { ...(tc.project ? { project: tc.project } : {}), ...(tc.peers ? { peers: tc.peers } : {}), external: 'ext-1' });
      assert.deepEqual(await w.reconcile('acme/web'), tc.requeue);
      assert.deepEqual(w.neutronCalls(), []);
      assert.equal(w.kube.network?.status?.state, 'Failed');
      assert.equal(w.ready()?.status, 'False');
      assert.equal(w.ready()?.reason, tc.reason);
      assert.match(w.kube.network?.status?.message ?? '', tc.message);
      assert.equal(w.kube.events.length, 1);
      assert.ok(w.kube.events[0]?.startsWith(`Warning ${tc.reason} `));
    });
  }

  it('overlaps with a newer or a deleting Network of the tenant do not block', async () => {
    const w = world(network(SPEC), {
      project: 'p1', external: 'ext-1', peers: [
        { namespace: 'acme', name: 'newer', cidr: '10.10.0.0/16', creationTimestamp: '2026-02-01T00:00:00Z', deleting: false },
        { namespace: 'acme', name: 'going', cidr: '10.10.0.0/24', creationTimestamp: '2025-01-01T00:00:00Z', deleting: true },
      ],
    });
    await w.reconcile('acme/web');
    assert.equal(w.kube.network?.status?.state, 'Active');
  });
});

describe('networkReconciler: adopting spec.networkID', () => {
  const seed = (w: ReturnType<typeof world>): void => {
    w.neutron.nets.set('own', { id: 'own', name: 'ours', projectId: 'p1', shared: false, external: false });
    w.neutron.nets.set('foreign', { id: 'foreign', name: 'theirs', projectId: 'p2', shared: false, external: false });
    w.neutron.nets.set('shared', { id: 'shared', name: 'public', projectId: 'p2', shared: true, external: false });
    w.neutron.subnets.set('own-v6', { id: 'own-v6', networkId: 'own', cidr: 'fd00::/64', ipVersion: 6, gateway_ip: 'fd00::1', dns_nameservers: [] });
    w.neutron.subnets.set('own-a', { id: 'own-a', networkId: 'own', cidr: '192.168.1.0/24', ipVersion: 4, gateway_ip: '192.168.1.1', dns_nameservers: [] });
    w.neutron.subnets.set('own-b', { id: 'own-b', networkId: 'own', cidr: '192.168.2.0/24', ipVersion: 4, gateway_ip: '192.168.2.1', dns_nameservers: [] });
    w.neutron.subnets.set('shared-a', { id: 'shared-a', networkId: 'shared', cidr: '172.16.0.0/16', ipVersion: 4, gateway_ip: '172.16.0.1', dns_nameservers: [] });
    w.neutron.interfaces.set('own-b', 'their-router');
  };
  const cases: { name: string; spec: NetworkSpec; state: 'Active' | 'Failed'; reason: string; ids?: Pick<NetworkStatus, 'networkID' | 'subnetID' | 'routerID'>; message: RegExp }[] = [
    { name: 'a missing network', spec: { networkID: 'gone' }, state: 'Failed', reason: REASONS.NetworkNotFound, message: /gone does not exist/ },
    { name: 'another project\'s unshared network', spec: { networkID: 'foreign' }, state: 'Failed', reason: REASONS.ForeignNetwork, message: /another project than this tenant's \(p1\)/ },
    { name: 'no IPv4 subnet with the cidr', spec: { networkID: 'own', cidr: '192.168.3.0/24' }, state: 'Failed', reason: REASONS.SubnetNotFound, message: /no IPv4 subnet with range 192\.168\.3\.0\/24 \(its IPv4 subnets: 192\.168\.1\.0\/24, 192\.168\.2\.0\/24\)/ },
    { name: 'a shared network of another project', spec: { networkID: 'shared' }, state: 'Active', reason: REASONS.Adopted, ids: { networkID: 'shared', subnetID: 'shared-a' }, message: /no router; Stackube never deletes them/ },
    { name: 'its own network, subnet picked by cidr, router from its interface', spec: { networkID: 'own', cidr: '192.168.2.0/24' }, state: 'Active', reason: REASONS.Adopted, ids: { networkID: 'own', subnetID: 'own-b', routerID: 'their-router' }, message: /router their-router/ },
    { name: 'its own network without cidr: the first IPv4 subnet', spec: { networkID: 'own' }, state: 'Active', reason: REASONS.Adopted, ids: { networkID: 'own', subnetID: 'own-a' }, message: /subnet own-a/ },
  ];
  for (const tc of cases) {
    it(`${tc.name} → ${tc.state} ${tc.reason}, creating nothing`, async () => {
      const w = world(network(tc.spec), { project: 'p1', external: 'ext-1' });
      seed(w);
      const res = await w.reconcile('acme/web');
      assert.deepEqual(res, tc.state === 'Failed' ? { requeueAfterMs: 300_000 } : {});
      assert.deepEqual(w.writes(), []);
      const s = w.kube.network?.status;
      assert.equal(s?.state, tc.state);
      assert.equal(w.ready()?.reason, tc.reason);
      assert.match(s?.message ?? '', tc.message);
      if (tc.ids) assert.deepEqual({ networkID: s?.networkID, subnetID: s?.subnetID, routerID: s?.routerID }, { routerID: undefined, ...tc.ids });
      assert.ok(w.kube.events[0]?.startsWith(`${tc.state === 'Active' ? 'Normal' : 'Warning'} ${tc.reason} `));
    });
  }
});

describe('networkReconciler: Neutron failures', () => {
  it('NeutronUnavailableError → Failed NeutronUnavailable, retried after NEUTRON_RETRY_MS, not thrown', async () => {
    const w = world(network(SPEC), { project: 'p1', external: 'ext-1' });
    w.neutron.failures.set('createSubnet', new NeutronUnavailableError('Neutron unavailable: HTTP 503'));
    assert.deepEqual(await w.reconcile('acme/web'), { requeueAfterMs: NEUTRON_RETRY_MS });
    assert.equal(w.kube.network?.status?.state, 'Failed');
    assert.equal(w.ready()?.reason, REASONS.NeutronUnavailable);
    assert.equal(w.kube.network?.status?.message, 'Neutron unavailable: HTTP 503 (retrying)');
    // Back again: the next reconcile resumes from the network already made and goes Active.
    w.reset();
    assert.deepEqual(await w.reconcile('acme/web'), {});
    assert.ok(!w.writes().some((c) => c.startsWith('createNetwork')));
    assert.equal(w.kube.network?.status?.state, 'Active');
    assert.equal(w.ready()?.reason, REASONS.Created);
  });

  it('TerminalError (Neutron refused) → Failed NeutronRefused, retried slowly', async () => {
    const w = world(network(SPEC), { project: 'p1', external: 'ext-1' });
    w.neutron.failures.set('createNetwork', new TerminalError('STACKUBE_ERR_NEUTRON_REFUSED', 'Neutron refused: quota exceeded'));
    assert.deepEqual(await w.reconcile('acme/web'), { requeueAfterMs: 300_000 });
    assert.equal(w.kube.network?.status?.state, 'Failed');
    assert.equal(w.ready()?.reason, REASONS.NeutronRefused);
    assert.equal(w.kube.network?.status?.message, 'Neutron refused: quota exceeded');
  });

  it('any other error is thrown (retried with backoff by the runner)', async () => {
    const w = world(network(SPEC), { project: 'p1', external: 'ext-1' });
    const boom = new Error('boom');
    w.neutron.failures.set('findNetwork', boom);
    await assert.rejects(w.reconcile('acme/web'), (e) => e === boom);
  });
});

describe('networkReconciler: deleting', () => {
  it('a created network: workload ports, interface, router, subnet, network, then the finalizer', async () => {
    const w = world(network(SPEC), { project: 'p1', external: 'ext-1' });
    await w.reconcile('acme/web');
    w.kube.network = deleting(w.kube.network as Network);
    w.reset();
    assert.deepEqual(await w.reconcile('acme/web'), {});
    assert.deepEqual(w.calls.filter((c) => MUTATING.test(c)), [
      'deleteWorkloadPorts net-1', 'removeRouterInterface rtr-3 sub-2', 'deleteRouter rtr-3', 'deleteSubnet sub-2', 'deleteNetwork net-1', 'removeFinalizer',
    ]);
    assert.equal(w.neutron.nets.size + w.neutron.subnets.size + w.neutron.routers.size, 0);
    assert.deepEqual(w.kube.statusWrites.map((s) => s.state), ['Terminating']);
    assert.ok(w.kube.events.some((e) => e.startsWith(`Normal ${REASONS.Deleted} `)));
  });

  it('resumes a half-done deletion (router already gone)', async () => {
    const w = world(network(SPEC), { project: 'p1', external: 'ext-1' });
    await w.reconcile('acme/web');
    w.neutron.routers.clear();
    w.kube.network = deleting(w.kube.network as Network);
    w.reset();
    assert.deepEqual(await w.reconcile('acme/web'), {});
    assert.deepEqual(w.writes(), ['deleteWorkloadPorts net-1', 'deleteSubnet sub-2', 'deleteNetwork net-1']);
    assert.equal(w.calls.at(-1), 'removeFinalizer');
  });

  it('an adopted network: no Neutron delete, the finalizer goes', async () => {
    const w = world(deleting(network({ networkID: 'own' })), { project: 'p1', external: 'ext-1' });
    w.neutron.nets.set('own', { id: 'own', name: 'ours', projectId: 'p1', shared: false, external: false });
    assert.deepEqual(await w.reconcile('acme/web'), {});
    assert.deepEqual(w.neutronCalls(), []);
    assert.ok(w.neutron.nets.has('own'));
    assert.equal(w.calls.at(-1), 'removeFinalizer');
  });

  const failures: { name: string; error: Error; requeueAfterMs: number }[] = [
    { name: 'NeutronUnavailableError', error: new NeutronUnavailableError('Neutron unavailable: unreachable'), requeueAfterMs: NEUTRON_RETRY_MS },
    { name: 'TerminalError', error: new TerminalError('STACKUBE_ERR_NEUTRON_REFUSED', 'Neutron refused: network in use'), requeueAfterMs: 30_000 },
  ];
  for (const tc of failures) {
    it(`a ${tc.name} during deletion requeues and keeps the finalizer`, async () => {
      const w = world(network(SPEC), { project: 'p1', external: 'ext-1' });
      await w.reconcile('acme/web');
      w.kube.network = deleting(w.kube.network as Network);
      w.neutron.failures.set('deleteSubnet', tc.error);
      w.reset();
      assert.deepEqual(await w.reconcile('acme/web'), { requeueAfterMs: tc.requeueAfterMs });
      assert.ok(!w.calls.includes('removeFinalizer'));
      assert.ok(!w.calls.includes('deleteNetwork net-1'), 'the network stays until its subnet is gone');
      assert.equal(w.kube.network?.status?.state, 'Terminating');
      assert.equal(w.kube.network?.status?.message, `${tc.error.message} (retrying the deletion)`);
      // Next time it finishes.
      assert.deepEqual(await w.reconcile('acme/web'), {});
      assert.equal(w.calls.at(-1), 'removeFinalizer');
      assert.equal(w.neutron.nets.size, 0);
    });
  }

  it('a deleting Network without finalizers is left alone', async () => {
    const n = network(SPEC, { deletionTimestamp: NOW });
    const w = world(n, { project: 'p1' });
    assert.deepEqual(await w.reconcile('acme/web'), {});
    assert.deepEqual(w.calls, []);
  });

  it('a Network that is gone is done', async () => {
    const w = world(undefined, { project: 'p1' });
    assert.deepEqual(await w.reconcile('acme/web'), {});
    assert.deepEqual(w.calls, []);
  });
});
