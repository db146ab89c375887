import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KubeError } from './client.js';
import { EventRecorder, toReference } from './events.js';
import { FakeKube } from './fake-kube.js';
import { ManualScheduler } from './scheduler.js';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const cmap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns', uid: 'u1', resourceVersion: '9' } };
const tenant = { apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name: 't1', uid: 'u2' } };
const EVENTS = '/api/v1/namespaces/ns/events';

function setup(windowMs = 60_000): { fake: FakeKube; s: ManualScheduler; rec: EventRecorder; errors: unknown[] } {
  const fake = new FakeKube();
  const s = new ManualScheduler(T0);
  const errors: unknown[] = [];
  const rec = new EventRecorder({ client: fake, controller: 'stackube.kubernetes.io/test-controller', instance: 'pod-1', aggregateWindowMs: windowMs, scheduler: s, onError: (e) => errors.push(e) });
  return { fake, s, rec, errors };
}

describe('EventRecorder', () => {
  it('creates a core/v1 Event with the reference, reason, type, timestamps and reporting controller', async () => {
    const { fake, rec, errors } = setup();
    rec.event(cmap, 'Normal', 'ProjectCreated', 'created project p1');
    await rec.flush();
    assert.deepEqual(errors, []);
    const [ev] = fake.items(EVENTS);
    assert.ok(ev);
    assert.match(ev.metadata?.name ?? '', /^x\.[0-9a-f]+$/);
    const rest: Record<string, unknown> = { ...ev };
    delete rest['metadata'];
    assert.deepEqual(rest, {
      apiVersion: 'v1', kind: 'Event',
      involvedObject: { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', namespace: 'ns', uid: 'u1', resourceVersion: '9' },
      reason: 'ProjectCreated', message: 'created project p1', type: 'Normal',
      firstTimestamp: '2026-01-02T03:04:05Z', lastTimestamp: '2026-01-02T03:04:05Z', count: 1,
      source: { component: 'stackube.kubernetes.io/test-controller', host: 'pod-1' },
      reportingComponent: 'stackube.kubernetes.io/test-controller', reportingInstance: 'pod-1',
    });
  });

  it('aggregates repeats of object + type + reason within the window into count/lastTimestamp patches', async () => {
    const { fake, s, rec } = setup();
    rec.event(cmap, 'Warning', 'SyncFailed', 'attempt 1');
    rec.event(cmap, 'Warning', 'SyncFailed', 'attempt 2');
    await rec.flush();
    await s.advance(30_000);
    rec.event(cmap, 'Warning', 'SyncFailed', 'attempt 3');
    await rec.flush();
    const events = fake.items(EVENTS);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.['count'], 3);
    assert.equal(events[0]?.['message'], 'attempt 3');
    assert.equal(events[0]?.['firstTimestamp'], '2026-01-02T03:04:05Z');
    assert.equal(events[0]?.['lastTimestamp'], '2026-01-02T03:04:35Z');
    assert.deepEqual(fake.calls.map((c) => `${c.method} ${c.patchType ?? ''}`), ['POST ', 'PATCH merge', 'PATCH merge']);
  });

  const distinct: { name: string; second: () => [typeof cmap | typeof tenant, 'Normal' | 'Warning', string] }[] = [
    { name: 'another reason', second: () => [cmap, 'Warning', 'OtherReason'] },
    { name: 'another type', second: () => [cmap, 'Normal', 'SyncFailed'] },
    { name: 'another object', second: () => [{ ...cmap, metadata: { ...cmap.metadata, name: 'y', uid: 'u9' } }, 'Warning', 'SyncFailed'] },
  ];
  for (const c of distinct) {
    it(`${c.name} makes a separate Event`, async () => {
      const { fake, rec } = setup();
      rec.event(cmap, 'Warning', 'SyncFailed', 'm');
      rec.event(...c.second(), 'm');
      await rec.flush();
      assert.equal(fake.callsTo('POST').length, 2);
    });
  }

  it('after the window a repeat creates a new Event', async () => {
    const { fake, s, rec } = setup(1_000);
    rec.event(cmap, 'Normal', 'Synced', 'ok');
    await rec.flush();
    await s.advance(1_000);
    rec.event(cmap, 'Normal', 'Synced', 'ok');
    await rec.flush();
    assert.equal(fake.callsTo('POST').length, 2);
    assert.equal(fake.callsTo('PATCH').length, 0);
  });

  it('an Event that expired on the server (404 on patch) is created again', async () => {
    const { fake, rec, errors } = setup();
    rec.event(cmap, 'Normal', 'Synced', 'ok');
    await rec.flush();
    fake.failNext('PATCH', /events/, () => new KubeError(404, 'PATCH', '/e', 'not found', undefined, 'NotFound'));
    rec.event(cmap, 'Normal', 'Synced', 'ok');
    await rec.flush();
    assert.deepEqual(errors, []);
    assert.deepEqual(fake.calls.map((c) => c.method), ['POST', 'PATCH', 'POST']);
  });

  it('events about cluster-scoped objects go to the default namespace', async () => {
    const { fake, rec } = setup();
    rec.event(tenant, 'Normal', 'Ready', 'tenant ready');
    await rec.flush();
    assert.equal(fake.calls[0]?.path, '/api/v1/namespaces/default/events');
    assert.equal(fake.items('/api/v1/namespaces/default/events').length, 1);
  });

  it('never throws: a failed write or a bad reference goes to onError', async () => {
    const { fake, rec, errors } = setup();
    fake.failNext('POST', /events/, () => new KubeError(403, 'POST', '/e', 'forbidden'));
    rec.event(cmap, 'Normal', 'Synced', 'ok');
    rec.event({ metadata: { name: 'no-kind' } }, 'Normal', 'Synced', 'ok');
    await rec.flush();
    assert.equal(errors.length, 2);
    assert.ok(errors[0] instanceof TypeError, 'the bad reference is reported synchronously');
    assert.ok(errors[1] instanceof KubeError);
  });

  it('long messages are truncated and long names stay valid', async () => {
    const { fake, rec } = setup();
    const long = { ...cmap, metadata: { ...cmap.metadata, name: `${'a'.repeat(250)}-` } };
    rec.event(long, 'Normal', 'Synced', 'm'.repeat(5_000));
    await rec.flush();
    const body = fake.calls[0]?.body as { message: string; metadata: { name: string } };
    assert.equal(body.message.length, 1024);
    assert.ok(body.metadata.name.length <= 253);
    assert.match(body.metadata.name, /^a+\.[0-9a-f]+$/);
  });
});

describe('toReference', () => {
  it('accepts an ObjectReference as is and needs apiVersion, kind and name', () => {
    const ref = { apiVersion: 'v1', kind: 'Pod', name: 'p', namespace: 'ns' };
    assert.equal(toReference(ref), ref);
    assert.throws(() => toReference({ apiVersion: 'v1', kind: '', name: 'p' }), TypeError);
    assert.throws(() => toReference({ kind: 'Pod', metadata: { name: 'p' } }), TypeError);
  });
});
