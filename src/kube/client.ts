import { request, Agent } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { AppError } from '../lib/errors.js';
import type { KubeConnection } from './kubeconfig.js';

/** A failed Kubernetes API call, with the apiserver's Status message. Code STACKUBE_ERR_KUBE_<status>. */
export class KubeError extends AppError {
  constructor(readonly status: number, readonly method: string, readonly path: string, message: string, cause?: unknown) {
    super(status === 0 ? 'STACKUBE_ERR_KUBE_UNREACHABLE' : `STACKUBE_ERR_KUBE_${status}`, `kube ${method} ${path}: ${status === 0 ? 'apiserver unreachable' : `HTTP ${status}`}: ${message}`, { cause });
  }
}

/** Minimal Kubernetes REST client (JSON + watch streams) over node:https. Sends a field manager on writes. */
export class KubeClient {
  private readonly agent: Agent;
  constructor(private readonly conn: KubeConnection, private readonly fieldManager = 'stackube') {
    this.agent = new Agent({ keepAlive: true, ca: conn.ca, cert: conn.cert, key: conn.key, rejectUnauthorized: conn.insecure !== true });
  }

  /** One JSON request. Rejects with KubeError. */
  async json<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const res = await this.open(method, this.withFieldManager(method, path), body, contentType);
    const text = await readAll(res);
    if ((res.statusCode ?? 0) >= 300) throw new KubeError(res.statusCode ?? 0, method, path, statusMessage(text));
    return JSON.parse(text) as T;
  }

  /**
   * Opens a watch and calls onEvent per line. Resolves when the server closes the stream; rejects with
   * KubeError when it cannot be opened. `signal` aborts it.
   */
  async watch(path: string, onEvent: (ev: { type: string; object: Record<string, unknown> }) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.open('GET', path, undefined, 'application/json', signal);
    if ((res.statusCode ?? 0) >= 300) throw new KubeError(res.statusCode ?? 0, 'GET', path, statusMessage(await readAll(res)));
    await new Promise<void>((resolveP, rejectP) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.trim()) continue;
          try {
            onEvent(JSON.parse(line) as { type: string; object: Record<string, unknown> });
          } catch (e) {
            // A torn or garbled event (or a throwing handler) ends this watch; the caller relists.
            res.destroy();
            rejectP(new KubeError(0, 'GET', path, 'bad watch event', e));
            return;
          }
        }
      });
      res.on('end', () => resolveP());
      res.on('error', (e) => (signal?.aborted ? resolveP() : rejectP(new KubeError(0, 'GET', path, 'watch stream failed', e))));
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private withFieldManager(method: string, path: string): string {
    if (method === 'GET' || method === 'DELETE') return path;
    return `${path}${path.includes('?') ? '&' : '?'}fieldManager=${encodeURIComponent(this.fieldManager)}`;
  }

  private open(method: string, path: string, body: unknown, contentType: string, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolveP, rejectP) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (this.conn.token) headers['authorization'] = `Bearer ${this.conn.token}`;
      const payload = body === undefined ? undefined : JSON.stringify(body);
      if (payload !== undefined) headers['content-type'] = contentType;
      const req = request(`${this.conn.server}${path}`, { method, headers, agent: this.agent, ...(signal ? { signal } : {}) }, resolveP);
      req.on('error', (e) => rejectP(new KubeError(0, method, path, e.message, e)));
      req.end(payload);
    });
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolveP, rejectP) => {
    let s = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (s += c));
    res.on('end', () => resolveP(s));
    res.on('error', rejectP);
  });
}

function statusMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { message?: string };
    if (j.message) return j.message;
  } catch {
    // not a Status object
  }
  return text.slice(0, 200);
}
