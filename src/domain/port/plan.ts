// Pure decisions of the port controller: which pods need a Neutron port, which Network a pod is plugged into,
// the Neutron bodies of pod and pooled ports, the VIF annotation of a port, which pod updates matter, and which
// ports garbage collection deletes. Data in, plans out; no I/O.
import { isDeepStrictEqual } from 'node:util';
import { POD_PORT_DEVICE_OWNER, parseVif, type VifAnnotation } from '../../api/vif.js';
import { parseIpv4, parseIpv4Cidr } from '../../lib/ipv4.js';

/** Neutron's limit on `name` and `description`. */
const NEUTRON_TEXT_MAX = 255;

/**
 * The description of the port reserved for the pod with this uid. Written in the creating (or claiming) call,
 * together with device_id = uid, so that a port is never without its owner even after a crash. Pure.
 */
export function podPortMarker(podUid: string): string {
  return `stackube:pod:${podUid}`;
}

/** The description of a warm pooled port for (network, node): device_id stays "" until a pod claims it. Pure. */
export function poolPortMarker(networkId: string, node: string): string {
  return `stackube:pool:${networkId}:${node}`;
}

/** What a Stackube port description says: a pod's port, a pooled port, or undefined for anything else. Pure. */
export function parsePortMarker(description: string): { kind: 'pod'; uid: string } | { kind: 'pool'; networkId: string; node: string } | undefined {
  const pod = /^stackube:pod:(.+)$/.exec(description);
  if (pod?.[1]) return { kind: 'pod', uid: pod[1] };
  // Network ids are UUIDs and node names DNS subdomains: neither contains ":".
  const pool = /^stackube:pool:([^:]+):([^:]+)$/.exec(description);
  if (pool?.[1] && pool[2]) return { kind: 'pool', networkId: pool[1], node: pool[2] };
  return undefined;
}

/** The Neutron name of a pod's port, `<namespace>/<name>` (cut to Neutron's 255 characters). Pure. */
export function podPortName(namespace: string, name: string): string {
  return `${namespace}/${name}`.slice(0, NEUTRON_TEXT_MAX);
}

/** What the port controller reads about a Pod. */
export interface PodFacts {
  namespace: string;
  name: string;
  uid: string;
  /** spec.nodeName; "" before scheduling. */
  nodeName: string;
  hostNetwork: boolean;
  /** status.phase (Pending, Running, Succeeded, Failed, Unknown) or "". */
  phase: string;
  /** metadata.deletionTimestamp is set. */
  deleting: boolean;
  /** The stackube.kubernetes.io/network annotation, if any. */
  networkAnnotation: string | undefined;
  /** The stackube.kubernetes.io/vif annotation, if any. */
  vifAnnotation: string | undefined;
}

/** What the port controller reads about a namespace: its Keystone project and Tenant labels. */
export interface NamespaceFacts {
  projectId: string | undefined;
  tenant: string | undefined;
}

/** What to do with a pod's port. */
export type PodIntent =
  | { kind: 'ignore'; why: string }
  | { kind: 'release' }
  | { kind: 'reserve'; projectId: string; tenant: string | undefined; node: string };

/** Phases after which a pod never runs again: its port is released. */
const TERMINAL_PHASES = new Set(['Succeeded', 'Failed']);

/** True when the pod has finished (Succeeded/Failed) or is being deleted: it no longer needs its port. Pure. */
export function podFinished(p: Pick<PodFacts, 'phase' | 'deleting'>): boolean {
  return p.deleting || TERMINAL_PHASES.has(p.phase);
}

/**
 * Whether a pod needs a port (a scheduled, running-or-pending, non-hostNetwork pod of a tenant namespace), must
 * give its port back (finished or being deleted), or is none of Stackube's business. Pure.
 */
export function podIntent(pod: PodFacts, ns: NamespaceFacts | undefined): PodIntent {
  if (!ns?.projectId) return { kind: 'ignore', why: 'not a tenant namespace' };
  if (pod.hostNetwork) return { kind: 'ignore', why: 'hostNetwork pod' };
  if (!pod.nodeName) return { kind: 'ignore', why: 'not scheduled yet' };
  if (podFinished(pod)) return { kind: 'release' };
  return { kind: 'reserve', projectId: ns.projectId, tenant: ns.tenant, node: pod.nodeName };
}

