// bench/tenants: Tenant create → Ready latency of the running stackube-controller (issue 3 target: p50 ≤ 1 s).
// For each N (BENCH_TENANTS, default "100,500"), applies N Tenants in one `kubectl apply` of a List, watches them
// until every one is Ready=True (latency = from the apply call to the first watch event showing Ready=True), then
// deletes them in one call and times that too. Reconciles come from the controller's /metrics; Keystone calls are
// counted as TCP connections accepted on :5000 (Keystone answers `Connection: close`, so one request = one
// connection; each lingers in TIME_WAIT for 60 s, so polling /proc/net/tcp every second sees all of them) and
// include every other Keystone client on this machine. Every BENCH_COMPAT-th tenant (default 3; 0 = none) uses the
// original's username/password fields, which adds a Keystone user. Once the batch is Ready, BENCH_SEQUENTIAL
// (default 10) more Tenants are created one at a time (one POST each, the next after the last is Ready): the
// latency of a single create with N tenants present, without the queueing of a burst. Prints a markdown table.
// Run through `npm run bench:tenants` (bench/tenants/run.sh starts what it needs).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../src/lib/clock.js';
import { KubeClient } from '../../src/kube/client.js';
import { Informer } from '../../src/kube/informer.js';
import { loadKubeconfig } from '../../src/kube/kubeconfig.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { resolveCloud } from '../../src/openstack/core/clouds.js';
import { createOpenStackClient } from '../../src/openstack/core/client.js';
import { domains } from '../../src/openstack/keystone/domains.js';
import { projects } from '../../src/openstack/keystone/projects.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const STATE = process.env['STACKUBE_STATE'] ?? '/var/lib/stackube';
const KUBE_VERSION = /KUBE_VERSION=(\S+)/.exec(readFileSync(join(ROOT, 'hack/versions.env'), 'utf8'))?.[1] ?? '';
const KUBECTL = join(ROOT, '.cache/kube', KUBE_VERSION, 'bin/kubectl');
const KUBECONFIG = join(STATE, 'pki/admin.kubeconfig');
const METRICS = 'http://127.0.0.1:9443/metrics';
const READYZ = 'http://127.0.0.1:9443/readyz';
const SIZES = (process.env['BENCH_TENANTS'] ?? '100,500').split(',').map(Number).filter((n) => n > 0);
const COMPAT_EVERY = Number(process.env['BENCH_COMPAT'] ?? 3);
const TIMEOUT_MS = Number(process.env['BENCH_TIMEOUT_MS'] ?? 600_000);
const SEQUENTIAL = Number(process.env['BENCH_SEQUENTIAL'] ?? 10);
const LABEL = 'stackube-bench/run';
const RUN = randomBytes(3).toString('hex');

interface TenantObj extends KubeObject {
  status?: { conditions?: { type: string; status: string }[] };
}

function kubectl(args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    execFile(KUBECTL, [`--kubeconfig=${KUBECONFIG}`, ...args], { maxBuffer: 64 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
      res({ code: err ? 1 : 0, out: `${stdout}${stderr}` });
    });
  });
}

async function metrics(): Promise<{ reconciles: number; seconds: number; errors: number }> {
  const text = await (await fetch(METRICS)).text();
  const sum = (metric: string): number => text.split('\n')
    .filter((l) => l.startsWith(`${metric}{`) && l.includes('controller="tenant"'))
    .reduce((s, l) => s + (Number(l.slice(l.lastIndexOf(' ') + 1)) || 0), 0);
  return {
    reconciles: sum('stackube_controller_reconcile_duration_seconds_count'),
    seconds: sum('stackube_controller_reconcile_duration_seconds_sum'),
    errors: sum('stackube_controller_reconcile_errors_total'),
  };
}

/** Counts TCP connections accepted on 127.0.0.1:5000 (Keystone) from now until stop(). */
function keystoneConnections(): { stop: () => number } {
  const scan = (): Set<string> => {
    const out = new Set<string>();
    for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1]?.endsWith(':1388') && f[3] !== '0A') out.add(f[2] ?? ''); // local :5000, not the listener
    }
    return out;
  };
  let last = scan();
  let count = 0;
  const timer = setInterval(() => {
    const now = scan();
    for (const k of now) if (!last.has(k)) count++;
    last = now;
  }, 1_000);
  return { stop: () => {
    clearInterval(timer);
    for (const k of scan()) if (!last.has(k)) count++;
    return count;
  } };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN);
}

