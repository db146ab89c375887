import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAlreadyExists, isConflict, isGone, isNotFound, KubeError } from './client.js';
import { FakeKube } from './fake-kube.js';
import type { KubeObject, ResourceType } from './objects.js';
import {
  apiVersionOf, applyStatus, createOrUpdate, deleteObject, ensureFinalizer, getObject, objectKey, ownerReference, removeFinalizer,
  RESOURCES, resourcePath, splitKey, updateStatus,
} from './objects.js';

const TENANTS: ResourceType = { group: 'stackube.kubernetes.io', version: 'v1', plural: 'tenants', namespaced: false, kind: 'Tenant' };
const CMS = '/api/v1/namespaces/ns/configmaps';
const FIN = 'stackube.kubernetes.io/cleanup';

describe('resource paths and keys', () => {
  const paths: { name: string; r: ResourceType; ns?: string; obj?: string; want: string }[] = [
    { name: 'core cluster-scoped collection', r: RESOURCES.namespaces, want: '/api/v1/namespaces' },
    { name: 'core cluster-scoped object', r: RESOURCES.namespaces, obj: 'a', want: '/api/v1/namespaces/a' },
    { name: 'core namespaced object', r: RESOURCES.configMaps, ns: 'ns', obj: 'x', want: '/api/v1/namespaces/ns/configmaps/x' },
    { name: 'all-namespaces collection', r: RESOURCES.configMaps, want: '/api/v1/configmaps' },
    { name: 'group resource', r: RESOURCES.leases, ns: 'kube-system', obj: 'l', want: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l' },
    { name: 'CRD cluster-scoped', r: TENANTS, obj: 't1', want: '/apis/stackube.kubernetes.io/v1/tenants/t1' },
    { name: 'names are encoded', r: RESOURCES.configMaps, ns: 'ns', obj: 'a/b', want: '/api/v1/namespaces/ns/configmaps/a%2Fb' },
  ];
  for (const c of paths) it(c.name, () => assert.equal(resourcePath(c.r, c.ns, c.obj), c.want));

  it('refuses a namespace on a cluster-scoped type', () => {
    assert.throws(() => resourcePath(TENANTS, 'ns', 'x'), TypeError);
  });

  it('apiVersionOf', () => {
    assert.equal(apiVersionOf(RESOURCES.configMaps), 'v1');
    assert.equal(apiVersionOf(TENANTS), 'stackube.kubernetes.io/v1');
  });

  const keys: { obj: KubeObject; key: string; split: { namespace: string; name: string } }[] = [
    { obj: { metadata: { name: 'a', namespace: 'ns' } }, key: 'ns/a', split: { namespace: 'ns', name: 'a' } },
    { obj: { metadata: { name: 't1' } }, key: 't1', split: { namespace: '', name: 't1' } },
    { obj: {}, key: '', split: { namespace: '', name: '' } },
  ];
  for (const c of keys) {
    it(`objectKey/splitKey ${JSON.stringify(c.key)}`, () => {
      assert.equal(objectKey(c.obj), c.key);
      assert.deepEqual(splitKey(c.key), c.split);
    });
  }

  it('ownerReference marks the controller and needs identity', () => {
    assert.deepEqual(ownerReference({ apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name: 't', uid: 'u' } }),
      { apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', name: 't', uid: 'u', controller: true, blockOwnerDeletion: true });
    assert.throws(() => ownerReference({ metadata: { name: 't' } }), TypeError);
  });
});

describe('KubeError helpers', () => {
  const err = (status: number, reason?: string): KubeError => new KubeError(status, 'GET', '/x', 'm', undefined, reason);
  const cases: { name: string; e: unknown; nf: boolean; conflict: boolean; exists: boolean; gone: boolean }[] = [
    { name: '404', e: err(404, 'NotFound'), nf: true, conflict: false, exists: false, gone: false },
    { name: '409 Conflict', e: err(409, 'Conflict'), nf: false, conflict: true, exists: false, gone: false },
    { name: '409 without reason', e: err(409), nf: false, conflict: true, exists: false, gone: false },
    { name: '409 AlreadyExists', e: err(409, 'AlreadyExists'), nf: false, conflict: false, exists: true, gone: false },
    { name: '410', e: err(410, 'Expired'), nf: false, conflict: false, exists: false, gone: true },
    { name: 'unreachable', e: err(0), nf: false, conflict: false, exists: false, gone: false },
    { name: 'not a KubeError', e: new Error('404'), nf: false, conflict: false, exists: false, gone: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual([isNotFound(c.e), isConflict(c.e), isAlreadyExists(c.e), isGone(c.e)], [c.nf, c.conflict, c.exists, c.gone]);
    });
  }
});

describe('createOrUpdate (server-side apply)', () => {
  it('PATCHes apply with force and the field manager, filling apiVersion and kind; re-applying changes nothing', async () => {
    const fake = new FakeKube();
    const obj = { metadata: { name: 'x', namespace: 'ns', labels: { a: 'b' } }, data: { k: 'v' } };
    const first = await createOrUpdate(fake, RESOURCES.configMaps, obj, { fieldManager: 'tenant-controller' });
    const second = await createOrUpdate(fake, RESOURCES.configMaps, obj, { fieldManager: 'tenant-controller' });
    assert.equal(second.metadata?.resourceVersion, first.metadata?.resourceVersion, 'idempotent');
    const calls = fake.callsTo('PATCH');
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[0], {
      method: 'PATCH', path: `${CMS}/x`, patchType: 'apply', force: true, fieldManager: 'tenant-controller',
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns', labels: { a: 'b' } }, data: { k: 'v' } },
    });
    const third = await createOrUpdate(fake, RESOURCES.configMaps, { ...obj, data: { k: 'w' } });
    assert.notEqual(third.metadata?.resourceVersion, first.metadata?.resourceVersion);
    assert.equal(fake.callsTo('PATCH')[2]?.fieldManager, undefined, 'the client default manager');
  });

  it('cluster-scoped objects get no namespace in the path', async () => {
    const fake = new FakeKube();
    await createOrUpdate(fake, TENANTS, { metadata: { name: 't1' }, spec: {} });
    assert.equal(fake.calls[0]?.path, '/apis/stackube.kubernetes.io/v1/tenants/t1');
  });

  it('needs a name', async () => {
    await assert.rejects(createOrUpdate(new FakeKube(), RESOURCES.configMaps, { metadata: { namespace: 'ns' } }), TypeError);
  });
});

