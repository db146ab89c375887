import { TerminalError } from '../../lib/errors.js';
import { systemClock } from '../../lib/clock.js';
import { TtlCache } from '../../lib/ttl-cache.js';
import type { ServiceClient } from '../../openstack/core/service-client.js';
import { OpenStackError } from '../../openstack/core/errors.js';
import { domains } from '../../openstack/keystone/domains.js';
import { projects } from '../../openstack/keystone/projects.js';
import { users } from '../../openstack/keystone/users.js';
import { groups } from '../../openstack/keystone/groups.js';
import { grantRole, roles } from '../../openstack/keystone/roles.js';
import type { TenantKeystone } from './ports.js';

const UUIDISH = /^[0-9a-f]{32}$/;

/** TenantKeystone over the Keystone v3 API, with a service client holding admin rights. */
export function keystoneAdapter(identity: ServiceClient): TenantKeystone {
  const roleIds = new Map<string, string>();
  const roleId = async (name: string): Promise<string> => {
    const hit = roleIds.get(name);
    if (hit) return hit;
    const r = (await roles.list(identity, { name }))[0];
    if (!r) throw new TerminalError('STACKUBE_ERR_KEYSTONE_ROLE', `Keystone has no role "${name}"`);
    roleIds.set(name, r.id);
    return r.id;
  };
  // Domains almost never change; every reconcile asked Keystone again (measured: the most frequent call).
  const domainIds = new TtlCache<string, string>(systemClock, 1000);
  const resolveDomain = async (nameOrId: string): Promise<string | undefined> => {
    const hit = domainIds.get(nameOrId);
    if (hit) return hit;
    let id: string | undefined;
    if (UUIDISH.test(nameOrId) || nameOrId === 'default') id = (await domains.get(identity, nameOrId))?.id;
    id ??= (await domains.list(identity, { name: nameOrId }))[0]?.id;
    if (id) domainIds.set(nameOrId, id, systemClock.now() + 5 * 60_000);
    return id;
  };
  return {
    resolveDomain,
    async getProject(id) {
      const p = await projects.get(identity, id);
      return p ? { id: p.id, name: p.name } : undefined;
    },
    async findProjectByTag(tag) {
      const p = (await projects.list(identity, { tags: tag }))[0];
      return p ? { id: p.id, name: p.name } : undefined;
    },
    async createProject(o) {
      try {
        const p = await projects.create(identity, { name: o.name, domain_id: o.domainId, description: o.description, tags: [o.tag] });
        return { id: p.id };
      } catch (e) {
        if (e instanceof OpenStackError && e.status === 409) {
          throw new TerminalError('STACKUBE_ERR_KEYSTONE_PROJECT_EXISTS', `a Keystone project named "${o.name}" already exists in that domain and was not created by this Tenant; set spec.projectID to adopt it`);
        }
        throw e;
      }
    },
    async deleteProject(id) {
      await projects.delete(identity, id);
    },
    async findMarkedUser(name, domainId, marker) {
      const u = (await users.list(identity, { name, domain_id: domainId })).find((x) => x.description === marker);
      return u ? { id: u.id } : undefined;
    },
    async createUser(o) {
      const u = await users.create(identity, { name: o.name, domain_id: o.domainId, password: o.password, default_project_id: o.projectId, description: o.description });
      return { id: u.id };
    },
    async deleteUser(id) {
      await users.delete(identity, id);
    },
    async grantRole(o) {
      let id = o.id;
      if (!id) {
        const domainId = await resolveDomain(o.domain ?? 'Default');
        if (!domainId) throw new TerminalError('STACKUBE_ERR_KEYSTONE_DOMAIN', `owner ${o.kind} "${o.name ?? ''}": Keystone domain "${o.domain ?? 'Default'}" does not exist`);
        const found = o.kind === 'User' ? (await users.list(identity, { name: o.name ?? '', domain_id: domainId }))[0] : (await groups.list(identity, { name: o.name ?? '', domain_id: domainId }))[0];
        if (!found) throw new TerminalError('STACKUBE_ERR_KEYSTONE_OWNER', `owner ${o.kind} "${o.name ?? ''}" does not exist in Keystone domain "${o.domain ?? 'Default'}"`);
        id = found.id;
      }
      await grantRole(identity, { projectId: o.projectId, ...(o.kind === 'User' ? { userId: id } : { groupId: id }) }, await roleId(o.role));
    },
  };
}
