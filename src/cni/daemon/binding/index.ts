// The node daemon's entry to the L2 binding drivers: pick one by name (config) or by the port's binding:vif_type.
import { ValidationError } from '../../../lib/errors.js';
import { linuxBridgeDriver } from './linuxbridge.js';
import { ovsDriver } from './ovs.js';
import type { Runner } from './runner.js';
import { BINDING_DRIVERS, isBindingDriverName, type BindingDriver, type BindingDriverName } from './types.js';

export { BINDING_DRIVERS, assertValidVif, isBindingDriverName, linuxBridgeName, tapName, type BindingDriver, type BindingDriverName, type Vif } from './types.js';
export { NodeCommandError, execFileRunner, type ExecFileRunnerOptions, type Runner, type RunResult } from './runner.js';
export { DEFAULT_OVS_BRIDGE, ovsPlugArgs, ovsUnplugArgs } from './ovs.js';

/** What `createBindingDriver` needs; the ovs* options are ignored by `linuxbridge`. */
export interface BindingDriverOptions {
  runner: Runner;
  /** OVS integration bridge; default `br-int`. */
  ovsBridge?: string;
  /** ovs-vsctl `--timeout` in seconds; default 10. */
  ovsTimeoutSec?: number;
  /** ovs-vsctl `--db`; default ovs-vsctl's own. */
  ovsDb?: string;
}

/** The driver called `name`. Throws ValidationError for an unknown name (listing the known ones) or bad ovs options. */
export function createBindingDriver(name: string, opts: BindingDriverOptions): BindingDriver {
  if (!isBindingDriverName(name)) {
    throw new ValidationError(`unknown binding driver ${JSON.stringify(name)}; known: ${BINDING_DRIVERS.join(', ')}`, { driver: name, known: [...BINDING_DRIVERS] });
  }
  switch (name) {
    case 'linuxbridge':
      return linuxBridgeDriver({ runner: opts.runner });
    case 'ovs':
      return ovsDriver({
        runner: opts.runner,
        ...(opts.ovsBridge === undefined ? {} : { bridge: opts.ovsBridge }),
        ...(opts.ovsTimeoutSec === undefined ? {} : { timeoutSec: opts.ovsTimeoutSec }),
        ...(opts.ovsDb === undefined ? {} : { db: opts.ovsDb }),
      });
  }
}

/** Neutron's `binding:vif_type` for each driver (ML2/OVN reports `ovs` too). */
const VIF_TYPES: ReadonlyMap<string, BindingDriverName> = new Map([['bridge', 'linuxbridge'], ['ovs', 'ovs']]);

/**
 * The driver for a port: the one its `binding:vif_type` names when Neutron has bound it, else `configured`
 * (ADR 0010). Pure. Throws ValidationError for `binding_failed` or a vif_type no driver handles (vhostuser, …).
 */
export function driverForVifType(vifType: string | undefined, configured: BindingDriverName): BindingDriverName {
  if (vifType === undefined || vifType === '' || vifType === 'unbound') return configured;
  const d = VIF_TYPES.get(vifType);
  if (d === undefined) {
    throw new ValidationError(`port binding:vif_type ${JSON.stringify(vifType)} has no binding driver; supported: bridge (linuxbridge), ovs (ovs)`, { vifType });
  }
  return d;
}
