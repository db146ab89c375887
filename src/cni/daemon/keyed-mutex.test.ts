import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedMutex } from './keyed-mutex.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('KeyedMutex', () => {
  it('runs holders of one key one at a time, in arrival order; other keys do not wait', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const gates = new Map<string, () => void>();
    const job = (key: string, name: string): Promise<void> =>
      m.run(key, async () => {
        log.push(`start ${name}`);
        await new Promise<void>((r) => gates.set(name, r));
        log.push(`end ${name}`);
      });
    const a1 = job('a', 'a1');
    const a2 = job('a', 'a2');
    const b1 = job('b', 'b1');
    await tick();
    assert.deepEqual(log, ['start a1', 'start b1']);
    gates.get('b1')?.();
    gates.get('a1')?.();
    await tick();
    assert.deepEqual(log, ['start a1', 'start b1', 'end b1', 'end a1', 'start a2']);
    gates.get('a2')?.();
    await Promise.all([a1, a2, b1]);
    assert.equal(m.isHeld('a'), false);
  });

  it('a waiter whose signal aborts gives up without holding; the key still passes on', async () => {
    const m = new KeyedMutex();
    const release = await m.acquire('k');
    const ac = new AbortController();
    const waiting = m.acquire('k', ac.signal);
    const third = m.acquire('k');
    ac.abort(new Error('deadline'));
    await assert.rejects(waiting, /deadline/);
    release();
    const r3 = await third;
    assert.equal(m.isHeld('k'), true);
    r3();
    r3();
    assert.equal(m.isHeld('k'), false);
  });

  it('tryAcquire takes a free key and refuses a held one; an aborted signal refuses at once', async () => {
    const m = new KeyedMutex();
    const r = m.tryAcquire('k');
    assert.ok(r);
    assert.equal(m.tryAcquire('k'), undefined);
    r();
    assert.ok(m.tryAcquire('k'));
    await assert.rejects(m.acquire('other', AbortSignal.abort(new Error('gone'))), /gone/);
    assert.equal(m.isHeld('other'), false);
  });

  it('releases when fn throws', async () => {
    const m = new KeyedMutex();
    await assert.rejects(m.run('k', () => Promise.reject(new Error('x'))), /x/);
    assert.equal(m.isHeld('k'), false);
  });
});
