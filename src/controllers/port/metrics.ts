import { Counter, Gauge, type Registry } from '../../telemetry/metrics.js';

/** What happened to a port: created for a pod, claimed from a pool, created for a pool, deleted (released), garbage-collected. */
export type PortAction = 'created' | 'claimed' | 'pooled' | 'deleted' | 'collected';

/** Counts port operations (the port counter); a no-op in tests that do not care. */
export type CountPorts = (action: PortAction, n?: number) => void;

/** The port controller's Prometheus metrics. */
export interface PortMetrics {
  count: CountPorts;
  /** GC passes by result (ok, error). */
  gcPasses: Counter;
}

/**
 * Registers the port controller's metrics on registry: `stackube_port_operations_total{action}`,
 * `stackube_port_reserved` (pods holding a reserved port), `stackube_port_pool_ready` (ready pooled ports) and
 * `stackube_port_gc_passes_total{result}`. The gauges read their sources at scrape time. Call once per registry
 * (prom-client throws on a second registration).
 */
export function portMetrics(registry: Registry, sources: { reserved: () => number; poolReady: () => number }): PortMetrics {
  const registers = [registry];
  const ops = new Counter({ name: 'stackube_port_operations_total', help: 'Neutron ports created for pods, claimed from pools, created for pools, deleted on release, or garbage-collected', labelNames: ['action'], registers });
  new Gauge({ name: 'stackube_port_reserved', help: 'Pods holding a Neutron port reserved by this controller', registers, collect() { this.set(sources.reserved()); } });
  new Gauge({ name: 'stackube_port_pool_ready', help: 'Ready (unclaimed) ports in the warm pools this controller knows', registers, collect() { this.set(sources.poolReady()); } });
  const gcPasses = new Counter({ name: 'stackube_port_gc_passes_total', help: 'Port garbage-collection passes by result (ok, error)', labelNames: ['result'], registers });
  return { count: (action, n = 1) => { if (n > 0) ops.inc({ action }, n); }, gcPasses };
}
