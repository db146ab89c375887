import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ManualScheduler } from '../../kube/scheduler.js';
import { createLogger } from '../../telemetry/logger.js';
import { createRegistry } from '../../telemetry/metrics.js';
import { cniError } from '../spec/errors.js';
import type { DaemonRequest, DaemonResponse } from '../spec/protocol.js';
import type { Readiness } from './core.js';
import { nodeMetrics } from './metrics.js';
import { SocketInUseError, requestDeadline, startCniServer, startHealthServer, type CniServer } from './server.js';

const log = createLogger({ name: 't', level: 'fatal', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const config = { cniVersion: '1.1.0', name: 'stackube', type: 'stackube-cni', daemonSocket: '/x', timeoutMs: 60_000 };
const body = (command: string, o: Record<string, unknown> = {}): string =>
  JSON.stringify({ command, containerId: 'c1', netns: '/run/netns/a', ifName: 'eth0', args: {}, config, ...o });

/** One HTTP exchange over the unix socket; `abortAfterSend` closes the connection once the request is written. */
function call(socketPath: string, o: { body?: string; method?: string; path?: string; abortAfterSend?: boolean } = {}): Promise<{ status: number; json: DaemonResponse | undefined }> {
  return new Promise((resolve, reject) => {
    const payload = o.body ?? '';
    const req = request({ socketPath, path: o.path ?? '/v1/cni', method: o.method ?? 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? (JSON.parse(text) as DaemonResponse) : undefined }));
    });
    req.on('error', (e) => (o.abortAfterSend ? resolve({ status: 0, json: undefined }) : reject(e)));
    req.end(payload, () => {
      if (o.abortAfterSend) setImmediate(() => req.destroy());
    });
  });
}

class FakeHandler {
  ready: Readiness = { ready: true };
  seen: { req: DaemonRequest; signal: AbortSignal }[] = [];
  answer: (req: DaemonRequest, signal: AbortSignal) => Promise<DaemonResponse> = () => Promise.resolve({});
  private waiters: (() => void)[] = [];
  handle(req: DaemonRequest, signal: AbortSignal): Promise<DaemonResponse> {
    this.seen.push({ req, signal });
    for (const w of this.waiters.splice(0)) w();
    return this.answer(req, signal);
  }
  readiness(): Readiness {
    return this.ready;
  }
  /** Resolves once a request reached the handler. */
  called(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }
}

const untilAborted = (signal: AbortSignal): Promise<DaemonResponse> =>
  new Promise((resolve) => signal.addEventListener('abort', () => resolve({ error: cniError(11, String((signal.reason as Error).message)) }), { once: true }));

