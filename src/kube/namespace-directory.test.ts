import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KubeError } from './client.js';
import { FakeKube } from './fake-kube.js';
import { NamespaceDirectory } from './namespace-directory.js';
import { ManualScheduler } from './scheduler.js';

const NS = '/api/v1/namespaces';
const LABEL = 'stackube.kubernetes.io/project-id';
const ns = (name: string, project?: string): { metadata: { name: string; labels?: Record<string, string> } } =>
  ({ metadata: { name, ...(project ? { labels: { [LABEL]: project } } : {}) } });

describe('NamespaceDirectory', () => {
  it('maps namespaces to the project label and follows label changes and deletes', async () => {
    const fake = new FakeKube();
    const s = new ManualScheduler();
    fake.seed(NS, ns('alpha', 'p1'));
    fake.seed(NS, ns('plain'));
    const dir = new NamespaceDirectory({ client: fake, label: LABEL, retryDelay: () => 1, sleep: () => Promise.resolve() });
    assert.equal(dir.synced, false);
    assert.equal(dir.projectOf('alpha'), undefined);
    dir.start();
    await s.flush();
    assert.equal(dir.synced, true);
    assert.equal(dir.size, 2);
    const cases: { ns: string; want: string | undefined }[] = [
      { ns: 'alpha', want: 'p1' },
      { ns: 'plain', want: undefined },
      { ns: 'unknown', want: undefined },
    ];
    for (const c of cases) assert.equal(dir.projectOf(c.ns), c.want, c.ns);
    await fake.patch(`${NS}/plain`, { metadata: { labels: { [LABEL]: 'p2' } } }, { type: 'merge' });
    await fake.delete(`${NS}/alpha`);
    await fake.request('POST', NS, { body: ns('beta', 'p3') });
    await s.flush();
    assert.equal(dir.projectOf('plain'), 'p2');
    assert.equal(dir.projectOf('alpha'), undefined);
    assert.equal(dir.projectOf('beta'), 'p3');
    assert.equal(dir.size, 2);
    await dir.stop();
    await dir.stop();
  });

  it('reports failures (not 410s) and relists through the injected sleep', async () => {
    const fake = new FakeKube();
    const s = new ManualScheduler();
    const errors: unknown[] = [];
    const sleeps: number[] = [];
    fake.failNext('GET', /namespaces/, () => new KubeError(0, 'GET', NS, 'down'), 2);
    fake.failNext('WATCH', /namespaces/, () => new KubeError(410, 'GET', NS, 'gone'));
    const dir = new NamespaceDirectory({
      client: fake, label: LABEL, retryDelay: (a) => 10 ** a,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      onError: (e) => errors.push(e),
    });
    dir.start();
    await s.flush();
    assert.equal(dir.synced, true);
    assert.deepEqual(sleeps, [1, 10]);
    assert.equal(errors.length, 2);
    assert.equal(fake.callsTo('GET').length, 4, 'two failed lists, one good, one more after the 410');
    await dir.stop();
  });
});