/**
 * Whether a pod update can change what the port controller does: uid, node, hostNetwork, finished-ness, the
 * network or vif annotations. Container status churn (the bulk of pod updates) does not. A resync (old === new)
 * passes. Pure.
 */
export function podUpdateMatters(oldPod: PodFacts, newPod: PodFacts): boolean {
  if (oldPod === newPod) return true;
  return oldPod.uid !== newPod.uid || oldPod.nodeName !== newPod.nodeName || oldPod.hostNetwork !== newPod.hostNetwork
    || podFinished(oldPod) !== podFinished(newPod)
    || oldPod.networkAnnotation !== newPod.networkAnnotation || oldPod.vifAnnotation !== newPod.vifAnnotation;
}

/** What the network choice reads about a Network. */
export interface NetworkFacts {
  namespace: string;
  name: string;
  /** status.state. */
  state: string | undefined;
  networkID: string | undefined;
  subnetID: string | undefined;
  deleting: boolean;
}

/** Reasons of the choice's refusals and waits (they become Events on the pod). */
export const CHOICE_REASONS = {
  InvalidAnnotation: 'InvalidNetworkAnnotation',
  OtherProject: 'NetworkOfAnotherProject',
  NotReady: 'NetworkNotReady',
} as const;

/** The outcome of choosing a pod's Network. */
export type NetworkChoice =
  /** Usable now: Active with its Neutron network and subnet. */
  | { kind: 'ready'; namespace: string; name: string; networkID: string; subnetID: string }
  /** Never usable as asked (bad annotation, another project's Network): wait for the pod or namespace to change. */
  | { kind: 'refused'; reason: string; message: string }
  /** Not there or not Active yet: retry, and when the Network turns Active. */
  | { kind: 'wait'; reason: string; message: string };

/** The input of chooseNetwork. */
export interface ChoiceInput {
  /** The pod's namespace. */
  namespace: string;
  /** The stackube.kubernetes.io/network annotation of the pod. */
  annotation: string | undefined;
  /** The pod's project and tenant (its namespace's labels). */
  projectId: string;
  tenant: string | undefined;
  /** The Keystone project of every namespace named below (undefined: not a tenant namespace, or unknown). */
  projectOf: Readonly<Record<string, string | undefined>>;
  /** The Networks of the pod's namespace, of the annotation's namespace and of the tenant's default namespace. */
  networks: readonly NetworkFacts[];
}

/** The namespaces whose Networks and project labels chooseNetwork needs for this pod. Pure. */
export function choiceNamespaces(namespace: string, annotation: string | undefined, tenant: string | undefined): string[] {
  const out = new Set([namespace]);
  const ref = parseNetworkRef(annotation, namespace);
  if (ref && 'namespace' in ref) out.add(ref.namespace);
  if (tenant) out.add(tenant);
  return [...out];
}

/** The Network an annotation names ("name" in the pod's namespace, or "namespace/name"); an error for bad text. */
function parseNetworkRef(annotation: string | undefined, podNamespace: string): { namespace: string; name: string } | { error: string } | undefined {
  const text = annotation?.trim() ?? '';
  if (text === '') return undefined;
  const parts = text.split('/');
  const dns = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
  if (parts.length > 2 || !parts.every((p) => dns.test(p))) return { error: `annotation stackube.kubernetes.io/network "${text}" is not "name" or "namespace/name"` };
  return parts.length === 2 ? { namespace: parts[0] ?? '', name: parts[1] ?? '' } : { namespace: podNamespace, name: text };
}

/**
 * The pod's Network: the one its annotation names (in its namespace, or in another namespace of the SAME
 * project — never another tenant's), else the only Network of its namespace, else the tenant's default
 * `<tenant>/<tenant>`. The Network must be Active with its Neutron network and subnet. Pure.
 */
