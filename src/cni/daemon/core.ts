// The node daemon's CNI logic: ADD waits for the pod's VIF, creates the veth pair, configures the pod end, binds
// the host end through the binding driver and waits for Neutron to report the port ACTIVE; DEL, CHECK, STATUS and
// GC; restart reconciliation. Everything it touches is injected (pods, Neutron, host links, state, drivers, time),
// so that the same code runs against fakes in unit tests and against the kernel in the integration test.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../telemetry/logger.js';
import { describeError } from '../../lib/errors.js';
import { CNI_ERR } from '../spec/errors.js';
import type { DaemonRequest, DaemonResponse } from '../spec/protocol.js';
import { validateResult } from '../spec/result.js';
import type { Result } from '../spec/types.js';
import { driverForVifType, type BindingDriver, type BindingDriverName, type Vif } from './binding/index.js';
import { CniFailure, DeadlineError, toCniError } from './errors.js';
import type { HostNet } from './hostnet.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { NodeMetrics } from './metrics.js';
import {
  ALIAS_PREFIX, aliasContainer, checkAttachment, evaluatePod, hostMac, linkAlias, parseLinkAlias, planGc, planReconcile, resultFor, toBindingVif,
  type CleanupAction, type ObservedAttachment, type PodInfo, type PodKey,
} from './plan.js';
import type { PodSource } from './pods.js';
import { waitForPortActive, type PortStatusSource } from './port-status.js';
import type { ContainerState, StateStore } from './state.js';
import type { VifAnnotation } from '../../api/vif.js';
import { sleepOn, systemScheduler, type Scheduler } from '../../kube/scheduler.js';

/** Attachments younger than this survive a GC whose list does not name them (the list may predate their ADD). */
export const GC_GRACE_MS = 60_000;

/** Everything the daemon works with. */
export interface NodeDaemonOptions {
  pods: PodSource;
  ports: PortStatusSource;
  host: HostNet;
  /** The binding driver of that name (see lazyDrivers). */
  driver: (name: BindingDriverName) => BindingDriver;
  /** The configured driver: used when the port's binding:vif_type does not name one. */
  defaultDriver: BindingDriverName;
  state: StateStore;
  log: Logger;
  portActiveTimeoutMs: number;
  /** Default 200 ms. */
  portPollIntervalMs?: number;
  /** STATUS: resolves undefined when the binding backend is usable, else why not. Default: always usable. */
  probe?: () => Promise<string | undefined>;
  metrics?: NodeMetrics;
  /** Time and timers (port polling); default the real ones. */
  scheduler?: Scheduler;
  /** Temporary name of a new pod end (≤ 15 chars, unique). Default `stk` + 12 random hex digits. */
  tempIfName?: () => string;
  /** Default GC_GRACE_MS. */
  gcGraceMs?: number;
}

/** Whether the daemon can serve ADD, and why not. */
export type Readiness = { ready: true } | { ready: false; why: string };

/** The pod a request names (CNI_ARGS K8S_POD_*), or undefined. Pure. */
export function podKeyOf(req: DaemonRequest): PodKey | undefined {
  const p = req.pod;
  if (p === undefined) return undefined;
  return p.uid === undefined ? { namespace: p.namespace, name: p.name } : { namespace: p.namespace, name: p.name, uid: p.uid };
}

/**
 * stackube-node's CNI logic. One instance per process. ADD and DEL (and CHECK, GC, reconciliation) of one
 * container never run at once: they hold that container ID's lock; a DEL first cancels an ADD of the same
 * container still in flight (the runtime has given up on it).
 */
export class NodeDaemon {
  private readonly mutex = new KeyedMutex();
  private readonly pendingAdds = new Map<string, Set<AbortController>>();
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private reconciled = false;

  constructor(private readonly o: NodeDaemonOptions) {
    const scheduler = o.scheduler ?? systemScheduler;
    this.now = () => scheduler.now();
    this.sleep = (ms, signal) => sleepOn(scheduler, ms, signal);
  }

  /** Ready for ADD once the pod informer has synced and restart reconciliation has run. Never throws. */
  readiness(): Readiness {
    if (!this.o.pods.hasSynced()) return { ready: false, why: 'the pod informer has not synced yet' };
    if (!this.reconciled) return { ready: false, why: 'restart reconciliation has not finished yet' };
    return { ready: true };
  }

