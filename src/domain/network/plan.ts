// Pure decisions of the Network controller: Neutron names and markers, spec validation, CIDR overlap inside a
// tenant, subnet updates, the tenant security group's rules and Neutron quotas. Data in, plans out; no I/O.
import { adoptedNetworkID, type NetworkSpec } from '../../api/network.js';
import type { TenantNetworkQuota } from '../../api/tenant.js';
import { cidrContains, cidrSize, cidrsOverlap, formatIpv4, parseIpv4, parseIpv4Cidr } from '../../lib/ipv4.js';

/** The original Stackube's Neutron name of a Network's network, subnet and router: `kube-<namespace>-<name>`. */
export function neutronName(namespace: string, name: string): string {
  return `kube-${namespace}-${name}`;
}

/**
 * The description that marks a Neutron network, subnet or router as created for the Network with this uid. It is
 * written in the same call that creates the resource (Zed's POST refuses `tags`), so a crash can never leave an
 * unmarked resource behind, and it is an exact-match list filter, so the controller finds its resources again.
 */
export function networkMarker(networkUid: string): string {
  return `stackube:network:${networkUid}`;
}

/** The description marking the security group Stackube created for the Tenant with this uid. */
export function tenantSecurityGroupMarker(tenantUid: string): string {
  return `stackube:tenant:${tenantUid}`;
}

/** Name of a tenant's security group in Neutron. */
export function tenantSecurityGroupName(tenant: string): string {
  return `stackube-tenant-${tenant}`;
}

/** The first host address of a CIDR: Neutron's and the original Stackube's default gateway. Pure. */
export function defaultGateway(cidr: string): string | undefined {
  const c = parseIpv4Cidr(cidr);
  return c ? formatIpv4(c.address + 1) : undefined;
}

/**
 * Problems the schema may not have caught (an object stored before the CRD had CEL rules, or a CRD installed
 * without them): an invalid CIDR, a gateway outside it or on its network/broadcast address, bad nameservers,
 * neither cidr nor networkID. Undefined when the spec is usable. Pure.
 */
export function validateNetworkSpec(spec: NetworkSpec): string | undefined {
  const cidrText = spec.cidr ?? '';
  if (cidrText === '' && !adoptedNetworkID(spec)) return 'set spec.cidr, or spec.networkID to adopt an existing Neutron network';
  if (cidrText !== '') {
    const cidr = parseIpv4Cidr(cidrText);
    if (!cidr) return `spec.cidr "${cidrText}" is not an IPv4 network address in CIDR notation (e.g. 10.244.0.0/16)`;
    if (cidr.prefix > 30) return `spec.cidr ${cidrText} leaves no room for a gateway and an address (the prefix length is at most 30)`;
    const gw = spec.gateway ?? '';
    if (gw !== '') {
      const ip = parseIpv4(gw);
      if (ip === undefined) return `spec.gateway "${gw}" is not an IPv4 address`;
      if (!cidrContains(cidr, ip)) return `spec.gateway ${gw} is outside spec.cidr ${cidrText}`;
      if (ip === cidr.address || ip === cidr.address + cidrSize(cidr) - 1) return `spec.gateway ${gw} is the network or broadcast address of ${cidrText}`;
    }
  }
  for (const ns of spec.dnsNameservers ?? []) if (parseIpv4(ns) === undefined) return `spec.dnsNameservers: "${ns}" is not an IPv4 address`;
  return undefined;
}

/** What the overlap check needs to know about a Network. */
export interface NetworkRef {
  namespace: string;
  name: string;
  cidr: string;
  /** RFC 3339 creation time: the older of two overlapping Networks keeps its range. */
  creationTimestamp: string;
  deleting: boolean;
}

/**
 * The Network of the same tenant whose range overlaps `self` and that was there first (older, then by
 * namespace/name), or undefined. Networks being deleted do not count, so a replacement can be created at once.
 * Overlaps across tenants are fine: each tenant has its own Neutron networks and router. Pure.
 */
export function findOverlap(self: NetworkRef, others: readonly NetworkRef[]): NetworkRef | undefined {
  const mine = parseIpv4Cidr(self.cidr);
  if (!mine) return undefined;
  const order = (n: NetworkRef): string => `${n.creationTimestamp}\u0000${n.namespace}/${n.name}`;
  return others
    .filter((o) => !(o.namespace === self.namespace && o.name === self.name) && !o.deleting)
    .filter((o) => { const c = parseIpv4Cidr(o.cidr); return c !== undefined && cidrsOverlap(mine, c); })
    .filter((o) => order(o) < order(self))
    .sort((a, b) => order(a).localeCompare(order(b)))[0];
}

