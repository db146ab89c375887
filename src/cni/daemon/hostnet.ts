// The daemon's netns and link operations (veth pairs, the pod end inside its netns), behind one interface so that
// the CNI logic is tested against an in-memory fake, and this implementation against a recording Runner and the
// real kernel. Commands: iproute2 for the host, `nsenter --net=<path> ip …` inside the pod's netns (`ip -n` only
// takes names under /run/netns, while runtimes hand us any path, e.g. /proc/<pid>/ns/net).
import { stat } from 'node:fs/promises';
import { NodeCommandError, isNoSuchDevice, mustRun, type Runner } from './binding/runner.js';

/** A link as the daemon needs to see it. */
export interface LinkState {
  name: string;
  mac: string;
  mtu: number;
  /** Administratively up. */
  up: boolean;
  master?: string;
  alias?: string;
}

/** The pod end, with its addresses in CIDR notation. */
export interface PodLinkState extends LinkState {
  addresses: string[];
}

/** What createVeth makes. */
export interface VethSpec {
  /** Host end name (`tap…`). */
  hostIf: string;
  hostMac: string;
  /** Our marker on the host end. */
  alias: string;
  /** Temporary name of the pod end, created directly inside the netns. */
  tempIf: string;
  /** The port's MAC, on the pod end. */
  mac: string;
  mtu: number;
  netns: string;
}

/** How the pod end is configured inside the netns. */
export interface PodIfSpec {
  netns: string;
  tempIf: string;
  ifName: string;
  /** `ip/prefix`. */
  cidr: string;
}

/** Host and netns link operations. Methods that say so are idempotent; all reject with NodeCommandError on a command failure. */
export interface HostNet {
  /** Whether a netns path exists (false only when the path is gone: ENOENT, ENOTDIR). Never rejects. */
  netnsExists(path: string): Promise<boolean>;
  /** A host (root netns) link, or undefined. */
  hostLink(name: string): Promise<LinkState | undefined>;
  /** Host veth links whose alias starts with `prefix`. */
  markedLinks(prefix: string): Promise<{ name: string; alias: string }[]>;
  /** Creates the veth pair, the pod end directly inside the netns, both ends down with MAC and MTU; then marks the host end. */
  createVeth(v: VethSpec): Promise<void>;
  /** Inside the netns: renames the pod end to ifName, adds the address, brings lo up. Leaves ifName down. */
  configurePod(p: PodIfSpec): Promise<void>;
  /** Inside the netns: brings ifName up and sets the default route (if a gateway is given). Idempotent. */
  activatePod(netns: string, ifName: string, gateway: string | undefined): Promise<void>;
  /** The pod end, or undefined when the netns or the link does not exist. */
  podLink(netns: string, ifName: string): Promise<PodLinkState | undefined>;
  /** Gateways of the default routes inside the netns ([] when it does not exist). */
  podDefaultGateways(netns: string): Promise<string[]>;
  /** Deletes a host link (and so its veth peer). Resolves false when it did not exist. Idempotent. */
  deleteHostLink(name: string): Promise<boolean>;
  /** Deletes a link inside a netns. Resolves false when the netns or the link did not exist. Idempotent. */
  deletePodLink(netns: string, ifName: string): Promise<boolean>;
}

/** Options of iprouteHostNet. */
export interface IprouteHostNetOptions {
  runner: Runner;
  /** Default: fs.stat. */
  exists?: (path: string) => Promise<boolean>;
}

interface IpJsonLink {
  ifname?: unknown;
  address?: unknown;
  mtu?: unknown;
  flags?: unknown;
  master?: unknown;
  ifalias?: unknown;
  addr_info?: { local?: unknown; prefixlen?: unknown; family?: unknown }[];
}

/** Parses `ip -json link|addr show` output into links. Throws NodeCommandError for output that is not that. */
export function parseIpLinks(stdout: string, args: readonly string[]): PodLinkState[] {
  let parsed: unknown;
  try {
    parsed = stdout.trim() === '' ? [] : JSON.parse(stdout);
  } catch (e) {
    throw new NodeCommandError('ip', args, { code: 0, reason: 'printed invalid JSON', cause: e });
  }
  if (!Array.isArray(parsed)) throw new NodeCommandError('ip', args, { code: 0, reason: 'printed no list of links' });
  return (parsed as IpJsonLink[]).filter((l) => typeof l.ifname === 'string').map((l) => {
    const link: PodLinkState = {
      name: l.ifname as string,
      mac: typeof l.address === 'string' ? l.address : '',
      mtu: typeof l.mtu === 'number' ? l.mtu : 0,
      up: Array.isArray(l.flags) && l.flags.includes('UP'),
      addresses: (l.addr_info ?? []).filter((a) => typeof a.local === 'string' && typeof a.prefixlen === 'number').map((a) => `${String(a.local)}/${String(a.prefixlen)}`),
    };
    if (typeof l.master === 'string') link.master = l.master;
    if (typeof l.ifalias === 'string') link.alias = l.ifalias;
    return link;
  });
}

/** nsenter's complaint when the netns path is gone or is no longer a namespace. */
function isNetnsGone(stderr: string): boolean {
  return /nsenter: (cannot open|reassociate to namespace)/.test(stderr);
}