  /** Serves one request; never rejects: every failure becomes a CNI error object (toCniError, the one mapping). */
  async handle(req: DaemonRequest, signal: AbortSignal, log: Logger = this.o.log): Promise<DaemonResponse> {
    try {
      switch (req.command) {
        case 'ADD':
          return { result: await this.add(req, signal, log) };
        case 'DEL':
          await this.del(req, signal, log);
          return {};
        case 'CHECK':
          await this.check(req, signal);
          return {};
        case 'STATUS':
          await this.status();
          return {};
        case 'GC':
          await this.gc(req, signal, log);
          return {};
      }
    } catch (e) {
      const error = toCniError(e);
      log.warn({ err: describeError(e), code: error.code }, 'cni request failed');
      return { error };
    }
  }

  /**
   * ADD. Idempotent: a repeated ADD of a container whose links are intact returns the stored result; a partial
   * earlier attempt is torn down and redone. Rejects with CniFailure (3 netns gone, 4 no pod in CNI_ARGS, 11 VIF or
   * ACTIVE not in time, 102 a link in the way that is not ours), DeadlineError, OpenStackError, NodeCommandError or
   * ValidationError; everything created is removed again before it rejects.
   */
  async add(req: DaemonRequest, signal: AbortSignal, log: Logger = this.o.log): Promise<Result> {
    const key = podKeyOf(req);
    if (key === undefined) throw new CniFailure(CNI_ERR.INVALID_ENV, 'CNI_ARGS must name the pod (K8S_POD_NAMESPACE, K8S_POD_NAME)');
    if (!(await this.o.host.netnsExists(req.netns))) throw new CniFailure(CNI_ERR.UNKNOWN_CONTAINER, `netns ${req.netns} does not exist`);
    const cancel = new AbortController();
    const sig = AbortSignal.any([signal, cancel.signal]);
    const pending = this.pendingAdds.get(req.containerId) ?? new Set<AbortController>();
    pending.add(cancel);
    this.pendingAdds.set(req.containerId, pending);
    try {
      const release = await this.lock(req.containerId, sig, 'waiting for another request of the same container');
      try {
        return await this.addLocked(req, key, sig, log);
      } finally {
        release();
      }
    } finally {
      pending.delete(cancel);
      if (pending.size === 0) this.pendingAdds.delete(req.containerId);
    }
  }

  private async addLocked(req: DaemonRequest, key: PodKey, signal: AbortSignal, log: Logger): Promise<Result> {
    const existing = await this.o.state.get(req.containerId);
    if (existing !== undefined && existing.ifName !== req.ifName) {
      throw new CniFailure(CNI_ERR.DAEMON_ERROR, `container ${req.containerId} already has the stackube attachment ${existing.ifName}; stackube-node makes one per container`);
    }
    if (existing !== undefined) {
      const result = await this.intactResult(existing, req);
      if (result !== undefined) {
        log.info({ hostIf: existing.hostIf, portId: existing.portId }, 'repeated add: attachment intact');
        return { ...result, cniVersion: req.config.cniVersion };
      }
      log.info({ hostIf: existing.hostIf, phase: existing.phase }, 'repeated add: redoing an incomplete attachment');
      await this.teardown(existing, log);
    }
    const { pod, vif } = await this.waitForVif(key, signal);
    const driverName = driverForVifType(vif.vifType, this.o.defaultDriver);
    const driver = this.o.driver(driverName);
    const bvif = toBindingVif(vif, pod.uid);
    const hostIf = driver.hostIfName(bvif);
    await this.clearHostIf(hostIf, req.containerId, log);
    const st: ContainerState = {
      v: 1, containerId: req.containerId, ifName: req.ifName, netns: req.netns, hostIf, tempIf: this.tempIfName(),
      alias: linkAlias(driverName, vif.portID, req.containerId), driver: driverName, portId: vif.portID, networkId: vif.networkID,
      mac: bvif.mac, mtu: vif.mtu, pod: { namespace: pod.namespace, name: pod.name, uid: pod.uid }, phase: 'creating',
      createdAt: new Date(this.now()).toISOString(),
    };
    // Written before any link exists: whatever happens next, DEL and reconciliation can find what to remove.
    await this.o.state.put(st);
    try {
      return await this.plumb(st, vif, driver, bvif, req, signal, log);
    } catch (e) {
      await this.undo(st, log);
      throw e;
    }
  }

