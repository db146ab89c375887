import { isDeepStrictEqual } from 'node:util';
import { TerminalError } from '../../lib/errors.js';
import { adoptedNetworkID, type Network, type NetworkState, type NetworkStatus } from '../../api/network.js';
import { splitKey } from '../../kube/objects.js';
import { findOverlap, networkMarker, neutronName, subnetUpdate, validateNetworkSpec } from '../../domain/network/plan.js';
import { setCondition } from '../../domain/tenant/plan.js';
import { parseIpv4Cidr, formatCidr } from '../../lib/ipv4.js';
import { NeutronUnavailableError, type NetworkKube, type NetworkNeutron } from './ports.js';

/** Event and condition reasons (constants, as CONVENTIONS asks). */
export const REASONS = {
  Created: 'NetworkCreated',
  Adopted: 'NetworkAdopted',
  Updated: 'SubnetUpdated',
  InvalidSpec: 'InvalidSpec',
  NoTenant: 'NotATenantNamespace',
  CIDROverlap: 'CIDROverlap',
  NetworkNotFound: 'NetworkNotFound',
  ForeignNetwork: 'NetworkOfAnotherProject',
  SubnetNotFound: 'SubnetNotFound',
  NeutronRefused: 'NeutronRefused',
  NeutronUnavailable: 'NeutronUnavailable',
  Deleted: 'CleanedUp',
} as const;

/** How soon a Network is retried after Neutron was unavailable (it goes Failed meanwhile, then recovers). */
export const NEUTRON_RETRY_MS = 5_000;

export interface NetworkReconcilerDeps {
  neutron: NetworkNeutron;
  kube: NetworkKube;
  now: () => string;
}

type Outcome = { ok: true; networkID: string; subnetID: string; routerID?: string; reason: string; message: string } | { ok: false; reason: string; message: string };

/**
 * Level-based reconcile of one Network (key = namespace/name). Creates, in the tenant's project, the Neutron
 * network, subnet and router (gateway on the external network) named `kube-<ns>-<name>`, or adopts the network
 * named by spec.networkID; applies nameserver/gateway changes; deletes what it created through the finalizer
 * (ports first), never what it adopted. Every created resource carries the Network's uid marker in its
 * description from the creating call on, so a crash at any point is repaired by the next reconcile without leaks.
 * Bad input and Neutron's refusals end as state Failed with a reason; Neutron outages as Failed, retried soon.
 */
