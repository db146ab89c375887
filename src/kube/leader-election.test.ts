import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeApi } from './client.js';
import { KubeError } from './client.js';
import { FakeKube } from './fake-kube.js';
import type { Lease, LeaderElectionOptions } from './leader-election.js';
import { LeaderElector, microTime } from './leader-election.js';
import { ManualScheduler } from './scheduler.js';
import { ValidationError } from '../lib/errors.js';

const T0 = Date.UTC(2026, 0, 1);
const LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/stackube-controller';

interface Candidate {
  el: LeaderElector;
  log: string[];
  errors: unknown[];
  stop: AbortController;
  done: Promise<void>;
  /** When set, every API call of this candidate fails (a partitioned or hung leader). */
  cut: { on: boolean };
}

function candidate(fake: FakeKube, s: ManualScheduler, identity: string, extra: Partial<LeaderElectionOptions> = {}): Candidate {
  const log: string[] = [];
  const errors: unknown[] = [];
  const cut = { on: false };
  const client: Pick<KubeApi, 'request'> = {
    request: (m, p, o) => (cut.on ? Promise.reject(new KubeError(0, m, p, 'unreachable')) : fake.request(m, p, o)),
  };
  const el = new LeaderElector({
    client, namespace: 'kube-system', name: 'stackube-controller', identity, scheduler: s, random: () => 0,
    callbacks: {
      onStartedLeading: (signal) => {
        log.push(`started@${s.now() - T0}`);
        signal.addEventListener('abort', () => log.push(`signal@${s.now() - T0}`));
      },
      onStoppedLeading: () => log.push(`stopped@${s.now() - T0}`),
      onNewLeader: (id) => log.push(`leader=${id}`),
    },
    onError: (e) => errors.push(e),
    ...extra,
  });
  const stop = new AbortController();
  return { el, log, errors, stop, cut, done: el.run(stop.signal) };
}

function lease(fake: FakeKube): Lease | undefined {
  return fake.peek(LEASE);
}

