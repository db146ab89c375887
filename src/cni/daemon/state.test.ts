import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStateStore, parseState, stateFileName, type ContainerState } from './state.js';

const state = (o: Partial<ContainerState> = {}): ContainerState => ({
  v: 1, containerId: 'c1', ifName: 'eth0', netns: '/run/netns/a', hostIf: 'tapeeeeeeee-11', tempIf: 'stk000000000001', alias: 'stackube:linuxbridge:p:c1',
  driver: 'linuxbridge', portId: 'eeeeeeee-1111-4111-8111-111111111111', networkId: 'eeeeeeee-2222-4222-8222-222222222222', mac: 'fa:16:3e:aa:bb:cc', mtu: 1450,
  pod: { namespace: 'acme', name: 'web', uid: 'uid-1' }, phase: 'creating', createdAt: '2026-01-01T00:00:00.000Z', ...o,
});

describe('fileStateStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stackube-node-state-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('put, get, list and delete, with 0600 files in a 0700 directory and no temp files left', async () => {
    const s = fileStateStore({ dir });
    await s.init();
    assert.equal(await s.get('c1'), undefined);
    await s.put(state());
    await s.put(state({ phase: 'ready' }));
    await s.put(state({ containerId: 'c2' }));
    assert.equal((await s.get('c1'))?.phase, 'ready');
    assert.deepEqual((await s.list()).map((x) => x.containerId), ['c1', 'c2']);
    assert.deepEqual(readdirSync(s.path).sort(), ['c1.json', 'c2.json']);
    assert.equal(statSync(join(s.path, 'c1.json')).mode & 0o777, 0o600);
    assert.equal(statSync(s.path).mode & 0o777, 0o700);
    await s.delete('c1');
    await s.delete('c1');
    assert.deepEqual((await s.list()).map((x) => x.containerId), ['c2']);
  });

  it('ignores and reports corrupt files; init removes leftovers of a crashed write', async () => {
    const bad: string[] = [];
    const s = fileStateStore({ dir, onCorrupt: (f) => bad.push(f) });
    await s.init();
    writeFileSync(join(s.path, 'broken.json'), '{"v":1');
    writeFileSync(join(s.path, 'c9.json.tmp-abc'), 'partial');
    assert.deepEqual((await s.list()).map((x) => x.containerId), ['c2']);
    assert.equal(await s.get('broken'), undefined);
    assert.equal(bad.length, 2);
    await s.init();
    assert.ok(!readdirSync(s.path).some((f) => f.includes('.tmp-')));
  });

  it('hashes container IDs too long for a file name', async () => {
    const long = 'x'.repeat(300);
    assert.match(stateFileName(long), /^sha256-[0-9a-f]{64}\.json$/);
    const s = fileStateStore({ dir });
    await s.put(state({ containerId: long }));
    assert.equal((await s.get(long))?.containerId, long);
    await s.delete(long);
  });

  it('list of a directory that does not exist is empty', async () => {
    assert.deepEqual(await fileStateStore({ dir: join(dir, 'nope') }).list(), []);
  });
});

describe('parseState', () => {
  const cases: [string, string, boolean][] = [
    ['a full state', JSON.stringify(state()), true],
    ['not JSON', '{', false],
    ['another version', JSON.stringify({ ...state(), v: 2 }), false],
    ['an unknown driver', JSON.stringify({ ...state(), driver: 'vpp' }), false],
    ['an unknown phase', JSON.stringify({ ...state(), phase: 'done' }), false],
    ['no pod', JSON.stringify({ ...state(), pod: null }), false],
    ['null', 'null', false],
  ];
  for (const [name, text, ok] of cases) it(name, () => assert.equal(parseState(text) !== undefined, ok));
});
