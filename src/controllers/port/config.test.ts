// The port controller's options of stackube-controller's config (src/config/controller.ts), loaded as the binary does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../config/schema.js';
import { controllerSchema, validateControllerConfig, CONTROLLER_ENV_PREFIX } from '../../config/controller.js';

const load = (flags: Record<string, string>, env: Record<string, string> = {}) => loadConfig(controllerSchema, { env, flags, envPrefix: CONTROLLER_ENV_PREFIX });

describe('port controller config', () => {
  it('defaults: on, 4 workers, pools off, GC every 60 s with a 30 s grace', () => {
    const cfg = load({});
    assert.ok(validateControllerConfig(cfg).includes('port'));
    assert.deepEqual([cfg.portWorkers, cfg.portPoolSize, cfg.portGcInterval, cfg.portGcGrace], [4, 0, 60_000, 30_000]);
  });
  it('flags and environment', () => {
    const cfg = load({ 'port-pool-size': '3', 'port-gc-interval': '5m' }, { STACKUBE_CONTROLLER_PORT_WORKERS: '8', STACKUBE_CONTROLLER_PORT_GC_GRACE: '1m' });
    assert.deepEqual([cfg.portWorkers, cfg.portPoolSize, cfg.portGcInterval, cfg.portGcGrace], [8, 3, 300_000, 60_000]);
  });
  it('the port controller alone', () => assert.deepEqual(validateControllerConfig(load({ controllers: 'port' })), ['port']));
  const bad: { what: string; flags: Record<string, string>; at: 'load' | 'validate'; want: RegExp }[] = [
    { what: 'a negative pool size', flags: { 'port-pool-size': '-1' }, at: 'load', want: /portPoolSize: -1 is below the minimum 0/ },
    { what: 'a huge pool', flags: { 'port-pool-size': '1000' }, at: 'load', want: /portPoolSize: 1000 is above the maximum 64/ },
    { what: 'a fractional pool size', flags: { 'port-pool-size': '1.5' }, at: 'validate', want: /portPoolSize: 1.5 is not a whole number/ },
    { what: 'no workers', flags: { 'port-workers': '0' }, at: 'load', want: /portWorkers: 0 is below the minimum 1/ },
    { what: 'a GC interval under 1 s', flags: { 'port-gc-interval': '100ms' }, at: 'validate', want: /portGcInterval: 100 ms is below the minimum 1s/ },
  ];
  for (const c of bad) {
    it(`${c.what} fails fast`, () => {
      if (c.at === 'load') assert.throws(() => load(c.flags), c.want);
      else assert.throws(() => validateControllerConfig(load(c.flags)), c.want);
    });
  }
});
