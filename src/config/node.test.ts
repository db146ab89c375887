import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './schema.js';
import { NODE_ENV_PREFIX, nodeSchema, validateNodeConfig } from './node.js';

const load = (flags: Record<string, string> = {}, env: Record<string, string> = {}) => loadConfig(nodeSchema, { env, flags, envPrefix: NODE_ENV_PREFIX });

describe('stackube-node config', () => {
  it('defaults', () => {
    const c = load();
    assert.deepEqual(
      [c.socket, c.stateDir, c.bindingDriver, c.ovsBridge, c.portActiveTimeout, c.addTimeout, c.listenAddress, c.logLevel, c.nodeName],
      ['/run/stackube/cni.sock', '/var/lib/stackube/node', 'linuxbridge', 'br-int', 20_000, 30_000, '127.0.0.1:9444', 'info', undefined],
    );
  });

  it('flags over env; durations in ms; the driver must be known', () => {
    const c = load({ 'port-active-timeout': '5s', 'node-name': 'node-b' }, { STACKUBE_NODE_PORT_ACTIVE_TIMEOUT: '9s', STACKUBE_NODE_BINDING_DRIVER: 'ovs' });
    assert.deepEqual([c.portActiveTimeout, c.nodeName, c.bindingDriver], [5_000, 'node-b', 'ovs']);
    assert.throws(() => load({ 'binding-driver': 'vpp' }), /bindingDriver: "vpp" is not one of linuxbridge, ovs/);
    assert.throws(() => load({ 'no-such': 'x' }), /unknown flag --no-such/);
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['a relative socket', { socket: 'cni.sock' }, /socket: "cni.sock" is not an absolute path/],
    ['a socket path too long for sun_path', { socket: `/${'x'.repeat(120)}` }, /longer than 107 bytes/],
    ['a relative state dir', { 'state-dir': 'state' }, /stateDir/],
    ['a node name that is no DNS subdomain', { 'node-name': 'Node_A' }, /nodeName: "Node_A"/],
    ['a tiny add timeout', { 'add-timeout': '100ms' }, /addTimeout: 100 ms/],
    ['a tiny port timeout', { 'port-active-timeout': '10ms' }, /portActiveTimeout: 10 ms/],
  ];
  for (const [name, flags, re] of bad) {
    it(`refuses ${name}`, () => {
      const c = load(flags);
      assert.throws(() => validateNodeConfig({ ...c, nodeName: c.nodeName ?? 'node-a' }), re);
    });
  }
  it('accepts the defaults with a node name', () => validateNodeConfig({ ...load(), nodeName: 'node-a.example' }));
});
