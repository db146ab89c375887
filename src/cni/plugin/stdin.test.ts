import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { CNI_ERR } from '../spec/errors.js';
import { readStdin, type StdinSource } from './stdin.js';

const LIMITS = { maxBytes: 16, timeoutMs: 50 };

function chunks(...parts: (string | Uint8Array)[]): AsyncIterable<Uint8Array | string> {
  return Readable.from(parts, { objectMode: true }) as AsyncIterable<Uint8Array | string>;
}

describe('readStdin', () => {
  const cases: { name: string; src: () => StdinSource; want: string | number }[] = [
    { name: 'string', src: () => '{"a":1}', want: '{"a":1}' },
    { name: 'Uint8Array view', src: () => new Uint8Array(Buffer.from('xx{}xx')).subarray(2, 4), want: '{}' },
    { name: 'empty stream', src: () => chunks(), want: '' },
    { name: 'several chunks, Buffers and strings', src: () => chunks('{"a"', Buffer.from(':'), '1}'), want: '{"a":1}' },
    { name: 'exactly the cap', src: () => chunks('x'.repeat(8), 'y'.repeat(8)), want: `${'x'.repeat(8)}${'y'.repeat(8)}` },
    { name: 'string over the cap', src: () => 'x'.repeat(17), want: CNI_ERR.IO_FAILURE },
    { name: 'stream over the cap', src: () => chunks('x'.repeat(10), 'y'.repeat(10)), want: CNI_ERR.IO_FAILURE },
    { name: 'multi-byte characters counted as bytes', src: () => chunks('é'.repeat(9)), want: CNI_ERR.IO_FAILURE },
    { name: 'stream that errors', src: () => new Readable({ read() { this.destroy(new Error('EIO')); } }), want: CNI_ERR.IO_FAILURE },
    { name: 'stream that never ends', src: () => new Readable({ read() { /* never pushes */ } }), want: CNI_ERR.IO_FAILURE },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await readStdin(c.src(), LIMITS);
      if (typeof c.want === 'string') {
        assert.ok(r.ok, JSON.stringify(r));
        assert.equal(r.value.toString('utf8'), c.want);
      } else {
        assert.equal(r.ok ? 0 : r.error.code, c.want);
      }
    });
  }

  it('destroys a stream it gives up on', async () => {
    const s = new Readable({ read() { /* never pushes */ } });
    const r = await readStdin(s, LIMITS);
    assert.equal(r.ok, false);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(s.destroyed);
  });
});

describe('readStdin against a source that never yields to the event loop', () => {
  it('still gives up at the deadline (checked by the clock, not only the timer)', async () => {
    // Resolves every next() at once with an empty chunk: only microtasks run, so a timer alone would never fire.
    const busy: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve({ done: false, value: new Uint8Array(0) }) }) };
    const r = await readStdin(busy, { maxBytes: 16, timeoutMs: 20 });
    assert.equal(r.ok ? 0 : r.error.code, CNI_ERR.IO_FAILURE);
  });
});
