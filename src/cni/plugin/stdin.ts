import { CNI_ERR, invalid, type Validation } from '../spec/errors.js';

/** Where stdin comes from: already in memory (tests), or a stream such as process.stdin. */
export type StdinSource = string | Uint8Array | AsyncIterable<Uint8Array | string>;

/** Limits for readStdin. */
export interface ReadStdinOptions {
  maxBytes: number;
  timeoutMs: number;
}

/**
 * Reads all of stdin into a Buffer, refusing more than maxBytes and giving up after timeoutMs (both code 5).
 * Never rejects and never waits longer than timeoutMs: a runtime that forgets to close stdin gets an error, not a hang.
 * On failure the stream is released (destroyed if it is a stream, else its iterator's return()).
 */
export async function readStdin(src: StdinSource, opts: ReadStdinOptions): Promise<Validation<Buffer>> {
  if (typeof src === 'string' || src instanceof Uint8Array) {
    const buf = typeof src === 'string' ? Buffer.from(src, 'utf8') : Buffer.from(src.buffer, src.byteOffset, src.byteLength);
    return buf.byteLength > opts.maxBytes ? tooLarge(opts.maxBytes) : { ok: true, value: buf };
  }
  const it = src[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), opts.timeoutMs);
  });
  const chunks: Buffer[] = [];
  let total = 0;
  // Also checked by the clock: a source that answers from microtasks alone (never yielding to the event loop)
  // would starve the timer.
  const deadline = Date.now() + opts.timeoutMs;
  try {
    for (;;) {
      const next = await Promise.race([it.next(), timedOut]);
      if (next === 'timeout' || Date.now() > deadline) {
        release(src, it);
        return invalid(CNI_ERR.IO_FAILURE, 'stdin was not closed in time', `no end of input after ${opts.timeoutMs} ms`);
      }
      if (next.done === true) break;
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : Buffer.from(next.value);
      total += chunk.byteLength;
      if (total > opts.maxBytes) {
        release(src, it);
        return tooLarge(opts.maxBytes);
      }
      chunks.push(chunk);
    }
  } catch (e) {
    return invalid(CNI_ERR.IO_FAILURE, 'cannot read stdin', e instanceof Error ? e.message : String(e));
  } finally {
    clearTimeout(timer);
  }
  return { ok: true, value: Buffer.concat(chunks, total) };
}

function tooLarge(maxBytes: number): Validation<Buffer> {
  return invalid(CNI_ERR.IO_FAILURE, 'network configuration on stdin is too large', `more than ${maxBytes} bytes`);
}

function release(src: object, it: AsyncIterator<unknown>): void {
  // A Readable's iterator only honours return() after its pending next() settles, which a stuck stream never does:
  // destroy the stream itself when we can.
  const destroy = (src as { destroy?: unknown }).destroy;
  if (typeof destroy === 'function') {
    (destroy as () => void).call(src);
    return;
  }
  // Not awaited: a stuck source must not hold us; we only ask it to stop, and its answer changes nothing.
  if (it.return !== undefined) it.return().catch(() => undefined);
}