describe('LeaderElector', () => {
  it('creates the lease, renews it every retryPeriod and releases it on a clean stop', async () => {
    const fake = new FakeKube();
    const s = new ManualScheduler(T0);
    const a = candidate(fake, s, 'a');
    await s.flush();
    assert.equal(a.el.isLeader(), true);
    assert.equal(a.el.leader(), 'a');
    assert.deepEqual(lease(fake)?.spec, { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 0 });
    await s.advance(4_000);
    assert.equal(lease(fake)?.spec?.renewTime, microTime(T0 + 4_000));
    assert.equal(lease(fake)?.spec?.acquireTime, microTime(T0), 'acquireTime kept while renewing');
    assert.equal(fake.callsTo('PUT').length, 2);
    assert.ok(fake.callsTo('PUT').every((c) => (c.body as Lease).metadata?.resourceVersion), 'every update carries a resourceVersion');
    a.stop.abort();
    await a.done;
    assert.equal(a.el.isLeader(), false);
    assert.equal(lease(fake)?.spec?.holderIdentity, '');
    assert.equal(lease(fake)?.spec?.leaseDurationSeconds, 1);
    assert.deepEqual(a.log, ['leader=a', 'started@0', 'signal@4000', 'stopped@4000']);
    assert.deepEqual(a.errors, []);
  });

  it('only one of two candidates leads; the other takes over right after the leader releases', async () => {
    const fake = new FakeKube();
    const s = new ManualScheduler(T0);
    const a = candidate(fake, s, 'a');
    await s.flush();
    const b = candidate(fake, s, 'b');
    await s.advance(30_000);
    assert.equal(a.el.isLeader(), true);
    assert.equal(b.el.isLeader(), false);
    assert.equal(b.el.leader(), 'a');
    a.stop.abort();
    await a.done;
    await s.advance(2_000);
    assert.equal(b.el.isLeader(), true);
    assert.equal(lease(fake)?.spec?.holderIdentity, 'b');
    assert.equal(lease(fake)?.spec?.leaseTransitions, 1);
    assert.deepEqual(b.log, ['leader=a', 'leader=b', 'started@32000']);
    b.stop.abort();
    await b.done;
  });

  it('a partitioned leader stops leading after renewDeadline, before a successor may take over after leaseDuration', async () => {
    const fake = new FakeKube();
    const s = new ManualScheduler(T0);
    const a = candidate(fake, s, 'a');
    await s.flush();
    const b = candidate(fake, s, 'b');
    await s.advance(1_000);
    a.cut.on = true; // a's last renewal was at t=0
    await s.advance(8_000);
    assert.equal(a.el.isLeader(), true, 'still within renewDeadline');
    await s.advance(2_000);
    await a.done;
    assert.deepEqual(a.log, ['leader=a', 'started@0', 'signal@10000', 'stopped@10000']);
    assert.equal(lease(fake)?.spec?.holderIdentity, 'a', 'no release: the API is unreachable');
    assert.equal(b.el.isLeader(), false);
    await s.advance(4_000);
    assert.equal(b.el.isLeader(), false, 'the lease is not expired yet on b’s clock');
    await s.advance(2_000);
    assert.equal(b.el.isLeader(), true);
    assert.deepEqual(b.log, ['leader=a', 'leader=b', 'started@16000']);
    assert.ok(a.errors.length > 0);
    b.stop.abort();
    await b.done;
  });

  it('a leader that sees another holder stops at once', async () => {
    const fake = new FakeKube();
    const s = new ManualScheduler(T0);
    const a = candidate(fake, s, 'a');
    await s.flush();
    const current = lease(fake);
    await fake.request('PUT', LEASE, { body: { ...current, spec: { ...current?.spec, holderIdentity: 'intruder', renewTime: microTime(T0 + 500) } } });
    await s.advance(2_000);
    await a.done;
    assert.deepEqual(a.log, ['leader=a', 'started@0', 'leader=intruder', 'signal@2000', 'stopped@2000']);
  });

  it('a conflicting write (409) is a lost race, not an error', async () => {
    const fake = new FakeKube();
    const s = new ManualScheduler(T0);
    fake.seed('/apis/coordination.k8s.io/v1/namespaces/kube-system/leases', { metadata: { name: 'stackube-controller', namespace: 'kube-system' }, spec: { holderIdentity: '' } } as Lease);
    fake.failNext('PUT', /leases/, () => new KubeError(409, 'PUT', LEASE, 'modified', undefined, 'Conflict'));
    const a = candidate(fake, s, 'a');
    await s.flush();
    assert.equal(a.el.isLeader(), false);
    await s.advance(2_000);
    assert.equal(a.el.isLeader(), true);
    assert.deepEqual(a.errors, []);
    a.stop.abort();
    await a.done;
  });

  it('waits for onStartedLeading to settle before releasing', async () => {
    const fake = new FakeKube();
    const s = new ManualScheduler(T0);
    const order: string[] = [];
    const a = candidate(fake, s, 'a', {
      callbacks: {
        onStartedLeading: (signal) => new Promise<void>((resolveP) => {
          signal.addEventListener('abort', () => s.setTimer(500, () => {
            order.push(`work drained, holder=${lease(fake)?.spec?.holderIdentity ?? ''}`);
            resolveP();
          }));
        }),
        onStoppedLeading: () => order.push(`stopped, holder=${lease(fake)?.spec?.holderIdentity ?? ''}`),
      },
    });
    await s.flush();
    a.stop.abort();
    await s.advance(500);
    await a.done;
    assert.deepEqual(order, ['work drained, holder=a', 'stopped, holder=']);
  });

  it('releaseOnCancel=false leaves the lease to expire', async () => {
    const fake = new FakeKube();
    const s = new ManualScheduler(T0);
    const a = candidate(fake, s, 'a', { releaseOnCancel: false });
    await s.flush();
    a.stop.abort();
    await a.done;
    assert.equal(lease(fake)?.spec?.holderIdentity, 'a');
  });

  it('run resolves without leading when stopped while campaigning', async () => {
    const fake = new FakeKube();
    const s = new ManualScheduler(T0);
    const a = candidate(fake, s, 'a');
    await s.flush();
    const b = candidate(fake, s, 'b');
    await s.advance(3_000);
    b.stop.abort();
    await b.done;
    assert.deepEqual(b.log, ['leader=a']);
    a.stop.abort();
    await a.done;
  });

  const invalid: { name: string; o: Partial<LeaderElectionOptions> }[] = [
    { name: 'leaseDuration ≤ renewDeadline', o: { leaseDurationMs: 10_000, renewDeadlineMs: 10_000 } },
    { name: 'renewDeadline ≤ 1.2 × retryPeriod', o: { renewDeadlineMs: 2_400, retryPeriodMs: 2_000 } },
    { name: 'retryPeriod 0', o: { retryPeriodMs: 0 } },
    { name: 'no identity', o: { identity: '' } },
  ];
  for (const c of invalid) {
    it(`rejects ${c.name}`, () => {
      assert.throws(() => new LeaderElector({
        client: new FakeKube(), namespace: 'n', name: 'l', identity: 'a', callbacks: { onStartedLeading: () => undefined, onStoppedLeading: () => undefined }, ...c.o,
      }), ValidationError);
    });
  }

  it('microTime has six fractional digits', () => {
    assert.equal(microTime(Date.UTC(2026, 4, 6, 7, 8, 9, 12)), '2026-05-06T07:08:09.012000Z');
  });
});