export function chooseNetwork(i: ChoiceInput): NetworkChoice {
  const find = (namespace: string, name: string): NetworkFacts | undefined => i.networks.find((n) => n.namespace === namespace && n.name === name);
  const ref = parseNetworkRef(i.annotation, i.namespace);
  if (ref && 'error' in ref) return { kind: 'refused', reason: CHOICE_REASONS.InvalidAnnotation, message: ref.error };
  if (ref) {
    if (ref.namespace !== i.namespace && i.projectOf[ref.namespace] !== i.projectId) {
      return { kind: 'refused', reason: CHOICE_REASONS.OtherProject, message: `Network ${ref.namespace}/${ref.name} (annotation stackube.kubernetes.io/network) is not in a namespace of this tenant's project ${i.projectId}: pods may only use their own tenant's Networks` };
    }
    return readiness(find(ref.namespace, ref.name), `${ref.namespace}/${ref.name}`, 'named by the annotation stackube.kubernetes.io/network');
  }
  const own = i.networks.filter((n) => n.namespace === i.namespace && !n.deleting);
  if (own.length === 1 && own[0]) return readiness(own[0], `${i.namespace}/${own[0].name}`, 'the only Network of the namespace');
  if (!i.tenant) {
    const why = own.length === 0 ? 'has no Network' : `has ${own.length} Networks`;
    return { kind: 'wait', reason: CHOICE_REASONS.NotReady, message: `namespace ${i.namespace} ${why} and no tenant label to find a default Network: create one, or name one with the annotation stackube.kubernetes.io/network` };
  }
  const where = own.length === 0 ? 'the namespace has no Network' : `the namespace has ${own.length} Networks`;
  return readiness(find(i.tenant, i.tenant), `${i.tenant}/${i.tenant}`, `the tenant's default Network (${where}; name one with the annotation stackube.kubernetes.io/network)`);
}

function readiness(n: NetworkFacts | undefined, ref: string, what: string): NetworkChoice {
  if (!n) return { kind: 'wait', reason: CHOICE_REASONS.NotReady, message: `Network ${ref}, ${what}, does not exist (yet)` };
  if (n.deleting) return { kind: 'wait', reason: CHOICE_REASONS.NotReady, message: `Network ${ref}, ${what}, is being deleted` };
  if (n.state !== 'Active') return { kind: 'wait', reason: CHOICE_REASONS.NotReady, message: `Network ${ref}, ${what}, is ${n.state ?? 'Pending'}, not Active yet` };
  if (!n.networkID || !n.subnetID) return { kind: 'wait', reason: CHOICE_REASONS.NotReady, message: `Network ${ref}, ${what}, has no Neutron network and subnet in its status yet` };
  return { kind: 'ready', namespace: n.namespace, name: n.name, networkID: n.networkID, subnetID: n.subnetID };
}

/** The identity of a pod's port: which pod, on which node, in which project. */
export interface PodRef { namespace: string; name: string; uid: string }

/** Where a port goes: network, subnet, node, project and security group. */
export interface PortPlace { networkID: string; subnetID: string; node: string; projectId: string; securityGroupID: string }

/** Body of a Neutron port create (POST /ports), in Neutron's own field names. */
export interface PortSpec {
  network_id: string;
  fixed_ips: { subnet_id: string }[];
  security_groups: string[];
  device_owner: string;
  device_id: string;
  'binding:host_id': string;
  project_id: string;
  admin_state_up: boolean;
  name: string;
  description: string;
}

/**
 * The create body of a pod's port: device_id = pod uid and the pod marker from the creating call on (so that a
 * crash right after the POST leaves a port the next reconcile finds by device_id), bound to the pod's node, in
 * the tenant's project, with the tenant's security group. Pure.
 */
export function podPortSpec(pod: PodRef, at: PortPlace): PortSpec {
  return {
    network_id: at.networkID,
    fixed_ips: [{ subnet_id: at.subnetID }],
    security_groups: [at.securityGroupID],
    device_owner: POD_PORT_DEVICE_OWNER,
    device_id: pod.uid,
    'binding:host_id': at.node,
    project_id: at.projectId,
    admin_state_up: true,
    name: podPortName(pod.namespace, pod.name),
    description: podPortMarker(pod.uid),
  };
}

