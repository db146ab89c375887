// STATUS's check that the configured binding backend can work, without changing anything on the host.
// (A `ready()` method on BindingDriver would be the natural home; until the drivers have one, it lives here.)
import { describeError } from '../../lib/errors.js';
import { DEFAULT_OVS_BRIDGE } from './binding/ovs.js';
import type { Runner } from './binding/runner.js';
import type { BindingDriverName } from './binding/types.js';

/** Options of bindingProbe. */
export interface BindingProbeOptions {
  runner: Runner;
  driver: BindingDriverName;
  /** ovs: the integration bridge that must exist (default br-int). */
  ovsBridge?: string;
}

/**
 * A probe for NodeDaemon's STATUS: resolves undefined when the backend is usable, else why not. Never rejects.
 * linuxbridge: iproute2 runs; ovs: ovs-vsctl reaches ovsdb-server (2 s) and the integration bridge exists.
 */
export function bindingProbe(o: BindingProbeOptions): () => Promise<string | undefined> {
  return async () => {
    try {
      if (o.driver === 'linuxbridge') {
        const r = await o.runner.run('ip', ['-json', 'link', 'show', 'dev', 'lo']);
        return r.code === 0 ? undefined : `ip link show failed: ${r.stderr.trim()}`;
      }
      const bridge = o.ovsBridge ?? DEFAULT_OVS_BRIDGE;
      const r = await o.runner.run('ovs-vsctl', ['--timeout=2', 'br-exists', bridge]);
      if (r.code === 0) return undefined;
      // br-exists exits 2 for a missing bridge; anything else is ovsdb-server not answering.
      return r.code === 2 ? `OVS bridge ${bridge} does not exist` : `ovs-vsctl failed: ${r.stderr.trim()}`;
    } catch (e) {
      return describeError(e);
    }
  };
}
