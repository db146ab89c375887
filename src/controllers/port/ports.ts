// The narrow interfaces the port controller needs from Neutron and Kubernetes (adapters implement them; unit tests
// fake them).
import type { ObjectMeta } from '../../api/meta.js';
import type { NamespaceFacts, NetworkFacts, PortFacts, PortSpec, SubnetFacts } from '../../domain/port/plan.js';

/** A Pod as the port controller reads it (the fields it uses). */
export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: { nodeName?: string; hostNetwork?: boolean };
  status?: { phase?: string };
}

/**
 * The Neutron operations of the port controller. Failures are NeutronUnavailableError (retry soon) or
 * TerminalError (Neutron refused the request, with its message). Deletes are idempotent.
 */
export interface PortNeutron {
  /** The ports reserved for a pod: device_id = uid, device_owner = compute:stackube. */
  podPorts(podUid: string): Promise<PortFacts[]>;
  /** Every port with device_owner compute:stackube (garbage collection). */
  allPorts(): Promise<PortFacts[]>;
  /** The unclaimed pooled ports of (network, node) in a project. */
  poolPorts(networkId: string, node: string, projectId: string): Promise<PortFacts[]>;
  /** Not idempotent (POST). */
  createPort(spec: PortSpec): Promise<PortFacts>;
  /** One bulk POST; the created ports in request order. Not idempotent. */
  createPorts(specs: readonly PortSpec[]): Promise<PortFacts[]>;
  /** Hands a pooled port to a pod (one PUT); undefined when the port no longer exists. */
  claimPort(id: string, claim: { device_id: string; name: string; description: string }): Promise<PortFacts | undefined>;
  /** Idempotent: a missing port counts as deleted. */
  deletePort(id: string): Promise<void>;
  /** The network's MTU; undefined when the network does not exist. May be cached briefly. */
  networkMtu(networkId: string): Promise<number | undefined>;
  /** The subnet; undefined when it does not exist. May be cached briefly. */
  subnet(subnetId: string): Promise<SubnetFacts | undefined>;
}

/** Kubernetes as the port reconciler sees it: informer caches for reads, the API for the VIF annotation. */
export interface PortKube {
  /** The pod from the cache, or undefined when it is gone. */
  pod(namespace: string, name: string): Pod | undefined;
  /** A namespace's project and tenant labels; undefined when the namespace is not a tenant's (or unknown). */
  namespace(name: string): NamespaceFacts | undefined;
  /** The Networks of these namespaces. */
  networks(namespaces: readonly string[]): NetworkFacts[];
  /** The tenant security group (Tenant.status.securityGroupID) of a namespace's tenant, if it has one yet. */
  securityGroup(ns: NamespaceFacts): string | undefined;
  /** Merge-patches the VIF annotation onto this very pod (uid-checked); 'gone' when it was deleted or replaced. */
  writeVif(pod: Pod, text: string): Promise<'written' | 'gone'>;
  event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** What garbage collection reads from the caches (after it listed Neutron's ports). */
export interface GcKube {
  /** Uids of the pods that need their port: cached, not finished, not being deleted. */
  livePodUids(): Set<string>;
  /** Projects of the tenant namespaces. */
  knownProjects(): Set<string>;
  /** Neutron networks of the Networks that exist. */
  networkIds(): Set<string>;
  /** Node names, or undefined when nodes are not watched (pools off). */
  nodes(): Set<string> | undefined;
}