export function networkReconciler(d: NetworkReconcilerDeps): (key: string) => Promise<{ requeueAfterMs?: number }> {
  return async (key) => {
    const { namespace, name } = splitKey(key);
    const found = await d.kube.getNetwork(namespace, name);
    if (!found) return {};
    if (found.metadata.deletionTimestamp) return finalize(d, found);
    const n = await d.kube.ensureFinalizer(found);
    const gen = n.metadata.generation ?? 0;
    const before = n.status ?? {};
    const settle = async (state: NetworkState, o: Outcome, requeueAfterMs?: number): Promise<{ requeueAfterMs?: number }> => {
      const conditions = setCondition(before.conditions, { type: 'Ready', status: o.ok ? 'True' : 'False', reason: o.reason, message: o.message, observedGeneration: gen }, d.now());
      const status: NetworkStatus = { ...before, state, message: o.message, conditions, observedGeneration: gen };
      if (o.ok) {
        status.networkID = o.networkID;
        status.subnetID = o.subnetID;
        if (o.routerID) status.routerID = o.routerID; else delete status.routerID;
      }
      // Unchanged status is not written again: every write is a watch event and an apiserver round trip.
      // (A deep comparison: the apiserver returns status keys in its own order.)
      if (!isDeepStrictEqual(status, before)) await d.kube.writeStatus(n, status);
      if (before.state !== state || before.message !== o.message) d.kube.event(n, o.ok ? 'Normal' : 'Warning', o.reason, o.message);
      return requeueAfterMs === undefined ? {} : { requeueAfterMs };
    };

    const problem = validateNetworkSpec(n.spec);
    if (problem) return settle('Failed', { ok: false, reason: REASONS.InvalidSpec, message: problem });
    const projectId = await d.kube.namespaceProject(namespace);
    if (!projectId) {
      return settle('Failed', { ok: false, reason: REASONS.NoTenant, message: `namespace ${namespace} belongs to no tenant (it has no stackube.kubernetes.io/project-id label): create the Network in a tenant namespace` }, 60_000);
    }
    const cidr = n.spec.cidr ?? '';
    if (cidr !== '') {
      const peers = await d.kube.projectNetworks(projectId);
      const clash = findOverlap({ namespace, name, cidr, creationTimestamp: n.metadata.creationTimestamp ?? '', deleting: false }, peers);
      if (clash) {
        return settle('Failed', { ok: false, reason: REASONS.CIDROverlap, message: `spec.cidr ${cidr} overlaps Network ${clash.namespace}/${clash.name} (${clash.cidr}) of the same tenant: pick a range that does not overlap` }, 60_000);
      }
    }
    try {
      const o = adoptedNetworkID(n.spec) ? await adopt(d, n, projectId) : await ensureCreated(d, n, projectId);
      if (!o.ok) return await settle('Failed', o, 300_000);
      return await settle('Active', o);
    } catch (e) {
      if (e instanceof NeutronUnavailableError) return settle('Failed', { ok: false, reason: REASONS.NeutronUnavailable, message: `${e.message} (retrying)` }, NEUTRON_RETRY_MS);
      if (e instanceof TerminalError) return settle('Failed', { ok: false, reason: REASONS.NeutronRefused, message: e.message }, 300_000);
      throw e;
    }
  };
}

async function ensureCreated(d: NetworkReconcilerDeps, n: Network, projectId: string): Promise<Outcome> {
  const namespace = n.metadata.namespace ?? '';
  const name = n.metadata.name ?? '';
  const marker = networkMarker(n.metadata.uid ?? '');
  const neutronNameOf = neutronName(namespace, name);
  const cidr = n.spec.cidr ?? '';
  const net = (await d.neutron.findNetwork(marker)) ?? (await d.neutron.createNetwork({ name: neutronNameOf, projectId, marker }));
  let subnet = await d.neutron.findSubnet(marker);
  if (!subnet) {
    subnet = await d.neutron.createSubnet({
      name: neutronNameOf, projectId, networkId: net.id, cidr, dnsNameservers: n.spec.dnsNameservers ?? [], marker,
      ...(n.spec.gateway ? { gateway: n.spec.gateway } : {}),
    });
  }
  const changes = subnetUpdate(n.spec, subnet);
  if (changes) {
    await d.neutron.updateSubnet(subnet.id, changes);
    d.kube.event(n, 'Normal', REASONS.Updated, `subnet ${subnet.id} updated: ${Object.keys(changes).join(', ')}`);
  }
  const external = await d.neutron.externalNetworkId();
  const router = (await d.neutron.findRouter(marker)) ?? (await d.neutron.createRouter({ name: neutronNameOf, projectId, marker, externalNetworkId: external }));
  if (external && router.externalNetworkId !== external) await d.neutron.setRouterGateway(router.id, external);
  if (!(await d.neutron.routerSubnets(router.id)).includes(subnet.id)) await d.neutron.addRouterInterface(router.id, subnet.id);
  const gw = external ? 'with its gateway on the external network' : 'without an external gateway (no external network is configured)';
  return { ok: true, networkID: net.id, subnetID: subnet.id, routerID: router.id, reason: REASONS.Created, message: `Neutron network ${net.id}, subnet ${subnet.id} (${cidr}) and router ${router.id} ${gw}` };
}

