/** Exponential backoff with full jitter. Pure: the random source is injected. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Returns a number in [0, 1). */
  random?: () => number;
}

/** Delay before retry number `attempt` (0-based). Never negative, never above maxMs. */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt));
  const r = (opts.random ?? Math.random)();
  return Math.floor(cap / 2 + (cap / 2) * r);
}