/** Median latency (ms) of a few calls the tenant controller makes for every tenant, to show Keystone's share. */
async function keystoneProbe(): Promise<{ findByTag: number; domainByName: number; createDelete: number }> {
  const cloud = resolveCloud({ env: {}, cloud: 'admin', cloudsFile: join(STATE, 'clouds.yaml'), cwd: STATE, home: STATE });
  const os = createOpenStackClient({ cloud, clock: systemClock, sleep: (ms) => sleep(ms) });
  const identity = os.service('identity');
  const median = async (fn: () => Promise<unknown>, n = 9): Promise<number> => {
    const t: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await fn();
      t.push(performance.now() - t0);
    }
    return percentile(t.sort((a, b) => a - b), 50);
  };
  try {
    await os.session.token();
    const domainId = (await domains.list(identity, { name: 'Default' }))[0]?.id ?? 'default';
    return {
      findByTag: await median(() => projects.list(identity, { tags: `stackube-bench-${RUN}` })),
      domainByName: await median(() => domains.list(identity, { name: 'Default' })),
      createDelete: await median(async () => {
        const p = await projects.create(identity, { name: `bench-probe-${RUN}-${randomBytes(3).toString('hex')}`, domain_id: domainId, tags: [`stackube-bench-${RUN}`] });
        await projects.delete(identity, p.id);
      }, 5),
    };
  } finally {
    await os.close();
  }
}

interface Result {
  seqP50: number; seqMax: number;
  n: number; applyS: number; p50: number; p99: number; max: number; allReadyS: number;
  reconciles: number; reconcilesPerS: number; meanReconcileS: number; errors: number; keystoneCalls: number;
  deleteS: number; deleteReconciles: number;
}

async function once(n: number): Promise<Result> {
  const run = `${RUN}-${n}`;
  const names = Array.from({ length: n }, (_, i) => `bench-${run}-${String(i).padStart(3, '0')}`);
  const kube = new KubeClient(loadKubeconfig(KUBECONFIG), 'stackube-bench');
  const readyAt = new Map<string, number>();
  let t0 = 0;
  const informer = new Informer<TenantObj>({ client: kube, path: '/apis/stackube.kubernetes.io/v1/tenants', labelSelector: `${LABEL}=${run}` });
  const track = (t: TenantObj): void => {
    const name = t.metadata?.name ?? '';
    if (!readyAt.has(name) && t.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) readyAt.set(name, performance.now() - t0);
  };
  informer.addHandlers({ onAdd: track, onUpdate: (_o, t) => track(t) });
  informer.start();
  try {
    await informer.waitForSync();
    const file = join(mkdtempSync(join(tmpdir(), 'bench-tenants-')), 'tenants.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: names.map((name, i) => ({
      apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name, labels: { [LABEL]: run } },
      spec: COMPAT_EVERY > 0 && i % COMPAT_EVERY === 0 ? { username: name, password: randomBytes(12).toString('hex') } : {},
    })) }));

    const m0 = await metrics();
    const ks = keystoneConnections();
    t0 = performance.now();
    const applied = await kubectl(['apply', '-f', file]);
    const applyS = (performance.now() - t0) / 1000;
    if (applied.code !== 0) throw new Error(`kubectl apply failed: ${applied.out}`);
    const deadline = t0 + TIMEOUT_MS;
    while (readyAt.size < n && performance.now() < deadline) await sleep(50);
    const allReadyS = (performance.now() - t0) / 1000;
    const m1 = await metrics();
    const keystoneCalls = ks.stop();
    if (readyAt.size < n) console.error(`warning: only ${readyAt.size}/${n} tenants became Ready within ${TIMEOUT_MS / 1000}s`);
    const lat = [...readyAt.values()].map((ms) => ms / 1000).sort((a, b) => a - b);

    // One at a time, each a single POST, with the N tenants present.
    const seq: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const name = `bench-${run}-s${String(i).padStart(2, '0')}`;
      const s0 = performance.now();
      await kube.request('POST', '/apis/stackube.kubernetes.io/v1/tenants', { body: { apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name, labels: { [LABEL]: run } }, spec: {} } });
      while (!readyAt.has(name) && performance.now() < s0 + 60_000) await sleep(5);
      seq.push((performance.now() - s0) / 1000);
      if (!readyAt.has(name)) console.error(`warning: ${name} (one at a time) was not Ready within 60s`);
    }
    seq.sort((a, b) => a - b);

    const d0 = performance.now();
    const deleted = await kubectl(['delete', 'tenants', '-l', `${LABEL}=${run}`, '--wait=false']);
    if (deleted.code !== 0) throw new Error(`kubectl delete failed: ${deleted.out}`);
    while (informer.size > 0 && performance.now() < d0 + TIMEOUT_MS) await sleep(100);
    const deleteS = (performance.now() - d0) / 1000;
    if (informer.size > 0) console.error(`warning: ${informer.size} tenants still exist after ${TIMEOUT_MS / 1000}s`);
    const m2 = await metrics();
    const reconciles = m1.reconciles - m0.reconciles;
    return {
      seqP50: percentile(seq, 50), seqMax: seq.at(-1) ?? NaN,
      n, applyS, p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat.at(-1) ?? NaN, allReadyS,
      reconciles, reconcilesPerS: reconciles / allReadyS, meanReconcileS: (m1.seconds - m0.seconds) / Math.max(1, reconciles),
      errors: m1.errors - m0.errors, keystoneCalls, deleteS, deleteReconciles: m2.reconciles - m1.reconciles,
    };
  } finally {
    // Whatever failed, leave none of this run's tenants behind (and never touch anyone else's).
    if (informer.size > 0) await kubectl(['delete', 'tenants', '-l', `${LABEL}=${run}`, '--wait=false']);
    await informer.stop();
    kube.close();
  }
}