async function adopt(d: NetworkReconcilerDeps, n: Network, projectId: string): Promise<Outcome> {
  const id = adoptedNetworkID(n.spec) ?? '';
  const net = await d.neutron.getNetwork(id);
  if (!net) return { ok: false, reason: REASONS.NetworkNotFound, message: `Neutron network ${id} does not exist (spec.networkID)` };
  // A tenant must never attach its pods to another tenant's network: only its own project's (or a shared one).
  if (net.projectId !== projectId && !net.shared) {
    return { ok: false, reason: REASONS.ForeignNetwork, message: `Neutron network ${id} belongs to another project than this tenant's (${projectId}) and is not shared` };
  }
  const subnets = (await d.neutron.listSubnets(net.id)).filter((s) => s.ipVersion === 4);
  const want = n.spec.cidr ? parseIpv4Cidr(n.spec.cidr) : undefined;
  const subnet = want ? subnets.find((s) => { const c = parseIpv4Cidr(s.cidr, true); return c !== undefined && formatCidr(c) === formatCidr(want); }) : subnets[0];
  if (!subnet) {
    const have = subnets.map((s) => s.cidr).join(', ') || 'none';
    return { ok: false, reason: REASONS.SubnetNotFound, message: `Neutron network ${id} has no IPv4 subnet${n.spec.cidr ? ` with range ${n.spec.cidr}` : ''} (its IPv4 subnets: ${have})` };
  }
  const routerId = await d.neutron.routerOnSubnet(subnet.id);
  return {
    ok: true, networkID: net.id, subnetID: subnet.id, ...(routerId ? { routerID: routerId } : {}), reason: REASONS.Adopted,
    message: `adopted Neutron network ${net.id} (${net.name}), subnet ${subnet.id} (${subnet.cidr})${routerId ? `, router ${routerId}` : ', no router'}; Stackube never deletes them`,
  };
}

async function finalize(d: NetworkReconcilerDeps, n: Network): Promise<{ requeueAfterMs?: number }> {
  if (!(n.metadata.finalizers ?? []).length) return {};
  if (n.status?.state !== 'Terminating') {
    await d.kube.writeStatus(n, { ...(n.status ?? {}), state: 'Terminating', message: 'deleting the Neutron resources Stackube created' }).catch(() => undefined);
  }
  if (!adoptedNetworkID(n.spec)) {
    try {
      const marker = networkMarker(n.metadata.uid ?? '');
      // Every resource carrying the marker goes, not only the first: a create whose answer timed out may have been
      // repeated before Neutron showed the first one. Bounded, so a resource Neutron keeps showing cannot spin us.
      for (let round = 0; round < 5; round++) {
        const [net, subnet, router] = await Promise.all([d.neutron.findNetwork(marker), d.neutron.findSubnet(marker), d.neutron.findRouter(marker)]);
        if (!net && !subnet && !router) break;
        // Ports first (the pods' ports; Neutron removes its own DHCP port), then the router, then subnet and network.
        if (net) await d.neutron.deleteWorkloadPorts(net.id);
        if (router) {
          if (subnet) await d.neutron.removeRouterInterface(router.id, subnet.id);
          await d.neutron.deleteRouter(router.id);
        }
        if (subnet) await d.neutron.deleteSubnet(subnet.id);
        if (net) await d.neutron.deleteNetwork(net.id);
      }
    } catch (e) {
      // Deletion is never given up: an outage is retried soon, a refusal (e.g. a port someone else put on the
      // network) is retried slowly with the reason in the status.
      if (e instanceof NeutronUnavailableError || e instanceof TerminalError) {
        await d.kube.writeStatus(n, { ...(n.status ?? {}), state: 'Terminating', message: `${e.message} (retrying the deletion)` }).catch(() => undefined);
        return { requeueAfterMs: e instanceof TerminalError ? 30_000 : NEUTRON_RETRY_MS };
      }
      throw e;
    }
  }
  // Read again: the Terminating status write above changed the resourceVersion the finalizer patch is guarded by.
  await d.kube.removeFinalizer((await d.kube.getNetwork(n.metadata.namespace ?? '', n.metadata.name ?? '')) ?? n);
  d.kube.event(n, 'Normal', REASONS.Deleted, adoptedNetworkID(n.spec) ? 'adopted Neutron network left in place' : 'Neutron router, subnet and network deleted');
  return {};
}
