/** Releases a held key; calling it again is a no-op. */
export type Release = () => void;

/**
 * One lock per key (a pod sandbox's container ID): holders of the same key run one at a time, in arrival order;
 * different keys never wait for each other. Nothing here times out by itself: waiters pass a signal.
 */
export class KeyedMutex {
  /** A key is present while held; its array holds the waiters, first in line first. */
  private readonly held = new Map<string, (() => void)[]>();

  /** Waits for the key and holds it. Rejects with the signal's reason if it aborts first (then nothing is held). */
  async acquire(key: string, signal?: AbortSignal): Promise<Release> {
    signal?.throwIfAborted();
    const waiters = this.held.get(key);
    if (waiters === undefined) {
      this.held.set(key, []);
      return this.releaser(key);
    }
    await new Promise<void>((resolve, reject) => {
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const i = waiters.indexOf(wake);
        if (i >= 0) waiters.splice(i, 1);
        reject(signal?.reason as Error);
      };
      waiters.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return this.releaser(key);
  }

  /** Holds the key if nobody does, without waiting; undefined when it is taken. Never throws. */
  tryAcquire(key: string): Release | undefined {
    if (this.held.has(key)) return undefined;
    this.held.set(key, []);
    return this.releaser(key);
  }

  /** Runs fn while holding the key. Rejects like acquire, or with fn's error. */
  async run<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(key, signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** True while someone holds the key. */
  isHeld(key: string): boolean {
    return this.held.has(key);
  }

  private releaser(key: string): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const waiters = this.held.get(key);
      const next = waiters?.shift();
      // The key passes straight to the next waiter, so that nobody can cut in between.
      if (next !== undefined) next();
      else this.held.delete(key);
    };
  }
}
