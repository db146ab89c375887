import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualScheduler, sleepOn } from '../../kube/scheduler.js';
import { OpenStackError } from '../../openstack/core/errors.js';
import { CniFailure, DeadlineError } from './errors.js';
import { waitForPortActive } from './port-status.js';
import { FakePortStatus } from './testing.js';

const os = (status: number): OpenStackError => new OpenStackError({ service: 'network', method: 'GET', url: 'http://n/v2.0/ports/p', status });

async function wait(script: (call: number) => string | undefined, o: { timeoutMs?: number; abortAt?: number } = {}): Promise<{ outcome: unknown; calls: number; elapsed: number }> {
  const s = new ManualScheduler(0);
  const src = new FakePortStatus((_id, call) => script(call));
  const ac = new AbortController();
  if (o.abortAt !== undefined) s.setTimer(o.abortAt, () => ac.abort(new Error('deadline')));
  let outcome: unknown = 'pending';
  const p = waitForPortActive(src, 'p', { timeoutMs: o.timeoutMs ?? 1000, signal: ac.signal, now: () => s.now(), sleep: (ms, sig) => sleepOn(s, ms, sig) })
    .then(() => (outcome = 'active'), (e: unknown) => (outcome = e));
  for (let i = 0; i < 100 && outcome === 'pending'; i++) await s.advance(50);
  await p;
  return { outcome, calls: src.calls, elapsed: s.now() };
}

describe('waitForPortActive', () => {
  it('returns at once when ACTIVE', async () => {
    const r = await wait(() => 'ACTIVE');
    assert.deepEqual([r.outcome, r.calls], ['active', 1]);
  });
  it('polls every 200 ms until ACTIVE', async () => {
    const r = await wait((c) => (c < 3 ? 'BUILD' : 'ACTIVE'));
    assert.deepEqual([r.outcome, r.calls], ['active', 4]);
  });
  it('times out with 11 naming the last status', async () => {
    const r = await wait(() => 'DOWN', { timeoutMs: 1000 });
    assert.ok(r.outcome instanceof CniFailure && r.outcome.cniCode === 11 && /within 1000 ms \(status DOWN\)/.test(r.outcome.message), String(r.outcome));
    assert.equal(r.calls, 6, 'at 0, 200, … 1000 ms');
  });
  it('keeps polling through transient Neutron errors, and names the last one at the timeout', async () => {
    const r = await wait(() => { throw os(503); });
    assert.ok(r.outcome instanceof CniFailure && r.outcome.cniCode === 11 && /Neutron error: .*HTTP 503/.test(r.outcome.message), String(r.outcome));
  });
  it('a non-transient Neutron error rejects at once with it', async () => {
    const r = await wait(() => { throw os(401); });
    assert.ok(r.outcome instanceof OpenStackError && r.outcome.status === 401);
    assert.equal(r.calls, 1);
  });
  it('a missing port is 11', async () => {
    const r = await wait(() => undefined);
    assert.ok(r.outcome instanceof CniFailure && r.outcome.cniCode === 11 && /does not exist/.test(r.outcome.message));
  });
  it('the request deadline ends the wait with DeadlineError', async () => {
    const r = await wait(() => 'BUILD', { timeoutMs: 10_000, abortAt: 500 });
    assert.ok(r.outcome instanceof DeadlineError && /last: status BUILD/.test(r.outcome.message), String(r.outcome));
  });
});