describe('finalizers', () => {
  it('ensureFinalizer adds with a resourceVersion precondition, then is a no-op', async () => {
    const fake = new FakeKube();
    const obj = fake.seed(CMS, { metadata: { name: 'x', namespace: 'ns', finalizers: ['other'] } });
    const updated = await ensureFinalizer(fake, RESOURCES.configMaps, obj, FIN);
    assert.deepEqual(updated.metadata?.finalizers, ['other', FIN]);
    assert.deepEqual(fake.calls[0], { method: 'PATCH', path: `${CMS}/x`, patchType: 'merge', body: { metadata: { finalizers: ['other', FIN], resourceVersion: obj.metadata?.resourceVersion } } });
    const again = await ensureFinalizer(fake, RESOURCES.configMaps, updated, FIN);
    assert.equal(again, updated);
    assert.equal(fake.calls.length, 1);
  });

  it('ensureFinalizer with a stale object rejects with a conflict', async () => {
    const fake = new FakeKube();
    const obj = fake.seed(CMS, { metadata: { name: 'x', namespace: 'ns' } });
    await fake.patch(`${CMS}/x`, { data: { k: 'v' } }, { type: 'merge' });
    await assert.rejects(ensureFinalizer(fake, RESOURCES.configMaps, obj, FIN), (e: unknown) => isConflict(e));
  });

  it('ensureFinalizer leaves an object being deleted alone', async () => {
    const fake = new FakeKube();
    const obj = { metadata: { name: 'x', namespace: 'ns', deletionTimestamp: '2026-01-01T00:00:00Z' } };
    assert.equal(await ensureFinalizer(fake, RESOURCES.configMaps, obj, FIN), obj);
    assert.equal(fake.calls.length, 0);
  });

  it('removeFinalizer removes only its own, is a no-op when absent, and lets a deleting object go', async () => {
    const fake = new FakeKube();
    const obj = fake.seed(CMS, { metadata: { name: 'x', namespace: 'ns', finalizers: [FIN, 'other'] } });
    const kept = await removeFinalizer(fake, RESOURCES.configMaps, obj, FIN);
    assert.deepEqual(kept?.metadata?.finalizers, ['other']);
    assert.equal(await removeFinalizer(fake, RESOURCES.configMaps, kept ?? {}, FIN), kept);
    assert.equal(fake.calls.length, 1);

    const last = fake.seed(CMS, { metadata: { name: 'y', namespace: 'ns', finalizers: [FIN] } });
    await fake.delete(`${CMS}/y`);
    const deleting = fake.peek(`${CMS}/y`) ?? {};
    assert.ok(deleting.metadata?.deletionTimestamp);
    await removeFinalizer(fake, RESOURCES.configMaps, deleting, FIN);
    assert.equal(fake.peek(`${CMS}/y`), undefined, 'gone once its last finalizer is removed');
    assert.deepEqual(fake.callsTo('PATCH', `${CMS}/y`)[0]?.body, { metadata: { finalizers: null, resourceVersion: deleting.metadata?.resourceVersion } });
    assert.notEqual(last.metadata?.resourceVersion, deleting.metadata?.resourceVersion);
  });

  it('removeFinalizer resolves undefined when the object is already gone', async () => {
    const fake = new FakeKube();
    assert.equal(await removeFinalizer(fake, RESOURCES.configMaps, { metadata: { name: 'gone', namespace: 'ns', finalizers: [FIN] } }, FIN), undefined);
  });
});

