import { TerminalError, describeError } from '../../lib/errors.js';
import { OpenStackError } from '../../openstack/core/errors.js';
import type { ServiceClient } from '../../openstack/core/service-client.js';
import { networks, type Network as WireNetwork } from '../../openstack/neutron/networks.js';
import { subnets, type Subnet as WireSubnet } from '../../openstack/neutron/subnets.js';
import { addInterface, removeInterface, routers, setGateway, clearGateway, type Router as WireRouter } from '../../openstack/neutron/routers.js';
import { ports } from '../../openstack/neutron/ports.js';
import { NeutronUnavailableError, type NetworkNeutron, type NeutronNet, type NeutronRouter, type NeutronSubnet } from './ports.js';

/** Device owners of ports Neutron manages itself (router interfaces and gateways, DHCP, floating IPs…). */
const NEUTRON_OWNED = /^network:/;

/**
 * Maps an OpenStackError to what the reconcilers act on: Neutron unreachable, overloaded or refusing our
 * credentials → NeutronUnavailableError (retried soon); a refusal of the request itself (400, 403, 409) →
 * TerminalError with Neutron's message; anything else is rethrown. Exported for the tenant controller's adapter.
 */
export function classifyNeutronError(e: unknown): unknown {
  if (!(e instanceof OpenStackError)) return e;
  if (e.status === 0 || e.status >= 500 || e.status === 401) return new NeutronUnavailableError(`Neutron unavailable: ${describeError(e)}`, e);
  if (e.status === 400 || e.status === 403 || e.status === 409) return new TerminalError('STACKUBE_ERR_NEUTRON_REFUSED', `Neutron refused: ${e.message}`, { cause: e });
  return e;
}

/** Runs one Neutron operation with classifyNeutronError applied to its failure. */
export async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw classifyNeutronError(e);
  }
}

const net = (n: WireNetwork): NeutronNet => ({ id: n.id, name: n.name, projectId: n.project_id, shared: n.shared, external: n['router:external'] });
const sub = (s: WireSubnet): NeutronSubnet => ({ id: s.id, networkId: s.network_id, cidr: s.cidr, ipVersion: s.ip_version, gateway_ip: s.gateway_ip, dns_nameservers: s.dns_nameservers });
const rtr = (r: WireRouter): NeutronRouter => ({ id: r.id, externalNetworkId: r.external_gateway_info?.network_id ?? undefined });

/**
 * NetworkNeutron over the Neutron API (an admin-scoped client: resources are created on behalf of the tenant's
 * project). `external` names the external network (name or id); "" picks the only external network there is.
 */
export function networkNeutronAdapter(c: ServiceClient, o: { external: string }): NetworkNeutron {
  let externalId: Promise<string | undefined> | undefined;
  const resolveExternal = async (): Promise<string | undefined> => {
    const all = await networks.list(c, { 'router:external': true });
    if (o.external === '') {
      if (all.length > 1) throw new TerminalError('STACKUBE_ERR_CONFIG_INVALID', `Neutron has ${all.length} external networks (${all.map((n) => n.name).join(', ')}): set the controller's externalNetwork option`);
      return all[0]?.id;
    }
    const hit = all.find((n) => n.id === o.external) ?? all.find((n) => n.name === o.external);
    if (!hit) throw new TerminalError('STACKUBE_ERR_CONFIG_INVALID', `external network "${o.external}" (controller option externalNetwork) is not an external Neutron network`);
    return hit.id;
  };
  const first = async <T>(list: Promise<T[]>): Promise<T | undefined> => (await list)[0];
  return {
    externalNetworkId: () => guarded(async () => {
      externalId ??= resolveExternal();
      try {
        const id = await externalId;
        // Only a found network is cached: the operator may create one later (routers then get their gateway).
        if (id === undefined) externalId = undefined;
        return id;
      } catch (e) {
        externalId = undefined; // not cached either: Neutron may come back
        throw e;
      }
    }),
    getNetwork: (id) => guarded(async () => { const n = await networks.get(c, id); return n && net(n); }),
    findNetwork: (marker) => guarded(async () => { const n = await first(networks.list(c, { description: marker })); return n && net(n); }),
    findSubnet: (marker) => guarded(async () => { const s = await first(subnets.list(c, { description: marker })); return s && sub(s); }),
    findRouter: (marker) => guarded(async () => { const r = await first(routers.list(c, { description: marker })); return r && rtr(r); }),
    createNetwork: (x) => guarded(async () => net(await networks.create(c, { name: x.name, project_id: x.projectId, description: x.marker }))),
    createSubnet: (x) => guarded(async () => sub(await subnets.create(c, {
      name: x.name, project_id: x.projectId, network_id: x.networkId, ip_version: 4, cidr: x.cidr, description: x.marker,
      // Pods get their address from their port through the CNI, not from DHCP: no dnsmasq per tenant network.
      enable_dhcp: false, dns_nameservers: x.dnsNameservers, ...(x.gateway ? { gateway_ip: x.gateway } : {}),
    }))),
    createRouter: (x) => guarded(async () => rtr(await routers.create(c, {
      name: x.name, project_id: x.projectId, description: x.marker,
      ...(x.externalNetworkId ? { external_gateway_info: { network_id: x.externalNetworkId } } : {}),
    }))),
    listSubnets: (networkId) => guarded(async () => (await subnets.list(c, { network_id: networkId })).map(sub)),
    updateSubnet: (id, changes) => guarded(async () => { await subnets.update(c, id, changes); }),
    setRouterGateway: (routerId, ext) => guarded(async () => { await setGateway(c, routerId, { network_id: ext }); }),
    routerSubnets: (routerId) => guarded(async () => {
      const ifaces = await ports.list(c, { device_id: routerId, device_owner: 'network:router_interface' });
      return ifaces.flatMap((p) => p.fixed_ips.map((f) => f.subnet_id));
    }),
    addRouterInterface: (routerId, subnetId) => guarded(async () => {
      try {
        await addInterface(c, routerId, { subnet_id: subnetId });
      } catch (e) {
        // Attached already (e.g. by a reconcile that crashed, or whose call timed out, before recording it): Neutron
        // answers 400 "already has a port", or 409 "IP address <gateway> already allocated" while that attach is still running.
        if (e instanceof OpenStackError && (e.status === 400 || e.status === 409) && /already has a port|overlaps with|already allocated/i.test(e.message)) {
          const ifaces = await ports.list(c, { device_id: routerId, device_owner: 'network:router_interface' });
          if (ifaces.some((p) => p.fixed_ips.some((f) => f.subnet_id === subnetId))) return;
        }
        throw e;
      }
    }),
    routerOnSubnet: (subnetId) => guarded(async () => {
      const ifaces = await ports.list(c, { device_owner: 'network:router_interface', fixed_ips: { subnet_id: subnetId } });
      return ifaces[0]?.device_id;
    }),
    deleteWorkloadPorts: (networkId) => guarded(async () => {
      const mine = (await ports.list(c, { network_id: networkId })).filter((p) => !NEUTRON_OWNED.test(p.device_owner));
      await Promise.all(mine.map((p) => ports.delete(c, p.id)));
      return mine.length;
    }),
    removeRouterInterface: (routerId, subnetId) => guarded(() => removeInterface(c, routerId, { subnet_id: subnetId })),
    deleteRouter: (id) => guarded(async () => {
      await clearGateway(c, id);
      await routers.delete(c, id);
    }),
    deleteSubnet: (id) => guarded(() => subnets.delete(c, id)),
    deleteNetwork: (id) => guarded(() => networks.delete(c, id)),
  };
}