async function main(): Promise<void> {
  // A controller just (re)started may wait for the leader Lease first; measure only once it works.
  for (let i = 0; i < 600 && (await fetch(READYZ).then((r) => r.text(), () => '')) !== 'leading'; i++) await sleep(100);
  const probe = await keystoneProbe();
  // Its start-up line (logged once its caches synced, which the probe above gave time for) names the worker count.
  const workers = /"workers":(\d+)/.exec(readFileSync('/var/log/stackube/stackube-controller.log', 'utf8').split('\n').filter((l) => l.includes('"workers"')).at(-1) ?? '')?.[1] ?? '?';
  console.log(`Tenant benchmark: stackube-controller with ${workers} workers; ${COMPAT_EVERY > 0 ? `1 in ${COMPAT_EVERY}` : 'no'} tenants with username/password; run ${RUN}`);
  console.log(`Keystone (median, admin client): GET projects?tags= ${probe.findByTag.toFixed(0)} ms, GET domains?name= ${probe.domainByName.toFixed(0)} ms, POST+DELETE project ${probe.createDelete.toFixed(0)} ms`);
  const results: Result[] = [];
  for (const n of SIZES) {
    const r = await once(n);
    results.push(r);
    console.log(`  ${n} tenants: p50 ${r.p50.toFixed(2)}s, all Ready after ${r.allReadyS.toFixed(1)}s, all gone ${r.deleteS.toFixed(1)}s after the delete`);
  }
  console.log('\n| tenants | apply s | create→Ready p50 s | p99 s | max s | all Ready s | reconciles | reconciles/s | mean reconcile s | errors | Keystone calls | delete→gone s | delete reconciles | one at a time p50 s | max s |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.n} | ${r.applyS.toFixed(1)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(2)} | ${r.allReadyS.toFixed(1)} | ${r.reconciles} | ${r.reconcilesPerS.toFixed(1)} | ${r.meanReconcileS.toFixed(3)} | ${r.errors} | ${r.keystoneCalls} | ${r.deleteS.toFixed(1)} | ${r.deleteReconciles} | ${r.seqP50.toFixed(2)} | ${r.seqMax.toFixed(2)} |`);
  }
  const first = results[0];
  if (first) {
    console.log(`\nbatch: latency from the \`kubectl apply\` of the whole List to each tenant's first Ready=True; reconciles/s over that span; delete→gone covers the ${SEQUENTIAL} one-at-a-time tenants too.`);
    console.log(`target p50 ≤ 1 s: ${results.map((r) => `${r.n} in one batch: ${r.p50 <= 1 ? 'met' : 'missed'}; one at a time with ${r.n} present: ${r.seqP50 <= 1 ? 'met' : 'missed'}`).join('; ')}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