/** The create body of a warm pooled port: like a pod's, bound to the node, but device_id "" and the pool marker. Pure. */
export function poolPortSpec(at: PortPlace): PortSpec {
  return {
    network_id: at.networkID,
    fixed_ips: [{ subnet_id: at.subnetID }],
    security_groups: [at.securityGroupID],
    device_owner: POD_PORT_DEVICE_OWNER,
    device_id: '',
    'binding:host_id': at.node,
    project_id: at.projectId,
    admin_state_up: true,
    name: '',
    description: poolPortMarker(at.networkID, at.node),
  };
}

/** The update that hands a pooled port to a pod (PUT /ports/{id}): one call, so the port is never half-owned. Pure. */
export function claimUpdate(pod: PodRef): { device_id: string; name: string; description: string } {
  return { device_id: pod.uid, name: podPortName(pod.namespace, pod.name), description: podPortMarker(pod.uid) };
}

/** What the controller reads about a Neutron port. */
export interface PortFacts {
  id: string;
  networkId: string;
  projectId: string;
  mac: string;
  fixedIps: { subnetId: string; ip: string }[];
  deviceId: string;
  deviceOwner: string;
  description: string;
  hostId: string;
  /** binding:vif_type ("unbound" until bound). */
  vifType: string;
  /** Neutron's created_at (RFC 3339), when it reports one. */
  createdAt: string | undefined;
}

/** What the VIF needs from a subnet. */
export interface SubnetFacts { id: string; cidr: string; gatewayIp: string | null; dnsNameservers: string[] }

/** The port's IPv4 address and subnet (the first one): undefined when the port has none. Pure. */
export function portIpv4(p: Pick<PortFacts, 'fixedIps'>): { subnetId: string; ip: string } | undefined {
  return p.fixedIps.find((f) => parseIpv4(f.ip) !== undefined);
}

/**
 * The VIF annotation of a port: its id, network, MAC, IPv4 address on `subnet`, the subnet's prefix length,
 * gateway and nameservers, the network's MTU and the port's binding:vif_type. Undefined when the port has no
 * address on that subnet or the subnet's CIDR is not IPv4. Pure.
 */
export function vifFor(port: PortFacts, subnet: SubnetFacts, mtu: number): VifAnnotation | undefined {
  const addr = port.fixedIps.find((f) => f.subnetId === subnet.id && parseIpv4(f.ip) !== undefined);
  const cidr = parseIpv4Cidr(subnet.cidr, true);
  if (!addr || !cidr) return undefined;
  return {
    v: 1, portID: port.id, networkID: port.networkId, subnetID: subnet.id, mac: port.mac.toLowerCase(), ip: addr.ip,
    prefixLength: cidr.prefix, ...(subnet.gatewayIp ? { gateway: subnet.gatewayIp } : {}), mtu,
    vifType: port.vifType || 'unbound', dnsNameservers: [...subnet.dnsNameservers],
  };
}

/** The annotation text of a VIF (JSON with the fields in a fixed order). Pure. */
export function vifText(v: VifAnnotation): string {
  return JSON.stringify(v);
}

/** True when the annotation already says exactly this VIF (compared as data, so key order does not matter). Pure. */
export function vifUpToDate(current: string | undefined, want: VifAnnotation): boolean {
  const have = parseVif(current);
  return have !== undefined && isDeepStrictEqual({ ...have }, { ...want });
}

/** The port of a pod among those carrying its uid: the one its annotation names, else the oldest; the rest are extras. Pure. */
export function pickPodPort(ports: readonly PortFacts[], annotatedPortId: string | undefined): { port: PortFacts | undefined; extras: PortFacts[] } {
  const sorted = [...ports].sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.id.localeCompare(b.id));
  const port = sorted.find((p) => p.id === annotatedPortId) ?? sorted[0];
  return { port, extras: sorted.filter((p) => p !== port) };
}

