import type { ServiceClient } from '../../openstack/core/service-client.js';
import { domains } from '../../openstack/keystone/domains.js';
import { projects, type Project } from '../../openstack/keystone/projects.js';
import type { SyncProject } from '../../domain/keystone-sync/plan.js';
import type { SyncKeystone } from './ports.js';

/** What the operator selected: Keystone domains (names or ids) and a project tag ('' = none). */
export interface SyncSelection {
  domains: readonly string[];
  tag: string;
}

const toSyncProject = (p: Project): SyncProject => ({ id: p.id, name: p.name, domainId: p.domain_id, tags: p.tags ?? [], isDomain: p.is_domain === true });

/**
 * SyncKeystone over the Keystone v3 API (read only). Domains are resolved on every pass, by id first and then by
 * name, so a domain created after the controller started is picked up.
 */
export function syncKeystoneAdapter(identity: ServiceClient, sel: SyncSelection): SyncKeystone {
  const resolveDomain = async (nameOrId: string): Promise<string | undefined> => {
    const byId = await domains.get(identity, nameOrId);
    if (byId) return byId.id;
    return (await domains.list(identity, { name: nameOrId }))[0]?.id;
  };
  return {
    async listSelected() {
      const out: SyncProject[] = [];
      const unknownDomains: string[] = [];
      for (const d of sel.domains) {
        const id = await resolveDomain(d);
        if (id === undefined) unknownDomains.push(d);
        else out.push(...(await projects.list(identity, { domain_id: id })).map(toSyncProject));
      }
      if (sel.tag !== '') out.push(...(await projects.list(identity, { tags: sel.tag })).map(toSyncProject));
      return { projects: out, unknownDomains };
    },
    async projectExists(id) {
      return (await projects.get(identity, id)) !== undefined;
    },
  };
}
