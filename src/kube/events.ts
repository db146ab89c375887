import { randomBytes } from 'node:crypto';
import { TtlCache } from '../lib/ttl-cache.js';
import type { KubeApi } from './client.js';
import { isNotFound } from './client.js';
import type { KubeObject } from './objects.js';
import { RESOURCES, resourcePath } from './objects.js';
import type { Scheduler } from './scheduler.js';
import { systemScheduler } from './scheduler.js';

/** core/v1 Event types. */
export type EventType = 'Normal' | 'Warning';

/** The object an Event is about. */
export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

/** Construction options for EventRecorder. */
export interface EventRecorderOptions {
  client: Pick<KubeApi, 'request' | 'patch'>;
  /** reportingController and source.component, e.g. `stackube.kubernetes.io/tenant-controller`. */
  controller: string;
  /** reportingInstance and source.host, e.g. the pod name. */
  instance: string;
  /** Repeats of the same object + type + reason within this window patch one Event. Default 10 min. */
  aggregateWindowMs?: number;
  /** Aggregation entries kept (default 4096). */
  maxEntries?: number;
  scheduler?: Scheduler;
  /** Told when an Event cannot be written; recording never throws into the caller. */
  onError?: (e: unknown) => void;
}

interface Seen {
  namespace: string;
  name: string;
  count: number;
}

/**
 * Records core/v1 Events for outcomes users should see. Reasons are constants the calling controller defines
 * (UpperCamelCase, e.g. `ProjectCreated`). The first event for an object + type + reason creates an Event;
 * repeats within the window patch its count, message and lastTimestamp instead of creating new ones (like
 * client-go's EventCorrelator). Writes run in the background and in order per aggregation key; failures go to
 * onError. Events about cluster-scoped objects go to the `default` namespace, as kubectl expects.
 */
export class EventRecorder {
  private readonly scheduler: Scheduler;
  private readonly windowMs: number;
  private readonly seen: TtlCache<string, Seen>;
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly o: EventRecorderOptions) {
    this.scheduler = o.scheduler ?? systemScheduler;
    this.windowMs = o.aggregateWindowMs ?? 10 * 60_000;
    this.seen = new TtlCache(this.scheduler, o.maxEntries ?? 4096);
  }

  /**
   * Records an event about obj (a KubeObject with apiVersion, kind and name, or an ObjectReference). Returns at
   * once; never throws (a bad reference or a failed write goes to onError).
   */
  event(obj: KubeObject | ObjectReference, type: EventType, reason: string, message: string): void {
    let ref: ObjectReference;
    try {
      ref = toReference(obj);
    } catch (e) {
      this.o.onError?.(e);
      return;
    }
    const key = [ref.apiVersion, ref.kind, ref.namespace ?? '', ref.name, ref.uid ?? '', type, reason].join('\u0000');
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev.then(() => this.write(key, ref, type, reason, message)).catch((e: unknown) => this.o.onError?.(e));
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  /** Resolves when every event recorded so far has been written (or failed). Never rejects. */
  async flush(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  private async write(key: string, ref: ObjectReference, type: EventType, reason: string, message: string): Promise<void> {
    const now = this.scheduler.now();
    const ts = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const seen = this.seen.get(key);
    if (seen !== undefined) {
      try {
        await this.o.client.patch(resourcePath(RESOURCES.events, seen.namespace, seen.name), { count: seen.count + 1, lastTimestamp: ts, message: truncate(message) }, { type: 'merge' });
        this.seen.set(key, { ...seen, count: seen.count + 1 }, now + this.windowMs);
        return;
      } catch (e) {
        // The apiserver expires Events (1 h by default); then a new one is created below.
        if (!isNotFound(e)) throw e;
      }
    }
    const namespace = ref.namespace || 'default';
    const suffix = `.${now.toString(16)}${randomBytes(3).toString('hex')}`;
    // Event names are DNS subdomains (≤ 253 characters), like client-go's `<object>.<unique>`.
    const name = `${ref.name.slice(0, 253 - suffix.length).replace(/[-.]+$/, '')}${suffix}`;
    await this.o.client.request('POST', resourcePath(RESOURCES.events, namespace), {
      body: {
        apiVersion: 'v1', kind: 'Event',
        metadata: { name, namespace },
        involvedObject: ref, reason, message: truncate(message), type,
        firstTimestamp: ts, lastTimestamp: ts, count: 1,
        source: { component: this.o.controller, host: this.o.instance },
        reportingComponent: this.o.controller, reportingInstance: this.o.instance,
      },
    });
    this.seen.set(key, { namespace, name, count: 1 }, now + this.windowMs);
  }
}

/** The reference to obj an Event carries. Throws TypeError when apiVersion, kind or name is missing. */
export function toReference(obj: KubeObject | ObjectReference): ObjectReference {
  if (isReference(obj)) {
    if (!obj.apiVersion || !obj.kind || !obj.name) throw new TypeError('event reference needs apiVersion, kind and name');
    return obj;
  }
  const o = obj;
  const name = o.metadata?.name;
  if (!o.apiVersion || !o.kind || !name) throw new TypeError('event object needs apiVersion, kind and metadata.name');
  return {
    apiVersion: o.apiVersion, kind: o.kind, name,
    ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
    ...(o.metadata?.uid ? { uid: o.metadata.uid } : {}),
    ...(o.metadata?.resourceVersion ? { resourceVersion: o.metadata.resourceVersion } : {}),
  };
}

function isReference(x: KubeObject | ObjectReference): x is ObjectReference {
  return 'name' in x && !('metadata' in x);
}

/** The apiserver rejects Event messages over 1 KiB in the events.k8s.io API; keep ours within that everywhere. */
function truncate(message: string): string {
  return message.length > 1024 ? `${message.slice(0, 1021)}...` : message;
}
