import { Counter, Gauge, Histogram, type Registry } from '../../telemetry/metrics.js';

/** CNI latency buckets (seconds): DEL takes milliseconds, ADD waits for the annotation and the agent (seconds). */
export const CNI_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60];

/** How a CNI request ended, as a metric label. */
export type CniResultLabel = 'success' | 'error' | 'not_ready' | 'bad_request';

/** stackube-node's metrics. */
export interface NodeMetrics {
  requestDuration: Histogram<'command' | 'result'>;
  inFlight: Gauge<'command'>;
  cleanups: Counter<'trigger' | 'action'>;
}

/** Registers the node daemon's metrics on a registry (one per process; tests make their own). */
export function nodeMetrics(registry: Registry): NodeMetrics {
  return {
    requestDuration: new Histogram({
      name: 'stackube_cni_request_duration_seconds',
      help: 'CNI requests served by stackube-node, by command (ADD, DEL, CHECK, STATUS, GC) and result (success, error, not_ready, bad_request)',
      labelNames: ['command', 'result'],
      buckets: CNI_BUCKETS,
      registers: [registry],
    }),
    inFlight: new Gauge({ name: 'stackube_cni_requests_in_flight', help: 'CNI requests stackube-node is serving now, by command', labelNames: ['command'], registers: [registry] }),
    cleanups: new Counter({
      name: 'stackube_node_cleanups_total',
      help: 'attachments torn down and leftover links deleted outside DEL, by trigger (reconcile, gc, add) and action (teardown, deleteLink)',
      labelNames: ['trigger', 'action'],
      registers: [registry],
    }),
  };
}
