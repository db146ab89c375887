import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../../lib/errors.js';
import { linuxBridgeDriver } from './linuxbridge.js';
import { NodeCommandError, type RunResult, type Runner } from './runner.js';
import type { Vif } from './types.js';

const VIF: Vif = { portId: 'a1b2c3d4-e5f6-4789-8abc-def012345678', networkId: '9f8e7d6c-5b4a-4321-9fed-cba987654321', mac: 'fa:16:3e:12:34:56', mtu: 1450 };
const TAP = 'tapa1b2c3d4-e5';
const BRQ = 'brq9f8e7d6c-5b';

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
/** `ip -json link show` output for one link. */
const link = (ifname: string, o: { up?: boolean; mtu?: number; master?: string } = {}): Partial<RunResult> => ({
  stdout: JSON.stringify([{ ifindex: 7, ifname, flags: ['BROADCAST', 'MULTICAST', ...(o.up === false ? [] : ['UP', 'LOWER_UP'])], mtu: o.mtu ?? 1500, ...(o.master ? { master: o.master } : {}) }]),
});
const NO_DEVICE_SHOW: Partial<RunResult> = { code: 1, stderr: 'Device "x" does not exist.\n' };
const NO_DEVICE_SET: Partial<RunResult> = { code: 1, stderr: 'Cannot find device "x"\n' };
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const on = (line: string): RegExp => new RegExp(`^${esc(line)}$`);

const SHOW_BRQ = `ip -json link show dev ${BRQ}`;
const SHOW_TAP = `ip -json link show dev ${TAP}`;
const ADD_BRQ = `ip link add name ${BRQ} type bridge forward_delay 0 stp_state 0`;
const NO_V6 = `sysctl -q -w net.ipv6.conf.${BRQ}.disable_ipv6=1`;
const UP_BRQ = `ip link set dev ${BRQ} up`;
const MTU_TAP = `ip link set dev ${TAP} mtu 1450`;
const ENSLAVE = `ip link set dev ${TAP} master ${BRQ} up`;

describe('linuxbridge driver: plug', () => {
  const cases: { name: string; script: Script; calls: string[] }[] = [
    { name: 'no bridge yet: create it (no STP, no IPv6), bring it up, then MTU and enslave the tap',
      script: [[on(SHOW_BRQ), NO_DEVICE_SHOW]], calls: [SHOW_BRQ, ADD_BRQ, NO_V6, UP_BRQ, MTU_TAP, ENSLAVE] },
    { name: "the agent's bridge is up: only the tap's MTU and master",
      script: [[on(SHOW_BRQ), link(BRQ)]], calls: [SHOW_BRQ, MTU_TAP, ENSLAVE] },
    { name: 'plug again (bridge up, tap already in it): the same idempotent link sets, no create',
      script: [[on(SHOW_BRQ), link(BRQ, { mtu: 1450 })]], calls: [SHOW_BRQ, MTU_TAP, ENSLAVE] },
    { name: 'a bridge left down (a creator died half-way): finish it',
      script: [[on(SHOW_BRQ), link(BRQ, { up: false })]], calls: [SHOW_BRQ, NO_V6, UP_BRQ, MTU_TAP, ENSLAVE] },
    { name: 'a concurrent creator wins the add ("File exists"): carry on',
      script: [[on(SHOW_BRQ), NO_DEVICE_SHOW], [on(ADD_BRQ), { code: 2, stderr: 'RTNETLINK answers: File exists\n' }]],
      calls: [SHOW_BRQ, ADD_BRQ, NO_V6, UP_BRQ, MTU_TAP, ENSLAVE] },
    { name: 'a kernel without IPv6 (sysctl cannot stat): nothing to turn off',
      script: [[on(SHOW_BRQ), NO_DEVICE_SHOW], [/^sysctl/, { code: 255, stderr: `sysctl: cannot stat /proc/sys/net/ipv6/conf/${BRQ}/disable_ipv6: No such file or directory\n` }]],
      calls: [SHOW_BRQ, ADD_BRQ, NO_V6, UP_BRQ, MTU_TAP, ENSLAVE] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { runner, calls } = recorder(c.script);
      await linuxBridgeDriver({ runner }).plug(VIF);
      assert.deepEqual(calls, c.calls);
    });
  }

  const failures: { name: string; script: Script; calls: string[]; stderr: RegExp; exitCode: number }[] = [
    { name: 'the host link is missing: rejects, naming the command', script: [[on(SHOW_BRQ), link(BRQ)], [on(MTU_TAP), NO_DEVICE_SET]],
      calls: [SHOW_BRQ, MTU_TAP], stderr: /Cannot find device/, exitCode: 1 },
    { name: 'creating the bridge fails otherwise: stops there', script: [[on(SHOW_BRQ), NO_DEVICE_SHOW], [on(ADD_BRQ), { code: 2, stderr: 'RTNETLINK answers: Operation not permitted' }]],
      calls: [SHOW_BRQ, ADD_BRQ], stderr: /Operation not permitted/, exitCode: 2 },
    { name: 'ip cannot even query', script: [[on(SHOW_BRQ), { code: 255, stderr: 'Object "link" is unknown' }]],
      calls: [SHOW_BRQ], stderr: /unknown/, exitCode: 255 },
  ];
  for (const c of failures) {
    it(c.name, async () => {
      const { runner, calls } = recorder(c.script);
      await assert.rejects(linuxBridgeDriver({ runner }).plug(VIF), (e: unknown) => {
        assert.ok(e instanceof NodeCommandError);
        assert.equal(e.code, 'STACKUBE_ERR_NODE_COMMAND');
        assert.equal(e.details['exitCode'], c.exitCode);
        assert.match(String(e.details['stderr']), c.stderr);
        assert.match(e.message, new RegExp(`^${esc(calls.at(-1) ?? '')}: exited with code ${c.exitCode}`));
        return true;
      });
      assert.deepEqual(calls, c.calls);
    });
  }

  const invalid: { name: string; vif: Vif }[] = [
    { name: 'port id not a UUID', vif: { ...VIF, portId: '--help' } },
    { name: 'network id not a UUID', vif: { ...VIF, networkId: 'net1' } },
    { name: 'bad MAC', vif: { ...VIF, mac: 'fa:16:3e:12:34' } },
    { name: 'MTU too small', vif: { ...VIF, mtu: 67 } },
    { name: 'MTU not an integer', vif: { ...VIF, mtu: 1450.5 } },
  ];
  for (const c of invalid) {
    it(`refuses a bad vif before running anything: ${c.name}`, async () => {
      const { runner, calls } = recorder();
      await assert.rejects(linuxBridgeDriver({ runner }).plug(c.vif), ValidationError);
      assert.deepEqual(calls, []);
    });
  }
});

