// bench/networks: Network create → Active and delete → gone latency of the running stackube-controller, and the
// Neutron calls each Network costs. BENCH_NETWORK_TENANTS (default 5) Tenants, with a Neutron quota
// (spec.networkQuota) that fits their share, are created first and waited for (Ready, and their default Networks
// Active; not timed). Then BENCH_NETWORKS (default 50) Networks, spread over
// those tenants with ranges that are disjoint inside a tenant and the same across tenants, are applied in one
// `kubectl apply` of a List and watched until every one is Active (latency = from the apply call to the first
// watch event showing state Active); then deleted in one call and watched until gone. Neutron calls are the
// controller's own count (/metrics: stackube_openstack_request_duration_seconds_count{service="network"}) before
// and after each phase, split by HTTP method; they include the tenant controller's Neutron calls in that window
// (normally none: the tenants are settled). Then BENCH_SEQUENTIAL (default 3) Networks one at a time (the next
// after the last is Active): a single create without the queueing of a burst. As the peer, BENCH_DIRECT (default
// 5) sets of the same Neutron objects are made directly with our Neutron client, one after the other, in a bench
// tenant's project: network, subnet (no DHCP), router with its gateway on the external network, router interface
// (4 calls), and deleted again (interface, gateway, router, subnet, network: 5 calls), which is Neutron's own
// latency without the controller. Everything is deleted at the end. Prints a markdown table.
// Run through `npm run bench:networks` (bench/networks/run.sh starts what it needs).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NetworkStatus } from '../../src/api/network.js';
import { systemClock } from '../../src/lib/clock.js';
import { KubeClient } from '../../src/kube/client.js';
import { Informer } from '../../src/kube/informer.js';
import { loadKubeconfig } from '../../src/kube/kubeconfig.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { resolveCloud } from '../../src/openstack/core/clouds.js';
import { createOpenStackClient } from '../../src/openstack/core/client.js';
import type { ServiceClient } from '../../src/openstack/core/service-client.js';
import { networks } from '../../src/openstack/neutron/networks.js';
import { addInterface, clearGateway, removeInterface, routers } from '../../src/openstack/neutron/routers.js';
import { subnets } from '../../src/openstack/neutron/subnets.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const STATE = process.env['STACKUBE_STATE'] ?? '/var/lib/stackube';
const KUBE_VERSION = /KUBE_VERSION=(\S+)/.exec(readFileSync(join(ROOT, 'hack/versions.env'), 'utf8'))?.[1] ?? '';
const KUBECTL = join(ROOT, '.cache/kube', KUBE_VERSION, 'bin/kubectl');
const KUBECONFIG = join(STATE, 'pki/admin.kubeconfig');
const METRICS = 'http://127.0.0.1:9443/metrics';
const READYZ = 'http://127.0.0.1:9443/readyz';
const N = Number(process.env['BENCH_NETWORKS'] ?? 50);
const M = Math.max(1, Number(process.env['BENCH_NETWORK_TENANTS'] ?? 5));
const SEQUENTIAL = Number(process.env['BENCH_SEQUENTIAL'] ?? 3);
const DIRECT = Number(process.env['BENCH_DIRECT'] ?? 5);
const TIMEOUT_MS = Number(process.env['BENCH_TIMEOUT_MS'] ?? 1_200_000);
const EXTERNAL = process.env['BENCH_EXTERNAL_NETWORK'] ?? 'stackube-external';
const LABEL = 'stackube-bench/run';
const RUN = randomBytes(3).toString('hex');
const PREFIX = `bnet-${RUN}-`;
const TENANTS_PATH = '/apis/stackube.kubernetes.io/v1/tenants';
const NETWORKS_PATH = '/apis/stackube.kubernetes.io/v1/networks';
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;

interface TenantObj extends KubeObject {
  status?: { projectID?: string; conditions?: { type: string; status: string }[] };
}
interface NetworkObj extends KubeObject {
  status?: NetworkStatus;
}

