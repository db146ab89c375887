// stackube-node against the real kernel, without kubelet, apiserver or Neutron: the daemon's core runs in-process
// with an injected pod source and a scripted Neutron port status, and every CNI call goes through the real plugin
// binary (node dist/src/cmd/stackube-cni.js) over the daemon's unix socket. What is real: netns, veth pairs,
// addresses, routes, the linuxbridge binding into a `brq…` bridge, state files, restart reconciliation.
// Needs root and iproute2 (takes 2-5 s). Every id starts with `eeeeeeee-` and names are checked to be free first, so
// it never touches Neutron's own bridges and taps; it removes every netns, link, bridge, process and file it creates.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { ANNOTATION_VIF, type VifAnnotation } from '../../src/api/vif.js';
import { createBindingDriver, execFileRunner, linuxBridgeName, tapName } from '../../src/cni/daemon/binding/index.js';
import { NodeDaemon, lazyDrivers } from '../../src/cni/daemon/core.js';
import { iprouteHostNet } from '../../src/cni/daemon/hostnet.js';
import { nodeMetrics } from '../../src/cni/daemon/metrics.js';
import { linkAlias } from '../../src/cni/daemon/plan.js';
import { StaticPodSource } from '../../src/cni/daemon/pods.js';
import { bindingProbe } from '../../src/cni/daemon/probe.js';
import { startCniServer, type CniServer } from '../../src/cni/daemon/server.js';
import { fileStateStore } from '../../src/cni/daemon/state.js';
import { FakePortStatus } from '../../src/cni/daemon/testing.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { createRegistry } from '../../src/telemetry/metrics.js';

