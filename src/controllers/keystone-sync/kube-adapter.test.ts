import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeKube } from '../../kube/fake-kube.js';
import type { KubeApi } from '../../kube/client.js';
import { syncKubeAdapter } from './kube-adapter.js';

const TENANTS = '/apis/stackube.kubernetes.io/v1/tenants';
const ID1 = '1a2b3c4d5e6f708192a3b4c5d6e7f801';

function setup() {
  const api = new FakeKube();
  const events: string[] = [];
  const kube = syncKubeAdapter(api, (ref, type, reason) => events.push(`${ref.kind}/${ref.name}/${ref.uid ?? ''} ${type} ${reason}`));
  return { api, kube, events };
}

describe('syncKubeAdapter', () => {
  it('creates a Tenant by server-side apply as stackube-keystone-sync, adopting the project', async () => {
    const { api, kube } = setup();
    const ref = await kube.applyTenant({ name: 'alpha', projectId: ID1 });
    const [call] = api.callsTo('PATCH', `${TENANTS}/alpha`);
    assert.equal(call?.patchType, 'apply');
    assert.equal(call?.fieldManager, 'stackube-keystone-sync');
    assert.equal(call?.force, true);
    const stored = api.peek(`${TENANTS}/alpha`) as { metadata: { uid: string; labels: Record<string, string> }; spec: unknown };
    assert.deepEqual(stored.spec, { projectID: ID1 });
    assert.equal(stored.metadata.labels['stackube.kubernetes.io/keystone-sync'], 'true');
    assert.equal(ref.uid, stored.metadata.uid);
    assert.deepEqual(await kube.listTenants(), [{ name: 'alpha', uid: ref.uid, projectId: ID1, synced: true, markedDeleted: false, deleting: false }]);
  });

  it('sets and removes the deleted label with a merge patch carrying the uid; a gone Tenant resolves false', async () => {
    const { api, kube } = setup();
    const ref = await kube.applyTenant({ name: 'alpha', projectId: ID1 });
    assert.equal(await kube.labelProjectDeleted(ref, true), true);
    const patch = api.callsTo('PATCH', `${TENANTS}/alpha`).at(-1);
    assert.deepEqual([patch?.patchType, patch?.fieldManager, patch?.body], ['merge', 'stackube-keystone-sync', { metadata: { uid: ref.uid, labels: { 'stackube.kubernetes.io/keystone-project-deleted': 'true' } } }]);
    assert.equal((await kube.listTenants())[0]?.markedDeleted, true);
    assert.equal(await kube.labelProjectDeleted(ref, false), true);
    assert.equal((await kube.listTenants())[0]?.markedDeleted, false);
    assert.equal(await kube.labelProjectDeleted({ name: 'nope', uid: 'x' }, true), false);
  });

  it('deletes only the Tenant with that uid; a gone one resolves false', async () => {
    const { api, kube } = setup();
    const ref = await kube.applyTenant({ name: 'alpha', projectId: ID1 });
    await assert.rejects(kube.deleteTenant({ name: 'alpha', uid: 'someone-else' }), /uid precondition/);
    assert.equal(await kube.deleteTenant(ref), true);
    assert.deepEqual(api.callsTo('DELETE').at(-1)?.body, { preconditions: { uid: ref.uid } });
    assert.equal(await kube.deleteTenant(ref), false);
  });

  it('lists every page of namespaces', async () => {
    const pages: Record<string, unknown> = {
      '': { items: [{ metadata: { name: 'a' } }], metadata: { continue: 'c1' } },
      c1: { items: [{ metadata: { name: 'b' } }, { metadata: {} }], metadata: { continue: '' } },
    };
    const paths: string[] = [];
    const api = {
      request: (_m: string, path: string) => {
        paths.push(path);
        return Promise.resolve(pages[new URL(path, 'http://x').searchParams.get('continue') ?? '']);
      },
    } as unknown as KubeApi;
    assert.deepEqual(await syncKubeAdapter(api, () => undefined).listNamespaceNames(), ['a', 'b']);
    assert.deepEqual(paths, ['/api/v1/namespaces?limit=500', '/api/v1/namespaces?limit=500&continue=c1']);
  });

  it('refers to Tenants in Events by apiVersion, kind, name and uid', () => {
    const { kube, events } = setup();
    kube.event({ name: 'alpha', uid: 'u1' }, 'Warning', 'KeystoneProjectDeleted', 'm');
    assert.deepEqual(events, ['Tenant/alpha/u1 Warning KeystoneProjectDeleted']);
  });
});