function kubectl(args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    execFile(KUBECTL, [`--kubeconfig=${KUBECONFIG}`, ...args], { maxBuffer: 64 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
      res({ code: err ? 1 : 0, out: `${stdout}${stderr}` });
    });
  });
}

function writeList(items: unknown[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-networks-')), 'list.json');
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  return file;
}

/** The controller's counters that matter here: Neutron calls (count and seconds) by method, network reconciles. */
interface Counters { calls: Record<string, number>; seconds: number; reconciles: number; errors: number }

async function counters(): Promise<Counters> {
  const text = await (await fetch(METRICS)).text();
  const calls: Record<string, number> = {};
  let seconds = 0;
  let reconciles = 0;
  let errors = 0;
  for (const line of text.split('\n')) {
    const value = Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
    if (line.startsWith('stackube_openstack_request_duration_seconds_count{') && line.includes('service="network"')) {
      const method = /method="([A-Z]+)"/.exec(line)?.[1] ?? '?';
      calls[method] = (calls[method] ?? 0) + value;
    } else if (line.startsWith('stackube_openstack_request_duration_seconds_sum{') && line.includes('service="network"')) seconds += value;
    else if (line.startsWith('stackube_controller_reconcile_duration_seconds_count{') && line.includes('controller="network"')) reconciles += value;
    else if (line.startsWith('stackube_controller_reconcile_errors_total{') && line.includes('controller="network"')) errors += value;
  }
  return { calls, seconds, reconciles, errors };
}

/** Calls per Network between two readings, by method and in total (a restarted controller would break this). */
function perNetwork(a: Counters, b: Counters, n: number): { byMethod: Record<string, number>; total: number; seconds: number; reconciles: number; errors: number } {
  const byMethod: Record<string, number> = {};
  let total = 0;
  for (const m of new Set([...Object.keys(a.calls), ...Object.keys(b.calls), ...METHODS])) {
    const d = (b.calls[m] ?? 0) - (a.calls[m] ?? 0);
    byMethod[m] = d / n;
    total += d;
  }
  return { byMethod, total: total / n, seconds: (b.seconds - a.seconds) / n, reconciles: (b.reconciles - a.reconciles) / n, errors: b.errors - a.errors };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN);
}

interface Row {
  phase: string; n: number; p50: number; p90: number; p99: number; max: number; allS: number;
  calls?: ReturnType<typeof perNetwork>; directCalls?: Record<string, number>;
}

function stats(phase: string, latS: number[], allS: number, calls?: ReturnType<typeof perNetwork>): Row {
  const s = [...latS].sort((a, b) => a - b);
  return { phase, n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s.at(-1) ?? NaN, allS, ...(calls ? { calls } : {}) };
}

async function waitFor(cond: () => boolean, timeoutMs: number, stepMs = 25): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!cond() && performance.now() < end) await sleep(stepMs);
  return cond();
}

