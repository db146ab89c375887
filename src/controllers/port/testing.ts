// Recording fakes of PortNeutron and PortKube for the port controller's unit tests. Test-only; no I/O.
import { LABEL_PROJECT_ID, LABEL_TENANT } from '../../api/constants.js';
import { ANNOTATION_NETWORK, ANNOTATION_VIF } from '../../api/vif.js';
import type { NetworkFacts, PortFacts, PortSpec, SubnetFacts } from '../../domain/port/plan.js';
import type { GcKube, Pod, PortKube, PortNeutron } from './ports.js';
import { namespaceFacts } from './kube-adapter.js';
import { podFacts } from './reconcile.js';
import { podFinished } from '../../domain/port/plan.js';

/** Lets other promise chains run (a macrotask turn), so that concurrent reconciles really interleave. */
export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Neutron in memory: ports (created, claimed, deleted), network MTUs and subnets. Every call is logged as
 * `method arg…`; `failures` makes the next call of a method reject (then it is forgotten). Each call yields to
 * the event loop once, so that concurrent callers interleave as they would against a real server.
 */
export function fakePortNeutron(o: { now?: () => string } = {}) {
  const state = {
    ports: new Map<string, PortFacts>(),
    mtus: new Map<string, number>([['net-1', 1450], ['net-2', 1400]]),
    subnets: new Map<string, SubnetFacts>([
      ['sub-1', { id: 'sub-1', cidr: '10.10.0.0/24', gatewayIp: '10.10.0.1', dnsNameservers: ['10.0.0.53'] }],
      ['sub-2', { id: 'sub-2', cidr: '10.20.0.0/16', gatewayIp: null, dnsNameservers: [] }],
    ]),
    /** binding:vif_type given to created ports. */
    vifType: 'bridge',
    calls: [] as string[],
    /** Bodies of creates, in order. */
    created: [] as PortSpec[],
    failures: new Map<string, Error>(),
    next: 1,
  };
  const call = async (line: string): Promise<void> => {
    state.calls.push(line);
    const method = line.split(' ')[0] ?? '';
    const e = state.failures.get(method);
    if (e) {
      state.failures.delete(method);
      throw e;
    }
    await tick();
  };
  const make = (spec: PortSpec): PortFacts => {
    const n = state.next++;
    const subnet = state.subnets.get(spec.fixed_ips[0]?.subnet_id ?? '');
    const base = subnet ? subnet.cidr.split('/')[0]?.split('.').map(Number) ?? [] : [10, 99, 0, 0];
    const p: PortFacts = {
      id: `port-${n}`, networkId: spec.network_id, projectId: spec.project_id, mac: `FA:16:3E:00:00:${n.toString(16).padStart(2, '0')}`,
      fixedIps: [{ subnetId: spec.fixed_ips[0]?.subnet_id ?? '', ip: `${base[0] ?? 10}.${base[1] ?? 0}.${base[2] ?? 0}.${n + 10}` }],
      deviceId: spec.device_id, deviceOwner: spec.device_owner, description: spec.description, hostId: spec['binding:host_id'],
      vifType: state.vifType, createdAt: o.now?.() ?? '2026-11-23T00:00:00Z',
    };
    state.ports.set(p.id, p);
    state.created.push(structuredClone(spec));
    return { ...p };
  };
  const neutron: PortNeutron = {
    podPorts: async (uid) => {
      await call(`podPorts ${uid}`);
      return [...state.ports.values()].filter((p) => p.deviceId === uid && p.deviceOwner === 'compute:stackube').map((p) => ({ ...p }));
    },
    allPorts: async () => {
      await call('allPorts');
      return [...state.ports.values()].filter((p) => p.deviceOwner === 'compute:stackube').map((p) => ({ ...p }));
    },
    poolPorts: async (networkId, node, projectId) => {
      await call(`poolPorts ${networkId} ${node} ${projectId}`);
      return [...state.ports.values()].filter((p) => p.deviceId === '' && p.networkId === networkId && p.projectId === projectId && p.description === `stackube:pool:${networkId}:${node}`).map((p) => ({ ...p }));
    },
    createPort: async (spec) => {
      await call(`createPort ${spec.device_id} ${spec.network_id}`);
      return make(spec);
    },
    createPorts: async (specs) => {
      await call(`createPorts ${specs.length}`);
      return specs.map(make);
    },
    claimPort: async (id, claim) => {
      await call(`claimPort ${id} ${claim.device_id}`);
      const p = state.ports.get(id);
      if (!p) return undefined;
      Object.assign(p, { deviceId: claim.device_id, description: claim.description });
      return { ...p };
    },
    deletePort: async (id) => {
      await call(`deletePort ${id}`);
      state.ports.delete(id);
    },
    networkMtu: async (id) => {
      await call(`networkMtu ${id}`);
      return state.mtus.get(id);
    },
    subnet: async (id) => {
      await call(`subnet ${id}`);
      const s = state.subnets.get(id);
      return s && structuredClone(s);
    },
  };
  /** The calls that change something. */
  const writes = (): string[] => state.calls.filter((c) => /^(create|claim|delete)/.test(c));
  return { neutron, state, writes };
}

