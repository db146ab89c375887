import type { ConfigOf, Schema } from './schema.js';

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
  logLevel: { type: 'string', default: 'info', oneOf: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'], help: 'log level' },
} as const satisfies Schema;

export type ControllerConfig = ConfigOf<typeof controllerSchema>;
export const CONTROLLER_ENV_PREFIX = 'STACKUBE_CONTROLLER_';
