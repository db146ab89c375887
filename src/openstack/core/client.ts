import type { Clock } from '../../lib/clock.js';
import { backoffDelay } from '../../lib/backoff.js';
import type { CloudConfig } from './clouds.js';
import { chain, createTransport, observeInterceptor, retryInterceptor, type Interceptor } from './http.js';
import { KeystoneSession } from './session.js';
import type { ServiceClient } from './service-client.js';

export interface CallEvent {
  service: string;
  method: string;
  url: string;
  status: number;
  requestId: string | undefined;
  ms: number;
}

export interface OpenStackClientOptions {
  cloud: CloudConfig;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  /** Called after every HTTP call (for logs and metrics). Never receives headers or bodies. */
  onCall?: (ev: CallEvent) => void;
  retries?: number;
  timeoutMs?: number;
}

/** An authenticated entry point to OpenStack: the session plus a ServiceClient per service type. */
export interface OpenStackClient {
  session: KeystoneSession;
  service(type: string, extra?: readonly Interceptor[]): ServiceClient;
  /** A client that acts with someone else's token (e.g. a user's, for calls only its owner may make). */
  serviceAs(type: string, token: string): ServiceClient;
  close(): Promise<void>;
}

/** Wires transport, retry, observation and Keystone auth. Does no I/O until the first call. */
export function createOpenStackClient(o: OpenStackClientOptions): OpenStackClient {
  const transport = createTransport({ caFile: o.cloud.caFile, insecure: o.cloud.insecure, timeoutMs: o.timeoutMs });
  const common: Interceptor[] = [];
  if (o.onCall) common.push(observeInterceptor(o.onCall));
  common.push(retryInterceptor({ retries: o.retries ?? 2, delayMs: (a) => backoffDelay(a, { baseMs: 200, maxMs: 2000 }), sleep: o.sleep }));
  const unauthenticated = chain(transport.send, common);
  const session = new KeystoneSession({ auth: o.cloud.auth, send: unauthenticated, clock: o.clock });
  return {
    session,
    service(type, extra = []) {
      const send = chain(transport.send, [...common, session.interceptor(), ...extra]);
      return { service: type, endpoint: () => session.endpoint(type), send };
    },
    serviceAs(type, token) {
      const asUser: Interceptor = (req, next) => next({ ...req, headers: { ...req.headers, 'x-auth-token': token } });
      return { service: type, endpoint: () => session.endpoint(type), send: chain(transport.send, [...common, asUser]) };
    },
    close: () => transport.close(),
  };
}