  private async plumb(st: ContainerState, vif: VifAnnotation, driver: BindingDriver, bvif: Vif, req: DaemonRequest, signal: AbortSignal, log: Logger): Promise<Result> {
    const h = this.o.host;
    const step = (what: string): void => {
      if (signal.aborted) throw new DeadlineError(what, signal.reason);
    };
    await h.createVeth({ hostIf: st.hostIf, hostMac: hostMac(st.mac), alias: st.alias, tempIf: st.tempIf, mac: st.mac, mtu: st.mtu, netns: st.netns });
    step('configuring the pod interface');
    // The pod end stays down until the port is ACTIVE: no pod traffic before the agent has installed the
    // port's security groups.
    await h.configurePod({ netns: st.netns, tempIf: st.tempIf, ifName: st.ifName, cidr: `${vif.ip}/${vif.prefixLength}` });
    step('binding the host interface');
    await driver.plug(bvif);
    const t0 = this.now();
    await waitForPortActive(this.o.ports, st.portId, {
      timeoutMs: this.o.portActiveTimeoutMs, signal, now: this.now, sleep: this.sleep,
      ...(this.o.portPollIntervalMs === undefined ? {} : { intervalMs: this.o.portPollIntervalMs }),
    });
    step('bringing the pod interface up');
    await h.activatePod(st.netns, st.ifName, vif.gateway);
    const result = resultFor(vif, { hostIf: st.hostIf, ifName: st.ifName, netns: st.netns }, req.config.cniVersion);
    await this.o.state.put({ ...st, phase: 'ready', result });
    log.info({ hostIf: st.hostIf, portId: st.portId, ip: vif.ip, driver: st.driver, activeAfterMs: this.now() - t0 }, 'pod attached');
    return result;
  }

  /** Compensation for a failed ADD: remove what was created, before answering. A failing undo leaves the state file for DEL/reconciliation. */
  private async undo(st: ContainerState, log: Logger): Promise<void> {
    try {
      await this.teardown(st, log);
    } catch (e) {
      log.error({ err: describeError(e), hostIf: st.hostIf }, 'undo of a failed add failed; the state file stays for del and reconciliation');
    }
  }

  /** The stored result when the container's attachment is complete and its links are as ADD left them. */
  private async intactResult(st: ContainerState, req: DaemonRequest): Promise<Result | undefined> {
    if (st.phase !== 'ready' || st.result === undefined || st.netns !== req.netns || st.ifName !== req.ifName) return undefined;
    return checkAttachment(st.result, st, await this.observe(st)).length === 0 ? st.result : undefined;
  }

  /** Waits (until signal) for the pod to carry a usable VIF. Rejects with DeadlineError naming what it waited for. */
  private async waitForVif(key: PodKey, signal: AbortSignal): Promise<{ pod: PodInfo; vif: VifAnnotation }> {
    for (;;) {
      const local = new AbortController();
      const change = this.o.pods.nextChange(key.namespace, key.name, AbortSignal.any([signal, local.signal]));
      const v = evaluatePod(this.o.pods.get(key.namespace, key.name), key);
      if (v.kind === 'ready') {
        local.abort();
        return { pod: v.pod, vif: v.vif };
      }
      if (signal.aborted) {
        local.abort();
        throw new DeadlineError(`waiting for the pod's VIF (${v.why})`, signal.reason);
      }
      await change;
    }
  }

