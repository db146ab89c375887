import type { KubeApi } from './client.js';
import { Informer } from './informer.js';
import type { KubeObject } from './objects.js';

/** Construction options for NamespaceDirectory. */
export interface NamespaceDirectoryOptions {
  /** The client; only `request` and `watch` are used (a KubeClient, or a fake in tests). */
  client: Pick<KubeApi, 'request' | 'watch'>;
  /** Label whose value is the owning Keystone project id. */
  label: string;
  /** Delay before relisting after a failure (attempt → ms). */
  retryDelay: (attempt: number) => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  onError?: (e: unknown) => void;
}

/**
 * An informer-backed cache of namespace → project id: list, then watch from the list's resourceVersion,
 * relisting after 410 Gone or any failure. `synced` is false until the first list succeeds.
 */
export class NamespaceDirectory {
  private readonly informer: Informer<KubeObject>;

  constructor(private readonly o: NamespaceDirectoryOptions) {
    this.informer = new Informer<KubeObject>({
      client: o.client, path: '/api/v1/namespaces', retryDelay: o.retryDelay, sleep: o.sleep,
      ...(o.onError ? { onError: o.onError } : {}),
    });
  }

  /** The project id label of a namespace; undefined if unlabelled or unknown. */
  projectOf(namespace: string): string | undefined {
    return this.informer.get(namespace)?.metadata?.labels?.[this.o.label];
  }
  /** Any label of a namespace; undefined if absent or the namespace is unknown. */
  labelOf(namespace: string, label: string): string | undefined {
    return this.informer.get(namespace)?.metadata?.labels?.[label];
  }
  /** How many namespaces carry label=value. */
  countWithLabel(label: string, value: string): number {
    let n = 0;
    for (const ns of this.informer.list()) if (ns.metadata?.labels?.[label] === value) n++;
    return n;
  }
  /** True once the first list succeeded. */
  get synced(): boolean {
    return this.informer.hasSynced();
  }
  /** Namespaces known. */
  get size(): number {
    return this.informer.size;
  }

  /** Starts the list/watch loop. Idempotent. */
  start(): void {
    this.informer.start();
  }

  /** Stops watching. Idempotent. */
  async stop(): Promise<void> {
    await this.informer.stop();
  }
}