describe('status', () => {
  it('updateStatus merge-patches /status with the resourceVersion and keeps spec', async () => {
    const fake = new FakeKube();
    const obj = fake.seed('/apis/stackube.kubernetes.io/v1/tenants', { metadata: { name: 't1' }, spec: { a: 1 } } as KubeObject);
    const out = await updateStatus(fake, TENANTS, { ...obj, status: { phase: 'Ready' } });
    assert.deepEqual((out as { status?: unknown }).status, { phase: 'Ready' });
    assert.deepEqual((out as { spec?: unknown }).spec, { a: 1 });
    assert.deepEqual(fake.calls[0], { method: 'PATCH', path: '/apis/stackube.kubernetes.io/v1/tenants/t1/status', patchType: 'merge', body: { metadata: { resourceVersion: obj.metadata?.resourceVersion }, status: { phase: 'Ready' } } });
    await assert.rejects(updateStatus(fake, TENANTS, { ...obj, status: { phase: 'Old' } }), (e: unknown) => isConflict(e));
  });

  it('applyStatus server-side applies /status and 404s for a missing object', async () => {
    const fake = new FakeKube();
    fake.seed('/apis/stackube.kubernetes.io/v1/tenants', { metadata: { name: 't1' } });
    await applyStatus(fake, TENANTS, { metadata: { name: 't1', resourceVersion: 'ignored' }, status: { ok: true } }, { fieldManager: 'm' });
    assert.deepEqual(fake.calls[0], {
      method: 'PATCH', path: '/apis/stackube.kubernetes.io/v1/tenants/t1/status', patchType: 'apply', force: true, fieldManager: 'm',
      body: { apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name: 't1' }, status: { ok: true } },
    });
    await assert.rejects(applyStatus(fake, TENANTS, { metadata: { name: 'nope' }, status: {} }), (e: unknown) => isNotFound(e));
  });
});

describe('getObject and deleteObject', () => {
  it('getObject resolves undefined on 404 and rethrows other failures', async () => {
    const fake = new FakeKube();
    assert.equal(await getObject(fake, RESOURCES.configMaps, 'ns', 'x'), undefined);
    fake.failNext('GET', /x$/, () => new KubeError(500, 'GET', '/x', 'boom'));
    await assert.rejects(getObject(fake, RESOURCES.configMaps, 'ns', 'x'), KubeError);
  });

  it('deleteObject: true when deleted, false when already gone, 409 on a failed precondition', async () => {
    const fake = new FakeKube();
    const obj = fake.seed(CMS, { metadata: { name: 'x', namespace: 'ns' } });
    await assert.rejects(deleteObject(fake, RESOURCES.configMaps, 'ns', 'x', { preconditions: { uid: 'other' } }), (e: unknown) => isConflict(e));
    assert.equal(await deleteObject(fake, RESOURCES.configMaps, 'ns', 'x', { preconditions: { uid: obj.metadata?.uid ?? '' }, propagationPolicy: 'Foreground' }), true);
    assert.equal(await deleteObject(fake, RESOURCES.configMaps, 'ns', 'x'), false);
    assert.deepEqual(fake.callsTo('DELETE')[1]?.body, { preconditions: { uid: obj.metadata?.uid }, propagationPolicy: 'Foreground' });
  });
});
