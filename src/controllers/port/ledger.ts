// What the port controller remembers between reconciles of a pod key: the uids it reserved ports for (so that a
// deleted pod, no longer in any cache, still gets its port released), which of them it released already, and
// which waits it announced. In memory only: after a restart, garbage collection finds what this forgot.

/** Where the controller is with one pod (uid). */
export type LedgerState = 'reserving' | 'reserved' | 'released';

/** Per pod key (namespace/name), per uid: the state of its port. Synchronous; no I/O. */
export class PodLedger {
  private readonly byKey = new Map<string, Map<string, LedgerState>>();
  private readonly announced = new Map<string, Set<string>>();

  /** The state of uid under key, if remembered. */
  state(key: string, uid: string): LedgerState | undefined {
    return this.byKey.get(key)?.get(uid);
  }

  /** Records uid's state. A reserved uid stays reserved when marked reserving again. */
  mark(key: string, uid: string, state: LedgerState): void {
    let uids = this.byKey.get(key);
    if (!uids) this.byKey.set(key, (uids = new Map<string, LedgerState>()));
    if (state === 'reserving' && uids.get(uid) === 'reserved') return;
    uids.set(uid, state);
  }

  /** Uids under key other than `current` whose ports may still exist (earlier pods of the same name). */
  stale(key: string, current: string | undefined): string[] {
    return [...(this.byKey.get(key) ?? [])].filter(([uid, s]) => uid !== current && s !== 'released').map(([uid]) => uid);
  }

  /** Forgets uid under key (every uid when none is given). Idempotent. */
  forget(key: string, uid?: string): void {
    const uids = this.byKey.get(key);
    if (uid === undefined) {
      for (const u of uids?.keys() ?? []) this.announced.delete(u);
      this.byKey.delete(key);
      return;
    }
    uids?.delete(uid);
    this.announced.delete(uid);
    if (uids?.size === 0) this.byKey.delete(key);
  }

  /** Forgets the uids under key other than `keep` that were released. Idempotent. */
  forgetReleased(key: string, keep: string | undefined): void {
    for (const [uid, s] of [...(this.byKey.get(key) ?? [])]) if (uid !== keep && s === 'released') this.forget(key, uid);
  }

  /** True the first time a reason is announced for uid (until cleared): Events for waits are recorded once. */
  announce(uid: string, reason: string): boolean {
    let reasons = this.announced.get(uid);
    if (!reasons) this.announced.set(uid, (reasons = new Set<string>()));
    if (reasons.has(reason)) return false;
    reasons.add(reason);
    return true;
  }

  /** Clears uid's announcements (the wait is over). */
  clearAnnouncements(uid: string): void {
    this.announced.delete(uid);
  }

  /** Pods whose port is reserved (the reserved-ports gauge). */
  reservedCount(): number {
    let n = 0;
    for (const uids of this.byKey.values()) for (const s of uids.values()) if (s === 'reserved') n++;
    return n;
  }
}