  /**
   * Makes sure no host link is in the way of hostIf. A link we did not create is never touched (ADD fails with 102);
   * one of ours left by a container whose netns is gone is removed; one still in use by a live container fails ADD
   * with 11 (the runtime has not deleted the old sandbox yet).
   */
  private async clearHostIf(hostIf: string, containerId: string, log: Logger): Promise<void> {
    const link = await this.o.host.hostLink(hostIf);
    if (link === undefined) return;
    const marker = parseLinkAlias(link.alias);
    if (marker === undefined) {
      throw new CniFailure(CNI_ERR.DAEMON_ERROR, `host link ${hostIf} exists and was not created by stackube-node; refusing to touch it`);
    }
    const owner = (await this.o.state.list()).find((s) => s.hostIf === hostIf && s.alias === link.alias);
    if (owner !== undefined && owner.containerId !== containerId) {
      if (await this.o.host.netnsExists(owner.netns)) {
        throw new CniFailure(CNI_ERR.TRY_AGAIN_LATER, `host link ${hostIf} of this port is still in use by container ${owner.containerId}`, { details: 'the runtime has not deleted the old sandbox yet' });
      }
      const release = this.mutex.tryAcquire(owner.containerId);
      if (release === undefined) throw new CniFailure(CNI_ERR.TRY_AGAIN_LATER, `container ${owner.containerId}, which holds host link ${hostIf}, is being changed`);
      try {
        log.info({ hostIf, previous: owner.containerId }, 'removing the attachment of a sandbox whose netns is gone');
        await this.teardown(owner, log);
        this.o.metrics?.cleanups.inc({ trigger: 'add', action: 'teardown' });
      } finally {
        release();
      }
      return;
    }
    log.info({ hostIf, alias: link.alias }, 'removing a leftover link of ours');
    await this.deleteMarkedLink(hostIf, marker, link.alias ?? '');
    this.o.metrics?.cleanups.inc({ trigger: 'add', action: 'deleteLink' });
  }

  /**
   * DEL. Idempotent: a missing state, netns, link or port counts as success. Never calls Neutron. Without a state
   * file (lost, or DEL repeated) it still removes links marked for this container. Rejects with NodeCommandError
   * (then the runtime retries) or DeadlineError.
   */
  async del(req: DaemonRequest, signal: AbortSignal, log: Logger = this.o.log): Promise<void> {
    // The runtime has given up on an ADD of this container that is still waiting: stop it rather than queue behind it.
    for (const c of this.pendingAdds.get(req.containerId) ?? []) c.abort(new Error('cancelled: a DEL of the same container arrived'));
    const release = await this.lock(req.containerId, signal, 'waiting for another request of the same container');
    try {
      const st = await this.o.state.get(req.containerId);
      if (st !== undefined) {
        if (st.ifName !== req.ifName) {
          log.info({ ifName: st.ifName }, 'del of an interface stackube-node did not create; nothing to do');
          return;
        }
        await this.teardown(st, log);
        log.info({ hostIf: st.hostIf, portId: st.portId }, 'pod detached');
        return;
      }
      const mine = aliasContainer(req.containerId);
      for (const l of await this.o.host.markedLinks(ALIAS_PREFIX)) {
        const marker = parseLinkAlias(l.alias);
        if (marker?.container !== mine) continue;
        log.info({ hostIf: l.name }, 'del without a state file: removing the link marked for this container');
        await this.deleteMarkedLink(l.name, marker, l.alias);
      }
    } finally {
      release();
    }
  }

  /**
   * Removes an attachment: unplugs the host end (deleting it deletes the pod end too) when it still carries this
   * container's marker, removes the pod end if it somehow survived, then the state file. Idempotent.
   */
  private async teardown(st: ContainerState, log: Logger): Promise<void> {
    const h = this.o.host;
    const link = await h.hostLink(st.hostIf);
    if (link === undefined || link.alias === st.alias) {
      // Also when the link is gone (the kernel deletes both ends with the netns): unplug removes what the
      // backend may still hold for it (an OVS port row), and is a no-op otherwise.
      await this.o.driver(st.driver).unplug(this.vifOf(st));
    } else {
      log.warn({ hostIf: st.hostIf, alias: link.alias }, 'host link now belongs to another container; left alone');
    }
    // Deleting our host end took the pod end with it (a veth pair goes as one). Otherwise the pod end may still be
    // there (e.g. the host end was renamed or taken by another container): remove it if it is the one we made.
    if (link === undefined || link.alias !== st.alias) {
      for (const name of [st.ifName, st.tempIf]) {
        const pod = await h.podLink(st.netns, name);
        if (pod !== undefined && pod.mac.toLowerCase() === st.mac) await h.deletePodLink(st.netns, name);
      }
    }
    await this.o.state.delete(st.containerId);
  }

