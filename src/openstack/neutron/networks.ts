import { resource, type StandardAttrs, type TagFilter } from './common.js';

/** Neutron network, wire format. */
export interface Network extends StandardAttrs {
  id: string;
  name: string;
  project_id: string;
  tenant_id: string;
  /** ACTIVE, DOWN, BUILD or ERROR. */
  status: string;
  admin_state_up: boolean;
  shared: boolean;
  'router:external': boolean;
  mtu: number;
  /** IDs of the network's subnets. */
  subnets: string[];
  'provider:network_type'?: string;
  'provider:physical_network'?: string | null;
  'provider:segmentation_id'?: number | null;
  port_security_enabled?: boolean;
}

/** Provider attributes (admin only). */
export interface ProviderAttrs {
  'provider:network_type'?: string;
  'provider:physical_network'?: string;
  'provider:segmentation_id'?: number;
}

/** Body of POST /networks. Whether Neutron honours `tags` here depends on its extensions; setTags always works. */
export interface CreateNetworkOpts extends ProviderAttrs {
  name?: string;
  /** Admin only: create on behalf of another project. */
  project_id?: string;
  description?: string;
  admin_state_up?: boolean;
  shared?: boolean;
  'router:external'?: boolean;
  mtu?: number;
  port_security_enabled?: boolean;
  tags?: string[];
}

/** Body of PUT /networks/{id}; only the given fields change. */
export interface UpdateNetworkOpts {
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  shared?: boolean;
  'router:external'?: boolean;
  mtu?: number;
  port_security_enabled?: boolean;
}

/** Query of GET /networks; arrays repeat the key (any of). */
export type NetworkFilter = TagFilter & {
  id?: string | readonly string[];
  name?: string | readonly string[];
  project_id?: string | readonly string[];
  description?: string;
  shared?: boolean;
  'router:external'?: boolean;
  status?: string;
};

/** /v2.0/networks. Rejects with OpenStackError; get resolves undefined on 404; delete is idempotent (409 while ports remain). */
export const networks = resource<Network, CreateNetworkOpts, UpdateNetworkOpts, NetworkFilter>('/networks', 'network', 'networks');
