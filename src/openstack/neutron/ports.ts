import type { ServiceClient } from '../core/service-client.js';
import { bulkCreate, resource, type Resource, type StandardAttrs, type TagFilter } from './common.js';

/** One address of a port. */
export interface FixedIp { subnet_id: string; ip_address: string }
/** An extra address the port may send from (port security). */
export interface AllowedAddressPair { ip_address: string; mac_address?: string }

/** Neutron port, wire format. */
export interface Port extends StandardAttrs {
  id: string;
  name: string;
  network_id: string;
  project_id: string;
  mac_address: string;
  fixed_ips: FixedIp[];
  /** ACTIVE, DOWN, BUILD, ERROR or N/A. */
  status: string;
  admin_state_up: boolean;
  device_id: string;
  device_owner: string;
  security_groups: string[];
  'binding:host_id': string;
  'binding:vif_type': string;
  'binding:vif_details': Record<string, unknown>;
  'binding:vnic_type': string;
  'binding:profile': Record<string, unknown>;
  port_security_enabled: boolean;
  allowed_address_pairs?: AllowedAddressPair[];
}

/** A requested address: a subnet (any free address), an address, or both. */
export type FixedIpRequest = { subnet_id: string; ip_address?: string } | { subnet_id?: string; ip_address: string };

/** Body of PUT /ports/{id}; only the given fields change. */
export interface UpdatePortOpts {
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  fixed_ips?: FixedIpRequest[];
  device_id?: string;
  device_owner?: string;
  security_groups?: string[];
  'binding:host_id'?: string;
  'binding:vnic_type'?: string;
  'binding:profile'?: Record<string, unknown>;
  port_security_enabled?: boolean;
  allowed_address_pairs?: AllowedAddressPair[];
}

/** Body of POST /ports. */
export interface CreatePortOpts extends UpdatePortOpts {
  network_id: string;
  /** Admin only: create on behalf of another project. */
  project_id?: string;
  mac_address?: string;
  tags?: string[];
}

/** A `fixed_ips` filter term; Neutron takes `fixed_ips=subnet_id=...` / `ip_address=...` / `ip_address_substr=...`. */
export type FixedIpFilter = { subnet_id?: string; ip_address?: string; ip_address_substr?: string };

/** Query of GET /ports; arrays repeat the key (any of). */
export type PortFilter = TagFilter & {
  id?: string | readonly string[];
  name?: string;
  description?: string;
  network_id?: string | readonly string[];
  device_id?: string | readonly string[];
  device_owner?: string | readonly string[];
  project_id?: string | readonly string[];
  'binding:host_id'?: string;
  status?: string;
  mac_address?: string;
  /** Every term must match (Neutron ANDs the keys). */
  fixed_ips?: FixedIpFilter | readonly FixedIpFilter[];
};

type PortQuery = Omit<PortFilter, 'fixed_ips'> & { fixed_ips?: readonly string[] };

/** The Neutron query form of a fixed_ips filter (`subnet_id=...`). Pure. */
export function fixedIpsQuery(f: FixedIpFilter | readonly FixedIpFilter[]): string[] {
  const terms: readonly FixedIpFilter[] = Array.isArray(f) ? f : [f as FixedIpFilter];
  return terms.flatMap((t) => Object.entries(t).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${String(v)}`));
}

function toQuery(f: PortFilter | undefined): PortQuery | undefined {
  if (!f?.fixed_ips) return f as PortQuery | undefined;
  const { fixed_ips, ...rest } = f;
  const terms = fixedIpsQuery(fixed_ips);
  // No terms means no constraint; an empty array would otherwise read as "matches nothing".
  return terms.length > 0 ? { ...rest, fixed_ips: terms } : rest;
}

const base = resource<Port, CreatePortOpts, UpdatePortOpts, PortQuery>('/ports', 'port', 'ports');

/** /v2.0/ports plus bulk create. */
export interface Ports extends Resource<Port, CreatePortOpts, UpdatePortOpts, PortFilter> {
  /** POST /ports with `{ports: [...]}`: the created ports in request order. Not idempotent. Rejects with OpenStackError. */
  createBulk(c: ServiceClient, opts: readonly CreatePortOpts[]): Promise<Port[]>;
}

/** /v2.0/ports. Rejects with OpenStackError; get resolves undefined on 404; delete is idempotent. */
export const ports: Ports = {
  ...base,
  list: (c, filter) => base.list(c, toQuery(filter)),
  createBulk: (c, opts) => bulkCreate<Port, CreatePortOpts>(c, '/ports', 'ports', opts),
};
