/**
 * One error base for the whole project. `code` is stable (STACKUBE_ERR_<AREA>_<WHAT>) so callers,
 * tests and operators can match on it; `cause` keeps the underlying error.
 */
export class AppError extends Error {
  readonly code: string;
  /** Safe-to-show fields (never secrets). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, opts: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = opts.details ?? {};
  }
}

/** An error that retrying cannot fix (bad input, forbidden, invalid config). Never retried by runners. */
export class TerminalError extends AppError {}

/** Bad user or operator input. Maps to 4xx / CNI error / CLI usage exit code. */
export class ValidationError extends TerminalError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('STACKUBE_ERR_INPUT_INVALID', message, { details });
  }
}

/** Narrows an unknown thrown value to an Error without losing it. Never throws. */
export function toError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === 'string' ? e : `non-error thrown: ${String(e)}`);
}

/** Short human message for an unknown thrown value, including the cause chain. Never throws. */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  // The first value is always described (even `throw undefined`); only causes may be absent.
  for (let i = 0; i < 5 && (i === 0 || (cur !== undefined && cur !== null)); i++) {
    const err = toError(cur);
    if (!parts.includes(err.message)) parts.push(err.message);
    cur = (err as { cause?: unknown }).cause;
  }
  return parts.join(': ');
}
