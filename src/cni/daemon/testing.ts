// Test doubles for the node daemon: an in-memory model of host links and netns (what the kernel would do with
// veth pairs), a binding driver on it, and a scripted Neutron port status. Not used by the binary.
import { NodeCommandError } from './binding/runner.js';
import { linuxBridgeName, tapName, type BindingDriver, type BindingDriverName, type Vif } from './binding/types.js';
import type { HostNet, LinkState, PodIfSpec, PodLinkState, VethSpec } from './hostnet.js';
import type { PortStatusSource } from './port-status.js';

interface FakeLink {
  mac: string;
  mtu: number;
  up: boolean;
  master?: string;
  alias?: string;
  addresses: string[];
  /** The other end of a veth: [netns ('' = host), name]. */
  peer?: [string, string];
}

/** Makes a method of FakeHostNet fail: return an Error to throw it, undefined to run normally. */
export type FakeFault = (method: keyof HostNet, args: unknown[]) => Error | undefined;

/** An in-memory HostNet: netns paths, links in the host ('') and in each netns, veth peers, default routes. */
export class FakeHostNet implements HostNet {
  /** Every call, as `method arg0`. */
  readonly calls: string[] = [];
  readonly netns = new Set<string>();
  /** netns ('' = host) → name → link. */
  readonly links = new Map<string, Map<string, FakeLink>>([['', new Map()]]);
  readonly gateways = new Map<string, string[]>();
  fault: FakeFault = () => undefined;

  /** Adds a netns (as `ip netns add` would), with a down lo. */
  addNetns(path: string): void {
    this.netns.add(path);
    this.links.set(path, new Map([['lo', { mac: '00:00:00:00:00:00', mtu: 65536, up: false, addresses: [] }]]));
  }

  /** Deletes a netns; like the kernel, deletes the veth pairs with an end inside it (host ends included). */
  deleteNetns(path: string): void {
    for (const l of this.links.get(path)?.values() ?? []) if (l.peer !== undefined) this.links.get(l.peer[0])?.delete(l.peer[1]);
    this.links.delete(path);
    this.netns.delete(path);
    this.gateways.delete(path);
  }

  /** Adds a host link that is no veth of ours (a Neutron tap, say). */
  addHostLink(name: string, l: Partial<FakeLink> = {}): void {
    this.host().set(name, { mac: 'aa:bb:cc:dd:ee:ff', mtu: 1500, up: true, addresses: [], ...l });
  }

  /** The link, for assertions. */
  link(netns: string, name: string): FakeLink | undefined {
    return this.links.get(netns)?.get(name);
  }

  private host(): Map<string, FakeLink> {
    return this.links.get('') ?? new Map<string, FakeLink>();
  }

  private check(method: keyof HostNet, first: string, ...rest: unknown[]): void {
    this.calls.push(`${method} ${first}`.trim());
    const args = [first, ...rest];
    const e = this.fault(method, args);
    if (e !== undefined) throw e;
  }

  private ns(netns: string, cmd: string): Map<string, FakeLink> {
    const m = this.links.get(netns);
    if (m === undefined) throw new NodeCommandError('nsenter', [`--net=${netns}`, cmd], { code: 1, stderr: `nsenter: cannot open ${netns}: No such file or directory` });
    return m;
  }

  netnsExists(path: string): Promise<boolean> {
    return Promise.resolve(this.netns.has(path));
  }

  async hostLink(name: string): Promise<LinkState | undefined> {
    await Promise.resolve();
    this.check('hostLink', name);
    const l = this.host().get(name);
    return l === undefined ? undefined : view(name, l);
  }

  async markedLinks(prefix: string): Promise<{ name: string; alias: string }[]> {
    await Promise.resolve();
    this.check('markedLinks', prefix);
    return [...this.host()].filter(([, l]) => l.peer !== undefined && l.alias?.startsWith(prefix) === true).map(([name, l]) => ({ name, alias: l.alias ?? '' }));
  }

  async createVeth(v: VethSpec): Promise<void> {
    await Promise.resolve();
    this.check('createVeth', v.hostIf, v);
    const inside = this.ns(v.netns, 'ip link add');
    if (this.host().has(v.hostIf) || inside.has(v.tempIf)) throw new NodeCommandError('ip', ['link', 'add', v.hostIf], { code: 2, stderr: 'RTNETLINK answers: File exists' });
    this.host().set(v.hostIf, { mac: v.hostMac, mtu: v.mtu, up: false, addresses: [], peer: [v.netns, v.tempIf], alias: v.alias });
    inside.set(v.tempIf, { mac: v.mac, mtu: v.mtu, up: false, addresses: [], peer: ['', v.hostIf] });
  }

