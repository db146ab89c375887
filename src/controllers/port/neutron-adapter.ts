import { POD_PORT_DEVICE_OWNER } from '../../api/vif.js';
import type { Clock } from '../../lib/clock.js';
import { TerminalError } from '../../lib/errors.js';
import { TtlCache } from '../../lib/ttl-cache.js';
import type { ServiceClient } from '../../openstack/core/service-client.js';
import { isNotFound } from '../../openstack/neutron/common.js';
import { networks } from '../../openstack/neutron/networks.js';
import { ports, type Port } from '../../openstack/neutron/ports.js';
import { subnets } from '../../openstack/neutron/subnets.js';
import { poolPortMarker, type PortFacts, type PortSpec, type SubnetFacts } from '../../domain/port/plan.js';
import { guarded } from '../network/neutron-adapter.js';
import type { PortNeutron } from './ports.js';

/** The controller's view of a wire port. Pure. */
export function portFacts(p: Port): PortFacts {
  return {
    id: p.id, networkId: p.network_id, projectId: p.project_id, mac: p.mac_address,
    fixedIps: (p.fixed_ips ?? []).map((f) => ({ subnetId: f.subnet_id, ip: f.ip_address })),
    deviceId: p.device_id ?? '', deviceOwner: p.device_owner ?? '', description: p.description ?? '',
    hostId: p['binding:host_id'] ?? '', vifType: p['binding:vif_type'] ?? '', createdAt: p.created_at,
  };
}

/** Creating on a network or subnet that is gone is not retried with backoff: the Network's state says why. */
async function creating<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isNotFound(e)) throw new TerminalError('STACKUBE_ERR_NEUTRON_REFUSED', `Neutron refused: ${(e as Error).message}`, { cause: e });
    throw e;
  }
}

/**
 * PortNeutron over the Neutron API (an admin-scoped client: ports are created on behalf of the tenant's project).
 * Networks' MTUs and subnets are cached for `cacheTtlMs` (default 30 s), since every reconcile of a pod reads them
 * and a burst of pods shares a few networks. Failures are classified by guarded().
 */
export function portNeutronAdapter(c: ServiceClient, o: { clock: Clock; cacheTtlMs?: number }): PortNeutron {
  const ttl = o.cacheTtlMs ?? 30_000;
  const mtus = new TtlCache<string, number>(o.clock, 1024);
  const subnetCache = new TtlCache<string, SubnetFacts>(o.clock, 1024);
  const owner = { device_owner: POD_PORT_DEVICE_OWNER };
  return {
    podPorts: (uid) => guarded(async () => (await ports.list(c, { ...owner, device_id: uid })).map(portFacts)),
    allPorts: () => guarded(async () => (await ports.list(c, owner)).map(portFacts)),
    poolPorts: (networkId, node, projectId) => guarded(async () => {
      const found = await ports.list(c, { ...owner, network_id: networkId, project_id: projectId, description: poolPortMarker(networkId, node) });
      return found.filter((p) => p.device_id === '').map(portFacts);
    }),
    createPort: (spec: PortSpec) => guarded(() => creating(async () => portFacts(await ports.create(c, spec)))),
    createPorts: (specs) => guarded(() => creating(async () => (await ports.createBulk(c, specs)).map(portFacts))),
    claimPort: (id, claim) => guarded(async () => {
      try {
        return portFacts(await ports.update(c, id, claim));
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    }),
    deletePort: (id) => guarded(() => ports.delete(c, id)),
    networkMtu: (id) => guarded(async () => {
      const hit = mtus.get(id);
      if (hit !== undefined) return hit;
      const n = await networks.get(c, id);
      if (n) mtus.set(id, n.mtu, o.clock.now() + ttl);
      return n?.mtu;
    }),
    subnet: (id) => guarded(async () => {
      const hit = subnetCache.get(id);
      if (hit !== undefined) return hit;
      const s = await subnets.get(c, id);
      if (!s) return undefined;
      const facts: SubnetFacts = { id: s.id, cidr: s.cidr, gatewayIp: s.gateway_ip, dnsNameservers: s.dns_nameservers ?? [] };
      subnetCache.set(id, facts, o.clock.now() + ttl);
      return facts;
    }),
  };
}
