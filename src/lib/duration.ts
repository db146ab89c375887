import { ValidationError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "250ms", "30s", "5m", "1h" or a bare number of seconds into ms. Throws ValidationError. */
export function parseDuration(input: string | number, what = 'duration'): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new ValidationError(`${what}: must be a non-negative number of seconds`);
    return input * 1000;
  }
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(input.trim());
  if (m === null) throw new ValidationError(`${what}: "${input}" is not a duration (examples: 500ms, 30s, 5m, 1h)`);
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1000));
}