async function defaultExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    // Only "no such path" means gone. Anything else (EACCES, say) must not make DEL or reconciliation believe a
    // live pod's netns vanished; a command inside it will then fail with the real reason.
    const code = (e as NodeJS.ErrnoException).code;
    return code !== 'ENOENT' && code !== 'ENOTDIR';
  }
}

/** The HostNet on iproute2 and nsenter. */
export function iprouteHostNet(o: IprouteHostNetOptions): HostNet {
  const { runner } = o;
  const exists = o.exists ?? defaultExists;
  const inNs = (netns: string, args: readonly string[]): [string, string[]] => ['nsenter', [`--net=${netns}`, 'ip', ...args]];
  const ip = (args: readonly string[]): Promise<string> => mustRun(runner, 'ip', args);
  const nsIp = (netns: string, args: readonly string[]): Promise<string> => mustRun(runner, ...inNs(netns, args));

  return {
    netnsExists: exists,

    async hostLink(name) {
      const args = ['-json', 'link', 'show', 'dev', name];
      const r = await runner.run('ip', args);
      if (r.code !== 0) {
        if (isNoSuchDevice(r.stderr)) return undefined;
        throw new NodeCommandError('ip', args, { code: r.code, stderr: r.stderr });
      }
      const [link] = parseIpLinks(r.stdout, args);
      if (link === undefined) return undefined;
      const out: LinkState = { name: link.name, mac: link.mac, mtu: link.mtu, up: link.up };
      if (link.master !== undefined) out.master = link.master;
      if (link.alias !== undefined) out.alias = link.alias;
      return out;
    },

    async markedLinks(prefix) {
      const args = ['-json', 'link', 'show', 'type', 'veth'];
      const links = parseIpLinks(await ip(args), args);
      return links.filter((l) => l.alias?.startsWith(prefix) === true).map((l) => ({ name: l.name, alias: l.alias ?? '' }));
    },

    async createVeth(v) {
      await ip(['link', 'add', 'name', v.hostIf, 'address', v.hostMac, 'mtu', String(v.mtu), 'type', 'veth',
        'peer', 'name', v.tempIf, 'address', v.mac, 'mtu', String(v.mtu), 'netns', v.netns]);
      // The kernel ignores an alias given to `link add`; it must be a second call.
      await ip(['link', 'set', 'dev', v.hostIf, 'alias', v.alias]);
    },

    async configurePod(p) {
      // A fresh veth end is down, which a rename requires.
      await nsIp(p.netns, ['link', 'set', 'dev', p.tempIf, 'name', p.ifName]);
      await nsIp(p.netns, ['addr', 'replace', p.cidr, 'dev', p.ifName]);
      await nsIp(p.netns, ['link', 'set', 'dev', 'lo', 'up']);
    },

    async activatePod(netns, ifName, gateway) {
      await nsIp(netns, ['link', 'set', 'dev', ifName, 'up']);
      // The subnet's connected route exists only once the link is up, so the default route comes after.
      if (gateway !== undefined) await nsIp(netns, ['route', 'replace', 'default', 'via', gateway, 'dev', ifName]);
    },

    async podLink(netns, ifName) {
      if (!(await exists(netns))) return undefined;
      const args = ['-json', 'addr', 'show', 'dev', ifName];
      const [cmd, full] = inNs(netns, args);
      const r = await runner.run(cmd, full);
      if (r.code !== 0) {
        if (isNoSuchDevice(r.stderr) || isNetnsGone(r.stderr)) return undefined;
        throw new NodeCommandError(cmd, full, { code: r.code, stderr: r.stderr });
      }
      return parseIpLinks(r.stdout, args)[0];
    },

    async podDefaultGateways(netns) {
      if (!(await exists(netns))) return [];
      const [cmd, full] = inNs(netns, ['-json', 'route', 'show', 'default']);
      const r = await runner.run(cmd, full);
      if (r.code !== 0) {
        if (isNetnsGone(r.stderr)) return [];
        throw new NodeCommandError(cmd, full, { code: r.code, stderr: r.stderr });
      }
      let routes: unknown;
      try {
        routes = r.stdout.trim() === '' ? [] : JSON.parse(r.stdout);
      } catch (e) {
        throw new NodeCommandError(cmd, full, { code: 0, reason: 'printed invalid JSON', cause: e });
      }
      return Array.isArray(routes) ? (routes as { gateway?: unknown }[]).flatMap((x) => (typeof x.gateway === 'string' ? [x.gateway] : [])) : [];
    },

    async deleteHostLink(name) {
      const args = ['link', 'del', 'dev', name];
      const r = await runner.run('ip', args);
      if (r.code === 0) return true;
      if (isNoSuchDevice(r.stderr)) return false;
      throw new NodeCommandError('ip', args, { code: r.code, stderr: r.stderr });
    },

    async deletePodLink(netns, ifName) {
      if (netns === '' || !(await exists(netns))) return false;
      const [cmd, full] = inNs(netns, ['link', 'del', 'dev', ifName]);
      const r = await runner.run(cmd, full);
      if (r.code === 0) return true;
      if (isNoSuchDevice(r.stderr) || isNetnsGone(r.stderr)) return false;
      throw new NodeCommandError(cmd, full, { code: r.code, stderr: r.stderr });
    },
  };
}
