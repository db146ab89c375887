// The port controller's wiring: informers over a fake apiserver, the pod/Network/namespace/Tenant watches, the
// reconciler and garbage collection together, with Neutron faked. Time is a ManualScheduler; nothing sleeps.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ANNOTATION_VIF, parseVif } from '../../api/vif.js';
import type { KubeApi } from '../../kube/client.js';
import { FakeKube } from '../../kube/fake-kube.js';
import { ManualScheduler } from '../../kube/scheduler.js';
import { createLogger } from '../../telemetry/logger.js';
import { createRegistry } from '../../telemetry/metrics.js';
import { portController } from './controller.js';
import { fakePortNeutron, tenantNamespace, testPod } from './testing.js';

const NETWORKS = '/apis/stackube.kubernetes.io/v1/namespaces/acme/networks';
const PODS = '/api/v1/namespaces/acme/pods';

/**
 * The fake apiserver keeps namespaced objects per namespace; the controller lists and watches pods and Networks
 * across namespaces. Every object of these tests lives in namespace acme, so the cluster-wide paths map there.
 */
function clusterWide(api: FakeKube): KubeApi {
  const alias = (path: string): string => path
    .replace(/^\/api\/v1\/pods(?=\?|$)/, PODS)
    .replace(/^\/apis\/stackube\.kubernetes\.io\/v1\/networks(?=\?|$)/, NETWORKS);
  return {
    request: (method, path, opts) => api.request(method, alias(path), opts),
    json: (method, path, body, contentType) => api.json(method, alias(path), body, contentType),
    patch: (path, body, opts) => api.patch(alias(path), body, opts),
    delete: (path, opts) => api.delete(alias(path), opts),
    watch: (path, onEvent, signal) => api.watch(alias(path), onEvent, signal),
  };
}

