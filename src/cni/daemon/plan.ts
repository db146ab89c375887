// Pure decisions of the node daemon: is a pod's VIF usable, the ADD result, the link marker, what CHECK compares,
// and what restart reconciliation and GC delete. Data in, decisions out: no I/O, so tests are tables.
import { createHash } from 'node:crypto';
import { isIP, isIPv4 } from 'node:net';
import { ANNOTATION_VIF, parseVif, type VifAnnotation } from '../../api/vif.js';
import { describeError } from '../../lib/errors.js';
import { assertValidVif, isBindingDriverName, type BindingDriverName, type Vif } from './binding/types.js';
import type { Result, ValidAttachment } from '../spec/types.js';
import type { ContainerState } from './state.js';

/** The parts of a Pod the daemon reads. */
export interface PodInfo {
  namespace: string;
  name: string;
  uid: string;
  annotations: Readonly<Record<string, string>>;
}

/** The pod a CNI request is for (from CNI_ARGS K8S_POD_*). */
export interface PodKey {
  namespace: string;
  name: string;
  /** K8S_POD_UID; when present the cached pod must have it (a recreated pod of the same name is another pod). */
  uid?: string;
}

/** Whether ADD can go on: the pod's VIF, or why it must wait. */
export type PodVerdict = { kind: 'ready'; pod: PodInfo; vif: VifAnnotation } | { kind: 'wait'; why: string };

/** Why a VIF annotation cannot be plugged, or undefined when it can. Pure. */
export function vifProblem(v: VifAnnotation): string | undefined {
  try {
    assertValidVif(toBindingVif(v));
  } catch (e) {
    return describeError(e);
  }
  if (!isIPv4(v.ip)) return `ip ${JSON.stringify(v.ip)} is not an IPv4 address`;
  if (!Number.isInteger(v.prefixLength) || v.prefixLength < 1 || v.prefixLength > 32) return `prefixLength ${String(v.prefixLength)} is not 1..32`;
  if (v.gateway !== undefined && (!isIPv4(v.gateway) || v.gateway === v.ip)) return `gateway ${JSON.stringify(v.gateway)} is not an IPv4 address other than the pod's`;
  const badDns = v.dnsNameservers.find((d) => isIP(d) === 0);
  if (badDns !== undefined) return `dnsNameservers has ${JSON.stringify(badDns)}, not an IP address`;
  if (v.vifType === 'binding_failed') return 'Neutron could not bind the port to this node (binding:vif_type binding_failed)';
  return undefined;
}

/** Decides whether the cached pod (undefined = not on this node) has a VIF ADD can use. Pure. */
export function evaluatePod(pod: PodInfo | undefined, key: PodKey): PodVerdict {
  const ref = `${key.namespace}/${key.name}`;
  if (pod === undefined) return { kind: 'wait', why: `pod ${ref} is not (yet) known on this node` };
  if (key.uid !== undefined && key.uid !== '' && pod.uid !== key.uid) return { kind: 'wait', why: `pod ${ref} has uid ${pod.uid}, the runtime asked for ${key.uid}` };
  const text = pod.annotations[ANNOTATION_VIF];
  if (text === undefined) return { kind: 'wait', why: `pod ${ref} has no ${ANNOTATION_VIF} annotation yet` };
  const vif = parseVif(text);
  if (vif === undefined) return { kind: 'wait', why: `pod ${ref} has a malformed ${ANNOTATION_VIF} annotation` };
  const why = vifProblem(vif);
  if (why !== undefined) return { kind: 'wait', why: `pod ${ref} has an unusable VIF: ${why}` };
  return { kind: 'ready', pod, vif };
}

/** The binding drivers' view of a VIF. Pure. */
export function toBindingVif(v: Pick<VifAnnotation, 'portID' | 'networkID' | 'mac' | 'mtu'>, deviceId?: string): Vif {
  const vif: Vif = { portId: v.portID, networkId: v.networkID, mac: v.mac.toLowerCase(), mtu: v.mtu };
  if (deviceId !== undefined && deviceId !== '') vif.deviceId = deviceId;
  return vif;
}

/**
 * The host end's MAC: the port's with the first byte 0xfe, as libvirt gives Nova's taps. A bridge takes the lowest
 * MAC of its ports as its own; 0xfe keeps our taps from becoming it (and the pod's own MAC never appears twice). Pure.
 */
