// Warm port pools: per (network, node, project), N ports created in bulk ahead of demand, pre-bound to the node
// (binding:host_id), with device_id "" and the pool marker. A pod takes one with a single PUT (device_id = its uid)
// chosen under a per-pool lock, so two pods never get the same port; the pool refills in the background.
import { claimUpdate, poolKey, poolPortSpec, parsePortMarker, type PodRef, type PortFacts, type PortPlace } from '../../domain/port/plan.js';
import type { CountPorts } from './metrics.js';
import type { PortNeutron } from './ports.js';

/** Runs functions one at a time per key (a promise chain per key, never a global lock). */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs fn once every earlier fn of the same key has settled; resolves or rejects as fn does. */
  run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(fn);
    const tail = result.then(() => undefined, () => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

interface Pool {
  key: string;
  place: PortPlace;
  /** free mirrors Neutron (read once, then kept up to date by takes, refills and retirements). */
  loaded: boolean;
  free: PortFacts[];
  /** Ports handed out whose claiming PUT has not finished. */
  claiming: Set<string>;
  refill: Promise<void> | undefined;
}

/** Construction options of PortPools. */
export interface PortPoolsOptions {
  neutron: PortNeutron;
  /** Ready ports per pool (> 0). */
  size: number;
  count?: CountPorts;
  /** Told about background refill failures (the next take or GC pass retries). */
  onError?: (e: unknown, pool: { networkId: string; node: string; projectId: string }) => void;
}

/**
 * The controller's warm pools. A pool comes to exist when a pod first needs a port on (network, node, project);
 * its free ports are then read from Neutron once and kept in memory. Takes, refills and the garbage collector's
 * retirements of one pool are serialised by its lock; Neutron calls of different pools run in parallel.
 */
export class PortPools {
  private readonly pools = new Map<string, Pool>();
  private readonly locks = new KeyedMutex();

  constructor(private readonly o: PortPoolsOptions) {}

  /**
   * A ready port of the pool at `place`, claimed for the pod (device_id = uid, its name and marker), or undefined
   * when the pool is empty. Starts a background refill either way. Rejects with the claim's error (the pool is
   * then re-read from Neutron, since the PUT may have happened).
   */
  async take(place: PortPlace, pod: PodRef): Promise<PortFacts | undefined> {
    const pool = this.pool(place);
    try {
      for (;;) {
        const port = await this.locks.run(pool.key, async () => {
          await this.load(pool);
          const p = pool.free.shift();
          if (p) pool.claiming.add(p.id);
          return p;
        });
        if (!port) return undefined;
        let claimed: PortFacts | undefined;
        try {
          claimed = await this.o.neutron.claimPort(port.id, claimUpdate(pod));
        } catch (e) {
          await this.locks.run(pool.key, () => this.unload(pool));
          throw e;
        } finally {
          pool.claiming.delete(port.id);
        }
        if (claimed) {
          this.o.count?.('claimed');
          return claimed;
        }
        // Deleted meanwhile (a Network's cleanup, an operator): the next one.
      }
    } finally {
      this.refillSoon(pool);
    }
  }

  /**
   * Deletes pooled ports the garbage collector found stale or surplus, under each pool's lock: only ports that
   * are certainly unclaimed (in a loaded pool's free list, or of a pool this process never used). Resolves how
   * many it deleted; a failed delete rejects after the others ran.
   */
  async retire(ports: readonly PortFacts[]): Promise<number> {
    const groups = new Map<string, PortFacts[]>();
    for (const p of ports) {
      const m = parsePortMarker(p.description);
      if (m?.kind !== 'pool') continue;
      const k = poolKey(m.networkId, m.node, p.projectId);
      groups.set(k, [...(groups.get(k) ?? []), p]);
    }
    const counts = await Promise.all([...groups].map(([k, members]) => this.locks.run(k, async () => {
      const pool = this.pools.get(k);
      // A known pool that is not loaded may have claims in flight whose outcome is unknown: leave it this pass.
      if (pool && !pool.loaded) return 0;
      const doomed = pool ? members.filter((p) => pool.free.some((f) => f.id === p.id)) : members;
      if (pool) pool.free = pool.free.filter((f) => !doomed.some((p) => p.id === f.id));
      await Promise.all(doomed.map((p) => this.o.neutron.deletePort(p.id)));
      if (doomed.length > 0) this.o.count?.('collected', doomed.length);
      return doomed.length;
    })));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Forgets the pools of networks or nodes that no longer exist (their ports are the garbage collector's). */
  prune(networkIds: ReadonlySet<string>, nodes: ReadonlySet<string> | undefined): void {
    for (const [k, pool] of this.pools) {
      if (!networkIds.has(pool.place.networkID) || (nodes !== undefined && !nodes.has(pool.place.node))) this.pools.delete(k);
    }
  }

  /** Starts a refill of every known pool below its size and waits for them. Never rejects (failures go to onError). */
  async refillAll(): Promise<void> {
    for (const pool of this.pools.values()) this.refillSoon(pool);
    await this.idle();
  }

  /** Waits for the background refills in flight. Never rejects. */
  async idle(): Promise<void> {
    for (;;) {
      const inFlight = [...this.pools.values()].flatMap((p) => (p.refill ? [p.refill] : []));
      if (inFlight.length === 0) return;
      await Promise.all(inFlight);
    }
  }

  /** Ready ports in the loaded pools. */
  readyCount(): number {
    let n = 0;
    for (const p of this.pools.values()) n += p.free.length;
    return n;
  }

  private pool(place: PortPlace): Pool {
    const key = poolKey(place.networkID, place.node, place.projectId);
    let pool = this.pools.get(key);
    if (!pool) this.pools.set(key, (pool = { key, place, loaded: false, free: [], claiming: new Set(), refill: undefined }));
    // The latest subnet and security group win (a Network's subnet or a tenant's group may be replaced).
    pool.place = place;
    return pool;
  }

  /** Call under the pool's lock. */
  private async load(pool: Pool): Promise<void> {
    if (pool.loaded) return;
    const found = await this.o.neutron.poolPorts(pool.place.networkID, pool.place.node, pool.place.projectId);
    pool.free = found.filter((p) => !pool.claiming.has(p.id));
    pool.loaded = true;
  }

  /** Call under the pool's lock. */
  private unload(pool: Pool): void {
    pool.loaded = false;
    pool.free = [];
  }

  private refillSoon(pool: Pool): void {
    if (pool.refill) return;
    const { networkID: networkId, node, projectId } = pool.place;
    pool.refill = this.refill(pool)
      .catch((e: unknown) => this.o.onError?.(e, { networkId, node, projectId }))
      .finally(() => {
        pool.refill = undefined;
      });
  }

  private async refill(pool: Pool): Promise<void> {
    const deficit = await this.locks.run(pool.key, async () => {
      await this.load(pool);
      return this.o.size - pool.free.length;
    });
    if (deficit <= 0) return;
    // One bulk POST for the whole deficit: one Neutron round trip and one IPAM transaction instead of N.
    const made = await this.o.neutron.createPorts(Array.from({ length: deficit }, () => poolPortSpec(pool.place)));
    this.o.count?.('pooled', made.length);
    await this.locks.run(pool.key, () => {
      // Not loaded: the next load reads them from Neutron. Loaded meanwhile: they may be in free already.
      if (pool.loaded) for (const p of made) if (!pool.free.some((f) => f.id === p.id)) pool.free.push(p);
    });
  }
}
