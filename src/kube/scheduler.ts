import type { Clock } from '../lib/clock.js';

/** Cancels a pending timer. Idempotent; a no-op once the timer fired. */
export type CancelTimer = () => void;

/** Injected time source plus timers, so that queues, informers and leader election never sleep in unit tests. */
export interface Scheduler extends Clock {
  /** Calls fn once, ms (clamped to ≥ 0) from now. */
  setTimer(ms: number, fn: () => void): CancelTimer;
}

/** Real time: Date.now and setTimeout. Timers keep the process alive; owners cancel them on shutdown. */
export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};

/** Resolves after ms on the scheduler, or at once when signal aborts (never rejects; callers check the signal). */
export function sleepOn(scheduler: Scheduler, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  return new Promise((resolveP) => {
    const finish = (): void => {
      cancel();
      signal?.removeEventListener('abort', finish);
      resolveP();
    };
    const cancel = scheduler.setTimer(ms, finish);
    signal?.addEventListener('abort', finish, { once: true });
  });
}

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A scheduler tests move by hand. `advance` fires due timers in time order and lets the promise chains they
 * start settle between firings (it yields to the event loop with setImmediate; it never waits on real time).
 */
export class ManualScheduler implements Scheduler {
  private t: number;
  private seq = 0;
  private timers: ManualTimer[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  /** Current fake time in ms. */
  now(): number {
    return this.t;
  }

  /** Registers a timer at now + ms. */
  setTimer(ms: number, fn: () => void): CancelTimer {
    const timer: ManualTimer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  /** Timers not fired yet. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by ms, firing every timer that falls due (including ones scheduled on the way). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const next = this.nextDue(end);
      if (next === undefined) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }

  /** Lets pending promise chains run without moving time. */
  async flush(): Promise<void> {
    await settle();
  }

  private nextDue(end: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const x of this.timers) {
      if (x.at > end) continue;
      if (best === undefined || x.at < best.at || (x.at === best.at && x.seq < best.seq)) best = x;
    }
    return best;
  }
}

async function settle(): Promise<void> {
  // A few macrotask turns: each drains the microtask queue, so async chains several awaits deep get to run.
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}