export function hostMac(mac: string): string {
  return `fe${mac.toLowerCase().slice(2)}`;
}

/** Marker prefix of the aliases we set on the host links we create. */
export const ALIAS_PREFIX = 'stackube:';
// IFALIASZ is 256 including the NUL; prefix + driver + port id leave room for 128 plain container-ID characters.
const MAX_PLAIN_CONTAINER = 128;

/** How a container appears in a link alias: its ID, or `sha256-<hex>` for IDs too long to fit. Pure. */
export function aliasContainer(containerId: string): string {
  return containerId.length <= MAX_PLAIN_CONTAINER ? containerId : `sha256-${createHash('sha256').update(containerId).digest('hex')}`;
}

/** `stackube:<driver>:<portId>:<container>`: what we set on a host link so that a restarted daemon knows it is ours. Pure. */
export function linkAlias(driver: BindingDriverName, portId: string, containerId: string): string {
  return `${ALIAS_PREFIX}${driver}:${portId}:${aliasContainer(containerId)}`;
}

/** What a link alias of ours says, or undefined for any other alias. Pure. */
export function parseLinkAlias(alias: string | undefined): { driver: BindingDriverName; portId: string; container: string } | undefined {
  if (alias === undefined || !alias.startsWith(ALIAS_PREFIX)) return undefined;
  const [driver, portId, container, ...rest] = alias.slice(ALIAS_PREFIX.length).split(':');
  if (driver === undefined || !isBindingDriverName(driver) || portId === undefined || !/^[0-9a-f-]{36}$/i.test(portId) || container === undefined || container === '' || rest.length > 0) return undefined;
  return { driver, portId, container };
}

/** Where an attachment lives, for building its result. */
export interface AttachmentNames {
  hostIf: string;
  ifName: string;
  netns: string;
}

/** The ADD result for a VIF: [host tap, pod interface], the pod's address, its default route and DNS. Pure. */
export function resultFor(v: VifAnnotation, names: AttachmentNames, cniVersion: string): Result {
  const gateway = v.gateway;
  return {
    cniVersion,
    interfaces: [
      { name: names.hostIf, mac: hostMac(v.mac), mtu: v.mtu },
      { name: names.ifName, mac: v.mac.toLowerCase(), mtu: v.mtu, sandbox: names.netns },
    ],
    ips: [{ address: `${v.ip}/${v.prefixLength}`, ...(gateway === undefined ? {} : { gateway }), interface: 1 }],
    routes: gateway === undefined ? [] : [{ dst: '0.0.0.0/0', gw: gateway }],
    dns: v.dnsNameservers.length > 0 ? { nameservers: [...v.dnsNameservers] } : {},
  };
}

/** What CHECK (and a repeated ADD) found on the host for one attachment. */
export interface ObservedAttachment {
  /** The host end, if it exists. */
  host?: { up: boolean; alias?: string };
  /** Whether the binding driver finds the host end attached as plug() leaves it. */
  plugged: boolean;
  /** The pod end inside the netns, if the netns and the link exist. */
  pod?: { up: boolean; mac: string; mtu: number; addresses: string[] };
  /** Gateways of the default routes inside the netns. */
  defaultGateways: string[];
}

/** Everything that differs from the result of ADD (empty = all as created). Pure. */
export function checkAttachment(prev: Result, st: ContainerState, obs: ObservedAttachment): string[] {
  const problems: string[] = [];
  const podIndex = prev.interfaces.findIndex((i) => i.name === st.ifName && i.sandbox !== undefined);
  const podIf = prev.interfaces[podIndex];
  if (podIf === undefined) problems.push(`prevResult has no interface ${st.ifName} in a sandbox`);
  if (obs.host === undefined) problems.push(`host link ${st.hostIf} does not exist`);
  else {
    if (obs.host.alias !== st.alias) problems.push(`host link ${st.hostIf} was not created for this container (alias ${JSON.stringify(obs.host.alias ?? '')})`);
    if (!obs.host.up) problems.push(`host link ${st.hostIf} is down`);
    if (!obs.plugged) problems.push(`host link ${st.hostIf} is not attached to the Neutron backend (${st.driver})`);
  }
  if (obs.pod === undefined) {
    problems.push(`${st.ifName} does not exist in ${st.netns}`);
    return problems;
  }
  if (!obs.pod.up) problems.push(`${st.ifName} is down`);
  if (podIf !== undefined && podIf.mac.toLowerCase() !== obs.pod.mac.toLowerCase()) problems.push(`${st.ifName} has MAC ${obs.pod.mac}, expected ${podIf.mac}`);
  if (podIf?.mtu !== undefined && podIf.mtu !== obs.pod.mtu) problems.push(`${st.ifName} has MTU ${obs.pod.mtu}, expected ${podIf.mtu}`);
  for (const ip of prev.ips) {
    if (ip.interface !== undefined && ip.interface !== podIndex) continue;
    if (!obs.pod.addresses.includes(ip.address)) problems.push(`${st.ifName} lacks address ${ip.address}`);
  }
  for (const r of prev.routes) {
    if (r.dst === '0.0.0.0/0' && r.gw !== undefined && !obs.defaultGateways.includes(r.gw)) problems.push(`no default route via ${r.gw}`);
  }
  return problems;
}

