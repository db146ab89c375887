import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../../lib/errors.js';
import { createBindingDriver, driverForVifType, type Runner, type Vif } from './index.js';

const VIF: Vif = { portId: 'a1b2c3d4-e5f6-4789-8abc-def012345678', networkId: '9f8e7d6c-5b4a-4321-9fed-cba987654321', mac: 'fa:16:3e:12:34:56', mtu: 1450 };

function recorder(): { runner: Runner; calls: string[] } {
  const calls: string[] = [];
  return { calls, runner: { run: (cmd, args) => (calls.push([cmd, ...args].join(' ')), Promise.resolve({ stdout: '', stderr: '', code: 0 })) } };
}

describe('createBindingDriver', () => {
  for (const name of ['linuxbridge', 'ovs'] as const) {
    it(`builds ${name}`, () => {
      const d = createBindingDriver(name, { runner: recorder().runner });
      assert.equal(d.name, name);
      assert.equal(d.hostIfName(VIF), 'tapa1b2c3d4-e5');
    });
  }
  for (const name of ['', 'openvswitch', 'OVS', 'ovn', 'constructor']) {
    it(`refuses ${JSON.stringify(name)}, listing the known drivers`, () => {
      assert.throws(() => createBindingDriver(name, { runner: recorder().runner }), (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        assert.equal(e.message, `unknown binding driver ${JSON.stringify(name)}; known: linuxbridge, ovs`);
        assert.deepEqual(e.details['known'], ['linuxbridge', 'ovs']);
        return true;
      });
    });
  }
  it('passes the ovs options through', async () => {
    const { runner, calls } = recorder();
    await createBindingDriver('ovs', { runner, ovsBridge: 'br-test', ovsTimeoutSec: 5, ovsDb: 'unix:/tmp/db.sock' }).unplug(VIF);
    assert.equal(calls[0], 'ovs-vsctl --timeout=5 --db=unix:/tmp/db.sock -- --if-exists del-port br-test tapa1b2c3d4-e5');
  });
  it('checks the ovs options at once', () => {
    assert.throws(() => createBindingDriver('ovs', { runner: recorder().runner, ovsBridge: '-x' }), ValidationError);
  });
  it('linuxbridge ignores the ovs options', () => {
    assert.equal(createBindingDriver('linuxbridge', { runner: recorder().runner, ovsBridge: '-x' }).name, 'linuxbridge');
  });
});

describe('driverForVifType', () => {
  const cases: [string | undefined, 'linuxbridge' | 'ovs', 'linuxbridge' | 'ovs'][] = [
    ['bridge', 'ovs', 'linuxbridge'],
    ['ovs', 'linuxbridge', 'ovs'],
    [undefined, 'ovs', 'ovs'],
    ['', 'linuxbridge', 'linuxbridge'],
    ['unbound', 'ovs', 'ovs'],
  ];
  for (const [vifType, configured, want] of cases) {
    it(`${JSON.stringify(vifType)} with ${configured} configured → ${want}`, () => assert.equal(driverForVifType(vifType, configured), want));
  }
  for (const vifType of ['binding_failed', 'vhostuser', 'macvtap', 'toString']) {
    it(`${vifType} → ValidationError`, () => assert.throws(() => driverForVifType(vifType, 'linuxbridge'), ValidationError));
  }
});
