// stackube.kubernetes.io/v1 Network: a namespaced object mapped to one Neutron network, subnet and router
// (created, or adopted through spec.networkID). Field names and `status.state` are the original Stackube's.
// The OpenAPI schema in crd.ts is proven at compile time to accept exactly these types.
import type { API_VERSION } from './constants.js';
import type { Condition, ObjectMeta } from './meta.js';

/** Kind of the Network CRD. */
export const NETWORK_KIND = 'Network';
/** Resource (plural) of the Network CRD, as in `/apis/stackube.kubernetes.io/v1/namespaces/<ns>/networks`. */
export const NETWORK_PLURAL = 'networks';

/**
 * Desired state of a Network. The original's manifests serialised every field, so "" means unset for
 * `cidr`, `gateway` and `networkID`. Either `cidr` or `networkID` is set.
 */
export interface NetworkSpec {
  /** IPv4 subnet of the network, e.g. 10.244.0.0/16. Immutable. */
  cidr?: string;
  /** Gateway address inside cidr; default: the first address of cidr. Immutable. */
  gateway?: string;
  /** Adopt this existing Neutron network (never deleted by Stackube). Immutable. */
  networkID?: string;
  /** DNS servers handed to the subnet's ports. */
  dnsNameservers?: string[];
}

/** Values of status.state, the original's coarse summary (its unused "Initializing" is not written). */
export const NETWORK_STATES = ['Pending', 'Active', 'Failed', 'Terminating'] as const;
/** A Network state (see NETWORK_STATES). */
export type NetworkState = (typeof NETWORK_STATES)[number];

/** Condition types on a Network. */
export const NetworkConditionType = {
  Ready: 'Ready',
} as const;
/** A Network condition type (see NetworkConditionType). */
export type NetworkConditionType = (typeof NetworkConditionType)[keyof typeof NetworkConditionType];

/** Observed state of a Network, written only through the status subresource. */
export interface NetworkStatus {
  state?: NetworkState;
  conditions?: Condition[];
  /** The metadata.generation the status describes. */
  observedGeneration?: number;
  /** The Neutron network (created or adopted). */
  networkID?: string;
  subnetID?: string;
  routerID?: string;
  /** Why the network is in its state (the original's field; conditions carry the same). */
  message?: string;
}

/** A Network object as stored by the apiserver. */
export interface Network {
  apiVersion: typeof API_VERSION;
  kind: typeof NETWORK_KIND;
  metadata: ObjectMeta;
  spec: NetworkSpec;
  status?: NetworkStatus;
}

/** The Neutron network a spec asks to adopt, or undefined to create one ("" counts as unset). Pure. */
export function adoptedNetworkID(spec: NetworkSpec): string | undefined {
  return spec.networkID !== undefined && spec.networkID !== '' ? spec.networkID : undefined;
}
