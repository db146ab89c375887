import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../../lib/errors.js';
import { ovsDriver, ovsFindInterfaceArgs, ovsPlugArgs, ovsUnplugArgs, parseInterfaceRow, type OvsTarget } from './ovs.js';
import { NodeCommandError, type RunResult, type Runner } from './runner.js';
import type { Vif } from './types.js';

const VIF: Vif = { portId: 'a1b2c3d4-e5f6-4789-8abc-def012345678', networkId: '9f8e7d6c-5b4a-4321-9fed-cba987654321', mac: 'fa:16:3e:12:34:56', mtu: 1450, deviceId: '0c3f1a2e-1111-4222-8333-444455556666' };
const TAP = 'tapa1b2c3d4-e5';

type Script = [RegExp, Partial<RunResult>][];
/** A recording Runner: logs `cmd arg…` and answers with the first scripted reply whose pattern matches (else exit 0, no output). */
function recorder(script: Script = []): { runner: Runner; calls: string[] } {
  const calls: string[] = [];
  const runner: Runner = {
    run: (cmd, args) => {
      const line = [cmd, ...args].join(' ');
      calls.push(line);
      const reply = script.find(([re]) => re.test(line))?.[1] ?? {};
      return Promise.resolve({ stdout: '', stderr: '', code: 0, ...reply });
    },
  };
  return { runner, calls };
}
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const on = (line: string): RegExp => new RegExp(`^${esc(line)}$`);
const tapLink = (o: { up?: boolean; mtu?: number } = {}): Partial<RunResult> => ({
  stdout: JSON.stringify([{ ifindex: 9, ifname: TAP, flags: ['BROADCAST', 'MULTICAST', ...(o.up === false ? [] : ['UP'])], mtu: o.mtu ?? 1450, master: 'ovs-system' }]),
});
/** `ovs-vsctl --format=json --columns=name,external_ids,ofport find Interface …` output (ofport null = none yet, `["set",[]]`). */
const findTable = (ids: Record<string, string> | undefined, ofport: number | null = 3): Partial<RunResult> => ({
  stdout: JSON.stringify({ data: ids ? [[TAP, ['map', Object.entries(ids)], ofport ?? ['set', []]]] : [], headings: ['name', 'external_ids', 'ofport'] }),
});

const PLUG_ARGS = [
  '--timeout=10', '--', '--may-exist', 'add-port', 'br-int', TAP,
  '--', 'set', 'Interface', TAP,
  `external_ids:iface-id=${VIF.portId}`, 'external_ids:iface-status=active', 'external_ids:attached-mac=fa:16:3e:12:34:56',
  `external_ids:vm-uuid=${VIF.deviceId ?? ''}`, 'mtu_request=1450',
];

describe('ovs command plans (pure)', () => {
  const plug: { name: string; vif: Vif; t: OvsTarget; want: string[] }[] = [
    { name: 'defaults: br-int, --timeout=10, as os-vif writes it', vif: VIF, t: {}, want: PLUG_ARGS },
    { name: 'configured bridge, timeout and db', vif: VIF, t: { bridge: 'br-test', timeoutSec: 3, db: 'unix:/tmp/x/db.sock' },
      want: ['--timeout=3', '--db=unix:/tmp/x/db.sock', ...PLUG_ARGS.slice(1).map((a) => (a === 'br-int' ? 'br-test' : a))] },
    { name: 'no device id: no vm-uuid; MAC lower-cased', vif: { portId: VIF.portId, networkId: VIF.networkId, mac: 'FA:16:3E:12:34:56', mtu: 9000 }, t: {},
      want: [...PLUG_ARGS.filter((a) => !a.startsWith('external_ids:vm-uuid=') && !a.startsWith('mtu_request=')), 'mtu_request=9000'] },
  ];
  for (const c of plug) {
    it(`plug: ${c.name}`, () => assert.deepEqual(ovsPlugArgs(c.vif, c.t), c.want));
  }
  it('plug refuses a bad vif (values become OVSDB strings)', () => {
    assert.throws(() => ovsPlugArgs({ ...VIF, deviceId: '"quoted"' }), ValidationError);
    assert.throws(() => ovsPlugArgs({ ...VIF, deviceId: 'a b' }), ValidationError);
    assert.throws(() => ovsPlugArgs({ ...VIF, portId: 'x' }), ValidationError);
  });
  it('unplug: --if-exists del-port on the bridge', () => {
    assert.deepEqual(ovsUnplugArgs(VIF), ['--timeout=10', '--', '--if-exists', 'del-port', 'br-int', TAP]);
    assert.deepEqual(ovsUnplugArgs(VIF, { bridge: 'br-x', timeoutSec: 2 }), ['--timeout=2', '--', '--if-exists', 'del-port', 'br-x', TAP]);
  });
  it('query: the Interface row as JSON', () => {
    assert.deepEqual(ovsFindInterfaceArgs(VIF), ['--timeout=10', '--format=json', '--columns=name,external_ids,ofport', 'find', 'Interface', `name=${TAP}`]);
  });
});

