// The node-side L2 binding drivers against the real kernel: veth pairs whose host ends are named as Neutron names
// them, the linuxbridge driver creating and using a real `brq…` bridge, and (where Open vSwitch is installed) the
// ovs driver against a private ovsdb-server + ovs-vswitchd with a userspace (netdev) bridge.
// Needs root and iproute2 only (plus Open vSwitch for the ovs suite, skipped without it), not the rest of the
// stack; takes 1-4 s. Every id starts with `ffffffff-` and every name is checked to be free first, so it never
// touches Neutron's own bridges and taps; it removes every netns, link, bridge and process it creates.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linuxBridgeDriver } from '../../src/cni/daemon/binding/linuxbridge.js';
import { ovsDriver, parseInterfaceRow } from '../../src/cni/daemon/binding/ovs.js';
import { NodeCommandError, execFileRunner, getLink, type IpLink } from '../../src/cni/daemon/binding/runner.js';
import { linuxBridgeName, tapName, type Vif } from '../../src/cni/daemon/binding/types.js';

const runner = execFileRunner({ timeoutMs: 20_000 });
const IS_ROOT = process.getuid?.() === 0;
const hex = (n: number): string => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
/** A UUID that starts with `ffffffff-`, so its 11-character name prefix cannot be one of Neutron's in practice. */
const testUuid = (): string => `ffffffff-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;

/** Runs a command and fails the test unless it exits 0. */
async function sh(cmd: string, args: string[]): Promise<string> {
  const r = await runner.run(cmd, args);
  assert.equal(r.code, 0, `${[cmd, ...args].join(' ')} failed (${String(r.code)}): ${r.stderr}`);
  return r.stdout;
}
/** Cleanup: runs a command, ignoring a non-zero exit (the thing may already be gone). */
async function tryRun(cmd: string, args: string[]): Promise<void> {
  await runner.run(cmd, args).catch((e: unknown) => {
    console.error(`cleanup: ${[cmd, ...args].join(' ')}: ${String(e)}`);
  });
}
const linkOf = (name: string): Promise<IpLink | undefined> => getLink(runner, name);
async function mustLink(name: string): Promise<IpLink> {
  const l = await linkOf(name);
  assert.ok(l, `link ${name} should exist`);
  return l;
}
/** Ids whose tap and bridge names are free on this host (retried a few times: only 2 random hex digits reach a name). */
async function freshIds(taken: Set<string>): Promise<{ portId: string; networkId: string }> {
  for (let i = 0; i < 50; i++) {
    const portId = testUuid();
    const networkId = testUuid();
    const names = [tapName(portId), linuxBridgeName(networkId)];
    if (names.some((n) => taken.has(n))) continue;
    if ((await linkOf(names[0] ?? '')) === undefined && (await linkOf(names[1] ?? '')) === undefined) {
      names.forEach((n) => taken.add(n));
      return { portId, networkId };
    }
  }
  throw new Error('no free ffffffff- names after 50 tries');
}
const mac = (): string => `fa:16:3e:${hex(2)}:${hex(2)}:${hex(2)}`;

describe('linuxbridge binding driver on the real kernel', { skip: IS_ROOT ? false : 'needs root (netns, veth, bridge)' }, () => {
  const ns = `stk-it-bind-${hex(6)}`;
  const taken = new Set<string>();
  const driver = linuxBridgeDriver({ runner });
  let a: Vif;
  let b: Vif;
  let tapA: string;
  let tapB: string;
  let brq: string;

  before(async () => {
    const ida = await freshIds(taken);
    a = { ...ida, mac: mac(), mtu: 1400, deviceId: `pod-${hex(8)}` };
    const idb = await freshIds(taken);
    // Same network, another port: the two plugs below race to create the bridge.
    b = { portId: idb.portId, networkId: a.networkId, mac: mac(), mtu: 1400 };
    tapA = driver.hostIfName(a);
    tapB = driver.hostIfName(b);
    brq = linuxBridgeName(a.networkId);
    await sh('ip', ['netns', 'add', ns]);
    // The pod ends live in the test netns, as the node daemon leaves them (eth0 / eth1 for the two "pods").
    await sh('ip', ['link', 'add', tapA, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await sh('ip', ['link', 'add', tapB, 'type', 'veth', 'peer', 'name', 'eth1', 'netns', ns]);
  });

  after(async () => {
    for (const l of [tapA, tapB, brq]) if (l) await tryRun('ip', ['link', 'del', 'dev', l]);
    await tryRun('ip', ['netns', 'del', ns]);
  });

  it('plugs two ports of a network that has no bridge yet, at once: one bridge, both taps in it, up, with the MTU', async () => {
    assert.equal(await linkOf(brq), undefined);
    assert.equal(await driver.isPlugged(a), false);
    await Promise.all([driver.plug(a), driver.plug(b)]);
    const br = await mustLink(brq);
    assert.ok(br.flags.includes('UP'), `bridge flags ${br.flags.join(',')}`);
    for (const tap of [tapA, tapB]) {
      const l = await mustLink(tap);
      assert.equal(l.master, brq);
      assert.ok(l.flags.includes('UP'), `${tap} flags ${l.flags.join(',')}`);
      assert.equal(l.mtu, 1400);
    }
    // The bridge follows its ports' MTU, and has no IPv6 (no link-local address reachable from tenant pods).
    assert.equal(br.mtu, 1400);
    assert.equal(readFileSync(`/proc/sys/net/ipv6/conf/${brq}/disable_ipv6`, 'utf8').trim(), '1');
    const addrs = JSON.parse(await sh('ip', ['-json', 'addr', 'show', 'dev', brq])) as { addr_info?: unknown[] }[];
    assert.deepEqual(addrs[0]?.addr_info ?? [], []);
    assert.equal(await driver.isPlugged(a), true);
    assert.equal(await driver.isPlugged(b), true);
  });

  it('plug again is a no-op that still succeeds', async () => {
    await driver.plug(a);
    const l = await mustLink(tapA);
    assert.deepEqual([l.master, l.mtu, l.flags.includes('UP')], [brq, 1400, true]);
    assert.equal(await driver.isPlugged(a), true);
  });

  it('isPlugged notices a detached or down tap, and plug repairs it', async () => {
    await sh('ip', ['link', 'set', 'dev', tapA, 'nomaster']);
    assert.equal(await driver.isPlugged(a), false);
    await driver.plug(a);
    assert.equal(await driver.isPlugged(a), true);
    await sh('ip', ['link', 'set', 'dev', tapA, 'down']);
    assert.equal(await driver.isPlugged(a), false);
    await driver.plug(a);
    assert.equal(await driver.isPlugged(a), true);
  });

  it('unplug deletes the tap (and so the pod end), leaves the bridge and the other port', async () => {
    await driver.unplug(a);
    assert.equal(await linkOf(tapA), undefined);
    const podSide = await runner.run('ip', ['-n', ns, 'link', 'show', 'dev', 'eth0']);
    assert.notEqual(podSide.code, 0, 'the pod end of the veth should be gone with the host end');
    assert.ok(await linkOf(brq), 'the bridge belongs to the agent and stays');
    assert.equal(await driver.isPlugged(a), false);
    assert.equal(await driver.isPlugged(b), true);
  });

  it('unplug again (nothing left) succeeds', async () => {
    await driver.unplug(a);
    await driver.unplug(a);
  });

  it('plug of a port whose host link does not exist rejects with the ip error', async () => {
    await assert.rejects(driver.plug(a), (e: unknown) => e instanceof NodeCommandError && /Cannot find device/.test(e.message));
  });

  it('unplugs the last port', async () => {
    await driver.unplug(b);
    assert.equal(await linkOf(tapB), undefined);
  });
});

// --- ovs ---------------------------------------------------------------------------------------------------------
const OVS_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';
const OVS_BINARIES = ['ovsdb-tool', 'ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl'];
/** Why the ovs suite cannot run here, or false. */
function ovsSkipReason(): string | false {
  if (!IS_ROOT) return 'needs root';
  const path = (process.env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin']);
  const missing = OVS_BINARIES.filter((b) => !path.some((d) => existsSync(join(d, b))));
  if (missing.length > 0 || !existsSync(OVS_SCHEMA)) {
    return `Open vSwitch is not installed (missing ${[...missing, ...(existsSync(OVS_SCHEMA) ? [] : [OVS_SCHEMA])].join(', ')}); the ovs driver's command plans are unit-tested`;
  }
  return false;
}

