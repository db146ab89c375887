import type { ServiceClient } from '../../openstack/core/service-client.js';
import { quotas } from '../../openstack/neutron/quotas.js';
import { securityGroupRules, securityGroups, type SecurityGroup } from '../../openstack/neutron/security-groups.js';
import { guarded } from '../network/neutron-adapter.js';
import type { TenantNeutron, TenantSecurityGroup } from './ports.js';

const group = (g: SecurityGroup): TenantSecurityGroup => ({
  id: g.id,
  rules: g.security_group_rules.map((r) => ({
    id: r.id, direction: r.direction, ethertype: r.ethertype, protocol: r.protocol, port_range_min: r.port_range_min,
    port_range_max: r.port_range_max, remote_ip_prefix: r.remote_ip_prefix, remote_group_id: r.remote_group_id,
  })),
});

/** TenantNeutron over the Neutron API (admin-scoped client); failures are classified as for Networks. */
export function tenantNeutronAdapter(c: ServiceClient): TenantNeutron {
  return {
    findSecurityGroup: (marker) => guarded(async () => { const g = (await securityGroups.list(c, { description: marker }))[0]; return g && group(g); }),
    createSecurityGroup: (o) => guarded(async () => group(await securityGroups.create(c, { name: o.name, project_id: o.projectId, description: o.marker }))),
    createRules: (groupId, projectId, rules) => guarded(async () => {
      await securityGroupRules.createBulk(c, rules.map((r) => ({
        security_group_id: groupId, project_id: projectId, direction: r.direction, ethertype: r.ethertype,
        ...(r.protocol !== null ? { protocol: r.protocol } : {}),
        ...(r.port_range_min !== null ? { port_range_min: r.port_range_min } : {}),
        ...(r.port_range_max !== null ? { port_range_max: r.port_range_max } : {}),
        ...(r.remote_ip_prefix !== null ? { remote_ip_prefix: r.remote_ip_prefix } : {}),
        ...(r.remote_group_id !== null ? { remote_group_id: r.remote_group_id } : {}),
      })));
    }),
    deleteRule: (id) => guarded(() => securityGroupRules.delete(c, id)),
    deleteSecurityGroup: (id) => guarded(() => securityGroups.delete(c, id)),
    setQuota: (projectId, quota) => guarded(async () => { await quotas.update(c, projectId, quota); }),
    resetQuota: (projectId) => guarded(() => quotas.reset(c, projectId)),
    deleteDefaultSecurityGroup: (projectId) => guarded(async () => {
      for (const g of await securityGroups.list(c, { project_id: projectId, name: 'default' })) await securityGroups.delete(c, g.id);
    }),
  };
}
