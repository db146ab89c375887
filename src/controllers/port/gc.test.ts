import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../lib/clock.js';
import { poolPortMarker, type PortFacts } from '../../domain/port/plan.js';
import { ManualScheduler } from '../../kube/scheduler.js';
import { NeutronUnavailableError } from '../network/ports.js';
import { collectGarbage, runPortGc, type GcResult } from './gc.js';
import type { PortAction } from './metrics.js';
import { PortPools } from './pools.js';
import { fakePortKube, fakePortNeutron, testPod } from './testing.js';
import type { Logger } from '../../telemetry/logger.js';

const NOW = Date.parse('2026-11-23T01:00:00Z');
const OLD = '2026-11-23T00:00:00Z';
const YOUNG = '2026-11-23T00:59:50Z';

const port = (id: string, o: Partial<PortFacts> = {}): PortFacts => ({
  id, networkId: 'net-1', projectId: 'p1', mac: 'fa:16:3e:00:00:01', fixedIps: [{ subnetId: 'sub-1', ip: '10.10.0.5' }],
  deviceId: '', deviceOwner: 'compute:stackube', description: '', hostId: 'node-a', vifType: 'bridge', createdAt: OLD, ...o,
});
const pooled = (id: string, o: Partial<PortFacts> = {}): PortFacts => port(id, { description: poolPortMarker('net-1', 'node-a'), ...o });

/** A silent logger that records warnings. */
function quietLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const log = {
    warnings,
    warn: (_o: unknown, msg: string) => { warnings.push(msg); },
    info: () => undefined, debug: () => undefined, error: () => undefined,
    child: () => log,
  };
  return log as unknown as Logger & { warnings: string[] };
}

function world(o: { pools?: number } = {}) {
  const n = fakePortNeutron();
  const k = fakePortKube();
  const counted: Partial<Record<PortAction, number>> = {};
  const count = (a: PortAction, by = 1): void => {
    counted[a] = (counted[a] ?? 0) + by;
  };
  const pools = o.pools ? new PortPools({ neutron: n.neutron, size: o.pools, count }) : undefined;
  const log = quietLog();
  const gc = (): Promise<GcResult> => collectGarbage({
    neutron: n.neutron, kube: k.kube, ...(pools ? { pools } : {}), poolSize: o.pools ?? 0, graceMs: 30_000, clock: new ManualClock(NOW), count, log,
  });
  const add = (...ps: PortFacts[]): void => {
    for (const p of ps) n.state.ports.set(p.id, p);
  };
  return { n, k, pools, gc, add, counted, log };
}

describe('collectGarbage', () => {
  it('deletes an old orphan, keeps a young orphan and the port of a live pod', async () => {
    const w = world();
    w.k.put(testPod({ uid: 'live' }));
    w.add(port('orphan', { deviceId: 'gone' }), port('young', { deviceId: 'gone', createdAt: YOUNG }), port('mine', { deviceId: 'live' }));
    assert.deepEqual(await w.gc(), { orphans: 1, pooled: 0, young: 1, failed: 0 });
    assert.deepEqual(w.n.writes(), ['deletePort orphan']);
    assert.deepEqual([...w.n.state.ports.keys()].sort(), ['mine', 'young']);
    assert.deepEqual(w.counted, { collected: 1 });
  });

  it('the port of a finished pod is an orphan (the pod no longer needs it)', async () => {
    const w = world();
    w.k.put(testPod({ uid: 'done', phase: 'Succeeded' }));
    w.add(port('p', { deviceId: 'done' }));
    await w.gc();
    assert.deepEqual(w.n.writes(), ['deletePort p']);
  });

  it('lists Neutron first, then reads the pod cache (a pod added meanwhile keeps its port)', async () => {
    const w = world();
    w.add(port('new', { deviceId: 'late' }));
    const allPorts = w.n.neutron.allPorts.bind(w.n.neutron);
    w.n.neutron.allPorts = async () => {
      const ps = await allPorts();
      w.k.put(testPod({ uid: 'late' }));
      return ps;
    };
    await w.gc();
    assert.deepEqual(w.n.writes(), []);
  });

  it('never touches ports of projects this cluster does not know', async () => {
    const w = world();
    w.add(port('foreign', { deviceId: 'gone', projectId: 'p-elsewhere' }));
    await w.gc();
    assert.deepEqual(w.n.writes(), []);
  });

  it('pools off: every old pooled port goes', async () => {
    const w = world();
    w.add(pooled('a'), pooled('b'), pooled('y', { createdAt: YOUNG }));
    assert.deepEqual(await w.gc(), { orphans: 0, pooled: 2, young: 1, failed: 0 });
    assert.deepEqual([...w.n.state.ports.keys()], ['y']);
  });

  it('a failed delete is counted and logged; the others go on', async () => {
    const w = world();
    w.add(port('a', { deviceId: 'gone' }), port('b', { deviceId: 'gone' }));
    w.n.state.failures.set('deletePort', new NeutronUnavailableError('Neutron unavailable: HTTP 503'));
    assert.deepEqual(await w.gc(), { orphans: 1, pooled: 0, young: 0, failed: 1 });
    assert.equal(w.n.state.ports.size, 1);
    assert.deepEqual(w.log.warnings, ['orphaned port not deleted; retrying next pass']);
  });

  it('a failed listing rejects and deletes nothing', async () => {
    const w = world();
    w.add(port('a', { deviceId: 'gone' }));
    w.n.state.failures.set('allPorts', new NeutronUnavailableError('Neutron unavailable: unreachable'));
    await assert.rejects(w.gc(), NeutronUnavailableError);
    assert.equal(w.n.state.ports.size, 1);
  });
});