/** The updatable subnet fields as Neutron reports them. */
export interface SubnetState {
  gateway_ip: string | null;
  dns_nameservers: string[];
}

/**
 * The subnet update a spec asks for (gateway, nameservers), or undefined when the subnet already matches. An
 * unset gateway leaves Neutron's as is. The CIDR never changes here: Neutron cannot change a subnet's range, and
 * the schema refuses such edits. Pure.
 */
export function subnetUpdate(spec: NetworkSpec, subnet: SubnetState): Partial<SubnetState> | undefined {
  const out: Partial<SubnetState> = {};
  const gw = spec.gateway ?? '';
  if (gw !== '' && subnet.gateway_ip !== gw) out.gateway_ip = gw;
  const dns = spec.dnsNameservers ?? [];
  if (dns.join(',') !== subnet.dns_nameservers.join(',')) out.dns_nameservers = [...dns];
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A security group rule as the plan describes it (the Neutron wire fields that matter for equality). */
export interface RuleSpec {
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
}

/**
 * The tenant security group's rules: ingress only from ports in the same group (the tenant's pods), IPv4 and
 * IPv6; egress anywhere (Neutron's defaults for a new group), so pods reach their gateway and, through the
 * router, the outside. There is never an ingress rule open to every address. Pure.
 */
export function tenantSecurityGroupRules(groupId: string): RuleSpec[] {
  const any = { protocol: null, port_range_min: null, port_range_max: null } as const;
  return (['IPv4', 'IPv6'] as const).flatMap((ethertype) => [
    { direction: 'ingress' as const, ethertype, ...any, remote_ip_prefix: null, remote_group_id: groupId },
    { direction: 'egress' as const, ethertype, ...any, remote_ip_prefix: null, remote_group_id: null },
  ]);
}

/** Whether two rules are the same rule (Neutron normalises "0.0.0.0/0" to null only sometimes, so both count). Pure. */
export function sameRule(a: RuleSpec, b: RuleSpec): boolean {
  const prefix = (r: RuleSpec): string | null => (r.remote_ip_prefix === '0.0.0.0/0' || r.remote_ip_prefix === '::/0' ? null : r.remote_ip_prefix);
  return a.direction === b.direction && a.ethertype === b.ethertype && (a.protocol ?? null) === (b.protocol ?? null)
    && (a.port_range_min ?? null) === (b.port_range_min ?? null) && (a.port_range_max ?? null) === (b.port_range_max ?? null)
    && prefix(a) === prefix(b) && (a.remote_group_id ?? null) === (b.remote_group_id ?? null);
}

/** Whether a rule lets any address in (an ingress rule with neither a remote group nor a narrower prefix). Pure. */
export function isAllowAllIngress(r: RuleSpec): boolean {
  if (r.direction !== 'ingress' || r.remote_group_id) return false;
  return r.remote_ip_prefix === null || r.remote_ip_prefix === '0.0.0.0/0' || r.remote_ip_prefix === '::/0';
}

/** Rules to create and rule ids to delete so that a group holds exactly `want`. Pure. */
export function ruleChanges(want: readonly RuleSpec[], have: readonly (RuleSpec & { id: string })[]): { create: RuleSpec[]; remove: string[] } {
  return {
    create: want.filter((w) => !have.some((h) => sameRule(w, h))),
    remove: have.filter((h) => !want.some((w) => sameRule(w, h))).map((h) => h.id),
  };
}

/** Neutron's quota keys for a Tenant's networkQuota (only the fields it sets). Pure. */
export function neutronQuota(q: TenantNetworkQuota): Record<string, number> {
  const map: [keyof TenantNetworkQuota, string][] = [
    ['networks', 'network'], ['subnets', 'subnet'], ['ports', 'port'], ['routers', 'router'],
    ['floatingIPs', 'floatingip'], ['securityGroups', 'security_group'], ['securityGroupRules', 'security_group_rule'],
  ];
  const out: Record<string, number> = {};
  for (const [k, n] of map) { const v = q[k]; if (v !== undefined) out[n] = v; }
  return out;
}
