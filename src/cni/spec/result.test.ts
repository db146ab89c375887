import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CNI_ERR } from './errors.js';
import { isCidr, resultForVersion, validateResult } from './result.js';
import { parseDaemonResponse } from './protocol.js';
import type { Result } from './types.js';

const RESULT: Result = {
  cniVersion: '1.1.0',
  interfaces: [{ name: 'eth0', mac: 'fa:16:3e:00:00:01', mtu: 1450, sandbox: '/var/run/netns/x', socketPath: '/run/vhost.sock', pciID: '0000:00:01.0' }],
  ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1', interface: 0 }, { address: 'fd00::5/64', gateway: 'fd00::1', interface: 0 }],
  routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1', mtu: 1450, priority: 10 }, { dst: '::/0' }],
  dns: { nameservers: ['10.0.0.2'], search: ['svc.cluster.local'] },
};

describe('isCidr', () => {
  const cases: [string, boolean][] = [
    ['10.0.0.5/24', true], ['10.0.0.5/32', true], ['10.0.0.5/33', false], ['10.0.0.5', false], ['fd00::1/128', true],
    ['fd00::1/129', false], ['10.0.0.256/8', false], ['10.0.0.5/', false], ['10.0.0.5/a', false], ['/24', false],
  ];
  for (const [v, want] of cases) it(`${v} → ${want}`, () => assert.equal(isCidr(v), want));
});

describe('validateResult', () => {
  it('accepts a full result', () => {
    const r = validateResult(RESULT);
    assert.ok(r.ok);
    assert.deepEqual(r.value, RESULT);
  });
  it('fills in missing lists and dns, drops unknown keys', () => {
    const r = validateResult({ ips: [{ address: '10.0.0.5/24' }], extra: 1 });
    assert.ok(r.ok);
    assert.deepEqual(r.value, { cniVersion: '', interfaces: [], ips: [{ address: '10.0.0.5/24' }], routes: [], dns: {} });
  });
  const bad: { name: string; value: unknown }[] = [
    { name: 'not an object', value: [] },
    { name: 'interfaces not a list', value: { interfaces: {} } },
    { name: 'interface without mac', value: { interfaces: [{ name: 'eth0' }] } },
    { name: 'interface with a bad mac', value: { interfaces: [{ name: 'eth0', mac: 'zz' }] } },
    { name: 'interface with negative mtu', value: { interfaces: [{ name: 'eth0', mac: 'fa:16:3e:00:00:01', mtu: -1 }] } },
    { name: 'ip without prefix', value: { ips: [{ address: '10.0.0.5' }] } },
    { name: 'ip pointing past the interfaces', value: { ips: [{ address: '10.0.0.5/24', interface: 0 }] } },
    { name: 'ip with a bad gateway', value: { ips: [{ address: '10.0.0.5/24', gateway: 'router' }] } },
    { name: 'route without dst', value: { routes: [{ gw: '10.0.0.1' }] } },
    { name: 'route with fractional table', value: { routes: [{ dst: '0.0.0.0/0', table: 1.5 }] } },
    { name: 'dns nameservers not strings', value: { dns: { nameservers: [1] } } },
    { name: 'dns a string', value: { dns: 'x' } },
  ];
  for (const c of bad) {
    it(`rejects: ${c.name}`, () => {
      const r = validateResult(c.value);
      assert.equal(r.ok ? 0 : r.error.code, CNI_ERR.DECODE_FAILURE);
    });
  }
});

describe('resultForVersion', () => {
  it('1.1.0 keeps every field', () => assert.deepEqual(resultForVersion(RESULT, '1.1.0'), RESULT));
  it('1.0.0 drops the 1.1.0-only fields', () => {
    assert.deepEqual(resultForVersion(RESULT, '1.0.0'), {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0', mac: 'fa:16:3e:00:00:01', mtu: 1450, sandbox: '/var/run/netns/x' }],
      ips: RESULT.ips,
      routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }, { dst: '::/0' }],
      dns: RESULT.dns,
    });
  });
});

describe('parseDaemonResponse', () => {
  const cases: { name: string; command: 'ADD' | 'DEL' | 'CHECK'; body: string; want: 'result' | 'none' | number; msg?: RegExp }[] = [
    { name: 'ADD result', command: 'ADD', body: JSON.stringify({ result: RESULT }), want: 'result' },
    { name: 'DEL empty object', command: 'DEL', body: '{}', want: 'none' },
    { name: 'CHECK with a result is fine', command: 'CHECK', body: JSON.stringify({ result: RESULT }), want: 'none' },
    { name: 'daemon error passes through', command: 'ADD', body: JSON.stringify({ error: { cniVersion: '1.1.0', code: 3, msg: 'pod gone', details: 'd' } }), want: 3, msg: /^pod gone$/ },
    { name: 'daemon error on DEL', command: 'DEL', body: JSON.stringify({ error: { code: 120, msg: 'ovs-vsctl failed' } }), want: 120 },
    { name: 'ADD without result', command: 'ADD', body: '{}', want: CNI_ERR.DAEMON_ERROR, msg: /no result/ },
    { name: 'ADD with an invalid result', command: 'ADD', body: JSON.stringify({ result: { ips: [{ address: 'x' }] } }), want: CNI_ERR.DAEMON_ERROR, msg: /invalid result/ },
    { name: 'not JSON', command: 'DEL', body: 'Internal error', want: CNI_ERR.DAEMON_ERROR },
    { name: 'JSON array', command: 'DEL', body: '[]', want: CNI_ERR.DAEMON_ERROR },
    { name: 'error with code 0', command: 'DEL', body: JSON.stringify({ error: { code: 0, msg: 'x' } }), want: CNI_ERR.DAEMON_ERROR, msg: /malformed error/ },
    { name: 'error without msg', command: 'ADD', body: JSON.stringify({ error: { code: 7 } }), want: CNI_ERR.DAEMON_ERROR },
    { name: 'error as a string', command: 'ADD', body: JSON.stringify({ error: 'boom' }), want: CNI_ERR.DAEMON_ERROR },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = parseDaemonResponse(c.command, c.body);
      if (c.want === 'result') {
        assert.ok(r.ok);
        assert.deepEqual(r.value, RESULT);
      } else if (c.want === 'none') {
        assert.ok(r.ok);
        assert.equal(r.value, undefined);
      } else {
        assert.equal(r.ok, false);
        if (r.ok) return;
        assert.equal(r.error.code, c.want);
        if (c.msg) assert.match(r.error.msg, c.msg);
      }
    });
  }
});
