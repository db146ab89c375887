import type { ServiceClient } from '../core/service-client.js';
import { callFor, itemPath, neutronCall, orUndefined } from './common.js';

/** Neutron's per-project limits; -1 means unlimited. Extensions may add resources (e.g. rbac_policy, trunk). */
export interface Quota {
  network: number;
  subnet: number;
  port: number;
  router: number;
  floatingip: number;
  security_group: number;
  security_group_rule: number;
  subnetpool?: number;
  rbac_policy?: number;
  [resource: string]: number | undefined;
}

/** One resource's quota with usage (quota_details extension). */
export interface QuotaDetail { limit: number; used: number; reserved: number }

function path(projectId: string): string {
  return itemPath('/quotas', projectId);
}

/** The effective quota of a project (defaults when none was set). Rejects with OpenStackError. */
async function get(c: ServiceClient, projectId: string): Promise<Quota> {
  return callFor<Quota>(c, 'GET', path(projectId), 'quota');
}

/** Sets the given limits only (PUT /quotas/{id} with `{quota: {...}}`); resolves the full quota. Idempotent. Rejects with OpenStackError. */
async function update(c: ServiceClient, projectId: string, limits: Partial<Quota>): Promise<Quota> {
  return callFor<Quota>(c, 'PUT', path(projectId), 'quota', { quota: limits });
}

/** Returns a project to the default quotas (DELETE /quotas/{id}). Idempotent: 404 counts as reset. Rejects with OpenStackError. */
async function reset(c: ServiceClient, projectId: string): Promise<void> {
  await orUndefined(() => neutronCall(c, 'DELETE', path(projectId)));
}

/** Limits with usage (GET /quotas/{id}/details.json, quota_details extension). Rejects with OpenStackError. */
async function details(c: ServiceClient, projectId: string): Promise<Record<string, QuotaDetail>> {
  return callFor<Record<string, QuotaDetail>>(c, 'GET', `${path(projectId)}/details.json`, 'quota');
}

/** /v2.0/quotas (admin only, except a project reading its own). */
export const quotas = { get, update, reset, details } as const;
