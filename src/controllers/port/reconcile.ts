import { TerminalError } from '../../lib/errors.js';
import { ANNOTATION_NETWORK, ANNOTATION_VIF, parseVif } from '../../api/vif.js';
import { splitKey } from '../../kube/objects.js';
import {
  chooseNetwork, choiceNamespaces, pickPodPort, podIntent, podPortSpec, portIpv4, vifFor, vifText, vifUpToDate,
  type PodFacts, type PodRef, type PortFacts, type PortPlace,
} from '../../domain/port/plan.js';
import { NeutronUnavailableError } from '../network/ports.js';
import type { PodLedger } from './ledger.js';
import type { CountPorts } from './metrics.js';
import type { PortPools } from './pools.js';
import type { Pod, PortKube, PortNeutron } from './ports.js';

/** Event reasons on pods (constants, as CONVENTIONS asks). */
export const REASONS = {
  Reserved: 'PortReserved',
  Released: 'PortReleased',
  Failed: 'PortFailed',
  NetworkNotReady: 'NetworkNotReady',
  TenantNotReady: 'TenantNotReady',
  NeutronUnavailable: 'NeutronUnavailable',
  BindingFailed: 'PortBindingFailed',
} as const;

/** Requeue delays (ms). */
export const RETRY = {
  /** Neutron unreachable or failing: soon. */
  neutronUnavailable: 5_000,
  /** Neutron refused (quota, bad request): slowly; the Event says why. */
  refused: 60_000,
  /** The Network or the tenant's security group is not there yet (their watches also re-enqueue the pod). */
  notReady: 30_000,
  /** The port is not bound yet: look at binding:vif_type again. */
  unbound: 10_000,
} as const;

/** What the port reconciler needs. */
export interface PortReconcilerDeps {
  neutron: PortNeutron;
  kube: PortKube;
  ledger: PodLedger;
  /** Warm pools; absent when pools are off (portPoolSize 0). */
  pools?: PortPools;
  count?: CountPorts;
}

type Result = { requeueAfterMs?: number };

/** The facts the pure plan reads from a Pod. */
export function podFacts(pod: Pod): PodFacts {
  const m = pod.metadata;
  return {
    namespace: m.namespace ?? '', name: m.name ?? '', uid: m.uid ?? '', nodeName: pod.spec?.nodeName ?? '',
    hostNetwork: pod.spec?.hostNetwork === true, phase: pod.status?.phase ?? '', deleting: m.deletionTimestamp !== undefined,
    networkAnnotation: m.annotations?.[ANNOTATION_NETWORK], vifAnnotation: m.annotations?.[ANNOTATION_VIF],
  };
}

/**
 * Level-based reconcile of one pod (key = namespace/name). A scheduled pod of a tenant namespace gets a Neutron
 * port — the one already carrying its uid as device_id, else one claimed from the warm pool of (network, node),
 * else a new one — and the VIF annotation describing it. A finished, deleting or deleted pod gets its port(s)
 * deleted. Idempotent: a second reconcile neither creates a port nor rewrites the annotation. Crash-safe: a port
 * carries device_id = pod uid from the creating (or claiming) call on. NeutronUnavailableError → requeue in 5 s
 * with an Event; TerminalError (Neutron refused) → a Warning Event with Neutron's message, requeue in 60 s.
 */
export function portReconciler(d: PortReconcilerDeps): (key: string) => Promise<Result> {
  return async (key) => {
    const { namespace, name } = splitKey(key);
    const pod = d.kube.pod(namespace, name);
    const uid = pod?.metadata.uid;
    try {
      // Earlier pods of this name (deleted, or replaced by a pod with a new uid) give their ports back first.
      for (const old of d.ledger.stale(key, uid)) {
        await release(d, old);
        d.ledger.forget(key, old);
      }
      d.ledger.forgetReleased(key, uid);
      if (!pod || !uid) {
        d.ledger.forget(key);
        return {};
      }
      const facts = podFacts(pod);
      const ns = d.kube.namespace(namespace);
      const intent = podIntent(facts, ns);
      if (intent.kind === 'ignore') return {};
      if (intent.kind === 'release') {
        const state = d.ledger.state(key, uid);
        // Only pods that may hold a port cost a Neutron call; a port this process never knew of (a crash between
        // create and annotation, before a restart) is the garbage collector's, which skips finished pods.
        if (state === 'released' || (state === undefined && facts.vifAnnotation === undefined)) return {};
        const n = await release(d, uid);
        d.ledger.mark(key, uid, 'released');
        if (n > 0) d.kube.event(pod, 'Normal', REASONS.Released, `Neutron port${n > 1 ? 's' : ''} of the pod deleted (${facts.deleting ? 'being deleted' : `phase ${facts.phase}`})`);
        return {};
      }
      return await reserve(d, { key, pod, facts, projectId: intent.projectId, tenant: intent.tenant, node: intent.node });
    } catch (e) {
      if (e instanceof NeutronUnavailableError) {
        if (pod) d.kube.event(pod, 'Warning', REASONS.NeutronUnavailable, `${e.message} (retrying)`);
        return { requeueAfterMs: RETRY.neutronUnavailable };
      }
      if (e instanceof TerminalError) {
        if (pod) d.kube.event(pod, 'Warning', REASONS.Failed, e.message);
        return { requeueAfterMs: RETRY.refused };
      }
      throw e;
    }
  };
}