/** A tenant namespace's labels. */
export const tenantNamespace = (name: string, projectId: string, tenant?: string): { metadata: { name: string; labels: Record<string, string> } } => ({
  metadata: { name, labels: { [LABEL_PROJECT_ID]: projectId, ...(tenant ? { [LABEL_TENANT]: tenant } : {}) } },
});

/** A scheduled pod. */
export function testPod(o: { namespace?: string; name?: string; uid?: string; node?: string; phase?: string; network?: string; vif?: string; deleting?: boolean; hostNetwork?: boolean } = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      namespace: o.namespace ?? 'acme', name: o.name ?? 'web-0', uid: o.uid ?? 'u1',
      ...(o.deleting ? { deletionTimestamp: '2026-11-23T00:00:00Z' } : {}),
      annotations: { ...(o.network !== undefined ? { [ANNOTATION_NETWORK]: o.network } : {}), ...(o.vif !== undefined ? { [ANNOTATION_VIF]: o.vif } : {}) },
    },
    spec: { nodeName: o.node ?? 'node-a', ...(o.hostNetwork ? { hostNetwork: true } : {}) },
    status: { phase: o.phase ?? 'Pending' },
  };
}

/** An Active Network's facts. */
export const activeNetwork = (namespace: string, name: string, n: 1 | 2 = 1): NetworkFacts => ({ namespace, name, state: 'Active', networkID: `net-${n}`, subnetID: `sub-${n}`, deleting: false });

/**
 * Kubernetes in memory: pods by key, tenant namespaces, Networks, tenants' security groups by project. VIF writes
 * land on the stored pod (and are logged); `gone` makes the next writeVif answer 'gone'.
 */
export function fakePortKube() {
  const state = {
    pods: new Map<string, Pod>(),
    namespaces: new Map<string, { metadata: { name: string; labels: Record<string, string> } }>([
      ['acme', tenantNamespace('acme', 'p1', 'acme')],
      ['acme-dev', tenantNamespace('acme-dev', 'p1', 'acme')],
      ['globex', tenantNamespace('globex', 'p2', 'globex')],
    ]),
    networks: [activeNetwork('acme', 'acme')] as NetworkFacts[],
    securityGroups: new Map<string, string>([['p1', 'sg-1'], ['p2', 'sg-2']]),
    vifWrites: [] as { key: string; text: string }[],
    events: [] as string[],
    gone: false,
  };
  const keyOf = (p: Pod): string => `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
  const kube: PortKube & GcKube = {
    pod: (namespace, name) => {
      const p = state.pods.get(`${namespace}/${name}`);
      return p && structuredClone(p);
    },
    namespace: (name) => namespaceFacts(state.namespaces.get(name)),
    networks: (namespaces) => state.networks.filter((n) => namespaces.includes(n.namespace)).map((n) => ({ ...n })),
    securityGroup: (ns) => (ns.projectId ? state.securityGroups.get(ns.projectId) : undefined),
    writeVif: async (pod, text) => {
      await tick();
      if (state.gone) {
        state.gone = false;
        return 'gone';
      }
      const key = keyOf(pod);
      state.vifWrites.push({ key, text });
      const stored = state.pods.get(key);
      if (stored && stored.metadata.uid === pod.metadata.uid) stored.metadata.annotations = { ...stored.metadata.annotations, [ANNOTATION_VIF]: text };
      return 'written';
    },
    event: (pod, type, reason, message) => {
      state.events.push(`${keyOf(pod)} ${type} ${reason} ${message}`);
    },
    livePodUids: () => new Set([...state.pods.values()].filter((p) => !podFinished(podFacts(p))).map((p) => p.metadata.uid ?? '')),
    knownProjects: () => new Set([...state.namespaces.values()].map((n) => n.metadata.labels[LABEL_PROJECT_ID] ?? '')),
    networkIds: () => new Set(state.networks.map((n) => n.networkID ?? '')),
    nodes: () => new Set(['node-a', 'node-b']),
  };
  const put = (p: Pod): Pod => {
    state.pods.set(keyOf(p), p);
    return p;
  };
  /** Event lines "key type reason" (without the message). */
  const reasons = (): string[] => state.events.map((e) => e.split(' ').slice(0, 3).join(' '));
  return { kube, state, put, reasons };
}