const IS_ROOT = process.getuid?.() === 0;
const PLUGIN = resolve(import.meta.dirname, '../../src/cmd/stackube-cni.js');
const runner = execFileRunner({ timeoutMs: 20_000 });
const hex = (n: number): string => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
/** A UUID starting with `eeeeeeee-`: its 11-character name prefix cannot be one of Neutron's in practice. */
const testUuid = (): string => `eeeeeeee-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
const log = createLogger({ name: 'it', level: process.env['STACKUBE_IT_LOG'] ?? 'fatal', destination: process.env['STACKUBE_IT_LOG'] ? process.stderr : new Writable({ write: (_c, _e, cb) => cb() }) });

/** Runs a command; the test fails unless it exits 0. */
function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
/** Cleanup: runs a command, ignoring failure (the thing may already be gone). */
function tryRun(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
  } catch {
    // Already gone, which is what cleanup wants.
  }
}
interface JsonLink { ifname: string; flags: string[]; mtu: number; master?: string; address?: string; ifalias?: string; addr_info?: { local: string; prefixlen: number; family: string }[] }
function hostLink(name: string): JsonLink | undefined {
  try {
    return (JSON.parse(sh('ip', ['-json', 'link', 'show', 'dev', name])) as JsonLink[])[0];
  } catch {
    // `ip` exits 1 for a missing device.
    return undefined;
  }
}
function nsLink(ns: string, name: string): JsonLink | undefined {
  try {
    return (JSON.parse(sh('ip', ['-n', ns, '-json', 'addr', 'show', 'dev', name])) as JsonLink[])[0];
  } catch {
    // Missing device or netns.
    return undefined;
  }
}
function readComm(pid: number | undefined): string {
  try {
    return readFileSync(`/proc/${String(pid)}/comm`, 'utf8').trim();
  } catch {
    // Not started yet, or gone.
    return '';
  }
}
const nsDefaultGateways = (ns: string): string[] => (JSON.parse(sh('ip', ['-n', ns, '-json', 'route', 'show', 'default'])) as { gateway?: string }[]).flatMap((r) => (r.gateway ? [r.gateway] : []));

/** One pod: its ids, netns and VIF. */
interface TestPod { name: string; uid: string; containerId: string; ns: string; nsPath: string; vif: VifAnnotation }

describe('stackube-node on the real kernel (plugin binary → daemon → netns, veth, brq)', { skip: IS_ROOT ? false : 'needs root (netns, veth, bridge)' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'stackube-it-node-'));
  const socket = join(dir, 'cni.sock');
  const stateDir = join(dir, 'state');
  const networkId = testUuid();
  const brq = linuxBridgeName(networkId);
  const subnet = `10.${200 + (randomBytes(1)[0] ?? 0) % 50}.${randomBytes(1)[0] ?? 0}`;
  const pods = new StaticPodSource();
  const ports = new FakePortStatus(() => 'ACTIVE');
  const made: TestPod[] = [];
  const extraLinks: string[] = [];
  const sleepers: ChildProcess[] = [];
  let server: CniServer | undefined;
  let daemon: NodeDaemon;
  let n = 0;

  function newPod(): TestPod {
    const i = ++n;
    for (let tries = 0; tries < 50; tries++) {
      const portID = testUuid();
      const tap = tapName(portID);
      if (hostLink(tap) !== undefined || made.some((p) => tapName(p.vif.portID) === tap)) continue;
      const ns = `stk-it-node-${hex(6)}`;
      const pod: TestPod = {
        name: `web-${i}`, uid: `uid-${hex(8)}`, containerId: `${hex(16)}${i}`, ns, nsPath: `/run/netns/${ns}`,
        vif: {
          v: 1, portID, networkID: networkId, subnetID: testUuid(), mac: `fa:16:3e:${hex(2)}:${hex(2)}:${i.toString(16).padStart(2, '0')}`, ip: `${subnet}.${10 + i}`,
          prefixLength: 24, gateway: `${subnet}.1`, mtu: 1450, vifType: 'bridge', dnsNameservers: [`${subnet}.2`],
        },
      };
      made.push(pod);
      sh('ip', ['netns', 'add', ns]);
      pods.set({ namespace: 'acme', name: pod.name, uid: pod.uid, annotations: { [ANNOTATION_VIF]: JSON.stringify(pod.vif) } });
      return pod;
    }
    throw new Error('no free eeeeeeee- tap name after 50 tries');
  }

  /** Starts (or restarts) the daemon core on the socket and state directory; resolves when it is ready. */
  async function startDaemon(): Promise<void> {
    const drivers = lazyDrivers((name) => createBindingDriver(name, { runner }));
    daemon = new NodeDaemon({
      pods, ports, host: iprouteHostNet({ runner }), driver: drivers, defaultDriver: 'linuxbridge', state: fileStateStore({ dir: stateDir }), log,
      portActiveTimeoutMs: 1_000, portPollIntervalMs: 50, probe: bindingProbe({ runner, driver: 'linuxbridge' }),
    });
    server = await startCniServer({ handler: daemon, socketPath: socket, log, metrics: nodeMetrics(createRegistry({ defaultMetrics: false })), deadlineMs: 10_000 });
    await daemon.reconcile(new AbortController().signal);
  }

  /** Runs the real plugin binary. */
  function cni(command: string, pod: TestPod | undefined, extra: Record<string, unknown> = {}, netns?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', CNI_COMMAND: command, CNI_PATH: '/opt/cni/bin' };
    if (pod) {
      Object.assign(env, { CNI_CONTAINERID: pod.containerId, CNI_IFNAME: 'eth0', CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=acme;K8S_POD_NAME=${pod.name};K8S_POD_UID=${pod.uid}` });
      const path = netns ?? pod.nsPath;
      if (path !== '') env['CNI_NETNS'] = path;
    }
    const conf = JSON.stringify({ cniVersion: '1.1.0', name: 'stackube', type: 'stackube-cni', daemonSocket: socket, timeoutMs: 15_000, ...extra });
    return new Promise((res, rej) => {
      const child = spawn(process.execPath, [PLUGIN], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', rej);
      child.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(conf);
    });
  }
  const ok = (r: { code: number; stdout: string; stderr: string }): void => assert.equal(r.code, 0, `plugin failed: ${r.stdout} ${r.stderr}`);
  const stateFiles = (): string[] => (existsSync(join(stateDir, 'containers')) ? readdirSync(join(stateDir, 'containers')).sort() : []);

  before(async () => {
    assert.ok(existsSync(PLUGIN), `${PLUGIN} is missing: build first`);
    assert.equal(hostLink(brq), undefined, `${brq} must not exist yet`);
    await startDaemon();
  });

  after(async () => {
    await server?.close();
    for (const s of sleepers) if (s.exitCode === null && s.pid !== undefined) process.kill(s.pid, 'SIGKILL');
    for (const p of made) {
      tryRun('ip', ['link', 'del', 'dev', tapName(p.vif.portID)]);
      tryRun('ip', ['netns', 'del', p.ns]);
    }
    for (const l of [...extraLinks, brq]) tryRun('ip', ['link', 'del', 'dev', l]);
    rmSync(dir, { recursive: true, force: true });
  });

  let a: TestPod;
  let firstResult = '';

  it('ADD: eth0 in the netns has the port\'s MAC, IP, MTU and default route; the tap is in brq and up; eth0 stayed down until ACTIVE', async () => {
    a = newPod();
    const seenDown: boolean[] = [];
    ports.script = (id, call) => {
      if (id !== a.vif.portID) return 'ACTIVE';
      const eth0 = nsLink(a.ns, 'eth0');
      seenDown.push(eth0 !== undefined && !eth0.flags.includes('UP'));
      return call < 2 ? 'BUILD' : 'ACTIVE';
    };
    const r = await cni('ADD', a);
    ok(r);
    ports.script = () => 'ACTIVE';
    firstResult = r.stdout;
    const result = JSON.parse(r.stdout) as { interfaces: { name: string; mac: string; sandbox?: string }[]; ips: { address: string; gateway: string; interface: number }[]; routes: unknown[]; dns: unknown };
    const tap = tapName(a.vif.portID);
    assert.deepEqual(result.interfaces.map((i) => [i.name, i.sandbox]), [[tap, undefined], ['eth0', a.nsPath]]);
    assert.deepEqual(result.ips, [{ address: `${a.vif.ip}/24`, gateway: a.vif.gateway, interface: 1 }]);
    assert.deepEqual(result.routes, [{ dst: '0.0.0.0/0', gw: a.vif.gateway }]);
    assert.deepEqual(result.dns, { nameservers: a.vif.dnsNameservers });
    assert.deepEqual(seenDown, [true, true, true], 'no pod traffic before Neutron reports ACTIVE');

    const eth0 = nsLink(a.ns, 'eth0');
    assert.ok(eth0, 'eth0 exists in the pod netns');
    assert.equal(eth0.address, a.vif.mac);
    assert.equal(eth0.mtu, 1450);
    assert.ok(eth0.flags.includes('UP'));
    assert.deepEqual(eth0.addr_info?.filter((x) => x.family === 'inet').map((x) => `${x.local}/${x.prefixlen}`), [`${a.vif.ip}/24`]);
    assert.deepEqual(nsDefaultGateways(a.ns), [a.vif.gateway]);
    assert.ok(nsLink(a.ns, 'lo')?.flags.includes('UP'), 'lo is up');
    assert.deepEqual((JSON.parse(sh('ip', ['-n', a.ns, '-json', 'link', 'show'])) as JsonLink[]).map((l) => l.ifname), ['lo', 'eth0'], 'no temporary link left');

    const host = hostLink(tap);
    assert.ok(host, 'host tap exists');
    assert.equal(host.master, brq);
    assert.ok(host.flags.includes('UP'));
    assert.equal(host.mtu, 1450);
    assert.equal(host.address, `fe${a.vif.mac.slice(2)}`);
    assert.equal(host.ifalias, linkAlias('linuxbridge', a.vif.portID, a.containerId));
    assert.ok(hostLink(brq)?.flags.includes('UP'), 'bridge up');
    assert.deepEqual(stateFiles(), [`${a.containerId}.json`]);
  });

  it('ADD again returns the same result; CHECK and STATUS pass', async () => {
    const r = await cni('ADD', a);
    ok(r);
    assert.equal(r.stdout, firstResult);
    ok(await cni('CHECK', a, { prevResult: JSON.parse(firstResult) as unknown }));
    ok(await cni('STATUS', undefined));
  });

  it('CHECK notices a pod interface taken down', async () => {
    sh('ip', ['-n', a.ns, 'link', 'set', 'dev', 'eth0', 'down']);
    const r = await cni('CHECK', a, { prevResult: JSON.parse(firstResult) as unknown });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /eth0 is down/);
    sh('ip', ['-n', a.ns, 'link', 'set', 'dev', 'eth0', 'up']);
  });

  it('DEL removes both ends and the state file; DEL again succeeds', async () => {
    ok(await cni('DEL', a));
    assert.equal(hostLink(tapName(a.vif.portID)), undefined);
    assert.equal(nsLink(a.ns, 'eth0'), undefined);
    assert.deepEqual(stateFiles(), []);
    assert.ok(hostLink(brq), 'the bridge belongs to the agent and stays');
    ok(await cni('DEL', a));
  });

  it('DEL after the netns was deleted (and without CNI_NETNS) succeeds and removes the state', async () => {
    const b = newPod();
    ok(await cni('ADD', b));
    sh('ip', ['netns', 'del', b.ns]);
    ok(await cni('DEL', b, {}, ''));
    assert.equal(hostLink(tapName(b.vif.portID)), undefined);
    assert.deepEqual(stateFiles(), []);
  });

  it('a port that never becomes ACTIVE fails ADD with code 11 and leaves no link behind', async () => {
    const c = newPod();
    ports.script = (id) => (id === c.vif.portID ? 'DOWN' : 'ACTIVE');
    const r = await cni('ADD', c);
    ports.script = () => 'ACTIVE';
    assert.equal(r.code, 1);
    const err = JSON.parse(r.stdout) as { code: number; msg: string };
    assert.equal(err.code, 11);
    assert.match(err.msg, /did not become ACTIVE within 1000 ms \(status DOWN\)/);
    assert.equal(hostLink(tapName(c.vif.portID)), undefined);
    assert.deepEqual((JSON.parse(sh('ip', ['-n', c.ns, '-json', 'link', 'show'])) as JsonLink[]).map((l) => l.ifname), ['lo']);
    assert.deepEqual(stateFiles(), []);
  });

  it('after a restart, reconciliation removes leftovers (pod gone, netns gone, lost state) and keeps live pods and foreign links', async () => {
    const live = newPod();
    const podGone = newPod();
    const nsGone = newPod();
    for (const p of [live, podGone, nsGone]) ok(await cni('ADD', p));
    // A netns whose path vanishes while a process still holds the namespace: the veth outlives the path.
    const sleeper = spawn('ip', ['netns', 'exec', nsGone.ns, 'sleep', '60'], { stdio: 'ignore' });
    sleepers.push(sleeper);
    // `ip netns exec` enters the namespace and then execs sleep in the same process.
    for (let i = 0; i < 100 && readComm(sleeper.pid) !== 'sleep'; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(readComm(sleeper.pid), 'sleep');
    // A marked link with no state file (its file was lost), and an unmarked tap that is not ours.
    const lostPort = testUuid();
    const lost = tapName(lostPort);
    const foreign = tapName(testUuid());
    extraLinks.push(lost, foreign);
    sh('ip', ['link', 'add', 'name', lost, 'type', 'veth', 'peer', 'name', `stk${hex(12)}`]);
    sh('ip', ['link', 'set', 'dev', lost, 'alias', linkAlias('linuxbridge', lostPort, 'lost-container')]);
    sh('ip', ['link', 'add', 'name', foreign, 'type', 'veth', 'peer', 'name', `stk${hex(12)}`]);

    // "Kill" the daemon (no DEL for anyone), then change the world while it is down.
    await server?.close();
    sh('ip', ['netns', 'del', nsGone.ns]);
    pods.remove('acme', podGone.name);
    assert.ok(hostLink(tapName(nsGone.vif.portID)), 'the veth outlived its netns path');
    await startDaemon();

    assert.equal(hostLink(tapName(podGone.vif.portID)), undefined, 'the deleted pod\'s link is gone');
    assert.equal(nsLink(podGone.ns, 'eth0'), undefined);
    assert.equal(hostLink(tapName(nsGone.vif.portID)), undefined, 'the link of the vanished netns is gone');
    assert.equal(hostLink(lost), undefined, 'the marked link without state is gone');
    assert.ok(hostLink(foreign), 'an unmarked link is never touched');
    assert.deepEqual(stateFiles(), [`${live.containerId}.json`]);
    assert.equal(hostLink(tapName(live.vif.portID))?.master, brq);
    ok(await cni('STATUS', undefined));
    const again = await cni('ADD', live);
    ok(again);
    assert.equal((JSON.parse(again.stdout) as { interfaces: { sandbox?: string }[] }).interfaces[1]?.sandbox, live.nsPath);
    ok(await cni('DEL', live));
    ok(await cni('DEL', podGone));
    ok(await cni('DEL', nsGone, {}, ''));
    assert.deepEqual(stateFiles(), []);
  });
});
