// ML2/OVS and ML2/OVN binding, as os-vif's ovs plugin does it for Nova: the host end `tap<port[:11]>` becomes a
// port of the integration bridge with `external_ids:iface-id=<port id>`. That id is what the OVS agent (or
// ovn-controller) looks for: it then programs the flows and security groups and reports the port ACTIVE.
// The ovs-vsctl argument lists are built by pure functions so they can be checked without OVS.
import { ValidationError } from '../../../lib/errors.js';
import { assertValidVif, tapName, type BindingDriver, type Vif } from './types.js';
import { NodeCommandError, getLink, ipOnLink, isAdminUp, mustRun, type Runner } from './runner.js';

/** The integration bridge of ML2/OVS and OVN. */
export const DEFAULT_OVS_BRIDGE = 'br-int';
/** ovs-vsctl's own `--timeout` (seconds) when none is configured; it bounds the wait for ovsdb-server and ovs-vswitchd. */
export const DEFAULT_OVS_TIMEOUT_SEC = 10;

/** Where and how ovs-vsctl is pointed. */
export interface OvsTarget {
  /** The integration bridge; default `br-int`. */
  bridge?: string;
  /** ovs-vsctl `--timeout` in seconds; default 10. */
  timeoutSec?: number;
  /** ovs-vsctl `--db` (e.g. `unix:/run/openvswitch/db.sock`); default: ovs-vsctl's own default. */
  db?: string;
}

/** Options of `ovsDriver`. */
export interface OvsDriverOptions extends OvsTarget {
  runner: Runner;
}

const BRIDGE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;

/** Throws ValidationError for a bridge name Linux/OVS would refuse, or a non-positive timeout. Pure. */
export function assertValidOvsTarget(t: OvsTarget): void {
  if (t.bridge !== undefined && !BRIDGE_NAME.test(t.bridge)) {
    throw new ValidationError(`ovs bridge name must be 1-15 characters [A-Za-z0-9_.-] not starting with . or -, got ${JSON.stringify(t.bridge)}`, { field: 'ovsBridge' });
  }
  if (t.timeoutSec !== undefined && (!Number.isInteger(t.timeoutSec) || t.timeoutSec < 1)) {
    throw new ValidationError(`ovs-vsctl timeout must be a positive integer of seconds, got ${String(t.timeoutSec)}`, { field: 'ovsTimeoutSec' });
  }
}

/** The options every ovs-vsctl call starts with. Pure. */
export function ovsGlobalArgs(t: OvsTarget): string[] {
  return [`--timeout=${String(t.timeoutSec ?? DEFAULT_OVS_TIMEOUT_SEC)}`, ...(t.db === undefined ? [] : [`--db=${t.db}`])];
}

/**
 * ovs-vsctl arguments that add the tap to the bridge (a no-op if it is there) and record the port on its
 * Interface row, in one transaction, as os-vif does. Pure; throws ValidationError for a bad vif.
 */
export function ovsPlugArgs(vif: Vif, t: OvsTarget = {}): string[] {
  assertValidVif(vif);
  const tap = tapName(vif.portId);
  const bridge = t.bridge ?? DEFAULT_OVS_BRIDGE;
  // Values are written unquoted, as Nova and os-vif write them: ovs-vsctl takes everything after `key=` as the
  // string, and assertValidVif has ruled out a leading quote.
  return [
    ...ovsGlobalArgs(t),
    '--', '--may-exist', 'add-port', bridge, tap,
    '--', 'set', 'Interface', tap,
    `external_ids:iface-id=${vif.portId}`,
    'external_ids:iface-status=active',
    `external_ids:attached-mac=${vif.mac.toLowerCase()}`,
    ...(vif.deviceId === undefined ? [] : [`external_ids:vm-uuid=${vif.deviceId}`]),
    `mtu_request=${String(vif.mtu)}`,
  ];
}

/** ovs-vsctl arguments that remove the tap's port from the bridge, and do nothing if it is not there. Pure. */
export function ovsUnplugArgs(vif: Pick<Vif, 'portId'>, t: OvsTarget = {}): string[] {
  return [...ovsGlobalArgs(t), '--', '--if-exists', 'del-port', t.bridge ?? DEFAULT_OVS_BRIDGE, tapName(vif.portId)];
}

/** ovs-vsctl arguments that print the tap's Interface row (name, external_ids, ofport) as JSON; no row = no data. Pure. */
export function ovsFindInterfaceArgs(vif: Pick<Vif, 'portId'>, t: OvsTarget = {}): string[] {
  return [...ovsGlobalArgs(t), '--format=json', '--columns=name,external_ids,ofport', 'find', 'Interface', `name=${tapName(vif.portId)}`];
}

/** What isPlugged reads from an Interface row. */
export interface OvsInterfaceRow {
  externalIds: Record<string, string>;
  /** The OpenFlow port number ovs-vswitchd gave it; undefined while it has none, -1 when it could not open the device. */
  ofport: number | undefined;
}

