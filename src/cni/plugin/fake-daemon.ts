/** Test helpers: a fake stackube-node on a temporary unix socket, and an in-process plugin runner. Not used by the binary. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DaemonRequest } from '../spec/protocol.js';
import { main, type PluginIo } from './main.js';

/** What the fake saw for one request. */
export interface SeenRequest {
  method: string;
  url: string;
  contentType: string;
  body: DaemonRequest;
}

/** How the fake answers: a status and JSON body, or `hang` (never answer), or `cut` (close mid-response). */
export type FakeReply = { status: number; body: unknown } | 'hang' | 'cut';

/** An HTTP server on a fresh temporary unix socket. stop() closes it and removes the directory. */
export class FakeDaemon {
  readonly seen: SeenRequest[] = [];
  reply: (req: DaemonRequest) => FakeReply = () => ({ status: 200, body: {} });
  readonly dir = mkdtempSync(join(tmpdir(), 'stackube-cni-'));
  readonly socketPath = join(this.dir, 'cni.sock');
  private readonly server: Server = createServer((req, res) => this.handle(req, res));

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(this.socketPath, resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as DaemonRequest;
      this.seen.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'] ?? '', body });
      const r = this.reply(body);
      if (r === 'hang') return;
      if (r === 'cut') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"result":');
        res.destroy();
        return;
      }
      const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end(text);
    });
  }
}

/** How one in-process run ended. */
export interface RunOutput {
  code: number;
  stdout: string;
  stderr: string;
  /** Every exit() call (must be exactly one). */
  exits: number[];
  ms: number;
}

/** Runs main() in-process with captured stdout/stderr/exit. */
export async function runPlugin(io: Omit<PluginIo, 'stdout' | 'stderr' | 'exit'>): Promise<RunOutput> {
  let stdout = '';
  let stderr = '';
  const exits: number[] = [];
  const t0 = performance.now();
  const code = await main({ ...io, stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), exit: (c) => exits.push(c) });
  return { code, stdout, stderr, exits, ms: performance.now() - t0 };
}
