import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LABEL_PROJECT_ID, LABEL_TENANT } from '../../api/constants.js';
import type { Network } from '../../api/network.js';
import type { Tenant } from '../../api/tenant.js';
import { ANNOTATION_VIF } from '../../api/vif.js';
import { TerminalError } from '../../lib/errors.js';
import { KubeError } from '../../kube/client.js';
import { FakeKube } from '../../kube/fake-kube.js';
import type { KubeObject } from '../../kube/objects.js';
import { namespaceFacts, networkFacts, portKubeAdapter, type PortCaches } from './kube-adapter.js';
import type { Pod } from './ports.js';
import { testPod } from './testing.js';

const tenant = (name: string, projectID: string | undefined, securityGroupID?: string): Tenant => ({
  apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name }, spec: {},
  status: { ...(projectID ? { projectID } : {}), ...(securityGroupID ? { securityGroupID } : {}) },
});
const ns = (name: string, labels: Record<string, string>): KubeObject => ({ metadata: { name, labels } });

function caches(o: Partial<{ pods: Pod[]; namespaces: KubeObject[]; networks: Network[]; tenants: Tenant[]; nodes: string[] }> = {}): PortCaches {
  return {
    pod: (key) => o.pods?.find((p) => `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}` === key),
    pods: () => o.pods ?? [],
    namespace: (name) => o.namespaces?.find((n) => n.metadata?.name === name),
    namespaces: () => o.namespaces ?? [],
    networks: () => o.networks ?? [],
    tenant: (name) => o.tenants?.find((t) => t.metadata.name === name),
    tenants: () => o.tenants ?? [],
    nodes: () => o.nodes,
  };
}

describe('portKubeAdapter', () => {
  it('writeVif: a merge patch of the annotation carrying the pod uid', async () => {
    const api = new FakeKube();
    api.seed('/api/v1/namespaces/acme/pods', testPod());
    const k = portKubeAdapter(api, caches(), () => undefined);
    assert.equal(await k.writeVif(testPod(), '{"v":1}'), 'written');
    assert.deepEqual(api.calls.map((c) => [c.method, c.path, c.patchType, c.body]), [
      ['PATCH', '/api/v1/namespaces/acme/pods/web-0', 'merge', { metadata: { uid: 'u1', annotations: { [ANNOTATION_VIF]: '{"v":1}' } } }],
    ]);
    assert.equal(api.peek('/api/v1/namespaces/acme/pods/web-0')?.metadata?.annotations?.[ANNOTATION_VIF], '{"v":1}');
  });

  const gone: { name: string; status: number; reason: string }[] = [
    { name: 'deleted (404)', status: 404, reason: 'NotFound' },
    { name: 'replaced by a pod with another uid (409: UID precondition)', status: 409, reason: 'Conflict' },
  ];
  for (const tc of gone) {
    it(`writeVif on a pod ${tc.name} → gone`, async () => {
      const api = new FakeKube();
      api.failNext('PATCH', /pods\/web-0/, () => new KubeError(tc.status, 'PATCH', '/api/v1/namespaces/acme/pods/web-0', 'x', undefined, tc.reason));
      assert.equal(await portKubeAdapter(api, caches(), () => undefined).writeVif(testPod(), '{}'), 'gone');
    });
  }

  it('writeVif refused (an admission webhook denies it) → TerminalError with the apiserver\'s message', async () => {
    const api = new FakeKube();
    const msg = 'admission webhook "pods.stackube.kubernetes.io" denied the request: annotation stackube.kubernetes.io/vif is reserved for the operator';
    api.failNext('PATCH', /pods/, () => new KubeError(400, 'PATCH', '/api/v1/namespaces/acme/pods/web-0', msg, undefined, 'BadRequest'));
    await assert.rejects(portKubeAdapter(api, caches(), () => undefined).writeVif(testPod(), '{}'), (e) => e instanceof TerminalError && e.message.includes(msg));
  });

  it('writeVif: other failures reject (the runner retries)', async () => {
    const api = new FakeKube();
    api.failNext('PATCH', /pods/, () => new KubeError(500, 'PATCH', '/api/v1/namespaces/acme/pods/web-0', 'etcd', undefined, 'InternalError'));
    await assert.rejects(portKubeAdapter(api, caches(), () => undefined).writeVif(testPod(), '{}'), KubeError);
  });

  it('securityGroup: the labelled tenant of the same project, else the tenant holding the project, never another project\'s', () => {
    const k = portKubeAdapter(new FakeKube(), caches({
      tenants: [tenant('acme', 'p1', 'sg-1'), tenant('globex', 'p2', 'sg-2'), tenant('pending', 'p3')],
    }), () => undefined);
    assert.equal(k.securityGroup({ projectId: 'p1', tenant: 'acme' }), 'sg-1');
    assert.equal(k.securityGroup({ projectId: 'p1', tenant: undefined }), 'sg-1');
    assert.equal(k.securityGroup({ projectId: 'p1', tenant: 'globex' }), 'sg-1', 'a wrong tenant label does not lend globex\'s group');
    assert.equal(k.securityGroup({ projectId: 'p3', tenant: 'pending' }), undefined);
    assert.equal(k.securityGroup({ projectId: 'p9', tenant: undefined }), undefined);
  });

  it('GC views: live pods exclude finished and deleting ones; projects, network ids and nodes from the caches', () => {
    const k = portKubeAdapter(new FakeKube(), caches({
      pods: [testPod({ uid: 'run', phase: 'Running' }), testPod({ name: 'b', uid: 'done', phase: 'Succeeded' }), testPod({ name: 'c', uid: 'del', deleting: true })],
      namespaces: [ns('acme', { [LABEL_PROJECT_ID]: 'p1' }), ns('plain', {})],
      networks: [
        { apiVersion: 'stackube.kubernetes.io/v1', kind: 'Network', metadata: { name: 'a', namespace: 'acme' }, spec: {}, status: { networkID: 'net-1' } },
        { apiVersion: 'stackube.kubernetes.io/v1', kind: 'Network', metadata: { name: 'b', namespace: 'acme' }, spec: {} },
      ],
      nodes: ['node-a'],
    }), () => undefined);
    assert.deepEqual([...k.livePodUids()], ['run']);
    assert.deepEqual([...k.knownProjects()], ['p1']);
    assert.deepEqual([...k.networkIds()], ['net-1']);
    assert.deepEqual([...(k.nodes() ?? [])], ['node-a']);
    assert.equal(portKubeAdapter(new FakeKube(), caches(), () => undefined).nodes(), undefined);
  });

  it('namespaceFacts and networkFacts ("" counts as unset)', () => {
    assert.deepEqual(namespaceFacts(ns('acme', { [LABEL_PROJECT_ID]: 'p1', [LABEL_TENANT]: 'acme' })), { projectId: 'p1', tenant: 'acme' });
    assert.deepEqual(namespaceFacts(ns('acme', { [LABEL_PROJECT_ID]: 'p1', [LABEL_TENANT]: '' })), { projectId: 'p1', tenant: undefined });
    assert.equal(namespaceFacts(ns('acme', { [LABEL_PROJECT_ID]: '' })), undefined);
    assert.equal(namespaceFacts(undefined), undefined);
    assert.deepEqual(networkFacts({ apiVersion: 'stackube.kubernetes.io/v1', kind: 'Network', metadata: { name: 'web', namespace: 'acme', deletionTimestamp: 'x' }, spec: {}, status: { state: 'Active', networkID: 'n', subnetID: '' } }), {
      namespace: 'acme', name: 'web', state: 'Active', networkID: 'n', subnetID: undefined, deleting: true,
    });
  });
});
