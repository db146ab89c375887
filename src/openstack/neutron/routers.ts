import type { ServiceClient } from '../core/service-client.js';
import { callFor, itemPath, neutronCall, orUndefined, resource, type StandardAttrs, type TagFilter } from './common.js';

/** A requested address on the external network. */
export interface ExternalFixedIp { subnet_id?: string; ip_address?: string }

/** A router's gateway on an external network. */
export interface ExternalGatewayInfo {
  network_id: string;
  enable_snat?: boolean;
  external_fixed_ips?: ExternalFixedIp[];
}

/** Neutron router, wire format. */
export interface Router extends StandardAttrs {
  id: string;
  name: string;
  project_id: string;
  status: string;
  admin_state_up: boolean;
  external_gateway_info: ExternalGatewayInfo | null;
  distributed?: boolean;
  ha?: boolean;
}

/** Body of PUT /routers/{id}; only the given fields change. */
export interface UpdateRouterOpts {
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  /** `{}` clears the gateway. */
  external_gateway_info?: ExternalGatewayInfo | Record<string, never>;
}

/** Body of POST /routers. */
export interface CreateRouterOpts extends UpdateRouterOpts {
  /** Admin only: create on behalf of another project. */
  project_id?: string;
  distributed?: boolean;
  ha?: boolean;
  tags?: string[];
}

/** Query of GET /routers; arrays repeat the key (any of). */
export type RouterFilter = TagFilter & {
  id?: string | readonly string[];
  name?: string;
  project_id?: string | readonly string[];
  description?: string;
  status?: string;
};

/** /v2.0/routers. Rejects with OpenStackError; get resolves undefined on 404; delete is idempotent (409 while interfaces remain). */
export const routers = resource<Router, CreateRouterOpts, UpdateRouterOpts, RouterFilter>('/routers', 'router', 'routers');

/** Which interface: one on a subnet (Neutron makes the port, at the subnet's gateway_ip) or an existing port. */
export type RouterInterfaceRef = { subnet_id: string } | { port_id: string };

/** Neutron's answer to add/remove_router_interface. */
export interface RouterInterfaceInfo {
  id: string;
  port_id: string;
  subnet_id: string;
  subnet_ids: string[];
  network_id: string;
  project_id: string;
  tenant_id: string;
  tags?: string[];
}

/**
 * Attaches a subnet or port (PUT /routers/{id}/add_router_interface). Not idempotent: a subnet already on
 * the router rejects with 400. Rejects with OpenStackError (404 router/subnet/port missing, 409 port in use).
 */
export async function addInterface(c: ServiceClient, routerId: string, ref: RouterInterfaceRef): Promise<RouterInterfaceInfo> {
  const path = `${itemPath('/routers', routerId)}/add_router_interface`;
  // The answer is the bare interface object, not wrapped in a key.
  return callFor<RouterInterfaceInfo>(c, 'PUT', path, undefined, ref);
}

/**
 * Detaches a subnet or port (PUT /routers/{id}/remove_router_interface). Idempotent: 404 (router gone,
 * RouterInterfaceNotFound[ForSubnet], subnet or port gone) counts as removed. Rejects with OpenStackError otherwise
 * (e.g. 409 RouterInUse when a floating IP still needs the interface).
 */
export async function removeInterface(c: ServiceClient, routerId: string, ref: RouterInterfaceRef): Promise<void> {
  const path = `${itemPath('/routers', routerId)}/remove_router_interface`;
  await orUndefined(() => neutronCall(c, 'PUT', path, { body: ref }));
}

/** Sets (or replaces) the router's external gateway. Idempotent. Rejects with OpenStackError (404 when the router is missing). */
export function setGateway(c: ServiceClient, routerId: string, gw: ExternalGatewayInfo): Promise<Router> {
  return routers.update(c, routerId, { external_gateway_info: gw });
}

/** Clears the external gateway. Idempotent: resolves undefined when the router is gone. Rejects with OpenStackError otherwise. */
export function clearGateway(c: ServiceClient, routerId: string): Promise<Router | undefined> {
  return orUndefined(() => routers.update(c, routerId, { external_gateway_info: {} }));
}
