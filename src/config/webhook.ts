import type { ConfigOf, Schema } from './schema.js';

/** stackube-webhook's options. Every option has a type, a default or `required`, and help. */
export const webhookSchema = {
  listenAddress: { type: 'string', default: '0.0.0.0:8443', help: 'host:port to serve HTTPS on' },
  tlsCertFile: { type: 'string', required: true, help: 'PEM certificate for the HTTPS listener' },
  tlsKeyFile: { type: 'string', required: true, help: 'PEM private key for the HTTPS listener' },
  cloudsFile: { type: 'string', help: 'clouds.yaml holding the service credentials used to validate tokens (default: the standard search path)' },
  cloud: { type: 'string', help: 'cloud name in clouds.yaml (default: OS_CLOUD, else OS_* variables)' },
  kubeconfig: { type: 'string', help: 'kubeconfig for watching namespaces (their project labels drive the default tenant rules); empty = in-cluster' },
  clusterAdminProjects: { type: 'stringList', default: ['admin'], help: 'Keystone projects (by name) whose admins are Kubernetes cluster admins' },
  clusterAdminRole: { type: 'string', default: 'admin', help: 'the Keystone role that makes a member of a clusterAdminProjects project a cluster admin' },
  policyFile: { type: 'string', help: 'k8s-keystone-auth policy file (v1 or v2 format); when set its decisions are used as well' },
  syncConfigFile: { type: 'string', help: 'k8s-keystone-auth sync config whose role-mappings add Kubernetes groups per Keystone role' },
  tenantRules: { type: 'boolean', default: true, help: 'apply the default tenant rules (members act only in their project namespaces)' },
  tokenCacheMaxTtl: { type: 'duration', default: '5m', help: 'upper bound for caching a valid token (it is never cached past its expiry)' },
  tokenCacheMaxEntries: { type: 'number', default: 100_000, min: 1, help: 'how many validated tokens to keep in memory' },
  keystoneTimeout: { type: 'duration', default: '5s', help: 'timeout of one Keystone call' },
  maxBodyBytes: { type: 'number', default: 1_048_576, min: 1024, help: 'largest review body accepted; bigger bodies get 413' },
  defaultRuntimeClass: { type: 'string', default: 'gvisor', help: 'RuntimeClass given to tenant pods that name none (until a Tenant says otherwise); "" leaves it unset' },
  allowedRuntimeClasses: { type: 'stringList', default: [], help: 'further RuntimeClasses tenant pods may name (the default is always allowed)' },
  isolationMode: { type: 'string', default: 'hard', oneOf: ['hard', 'soft'], help: 'hard: tenant pods may only use the default or allowed classes; soft: any class, default applied when none' },
  allowedStorageClasses: { type: 'stringList', default: [], help: 'StorageClasses tenant claims may use (empty = any)' },
  logLevel: { type: 'string', default: 'info', oneOf: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'], help: 'log level' },
} as const satisfies Schema;

export type WebhookConfig = ConfigOf<typeof webhookSchema>;
export const WEBHOOK_ENV_PREFIX = 'STACKUBE_WEBHOOK_';