describe('CNI server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stackube-node-srv-'));
  const socketPath = join(dir, 'run', 'cni.sock');
  const handler = new FakeHandler();
  const registry = createRegistry({ defaultMetrics: false });
  const metrics = nodeMetrics(registry);
  const scheduler = new ManualScheduler(0);
  let server: CniServer;

  before(async () => {
    server = await startCniServer({ handler, socketPath, log, metrics, deadlineMs: 30_000, maxBodyBytes: 64 * 1024, graceMs: 1_000, scheduler });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on a 0600 socket and answers POST /v1/cni with 200 and the handler\'s response', async () => {
    assert.equal(statSync(socketPath).mode & 0o777, 0o600);
    const result = { cniVersion: '1.1.0', interfaces: [], ips: [], routes: [], dns: {} };
    handler.answer = () => Promise.resolve({ result });
    const r = await call(socketPath, { body: body('ADD', { args: { K8S_POD_NAMESPACE: 'acme', K8S_POD_NAME: 'web' } }) });
    assert.deepEqual(r, { status: 200, json: { result } });
    assert.deepEqual(handler.seen.at(-1)?.req.pod, { namespace: 'acme', name: 'web' });
    handler.answer = () => Promise.resolve({ error: cniError(3, 'gone') });
    assert.deepEqual((await call(socketPath, { body: body('DEL') })).json, { error: { cniVersion: '1.1.0', code: 3, msg: 'gone' } });
    const text = await registry.metrics();
    assert.match(text, /stackube_cni_request_duration_seconds_count\{command="ADD",result="success"\} 1/);
    assert.match(text, /stackube_cni_request_duration_seconds_count\{command="DEL",result="error"\} 1/);
    assert.match(text, /stackube_cni_requests_in_flight\{command="ADD"\} 0/);
  });

  it('503 (code 11) for ADD while not ready; DEL, CHECK, GC and STATUS still reach the daemon', async () => {
    handler.ready = { ready: false, why: 'the pod informer has not synced yet' };
    handler.answer = () => Promise.resolve({});
    const n = handler.seen.length;
    const r = await call(socketPath, { body: body('ADD') });
    assert.equal(r.status, 503);
    assert.deepEqual(r.json, { error: { cniVersion: '1.1.0', code: 11, msg: 'stackube-node is not ready; try again later', details: 'the pod informer has not synced yet' } });
    assert.equal((await call(socketPath, { body: body('DEL') })).status, 200);
    assert.equal((await call(socketPath, { body: body('STATUS', { containerId: '', netns: '', ifName: '' }) })).status, 200);
    assert.equal(handler.seen.length, n + 2);
    handler.ready = { ready: true };
    assert.match(await registry.metrics(), /stackube_cni_request_duration_seconds_count\{command="ADD",result="not_ready"\} 1/);
  });

  const refusals: { name: string; o: Parameters<typeof call>[1]; status: number; code: number }[] = [
    { name: 'a malformed body', o: { body: '{"command":' }, status: 400, code: 6 },
    { name: 'an invalid container id', o: { body: body('ADD', { containerId: '../x' }) }, status: 400, code: 4 },
    { name: 'another path', o: { body: body('ADD'), path: '/v2/cni' }, status: 404, code: 102 },
    { name: 'GET', o: { method: 'GET' }, status: 405, code: 102 },
    { name: 'a body over the cap', o: { body: body('ADD', { args: { big: 'x'.repeat(70 * 1024) } }) }, status: 413, code: 102 },
  ];
  for (const c of refusals) {
    it(`answers ${c.status} to ${c.name}`, async () => {
      const r = await call(socketPath, c.o);
      assert.equal(r.status, c.status);
      assert.equal(r.json !== undefined && 'error' in r.json ? r.json.error.code : 0, c.code);
    });
  }

  it('aborts the handler at the deadline: the configured one, or earlier to answer before the plugin gives up', async () => {
    handler.answer = (_r, signal) => untilAborted(signal);
    const called = handler.called();
    const pending = call(socketPath, { body: body('ADD', { config: { ...config, timeoutMs: 10_000 } }) });
    await called;
    const signal = handler.seen.at(-1)?.signal;
    await scheduler.advance(7_999);
    assert.equal(signal?.aborted, false);
    await scheduler.advance(1);
    assert.equal(signal?.aborted, true, 'deadline = 10 s timeoutMs - 2 s margin');
    const r = await pending;
    assert.equal(r.json !== undefined && 'error' in r.json ? r.json.error.code : 0, 11);
  });

  it('answers 11 itself when the handler ignores its deadline for longer than the grace', async () => {
    let unstick = (): void => undefined;
    handler.answer = () => new Promise<DaemonResponse>((resolve) => (unstick = () => resolve({})));
    const called = handler.called();
    const pending = call(socketPath, { body: body('DEL') });
    await called;
    await scheduler.advance(30_000 + 1_000);
    const r = await pending;
    unstick();
    assert.equal(r.status, 200);
    assert.match(r.json !== undefined && 'error' in r.json ? r.json.error.msg : '', /did not finish DEL within 30000 ms/);
  });

  it('aborts the handler when the caller goes away', async () => {
    let aborted: unknown;
    handler.answer = (_r, signal) => untilAborted(signal).then((x) => ((aborted = signal.reason), x));
    const called = handler.called();
    void call(socketPath, { body: body('ADD'), abortAfterSend: true });
    await called;
    for (let i = 0; i < 100 && aborted === undefined; i++) await new Promise((r) => setTimeout(r, 5));
    assert.match(String((aborted as Error | undefined)?.message), /caller went away/);
  });

  it('refuses to start on a socket another process listens on, or on a path that is no socket', async () => {
    const other = { handler, log, metrics, deadlineMs: 1000, scheduler };
    await assert.rejects(startCniServer({ ...other, socketPath }), SocketInUseError);
    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'x');
    await assert.rejects(startCniServer({ ...other, socketPath: file }), /is not a socket/);
  });
});

describe('CNI server start and stop', () => {
  it('replaces a stale socket file, and close() cancels in-flight requests and removes the socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackube-node-srv-'));
    const socketPath = join(dir, 'cni.sock');
    try {
      // A socket file whose process died without removing it (as after a crash or SIGKILL).
      spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`]);
      assert.ok(existsSync(socketPath));
      const handler = new FakeHandler();
      const server = await startCniServer({ handler, socketPath, log, metrics: nodeMetrics(createRegistry({ defaultMetrics: false })), deadlineMs: 30_000 });
      handler.answer = (_r, signal) => untilAborted(signal);
      const called = handler.called();
      const pending = call(socketPath, { body: body('ADD') });
      await called;
      await server.close();
      const r = await pending;
      assert.match(r.json !== undefined && 'error' in r.json ? r.json.error.msg : '', /shutting down/);
      assert.equal(existsSync(socketPath), false);
      await server.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('requestDeadline', () => {
  const cases: [number, number, number][] = [
    [30_000, 60_000, 30_000],
    [30_000, 10_000, 8_000],
    [30_000, 3_000, 1_500],
    [30_000, 1, 1],
  ];
  for (const [configured, plugin, want] of cases) it(`${configured} ms configured, plugin ${plugin} ms → ${want} ms`, () => assert.equal(requestDeadline(configured, plugin), want));
});

describe('health server', () => {
  it('serves /healthz, /readyz (503 with the reason until ready) and /metrics', async () => {
    let ready: Readiness = { ready: false, why: 'the pod informer has not synced yet' };
    const registry = createRegistry({ defaultMetrics: false });
    nodeMetrics(registry);
    const h = await startHealthServer({ host: '127.0.0.1', port: 0, registry, readiness: () => ready });
    const get = async (path: string): Promise<[number, string]> => {
      const res = await fetch(`http://127.0.0.1:${h.port}${path}`);
      return [res.status, await res.text()];
    };
    try {
      assert.deepEqual(await get('/healthz'), [200, 'ok']);
      assert.deepEqual(await get('/readyz'), [503, 'not ready: the pod informer has not synced yet']);
      ready = { ready: true };
      assert.deepEqual(await get('/readyz'), [200, 'ready']);
      const [status, text] = await get('/metrics');
      assert.equal(status, 200);
      assert.match(text, /stackube_cni_request_duration_seconds/);
      assert.equal((await get('/nope'))[0], 404);
    } finally {
      await h.close();
    }
  });
});
