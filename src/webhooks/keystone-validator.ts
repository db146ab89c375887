import type { Clock } from '../lib/clock.js';
import { TtlCache } from '../lib/ttl-cache.js';
import type { OpenStackClient } from '../openstack/core/client.js';
import { validateToken } from '../openstack/keystone/tokens.js';
import { listUserGroups } from '../openstack/keystone/groups.js';
import type { TokenValidator, ValidatedToken } from './authenticator.js';

/**
 * TokenValidator over Keystone v3: GET /v3/auth/tokens?nocatalog with the webhook's service token, then
 * the user's groups (federated tokens carry them; others are looked up with the user's own token, which
 * Keystone's identity:list_groups_for_user allows for oneself, and cached per user for groupsTtlMs).
 * Rejects when Keystone cannot answer or refuses the group lookup (as k8s-keystone-auth does).
 */
export function keystoneTokenValidator(os: OpenStackClient, clock: Clock, groupsTtlMs = 30_000): TokenValidator {
  const identity = os.service('identity');
  const groupCache = new TtlCache<string, string[]>(clock, 10_000);
  async function groupsOf(userId: string, token: string, federated: string[] | undefined): Promise<string[]> {
    if (federated) return federated;
    const hit = groupCache.get(userId);
    if (hit) return hit;
    const names = (await listUserGroups(os.serviceAs('identity', token), userId)).map((g) => g.name);
    groupCache.set(userId, names, clock.now() + groupsTtlMs);
    return names;
  }
  return {
    async validate(token: string): Promise<ValidatedToken | undefined> {
      const body = await validateToken(identity, token);
      if (!body) return undefined;
      const t = body.token;
      const fed = (t.user as { 'OS-FEDERATION'?: { groups?: { id: string; name?: string }[] } })['OS-FEDERATION']?.groups;
      const groupNames = await groupsOf(t.user.id, token, fed?.map((g) => g.name ?? g.id));
      return {
        user: t.user,
        project: t.project,
        roles: (t.roles ?? []).map((r) => r.name),
        groupNames,
        expiresAt: Date.parse(t.expires_at),
      };
    },
  };
}
