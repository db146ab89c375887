import type { KubeClient } from './client.js';
import { KubeError } from './client.js';

interface NamespaceObject {
  metadata?: { name?: string; labels?: Record<string, string>; resourceVersion?: string };
}

export interface NamespaceDirectoryOptions {
  client: KubeClient;
  /** Label whose value is the owning Keystone project id. */
  label: string;
  /** Delay before relisting after a failure (attempt → ms). */
  retryDelay: (attempt: number) => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  onError?: (e: unknown) => void;
}

/**
 * An informer-style cache of namespace → project id: list, then watch from the list's resourceVersion,
 * relisting after 410 Gone or any failure. `synced` is false until the first list succeeds.
 */
export class NamespaceDirectory {
  private readonly projects = new Map<string, string | undefined>();
  private isSynced = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly o: NamespaceDirectoryOptions) {}

  /** The project id label of a namespace; undefined if unlabelled or unknown. */
  projectOf(namespace: string): string | undefined {
    return this.projects.get(namespace);
  }
  get synced(): boolean {
    return this.isSynced;
  }
  get size(): number {
    return this.projects.size;
  }

  /** Starts the list/watch loop. Idempotent. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops watching. Idempotent. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    for (let attempt = 0; !this.abort.signal.aborted; ) {
      try {
        const list = await this.o.client.json<{ items: NamespaceObject[]; metadata: { resourceVersion: string } }>('GET', '/api/v1/namespaces');
        this.projects.clear();
        for (const ns of list.items) this.apply('ADDED', ns);
        this.isSynced = true;
        attempt = 0;
        let rv = list.metadata.resourceVersion;
        for (;;) {
          let gone = false;
          await this.o.client.watch(`/api/v1/namespaces?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=${encodeURIComponent(rv)}`, (ev) => {
            const obj = ev.object as NamespaceObject & { code?: number };
            if (ev.type === 'ERROR') {
              gone = true;
              return;
            }
            if (obj.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
            if (ev.type !== 'BOOKMARK') this.apply(ev.type, obj);
          }, this.abort.signal);
          if (gone || this.abort.signal.aborted) break;
        }
      } catch (e) {
        if (this.abort.signal.aborted) return;
        if (!(e instanceof KubeError && e.status === 410)) this.o.onError?.(e);
        await this.o.sleep(this.o.retryDelay(attempt++), this.abort.signal).catch(() => undefined);
      }
    }
  }

  private apply(type: string, ns: NamespaceObject): void {
    const name = ns.metadata?.name;
    if (!name) return;
    if (type === 'DELETED') this.projects.delete(name);
    else this.projects.set(name, ns.metadata?.labels?.[this.o.label]);
  }
}