/** The key of a warm pool: network, node and project (a shared network can serve several tenants). Pure. */
export function poolKey(networkId: string, node: string, projectId: string): string {
  return `${networkId}|${node}|${projectId}`;
}

/** What garbage collection knows besides Neutron's ports. */
export interface GcInput {
  /** Every port with device_owner compute:stackube, listed BEFORE livePodUids was read. */
  ports: readonly PortFacts[];
  /** Uids of the pods that still need their port (in the pod cache, not finished, not being deleted). */
  livePodUids: ReadonlySet<string>;
  /** Projects of this cluster's tenant namespaces: ports of other projects (another cluster's) are never touched. */
  knownProjects: ReadonlySet<string>;
  nowMs: number;
  /** Ports younger than this are never collected (a reconcile or a refill may have just made them). */
  graceMs: number;
  /** Ready ports per pool (0 = pools off: every pooled port goes). */
  poolSize: number;
  /** Neutron networks of the Networks that exist (pooled ports of other networks go). */
  networkIds: ReadonlySet<string>;
  /** Nodes that exist, or undefined when unknown (then no pooled port goes for its node). */
  nodes: ReadonlySet<string> | undefined;
}

/** What garbage collection deletes, and why. */
export interface GcPlan {
  /** Pod ports whose pod is gone or finished (and any other unowned compute:stackube port). */
  orphans: PortFacts[];
  /** Pooled ports of a network or node that is gone, or of a pool when pools are off. */
  stalePooled: PortFacts[];
  /** Pooled ports beyond poolSize in their pool (the youngest go). */
  surplusPooled: PortFacts[];
  /** Ports that would have gone but are within the grace period. */
  young: number;
}

/** Milliseconds since a port was created, or Infinity when Neutron gave no created_at. Pure. */
export function portAgeMs(p: Pick<PortFacts, 'createdAt'>, nowMs: number): number {
  const t = p.createdAt ? Date.parse(p.createdAt) : NaN;
  return Number.isNaN(t) ? Infinity : nowMs - t;
}

/**
 * Which Stackube ports to delete: pod ports whose device_id is no live pod's uid, pooled ports of gone networks
 * or nodes (or all of them when pools are off), and pooled ports beyond the pool size. Never a port of a project
 * this cluster does not know, and never a port younger than the grace period. Pure.
 */
export function planGc(i: GcInput): GcPlan {
  const plan: GcPlan = { orphans: [], stalePooled: [], surplusPooled: [], young: 0 };
  const old = (p: PortFacts): boolean => {
    if (portAgeMs(p, i.nowMs) >= i.graceMs) return true;
    plan.young++;
    return false;
  };
  const pools = new Map<string, PortFacts[]>();
  for (const p of i.ports) {
    if (p.deviceOwner !== POD_PORT_DEVICE_OWNER || !i.knownProjects.has(p.projectId)) continue;
    const marker = parsePortMarker(p.description);
    if (p.deviceId === '' && marker?.kind === 'pool') {
      const gone = i.poolSize <= 0 || !i.networkIds.has(marker.networkId) || marker.networkId !== p.networkId || (i.nodes !== undefined && !i.nodes.has(marker.node));
      if (gone) {
        if (old(p)) plan.stalePooled.push(p);
        continue;
      }
      const k = poolKey(marker.networkId, marker.node, p.projectId);
      pools.set(k, [...(pools.get(k) ?? []), p]);
      continue;
    }
    if (p.deviceId !== '' && i.livePodUids.has(p.deviceId)) continue;
    if (old(p)) plan.orphans.push(p);
  }
  for (const members of pools.values()) {
    if (members.length <= i.poolSize) continue;
    // The oldest stay: they are the likeliest to be bound (and plugged) already.
    const sorted = [...members].sort((a, b) => portAgeMs(b, i.nowMs) - portAgeMs(a, i.nowMs) || a.id.localeCompare(b.id));
    for (const p of sorted.slice(i.poolSize)) if (old(p)) plan.surplusPooled.push(p);
  }
  return plan;
}
