#!/usr/bin/env node
// stackube-controller: reconciles Tenants (Keystone project, namespaces, RBAC, quotas, isolation, default Network,
// Neutron security group and quotas), Networks (Neutron network, subnet, router) and tenant pods' Neutron ports
// (port), and syncs selected Keystone projects into Tenants (keystone-sync), all only while leading.
// The only place that reads env/config, builds the logger, wires dependencies and traps signals.
import { createServer } from 'node:http';
import { homedir, hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, splitArgs, helpText } from '../config/schema.js';
import { controllerSchema, validateControllerConfig, CONTROLLER_ENV_PREFIX } from '../config/controller.js';
import { createLogger } from '../telemetry/logger.js';
import { createRegistry, Histogram, LATENCY_BUCKETS } from '../telemetry/metrics.js';
import { systemClock } from '../lib/clock.js';
import { describeError, ValidationError } from '../lib/errors.js';
import { splitHostPort } from '../lib/host-port.js';
import { resolveCloud } from '../openstack/core/clouds.js';
import { createOpenStackClient } from '../openstack/core/client.js';
import { KubeClient } from '../kube/client.js';
import { inClusterConnection, loadKubeconfig } from '../kube/kubeconfig.js';
import { EventRecorder } from '../kube/events.js';
import { LeaderElector } from '../kube/leader-election.js';
import { createOrUpdate, RESOURCES } from '../kube/objects.js';
import { tenantController } from '../controllers/tenant/controller.js';
import { keystoneAdapter } from '../controllers/tenant/keystone-adapter.js';
import { kubeAdapter } from '../controllers/tenant/kube-adapter.js';
import { tenantNeutronAdapter } from '../controllers/tenant/neutron-adapter.js';
import { networkController } from '../controllers/network/controller.js';
import { networkNeutronAdapter } from '../controllers/network/neutron-adapter.js';
import { portController } from '../controllers/port/controller.js';
import { portNeutronAdapter } from '../controllers/port/neutron-adapter.js';
import { runKeystoneSync, syncMetrics } from '../controllers/keystone-sync/sync.js';
import { syncKeystoneAdapter } from '../controllers/keystone-sync/keystone-adapter.js';
import { syncKubeAdapter } from '../controllers/keystone-sync/kube-adapter.js';
import type { DeletePolicy } from '../domain/keystone-sync/plan.js';

