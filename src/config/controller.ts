import { ValidationError } from '../lib/errors.js';
import type { ConfigOf, Schema } from './schema.js';

/** The controllers stackube-controller can run (`--controllers`). */
export const CONTROLLER_NAMES = ['tenant', 'network', 'port', 'keystone-sync'] as const;
/** One of CONTROLLER_NAMES. */
export type ControllerName = (typeof CONTROLLER_NAMES)[number];

/** stackube-controller's options. Every option has a type, a default or `required`, and help. */
export const controllerSchema = {
  kubeconfig: { type: 'string', help: 'kubeconfig of the controller (empty = in-cluster service account)' },
  cloudsFile: { type: 'string', help: 'clouds.yaml with the Keystone credentials the controller acts with (admin rights on tenant projects)' },
  cloud: { type: 'string', help: 'cloud name in clouds.yaml (default: OS_CLOUD, else OS_* variables)' },
  workers: { type: 'number', default: 4, min: 1, max: 64, help: 'tenants reconciled in parallel (one key is never worked on twice at once)' },
  leaderElect: { type: 'boolean', default: true, help: 'run only while holding the Lease (for more than one replica)' },
  leaseNamespace: { type: 'string', default: 'stackube-system', help: 'namespace of the leader-election Lease' },
  identity: { type: 'string', help: 'leader-election identity (default: hostname + pid)' },
  listenAddress: { type: 'string', default: '127.0.0.1:9443', help: 'host:port for /healthz, /readyz and /metrics (plain HTTP)' },
  openstackTimeout: { type: 'duration', default: '60s', help: 'deadline of one OpenStack call (Neutron creates routers slowly under load; a call that times out is found again by its marker)' },
  networkWorkers: { type: 'number', default: 4, min: 1, max: 64, help: 'Networks reconciled in parallel' },
  portWorkers: { type: 'number', default: 4, min: 1, max: 64, help: 'pods whose Neutron port is reserved or released in parallel (port controller)' },
  portPoolSize: { type: 'number', default: 0, min: 0, max: 64, help: 'warm Neutron ports kept ready per (network, node), created in bulk and pre-bound to the node (0 = no pools: each pod\'s port is created when it is scheduled)' },
  portGcInterval: { type: 'duration', default: '60s', help: 'how often the port controller deletes orphaned pod ports and stale pooled ports (also once at start)' },
  portGcGrace: { type: 'duration', default: '30s', help: 'ports younger than this are never garbage-collected (a reconcile may have just made them)' },
  externalNetwork: { type: 'string', default: '', help: 'Neutron external network (name or id) for tenant routers\' gateways and floating IPs ("" = the only external network Neutron has)' },
  neutron: { type: 'boolean', default: true, help: 'use Neutron: tenant security groups and quotas, and the network and port controllers (false: Keystone and Kubernetes only)' },
  controllers: { type: 'stringList', default: ['tenant', 'network', 'port', 'keystone-sync'], help: `controllers to run while leading, from ${CONTROLLER_NAMES.join(', ')} (keystone-sync runs only when syncDomains or syncTag is set)` },
  syncDomains: { type: 'stringList', default: [], help: 'Keystone domains (names or ids) whose projects become Tenants (keystone-sync)' },
  syncTag: { type: 'string', default: '', help: 'Keystone projects carrying this tag become Tenants (keystone-sync; empty = none)' },
  syncInterval: { type: 'duration', default: '30s', help: 'how often keystone-sync compares Keystone projects with Tenants' },
  syncDeletePolicy: { type: 'string', default: 'orphan', oneOf: ['orphan', 'delete'], help: 'a synced Tenant whose project was deleted in Keystone: orphan (keep it, label it keystone-project-deleted=true, emit an Event) or delete (delete the Tenant and so its namespaces)' },
  logLevel: { type: 'string', default: 'info', oneOf: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'], help: 'log level' },
} as const satisfies Schema;

export type ControllerConfig = ConfigOf<typeof controllerSchema>;
export const CONTROLLER_ENV_PREFIX = 'STACKUBE_CONTROLLER_';

/**
 * Checks what the schema cannot: known controller names, a Keystone-valid tag, sane intervals and a whole pool size. Throws one
 * ValidationError listing every problem (also when nothing would run); returns the controllers to run, in a
 * stable order, with keystone-sync left out when no domain or tag selects anything.
 */
export function validateControllerConfig(cfg: ControllerConfig): ControllerName[] {
  const problems: string[] = [];
  const unknown = cfg.controllers.filter((c) => !(CONTROLLER_NAMES as readonly string[]).includes(c));
  if (unknown.length) problems.push(`controllers: unknown ${unknown.map((c) => `"${c}"`).join(', ')} (known: ${CONTROLLER_NAMES.join(', ')})`);
  if (cfg.controllers.length === 0) problems.push('controllers: name at least one');
  // Keystone refuses tags with "/" or "," or over 255 characters, and "," would split the list filter.
  if (cfg.syncTag.length > 255 || /[/,]/.test(cfg.syncTag)) problems.push(`syncTag: "${cfg.syncTag}" is not a Keystone tag (at most 255 characters, no "/" or ",")`);
  if (cfg.syncInterval < 1000) problems.push(`syncInterval: ${cfg.syncInterval} ms is below the minimum 1s`);
  if (cfg.portGcInterval < 1000) problems.push(`portGcInterval: ${cfg.portGcInterval} ms is below the minimum 1s`);
  if (!Number.isInteger(cfg.portPoolSize)) problems.push(`portPoolSize: ${cfg.portPoolSize} is not a whole number`);
  const syncSelected = cfg.syncDomains.length > 0 || cfg.syncTag !== '';
  const enabled = CONTROLLER_NAMES.filter((c) => cfg.controllers.includes(c) && (c !== 'keystone-sync' || syncSelected));
  if (enabled.length === 0 && unknown.length === 0 && cfg.controllers.length > 0) problems.push('controllers: only keystone-sync is named, but neither syncDomains nor syncTag selects any project');
  if (problems.length > 0) throw new ValidationError(`invalid configuration:\n  - ${problems.join('\n  - ')}`, { problems });
  return enabled;
}
