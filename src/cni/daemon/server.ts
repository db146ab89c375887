// stackube-node's two listeners: the CNI endpoint (HTTP/1.1 `POST /v1/cni` on a unix socket, mode 0600, for the
// stackube-cni plugin) and /healthz, /readyz, /metrics on TCP. Every CNI request has a deadline below the plugin's.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../../telemetry/logger.js';
import type { Registry } from '../../telemetry/metrics.js';
import { AppError, describeError } from '../../lib/errors.js';
import { systemScheduler, type Scheduler } from '../../kube/scheduler.js';
import { CNI_ERR, cniError, type CniErrorObject } from '../spec/errors.js';
import { DAEMON_PATH, type DaemonRequest, type DaemonResponse } from '../spec/protocol.js';
import { DeadlineError } from './errors.js';
import type { CniResultLabel, NodeMetrics } from './metrics.js';
import { parseDaemonRequest } from './request.js';
import type { Readiness } from './core.js';

/** Largest request body accepted: the plugin's own stdin cap (1 MiB, prevResult included) plus the environment. */
export const MAX_REQUEST_BYTES = 2 << 20;
/** Time the daemon keeps for itself below the plugin's timeoutMs, so that its answer arrives before the plugin gives up. */
export const PLUGIN_MARGIN_MS = 2_000;
/** After the deadline, how long a request may still take to undo its work before it is answered anyway. */
export const DEFAULT_GRACE_MS = 5_000;

/** What the server needs from the daemon. */
export interface CniHandler {
  handle(req: DaemonRequest, signal: AbortSignal, log: Logger): Promise<DaemonResponse>;
  readiness(): Readiness;
}

/** Options of startCniServer. */
export interface CniServerOptions {
  handler: CniHandler;
  socketPath: string;
  log: Logger;
  metrics: NodeMetrics;
  /** Deadline of one request (the config's addTimeout); capped by the plugin's timeoutMs minus PLUGIN_MARGIN_MS. */
  deadlineMs: number;
  /** Default MAX_REQUEST_BYTES. */
  maxBodyBytes?: number;
  /** Default DEFAULT_GRACE_MS. */
  graceMs?: number;
  /** Default: real timers. */
  scheduler?: Scheduler;
}

/** A running CNI server. */
export interface CniServer {
  readonly socketPath: string;
  /** Stops accepting, cancels in-flight requests (they undo and answer), waits for them (at most the grace), removes the socket. Idempotent. */
  close(): Promise<void>;
}

/** The socket is held by a live process (another stackube-node). */
export class SocketInUseError extends AppError {
  constructor(path: string) {
    super('STACKUBE_ERR_NODE_SOCKET_IN_USE', `${path} is in use: another stackube-node is listening on it`, { details: { path } });
  }
}

/** A request's deadline in ms: the configured one, but always before the plugin's own timeout. Pure. */
export function requestDeadline(configuredMs: number, pluginTimeoutMs: number): number {
  const beforePlugin = pluginTimeoutMs > 2 * PLUGIN_MARGIN_MS ? pluginTimeoutMs - PLUGIN_MARGIN_MS : Math.floor(pluginTimeoutMs / 2);
  return Math.max(1, Math.min(configuredMs, beforePlugin));
}

/** Whether something accepts connections on a unix socket path. Never rejects. */
function isListening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Removes a stale socket file left by a previous run. Rejects with SocketInUseError when a live process still
 * listens on it, and with AppError when the path is something other than a socket (never deleted).
 */
export async function removeStaleSocket(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!st.isSocket()) throw new AppError('STACKUBE_ERR_NODE_SOCKET_PATH', `${path} exists and is not a socket; refusing to replace it`, { details: { path } });
  if (await isListening(path)) throw new SocketInUseError(path);
  await unlink(path);
}

function send(res: ServerResponse, status: number, body: DaemonResponse): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Reads the body up to max bytes; undefined when it is larger (the caller answers 413). */
function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      total += c.byteLength;
      if (total > max) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks, total).toString('utf8')));
    req.on('error', reject);
  });
}

let requestSeq = 0;

/**
 * Starts the CNI server on a unix socket (stale socket removed first, mode 0600 once listening). Answers:
 * 200 + DaemonResponse for every CNI outcome; 503 + error 11 for ADD while not ready (DEL, CHECK, GC need no
 * pod informer and are always served; STATUS answers error 50); 400 for a malformed request; 404, 405, 413.
 * Rejects with SocketInUseError or an fs/listen error.
 */
