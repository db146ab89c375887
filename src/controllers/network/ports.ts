import type { Network } from '../../api/network.js';
import { AppError } from '../../lib/errors.js';

/** A Neutron network as the Network controller sees it. */
export interface NeutronNet { id: string; name: string; projectId: string; shared: boolean; external: boolean }
/** A Neutron subnet as the Network controller sees it. */
export interface NeutronSubnet { id: string; networkId: string; cidr: string; ipVersion: number; gateway_ip: string | null; dns_nameservers: string[] }
/** A Neutron router as the Network controller sees it. */
export interface NeutronRouter { id: string; externalNetworkId: string | undefined }

/**
 * Neutron could not be used right now (unreachable, 5xx, auth failure): the Network goes Failed with this message
 * and is retried soon, and recovers by itself once Neutron is back. Adapters throw it; Neutron's refusals of the
 * request itself (400/409) are TerminalErrors instead.
 */
export class NeutronUnavailableError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('STACKUBE_ERR_NEUTRON_UNAVAILABLE', message, { cause });
  }
}

/** The Neutron operations the Network controller needs. Deletes are idempotent; "find"/"get" resolve undefined. */
export interface NetworkNeutron {
  /** The external network for router gateways (configured, or the only one Neutron has); undefined when none. */
  externalNetworkId(): Promise<string | undefined>;
  getNetwork(id: string): Promise<NeutronNet | undefined>;
  /** Resources whose description is this marker (created by us earlier, maybe before a crash). */
  findNetwork(marker: string): Promise<NeutronNet | undefined>;
  findSubnet(marker: string): Promise<NeutronSubnet | undefined>;
  findRouter(marker: string): Promise<NeutronRouter | undefined>;
  createNetwork(o: { name: string; projectId: string; marker: string }): Promise<NeutronNet>;
  createSubnet(o: { name: string; projectId: string; networkId: string; cidr: string; gateway?: string; dnsNameservers: string[]; marker: string }): Promise<NeutronSubnet>;
  createRouter(o: { name: string; projectId: string; marker: string; externalNetworkId: string | undefined }): Promise<NeutronRouter>;
  listSubnets(networkId: string): Promise<NeutronSubnet[]>;
  updateSubnet(id: string, changes: { gateway_ip?: string | null; dns_nameservers?: string[] }): Promise<void>;
  setRouterGateway(routerId: string, externalNetworkId: string): Promise<void>;
  /** Subnets the router has an interface on. */
  routerSubnets(routerId: string): Promise<string[]>;
  /** Attaches the subnet; already attached counts as success. */
  addRouterInterface(routerId: string, subnetId: string): Promise<void>;
  /** A router with an interface on this subnet (for adopted networks), if any. */
  routerOnSubnet(subnetId: string): Promise<string | undefined>;
  /** Deletes the ports on a network that Neutron does not own itself (pods' ports); resolves how many. */
  deleteWorkloadPorts(networkId: string): Promise<number>;
  /** Detaches the subnet; a missing router or interface counts as success. */
  removeRouterInterface(routerId: string, subnetId: string): Promise<void>;
  deleteRouter(id: string): Promise<void>;
  deleteSubnet(id: string): Promise<void>;
  deleteNetwork(id: string): Promise<void>;
}

/** What the overlap check reads about the other Networks of a tenant. */
export interface NetworkPeer { namespace: string; name: string; cidr: string; creationTimestamp: string; deleting: boolean }

/** The Kubernetes operations the Network controller needs. */
export interface NetworkKube {
  getNetwork(namespace: string, name: string): Promise<Network | undefined>;
  ensureFinalizer(n: Network): Promise<Network>;
  removeFinalizer(n: Network): Promise<void>;
  /** The Keystone project of a namespace (its stackube.kubernetes.io/project-id label), if it is a tenant's. */
  namespaceProject(namespace: string): Promise<string | undefined>;
  /** The Networks in every namespace of this project (self included). */
  projectNetworks(projectId: string): Promise<NetworkPeer[]>;
  writeStatus(n: Network, status: NonNullable<Network['status']>): Promise<void>;
  event(n: Network, type: 'Normal' | 'Warning', reason: string, message: string): void;
}
