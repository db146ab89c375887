// The keystone-sync options of stackube-controller's config (src/config/controller.ts), loaded as the binary does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../config/schema.js';
import { controllerSchema, validateControllerConfig, CONTROLLER_ENV_PREFIX } from '../../config/controller.js';

const load = (flags: Record<string, string>, env: Record<string, string> = {}) => loadConfig(controllerSchema, { env, flags, envPrefix: CONTROLLER_ENV_PREFIX });

describe('keystone-sync config', () => {
  it('defaults: all controllers named, sync off (nothing selected), 30 s, orphan', () => {
    const cfg = load({});
    assert.deepEqual([cfg.controllers, cfg.syncDomains, cfg.syncTag, cfg.syncInterval, cfg.syncDeletePolicy], [['tenant', 'network', 'port', 'keystone-sync'], [], '', 30_000, 'orphan']);
    assert.deepEqual(validateControllerConfig(cfg), ['tenant', 'network', 'port']);
  });
  const cases: { what: string; flags: Record<string, string>; env?: Record<string, string>; want: string[] | RegExp }[] = [
    { what: 'a tag turns the sync on', flags: { 'sync-tag': 'k8s' }, want: ['tenant', 'network', 'port', 'keystone-sync'] },
    { what: 'domains turn it on (flag list)', flags: { 'sync-domains': 'Default, eng' }, want: ['tenant', 'network', 'port', 'keystone-sync'] },
    { what: 'domains from the environment', flags: {}, env: { STACKUBE_CONTROLLER_SYNC_DOMAINS: 'eng' }, want: ['tenant', 'network', 'port', 'keystone-sync'] },
    { what: 'the sync alone', flags: { controllers: 'keystone-sync', 'sync-tag': 'k8s' }, want: ['keystone-sync'] },
    { what: 'the tenant controller alone', flags: { controllers: 'tenant', 'sync-tag': 'k8s' }, want: ['tenant'] },
    { what: 'an unknown controller', flags: { controllers: 'tenant,nope' }, want: /controllers: unknown "nope"/ },
    { what: 'the sync alone with nothing selected', flags: { controllers: 'keystone-sync' }, want: /neither syncDomains nor syncTag/ },
    { what: 'a tag Keystone refuses', flags: { 'sync-tag': 'a/b' }, want: /syncTag: "a\/b" is not a Keystone tag/ },
    { what: 'a too short interval', flags: { 'sync-tag': 'x', 'sync-interval': '10ms' }, want: /syncInterval: 10 ms/ },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const cfg = load(c.flags, c.env);
      if (c.want instanceof RegExp) assert.throws(() => validateControllerConfig(cfg), c.want);
      else assert.deepEqual(validateControllerConfig(cfg), c.want);
    });
  }
  it('a delete policy outside orphan|delete fails at load', () => {
    assert.throws(() => load({ 'sync-delete-policy': 'purge' }), /syncDeletePolicy: "purge" is not one of orphan, delete/);
    assert.equal(load({ 'sync-delete-policy': 'delete' }).syncDeletePolicy, 'delete');
  });
});