describe('parseInterfaceRow', () => {
  // Shapes as ovs-vsctl 3.1 prints them.
  const ok: { name: string; stdout: string; want: ReturnType<typeof parseInterfaceRow> }[] = [
    { name: 'a row', stdout: '{"data":[["tapx",["map",[["attached-mac","fa:16:3e:00:00:01"],["iface-id","p1"]]],1]],"headings":["name","external_ids","ofport"]}',
      want: { externalIds: { 'attached-mac': 'fa:16:3e:00:00:01', 'iface-id': 'p1' }, ofport: 1 } },
    { name: 'columns in another order', stdout: '{"data":[[7,["map",[["iface-id","p1"]]],"tapx"]],"headings":["ofport","external_ids","name"]}', want: { externalIds: { 'iface-id': 'p1' }, ofport: 7 } },
    { name: 'no ofport yet (empty set), empty map', stdout: '{"data":[["tapx",["map",[]],["set",[]]]],"headings":["name","external_ids","ofport"]}', want: { externalIds: {}, ofport: undefined } },
    { name: 'device could not be opened', stdout: '{"data":[["tapx",["map",[]],-1]],"headings":["name","external_ids","ofport"]}', want: { externalIds: {}, ofport: -1 } },
    { name: 'no row', stdout: '{"data":[],"headings":["name","external_ids","ofport"]}', want: undefined },
  ];
  for (const c of ok) it(c.name, () => assert.deepEqual(parseInterfaceRow(c.stdout), c.want));
  for (const bad of ['', 'tapx', '{"data":[["tapx","x",1]],"headings":["name","external_ids","ofport"]}', '{}']) {
    it(`throws for ${JSON.stringify(bad)}`, () => assert.throws(() => parseInterfaceRow(bad)));
  }
});

describe('ovs driver: plug', () => {
  const LINK_UP = `ip link set dev ${TAP} mtu 1450 up`;
  const VSCTL = ['ovs-vsctl', ...PLUG_ARGS].join(' ');
  it('sets MTU and up on the link, then adds the port with its external_ids in one transaction', async () => {
    const { runner, calls } = recorder();
    await ovsDriver({ runner }).plug(VIF);
    assert.deepEqual(calls, [LINK_UP, VSCTL]);
  });
  it('plug again: the same idempotent commands (--may-exist, set)', async () => {
    const { runner, calls } = recorder();
    const d = ovsDriver({ runner });
    await d.plug(VIF);
    await d.plug(VIF);
    assert.deepEqual(calls, [LINK_UP, VSCTL, LINK_UP, VSCTL]);
  });
  it('a missing host link rejects before OVSDB gets a port for it', async () => {
    const { runner, calls } = recorder([[on(LINK_UP), { code: 1, stderr: `Cannot find device "${TAP}"` }]]);
    await assert.rejects(ovsDriver({ runner }).plug(VIF), (e: unknown) => e instanceof NodeCommandError && /Cannot find device/.test(e.message));
    assert.deepEqual(calls, [LINK_UP]);
  });
  it('ovs-vswitchd failing to set the interface up (exit 0, error on stderr): removes the port again and rejects', async () => {
    // ovs-vsctl 3.1 on a bridge whose device cannot be opened: exit code 0, the error only on stderr.
    const stderr = `ovs-vsctl: Error detected while setting up '${TAP}': could not open network device ${TAP} (No such device).  See ovs-vswitchd log for details.\n`;
    const { runner, calls } = recorder([[/add-port/, { stderr }]]);
    await assert.rejects(ovsDriver({ runner }).plug(VIF), (e: unknown) => {
      assert.ok(e instanceof NodeCommandError);
      assert.match(e.message, new RegExp(`ovs-vswitchd could not set up ${TAP}: .*No such device`));
      assert.equal(e.details['stderr'], stderr.trim());
      return true;
    });
    assert.deepEqual(calls, [LINK_UP, VSCTL, `ovs-vsctl --timeout=10 -- --if-exists del-port br-int ${TAP}`]);
  });
  it('ovs-vsctl failing (no ovsdb-server) rejects with its exit code and stderr', async () => {
    const stderr = 'ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed (No such file or directory)';
    const { runner } = recorder([[/^ovs-vsctl/, { code: 1, stderr }]]);
    await assert.rejects(ovsDriver({ runner }).plug(VIF), (e: unknown) => {
      assert.ok(e instanceof NodeCommandError);
      assert.deepEqual([e.details['command'], e.details['exitCode'], e.details['stderr']], ['ovs-vsctl', 1, stderr]);
      return true;
    });
  });
});

