import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

/** A fresh registry with Node process metrics. One per binary (tests make their own). */
export function createRegistry(opts: { defaultMetrics?: boolean } = {}): Registry {
  const r = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: r });
  return r;
}

/** Latency buckets (seconds) suited to webhook and OpenStack calls: 0.5 ms to 10 s. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
