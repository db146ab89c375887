import { resource, type StandardAttrs, type TagFilter } from './common.js';

/** An inclusive range of addresses Neutron hands out. */
export interface AllocationPool { start: string; end: string }
/** A static route pushed to instances by DHCP. */
export interface HostRoute { destination: string; nexthop: string }

/** Neutron subnet, wire format. */
export interface Subnet extends StandardAttrs {
  id: string;
  name: string;
  network_id: string;
  project_id: string;
  cidr: string;
  ip_version: 4 | 6;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  dns_nameservers: string[];
  allocation_pools: AllocationPool[];
  host_routes: HostRoute[];
  subnetpool_id?: string | null;
  ipv6_ra_mode?: string | null;
  ipv6_address_mode?: string | null;
}

/** Body of POST /subnets. */
export interface CreateSubnetOpts {
  network_id: string;
  ip_version: 4 | 6;
  /** Required unless subnetpool_id is given. */
  cidr?: string;
  name?: string;
  /** Admin only: create on behalf of another project. */
  project_id?: string;
  /** null: no gateway; absent: the first address of the CIDR. */
  gateway_ip?: string | null;
  enable_dhcp?: boolean;
  dns_nameservers?: string[];
  allocation_pools?: AllocationPool[];
  host_routes?: HostRoute[];
  subnetpool_id?: string;
  prefixlen?: number;
  ipv6_ra_mode?: string;
  ipv6_address_mode?: string;
  description?: string;
  tags?: string[];
}

/** Body of PUT /subnets/{id}; only the given fields change. */
export interface UpdateSubnetOpts {
  name?: string;
  gateway_ip?: string | null;
  dns_nameservers?: string[];
  enable_dhcp?: boolean;
  allocation_pools?: AllocationPool[];
  host_routes?: HostRoute[];
  description?: string;
}

/** Query of GET /subnets; arrays repeat the key (any of). */
export type SubnetFilter = TagFilter & {
  id?: string | readonly string[];
  name?: string | readonly string[];
  network_id?: string | readonly string[];
  project_id?: string | readonly string[];
  cidr?: string;
  ip_version?: 4 | 6;
  subnetpool_id?: string;
  description?: string;
};

/** /v2.0/subnets. Rejects with OpenStackError; get resolves undefined on 404; delete is idempotent (409 while ports use it). */
export const subnets = resource<Subnet, CreateSubnetOpts, UpdateSubnetOpts, SubnetFilter>('/subnets', 'subnet', 'subnets');
