// Shared helpers for integration tests. They talk to the real components started by hack/up.sh.
import { execFile } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../src/lib/clock.js';
import { resolveCloud, type CloudConfig } from '../../src/openstack/core/clouds.js';
import { createOpenStackClient } from '../../src/openstack/core/client.js';
import { KubeClient } from '../../src/kube/client.js';
import { loadKubeconfig } from '../../src/kube/kubeconfig.js';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const STATE = process.env['STACKUBE_STATE'] ?? '/var/lib/stackube';
export const PKI = join(STATE, 'pki');
export const CLOUDS = join(STATE, 'clouds.yaml');
const KUBE_VERSION = /KUBE_VERSION=(\S+)/.exec(readFileSync(join(ROOT, 'hack/versions.env'), 'utf8'))?.[1] ?? '';
export const KUBECTL = join(ROOT, '.cache/kube', KUBE_VERSION, 'bin/kubectl');
export const ADMIN_KUBECONFIG = join(PKI, 'admin.kubeconfig');
export const API = 'https://127.0.0.1:6443';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; never rejects (the result carries the exit code). */
export function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((res) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      res({ code, stdout, stderr });
    });
  });
}

/** kubectl with a kubeconfig (credential plugin users) or with a bare bearer token. */
export function kubectl(args: readonly string[], who: { kubeconfig: string; env?: NodeJS.ProcessEnv } | { token: string }): Promise<RunResult> {
  if ('token' in who) {
    return run(KUBECTL, ['--kubeconfig=/dev/null', `--server=${API}`, `--certificate-authority=${join(PKI, 'ca.crt')}`, `--token=${who.token}`, ...args]);
  }
  return run(KUBECTL, [`--kubeconfig=${who.kubeconfig}`, ...args], who.env ?? {});
}

/** The clouds.yaml entry of a demo user or the admin. */
export function cloud(name: string): CloudConfig {
  return resolveCloud({ env: {}, cloud: name, cloudsFile: CLOUDS, cwd: tmpdir(), home: tmpdir() });
}

/** A fresh Keystone token for a cloud, through our own client (never cached). */
export async function freshToken(c: CloudConfig): Promise<{ id: string; expiresAt: number; userId: string; projectId: string | undefined }> {
  const os = createOpenStackClient({ cloud: c, clock: systemClock, sleep: (ms) => sleep(ms) });
  try {
    const t = await os.session.token();
    return { id: t.id, expiresAt: t.expiresAt, userId: t.body.token.user.id, projectId: t.body.token.project?.id };
  } finally {
    await os.close();
  }
}

/** POSTs JSON (or raw text) to the webhook over TLS. Never rejects on HTTP status. */
export function webhookPost(path: string, body: unknown, opts: { raw?: string; contentType?: string; port?: number } = {}): Promise<{ status: number; body: string }> {
  const payload = opts.raw ?? JSON.stringify(body);
  return new Promise((res, rej) => {
    let answered = false;
    const req = request({ host: '127.0.0.1', port: opts.port ?? 8443, path, method: 'POST', ca: readFileSync(join(PKI, 'ca.crt')),
      headers: { 'content-type': opts.contentType ?? 'application/json', 'content-length': Buffer.byteLength(payload) } }, (r) => {
      answered = true;
      let s = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (s += c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body: s }));
    });
    // A server may answer (413) and close before a large body is fully written: the answer is what counts.
    req.on('error', (e) => {
      if (!answered) rej(e);
    });
    req.end(payload);
  });
}

/** GETs a webhook path over TLS. */
export function webhookGet(path: string, port = 8443): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', ca: readFileSync(join(PKI, 'ca.crt')) }, (r) => {
      let s = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (s += c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body: s }));
    });
    req.on('error', rej);
    req.end();
  });
}