/** The peer: the same Neutron objects made directly, one set after the other; per set seconds and calls by method. */
async function direct(c: ServiceClient, count: () => Record<string, number>, projectId: string): Promise<{ create: Row; remove: Row; perCall: Record<string, number> }> {
  const ext = (await networks.list(c, { 'router:external': true })).find((n) => n.name === EXTERNAL || n.id === EXTERNAL);
  if (!ext) throw new Error(`external network ${EXTERNAL} not found`);
  const sets: { net: string; sub: string; rtr: string }[] = [];
  const createS: number[] = [];
  const removeS: number[] = [];
  const step: Record<string, number[]> = { network: [], subnet: [], router: [], interface: [] };
  const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const r = await fn();
    step[what]?.push(performance.now() - t0);
    return r;
  };
  const c0 = { ...count() };
  let createCalls: Record<string, number> | undefined;
  let removeCalls: Record<string, number> | undefined;
  try {
    for (let i = 0; i < DIRECT; i++) {
      const name = `${PREFIX}direct-${i}`;
      const t0 = performance.now();
      const net = await timed('network', () => networks.create(c, { name, project_id: projectId, description: `stackube-bench:${RUN}` }));
      const set = { net: net.id, sub: '', rtr: '' };
      sets.push(set);
      set.sub = (await timed('subnet', () => subnets.create(c, { name, project_id: projectId, network_id: net.id, ip_version: 4, cidr: `172.31.${i}.0/24`, enable_dhcp: false, dns_nameservers: [], description: `stackube-bench:${RUN}` }))).id;
      set.rtr = (await timed('router', () => routers.create(c, { name, project_id: projectId, description: `stackube-bench:${RUN}`, external_gateway_info: { network_id: ext.id } }))).id;
      await timed('interface', () => addInterface(c, set.rtr, { subnet_id: set.sub }));
      createS.push((performance.now() - t0) / 1000);
    }
  } finally {
    const c1 = { ...count() };
    for (const s of sets) {
      const t0 = performance.now();
      if (s.rtr && s.sub) await removeInterface(c, s.rtr, { subnet_id: s.sub });
      if (s.rtr) {
        await clearGateway(c, s.rtr);
        await routers.delete(c, s.rtr);
      }
      if (s.sub) await subnets.delete(c, s.sub);
      await networks.delete(c, s.net);
      removeS.push((performance.now() - t0) / 1000);
    }
    const c2 = { ...count() };
    const diff = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
      Object.fromEntries(METHODS.map((m) => [m, ((b[m] ?? 0) - (a[m] ?? 0)) / Math.max(1, sets.length)]));
    createCalls = diff(c0, c1);
    removeCalls = diff(c1, c2);
  }
  const med = (xs: number[] | undefined): number => percentile([...(xs ?? [])].sort((a, b) => a - b), 50) / 1000;
  return {
    create: { ...stats('direct client: create set', createS, createS.reduce((a, b) => a + b, 0)), directCalls: createCalls ?? {} },
    remove: { ...stats('direct client: delete set', removeS, removeS.reduce((a, b) => a + b, 0)), directCalls: removeCalls ?? {} },
    perCall: { network: med(step['network']), subnet: med(step['subnet']), router: med(step['router']), interface: med(step['interface']) },
  };
}