describe('collectGarbage with pools', () => {
  it('trims a pool above its size (the youngest old ones), drops pools of gone networks and nodes', async () => {
    const w = world({ pools: 1 });
    w.add(
      pooled('keep', { createdAt: '2026-11-23T00:00:01Z' }), pooled('extra', { createdAt: '2026-11-23T00:00:02Z' }),
      port('gone-net', { networkId: 'net-9', description: poolPortMarker('net-9', 'node-a') }),
      port('gone-node', { description: poolPortMarker('net-1', 'node-z') }),
    );
    const r = await w.gc();
    assert.equal(r.pooled, 3);
    assert.deepEqual([...w.n.state.ports.keys()], ['keep']);
    assert.deepEqual(w.counted, { collected: 3 });
  });

  it('never retires a pooled port a pod is claiming: the listing saw it free, the claim won the lock first', async () => {
    const w = world({ pools: 1 });
    // a is the younger one: the plan makes it the surplus; the pool hands it out first (Neutron's listing order).
    w.add(pooled('a', { createdAt: '2026-11-23T00:00:02Z' }), pooled('b', { createdAt: '2026-11-23T00:00:01Z' }));
    const place = { networkID: 'net-1', subnetID: 'sub-1', node: 'node-a', projectId: 'p1', securityGroupID: 'sg-1' };
    // GC lists (both free, a is surplus) … and a pod takes a between the listing and the retirement.
    const allPorts = w.n.neutron.allPorts.bind(w.n.neutron);
    let taken: PortFacts | undefined;
    w.n.neutron.allPorts = async () => {
      const ps = await allPorts();
      w.k.put(testPod({ uid: 'u1' }));
      taken = await w.pools?.take(place, { namespace: 'acme', name: 'web-0', uid: 'u1' });
      return ps;
    };
    await w.gc();
    await w.pools?.idle();
    assert.equal(taken?.id, 'a');
    assert.ok(w.n.state.ports.has('a'), 'the claimed port survives although the plan called it surplus');
    assert.equal(w.n.state.ports.get('a')?.deviceId, 'u1');
  });

  it('a pool this process never used: its surplus goes without loading it', async () => {
    const w = world({ pools: 1 });
    w.add(pooled('a', { createdAt: '2026-11-23T00:00:01Z' }), pooled('b', { createdAt: '2026-11-23T00:00:02Z' }));
    await w.gc();
    assert.deepEqual([...w.n.state.ports.keys()], ['a']);
    assert.ok(!w.n.state.calls.some((c) => c.startsWith('poolPorts')));
  });
});

describe('runPortGc', () => {
  it('waits for the caches, runs at once, then every interval; a failed pass does not stop it', async () => {
    const scheduler = new ManualScheduler(NOW);
    const stop = new AbortController();
    let passes = 0;
    const log = quietLog();
    const done = runPortGc({
      ready: () => Promise.resolve(true), intervalMs: 60_000, signal: stop.signal, scheduler, log,
      pass: () => {
        passes++;
        return passes === 2 ? Promise.reject(new Error('neutron down')) : Promise.resolve({ orphans: 0, pooled: 0, young: 0, failed: 0 });
      },
    });
    await scheduler.flush();
    assert.equal(passes, 1);
    await scheduler.advance(60_000);
    assert.equal(passes, 2);
    assert.deepEqual(log.warnings, ['port garbage collection failed; retrying next pass']);
    await scheduler.advance(60_000);
    assert.equal(passes, 3);
    stop.abort();
    await done;
  });

  it('caches that never sync: no pass', async () => {
    let passes = 0;
    await runPortGc({
      ready: () => Promise.resolve(false), intervalMs: 1, signal: new AbortController().signal, scheduler: new ManualScheduler(), log: quietLog(),
      pass: () => { passes++; return Promise.resolve({ orphans: 0, pooled: 0, young: 0, failed: 0 }); },
    });
    assert.equal(passes, 0);
  });
});
