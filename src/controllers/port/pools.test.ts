import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { poolPortMarker, type PortFacts } from '../../domain/port/plan.js';
import { NeutronUnavailableError } from '../network/ports.js';
import { KeyedMutex, PortPools } from './pools.js';
import { fakePortNeutron, tick } from './testing.js';

const place = { networkID: 'net-1', subnetID: 'sub-1', node: 'node-a', projectId: 'p1', securityGroupID: 'sg-1' };
const pod = (uid: string) => ({ namespace: 'acme', name: `pod-${uid}`, uid });
const pooled = (id: string, o: Partial<PortFacts> = {}): PortFacts => ({
  id, networkId: 'net-1', projectId: 'p1', mac: 'fa:16:3e:00:00:01', fixedIps: [{ subnetId: 'sub-1', ip: '10.10.0.5' }],
  deviceId: '', deviceOwner: 'compute:stackube', description: poolPortMarker('net-1', 'node-a'), hostId: 'node-a', vifType: 'bridge', createdAt: '2026-11-23T00:00:00Z', ...o,
});

describe('KeyedMutex', () => {
  it('runs one function at a time per key, keys in parallel, and survives a rejection', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const job = (key: string, name: string, fail = false) => m.run(key, async () => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    });
    const results = await Promise.allSettled([job('a', 'a1', true), job('a', 'a2'), job('b', 'b1')]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'fulfilled', 'fulfilled']);
    assert.ok(log.indexOf('end a1') < log.indexOf('start a2'), 'a2 waited for a1');
    assert.ok(log.indexOf('start b1') < log.indexOf('end a1'), 'b1 did not wait for a1');
  });
});

describe('PortPools', () => {
  it('reads the pool from Neutron once, hands out distinct ports and refills to size in one bulk create', async () => {
    const n = fakePortNeutron();
    n.state.ports.set('a', pooled('a'));
    const pools = new PortPools({ neutron: n.neutron, size: 3 });
    const [x, y] = await Promise.all([pools.take(place, pod('u1')), pools.take(place, pod('u2'))]);
    await pools.idle();
    assert.equal(x?.id, 'a');
    assert.equal(y, undefined, 'one pooled port for two pods: the second gets none (and creates its own)');
    assert.equal(n.state.calls.filter((c) => c.startsWith('poolPorts')).length, 1);
    assert.deepEqual(n.state.calls.filter((c) => c.startsWith('createPorts')), ['createPorts 3']);
    assert.equal(pools.readyCount(), 3);
  });

  it('a failed claim rejects, and the pool is read again from Neutron (the PUT may have happened)', async () => {
    const n = fakePortNeutron();
    n.state.ports.set('a', pooled('a'));
    n.state.ports.set('b', pooled('b'));
    const pools = new PortPools({ neutron: n.neutron, size: 2 });
    n.state.failures.set('claimPort', new NeutronUnavailableError('Neutron unavailable: timeout'));
    await assert.rejects(pools.take(place, pod('u1')), NeutronUnavailableError);
    await pools.idle();
    assert.equal(n.state.calls.filter((c) => c.startsWith('poolPorts')).length, 2, 'reloaded');
    assert.equal((await pools.take(place, pod('u2')))?.deviceId, 'u2');
  });

  it('a refill failure goes to onError and is retried by the next take', async () => {
    const n = fakePortNeutron();
    const errors: string[] = [];
    const pools = new PortPools({ neutron: n.neutron, size: 1, onError: (e, p) => errors.push(`${p.networkId} ${p.node} ${(e as Error).message}`) });
    n.state.failures.set('createPorts', new NeutronUnavailableError('Neutron unavailable: HTTP 503'));
    assert.equal(await pools.take(place, pod('u1')), undefined);
    await pools.idle();
    assert.deepEqual(errors, ['net-1 node-a Neutron unavailable: HTTP 503']);
    await pools.refillAll();
    assert.equal(pools.readyCount(), 1);
  });

  it('pools of different nodes are separate', async () => {
    const n = fakePortNeutron();
    n.state.ports.set('a', pooled('a'));
    const pools = new PortPools({ neutron: n.neutron, size: 1 });
    assert.equal(await pools.take({ ...place, node: 'node-b' }, pod('u1')), undefined);
    assert.equal((await pools.take(place, pod('u2')))?.id, 'a');
    await pools.idle();
  });

  it('prune forgets the pools of gone networks and nodes', async () => {
    const n = fakePortNeutron();
    const pools = new PortPools({ neutron: n.neutron, size: 1 });
    await pools.take(place, pod('u1'));
    await pools.take({ ...place, node: 'node-b' }, pod('u2'));
    await pools.idle();
    assert.equal(pools.readyCount(), 2);
    pools.prune(new Set(['net-1']), new Set(['node-a']));
    assert.equal(pools.readyCount(), 1);
    pools.prune(new Set(), undefined);
    assert.equal(pools.readyCount(), 0);
  });

  it('retire deletes only free ports of a loaded pool, and any of an unknown pool', async () => {
    const n = fakePortNeutron();
    for (const id of ['a', 'b']) n.state.ports.set(id, pooled(id));
    n.state.ports.set('other', pooled('other', { networkId: 'net-2', description: poolPortMarker('net-2', 'node-a') }));
    const pools = new PortPools({ neutron: n.neutron, size: 2 });
    const taken = await pools.take(place, pod('u1'));
    await pools.idle();
    const listed = [pooled('a'), pooled('b'), pooled('other', { networkId: 'net-2', description: poolPortMarker('net-2', 'node-a') })];
    assert.equal(await pools.retire(listed), 2, `${taken?.id ?? ''} was claimed: only the other free one and the unknown pool's go`);
    assert.ok(n.state.ports.has(taken?.id ?? ''));
    assert.ok(!n.state.ports.has('other'));
  });
});
