// Neutron port status, read-only: the daemon never writes to Neutron (the controller owns ports). ADD waits for
// ACTIVE, which the L2 agent reports once it has wired the port and installed its security groups.
import type { ServiceClient } from '../../openstack/core/service-client.js';
import { ports } from '../../openstack/neutron/ports.js';
import { describeError } from '../../lib/errors.js';
import { CNI_ERR } from '../spec/errors.js';
import { CniFailure, DeadlineError, isTransientOpenStack } from './errors.js';

/** Reads a port's status. */
export interface PortStatusSource {
  /** The port's `status` (ACTIVE, DOWN, BUILD, ERROR, …), or undefined when it does not exist. Rejects with OpenStackError. */
  status(portId: string): Promise<string | undefined>;
}

/** PortStatusSource on Neutron's GET /v2.0/ports/{id}. */
export function neutronPortStatus(client: ServiceClient): PortStatusSource {
  return { status: async (id) => (await ports.get(client, id))?.status };
}

/** How waitForPortActive polls. */
export interface WaitActiveOptions {
  timeoutMs: number;
  /** Default 200 ms. */
  intervalMs?: number;
  /** The request's signal (deadline, caller gone). */
  signal: AbortSignal;
  now: () => number;
  /** Waits ms, or less when signal aborts; never rejects. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The poll interval ADD uses unless told otherwise. */
export const PORT_POLL_INTERVAL_MS = 200;

/**
 * Polls until the port is ACTIVE. Rejects with CniFailure 11 when it is not ACTIVE within timeoutMs (naming the
 * last status, or the last transient Neutron error) or when the port does not exist (a stale annotation the
 * controller will rewrite); with DeadlineError when signal aborts; with the OpenStackError of a non-transient
 * failure (401, 403, 400: retrying cannot help) at once.
 */
export async function waitForPortActive(src: PortStatusSource, portId: string, o: WaitActiveOptions): Promise<void> {
  const until = o.now() + o.timeoutMs;
  const interval = o.intervalMs ?? PORT_POLL_INTERVAL_MS;
  let last = 'never answered';
  for (;;) {
    if (o.signal.aborted) throw new DeadlineError(`waiting for Neutron port ${portId} to become ACTIVE (last: ${last})`, o.signal.reason);
    try {
      const status = await src.status(portId);
      if (status === 'ACTIVE') return;
      if (status === undefined) throw new CniFailure(CNI_ERR.TRY_AGAIN_LATER, `Neutron port ${portId} does not exist`, { details: 'the pod\'s VIF annotation names a deleted port; stackube-controller will reserve another' });
      last = `status ${status}`;
    } catch (e) {
      if (!isTransientOpenStack(e)) throw e;
      last = `Neutron error: ${describeError(e)}`;
    }
    const left = until - o.now();
    if (left <= 0) {
      throw new CniFailure(CNI_ERR.TRY_AGAIN_LATER, `Neutron port ${portId} did not become ACTIVE within ${o.timeoutMs} ms (${last})`, {
        details: 'the L2 agent on this node has not wired the port; is it running, and is the port bound to this node (binding:host_id)?',
      });
    }
    await o.sleep(Math.min(interval, left), o.signal);
  }
}
