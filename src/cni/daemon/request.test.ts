import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDaemonRequest } from './request.js';

const config = { cniVersion: '1.1.0', name: 'stackube', type: 'stackube-cni', daemonSocket: '/run/stackube/cni.sock', timeoutMs: 60000 };
const base = { command: 'ADD', containerId: 'abc', netns: '/run/netns/x', ifName: 'eth0', args: { K8S_POD_NAMESPACE: 'acme', K8S_POD_NAME: 'web', K8S_POD_UID: 'u1' }, config };

describe('parseDaemonRequest', () => {
  it('accepts what the plugin sends; the pod comes from `pod`, else from the K8S_POD_* args', () => {
    const a = parseDaemonRequest(JSON.stringify({ ...base, pod: { namespace: 'n', name: 'p', uid: 'u' } }));
    assert.ok(a.ok);
    assert.deepEqual(a.value.pod, { namespace: 'n', name: 'p', uid: 'u' });
    const b = parseDaemonRequest(JSON.stringify(base));
    assert.ok(b.ok);
    assert.deepEqual(b.value.pod, { namespace: 'acme', name: 'web', uid: 'u1' });
    assert.equal(b.value.config.timeoutMs, 60000);
  });

  it('keeps the GC list (the plugin sends it as validAttachments) and prevResult', () => {
    const gc = parseDaemonRequest(JSON.stringify({ ...base, command: 'GC', containerId: '', netns: '', ifName: '', config: { ...config, validAttachments: [{ containerID: 'a', ifname: 'eth0' }] } }));
    assert.ok(gc.ok);
    assert.deepEqual(gc.value.config.validAttachments, [{ containerID: 'a', ifname: 'eth0' }]);
    const check = parseDaemonRequest(JSON.stringify({ ...base, command: 'CHECK', config: { ...config, prevResult: { interfaces: [] } } }));
    assert.ok(check.ok);
    assert.deepEqual(check.value.config.prevResult, { interfaces: [] });
  });

  it('DEL may come without a netns', () => {
    assert.ok(parseDaemonRequest(JSON.stringify({ ...base, command: 'DEL', netns: '' })).ok);
  });

  const bad: [string, unknown, number, RegExp][] = [
    ['not JSON', '{', 6, /not JSON/],
    ['an array', [], 6, /not a JSON object/],
    ['VERSION (the plugin answers it)', { ...base, command: 'VERSION' }, 6, /command must be one of ADD, DEL, CHECK, STATUS, GC/],
    ['numbers for strings', { ...base, containerId: 5 }, 6, /must be strings/],
    ['args not strings', { ...base, args: { a: 1 } }, 6, /args/],
    ['a container id with a slash', { ...base, containerId: '../etc' }, 4, /containerId/],
    ['an interface name that is too long', { ...base, ifName: 'x'.repeat(16) }, 4, /ifName/],
    ['a relative netns', { ...base, netns: 'netns/x' }, 4, /netns/],
    ['ADD without netns', { ...base, netns: '' }, 4, /netns is empty/],
    ['no config', { ...base, config: undefined }, 6, /config must be an object/],
    ['a config of an unsupported version', { ...base, config: { ...config, cniVersion: '0.4.0' } }, 1, /0.4.0/],
  ];
  for (const [name, body, code, re] of bad) {
    it(`refuses ${name} (code ${code})`, () => {
      const r = parseDaemonRequest(typeof body === 'string' ? body : JSON.stringify(body));
      assert.ok(!r.ok);
      assert.equal(r.error.code, code);
      assert.match(`${r.error.msg} ${r.error.details ?? ''}`, re);
    });
  }
});