async function main(): Promise<number> {
  const { flags } = splitArgs(process.argv.slice(2), ['help']);
  if (flags['help']) {
    process.stdout.write(`usage: stackube-controller [--config FILE] [--option value ...]\n\n${helpText(controllerSchema, CONTROLLER_ENV_PREFIX)}\n`);
    return 0;
  }
  const { config: configFile, ...rest } = flags;
  const cfg = loadConfig(controllerSchema, { configFile, env: process.env, flags: rest, envPrefix: CONTROLLER_ENV_PREFIX });
  const enabled = validateControllerConfig(cfg);
  const log = createLogger({ name: 'stackube-controller', level: cfg.logLevel });
  const registry = createRegistry();
  const cloud = resolveCloud({ env: process.env, cloud: cfg.cloud, cloudsFile: cfg.cloudsFile, cwd: process.cwd(), home: homedir() });
  // Every OpenStack call is counted and timed (bench/networks reads the per-Network call counts from here).
  const osLatency = new Histogram({ name: 'stackube_openstack_request_duration_seconds', help: 'OpenStack API latency by service, method and HTTP status (0 = unreachable)', labelNames: ['service', 'method', 'status'], buckets: LATENCY_BUCKETS, registers: [registry] });
  const os = createOpenStackClient({
    cloud, clock: systemClock, sleep: (ms) => sleep(ms), timeoutMs: cfg.openstackTimeout,
    onCall: (ev) => {
      osLatency.observe({ service: ev.service, method: ev.method, status: String(ev.status) }, ev.ms / 1000);
      if (ev.status === 0 || ev.status >= 500) log.warn({ service: ev.service, method: ev.method, url: ev.url.split('?')[0], status: ev.status, requestId: ev.requestId, ms: ev.ms }, 'openstack call failed');
    },
  });
  const conn = cfg.kubeconfig ? loadKubeconfig(cfg.kubeconfig) : inClusterConnection(process.env['KUBERNETES_SERVICE_HOST'] ?? '', process.env['KUBERNETES_SERVICE_PORT'] ?? '');
  const api = new KubeClient(conn, 'stackube-controller');
  const identity = cfg.identity ?? `${hostname()}-${process.pid}`;
  const events = new EventRecorder({ client: api, controller: 'stackube.kubernetes.io/tenant-controller', instance: identity, onError: (e) => log.warn({ err: describeError(e) }, 'event not recorded') });
  const onError = (e: unknown): void => log.warn({ err: describeError(e) }, 'watch failed; relisting');
  const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const neutronClient = cfg.neutron ? os.service('network') : undefined;
  const tenants = enabled.includes('tenant') ? tenantController({
    api, log, registry, workers: cfg.workers, onError,
    deps: {
      keystone: keystoneAdapter(os.service('identity')), kube: kubeAdapter(api, (t, type, reason, message) => events.event(t, type, reason, message)), now,
      ...(neutronClient ? { neutron: tenantNeutronAdapter(neutronClient) } : {}),
    },
  }) : undefined;
  const networkEvents = new EventRecorder({ client: api, controller: 'stackube.kubernetes.io/network-controller', instance: identity, onError: (e) => log.warn({ err: describeError(e) }, 'event not recorded') });
  const networks = enabled.includes('network') && neutronClient ? networkController({
    api, log, registry, workers: cfg.networkWorkers, onError, now,
    neutron: networkNeutronAdapter(neutronClient, { external: cfg.externalNetwork }),
    event: (n, type, reason, message) => networkEvents.event(n, type, reason, message),
  }) : undefined;
  const portEvents = new EventRecorder({ client: api, controller: 'stackube.kubernetes.io/port-controller', instance: identity, onError: (e) => log.warn({ err: describeError(e) }, 'event not recorded') });
  const ports = enabled.includes('port') && neutronClient ? portController({
    api, log, registry, workers: cfg.portWorkers, onError, poolSize: cfg.portPoolSize, gcIntervalMs: cfg.portGcInterval, gcGraceMs: cfg.portGcGrace,
    neutron: portNeutronAdapter(neutronClient, { clock: systemClock }),
    event: (pod, type, reason, message) => portEvents.event(pod, type, reason, message),
  }) : undefined;
  const syncEvents = new EventRecorder({ client: api, controller: 'stackube.kubernetes.io/keystone-sync', instance: identity, onError: (e) => log.warn({ err: describeError(e) }, 'event not recorded') });
  const sync = enabled.includes('keystone-sync') ? {
    keystone: syncKeystoneAdapter(os.service('identity'), { domains: cfg.syncDomains, tag: cfg.syncTag }),
    kube: syncKubeAdapter(api, (ref, type, reason, message) => syncEvents.event(ref, type, reason, message)),
    policy: cfg.syncDeletePolicy as DeletePolicy,
    log, metrics: syncMetrics(registry),
  } : undefined;

  let leading = !cfg.leaderElect;
  const [host, port] = splitHostPort(cfg.listenAddress);
  const server = createServer((req, res) => {
    void (async () => {
      if (req.url === '/healthz') return res.writeHead(200).end('ok');
      if (req.url === '/readyz') return res.writeHead(200).end(leading ? 'leading' : 'standby');
      if (req.url === '/metrics') return res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
      return res.writeHead(404).end();
    })().catch((e: unknown) => res.writeHead(500).end(describeError(e)));
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  log.info({ listen: cfg.listenAddress, identity, keystone: os.session.authUrl, cloud: cloud.source, controllers: enabled,
    ...(sync ? { syncDomains: cfg.syncDomains, syncTag: cfg.syncTag, syncIntervalMs: cfg.syncInterval, syncDeletePolicy: cfg.syncDeletePolicy } : {}) }, 'stackube-controller started');

  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());
  process.once('SIGINT', () => stop.abort());
  const runControllers = async (signal: AbortSignal): Promise<void> => {
    leading = true;
    const informers = [...(tenants?.informers ?? []), ...(networks?.informers ?? []), ...(ports?.informers ?? [])];
    for (const i of informers) i.start();
    await Promise.all([
      tenants?.controller.run(signal),
      networks?.controller.run(signal),
      ports?.controller.run(signal),
      ports?.runGc(signal),
      sync ? runKeystoneSync({ deps: sync, intervalMs: cfg.syncInterval, signal }) : undefined,
    ]);
    for (const i of informers) await i.stop();
    await Promise.all([events.flush(), syncEvents.flush(), networkEvents.flush(), portEvents.flush()]);
  };
  if (cfg.leaderElect) {
    await createOrUpdate(api, RESOURCES.namespaces, { metadata: { name: cfg.leaseNamespace } });
    const elector = new LeaderElector({
      client: api, namespace: cfg.leaseNamespace, name: 'stackube-controller', identity,
      callbacks: {
        onStartedLeading: (signal) => runControllers(signal),
        onStoppedLeading: () => {
          leading = false;
          log.warn('lost leadership; exiting so that a fresh process can stand again');
          stop.abort();
        },
      },
      onError: (e) => log.warn({ err: describeError(e) }, 'leader election call failed'),
    });
    await elector.run(stop.signal);
  } else {
    await runControllers(stop.signal);
  }
  server.close();
  api.close();
  await os.close();
  return 0;
}


main().then((code) => process.exit(code), (e: unknown) => {
  process.stderr.write(`stackube-controller: ${e instanceof ValidationError ? e.message : describeError(e)}\n`);
  process.exit(e instanceof ValidationError ? 2 : 1);
});
