// One small JSON file per pod sandbox (container ID), written before any link is created and removed after DEL,
// so that DEL, GC and restart reconciliation know what stackube-node made, even when the pod object is gone.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isBindingDriverName, type BindingDriverName } from './binding/types.js';
import type { Result } from '../spec/types.js';

/** What stackube-node created (or is creating) for one container. */
export interface ContainerState {
  v: 1;
  containerId: string;
  ifName: string;
  /** The netns path the runtime gave at ADD. */
  netns: string;
  /** Host end of the veth: `tap<portId[:11]>`. */
  hostIf: string;
  /** The pod end's name before it is renamed to ifName inside the netns. */
  tempIf: string;
  /** The `stackube:` alias set on hostIf (restart reconciliation finds our links by it). */
  alias: string;
  driver: BindingDriverName;
  portId: string;
  networkId: string;
  /** The port's MAC (pod end). */
  mac: string;
  mtu: number;
  pod: { namespace: string; name: string; uid: string };
  /** `creating` until ADD succeeded; `ready` with its result after. */
  phase: 'creating' | 'ready';
  result?: Result;
  /** When ADD started (ISO 8601); GC leaves young attachments alone. */
  createdAt: string;
}

/** Persists ContainerStates. Every method is safe to repeat. */
export interface StateStore {
  /** The state of a container, or undefined (also for an unreadable file, which is reported through onCorrupt). */
  get(containerId: string): Promise<ContainerState | undefined>;
  /** Writes atomically (temp file, fsync, rename): a reader sees the old or the new state, never a torn one. */
  put(state: ContainerState): Promise<void>;
  /** Removes the state; idempotent. */
  delete(containerId: string): Promise<void>;
  /** Every readable state. */
  list(): Promise<ContainerState[]>;
}

/** Options of fileStateStore. */
export interface FileStateStoreOptions {
  /** The daemon's state directory; files go to `<dir>/containers/`. */
  dir: string;
  /** Told about a state file that cannot be read or parsed (it is then treated as absent). */
  onCorrupt?: (file: string, why: string) => void;
}

const MAX_PLAIN_NAME = 200;

/** The file name of a container's state: `<containerID>.json`, or a hash for IDs too long for a file name. Pure. */
export function stateFileName(containerId: string): string {
  return containerId.length <= MAX_PLAIN_NAME ? `${containerId}.json` : `sha256-${createHash('sha256').update(containerId).digest('hex')}.json`;
}

/** Parses a state file's text; undefined unless it has every field with the right type. Pure, never throws. */
export function parseState(text: string): ContainerState | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    // Not JSON: the caller reports it as corrupt.
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const s = v as Partial<ContainerState>;
  const str = (x: unknown): x is string => typeof x === 'string' && x !== '';
  if (s.v !== 1 || !str(s.containerId) || !str(s.ifName) || typeof s.netns !== 'string' || !str(s.hostIf) || !str(s.tempIf) || !str(s.alias)) return undefined;
  if (!str(s.driver) || !isBindingDriverName(s.driver) || !str(s.portId) || !str(s.networkId) || !str(s.mac) || typeof s.mtu !== 'number') return undefined;
  if (typeof s.pod !== 'object' || s.pod === null || typeof s.pod.namespace !== 'string' || typeof s.pod.name !== 'string' || typeof s.pod.uid !== 'string') return undefined;
  if ((s.phase !== 'creating' && s.phase !== 'ready') || !str(s.createdAt)) return undefined;
  return s as ContainerState;
}

/**
 * State files under `<dir>/containers/` (directory mode 0700, files 0600). Rejects with the fs error when the
 * directory cannot be written. Leftover temp files of a crashed write are removed by `init`.
 */
export function fileStateStore(o: FileStateStoreOptions): StateStore & { init(): Promise<void>; readonly path: string } {
  const path = join(o.dir, 'containers');
  const fileOf = (id: string): string => join(path, stateFileName(id));
  const read = async (file: string): Promise<ContainerState | undefined> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      o.onCorrupt?.(file, (e as Error).message);
      return undefined;
    }
    const s = parseState(text);
    if (s === undefined) o.onCorrupt?.(file, 'not a stackube-node state file');
    return s;
  };
  return {
    path,
    async init() {
      await mkdir(path, { recursive: true, mode: 0o700 });
      for (const f of await readdir(path)) if (f.includes('.tmp-')) await rm(join(path, f), { force: true });
    },
    get: (id) => read(fileOf(id)),
    async put(state) {
      await mkdir(path, { recursive: true, mode: 0o700 });
      const target = fileOf(state.containerId);
      const tmp = `${target}.tmp-${randomBytes(6).toString('hex')}`;
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(`${JSON.stringify(state)}\n`, 'utf8');
        // Durable before it replaces the old file: after a power cut the file is old or new, never empty.
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        await rename(tmp, target);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
    },
    async delete(id) {
      try {
        await unlink(fileOf(id));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    },
    async list() {
      let names: string[];
      try {
        names = await readdir(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
      const out: ContainerState[] = [];
      for (const n of names.filter((f) => f.endsWith('.json')).sort()) {
        const s = await read(join(path, n));
        if (s !== undefined) out.push(s);
      }
      return out;
    },
  };
}

/** An in-memory StateStore for tests; `states` is the live map. */
export function memoryStateStore(): StateStore & { readonly states: Map<string, ContainerState> } {
  const states = new Map<string, ContainerState>();
  return {
    states,
    get: (id) => Promise.resolve(structuredCloneOrUndefined(states.get(id))),
    put: (s) => {
      states.set(s.containerId, structuredClone(s));
      return Promise.resolve();
    },
    delete: (id) => {
      states.delete(id);
      return Promise.resolve();
    },
    list: () => Promise.resolve([...states.values()].map((s) => structuredClone(s))),
  };
}

function structuredCloneOrUndefined<T>(v: T | undefined): T | undefined {
  return v === undefined ? undefined : structuredClone(v);
}

