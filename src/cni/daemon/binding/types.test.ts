import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../../lib/errors.js';
import { BINDING_DRIVERS, assertValidVif, isBindingDriverName, linuxBridgeName, tapName, type Vif } from './types.js';

describe('names of the host end and the bridge', () => {
  const cases: { id: string; tap: string; brq: string }[] = [
    { id: 'a1b2c3d4-e5f6-4789-8abc-def012345678', tap: 'tapa1b2c3d4-e5', brq: 'brqa1b2c3d4-e5' },
    { id: 'ffffffff-0000-4000-8000-000000000000', tap: 'tapffffffff-00', brq: 'brqffffffff-00' },
    // Neutron ids are lower-case, but the name keeps whatever it was given (it must match the agent's).
    { id: 'ABCDEF01-2345-4678-9ABC-DEF012345678', tap: 'tapABCDEF01-23', brq: 'brqABCDEF01-23' },
  ];
  for (const c of cases) {
    it(`${c.id} → ${c.tap}, ${c.brq} (prefix + first 11 characters, 14 ≤ IFNAMSIZ-1)`, () => {
      assert.equal(tapName(c.id), c.tap);
      assert.equal(linuxBridgeName(c.id), c.brq);
      assert.equal(c.tap.length, 14);
    });
  }
  for (const bad of ['', 'a1b2c3d4e5f6', 'a1b2c3d4-e5f6-4789-8abc-def01234567', 'a1b2c3d4-e5f6-4789-8abc-def012345678x', '-a1b2c3d-e5f6-4789-8abc-def012345678', 'g1b2c3d4-e5f6-4789-8abc-def012345678']) {
    it(`refuses the id ${JSON.stringify(bad)}`, () => {
      assert.throws(() => tapName(bad), ValidationError);
      assert.throws(() => linuxBridgeName(bad), ValidationError);
    });
  }
});

describe('assertValidVif', () => {
  const VIF: Vif = { portId: 'a1b2c3d4-e5f6-4789-8abc-def012345678', networkId: '9f8e7d6c-5b4a-4321-9fed-cba987654321', mac: 'fa:16:3e:12:34:56', mtu: 1450 };
  const good: Vif[] = [VIF, { ...VIF, mtu: 68 }, { ...VIF, mtu: 65535 }, { ...VIF, mac: 'FA:16:3E:AB:CD:EF' }, { ...VIF, deviceId: 'default/pod-1' }, { ...VIF, deviceId: '0c3f1a2e-1111-4222-8333-444455556666' }];
  for (const v of good) it(`accepts ${JSON.stringify(v)}`, () => assertValidVif(v));
  const bad: [string, Vif][] = [
    ['mac field', { ...VIF, mac: 'fa-16-3e-12-34-56' }],
    ['mtu field', { ...VIF, mtu: 65536 }],
    ['mtu field', { ...VIF, mtu: Number.NaN }],
    ['deviceId field', { ...VIF, deviceId: '' }],
    ['deviceId field', { ...VIF, deviceId: 'a"b' }],
    ['deviceId field', { ...VIF, deviceId: 'a\\b' }],
    ['deviceId field', { ...VIF, deviceId: 'a\nb' }],
    ['portId field', { ...VIF, portId: 'p1' }],
  ];
  for (const [field, v] of bad) {
    it(`refuses a bad ${field}: ${JSON.stringify(v)}`, () => {
      assert.throws(() => assertValidVif(v), (e: unknown) => e instanceof ValidationError && e.code === 'STACKUBE_ERR_INPUT_INVALID' && e.details['field'] === field.split(' ')[0]);
    });
  }
});

describe('driver names', () => {
  it('lists linuxbridge and ovs', () => assert.deepEqual([...BINDING_DRIVERS], ['linuxbridge', 'ovs']));
  for (const [n, want] of [['linuxbridge', true], ['ovs', true], ['ovn', false], ['', false], ['toString', false]] as const) {
    it(`isBindingDriverName(${JSON.stringify(n)}) = ${String(want)}`, () => assert.equal(isBindingDriverName(n), want));
  }
});