describe('ovs binding driver against a private ovsdb-server + ovs-vswitchd (userspace datapath)', { skip: ovsSkipReason() }, () => {
  // No kernel datapath here (`Generic Netlink family 'ovs_datapath' does not exist`), so the bridge is
  // datapath_type=netdev; the driver only writes OVSDB and ovs-vswitchd applies it, which is what we check.
  const dir = mkdtempSync(join(tmpdir(), 'stk-it-ovs-'));
  const db = `unix:${join(dir, 'db.sock')}`;
  const bridge = `brstk${hex(6)}`;
  /** A bridge of the kernel (system) datapath: without the OVS kernel module ovs-vswitchd cannot instantiate it. */
  const sysBridge = `brsys${hex(6)}`;
  const ns = `stk-it-ovs-${hex(6)}`;
  const taken = new Set<string>();
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVS_SYSCONFDIR: dir, OVS_PKGDATADIR: '/usr/share/openvswitch' };
  const pids: number[] = [];
  const driver = ovsDriver({ runner, bridge, db, timeoutSec: 5 });
  let vif: Vif;
  let tap: string;
  let tap2 = '';
  const vsctl = (args: string[]): Promise<string> => sh('ovs-vsctl', [`--db=${db}`, '--timeout=5', ...args]);
  const spawnDaemon = (cmd: string, args: string[]): Promise<void> =>
    new Promise((res, rej) => {
      execFile(cmd, args, { env, timeout: 10_000 }, (err, _o, stderr) => (err ? rej(new Error(`${cmd}: ${stderr}`, { cause: err })) : res()));
    });

  before(async () => {
    await sh('ovsdb-tool', ['create', join(dir, 'conf.db'), OVS_SCHEMA]);
    await spawnDaemon('ovsdb-server', [join(dir, 'conf.db'), `--remote=punix:${join(dir, 'db.sock')}`, `--pidfile=${join(dir, 'ovsdb-server.pid')}`,
      `--unixctl=${join(dir, 'ovsdb-server.ctl')}`, `--log-file=${join(dir, 'ovsdb-server.log')}`, '--detach', '--no-chdir']);
    pids.push(Number(readFileSync(join(dir, 'ovsdb-server.pid'), 'utf8').trim()));
    await vsctl(['--no-wait', 'init']);
    await spawnDaemon('ovs-vswitchd', [db, `--pidfile=${join(dir, 'ovs-vswitchd.pid')}`, `--unixctl=${join(dir, 'ovs-vswitchd.ctl')}`,
      `--log-file=${join(dir, 'ovs-vswitchd.log')}`, '--detach', '--no-chdir']);
    pids.push(Number(readFileSync(join(dir, 'ovs-vswitchd.pid'), 'utf8').trim()));
    await vsctl(['add-br', bridge, '--', 'set', 'Bridge', bridge, 'datapath_type=netdev']);
    const ids = await freshIds(taken);
    vif = { ...ids, mac: mac(), mtu: 1400, deviceId: `pod-${hex(8)}` };
    tap = driver.hostIfName(vif);
    await sh('ip', ['netns', 'add', ns]);
    await sh('ip', ['link', 'add', tap, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  });

  after(async () => {
    await tryRun('ovs-vsctl', [`--db=${db}`, '--timeout=5', '--', '--if-exists', 'del-br', bridge, '--', '--if-exists', 'del-br', sysBridge]);
    for (const l of [tap, tap2]) if (l) await tryRun('ip', ['link', 'del', 'dev', l]);
    // The netdev bridge's own tap device, should ovs-vswitchd not have removed it.
    await tryRun('ip', ['link', 'del', 'dev', bridge]);
    await tryRun('ip', ['netns', 'del', ns]);
    for (const pid of pids.reverse()) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch (e) {
        console.error(`cleanup: kill ${String(pid)}: ${String(e)}`);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('plug adds the port with iface-id, attached-mac, vm-uuid, mtu_request; the link is up with the MTU', async () => {
    assert.equal(await driver.isPlugged(vif), false);
    await driver.plug(vif);
    assert.deepEqual((await vsctl(['list-ports', bridge])).trim().split('\n'), [tap]);
    const row = parseInterfaceRow(await vsctl(['--format=json', '--columns=name,external_ids,ofport', 'find', 'Interface', `name=${tap}`]));
    assert.deepEqual(row?.externalIds, { 'attached-mac': vif.mac, 'iface-id': vif.portId, 'iface-status': 'active', 'vm-uuid': vif.deviceId });
    // ovs-vsctl waits for ovs-vswitchd, so the port is open (has an OpenFlow port number) when plug returns.
    assert.ok((row?.ofport ?? 0) >= 1, `ofport ${String(row?.ofport)}`);
    assert.equal((await vsctl(['get', 'Interface', tap, 'mtu_request'])).trim(), '1400');
    const l = await mustLink(tap);
    assert.deepEqual([l.mtu, l.flags.includes('UP')], [1400, true]);
    assert.equal(await driver.isPlugged(vif), true);
  });

  it('plug again is a no-op', async () => {
    await driver.plug(vif);
    assert.deepEqual((await vsctl(['list-ports', bridge])).trim().split('\n'), [tap]);
    assert.equal(await driver.isPlugged(vif), true);
  });

  it('unplug removes the port and the link; again succeeds', async () => {
    await driver.unplug(vif);
    assert.equal((await vsctl(['list-ports', bridge])).trim(), '');
    assert.equal(await linkOf(tap), undefined);
    assert.equal(await driver.isPlugged(vif), false);
    await driver.unplug(vif);
  });

  it('plug onto a bridge ovs-vswitchd cannot instantiate rejects (ovs-vsctl itself exits 0) and leaves no port', async (t) => {
    await vsctl(['add-br', sysBridge]);
    const br = parseInterfaceRow(await vsctl(['--format=json', '--columns=name,external_ids,ofport', 'find', 'Interface', `name=${sysBridge}`]));
    if (br?.ofport !== undefined && br.ofport >= 1) {
      t.skip('this kernel has the OVS datapath, so a system bridge works');
      return;
    }
    const ids = await freshIds(taken);
    const vif2: Vif = { ...ids, mac: mac(), mtu: 1400 };
    tap2 = tapName(vif2.portId);
    await sh('ip', ['link', 'add', tap2, 'type', 'veth', 'peer', 'name', 'eth1', 'netns', ns]);
    const sys = ovsDriver({ runner, bridge: sysBridge, db, timeoutSec: 5 });
    await assert.rejects(sys.plug(vif2), (e: unknown) => e instanceof NodeCommandError && e.message.includes(`ovs-vswitchd could not set up ${tap2}`));
    assert.equal((await vsctl(['list-ports', sysBridge])).trim(), '');
    assert.equal(await sys.isPlugged(vif2), false);
    await sys.unplug(vif2);
    assert.equal(await linkOf(tap2), undefined);
  });
});