/** Deletes every port carrying this pod uid; resolves how many there were. */
async function release(d: PortReconcilerDeps, uid: string): Promise<number> {
  const ports = await d.neutron.podPorts(uid);
  await Promise.all(ports.map((p) => d.neutron.deletePort(p.id)));
  if (ports.length > 0) d.count?.('deleted', ports.length);
  return ports.length;
}

/** One pod that needs a port: its key, object, facts, and its namespace's project and tenant, its node. */
interface Job { key: string; pod: Pod; facts: PodFacts; projectId: string; tenant: string | undefined; node: string }

async function reserve(d: PortReconcilerDeps, j: Job): Promise<Result> {
  const { key, facts } = j;
  const ref: PodRef = { namespace: facts.namespace, name: facts.name, uid: facts.uid };
  // Remembered before any port exists, so that a deletion seen only as "key gone" still releases it.
  d.ledger.mark(key, ref.uid, 'reserving');
  const { port: found, extras } = pickPodPort(await d.neutron.podPorts(ref.uid), parseVif(facts.vifAnnotation)?.portID);
  // More than one port for a pod is a bug's leftover; the pod keeps one.
  await Promise.all(extras.map((p) => d.neutron.deletePort(p.id)));
  if (extras.length > 0) d.count?.('deleted', extras.length);
  let port = found;
  if (!port) {
    const made = await newPort(d, j);
    if (!made.port) return made.result;
    port = made.port;
  }
  return publish(d, j, port);
}

/** A port for a pod without one: from the pool, else created. Or a wait/refusal (with its Event). */
async function newPort(d: PortReconcilerDeps, j: Job): Promise<{ port: PortFacts; result?: never } | { port?: never; result: Result }> {
  const { pod, facts } = j;
  const namespaces = choiceNamespaces(facts.namespace, facts.networkAnnotation, j.tenant);
  const projectOf = Object.fromEntries(namespaces.map((n) => [n, d.kube.namespace(n)?.projectId]));
  const choice = chooseNetwork({ namespace: facts.namespace, annotation: facts.networkAnnotation, projectId: j.projectId, tenant: j.tenant, projectOf, networks: d.kube.networks(namespaces) });
  if (choice.kind !== 'ready') {
    if (d.ledger.announce(facts.uid, `${choice.reason}:${choice.message}`)) d.kube.event(pod, 'Warning', choice.reason, choice.message);
    // A refusal waits for the pod or namespace to change (their watches re-enqueue it); a wait is retried too.
    return { result: choice.kind === 'wait' ? { requeueAfterMs: RETRY.notReady } : {} };
  }
  const securityGroupID = d.kube.securityGroup({ projectId: j.projectId, tenant: j.tenant });
  if (!securityGroupID) {
    const message = `the tenant of namespace ${facts.namespace} has no Neutron security group yet (Tenant status.securityGroupID): its pods get no port before it`;
    if (d.ledger.announce(facts.uid, REASONS.TenantNotReady)) d.kube.event(pod, 'Warning', REASONS.TenantNotReady, message);
    return { result: { requeueAfterMs: RETRY.notReady } };
  }
  d.ledger.clearAnnouncements(facts.uid);
  const place: PortPlace = { networkID: choice.networkID, subnetID: choice.subnetID, node: j.node, projectId: j.projectId, securityGroupID };
  const ref = { namespace: facts.namespace, name: facts.name, uid: facts.uid };
  const pooled = d.pools ? await d.pools.take(place, ref) : undefined;
  if (pooled) return { port: pooled };
  const port = await d.neutron.createPort(podPortSpec(ref, place));
  d.count?.('created');
  return { port };
}

/** Writes the VIF annotation of the pod's port unless it already says exactly that. */
async function publish(d: PortReconcilerDeps, j: Job, port: PortFacts): Promise<Result> {
  const { key, pod, facts } = j;
  const addr = portIpv4(port);
  const [subnet, mtu] = await Promise.all([addr ? d.neutron.subnet(addr.subnetId) : undefined, d.neutron.networkMtu(port.networkId)]);
  const vif = subnet && mtu !== undefined ? vifFor(port, subnet, mtu) : undefined;
  if (!vif) {
    throw new TerminalError('STACKUBE_ERR_PORT_UNUSABLE', `Neutron port ${port.id} has no IPv4 address on an existing subnet of network ${port.networkId} (or the network is gone)`);
  }
  d.ledger.mark(key, facts.uid, 'reserved');
  if (!vifUpToDate(facts.vifAnnotation, vif)) {
    if ((await d.kube.writeVif(pod, vifText(vif))) === 'gone') {
      // Deleted or replaced while we worked: its port must not outlive it (compensation).
      await release(d, facts.uid);
      d.ledger.forget(key, facts.uid);
      return {};
    }
    d.kube.event(pod, 'Normal', REASONS.Reserved, `Neutron port ${port.id} (${vif.ip}/${vif.prefixLength}, ${vif.mac}) on network ${port.networkId}, bound to ${port.hostId || 'no host yet'} (${vif.vifType})`);
  }
  if (vif.vifType === 'binding_failed') {
    if (d.ledger.announce(facts.uid, REASONS.BindingFailed)) {
      d.kube.event(pod, 'Warning', REASONS.BindingFailed, `Neutron could not bind port ${port.id} to node ${port.hostId} (binding:vif_type binding_failed): is a Neutron L2 agent running there?`);
    }
    return { requeueAfterMs: RETRY.refused };
  }
  return vif.vifType === 'unbound' ? { requeueAfterMs: RETRY.unbound } : {};
}