async function main(): Promise<void> {
  // A controller just (re)started takes its Lease first; measure only once it works.
  for (let i = 0; i < 600 && (await fetch(READYZ).then((r) => r.text(), () => '')) !== 'leading'; i++) await sleep(100);
  const workers = /"workers":(\d+)/.exec(readFileSync('/var/log/stackube/stackube-controller.log', 'utf8').split('\n').filter((l) => l.includes('"controller":"network"') && l.includes('"workers"')).at(-1) ?? '')?.[1] ?? '?';
  console.log(`Network benchmark: stackube-controller with ${workers} network workers; ${N} Networks in ${M} tenants, ${SEQUENTIAL} one at a time, ${DIRECT} direct sets; run ${RUN}`);

  const kube = new KubeClient(loadKubeconfig(KUBECONFIG), 'stackube-bench');
  const cloud = resolveCloud({ env: {}, cloud: 'admin', cloudsFile: join(STATE, 'clouds.yaml'), cwd: STATE, home: STATE });
  const calls: Record<string, number> = {};
  const os = createOpenStackClient({ cloud, clock: systemClock, sleep: (ms) => sleep(ms), onCall: (ev) => {
    if (ev.service === 'network') calls[ev.method] = (calls[ev.method] ?? 0) + 1;
  } });
  const neutron = os.service('network');
  const tenantNames = Array.from({ length: M }, (_, i) => `${PREFIX}t${i}`);
  const nets = Array.from({ length: N }, (_, i) => ({ namespace: tenantNames[i % M] ?? '', name: `n${String(i).padStart(3, '0')}`, cidr: `10.${Math.floor(i / M) % 244}.${Math.floor(i / M / 244)}.0/24` }));
  const netKeys = new Set(nets.map((n) => `${n.namespace}/${n.name}`));
  // Neutron's default quota here is 10 networks, subnets and routers per project (hack/neutron-up.sh): each tenant
  // asks for room for its share, its default Network, the one-at-a-time and direct ones (reset on its deletion).
  const quota = Math.ceil(N / M) + 1 + SEQUENTIAL + DIRECT + 2;

  const tenantsReady = new Map<string, string>(); // name → project id
  const tenantInformer = new Informer<TenantObj>({ client: kube, path: TENANTS_PATH, labelSelector: `${LABEL}=${RUN}` });
  const trackTenant = (t: TenantObj): void => {
    if (t.status?.projectID && t.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) tenantsReady.set(t.metadata?.name ?? '', t.status.projectID);
  };
  tenantInformer.addHandlers({ onAdd: trackTenant, onUpdate: (_o, t) => trackTenant(t) });
  let t0 = 0;
  const activeAt = new Map<string, number>();
  const goneAt = new Map<string, number>();
  const netInformer = new Informer<NetworkObj>({ client: kube, path: NETWORKS_PATH });
  const trackNet = (n: NetworkObj): void => {
    const key = `${n.metadata?.namespace ?? ''}/${n.metadata?.name ?? ''}`;
    if (key.startsWith(PREFIX) && !activeAt.has(key) && n.status?.state === 'Active') activeAt.set(key, performance.now() - t0);
  };
  netInformer.addHandlers({ onAdd: trackNet, onUpdate: (_o, n) => trackNet(n), onDelete: (n) => {
    const key = `${n.metadata?.namespace ?? ''}/${n.metadata?.name ?? ''}`;
    if (key.startsWith(PREFIX)) goneAt.set(key, performance.now() - t0);
  } });
  const present = (pred: (k: string) => boolean): number => netInformer.keys().filter(pred).length;
  tenantInformer.start();
  netInformer.start();
  const rows: Row[] = [];
  let perCall: Record<string, number> = {};
  try {
    await tenantInformer.waitForSync();
    await netInformer.waitForSync();

    // ---- tenants (not timed): Ready, and their default Networks Active, so their Neutron calls are done
    const tt = performance.now();
    const tenants = await kubectl(['apply', '-f', writeList(tenantNames.map((name) => ({ apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name, labels: { [LABEL]: RUN } }, spec: { networkQuota: { networks: quota, subnets: quota, routers: quota } } })))]);
    if (tenants.code !== 0) throw new Error(`kubectl apply (tenants) failed: ${tenants.out}`);
    if (!(await waitFor(() => tenantsReady.size === M && tenantNames.every((t) => activeAt.has(`${t}/${t}`)), TIMEOUT_MS, 100))) {
      throw new Error(`tenants not ready: ${tenantsReady.size}/${M} Ready, ${tenantNames.filter((t) => activeAt.has(`${t}/${t}`)).length}/${M} default Networks Active`);
    }
    console.log(`  ${M} tenants Ready with their default Networks Active after ${((performance.now() - tt) / 1000).toFixed(1)}s (not timed)`);
    await sleep(2_000); // let trailing status writes and events settle before the first reading

    // ---- create: one batch
    const m0 = await counters();
    t0 = performance.now();
    const applied = await kubectl(['apply', '-f', writeList(nets.map((n) => ({
      apiVersion: 'stackube.kubernetes.io/v1', kind: 'Network', metadata: { name: n.name, namespace: n.namespace, labels: { [LABEL]: RUN } }, spec: { cidr: n.cidr },
    })))]);
    const applyS = (performance.now() - t0) / 1000;
    if (applied.code !== 0) throw new Error(`kubectl apply failed: ${applied.out}`);
    if (!(await waitFor(() => [...netKeys].every((k) => activeAt.has(k)), TIMEOUT_MS))) console.error(`warning: only ${[...netKeys].filter((k) => activeAt.has(k)).length}/${N} Networks became Active within ${TIMEOUT_MS / 1000}s`);
    const createAllS = (performance.now() - t0) / 1000;
    const m1 = await counters();
    const create = stats(`create → Active (${N} in one apply)`, [...netKeys].flatMap((k) => { const v = activeAt.get(k); return v === undefined ? [] : [v / 1000]; }), createAllS, perNetwork(m0, m1, N));
    rows.push(create);
    console.log(`  ${N} Networks: apply ${applyS.toFixed(1)}s, p50 ${create.p50.toFixed(1)}s, all Active after ${createAllS.toFixed(1)}s`);

    // ---- delete: one call
    const d0 = await counters();
    t0 = performance.now();
    const deleted = await kubectl(['delete', 'networks', '--all-namespaces', '-l', `${LABEL}=${RUN}`, '--wait=false']);
    if (deleted.code !== 0) throw new Error(`kubectl delete failed: ${deleted.out}`);
    if (!(await waitFor(() => present((k) => netKeys.has(k)) === 0, TIMEOUT_MS))) console.error(`warning: ${present((k) => netKeys.has(k))} Networks still exist after ${TIMEOUT_MS / 1000}s`);
    const deleteAllS = (performance.now() - t0) / 1000;
    const d1 = await counters();
    const remove = stats(`delete → gone (${N} in one call)`, [...netKeys].flatMap((k) => { const v = goneAt.get(k); return v === undefined ? [] : [v / 1000]; }), deleteAllS, perNetwork(d0, d1, N));
    rows.push(remove);
    console.log(`  delete: p50 ${remove.p50.toFixed(1)}s, all gone after ${deleteAllS.toFixed(1)}s`);

    // ---- one at a time (each a single POST; deleted again one at a time, timed too)
    if (SEQUENTIAL > 0) {
      const seqCreate: number[] = [];
      const seqDelete: number[] = [];
      const s0 = await counters();
      const ns = tenantNames[0] ?? '';
      for (let i = 0; i < SEQUENTIAL; i++) {
        const name = `s${i}`;
        const key = `${ns}/${name}`;
        t0 = performance.now();
        await kube.request('POST', `/apis/stackube.kubernetes.io/v1/namespaces/${ns}/networks`, { body: { apiVersion: 'stackube.kubernetes.io/v1', kind: 'Network', metadata: { name, namespace: ns, labels: { [LABEL]: RUN } }, spec: { cidr: `10.250.${i}.0/24` } } });
        if (!(await waitFor(() => activeAt.has(key), 300_000, 5))) console.error(`warning: ${key} (one at a time) was not Active within 300s`);
        seqCreate.push((performance.now() - t0) / 1000);
      }
      const s1 = await counters();
      for (let i = 0; i < SEQUENTIAL; i++) {
        const key = `${ns}/s${i}`;
        t0 = performance.now();
        await kube.request('DELETE', `/apis/stackube.kubernetes.io/v1/namespaces/${ns}/networks/s${i}`);
        if (!(await waitFor(() => netInformer.get(key) === undefined && goneAt.has(key), 300_000, 5))) console.error(`warning: ${key} (one at a time) was not gone within 300s`);
        seqDelete.push((performance.now() - t0) / 1000);
      }
      const s2 = await counters();
      rows.push(stats('create → Active (one at a time)', seqCreate, seqCreate.reduce((a, b) => a + b, 0), perNetwork(s0, s1, SEQUENTIAL)));
      rows.push(stats('delete → gone (one at a time)', seqDelete, seqDelete.reduce((a, b) => a + b, 0), perNetwork(s1, s2, SEQUENTIAL)));
    }

    // ---- the peer: Neutron's own latency for the same objects, through our client, sequentially
    if (DIRECT > 0) {
      const d = await direct(neutron, () => calls, tenantsReady.get(tenantNames[0] ?? '') ?? '');
      rows.push(d.create, d.remove);
      perCall = d.perCall;
    }
  } finally {
    // Whatever failed, leave none of this run's objects behind (and never touch anyone else's).
    if (present((k) => k.startsWith(PREFIX) && !tenantNames.some((t) => k === `${t}/${t}`)) > 0) await kubectl(['delete', 'networks', '--all-namespaces', '-l', `${LABEL}=${RUN}`, '--wait=false']);
    const tg = performance.now();
    await kubectl(['delete', 'tenants', '-l', `${LABEL}=${RUN}`, '--wait=false']);
    if (!(await waitFor(() => tenantInformer.size === 0 && present((k) => k.startsWith(PREFIX)) === 0, TIMEOUT_MS, 200))) console.error(`warning: tenants or Networks of run ${RUN} still exist: ${[...tenantInformer.keys(), ...netInformer.keys().filter((k) => k.startsWith(PREFIX))].join(', ')}`);
    else console.log(`  cleanup: ${M} tenants (and their default Networks) gone after ${((performance.now() - tg) / 1000).toFixed(1)}s`);
    // The direct sets are deleted by direct() itself; make sure nothing named like this run survives in Neutron.
    const leftNets = (await networks.list(neutron)).filter((n) => n.name.startsWith(PREFIX) || n.name.startsWith(`kube-${PREFIX}`));
    const leftRouters = (await routers.list(neutron)).filter((r) => r.name.startsWith(PREFIX) || r.name.startsWith(`kube-${PREFIX}`));
    if (leftNets.length + leftRouters.length > 0) console.error(`warning: Neutron still holds ${leftNets.length} networks and ${leftRouters.length} routers of run ${RUN}: ${[...leftNets, ...leftRouters].map((r) => r.name).join(', ')}`);
    await netInformer.stop();
    await tenantInformer.stop();
    kube.close();
    await os.close();
  }

  const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const callCells = (r: Row): string => {
    const c = r.calls?.byMethod ?? r.directCalls;
    if (!c) return '- | - | - | - | -';
    const total = r.calls ? r.calls.total : METHODS.reduce((s, m) => s + (c[m] ?? 0), 0);
    return `${METHODS.map((m) => f(c[m] ?? 0)).join(' | ')} | ${f(total)}`;
  };
  console.log('\n| phase | n | p50 s | p90 s | p99 s | max s | all done s | per s | Neutron GET | POST | PUT | DELETE | calls per Network | Neutron s per Network | reconciles per Network | errors |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const rate = r.n / r.allS;
    console.log(`| ${r.phase} | ${r.n} | ${f(r.p50, 2)} | ${f(r.p90, 2)} | ${f(r.p99, 2)} | ${f(r.max, 2)} | ${f(r.allS)} | ${f(rate, 2)} | ${callCells(r)} | ${r.calls ? f(r.calls.seconds, 2) : f(r.allS / r.n, 2)} | ${r.calls ? f(r.calls.reconciles, 2) : '-'} | ${r.calls ? String(r.calls.errors) : '-'} |`);
  }
  console.log('\nbatch latency: from the `kubectl apply` (or `kubectl delete`) call to each Network\'s first watch event with state Active (or its deletion); per s = Networks per second over the whole phase.');
  console.log('Neutron calls and seconds: the controller\'s own /metrics (stackube_openstack_request_duration_seconds, service="network") between phase start and end, divided by the number of Networks; for the direct rows, our client\'s own calls per set and the median set time.');
  if (Object.keys(perCall).length > 0) console.log(`direct client, median per call: POST network ${f(perCall['network'] ?? NaN, 2)}s, POST subnet ${f(perCall['subnet'] ?? NaN, 2)}s, POST router (with gateway) ${f(perCall['router'] ?? NaN, 2)}s, PUT add_router_interface ${f(perCall['interface'] ?? NaN, 2)}s`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
