import { request } from 'node:http';
import { DAEMON_PATH, MAX_RESPONSE_BYTES } from '../spec/protocol.js';

/** One call to the daemon. */
export interface DaemonCall {
  socketPath: string;
  /** The JSON DaemonRequest. */
  body: string;
  /** Deadline for the whole exchange (connect, send, full response). */
  timeoutMs: number;
}

/**
 * How a daemon call ended. `unreachable`: nothing accepted the connection (no socket, nobody listening, no
 * permission); `timeout`: the deadline passed; `failed`: connected, but the exchange broke or the answer was unusable.
 */
export type DaemonOutcome =
  | { kind: 'response'; status: number; body: string }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'timeout' }
  | { kind: 'failed'; reason: string };

/** Sends one request to stackube-node. Must never reject and must settle by the deadline. */
export type DaemonTransport = (call: DaemonCall) => Promise<DaemonOutcome>;

/**
 * The real transport: HTTP/1.1 POST DAEMON_PATH over the unix socket, no keep-alive. Never rejects; settles within
 * timeoutMs (the request is destroyed at the deadline). Responses larger than MAX_RESPONSE_BYTES are `failed`.
 */
export const unixSocketTransport: DaemonTransport = (call) =>
  new Promise<DaemonOutcome>((resolve) => {
    let settled = false;
    let connected = false;
    const finish = (o: DaemonOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const req = request({
      socketPath: call.socketPath,
      path: DAEMON_PATH,
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(call.body, 'utf8'), connection: 'close' },
    });
    const timer = setTimeout(() => {
      finish({ kind: 'timeout' });
      req.destroy();
    }, call.timeoutMs);
    req.on('socket', (s) => s.once('connect', () => (connected = true)));
    req.on('error', (e) => finish(connected ? { kind: 'failed', reason: e.message } : { kind: 'unreachable', reason: e.message }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (c: Buffer) => {
        total += c.byteLength;
        if (total > MAX_RESPONSE_BYTES) {
          finish({ kind: 'failed', reason: `response larger than ${MAX_RESPONSE_BYTES} bytes` });
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      res.on('error', (e) => finish({ kind: 'failed', reason: e.message }));
      // Ends without 'end' when the daemon dies mid-response; finish() ignores this once 'end' has settled it.
      res.on('close', () => finish({ kind: 'failed', reason: 'response cut short' }));
      res.on('end', () => finish({ kind: 'response', status: res.statusCode ?? 0, body: Buffer.concat(chunks, total).toString('utf8') }));
    });
    req.end(call.body);
  });