/** A host link carrying one of our aliases. */
export interface MarkedLink {
  name: string;
  alias: string;
}

/** One cleanup step of reconciliation or GC. */
export type CleanupAction =
  | { kind: 'teardown'; containerId: string; why: string }
  | { kind: 'deleteLink'; name: string; driver: BindingDriverName; portId: string; why: string };

/** What restart reconciliation sees. `links` must be listed before `states` (see planReconcile). */
export interface ReconcileInput {
  states: readonly ContainerState[];
  links: readonly MarkedLink[];
  /** netns paths (of the states) that still exist. */
  liveNetns: ReadonlySet<string>;
  /** uids of the pods the informer has on this node. */
  podUids: ReadonlySet<string>;
}

/**
 * Restart reconciliation (pure): tear down every attachment whose netns is gone or whose pod (by uid) left this
 * node, and delete our marked links that no state accounts for. Links we did not mark are never in `links`, so
 * they are never touched. A state is written before its links are created, so as long as links are listed before
 * states, a link without a state is a leftover and never an ADD in progress.
 */
export function planReconcile(i: ReconcileInput): CleanupAction[] {
  const out: CleanupAction[] = [];
  for (const s of i.states) {
    if (s.netns === '' || !i.liveNetns.has(s.netns)) out.push({ kind: 'teardown', containerId: s.containerId, why: `netns ${s.netns || '(none)'} no longer exists` });
    else if (!i.podUids.has(s.pod.uid)) out.push({ kind: 'teardown', containerId: s.containerId, why: `pod ${s.pod.namespace}/${s.pod.name} (uid ${s.pod.uid}) is no longer on this node` });
  }
  out.push(...orphanLinks(i.links, i.states, () => false));
  return out;
}

/** What GC sees. */
export interface GcInput {
  states: readonly ContainerState[];
  links: readonly MarkedLink[];
  valid: readonly ValidAttachment[];
  /** ms since the epoch. */
  now: number;
  /** Attachments younger than this are kept whatever the list says (an ADD may have raced the runtime's list). */
  graceMs: number;
}

/** CNI GC (pure): tear down attachments not in the runtime's valid list (unless young), and unaccounted marked links of containers not in it. */
export function planGc(i: GcInput): CleanupAction[] {
  const valid = new Set(i.valid.map((a) => `${a.containerID}\n${a.ifname}`));
  const validContainers = new Set(i.valid.map((a) => aliasContainer(a.containerID)));
  const out: CleanupAction[] = [];
  for (const s of i.states) {
    if (valid.has(`${s.containerId}\n${s.ifName}`)) continue;
    const age = i.now - Date.parse(s.createdAt);
    if (Number.isFinite(age) && age < i.graceMs) continue;
    out.push({ kind: 'teardown', containerId: s.containerId, why: 'not in the runtime\'s valid attachments' });
  }
  out.push(...orphanLinks(i.links, i.states, (container) => validContainers.has(container)));
  return out;
}

function orphanLinks(links: readonly MarkedLink[], states: readonly ContainerState[], keep: (container: string) => boolean): CleanupAction[] {
  const accounted = new Set(states.map((s) => `${s.hostIf}\n${s.alias}`));
  const out: CleanupAction[] = [];
  for (const l of links) {
    const a = parseLinkAlias(l.alias);
    if (a === undefined || accounted.has(`${l.name}\n${l.alias}`) || keep(a.container)) continue;
    out.push({ kind: 'deleteLink', name: l.name, driver: a.driver, portId: a.portId, why: 'marked by stackube-node but no state file accounts for it' });
  }
  return out;
}
