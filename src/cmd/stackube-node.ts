#!/usr/bin/env node
// stackube-node: the node daemon the stackube-cni plugin calls. It plugs tenant pods into the Neutron ports the
// controller reserved (veth pair, pod end configured in the pod's netns, host end bound for the L2 backend, wait
// for ACTIVE), unplugs them on DEL, and reconciles what exists on the host at start.
// The only place that reads env/config, builds the logger, wires dependencies and traps signals.
import { homedir, hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { helpText, loadConfig, splitArgs } from '../config/schema.js';
import { NODE_ENV_PREFIX, nodeSchema, validateNodeConfig } from '../config/node.js';
import { createLogger } from '../telemetry/logger.js';
import { createRegistry } from '../telemetry/metrics.js';
import { systemClock } from '../lib/clock.js';
import { backoffDelay } from '../lib/backoff.js';
import { describeError, ValidationError } from '../lib/errors.js';
import { splitHostPort } from '../lib/host-port.js';
import { resolveCloud } from '../openstack/core/clouds.js';
import { createOpenStackClient } from '../openstack/core/client.js';
import { KubeClient } from '../kube/client.js';
import { inClusterConnection, loadKubeconfig } from '../kube/kubeconfig.js';
import { createBindingDriver, execFileRunner, type BindingDriverName } from '../cni/daemon/binding/index.js';
import { NodeDaemon, lazyDrivers } from '../cni/daemon/core.js';
import { iprouteHostNet } from '../cni/daemon/hostnet.js';
import { nodeMetrics } from '../cni/daemon/metrics.js';
import { informerPodSource } from '../cni/daemon/pods.js';
import { neutronPortStatus } from '../cni/daemon/port-status.js';
import { bindingProbe } from '../cni/daemon/probe.js';
import { startCniServer, startHealthServer } from '../cni/daemon/server.js';
import { fileStateStore } from '../cni/daemon/state.js';

async function main(): Promise<number> {
  const { flags } = splitArgs(process.argv.slice(2), ['help']);
  if (flags['help']) {
    process.stdout.write(`usage: stackube-node [--config FILE] [--option value ...]\n\n${helpText(nodeSchema, NODE_ENV_PREFIX)}\n`);
    return 0;
  }
  const { config: configFile, ...rest } = flags;
  const cfg = loadConfig(nodeSchema, { configFile, env: process.env, flags: rest, envPrefix: NODE_ENV_PREFIX });
  // kubelet registers the node under the lower-cased hostname unless told otherwise.
  const nodeName = cfg.nodeName ?? hostname().toLowerCase();
  validateNodeConfig({ ...cfg, nodeName });
  const [host, port] = splitHostPort(cfg.listenAddress);
  const log = createLogger({ name: 'stackube-node', level: cfg.logLevel });
  const registry = createRegistry();
  const metrics = nodeMetrics(registry);

  const cloud = resolveCloud({ env: process.env, cloud: cfg.cloud, cloudsFile: cfg.cloudsFile, cwd: process.cwd(), home: homedir() });
  const os = createOpenStackClient({
    cloud, clock: systemClock, sleep: (ms) => sleep(ms), timeoutMs: 5_000,
    onCall: (ev) => {
      if (ev.status === 0 || ev.status >= 500) log.warn({ service: ev.service, method: ev.method, url: ev.url.split('?')[0], status: ev.status, requestId: ev.requestId, ms: ev.ms }, 'openstack call failed');
    },
  });
  const conn = cfg.kubeconfig ? loadKubeconfig(cfg.kubeconfig) : inClusterConnection(process.env['KUBERNETES_SERVICE_HOST'] ?? '', process.env['KUBERNETES_SERVICE_PORT'] ?? '');
  const api = new KubeClient(conn, 'stackube-node');
  const runner = execFileRunner({ timeoutMs: 10_000 });
  const defaultDriver = cfg.bindingDriver as BindingDriverName;
  const drivers = lazyDrivers((name) => createBindingDriver(name, { runner, ovsBridge: cfg.ovsBridge }));
  // Built now so that a bad ovsBridge fails at start, not at the first ADD.
  drivers(defaultDriver);
  const state = fileStateStore({ dir: cfg.stateDir, onCorrupt: (file, why) => log.warn({ file, why }, 'unreadable state file ignored') });
  await state.init();
  const pods = informerPodSource({ api, nodeName, onError: (e) => log.warn({ err: describeError(e) }, 'pod watch failed; relisting') });
  const daemon = new NodeDaemon({
    pods: pods.source, ports: neutronPortStatus(os.service('network')), host: iprouteHostNet({ runner }), driver: drivers, defaultDriver, state, log,
    portActiveTimeoutMs: cfg.portActiveTimeout, probe: bindingProbe({ runner, driver: defaultDriver, ovsBridge: cfg.ovsBridge }), metrics,
  });

  const health = await startHealthServer({ host, port, registry, readiness: () => daemon.readiness() });
  // Listening at once: DEL needs no pod informer, and ADD is answered 503 (try again) until the daemon is ready.
  const cni = await startCniServer({ handler: daemon, socketPath: cfg.socket, log, metrics, deadlineMs: cfg.addTimeout });
  log.info({ node: nodeName, socket: cfg.socket, listen: cfg.listenAddress, bindingDriver: defaultDriver, stateDir: cfg.stateDir, cloud: cloud.source }, 'stackube-node started');

  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());
  process.once('SIGINT', () => stop.abort());
  pods.informer.start();
  const startup = (async () => {
    if (!(await pods.informer.waitForSync(stop.signal))) return;
    for (let attempt = 0; !stop.signal.aborted; attempt++) {
      try {
        await daemon.reconcile(stop.signal);
        log.info('ready');
        return;
      } catch (e) {
        log.error({ err: describeError(e), attempt }, 'restart reconciliation failed; retrying');
        await sleep(backoffDelay(attempt, { baseMs: 1_000, maxMs: 30_000 }), undefined, { signal: stop.signal }).catch(() => undefined);
      }
    }
  })();

  await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
  log.info('stopping');
  await cni.close();
  await startup;
  await pods.informer.stop();
  await health.close();
  api.close();
  await os.close();
  return 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
  process.stderr.write(`stackube-node: ${e instanceof ValidationError ? e.message : describeError(e)}\n`);
  process.exit(e instanceof ValidationError ? 2 : 1);
});
