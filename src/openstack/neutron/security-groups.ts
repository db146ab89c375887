import { OpenStackError } from '../core/errors.js';
import { listAll, type ServiceClient } from '../core/service-client.js';
import { bulkCreate, callFor, itemPath, matchesNothing, neutronCall, orUndefined, resource, v2, type StandardAttrs, type TagFilter } from './common.js';

/** Traffic direction as seen from the port. */
export type Direction = 'ingress' | 'egress';
/** Address family of a rule. */
export type EtherType = 'IPv4' | 'IPv6';

/** Neutron security group rule, wire format (rules carry no tags). */
export interface SecurityGroupRule {
  id: string;
  security_group_id: string;
  direction: Direction;
  ethertype: EtherType;
  /** tcp, udp, icmp, ipv6-icmp, a protocol number as a string, or null for any. */
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  remote_address_group_id?: string | null;
  description: string;
  project_id: string;
  created_at?: string;
  updated_at?: string;
  revision_number?: number;
}

/** Neutron security group, wire format. */
export interface SecurityGroup extends StandardAttrs {
  id: string;
  name: string;
  project_id: string;
  security_group_rules: SecurityGroupRule[];
  stateful?: boolean;
}

/** Body of PUT /security-groups/{id}; only the given fields change. */
export interface UpdateSecurityGroupOpts { name?: string; description?: string; stateful?: boolean }
/** Body of POST /security-groups. */
export interface CreateSecurityGroupOpts extends UpdateSecurityGroupOpts {
  /** Admin only: create on behalf of another project. */
  project_id?: string;
  tags?: string[];
}

/** Query of GET /security-groups; arrays repeat the key (any of). */
export type SecurityGroupFilter = TagFilter & {
  id?: string | readonly string[];
  name?: string | readonly string[];
  project_id?: string | readonly string[];
  description?: string;
};

/**
 * /v2.0/security-groups. Neutron adds default egress rules to every new group. Rejects with OpenStackError;
 * get resolves undefined on 404; delete is idempotent (409 while ports use the group).
 */
export const securityGroups = resource<SecurityGroup, CreateSecurityGroupOpts, UpdateSecurityGroupOpts, SecurityGroupFilter>(
  '/security-groups', 'security_group', 'security_groups');

/** Body of POST /security-group-rules; ethertype defaults to IPv4, protocol to any. */
export interface CreateSecurityGroupRuleOpts {
  security_group_id: string;
  direction: Direction;
  ethertype?: EtherType;
  protocol?: string | null;
  port_range_min?: number | null;
  port_range_max?: number | null;
  remote_ip_prefix?: string | null;
  remote_group_id?: string | null;
  remote_address_group_id?: string | null;
  description?: string;
  /** Admin only: create on behalf of another project. */
  project_id?: string;
}

/** Query of GET /security-group-rules; arrays repeat the key (any of). */
export type SecurityGroupRuleFilter = {
  id?: string | readonly string[];
  security_group_id?: string | readonly string[];
  project_id?: string | readonly string[];
  direction?: Direction;
  ethertype?: EtherType;
  protocol?: string;
  port_range_min?: number;
  port_range_max?: number;
  remote_ip_prefix?: string;
  remote_group_id?: string;
  description?: string;
};

const RULES = '/security-group-rules';

/** The id of the existing rule named by a 409 SecurityGroupRuleExists ("... Rule id is <uuid>."), if e is one. Pure. */
export function existingRuleId(e: unknown): string | undefined {
  if (!(e instanceof OpenStackError) || e.status !== 409) return undefined;
  return /Rule id is ([0-9a-fA-F-]{32,36})/.exec(e.message)?.[1];
}

async function list(c: ServiceClient, filter?: SecurityGroupRuleFilter): Promise<SecurityGroupRule[]> {
  if (matchesNothing(filter)) return [];
  return listAll<SecurityGroupRule>(v2(c), RULES, 'security_group_rules', filter);
}

function get(c: ServiceClient, id: string): Promise<SecurityGroupRule | undefined> {
  return orUndefined(() => callFor<SecurityGroupRule>(c, 'GET', itemPath(RULES, id), 'security_group_rule'));
}

async function create(c: ServiceClient, opts: CreateSecurityGroupRuleOpts): Promise<SecurityGroupRule> {
  try {
    return await callFor<SecurityGroupRule>(c, 'POST', RULES, 'security_group_rule', { security_group_rule: opts });
  } catch (e) {
    const id = existingRuleId(e);
    const existing = id === undefined ? undefined : await get(c, id);
    // A rule deleted between the 409 and our GET leaves nothing to return: report the original conflict.
    if (!existing) throw e;
    return existing;
  }
}

async function createBulk(c: ServiceClient, opts: readonly CreateSecurityGroupRuleOpts[]): Promise<SecurityGroupRule[]> {
  try {
    return await bulkCreate<SecurityGroupRule, CreateSecurityGroupRuleOpts>(c, RULES, 'security_group_rules', opts);
  } catch (e) {
    if (existingRuleId(e) === undefined) throw e;
    // Neutron creates a bulk in one transaction, so nothing was created: redo it one rule at a time, idempotently.
    const out: SecurityGroupRule[] = [];
    for (const o of opts) out.push(await create(c, o));
    return out;
  }
}

async function remove(c: ServiceClient, id: string): Promise<void> {
  await orUndefined(() => neutronCall(c, 'DELETE', itemPath(RULES, id)));
}

/** /v2.0/security-group-rules. Neutron has no rule update: change a rule by deleting and creating. */
export const securityGroupRules = {
  path: RULES,
  /** Every page. An empty array in a filter matches nothing. Rejects with OpenStackError. */
  list,
  /** Resolves undefined when the rule does not exist. Rejects with OpenStackError otherwise. */
  get,
  /** Idempotent: an identical existing rule (409 SecurityGroupRuleExists) is returned instead. Rejects with OpenStackError. */
  create,
  /**
   * POST `{security_group_rules: [...]}`: the rules in request order. Idempotent: if one already exists, falls back to
   * create() per rule. Rejects with OpenStackError (400 DuplicateSecurityGroupRuleInPost for duplicates within opts).
   */
  createBulk,
  /** Idempotent: a missing rule counts as deleted. Rejects with OpenStackError. */
  delete: remove,
} as const;
