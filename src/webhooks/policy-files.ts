import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../lib/errors.js';
import { evaluateKkaPolicy, validateKkaPolicies, type KkaPolicy } from '../domain/authz/kka-policy.js';
import type { RoleMapping } from '../domain/identity/userinfo.js';
import type { PolicyEvaluator } from './authorizer.js';

function read(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ValidationError(`${what} ${path} cannot be read: ${(e as Error).message}`);
  }
  try {
    return parseYaml(text) as unknown; // YAML is a superset of JSON
  } catch (e) {
    throw new ValidationError(`${what} ${path} is not valid JSON/YAML: ${(e as Error).message.split('\n')[0] ?? ''}`);
  }
}

/**
 * Loads a k8s-keystone-auth policy: a JSON list, or the ConfigMap that holds it in `data.policies`.
 * Throws ValidationError listing every problem, so a bad policy stops the webhook at start.
 */
export function loadPolicyFile(path: string): PolicyEvaluator {
  let doc = read(path, 'policy file');
  if (doc && typeof doc === 'object' && !Array.isArray(doc) && (doc as Record<string, unknown>)['kind'] === 'ConfigMap') {
    const inner = ((doc as Record<string, unknown>)['data'] as Record<string, unknown> | undefined)?.['policies'];
    if (typeof inner !== 'string') throw new ValidationError(`policy file ${path}: ConfigMap has no data.policies`);
    try {
      doc = JSON.parse(inner) as unknown;
    } catch (e) {
      throw new ValidationError(`policy file ${path}: data.policies is not JSON: ${(e as Error).message}`);
    }
  }
  const problems = validateKkaPolicies(doc);
  if (problems.length > 0) throw new ValidationError(`policy file ${path}:\n  - ${problems.join('\n  - ')}`);
  const policies = doc as KkaPolicy[];
  return (req) => evaluateKkaPolicy(policies, req);
}

/** Loads the `role-mappings` of a k8s-keystone-auth sync config. Throws ValidationError. */
export function loadSyncConfigFile(path: string): RoleMapping[] {
  const doc = read(path, 'sync config');
  const maps = doc && typeof doc === 'object' ? (doc as Record<string, unknown>)['role-mappings'] : undefined;
  if (maps === undefined) return [];
  if (!Array.isArray(maps)) throw new ValidationError(`sync config ${path}: role-mappings must be a list`);
  return maps.map((m: unknown, i) => {
    const o = (m ?? {}) as Record<string, unknown>;
    const groups = o['groups'] ?? [];
    if (typeof o['keystone-role'] !== 'string' || !Array.isArray(groups) || !groups.every((g) => typeof g === 'string'))
      throw new ValidationError(`sync config ${path}: role-mappings[${i}] needs keystone-role (string) and groups (list of strings)`);
    return { keystoneRole: o['keystone-role'], groups: groups, username: typeof o['username'] === 'string' ? o['username'] : undefined };
  });
}