/** The first row of `ovs-vsctl --format=json --columns=…external_ids,ofport find …`; undefined for no row. Throws SyntaxError/TypeError for other output. Pure. */
export function parseInterfaceRow(stdout: string): OvsInterfaceRow | undefined {
  const table = JSON.parse(stdout) as { headings?: unknown; data?: unknown };
  if (!Array.isArray(table.headings) || !Array.isArray(table.data)) throw new TypeError('not an ovs-vsctl JSON table');
  const row: unknown = table.data[0];
  if (!Array.isArray(row)) return undefined;
  const ids = row[table.headings.indexOf('external_ids')] as unknown;
  // OVSDB's JSON for a map: ["map", [[key, value], …]]; an optional value that is absent: ["set", []].
  if (!Array.isArray(ids) || ids[0] !== 'map' || !Array.isArray(ids[1])) throw new TypeError('external_ids is not an OVSDB map');
  const externalIds: Record<string, string> = {};
  for (const pair of ids[1] as unknown[]) {
    if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string') externalIds[pair[0]] = pair[1];
  }
  const ofport = row[table.headings.indexOf('ofport')] as unknown;
  return { externalIds, ofport: typeof ofport === 'number' ? ofport : undefined };
}

/** The `ovs` BindingDriver. Throws ValidationError at once for a bad bridge name or timeout. */
export function ovsDriver(opts: OvsDriverOptions): BindingDriver {
  const { runner, ...target } = opts;
  assertValidOvsTarget(target);
  const bridge = target.bridge ?? DEFAULT_OVS_BRIDGE;
  const vsctl = (args: string[]): Promise<string> => mustRun(runner, 'ovs-vsctl', args);

  return {
    name: 'ovs',
    hostIfName: (vif) => tapName(vif.portId),

    async plug(vif: Vif): Promise<void> {
      const args = ovsPlugArgs(vif, target);
      const tap = tapName(vif.portId);
      // The link first: ovs-vsctl would happily record a port for a device that does not exist, and the agent
      // would then wire a port that can never pass traffic. This fails fast instead ("Cannot find device").
      await mustRun(runner, 'ip', ['link', 'set', 'dev', tap, 'mtu', String(vif.mtu), 'up']);
      const r = await runner.run('ovs-vsctl', args);
      if (r.code !== 0) throw new NodeCommandError('ovs-vsctl', args, { code: r.code, stderr: r.stderr });
      // ovs-vsctl exits 0 even when ovs-vswitchd could not set the new interface up; it only says so on stderr,
      // and only in the transaction that added it. Removing the port again makes every retry fail the same way
      // instead of "succeeding" on a port that passes no traffic.
      if (r.stderr.includes(`Error detected while setting up '${tap}'`)) {
        const undo = await runner.run('ovs-vsctl', ovsUnplugArgs(vif, target));
        throw new NodeCommandError('ovs-vsctl', args, {
          code: 0, stderr: r.stderr, reason: `ovs-vswitchd could not set up ${tap}${undo.code === 0 ? '' : ' (and removing the port again failed)'}`,
        });
      }
    },

    async unplug(vif: Vif): Promise<void> {
      const args = ovsUnplugArgs(vif, target);
      const r = await runner.run('ovs-vsctl', args);
      // --if-exists covers a missing port but not a missing bridge; without the bridge there is no port either.
      if (r.code !== 0 && !r.stderr.includes(`no bridge named ${bridge}`)) throw new NodeCommandError('ovs-vsctl', args, { code: r.code, stderr: r.stderr });
      await ipOnLink(runner, ['link', 'del', 'dev', tapName(vif.portId)]);
    },

    async isPlugged(vif: Vif): Promise<boolean> {
      assertValidVif(vif);
      const tap = tapName(vif.portId);
      const link = await getLink(runner, tap);
      if (!link || !isAdminUp(link) || link.mtu !== vif.mtu) return false;
      const findArgs = ovsFindInterfaceArgs(vif, target);
      const out = await vsctl(findArgs);
      let row: OvsInterfaceRow | undefined;
      try {
        row = parseInterfaceRow(out);
      } catch (e) {
        throw new NodeCommandError('ovs-vsctl', findArgs, { code: 0, reason: 'printed an unexpected table', cause: e });
      }
      if (!row || row.externalIds['iface-id'] !== vif.portId || row.externalIds['attached-mac']?.toLowerCase() !== vif.mac.toLowerCase()) return false;
      // No ofport (or -1): ovs-vswitchd has not opened the device, e.g. a bridge whose datapath does not exist.
      if (row.ofport === undefined || row.ofport < 1) return false;
      // The Interface row exists, so its Port does (OVSDB garbage-collects unreferenced Interfaces).
      return (await vsctl([...ovsGlobalArgs(target), 'iface-to-br', tap])).trim() === bridge;
    },
  };
}