describe('ovs driver: unplug', () => {
  const DEL_PORT = `ovs-vsctl --timeout=10 -- --if-exists del-port br-int ${TAP}`;
  const DEL_LINK = `ip link del dev ${TAP}`;
  const cases: { name: string; script: Script; calls: string[] }[] = [
    { name: 'removes the port, then the link', script: [], calls: [DEL_PORT, DEL_LINK] },
    { name: 'nothing left (--if-exists; link missing): success', script: [[on(DEL_LINK), { code: 1, stderr: `Cannot find device "${TAP}"` }]], calls: [DEL_PORT, DEL_LINK] },
    { name: 'no bridge at all: success, the link still goes', script: [[on(DEL_PORT), { code: 1, stderr: 'ovs-vsctl: no bridge named br-int\n' }]], calls: [DEL_PORT, DEL_LINK] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { runner, calls } = recorder(c.script);
      await ovsDriver({ runner }).unplug(VIF);
      assert.deepEqual(calls, c.calls);
    });
  }
  it('another ovs-vsctl failure rejects and keeps the link', async () => {
    const { runner, calls } = recorder([[on(DEL_PORT), { code: 1, stderr: 'ovs-vsctl: timeout expired' }]]);
    await assert.rejects(ovsDriver({ runner }).unplug(VIF), NodeCommandError);
    assert.deepEqual(calls, [DEL_PORT]);
  });
});

describe('ovs driver: isPlugged', () => {
  const SHOW = `ip -json link show dev ${TAP}`;
  const FIND = ['ovs-vsctl', ...ovsFindInterfaceArgs(VIF)].join(' ');
  const TO_BR = `ovs-vsctl --timeout=10 iface-to-br ${TAP}`;
  const IDS = { 'attached-mac': VIF.mac, 'iface-id': VIF.portId, 'iface-status': 'active' };
  const cases: { name: string; script: Script; want: boolean; calls: string[] }[] = [
    { name: 'up, right MTU, iface-id and MAC recorded, on br-int', script: [[on(SHOW), tapLink()], [on(FIND), findTable(IDS)], [on(TO_BR), { stdout: 'br-int\n' }]], want: true, calls: [SHOW, FIND, TO_BR] },
    { name: 'no host link', script: [[on(SHOW), { code: 1, stderr: `Device "${TAP}" does not exist.` }]], want: false, calls: [SHOW] },
    { name: 'link down', script: [[on(SHOW), tapLink({ up: false })]], want: false, calls: [SHOW] },
    { name: 'wrong MTU', script: [[on(SHOW), tapLink({ mtu: 1500 })]], want: false, calls: [SHOW] },
    { name: 'no Interface row', script: [[on(SHOW), tapLink()], [on(FIND), findTable(undefined)]], want: false, calls: [SHOW, FIND] },
    { name: 'iface-id of another port', script: [[on(SHOW), tapLink()], [on(FIND), findTable({ ...IDS, 'iface-id': 'other' })]], want: false, calls: [SHOW, FIND] },
    { name: 'no attached-mac', script: [[on(SHOW), tapLink()], [on(FIND), findTable({ 'iface-id': VIF.portId })]], want: false, calls: [SHOW, FIND] },
    { name: 'no ofport (ovs-vswitchd has not opened it: e.g. no kernel datapath)', script: [[on(SHOW), tapLink()], [on(FIND), findTable(IDS, null)]], want: false, calls: [SHOW, FIND] },
    { name: 'ofport -1 (the device could not be opened)', script: [[on(SHOW), tapLink()], [on(FIND), findTable(IDS, -1)]], want: false, calls: [SHOW, FIND] },
    { name: 'on another bridge', script: [[on(SHOW), tapLink()], [on(FIND), findTable(IDS)], [on(TO_BR), { stdout: 'br-ex\n' }]], want: false, calls: [SHOW, FIND, TO_BR] },
  ];
  for (const c of cases) {
    it(`${String(c.want)}: ${c.name}`, async () => {
      const { runner, calls } = recorder(c.script);
      assert.equal(await ovsDriver({ runner }).isPlugged(VIF), c.want);
      assert.deepEqual(calls, c.calls);
    });
  }
  it('garbage from ovs-vsctl rejects', async () => {
    const { runner } = recorder([[on(SHOW), tapLink()], [on(FIND), { stdout: 'not json' }]]);
    await assert.rejects(ovsDriver({ runner }).isPlugged(VIF), (e: unknown) => e instanceof NodeCommandError && /unexpected table/.test(e.message));
  });
});

describe('ovs driver: options', () => {
  for (const t of [{ bridge: '' }, { bridge: '-br' }, { bridge: 'br-int-far-too-long' }, { bridge: 'br int' }, { timeoutSec: 0 }, { timeoutSec: 1.5 }]) {
    it(`refuses ${JSON.stringify(t)}`, () => assert.throws(() => ovsDriver({ runner: recorder().runner, ...t }), ValidationError));
  }
  it('is called ovs and names the host end tap<port[:11]>', () => {
    const d = ovsDriver({ runner: recorder().runner });
    assert.equal(d.name, 'ovs');
    assert.equal(d.hostIfName(VIF), TAP);
  });
});