export async function startCniServer(o: CniServerOptions): Promise<CniServer> {
  const max = o.maxBodyBytes ?? MAX_REQUEST_BYTES;
  const grace = o.graceMs ?? DEFAULT_GRACE_MS;
  const scheduler = o.scheduler ?? systemScheduler;
  const inflight = new Set<AbortController>();
  const running = new Set<Promise<void>>();

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const t0 = performance.now();
    let command = 'unknown';
    let result: CniResultLabel = 'bad_request';
    const fail = (status: number, code: number, msg: string, details?: string): void => send(res, status, { error: cniError(code, msg, details) });
    try {
      if (req.url !== DAEMON_PATH) return fail(404, CNI_ERR.DAEMON_ERROR, `no such endpoint ${req.url ?? ''}; the CNI endpoint is POST ${DAEMON_PATH}`);
      if (req.method !== 'POST') return fail(405, CNI_ERR.DAEMON_ERROR, `method ${req.method ?? ''} not allowed; use POST`);
      if (Number(req.headers['content-length'] ?? 0) > max) {
        res.setHeader('connection', 'close');
        return fail(413, CNI_ERR.DAEMON_ERROR, `request larger than ${max} bytes`);
      }
      const body = await readBody(req, max);
      if (body === undefined) return fail(413, CNI_ERR.DAEMON_ERROR, `request larger than ${max} bytes`);
      const parsed = parseDaemonRequest(body);
      if (!parsed.ok) return send(res, 400, { error: parsed.error });
      const r = parsed.value;
      command = r.command;
      const ready = o.handler.readiness();
      if (r.command === 'ADD' && !ready.ready) {
        result = 'not_ready';
        return fail(503, CNI_ERR.TRY_AGAIN_LATER, 'stackube-node is not ready; try again later', ready.why);
      }
      const log = o.log.child({ requestId: ++requestSeq, command: r.command, ...(r.containerId ? { containerId: r.containerId } : {}), ...(r.pod ? { pod: `${r.pod.namespace}/${r.pod.name}` } : {}) });
      o.metrics.inFlight.inc({ command });
      try {
        const answer = await runWithDeadline(r, log, res);
        result = 'error' in answer ? 'error' : 'success';
        send(res, 200, answer);
      } finally {
        o.metrics.inFlight.dec({ command });
      }
    } finally {
      o.metrics.requestDuration.observe({ command, result }, (performance.now() - t0) / 1000);
    }
  };

  /** Runs the handler with the request's deadline; answers 11 if it has not finished even deadline + grace later. */
  const runWithDeadline = async (r: DaemonRequest, log: Logger, res: ServerResponse): Promise<DaemonResponse> => {
    const deadline = requestDeadline(o.deadlineMs, r.config.timeoutMs);
    const ac = new AbortController();
    inflight.add(ac);
    const cancelDeadline = scheduler.setTimer(deadline, () => ac.abort(new DeadlineError(`serving ${r.command} (${deadline} ms)`)));
    // The plugin gave up (its own timeout, or it was killed): stop waiting on its behalf; the work is undone.
    const onClose = (): void => {
      if (!res.writableEnded) ac.abort(new DeadlineError('serving a request whose caller went away'));
    };
    res.on('close', onClose);
    let cancelGuard = (): void => undefined;
    const guard = new Promise<DaemonResponse>((resolve) => {
      cancelGuard = scheduler.setTimer(deadline + grace, () => {
        log.error({ deadlineMs: deadline, graceMs: grace }, 'request still running after its deadline; answering without it');
        resolve({ error: cniError(CNI_ERR.TRY_AGAIN_LATER, `stackube-node did not finish ${r.command} within ${deadline} ms`) });
      });
    });
    const work = o.handler.handle(r, ac.signal, log);
    const tracked = work.then(() => undefined, () => undefined);
    running.add(tracked);
    void tracked.finally(() => running.delete(tracked));
    try {
      return await Promise.race([work, guard]);
    } finally {
      cancelDeadline();
      cancelGuard();
      res.off('close', onClose);
      inflight.delete(ac);
    }
  };

  // requestTimeout bounds receiving a request (a client trickling its body); the work has its own deadline.
  const server: Server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, (req, res) => {
    serve(req, res).catch((e: unknown) => {
      o.log.error({ err: describeError(e) }, 'cni request handler failed');
      send(res, 500, { error: internal(e) });
    });
  });
  await removeStaleSocket(o.socketPath);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Only root (the runtime calling the plugin) may talk to the daemon: it creates links in any netns.
  await chmod(o.socketPath, 0o600);
  o.log.info({ socket: o.socketPath, deadlineMs: o.deadlineMs }, 'cni server listening');

  let closing: Promise<void> | undefined;
  return {
    socketPath: o.socketPath,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const ac of inflight) ac.abort(new DeadlineError('shutting down'));
        // Cancelled requests undo their work and answer; one that ignores its signal is not waited for forever.
        let cancel = (): void => undefined;
        await Promise.race([Promise.all([...running]), new Promise<void>((resolve) => (cancel = scheduler.setTimer(grace, resolve)))]);
        cancel();
        server.closeIdleConnections();
        server.closeAllConnections();
        await closed;
        await unlink(o.socketPath).catch((e: unknown) => {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') o.log.warn({ err: describeError(e) }, 'could not remove the socket');
        });
      })();
      return closing;
    },
  };
}

function internal(e: unknown): CniErrorObject {
  return cniError(CNI_ERR.DAEMON_ERROR, 'stackube-node internal error', describeError(e));
}

/** Options of startHealthServer. */
export interface HealthServerOptions {
  /** host and port (0 = any free port). */
  host: string;
  port: number;
  registry: Registry;
  readiness: () => Readiness;
}

/** /healthz (alive), /readyz (200 ready, 503 with the reason), /metrics (Prometheus). Resolves once listening. */
export async function startHealthServer(o: HealthServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/healthz') return res.writeHead(200).end('ok');
      if (path === '/readyz') {
        const r = o.readiness();
        return r.ready ? res.writeHead(200).end('ready') : res.writeHead(503).end(`not ready: ${r.why}`);
      }
      if (path === '/metrics') return res.writeHead(200, { 'content-type': o.registry.contentType }).end(await o.registry.metrics());
      return res.writeHead(404).end();
    })().catch((e: unknown) => res.writeHead(500).end(describeError(e)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr !== null ? addr.port : o.port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
