// Where the daemon learns about the pods of its node: an informer on pods with spec.nodeName=<node> (a field
// selector, so the apiserver sends this node's pods only), behind a small interface that tests fake.
import type { KubeApi } from '../../kube/client.js';
import { Informer } from '../../kube/informer.js';
import type { KubeObject } from '../../kube/objects.js';
import type { PodInfo } from './plan.js';

/** The pods of this node, as far as the daemon needs them. */
export interface PodSource {
  /** True once the first full list arrived (before that the daemon is not ready for ADD). */
  hasSynced(): boolean;
  /** The cached pod, or undefined. */
  get(namespace: string, name: string): PodInfo | undefined;
  /** uids of every cached pod. */
  uids(): Set<string>;
  /**
   * Resolves at the next change (add, update, delete) of that pod, or when signal aborts (never rejects). Call it
   * before reading the pod, so that a change between the read and the wait is not missed.
   */
  nextChange(namespace: string, name: string, signal: AbortSignal): Promise<void>;
}

/** The Pod fields the informer keeps. */
interface Pod extends KubeObject {
  spec?: { nodeName?: string };
}

/** A PodSource on an Informer; also the informer to start and stop. */
export interface InformerPodSource {
  source: PodSource;
  informer: Informer<Pod>;
}

/** Options of informerPodSource. */
export interface InformerPodSourceOptions {
  api: Pick<KubeApi, 'request' | 'watch'>;
  nodeName: string;
  onError?: (e: unknown) => void;
}

/** Change listeners per `namespace/name`; a tiny helper shared by the informer source and the test fake. */
export class PodChangeHub {
  private readonly listeners = new Map<string, Set<() => void>>();

  /** See PodSource.nextChange. */
  nextChange(namespace: string, name: string, signal: AbortSignal): Promise<void> {
    const key = `${namespace}/${name}`;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      let set = this.listeners.get(key);
      if (set === undefined) this.listeners.set(key, (set = new Set()));
      const s = set;
      const done = (): void => {
        s.delete(done);
        if (s.size === 0) this.listeners.delete(key);
        signal.removeEventListener('abort', done);
        resolve();
      };
      s.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes every waiter of that pod. */
  notify(namespace: string, name: string): void {
    for (const fn of [...(this.listeners.get(`${namespace}/${name}`) ?? [])]) fn();
  }

  /** Number of waiting callers (tests). */
  get waiting(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}

/** The daemon's view of a Pod object. Pure. */
export function podInfo(p: KubeObject): PodInfo {
  const m = p.metadata ?? {};
  return { namespace: m.namespace ?? '', name: m.name ?? '', uid: m.uid ?? '', annotations: m.annotations ?? {} };
}

/** A PodSource fed by an informer on this node's pods. Does no I/O until the informer is started. */
export function informerPodSource(o: InformerPodSourceOptions): InformerPodSource {
  const informer = new Informer<Pod>({
    client: o.api,
    path: '/api/v1/pods',
    fieldSelector: `spec.nodeName=${o.nodeName}`,
    ...(o.onError === undefined ? {} : { onError: o.onError }),
  });
  const hub = new PodChangeHub();
  const touch = (p: Pod): void => hub.notify(p.metadata?.namespace ?? '', p.metadata?.name ?? '');
  informer.addHandlers({ onAdd: touch, onUpdate: (_old, p) => touch(p), onDelete: touch });
  const source: PodSource = {
    hasSynced: () => informer.hasSynced(),
    get: (namespace, name) => {
      const p = informer.get(`${namespace}/${name}`);
      return p === undefined ? undefined : podInfo(p);
    },
    uids: () => new Set(informer.list().flatMap((p) => (p.metadata?.uid ? [p.metadata.uid] : []))),
    nextChange: (namespace, name, signal) => hub.nextChange(namespace, name, signal),
  };
  return { source, informer };
}

/** An in-memory PodSource for tests (and the integration test, which runs without an apiserver). */
export class StaticPodSource implements PodSource {
  private readonly pods = new Map<string, PodInfo>();
  private readonly hub = new PodChangeHub();
  synced = true;

  /** Adds or replaces a pod and wakes its waiters. */
  set(pod: PodInfo): void {
    this.pods.set(`${pod.namespace}/${pod.name}`, pod);
    this.hub.notify(pod.namespace, pod.name);
  }

  /** Removes a pod and wakes its waiters. */
  remove(namespace: string, name: string): void {
    this.pods.delete(`${namespace}/${name}`);
    this.hub.notify(namespace, name);
  }

  hasSynced(): boolean {
    return this.synced;
  }
  get(namespace: string, name: string): PodInfo | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }
  uids(): Set<string> {
    return new Set([...this.pods.values()].map((p) => p.uid));
  }
  nextChange(namespace: string, name: string, signal: AbortSignal): Promise<void> {
    return this.hub.nextChange(namespace, name, signal);
  }
  /** Callers waiting for a change (tests). */
  get waiting(): number {
    return this.hub.waiting;
  }
}
