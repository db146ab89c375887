import type { ServiceClient } from '../core/service-client.js';
import { orUndefined, resource, type StandardAttrs, type TagFilter } from './common.js';

/** Neutron floating IP, wire format. */
export interface FloatingIP extends StandardAttrs {
  id: string;
  floating_ip_address: string;
  floating_network_id: string;
  router_id: string | null;
  port_id: string | null;
  fixed_ip_address: string | null;
  project_id: string;
  /** ACTIVE, DOWN or ERROR. */
  status: string;
}

/** Body of POST /floatingips. */
export interface CreateFloatingIPOpts {
  floating_network_id: string;
  /** Admin only: allocate on behalf of another project. */
  project_id?: string;
  /** Associate at once with this port. */
  port_id?: string;
  /** Which of the port's addresses, when it has several. */
  fixed_ip_address?: string;
  /** A specific external address (admin only by default policy). */
  floating_ip_address?: string;
  subnet_id?: string;
  description?: string;
  tags?: string[];
}

/** Body of PUT /floatingips/{id}; only the given fields change. */
export interface UpdateFloatingIPOpts {
  /** null disassociates. */
  port_id?: string | null;
  fixed_ip_address?: string | null;
  description?: string;
}

/** Query of GET /floatingips; arrays repeat the key (any of). */
export type FloatingIPFilter = TagFilter & {
  id?: string | readonly string[];
  floating_ip_address?: string | readonly string[];
  floating_network_id?: string;
  router_id?: string;
  port_id?: string | readonly string[];
  fixed_ip_address?: string;
  project_id?: string | readonly string[];
  status?: string;
  description?: string;
};

/** /v2.0/floatingips. Rejects with OpenStackError; get resolves undefined on 404; delete is idempotent. */
export const floatingIps = resource<FloatingIP, CreateFloatingIPOpts, UpdateFloatingIPOpts, FloatingIPFilter>('/floatingips', 'floatingip', 'floatingips');

/**
 * Points a floating IP at a port (and optionally one of its addresses). Idempotent. Rejects with OpenStackError
 * (404 missing, 409 already associated elsewhere, 400/404 when the port's network has no route to the external network).
 */
export function associate(c: ServiceClient, id: string, portId: string, fixedIpAddress?: string): Promise<FloatingIP> {
  return floatingIps.update(c, id, fixedIpAddress === undefined ? { port_id: portId } : { port_id: portId, fixed_ip_address: fixedIpAddress });
}

/** Detaches a floating IP from its port. Idempotent: resolves undefined when the floating IP is gone. Rejects with OpenStackError otherwise. */
export function disassociate(c: ServiceClient, id: string): Promise<FloatingIP | undefined> {
  return orUndefined(() => floatingIps.update(c, id, { port_id: null }));
}