  async configurePod(p: PodIfSpec): Promise<void> {
    await Promise.resolve();
    this.check('configurePod', p.ifName, p);
    const inside = this.ns(p.netns, 'ip link set');
    const l = inside.get(p.tempIf);
    if (l === undefined) throw new NodeCommandError('ip', ['link', 'set', p.tempIf], { code: 1, stderr: `Cannot find device "${p.tempIf}"` });
    if (inside.has(p.ifName)) throw new NodeCommandError('ip', ['link', 'set', p.tempIf, 'name', p.ifName], { code: 2, stderr: 'RTNETLINK answers: File exists' });
    inside.delete(p.tempIf);
    inside.set(p.ifName, { ...l, addresses: [p.cidr] });
    if (l.peer !== undefined) {
      const hostEnd = this.links.get(l.peer[0])?.get(l.peer[1]);
      if (hostEnd !== undefined) hostEnd.peer = [p.netns, p.ifName];
    }
    const lo = inside.get('lo');
    if (lo !== undefined) lo.up = true;
  }

  async activatePod(netns: string, ifName: string, gateway: string | undefined): Promise<void> {
    await Promise.resolve();
    this.check('activatePod', ifName, netns, gateway);
    const l = this.ns(netns, 'ip link set').get(ifName);
    if (l === undefined) throw new NodeCommandError('ip', ['link', 'set', ifName, 'up'], { code: 1, stderr: `Cannot find device "${ifName}"` });
    l.up = true;
    if (gateway !== undefined) this.gateways.set(netns, [gateway]);
  }

  async podLink(netns: string, ifName: string): Promise<PodLinkState | undefined> {
    await Promise.resolve();
    this.check('podLink', ifName, netns);
    const l = this.links.get(netns)?.get(ifName);
    return netns === '' || l === undefined ? undefined : { ...view(ifName, l), addresses: [...l.addresses] };
  }

  async podDefaultGateways(netns: string): Promise<string[]> {
    await Promise.resolve();
    this.check('podDefaultGateways', netns);
    return [...(this.gateways.get(netns) ?? [])];
  }

  async deleteHostLink(name: string): Promise<boolean> {
    await Promise.resolve();
    this.check('deleteHostLink', name);
    return this.remove('', name);
  }

  async deletePodLink(netns: string, ifName: string): Promise<boolean> {
    await Promise.resolve();
    this.check('deletePodLink', ifName, netns);
    return netns !== '' && this.remove(netns, ifName);
  }

  /** Deletes a link and its veth peer, as the kernel does. */
  remove(netns: string, name: string): boolean {
    const l = this.links.get(netns)?.get(name);
    if (l === undefined) return false;
    this.links.get(netns)?.delete(name);
    if (l.peer !== undefined) this.links.get(l.peer[0])?.delete(l.peer[1]);
    if (netns !== '') this.gateways.delete(netns);
    return true;
  }
}

function view(name: string, l: FakeLink): LinkState {
  const out: LinkState = { name, mac: l.mac, mtu: l.mtu, up: l.up };
  if (l.master !== undefined) out.master = l.master;
  if (l.alias !== undefined) out.alias = l.alias;
  return out;
}

/** A binding driver on FakeHostNet, shaped like linuxbridge: plug enslaves the tap to `brq<net>` and brings it up. */
export class FakeDriver implements BindingDriver {
  readonly calls: string[] = [];
  fail: Partial<Record<'plug' | 'unplug' | 'isPlugged', Error>> = {};

  constructor(private readonly host: FakeHostNet, readonly name: BindingDriverName = 'linuxbridge') {}

  hostIfName(vif: Vif): string {
    return tapName(vif.portId);
  }

  async plug(vif: Vif): Promise<void> {
    await Promise.resolve();
    this.calls.push(`plug ${vif.portId}`);
    if (this.fail.plug) throw this.fail.plug;
    const l = this.host.link('', tapName(vif.portId));
    if (l === undefined) throw new NodeCommandError('ip', ['link', 'set', tapName(vif.portId)], { code: 1, stderr: 'Cannot find device' });
    Object.assign(l, { master: linuxBridgeName(vif.networkId), up: true, mtu: vif.mtu });
  }

  async unplug(vif: Vif): Promise<void> {
    await Promise.resolve();
    this.calls.push(`unplug ${vif.portId}`);
    if (this.fail.unplug) throw this.fail.unplug;
    this.host.remove('', tapName(vif.portId));
  }

  async isPlugged(vif: Vif): Promise<boolean> {
    await Promise.resolve();
    if (this.fail.isPlugged) throw this.fail.isPlugged;
    const l = this.host.link('', tapName(vif.portId));
    return l !== undefined && l.up && l.master === linuxBridgeName(vif.networkId);
  }
}

/** Neutron port status from a script: a function of (portId, call number), which may throw. */
export class FakePortStatus implements PortStatusSource {
  calls = 0;
  constructor(public script: (portId: string, call: number) => string | undefined = () => 'ACTIVE') {}

  async status(portId: string): Promise<string | undefined> {
    await Promise.resolve();
    return this.script(portId, this.calls++);
  }
}
