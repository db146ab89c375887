#!/usr/bin/env node
// stackube-webhook: Keystone authentication and authorization for the kube-apiserver.
// The only place that reads env/config, builds the logger, wires dependencies and traps signals.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, splitArgs, helpText } from '../config/schema.js';
import { webhookSchema, WEBHOOK_ENV_PREFIX } from '../config/webhook.js';
import { createLogger } from '../telemetry/logger.js';
import { createRegistry, Histogram, LATENCY_BUCKETS } from '../telemetry/metrics.js';
import { systemClock } from '../lib/clock.js';
import { backoffDelay } from '../lib/backoff.js';
import { describeError, ValidationError } from '../lib/errors.js';
import { splitHostPort } from '../lib/host-port.js';
import { resolveCloud } from '../openstack/core/clouds.js';
import { createOpenStackClient } from '../openstack/core/client.js';
import { KubeClient } from '../kube/client.js';
import { inClusterConnection, loadKubeconfig } from '../kube/kubeconfig.js';
import { NamespaceDirectory } from '../kube/namespace-directory.js';
import { LABEL_PROJECT_ID, LABEL_TENANT } from '../api/constants.js';
import { KeystoneAuthenticator } from '../webhooks/authenticator.js';
import { keystoneTokenValidator } from '../webhooks/keystone-validator.js';
import { buildWebhookApp } from '../webhooks/app.js';
import { tenantPolicyFromTenants, uniformTenantPolicy, type TenantSettings } from '../webhooks/admission.js';
import { Informer } from '../kube/informer.js';
import type { KubeObject } from '../kube/objects.js';
import { loadPolicyFile, loadSyncConfigFile } from '../webhooks/policy-files.js';

