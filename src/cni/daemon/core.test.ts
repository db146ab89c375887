import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ANNOTATION_VIF, type VifAnnotation } from '../../api/vif.js';
import { ManualScheduler } from '../../kube/scheduler.js';
import { OpenStackError } from '../../openstack/core/errors.js';
import { createLogger } from '../../telemetry/logger.js';
import { NodeCommandError } from './binding/runner.js';
import { linuxBridgeName, tapName } from './binding/types.js';
import type { DaemonRequest } from '../spec/protocol.js';
import type { DaemonCommand, Result } from '../spec/types.js';
import { NodeDaemon } from './core.js';
import { linkAlias } from './plan.js';
import { StaticPodSource } from './pods.js';
import { memoryStateStore } from './state.js';
import { FakeDriver, FakeHostNet, FakePortStatus } from './testing.js';

const PORT = 'eeeeeeee-1111-4111-8111-111111111111';
const NET = 'eeeeeeee-2222-4222-8222-222222222222';
const TAP = tapName(PORT);
const NS = '/run/netns/pod-a';
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const log = createLogger({ name: 't', level: 'fatal', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

const vif = (o: Partial<VifAnnotation> = {}): VifAnnotation => ({
  v: 1, portID: PORT, networkID: NET, subnetID: 'sub', mac: 'fa:16:3e:aa:bb:cc', ip: '10.0.0.5', prefixLength: 24, gateway: '10.0.0.1',
  mtu: 1450, vifType: 'bridge', dnsNameservers: ['10.0.0.2'], ...o,
});

function req(command: DaemonCommand, o: Partial<DaemonRequest> & { prevResult?: Result; valid?: { containerID: string; ifname: string }[] } = {}): DaemonRequest {
  const { prevResult, valid, ...rest } = o;
  return {
    command, containerId: 'c1', netns: NS, ifName: 'eth0', args: {}, pod: { namespace: 'acme', name: 'web', uid: 'uid-1' },
    config: {
      cniVersion: '1.1.0', name: 'stackube', type: 'stackube-cni', daemonSocket: '/run/stackube/cni.sock', timeoutMs: 60_000,
      ...(prevResult === undefined ? {} : { prevResult: prevResult as unknown as Record<string, unknown> }),
      ...(valid === undefined ? {} : { validAttachments: valid }),
    },
    ...rest,
  };
}

class Env {
  host = new FakeHostNet();
  lb = new FakeDriver(this.host, 'linuxbridge');
  ovs = new FakeDriver(this.host, 'ovs');
  pods = new StaticPodSource();
  ports = new FakePortStatus();
  state = memoryStateStore();
  scheduler = new ManualScheduler(T0);
  probeResult: string | undefined = undefined;
  private seq = 0;
  daemon = new NodeDaemon({
    pods: this.pods, ports: this.ports, host: this.host, driver: (n) => (n === 'ovs' ? this.ovs : this.lb), defaultDriver: 'linuxbridge', state: this.state, log,
    portActiveTimeoutMs: 1_000, scheduler: this.scheduler, tempIfName: () => `stk${String(++this.seq).padStart(12, '0')}`,
    probe: () => Promise.resolve(this.probeResult), gcGraceMs: 60_000,
  });

  constructor() {
    this.host.addNetns(NS);
  }

  /** Puts the pod in the fake informer cache; null = without a VIF annotation. */
  setPod(v: VifAnnotation | null = vif(), o: { uid?: string; name?: string } = {}): void {
    this.pods.set({ namespace: 'acme', name: o.name ?? 'web', uid: o.uid ?? 'uid-1', annotations: v === null ? {} : { [ANNOTATION_VIF]: JSON.stringify(v) } });
  }

  /** Runs a request with a deadline of `deadlineMs` on the manual clock; advances time in steps until it settles. */
  async run(r: DaemonRequest, deadlineMs = 30_000): Promise<ReturnType<NodeDaemon['handle']> extends Promise<infer T> ? T : never> {
    const ac = new AbortController();
    const cancel = this.scheduler.setTimer(deadlineMs, () => ac.abort(new Error('deadline')));
    let settled = false;
    const p = this.daemon.handle(r, ac.signal).finally(() => (settled = true));
    for (let i = 0; i < 400 && !settled; i++) await this.scheduler.advance(100);
    cancel();
    return p;
  }

  /** Links that exist, as `netns:name` ('' = host), without lo. */
  linkNames(): string[] {
    return [...this.host.links].flatMap(([ns, m]) => [...m.keys()].filter((n) => n !== 'lo').map((n) => `${ns}:${n}`)).sort();
  }
}

const okResult = (r: Awaited<ReturnType<NodeDaemon['handle']>>): Result => {
  assert.ok(!('error' in r), `expected success, got ${JSON.stringify(r)}`);
  assert.ok(r.result !== undefined);
  return r.result;
};
const errCode = (r: Awaited<ReturnType<NodeDaemon['handle']>>): number => {
  assert.ok('error' in r, `expected an error, got ${JSON.stringify(r)}`);
  return r.error.code;
};

describe('NodeDaemon ADD', () => {
  let env: Env;
  beforeEach(() => {
    env = new Env();
  });

  it('plugs the pod: veth, pod end configured in the netns, host end bound, waits for ACTIVE; the result names both', async () => {
    env.setPod();
    const seen: boolean[] = [];
    env.ports.script = (_id, call) => {
      seen.push(env.host.link(NS, 'eth0')?.up ?? true);
      return call < 2 ? 'DOWN' : 'ACTIVE';
    };
    const r = okResult(await env.run(req('ADD')));
    assert.deepEqual(r, {
      cniVersion: '1.1.0',
      interfaces: [{ name: TAP, mac: 'fe:16:3e:aa:bb:cc', mtu: 1450 }, { name: 'eth0', mac: 'fa:16:3e:aa:bb:cc', mtu: 1450, sandbox: NS }],
      ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1', interface: 1 }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }],
      dns: { nameservers: ['10.0.0.2'] },
    });
    // The pod end stayed down while Neutron had not reported ACTIVE: no traffic before the security groups.
    assert.deepEqual(seen, [false, false, false]);
    const eth0 = env.host.link(NS, 'eth0');
    assert.deepEqual([eth0?.up, eth0?.mac, eth0?.mtu, eth0?.addresses], [true, 'fa:16:3e:aa:bb:cc', 1450, ['10.0.0.5/24']]);
    assert.equal(env.host.link(NS, 'lo')?.up, true);
    assert.deepEqual(env.host.gateways.get(NS), ['10.0.0.1']);
    const tap = env.host.link('', TAP);
    assert.deepEqual([tap?.master, tap?.up, tap?.alias, tap?.mac], [linuxBridgeName(NET), true, linkAlias('linuxbridge', PORT, 'c1'), 'fe:16:3e:aa:bb:cc']);
    const st = env.state.states.get('c1');
    assert.deepEqual([st?.phase, st?.hostIf, st?.portId, st?.pod.uid], ['ready', TAP, PORT, 'uid-1']);
    assert.deepEqual(st?.result, r);
    assert.deepEqual(env.host.calls.filter((c) => /^(createVeth|configurePod|activatePod)/.test(c)), [`createVeth ${TAP}`, 'configurePod eth0', 'activatePod eth0']);
  });

  it('waits for the VIF annotation and for the pod with the right uid', async () => {
    env.setPod(vif(), { uid: 'uid-old' });
    const p = env.run(req('ADD'));
    await env.scheduler.flush();
    env.setPod(null);
    await env.scheduler.flush();
    assert.equal(env.host.calls.filter((c) => c.startsWith('createVeth')).length, 0);
    env.setPod(vif());
    okResult(await p);
    assert.equal(env.pods.waiting, 0, 'no listener left behind');
  });

  const failures: { name: string; arrange: (e: Env) => void; code: number; msg: RegExp }[] = [
    { name: 'no VIF before the deadline', arrange: (e) => e.setPod(null), code: 11, msg: /waiting for the pod's VIF \(pod acme\/web has no stackube.kubernetes.io\/vif annotation yet\)/ },
    { name: 'an unusable VIF until the deadline', arrange: (e) => e.setPod(vif({ vifType: 'binding_failed' })), code: 11, msg: /binding_failed/ },
    { name: 'port never ACTIVE', arrange: (e) => { e.setPod(); e.ports.script = () => 'DOWN'; }, code: 11, msg: /did not become ACTIVE within 1000 ms \(status DOWN\)/ },
    { name: 'Neutron unreachable all along', arrange: (e) => { e.setPod(); e.ports.script = () => { throw neutronError(0); }; }, code: 11, msg: /did not become ACTIVE.*Neutron error: .*unreachable/ },
    { name: 'Neutron forbids the read', arrange: (e) => { e.setPod(); e.ports.script = () => { throw neutronError(403, 'Forbidden by policy'); }; }, code: 102, msg: /Neutron: .*HTTP 403: Forbidden by policy/ },
    { name: 'the port was deleted', arrange: (e) => { e.setPod(); e.ports.script = () => undefined; }, code: 11, msg: /port eeeeeeee-1111-4111-8111-111111111111 does not exist/ },
    { name: 'plug fails', arrange: (e) => { e.setPod(); e.lb.fail.plug = new NodeCommandError('ip', ['link', 'set'], { code: 2, stderr: 'boom' }); }, code: 102, msg: /could not configure the host network/ },
    { name: 'configuring the pod end fails', arrange: (e) => { e.setPod(); e.host.fault = (m) => (m === 'configurePod' ? new NodeCommandError('nsenter', [], { code: 1, stderr: 'no' }) : undefined); }, code: 102, msg: /could not configure/ },
    { name: 'the default route fails', arrange: (e) => { e.setPod(); e.host.fault = (m) => (m === 'activatePod' ? new NodeCommandError('nsenter', [], { code: 2, stderr: 'Nexthop has invalid gateway' }) : undefined); }, code: 102, msg: /could not configure/ },
  ];
  for (const f of failures) {
    it(`fails with code ${f.code} and leaves nothing behind: ${f.name}`, async () => {
      f.arrange(env);
      const r = await env.run(req('ADD'), 5_000);
      assert.equal(errCode(r), f.code);
      assert.match('error' in r ? `${r.error.msg} ${r.error.details ?? ''}` : '', f.msg);
      assert.deepEqual(env.linkNames(), [], 'every link was undone');
      assert.equal(env.state.states.size, 0, 'no state left');
    });
  }

  it('recovers from a transient Neutron error while polling', async () => {
    env.setPod();
    env.ports.script = (_id, call) => {
      if (call === 0) throw neutronError(503);
      return 'ACTIVE';
    };
    okResult(await env.run(req('ADD')));
    assert.equal(env.ports.calls, 2);
  });

  it('without K8S_POD_* args: code 4; without the netns: code 3; nothing created', async () => {
    const noPod = req('ADD');
    delete noPod.pod;
    assert.equal(errCode(await env.run(noPod)), 4);
    assert.equal(errCode(await env.run(req('ADD', { netns: '/run/netns/missing' }))), 3);
    assert.deepEqual(env.linkNames(), []);
  });

  it('a failing undo keeps the state file, and DEL then cleans up', async () => {
    env.setPod();
    env.ports.script = () => 'DOWN';
    env.lb.fail.unplug = new NodeCommandError('ip', ['link', 'del'], { code: 2, stderr: 'busy' });
    assert.equal(errCode(await env.run(req('ADD'), 5_000)), 11);
    assert.equal(env.state.states.get('c1')?.phase, 'creating');
    assert.ok(env.host.link('', TAP));
    delete env.lb.fail.unplug;
    assert.deepEqual(await env.run(req('DEL')), {});
    assert.deepEqual(env.linkNames(), []);
    assert.equal(env.state.states.size, 0);
  });

  it('is idempotent: a repeated ADD returns the same result without touching the links', async () => {
    env.setPod();
    const first = okResult(await env.run(req('ADD')));
    const calls = env.host.calls.length;
    env.pods.remove('acme', 'web'); // not even the pod is needed for a repeat
    const again = okResult(await env.run(req('ADD', { config: { ...req('ADD').config, cniVersion: '1.0.0' } })));
    assert.deepEqual(again, { ...first, cniVersion: '1.0.0' });
    assert.equal(env.host.calls.slice(calls).filter((c) => /^(createVeth|configurePod|deleteHostLink)/.test(c)).length, 0);
  });

  it('a repeated ADD whose links are damaged redoes the attachment', async () => {
    env.setPod();
    okResult(await env.run(req('ADD')));
    env.host.remove('', TAP);
    const r = okResult(await env.run(req('ADD')));
    assert.equal(r.interfaces[0]?.name, TAP);
    assert.equal(env.host.link('', TAP)?.master, linuxBridgeName(NET));
    assert.equal(env.host.link(NS, 'eth0')?.up, true);
  });

  it('refuses a host link with our name that it did not create, and leaves it alone', async () => {
    env.setPod();
    env.host.addHostLink(TAP, { alias: 'neutron dhcp' });
    const r = await env.run(req('ADD'));
    assert.equal(errCode(r), 102);
    assert.match('error' in r ? r.error.msg : '', /not created by stackube-node/);
    assert.equal(env.host.link('', TAP)?.alias, 'neutron dhcp');
  });

  it('takes over the port from an old sandbox whose netns is gone', async () => {
    env.setPod();
    const oldNs = '/run/netns/old';
    env.host.addNetns(oldNs);
    okResult(await env.run(req('ADD', { containerId: 'old', netns: oldNs })));
    // The old sandbox's netns disappears without a DEL; its host end stays (e.g. the netns was only unmounted).
    env.host.netns.delete(oldNs);
    const r = okResult(await env.run(req('ADD')));
    assert.equal(r.interfaces[1]?.sandbox, NS);
    assert.equal(env.state.states.has('old'), false);
    assert.equal(env.host.link('', TAP)?.alias, linkAlias('linuxbridge', PORT, 'c1'));
  });

  it('fails with 11 while an old sandbox that still exists holds the port', async () => {
    env.setPod();
    env.host.addNetns('/run/netns/old');
    okResult(await env.run(req('ADD', { containerId: 'old', netns: '/run/netns/old' })));
    const r = await env.run(req('ADD'));
    assert.equal(errCode(r), 11);
    assert.match('error' in r ? r.error.msg : '', /still in use by container old/);
    assert.equal(env.host.link('', TAP)?.alias, linkAlias('linuxbridge', PORT, 'old'));
  });

  it('one attachment per container: an ADD for a second interface fails with 102 and leaves the first alone', async () => {
    env.setPod();
    okResult(await env.run(req('ADD')));
    const r = await env.run(req('ADD', { ifName: 'net1' }));
    assert.equal(errCode(r), 102);
    assert.match('error' in r ? r.error.msg : '', /already has the stackube attachment eth0/);
    assert.equal(env.host.link(NS, 'eth0')?.up, true);
  });

  it('uses the driver binding:vif_type names (ovs) over the configured one', async () => {
    env.setPod(vif({ vifType: 'ovs' }));
    okResult(await env.run(req('ADD')));
    assert.deepEqual(env.ovs.calls, [`plug ${PORT}`]);
    assert.deepEqual(env.lb.calls, []);
    assert.equal(env.state.states.get('c1')?.driver, 'ovs');
    await env.run(req('DEL'));
    assert.deepEqual(env.ovs.calls, [`plug ${PORT}`, `unplug ${PORT}`]);
  });

  it('a DEL of the same container cancels an ADD still waiting, which undoes and answers 11', async () => {
    env.setPod();
    env.ports.script = () => 'BUILD';
    const ac = new AbortController();
    const add = env.daemon.handle(req('ADD'), ac.signal);
    await env.scheduler.advance(200);
    assert.ok(env.host.link('', TAP), 'ADD is waiting for ACTIVE with its links created');
    const del = env.daemon.handle(req('DEL'), ac.signal);
    await env.scheduler.advance(200);
    const added = await add;
    assert.equal(errCode(added), 11);
    assert.match('error' in added ? added.error.details ?? '' : '', /a DEL of the same container arrived/);
    assert.deepEqual(await del, {});
    assert.deepEqual(env.linkNames(), []);
    assert.equal(env.state.states.size, 0);
  });

  it('ADD and DEL of one container never overlap; different containers do', async () => {
    env.setPod();
    env.setPod(vif({ portID: 'eeeeeeee-3333-4333-8333-333333333333', mac: 'fa:16:3e:00:00:02', ip: '10.0.0.6' }), { name: 'db', uid: 'uid-2' });
    env.host.addNetns('/run/netns/pod-b');
    let active = false;
    env.ports.script = () => (active ? 'ACTIVE' : 'BUILD');
    const ac = new AbortController();
    const a = env.daemon.handle(req('ADD'), ac.signal);
    const b = env.daemon.handle(req('ADD', { containerId: 'c2', netns: '/run/netns/pod-b', pod: { namespace: 'acme', name: 'db', uid: 'uid-2' } }), ac.signal);
    await env.scheduler.advance(400);
    // Both ADDs are in flight at once (two containers), each waiting for ACTIVE.
    assert.equal(env.host.calls.filter((c) => c.startsWith('createVeth')).length, 2);
    active = true;
    await env.scheduler.advance(400);
    okResult(await a);
    okResult(await b);
  });
});

describe('NodeDaemon DEL', () => {
  let env: Env;
  beforeEach(async () => {
    env = new Env();
    env.setPod();
    okResult(await env.run(req('ADD')));
  });

  it('removes both ends and the state, never calls Neutron; again: success', async () => {
    const polls = env.ports.calls;
    assert.deepEqual(await env.run(req('DEL')), {});
    assert.deepEqual(env.linkNames(), []);
    assert.equal(env.state.states.size, 0);
    assert.deepEqual(await env.run(req('DEL')), {});
    assert.equal(env.ports.calls, polls);
  });

  it('succeeds after the netns is gone (the kernel took the veth), and without netns in the request', async () => {
    env.host.deleteNetns(NS);
    assert.deepEqual(await env.run(req('DEL', { netns: '' })), {});
    assert.equal(env.state.states.size, 0);
  });

  it('succeeds when the pod object is gone (it reads the state file only)', async () => {
    env.pods.remove('acme', 'web');
    assert.deepEqual(await env.run(req('DEL')), {});
    assert.deepEqual(env.linkNames(), []);
  });

  it('without a state file, still removes the link marked for this container, and nothing else', async () => {
    env.state.states.clear();
    env.host.addHostLink('tapeeeeeeee-99', { alias: linkAlias('linuxbridge', 'eeeeeeee-9999-4999-8999-999999999999', 'other'), peer: ['x', 'y'] });
    assert.deepEqual(await env.run(req('DEL')), {});
    assert.equal(env.host.link('', TAP), undefined);
    assert.ok(env.host.link('', 'tapeeeeeeee-99'));
  });

  it('a DEL for another interface of the container leaves ours alone', async () => {
    assert.deepEqual(await env.run(req('DEL', { ifName: 'net1' })), {});
    assert.ok(env.host.link('', TAP));
  });

  it('a failing unplug is an error (the runtime retries) and keeps the state', async () => {
    env.lb.fail.unplug = new NodeCommandError('ip', ['link', 'del'], { code: 2, stderr: 'RTNETLINK answers: Device or resource busy' });
    assert.equal(errCode(await env.run(req('DEL'))), 102);
    assert.ok(env.state.states.has('c1'));
  });

  it('leaves a host link that another container took over; removes the pod end it still finds', async () => {
    const l = env.host.link('', TAP);
    if (l) l.alias = linkAlias('linuxbridge', PORT, 'newer');
    // Pretend the pod end survived (its host end is someone else's now).
    env.host.links.get(NS)?.set('eth0', { mac: 'fa:16:3e:aa:bb:cc', mtu: 1450, up: true, addresses: [] });
    assert.deepEqual(await env.run(req('DEL')), {});
    assert.ok(env.host.link('', TAP));
    assert.equal(env.host.link(NS, 'eth0'), undefined);
  });
});

describe('NodeDaemon CHECK', () => {
  let env: Env;
  let result: Result;
  beforeEach(async () => {
    env = new Env();
    env.setPod();
    result = okResult(await env.run(req('ADD')));
  });

  it('passes when everything is as ADD left it', async () => {
    assert.deepEqual(await env.run(req('CHECK', { prevResult: result })), {});
  });

  const damage: { name: string; act: (e: Env) => void; code: number; msg: RegExp }[] = [
    { name: 'pod end down', act: (e) => { const l = e.host.link(NS, 'eth0'); if (l) l.up = false; }, code: 102, msg: /eth0 is down/ },
    { name: 'MAC changed', act: (e) => { const l = e.host.link(NS, 'eth0'); if (l) l.mac = '02:00:00:00:00:09'; }, code: 102, msg: /MAC 02:00:00:00:00:09/ },
    { name: 'address removed', act: (e) => { const l = e.host.link(NS, 'eth0'); if (l) l.addresses = []; }, code: 102, msg: /lacks address 10.0.0.5\/24/ },
    { name: 'host end out of the bridge', act: (e) => { const l = e.host.link('', TAP); if (l) delete l.master; }, code: 102, msg: /not attached to the Neutron backend/ },
    { name: 'links gone', act: (e) => e.host.remove('', TAP), code: 102, msg: /does not exist/ },
    { name: 'no state (never added here)', act: (e) => e.state.states.clear(), code: 3, msg: /no attachment eth0 for container c1/ },
  ];
  for (const d of damage) {
    it(`fails with ${d.code}: ${d.name}`, async () => {
      d.act(env);
      const r = await env.run(req('CHECK', { prevResult: result }));
      assert.equal(errCode(r), d.code);
      assert.match('error' in r ? `${r.error.msg} ${r.error.details ?? ''}` : '', d.msg);
    });
  }

  it('an invalid prevResult is code 7', async () => {
    assert.equal(errCode(await env.run(req('CHECK', { prevResult: { interfaces: 'no' } as unknown as Result }))), 7);
  });
});

describe('NodeDaemon STATUS and readiness', () => {
  it('50 until the informer synced and reconciliation ran, 50 when the backend is unusable, else success', async () => {
    const env = new Env();
    env.pods.synced = false;
    assert.deepEqual(env.daemon.readiness(), { ready: false, why: 'the pod informer has not synced yet' });
    let r = await env.run(req('STATUS'));
    assert.equal(errCode(r), 50);
    env.pods.synced = true;
    assert.match('error' in (r = await env.run(req('STATUS'))) ? r.error.msg : '', /reconciliation has not finished/);
    await env.daemon.reconcile(new AbortController().signal);
    assert.deepEqual(env.daemon.readiness(), { ready: true });
    assert.deepEqual(await env.run(req('STATUS')), {});
    env.probeResult = 'OVS bridge br-int does not exist';
    r = await env.run(req('STATUS'));
    assert.equal(errCode(r), 50);
    assert.match('error' in r ? r.error.msg : '', /binding driver linuxbridge is not usable: OVS bridge br-int does not exist/);
  });
});

describe('NodeDaemon GC', () => {
  it('removes attachments the runtime no longer lists (not young ones), and unlisted marked links without state', async () => {
    const env = new Env();
    env.setPod();
    okResult(await env.run(req('ADD')));
    const port2 = 'eeeeeeee-3333-4333-8333-333333333333';
    env.setPod(vif({ portID: port2, mac: 'fa:16:3e:00:00:02', ip: '10.0.0.6' }), { name: 'db', uid: 'uid-2' });
    env.host.addNetns('/run/netns/pod-b');
    okResult(await env.run(req('ADD', { containerId: 'c2', netns: '/run/netns/pod-b', pod: { namespace: 'acme', name: 'db', uid: 'uid-2' } })));
    env.host.addHostLink('tapeeeeeeee-99', { alias: linkAlias('linuxbridge', 'eeeeeeee-9999-4999-8999-999999999999', 'gone'), peer: ['x', 'y'] });
    env.host.addHostLink('tapfffffff-00', { alias: 'not ours' });
    // Young: both survive a GC that lists neither.
    assert.deepEqual(await env.run(req('GC', { containerId: '', netns: '', ifName: '', valid: [] })), {});
    assert.ok(env.state.states.has('c1') && env.state.states.has('c2'));
    assert.equal(env.host.link('', 'tapeeeeeeee-99'), undefined, 'a marked link without state is removed at once');
    await env.scheduler.advance(61_000);
    assert.deepEqual(await env.run(req('GC', { containerId: '', netns: '', ifName: '', valid: [{ containerID: 'c2', ifname: 'eth0' }] })), {});
    assert.deepEqual([env.state.states.has('c1'), env.state.states.has('c2')], [false, true]);
    assert.equal(env.host.link('', TAP), undefined);
    assert.ok(env.host.link('', tapName(port2)));
    assert.ok(env.host.link('', 'tapfffffff-00'), 'never touches links it did not mark');
  });

  it('without the list: code 7', async () => {
    assert.equal(errCode(await new Env().run(req('GC', { containerId: '', netns: '', ifName: '' }))), 7);
  });
});

describe('NodeDaemon restart reconciliation', () => {
  it('tears down attachments whose netns or pod is gone, deletes unaccounted marked links, keeps live ones and foreign links', async () => {
    const env = new Env();
    env.setPod();
    okResult(await env.run(req('ADD')));
    const mk = (id: string, n: number, ns: string, uid: string): void => {
      const port = `eeeeeeee-${String(n).repeat(4)}-4${String(n).repeat(3)}-8${String(n).repeat(3)}-${String(n).repeat(12)}`;
      env.setPod(vif({ portID: port, mac: `fa:16:3e:00:00:0${n}`, ip: `10.0.0.${n + 10}` }), { name: id, uid });
      env.host.addNetns(ns);
    };
    mk('gone-ns', 4, '/run/netns/gone', 'uid-4');
    okResult(await env.run(req('ADD', { containerId: 'gone-ns', netns: '/run/netns/gone', pod: { namespace: 'acme', name: 'gone-ns', uid: 'uid-4' } })));
    mk('gone-pod', 5, '/run/netns/p5', 'uid-5');
    okResult(await env.run(req('ADD', { containerId: 'gone-pod', netns: '/run/netns/p5', pod: { namespace: 'acme', name: 'gone-pod', uid: 'uid-5' } })));
    // While the daemon was down: one netns vanished (without its host end), one pod was deleted, one state lost.
    env.host.netns.delete('/run/netns/gone');
    env.pods.remove('acme', 'gone-pod');
    env.host.addHostLink('tapeeeeeeee-99', { alias: linkAlias('linuxbridge', 'eeeeeeee-9999-4999-8999-999999999999', 'lost'), peer: ['x', 'y'] });
    env.host.addHostLink('tap12345678-9a', {});
    const actions = await env.daemon.reconcile(new AbortController().signal);
    assert.deepEqual(actions.map((a) => (a.kind === 'teardown' ? a.containerId : a.name)).sort(), ['gone-ns', 'gone-pod', 'tapeeeeeeee-99']);
    assert.deepEqual([...env.state.states.keys()], ['c1']);
    assert.deepEqual(env.linkNames().filter((l) => l.startsWith(':')), [':tap12345678-9a', `:${TAP}`]);
    assert.deepEqual(env.daemon.readiness(), { ready: true });
  });
});

function neutronError(status: number, msg?: string): OpenStackError {
  return new OpenStackError({ service: 'network', method: 'GET', url: 'http://neutron/v2.0/ports/x', status, serverMessage: msg });
}