function setup(o: { poolSize?: number; securityGroup?: boolean } = {}) {
  const api = new FakeKube();
  api.seed('/api/v1/namespaces', tenantNamespace('acme', 'p1', 'acme'));
  const status = { projectID: 'p1', ...(o.securityGroup === false ? {} : { securityGroupID: 'sg-1' }) };
  api.seed('/apis/stackube.kubernetes.io/v1/tenants', { apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name: 'acme' }, spec: {}, status } as never);
  api.seed(NETWORKS, { apiVersion: 'stackube.kubernetes.io/v1', kind: 'Network', metadata: { name: 'acme', namespace: 'acme' }, spec: { cidr: '10.10.0.0/24' }, status: { state: 'Pending' } } as never);
  api.seed('/api/v1/nodes', { metadata: { name: 'node-a' } });
  const n = fakePortNeutron({ now: () => '2026-11-23T00:00:00Z' });
  const s = new ManualScheduler(Date.parse('2026-11-23T01:00:00Z'));
  const events: string[] = [];
  const registry = createRegistry({ defaultMetrics: false });
  const log = createLogger({ name: 't', level: 'fatal', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const c = portController({
    api: clusterWide(api), neutron: n.neutron, log, registry, workers: 4, poolSize: o.poolSize ?? 0, gcIntervalMs: 60_000, gcGraceMs: 30_000, scheduler: s,
    onError: (e) => assert.fail(e instanceof Error ? e : String(e)),
    event: (pod, type, reason) => events.push(`${pod.metadata.name ?? ''} ${type} ${reason}`),
  });
  const stop = new AbortController();
  for (const i of c.informers) i.start();
  const running = Promise.all([c.controller.run(stop.signal), c.runGc(stop.signal)]);
  const vif = (name = 'web-0') => parseVif(api.peek(`/api/v1/namespaces/acme/pods/${name}`)?.metadata?.annotations?.[ANNOTATION_VIF]);
  /** Moves time in small steps until cond holds (at most `ms` of fake time). */
  const until = async (cond: () => boolean, ms = 5_000): Promise<void> => {
    for (let t = 0; t < ms && !cond(); t += 50) await s.advance(50);
    assert.ok(cond(), `condition not reached; events: ${events.join(', ')}; neutron: ${n.state.calls.join(', ')}`);
  };
  /** Waits until every informer watches (the fake apiserver does not replay what a watch opened later missed). */
  const watching = async (): Promise<void> => {
    const paths = [PODS, NETWORKS, '/api/v1/namespaces', '/apis/stackube.kubernetes.io/v1/tenants', ...(o.poolSize ? ['/api/v1/nodes'] : [])];
    for (let i = 0; i < 100 && !paths.every((p) => api.openWatches(p).length > 0); i++) await s.flush();
    assert.ok(paths.every((p) => api.openWatches(p).length > 0), 'informers watching');
  };
  /** Creates a pod through the API (watches see it). */
  const create = async (pod: ReturnType<typeof testPod>): Promise<void> => {
    await api.request('POST', PODS, { body: pod });
  };
  const shutdown = async (): Promise<void> => {
    stop.abort();
    await running;
    for (const i of c.informers) await i.stop();
  };
  return { api, n, s, events, registry, c, vif, until, create, watching, shutdown };
}

const orphan = { id: 'orphan', networkId: 'net-1', projectId: 'p1', mac: 'fa:16:3e:00:00:99', fixedIps: [], deviceId: 'gone', deviceOwner: 'compute:stackube', description: 'stackube:pod:gone', hostId: 'node-a', vifType: 'bridge', createdAt: '2026-11-23T00:00:00Z' };

describe('portController', () => {
  it('a pod waits for its Network, gets a port once the Network turns Active, and gives it back when deleted', async () => {
    const w = setup();
    try {
      await w.watching();
      await w.create(testPod());
      await w.until(() => w.events.includes('web-0 Warning NetworkNotReady'));
      assert.deepEqual(w.n.writes(), []);
      // The Network controller marks it Active: the Network watch re-enqueues the waiting pod at once.
      await w.api.patch(`${NETWORKS}/acme/status`, { status: { state: 'Active', networkID: 'net-1', subnetID: 'sub-1' } }, { type: 'merge' });
      await w.until(() => w.vif() !== undefined, 1_000);
      assert.equal(w.vif()?.portID, 'port-1');
      assert.deepEqual(w.n.writes(), ['createPort u1 net-1']);
      assert.ok(w.events.includes('web-0 Normal PortReserved'));
      const reserved = await w.registry.getSingleMetric('stackube_port_reserved')?.get();
      assert.equal(reserved?.values[0]?.value, 1);
      // Status churn of the pod does not cost a reconcile (no Neutron call).
      const before = w.n.state.calls.length;
      await w.api.patch('/api/v1/namespaces/acme/pods/web-0', { status: { phase: 'Running' } }, { type: 'merge' });
      await w.s.advance(100);
      assert.equal(w.n.state.calls.length, before);
      await w.api.delete('/api/v1/namespaces/acme/pods/web-0');
      await w.until(() => w.n.state.ports.size === 0, 1_000);
      assert.deepEqual(w.n.writes(), ['createPort u1 net-1', 'deletePort port-1']);
    } finally {
      await w.shutdown();
    }
  });

  it('a pod waiting for its tenant\'s security group gets its port when the Tenant status gets one', async () => {
    const w = setup({ securityGroup: false });
    try {
      await w.watching();
      await w.api.patch(`${NETWORKS}/acme/status`, { status: { state: 'Active', networkID: 'net-1', subnetID: 'sub-1' } }, { type: 'merge' });
      await w.create(testPod());
      await w.until(() => w.events.includes('web-0 Warning TenantNotReady'), 1_000);
      await w.api.patch('/apis/stackube.kubernetes.io/v1/tenants/acme/status', { status: { securityGroupID: 'sg-1' } }, { type: 'merge' });
      await w.until(() => w.vif() !== undefined, 1_000);
      assert.deepEqual(w.n.state.created.map((c) => c.security_groups), [['sg-1']]);
    } finally {
      await w.shutdown();
    }
  });

  it('garbage collection runs once the caches synced, then every interval', async () => {
    const w = setup();
    try {
      w.n.state.ports.set('orphan', { ...orphan });
      await w.watching();
      await w.until(() => !w.n.state.ports.has('orphan'), 1_000);
      await w.until(() => w.n.state.calls.includes('allPorts'), 1_000);
      w.n.state.ports.set('orphan-2', { ...orphan, id: 'orphan-2' });
      await w.s.advance(30_000);
      assert.ok(w.n.state.ports.has('orphan-2'), 'not before the interval');
      await w.until(() => !w.n.state.ports.has('orphan-2'), 40_000);
    } finally {
      await w.shutdown();
    }
  });

  it('with pools: the nodes are watched and the pool of (network, node) is filled after the first pod', async () => {
    const w = setup({ poolSize: 2 });
    try {
      await w.watching();
      await w.api.patch(`${NETWORKS}/acme/status`, { status: { state: 'Active', networkID: 'net-1', subnetID: 'sub-1' } }, { type: 'merge' });
      await w.create(testPod());
      await w.until(() => w.vif() !== undefined, 1_000);
      await w.until(() => w.n.state.calls.includes('createPorts 2'), 1_000);
      await w.create(testPod({ name: 'web-1', uid: 'u2' }));
      await w.until(() => w.vif('web-1') !== undefined, 1_000);
      const taken = w.n.state.ports.get(w.vif('web-1')?.portID ?? '');
      assert.equal(taken?.deviceId, 'u2');
      assert.ok(w.n.state.calls.some((c) => c.startsWith(`claimPort ${taken?.id ?? ''} u2`)), 'the second pod took a pooled port');
    } finally {
      await w.shutdown();
    }
  });
});
