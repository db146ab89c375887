// bench/auth: TokenReview throughput and latency of stackube-webhook (with and without its token cache) side by
// side with upstream k8s-keystone-auth, in one run, against the same real Keystone. Prints a table and ratios.
// Run through `npm run bench:auth` (bench/auth/run.sh starts what it needs).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { systemClock } from '../../src/lib/clock.js';
import { resolveCloud } from '../../src/openstack/core/clouds.js';
import { createOpenStackClient } from '../../src/openstack/core/client.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const STATE = process.env['STACKUBE_STATE'] ?? '/var/lib/stackube';
const PKI = join(STATE, 'pki');
const CPO = /CPO_VERSION=(\S+)/.exec(readFileSync(join(ROOT, 'hack/versions.env'), 'utf8'))?.[1] ?? '';
const DURATION_MS = Number(process.env['BENCH_DURATION_MS'] ?? 10_000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const TOKENS = Number(process.env['BENCH_TOKENS'] ?? 32);
const ca = readFileSync(join(PKI, 'ca.crt'));

interface Target { name: string; port: number; path: string; start: () => ChildProcess }
const children: ChildProcess[] = [];

function ours(port: number, cacheTtl: string): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'dist/src/cmd/stackube-webhook.js'), `--listen-address=127.0.0.1:${port}`,
    `--tls-cert-file=${PKI}/webhook.crt`, `--tls-key-file=${PKI}/webhook.key`, `--clouds-file=${STATE}/clouds.yaml`, '--cloud=stackube-service',
    '--tenant-rules=false', `--token-cache-max-ttl=${cacheTtl}`, '--log-level=error'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
const TARGETS: Target[] = [
  { name: 'k8s-keystone-auth ' + CPO, port: 8447, path: '/webhook', start: () => spawn(join(ROOT, '.cache/cpo', CPO, 'bin/k8s-keystone-auth'),
    ['--keystone-url=http://127.0.0.1:5000/v3', `--tls-cert-file=${PKI}/webhook.crt`, `--tls-private-key-file=${PKI}/webhook.key`, '--listen=127.0.0.1:8447'],
    { stdio: ['ignore', 'ignore', 'ignore'] }) },
  { name: 'stackube-webhook, no cache', port: 8448, path: '/authenticate', start: () => ours(8448, '0s') },
  { name: 'stackube-webhook, cache', port: 8449, path: '/authenticate', start: () => ours(8449, '5m') },
];

async function tokens(n: number): Promise<string[]> {
  const names = ['alice', 'bob', 'carol', 'dave'];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const cloud = resolveCloud({ env: {}, cloud: names[i % names.length], cloudsFile: join(STATE, 'clouds.yaml'), cwd: STATE, home: STATE });
    const os = createOpenStackClient({ cloud, clock: systemClock, sleep: (ms) => sleep(ms) });
    out.push((await os.session.token()).id);
    await os.close();
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN);
}

async function load(t: Target, toks: string[]): Promise<{ rps: number; p50: number; p99: number; ok: number; failed: number }> {
  const pool = new Pool(`https://127.0.0.1:${t.port}`, { connections: CONCURRENCY, connect: { ca } });
  const bodies = toks.map((token) => JSON.stringify({ apiVersion: 'authentication.k8s.io/v1beta1', kind: 'TokenReview', spec: { token } }));
  const review = async (i: number): Promise<boolean> => {
    const r = await pool.request({ method: 'POST', path: t.path, headers: { 'content-type': 'application/json' }, body: bodies[i % bodies.length] ?? '' });
    const text = await r.body.text();
    return r.statusCode === 200 && /"authenticated": ?true/.test(text);
  };
  // Warm-up: every token once (fills our cache; opens connections).
  await Promise.all(bodies.map((_, i) => review(i)));
  const lat: number[] = [];
  let ok = 0;
  let failed = 0;
  let next = 0;
  const end = performance.now() + DURATION_MS;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const good = await review(next++).catch(() => false);
      lat.push(performance.now() - t0);
      if (good) ok++;
      else failed++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const secs = (performance.now() - t0) / 1000;
  await pool.close();
  lat.sort((a, b) => a - b);
  return { rps: ok / secs, p50: percentile(lat, 50), p99: percentile(lat, 99), ok, failed };
}

async function waitUp(port: number): Promise<void> {
  const pool = new Pool(`https://127.0.0.1:${port}`, { connect: { ca } });
  for (let i = 0; i < 200; i++) {
    try {
      await (await pool.request({ method: 'GET', path: '/' })).body.text();
      await pool.close();
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`nothing listens on ${port}`);
}

async function main(): Promise<void> {
  const toks = await tokens(TOKENS);
  console.log(`TokenReview benchmark: ${TOKENS} distinct Keystone tokens, concurrency ${CONCURRENCY}, ${DURATION_MS / 1000}s per target, same Keystone (127.0.0.1:5000)`);
  const results: Record<string, Awaited<ReturnType<typeof load>>> = {};
  for (const t of TARGETS) {
    const c = t.start();
    children.push(c);
    await waitUp(t.port);
    results[t.name] = await load(t, toks);
    c.kill('SIGTERM');
  }
  console.log('\n| target | reviews/s | p50 ms | p99 ms | ok | failed |\n|---|---:|---:|---:|---:|---:|');
  for (const [name, r] of Object.entries(results)) {
    console.log(`| ${name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.ok} | ${r.failed} |`);
  }
  const base = results[TARGETS[0]?.name ?? '']?.rps ?? NaN;
  console.log(`\nratio vs k8s-keystone-auth: no cache ${((results[TARGETS[1]?.name ?? '']?.rps ?? NaN) / base).toFixed(2)}x, cache ${((results[TARGETS[2]?.name ?? '']?.rps ?? NaN) / base).toFixed(2)}x`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
}).finally(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
});
