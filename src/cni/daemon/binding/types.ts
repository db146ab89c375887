// The node-side Neutron L2 binding: how the host end of a pod's veth is attached to the Neutron backend.
// One interface, one driver per ML2 mechanism (ADR 0010). Names and validation shared by the drivers live here too.
import { ValidationError } from '../../../lib/errors.js';

/** The known driver names, in the order they are listed to users. */
export const BINDING_DRIVERS = ['linuxbridge', 'ovs'] as const;

/** `linuxbridge` (ML2/linuxbridge: `brq<net>` bridges) or `ovs` (ML2/OVS and ML2/OVN: `br-int` + `iface-id`). */
export type BindingDriverName = (typeof BINDING_DRIVERS)[number];

/** The Neutron port a host-side link is bound for. Check it with `assertValidVif` before using it in a command. */
export interface Vif {
  /** Neutron port id (a UUID). */
  portId: string;
  /** Neutron network id (a UUID). */
  networkId: string;
  /** The port's MAC address (`fa:16:3e:…`). */
  mac: string;
  /** The network's MTU, applied to the host end. */
  mtu: number;
  /** Pod uid or other device id (OVS `external_ids:vm-uuid`); absent = not recorded. */
  deviceId?: string;
}

/** Attaches the host end of a pod's veth to one Neutron L2 backend. Every method is safe to call again. */
export interface BindingDriver {
  readonly name: BindingDriverName;
  /** Name of the host-side interface for this port (≤ 15 chars): `tap<portId[:11]>`. Throws ValidationError. */
  hostIfName(vif: Vif): string;
  /** Attaches an existing host-side link to the backend; idempotent. Rejects with ValidationError or NodeCommandError (e.g. the link is missing). */
  plug(vif: Vif): Promise<void>;
  /** Detaches it and deletes the host link; idempotent: a missing link/bridge/port counts as success. Rejects with NodeCommandError otherwise. */
  unplug(vif: Vif): Promise<void>;
  /** Whether the host end is attached as plug() leaves it (for restart reconciliation). Never true for a missing link. */
  isPlugged(vif: Vif): Promise<boolean>;
}

/** Linux caps interface names at 15 bytes (IFNAMSIZ - 1); prefix + 11 id chars is what Nova and Neutron use. */
export const ID_CHARS_IN_NAME = 11;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
/** Printable ASCII without quotes or backslashes: pod uids, Nova instance uuids, `namespace/name` keys. */
const DEVICE_ID = /^[\x21\x23-\x5b\x5d-\x7e]{1,255}$/;

/** True for a known driver name. Never throws. */
export function isBindingDriverName(name: string): name is BindingDriverName {
  return (BINDING_DRIVERS as readonly string[]).includes(name);
}

/** `tap` + the first 11 characters of the port id, as Nova/os-vif and the Neutron agents name it. Throws ValidationError for a non-UUID id. */
export function tapName(portId: string): string {
  assertUuid('portId', portId);
  return `tap${portId.slice(0, ID_CHARS_IN_NAME)}`;
}

/** `brq` + the first 11 characters of the network id: the linuxbridge agent's bridge for that network. Throws ValidationError for a non-UUID id. */
export function linuxBridgeName(networkId: string): string {
  assertUuid('networkId', networkId);
  return `brq${networkId.slice(0, ID_CHARS_IN_NAME)}`;
}

/**
 * Throws ValidationError unless every field is well-formed. The values end up as command arguments and OVSDB
 * values, so only the shapes Neutron and Kubernetes produce are accepted.
 */
export function assertValidVif(vif: Vif): void {
  assertUuid('portId', vif.portId);
  assertUuid('networkId', vif.networkId);
  if (!MAC.test(vif.mac)) throw new ValidationError(`vif.mac is not a MAC address: ${JSON.stringify(vif.mac)}`, { field: 'mac' });
  // 68 is IPv4's minimum MTU; 65535 the largest a veth or bridge accepts.
  if (!Number.isInteger(vif.mtu) || vif.mtu < 68 || vif.mtu > 65535) {
    throw new ValidationError(`vif.mtu must be an integer in 68..65535, got ${String(vif.mtu)}`, { field: 'mtu' });
  }
  if (vif.deviceId !== undefined && !DEVICE_ID.test(vif.deviceId)) {
    throw new ValidationError('vif.deviceId must be 1-255 printable ASCII characters without quotes or backslashes', { field: 'deviceId' });
  }
}

function assertUuid(field: string, value: string): void {
  if (!UUID.test(value)) throw new ValidationError(`vif.${field} is not a UUID: ${JSON.stringify(value)}`, { field });
}