  /** Deletes a link we marked, through the driver the marker names when the link has that driver's name. */
  private async deleteMarkedLink(name: string, marker: { driver: BindingDriverName; portId: string }, alias: string): Promise<void> {
    const now = await this.o.host.hostLink(name);
    // Looked at again right before deleting: a link re-created in the meantime (another alias) is not ours to delete.
    if (now === undefined || now.alias !== alias) return;
    const driver = this.o.driver(marker.driver);
    // unplug only reads the port id (it names the tap and, for ovs, the OVSDB port); the other fields are placeholders.
    const vif: Vif = { portId: marker.portId, networkId: marker.portId, mac: '00:00:00:00:00:00', mtu: 1500 };
    if (expectedHostIf(driver, vif) === name) await driver.unplug(vif);
    else await this.o.host.deleteHostLink(name);
  }

  /**
   * CHECK: the links exist and are as in prevResult (MAC, addresses, up, default route) and the host end is
   * bound. Rejects with CniFailure: 7 (prevResult invalid), 3 (no attachment for this container), 102 (mismatch,
   * all differences in details).
   */
  async check(req: DaemonRequest, signal: AbortSignal): Promise<void> {
    const prev = validateResult(req.config.prevResult);
    if (!prev.ok) throw new CniFailure(CNI_ERR.INVALID_CONFIG, 'invalid network configuration: prevResult', { details: prev.error.details ?? prev.error.msg });
    const release = await this.lock(req.containerId, signal, 'waiting for another request of the same container');
    try {
      const st = await this.o.state.get(req.containerId);
      if (st === undefined || st.phase !== 'ready' || st.ifName !== req.ifName) throw new CniFailure(CNI_ERR.UNKNOWN_CONTAINER, `stackube-node has no attachment ${req.ifName} for container ${req.containerId}`);
      const problems = checkAttachment(prev.value, st, await this.observe(st));
      if (problems.length > 0) throw new CniFailure(CNI_ERR.DAEMON_ERROR, `check failed: ${problems[0] ?? ''}`, { details: problems.join('; ') });
    } finally {
      release();
    }
  }

  private async observe(st: ContainerState): Promise<ObservedAttachment> {
    const h = this.o.host;
    const host = await h.hostLink(st.hostIf);
    const plugged = host !== undefined && (await this.o.driver(st.driver).isPlugged(this.vifOf(st)));
    const pod = await h.podLink(st.netns, st.ifName);
    const obs: ObservedAttachment = { plugged, defaultGateways: pod === undefined ? [] : await h.podDefaultGateways(st.netns) };
    if (host !== undefined) obs.host = host.alias === undefined ? { up: host.up } : { up: host.up, alias: host.alias };
    if (pod !== undefined) obs.pod = { up: pod.up, mac: pod.mac, mtu: pod.mtu, addresses: pod.addresses };
    return obs;
  }

  /** STATUS: resolves when ADD can be served; rejects with CniFailure 50 otherwise. */
  async status(): Promise<void> {
    const r = this.readiness();
    if (!r.ready) throw new CniFailure(CNI_ERR.NOT_AVAILABLE, `stackube-node is not ready: ${r.why}`);
    const why = await (this.o.probe?.() ?? Promise.resolve(undefined));
    if (why !== undefined) throw new CniFailure(CNI_ERR.NOT_AVAILABLE, `binding driver ${this.o.defaultDriver} is not usable: ${why}`);
  }

  /**
   * GC (CNI 1.1): tears down attachments the runtime no longer lists (except young ones and ones busy right now)
   * and deletes our marked links of containers it does not list. Rejects with CniFailure 7 without the list.
   */
  async gc(req: DaemonRequest, signal: AbortSignal, log: Logger = this.o.log): Promise<void> {
    const valid = req.config.validAttachments;
    if (valid === undefined) throw new CniFailure(CNI_ERR.INVALID_CONFIG, 'invalid network configuration: cni.dev/valid-attachments', { details: 'GC needs the list of valid attachments' });
    // Links before states: a state is written before its links, so a link without a state is no ADD in progress.
    const links = await this.o.host.markedLinks(ALIAS_PREFIX);
    const states = await this.o.state.list();
    const actions = planGc({ states, links, valid, now: this.now(), graceMs: this.o.gcGraceMs ?? GC_GRACE_MS });
    await this.apply(actions, states, 'gc', { wait: false, signal, log });
  }