describe('linuxbridge driver: unplug', () => {
  const NOMASTER = `ip link set dev ${TAP} nomaster`;
  const DEL = `ip link del dev ${TAP}`;
  const cases: { name: string; script: Script; calls: string[] }[] = [
    { name: 'detaches, then deletes the link (never the bridge: the agent owns it)', script: [], calls: [NOMASTER, DEL] },
    { name: 'the link is already gone: success after one look', script: [[on(NOMASTER), NO_DEVICE_SET]], calls: [NOMASTER] },
    { name: 'the link vanishes between detach and delete: success', script: [[on(DEL), NO_DEVICE_SET]], calls: [NOMASTER, DEL] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { runner, calls } = recorder(c.script);
      await linuxBridgeDriver({ runner }).unplug(VIF);
      assert.deepEqual(calls, c.calls);
    });
  }
  it('works from the port id alone (a DEL may not know the rest)', async () => {
    const { runner, calls } = recorder();
    await linuxBridgeDriver({ runner }).unplug({ ...VIF, mac: '', mtu: 0 });
    assert.deepEqual(calls, [NOMASTER, DEL]);
  });
  it('any other failure rejects', async () => {
    const { runner } = recorder([[on(DEL), { code: 2, stderr: 'RTNETLINK answers: Operation not permitted' }]]);
    await assert.rejects(linuxBridgeDriver({ runner }).unplug(VIF), NodeCommandError);
  });
});

describe('linuxbridge driver: isPlugged', () => {
  const cases: { name: string; script: Script; want: boolean; calls: string[] }[] = [
    { name: 'attached, up, right MTU, bridge up', script: [[on(SHOW_TAP), link(TAP, { master: BRQ, mtu: 1450 })], [on(SHOW_BRQ), link(BRQ)]], want: true, calls: [SHOW_TAP, SHOW_BRQ] },
    { name: 'no host link', script: [[on(SHOW_TAP), NO_DEVICE_SHOW]], want: false, calls: [SHOW_TAP] },
    { name: 'not in any bridge', script: [[on(SHOW_TAP), link(TAP, { mtu: 1450 })]], want: false, calls: [SHOW_TAP] },
    { name: 'in another bridge', script: [[on(SHOW_TAP), link(TAP, { master: 'brq000000000-0', mtu: 1450 })]], want: false, calls: [SHOW_TAP] },
    { name: 'down', script: [[on(SHOW_TAP), link(TAP, { master: BRQ, mtu: 1450, up: false })]], want: false, calls: [SHOW_TAP] },
    { name: 'wrong MTU', script: [[on(SHOW_TAP), link(TAP, { master: BRQ, mtu: 1500 })]], want: false, calls: [SHOW_TAP] },
    { name: 'bridge down', script: [[on(SHOW_TAP), link(TAP, { master: BRQ, mtu: 1450 })], [on(SHOW_BRQ), link(BRQ, { up: false })]], want: false, calls: [SHOW_TAP, SHOW_BRQ] },
  ];
  for (const c of cases) {
    it(`${String(c.want)}: ${c.name}`, async () => {
      const { runner, calls } = recorder(c.script);
      assert.equal(await linuxBridgeDriver({ runner }).isPlugged(VIF), c.want);
      assert.deepEqual(calls, c.calls);
    });
  }
  it('a failing query rejects rather than answering false', async () => {
    const { runner } = recorder([[on(SHOW_TAP), { code: 255, stderr: 'Object "link" is unknown' }]]);
    await assert.rejects(linuxBridgeDriver({ runner }).isPlugged(VIF), NodeCommandError);
  });
});

describe('linuxbridge driver: names', () => {
  it('is called linuxbridge and names the host end tap<port[:11]>', () => {
    const d = linuxBridgeDriver({ runner: recorder().runner });
    assert.equal(d.name, 'linuxbridge');
    assert.equal(d.hostIfName(VIF), TAP);
  });
});