async function main(): Promise<number> {
  const { flags } = splitArgs(process.argv.slice(2), ['help']);
  if (flags['help']) {
    process.stdout.write(`usage: stackube-webhook [--config FILE] [--option value ...]\n\n${helpText(webhookSchema, WEBHOOK_ENV_PREFIX)}\n`);
    return 0;
  }
  const { config: configFile, ...rest } = flags;
  const cfg = loadConfig(webhookSchema, { configFile, env: process.env, flags: rest, envPrefix: WEBHOOK_ENV_PREFIX });
  const log = createLogger({ name: 'stackube-webhook', level: cfg.logLevel });
  const registry = createRegistry();
  const cloud = resolveCloud({ env: process.env, cloud: cfg.cloud, cloudsFile: cfg.cloudsFile, cwd: process.cwd(), home: homedir() });
  const keystoneLatency = new Histogram({ name: 'stackube_openstack_request_duration_seconds', help: 'OpenStack API latency', labelNames: ['service', 'method', 'status'], buckets: LATENCY_BUCKETS, registers: [registry] });
  const os = createOpenStackClient({
    cloud, clock: systemClock, timeoutMs: cfg.keystoneTimeout, retries: 1,
    sleep: (ms) => sleep(ms),
    onCall: (ev) => {
      keystoneLatency.observe({ service: ev.service, method: ev.method, status: String(ev.status) }, ev.ms / 1000);
      if (ev.status === 0 || ev.status >= 500) log.warn({ service: ev.service, method: ev.method, url: ev.url.split('?')[0], status: ev.status, requestId: ev.requestId, ms: ev.ms }, 'openstack call failed');
    },
  });
  const authenticator = new KeystoneAuthenticator({
    validator: keystoneTokenValidator(os, systemClock),
    clock: systemClock,
    cacheMaxTtlMs: cfg.tokenCacheMaxTtl,
    cacheMaxEntries: cfg.tokenCacheMaxEntries,
    roleMappings: cfg.syncConfigFile ? loadSyncConfigFile(cfg.syncConfigFile) : [],
  });
  // The namespace directory (and so a Kubernetes connection) is only needed by the tenant rules.
  let kube: KubeClient | undefined;
  let namespaces: NamespaceDirectory | undefined;
  let tenants: Informer<TenantObject> | undefined;
  /** The Tenant whose project (adopted or created) is pid. A linear scan: fine for thousands of tenants. */
  const tenantByProject = (pid: string): TenantObject | undefined =>
    tenants?.list().find((t) => t.status?.projectID === pid || t.spec?.projectID === pid);
  if (cfg.tenantRules) {
    const conn = cfg.kubeconfig ? loadKubeconfig(cfg.kubeconfig) : inClusterConnection(process.env['KUBERNETES_SERVICE_HOST'] ?? '', process.env['KUBERNETES_SERVICE_PORT'] ?? '');
    kube = new KubeClient(conn, 'stackube-webhook');
    namespaces = new NamespaceDirectory({
      client: kube, label: LABEL_PROJECT_ID,
      retryDelay: (a) => backoffDelay(a, { baseMs: 500, maxMs: 30_000 }),
      sleep: (ms, signal) => sleep(ms, undefined, { signal }),
      onError: (e) => log.warn({ err: describeError(e) }, 'namespace watch failed; relisting'),
    });
    tenants = new Informer({ client: kube, path: '/apis/stackube.kubernetes.io/v1/tenants', onError: (e) => log.warn({ err: describeError(e) }, 'tenant watch failed; relisting') });
  }
  const policy = cfg.policyFile ? loadPolicyFile(cfg.policyFile) : undefined;
  const isolation = { defaultRuntimeClassName: cfg.defaultRuntimeClass, allowedRuntimeClasses: cfg.allowedRuntimeClasses, mode: cfg.isolationMode === 'soft' ? 'soft' as const : 'hard' as const };
  const [host, port] = splitHostPort(cfg.listenAddress);
  const app = buildWebhookApp({
    logger: log, registry, authenticator, maxBodyBytes: cfg.maxBodyBytes,
    https: { cert: readFileSync(cfg.tlsCertFile, 'utf8'), key: readFileSync(cfg.tlsKeyFile, 'utf8') },
    tenantPolicies: namespaces && tenants
      ? tenantPolicyFromTenants({ namespaces, tenantLabel: LABEL_TENANT, tenantOf: (name) => tenants?.get(name)?.spec, defaults: { isolation, allowedStorageClasses: cfg.allowedStorageClasses } })
      : uniformTenantPolicy(NO_NAMESPACES, isolation, cfg.allowedStorageClasses),
    tenantsSynced: () => tenants?.hasSynced() ?? true,
    ...(namespaces && tenants ? { namespaceQuota: {
      tenantForProject: (pid: string) => {
        const t = tenantByProject(pid);
        return t ? { name: t.metadata?.name ?? '', maxNamespaces: t.spec?.namespaces?.maxNamespaces } : undefined;
      },
      countTenantNamespaces: (name: string) => namespaces?.countWithLabel(LABEL_TENANT, name) ?? 0,
    } } : {}),
    authorizer: { projectHasTenant: (pid: string) => tenantByProject(pid) !== undefined, namespaces: namespaces ?? NO_NAMESPACES, clusterAdminProjects: cfg.clusterAdminProjects, clusterAdminRole: cfg.clusterAdminRole, tenantRules: cfg.tenantRules, policy },
    keystoneStatus: async () => {
      try {
        await os.session.token();
        return { ok: true, message: 'service token valid' };
      } catch (e) {
        return { ok: false, message: describeError(e) };
      }
    },
  });
  namespaces?.start();
  tenants?.start();
  await app.listen({ host, port });
  log.info({ listen: cfg.listenAddress, keystone: os.session.authUrl, cloud: cloud.source, policy: cfg.policyFile ?? null, tenantRules: cfg.tenantRules }, 'stackube-webhook serving');
  await new Promise<void>((resolve) => {
    const stop = (sig: string): void => {
      log.info({ signal: sig }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await app.close();
  await namespaces?.stop();
  await tenants?.stop();
  kube?.close();
  await os.close();
  return 0;
}

type TenantObject = KubeObject & { spec?: TenantSettings & { projectID?: string; namespaces?: { maxNamespaces?: number } }; status?: { projectID?: string } };

/** Used when tenant rules are off: no namespace belongs to a tenant. */
const NO_NAMESPACES = { synced: true, projectOf: (): string | undefined => undefined };


main().then((code) => process.exit(code), (e: unknown) => {
  process.stderr.write(`stackube-webhook: ${e instanceof ValidationError ? e.message : describeError(e)}\n`);
  process.exit(e instanceof ValidationError ? 2 : 1);
});