  /**
   * Restart reconciliation against what exists on the host: tears down attachments whose netns is gone or whose
   * pod left this node, deletes marked links no state accounts for. Call once the pod informer has synced; the
   * daemon is ready for ADD after it. Resolves the actions taken; rejects when the host cannot be listed.
   */
  async reconcile(signal: AbortSignal, log: Logger = this.o.log): Promise<CleanupAction[]> {
    if (!this.o.pods.hasSynced()) throw new Error('reconcile needs a synced pod informer');
    const links = await this.o.host.markedLinks(ALIAS_PREFIX);
    const states = await this.o.state.list();
    const liveNetns = new Set<string>();
    for (const s of states) if (s.netns !== '' && (await this.o.host.netnsExists(s.netns))) liveNetns.add(s.netns);
    const actions = planReconcile({ states, links, liveNetns, podUids: this.o.pods.uids() });
    await this.apply(actions, states, 'reconcile', { wait: true, signal, log });
    this.reconciled = true;
    log.info({ attachments: states.length, markedLinks: links.length, actions: actions.length }, 'restart reconciliation done');
    return actions;
  }

  /** Runs cleanup actions one by one; a failing one is logged and the rest still run. */
  private async apply(actions: CleanupAction[], planned: readonly ContainerState[], trigger: 'gc' | 'reconcile', o: { wait: boolean; signal: AbortSignal; log: Logger }): Promise<void> {
    const createdAt = new Map(planned.map((s) => [s.containerId, s.createdAt]));
    for (const a of actions) {
      if (o.signal.aborted) return;
      try {
        if (a.kind === 'deleteLink') {
          const link = await this.o.host.hostLink(a.name);
          if (link?.alias === undefined) continue;
          o.log.info({ trigger, hostIf: a.name, why: a.why }, 'deleting a leftover link');
          await this.deleteMarkedLink(a.name, a, link.alias);
          this.o.metrics?.cleanups.inc({ trigger, action: a.kind });
          continue;
        }
        const release = o.wait ? await this.lock(a.containerId, o.signal, `${trigger} of container ${a.containerId}`) : this.mutex.tryAcquire(a.containerId);
        if (release === undefined) continue; // busy: an ADD or DEL of it is running; the next GC looks again
        try {
          const st = await this.o.state.get(a.containerId);
          // Changed since it was planned (DEL removed it, or a new ADD replaced it): not what the plan was about.
          if (st === undefined || st.createdAt !== createdAt.get(a.containerId)) continue;
          o.log.info({ trigger, containerId: a.containerId, hostIf: st.hostIf, why: a.why }, 'tearing down a stale attachment');
          await this.teardown(st, o.log);
          this.o.metrics?.cleanups.inc({ trigger, action: a.kind });
        } finally {
          release();
        }
      } catch (e) {
        if (e instanceof DeadlineError) return;
        o.log.error({ err: describeError(e), trigger, action: a }, 'cleanup step failed');
      }
    }
  }

  private async lock(key: string, signal: AbortSignal, what: string): Promise<() => void> {
    try {
      return await this.mutex.acquire(key, signal);
    } catch (e) {
      throw new DeadlineError(what, e);
    }
  }

  private vifOf(st: ContainerState): Vif {
    return toBindingVif({ portID: st.portId, networkID: st.networkId, mac: st.mac, mtu: st.mtu }, st.pod.uid);
  }

  private tempIfName(): string {
    return this.o.tempIfName?.() ?? `stk${randomBytes(6).toString('hex')}`;
  }
}

/** The host link name a driver gives a port, or undefined when the id does not make one. Never throws. */
function expectedHostIf(driver: BindingDriver, vif: Vif): string | undefined {
  try {
    return driver.hostIfName(vif);
  } catch {
    // Not a UUID: then no link of that port can exist under the driver's naming.
    return undefined;
  }
}

/** One binding driver per name, built on first use (an `ovs` driver is never built on a linuxbridge node unless a port says ovs). */
export function lazyDrivers(make: (name: BindingDriverName) => BindingDriver): (name: BindingDriverName) => BindingDriver {
  const built = new Map<BindingDriverName, BindingDriver>();
  return (name) => {
    let d = built.get(name);
    if (d === undefined) built.set(name, (d = make(name)));
    return d;
  };
}