/** Writes a kubeconfig for a demo user with `stackube login`, with its own token cache directory. */
export async function login(name: string): Promise<{ kubeconfig: string; env: NodeJS.ProcessEnv }> {
  const dir = mkdtempSync(join(tmpdir(), `stackube-it-${name}-`));
  const env = { OS_CLIENT_CONFIG_FILE: CLOUDS, XDG_CACHE_HOME: join(dir, 'cache'), STACKUBE_STATE: STATE };
  const kubeconfig = join(dir, 'kubeconfig');
  const r = await run(process.execPath, [join(ROOT, 'dist/src/cmd/stackube.js'), 'login', '--os-cloud', name, '--kubeconfig', kubeconfig], env);
  if (r.code !== 0) throw new Error(`stackube login ${name} failed (${r.code}): ${r.stderr}`);
  return { kubeconfig, env };
}

/** Polls fn until it returns true or the deadline passes (integration tests wait for real processes). */
export async function eventually(fn: () => Promise<boolean>, timeoutMs: number, stepMs = 250): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return true;
    await sleep(stepMs);
  }
  return fn();
}

/** Runs a hack/ script (e.g. to stop or start Keystone). */
export function hack(script: string, args: readonly string[] = []): Promise<RunResult> {
  return run('bash', [join(ROOT, 'hack', script), ...args], {}, 300_000);
}

/** A KubeClient for the cluster admin (hack/pki's admin kubeconfig), writing as fieldManager. Close it after use. */
export function adminKube(fieldManager = 'stackube-it'): KubeClient {
  return new KubeClient(loadKubeconfig(ADMIN_KUBECONFIG), fieldManager);
}

/** Where hack/lib.sh keeps daemon pidfiles (`<name>.pid`). */
export const RUN_DIR = '/run/stackube';
/** stackube-controller's /healthz, /readyz and /metrics (hack/controller-up.sh's --listen-address). */
export const CONTROLLER_URL = 'http://127.0.0.1:9443';

/** A seeded PRNG (mulberry32), shared with the unit tests' fuzzers. */
export { seededRandom } from '../../src/lib/random.js';

/** True while pid runs (a zombie, killed but not yet reaped, counts as dead). Never throws. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /s.test(stat);
  } catch {
    return false; // no /proc entry: the process is gone
  }
}

/** The PID of our daemon NAME from its hack/lib.sh pidfile when that process is alive, else undefined. */
export function daemonPid(name: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(RUN_DIR, `${name}.pid`), 'utf8').trim());
  } catch {
    return undefined; // no pidfile: not started by hack/
  }
  return Number.isInteger(pid) && pid > 0 && processAlive(pid) ? pid : undefined;
}

/**
 * SIGKILLs our daemon NAME (PID from its pidfile, checked against its command line) and waits until it is dead.
 * Resolves the PID killed, or undefined when it was not running. Throws when it outlives 10 s.
 */
export async function killDaemon(name: string, cmdlineMustContain = name): Promise<number | undefined> {
  const pid = daemonPid(name);
  if (pid === undefined) return undefined;
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  if (!cmdline.includes(cmdlineMustContain)) throw new Error(`pid ${pid} from ${name}.pid runs "${cmdline.replaceAll('\0', ' ')}", not ${cmdlineMustContain}`);
  process.kill(pid, 'SIGKILL');
  const end = Date.now() + 10_000;
  while (processAlive(pid)) {
    if (Date.now() > end) throw new Error(`pid ${pid} (${name}) survived SIGKILL for 10 s`);
    await sleep(20);
  }
  return pid;
}

/** GETs a path of stackube-controller's plain-HTTP server. Never rejects: status 0 when unreachable. */
export async function controllerGet(path: string): Promise<{ status: number; body: string }> {
  try {
    const r = await fetch(`${CONTROLLER_URL}${path}`, { signal: AbortSignal.timeout(3_000) });
    return { status: r.status, body: await r.text() };
  } catch {
    return { status: 0, body: '' }; // not listening (yet): callers poll
  }
}

/** Waits until stackube-controller holds the leader lease (/readyz says "leading"). False after timeoutMs. */
export function controllerLeading(timeoutMs: number): Promise<boolean> {
  return eventually(async () => (await controllerGet('/readyz')).body === 'leading', timeoutMs, 100);
}

/** Sums the samples of one Prometheus metric (every label set) in a text exposition; 0 when absent. */
export function metricSum(exposition: string, metric: string): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    if (line.startsWith(`${metric}{`) || line.startsWith(`${metric} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return sum;
}
