// Shared by the suites that SIGKILL stackube-controller while it works (test/integration/networks.test.ts,
// test/scale/*-crash.test.ts): seeded kill points over a phase's progress, and full Neutron listings with the filter
// that finds what a run made there (to prove nothing leaked).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { networkMarker, tenantSecurityGroupMarker, tenantSecurityGroupName } from '../../src/domain/network/plan.js';
import type { ServiceClient } from '../../src/openstack/core/service-client.js';
import { networks, type Network as NeutronNetwork } from '../../src/openstack/neutron/networks.js';
import { ports, type Port } from '../../src/openstack/neutron/ports.js';
import { routers, type Router } from '../../src/openstack/neutron/routers.js';
import { securityGroupRules, securityGroups, type SecurityGroup, type SecurityGroupRule } from '../../src/openstack/neutron/security-groups.js';
import { subnets, type Subnet } from '../../src/openstack/neutron/subnets.js';
import { controllerGet, controllerLeading, eventually, hack, killDaemon, metricSum } from './harness.js';

export interface Kill { phase: string; atMs: number; pid: number; reconciles: number; queued: number; neutronCalls: number; downMs: number; state: string }

/** Neutron calls the controller made so far (its own request counter, every method). */
function neutronCalls(exposition: string): number {
  return exposition.split('\n').filter((l) => l.startsWith('stackube_openstack_request_duration_seconds_count{service="network"'))
    .reduce((s, l) => s + (Number(l.slice(l.lastIndexOf(' ') + 1)) || 0), 0);
}

/**
 * SIGKILLs stackube-controller at seeded random points of a phase and starts it again (hack/controller-up.sh).
 * `since()` is the suite's clock in ms; `state()` describes the suite's progress for the log line of each kill.
 */
export class ControllerKiller {
  readonly kills: Kill[] = [];
  constructor(private readonly random: () => number, private readonly since: () => number) {}

  /**
   * For each of `max` kills a random progress point (0 ≤ p < 1 of the phase's work, from progress()) is drawn;
   * once the phase has got that far, the controller leads (it is working then) and has worked another random
   * 0.3–3 s (a Neutron router create takes ~1–2 s here, so most kills land inside a Neutron call or between two),
   * it is SIGKILLed and started again. Stops early when done() holds.
   */
  async atProgress(phase: string, max: number, progress: () => number, done: () => boolean, state: () => string): Promise<void> {
    const points = Array.from({ length: max }, () => this.random()).sort((a, b) => a - b);
    for (const point of points) {
      await eventually(async () => Promise.resolve(progress() >= point || done()), 1_500_000, 100);
      if (done()) return;
      assert.ok(await controllerLeading(60_000), 'stackube-controller never took the lease');
      await sleep(300 + Math.floor(this.random() * 2_700));
      if (done()) return;
      // What this process had done and had queued when it dies (evidence that the kill lands mid-work).
      const m = (await controllerGet('/metrics')).body;
      const atMs = this.since();
      const what = state();
      const pid = await killDaemon('stackube-controller', 'stackube-controller.js');
      assert.ok(pid !== undefined, 'stackube-controller was not running');
      const up = await hack('controller-up.sh');
      assert.equal(up.code, 0, `hack/controller-up.sh failed: ${up.stdout}${up.stderr}`);
      assert.ok(await controllerLeading(60_000), 'the restarted stackube-controller never took the lease');
      const kill: Kill = { phase, atMs, pid, state: what, downMs: this.since() - atMs, neutronCalls: neutronCalls(m),
        reconciles: metricSum(m, 'stackube_controller_reconcile_duration_seconds_count'), queued: metricSum(m, 'stackube_controller_queue_depth') };
      this.kills.push(kill);
      console.log(`  kill ${this.kills.length} (${phase}, drawn at ${Math.round(point * 100)}% of the phase) at ${(atMs / 1000).toFixed(1)}s: pid ${pid} `
        + `(${kill.reconciles} reconciles, ${kill.neutronCalls} Neutron calls done, ${kill.queued} keys queued); ${what}; leading again after ${(kill.downMs / 1000).toFixed(1)}s`);
    }
  }

  count(phase: string): number {
    return this.kills.filter((k) => k.phase === phase).length;
  }
}

export interface NeutronSnapshot { networks: NeutronNetwork[]; subnets: Subnet[]; routers: Router[]; ports: Port[]; securityGroups: SecurityGroup[]; rules: SecurityGroupRule[] }
export const SNAPSHOT_KINDS = ['networks', 'subnets', 'routers', 'ports', 'securityGroups', 'rules'] as const;

/** Full admin listings (every project) of what a Network or a Tenant may create in Neutron. */
export async function neutronSnapshot(neutron: ServiceClient): Promise<NeutronSnapshot> {
  // One after the other: the listings of ports and rules are the large ones.
  return {
    networks: await networks.list(neutron), subnets: await subnets.list(neutron), routers: await routers.list(neutron),
    ports: await ports.list(neutron), securityGroups: await securityGroups.list(neutron), rules: await securityGroupRules.list(neutron),
  };
}

/** How a run's resources are recognised in Neutron. */
export interface RunIdentity {
  /** Network markers (`stackube:network:<uid>`) of every Network the run saw. */
  markers: Set<string>;
  /** The tenants' Keystone projects. */
  projectIds: Set<string>;
  networkIds: Set<string>;
  routerIds: Set<string>;
  /** Names and markers of the tenants' security groups. */
  sgNames: Set<string>;
  sgMarkers: Set<string>;
  /** Neutron names of the run start with this (`kube-<namespace prefix>`). */
  neutronPrefix: string;
}

export function runIdentity(a: {
  networkUids: Iterable<string>; tenants: Iterable<{ name: string; uid: string; projectID?: string }>;
  networkIds?: Iterable<string>; routerIds?: Iterable<string>; neutronPrefix: string;
}): RunIdentity {
  const tenants = [...a.tenants];
  return {
    markers: new Set([...a.networkUids].map((uid) => networkMarker(uid))),
    projectIds: new Set(tenants.flatMap((t) => (t.projectID ? [t.projectID] : []))),
    networkIds: new Set(a.networkIds ?? []), routerIds: new Set(a.routerIds ?? []),
    sgNames: new Set(tenants.map((t) => tenantSecurityGroupName(t.name))),
    sgMarkers: new Set(tenants.map((t) => tenantSecurityGroupMarker(t.uid))),
    neutronPrefix: a.neutronPrefix,
  };
}

/** The resources of a snapshot that belong to a run, by every mark they can carry. */
export function runResources(s: NeutronSnapshot, id: RunIdentity): NeutronSnapshot {
  const ours = (r: { name: string; description: string; project_id: string }): boolean =>
    id.markers.has(r.description) || r.name.startsWith(id.neutronPrefix) || id.projectIds.has(r.project_id);
  const nets = s.networks.filter((n) => ours(n) || id.networkIds.has(n.id));
  const netIds = new Set([...id.networkIds, ...nets.map((n) => n.id)]);
  const rtrs = s.routers.filter((r) => ours(r) || id.routerIds.has(r.id));
  const rtrIds = new Set([...id.routerIds, ...rtrs.map((r) => r.id)]);
  const sgs = s.securityGroups.filter((g) => id.sgNames.has(g.name) || id.sgMarkers.has(g.description) || id.projectIds.has(g.project_id));
  const sgIds = new Set(sgs.map((g) => g.id));
  return {
    networks: nets,
    subnets: s.subnets.filter((x) => ours(x) || netIds.has(x.network_id)),
    routers: rtrs,
    // The router's gateway port sits on the external network and has no project: found by its device.
    ports: s.ports.filter((p) => netIds.has(p.network_id) || rtrIds.has(p.device_id) || id.projectIds.has(p.project_id)),
    securityGroups: sgs,
    rules: s.rules.filter((r) => sgIds.has(r.security_group_id) || id.projectIds.has(r.project_id)),
  };
}

export const describeResource = (r: { id: string; name?: string; description?: string; project_id?: string; device_owner?: string; network_id?: string }): string =>
  `${r.id} ${r.name ?? ''} [${r.description ?? ''}] project ${r.project_id ?? '?'}${r.device_owner !== undefined ? ` owner ${r.device_owner} on ${r.network_id ?? '?'}` : ''}`;

/** Asserts that nothing of the run is left in `after` (each kind listed on failure). */
export function assertNoLeaks(left: NeutronSnapshot): void {
  assert.deepEqual(left.networks.map(describeResource), [], 'no Neutron network of the run is left');
  assert.deepEqual(left.subnets.map(describeResource), [], 'no Neutron subnet of the run is left');
  assert.deepEqual(left.routers.map(describeResource), [], 'no Neutron router of the run is left');
  assert.deepEqual(left.ports.map(describeResource), [], 'no Neutron port of the run is left (router interfaces and gateways included)');
  assert.deepEqual(left.securityGroups.map(describeResource), [], 'no security group of the run (the tenants\' own nor their projects\' default) is left');
  assert.deepEqual(left.rules.map((r) => `${r.id} of group ${r.security_group_id} project ${r.project_id}`), [], 'no security group rule of the run is left');
}

export const snapshotCounts = (s: NeutronSnapshot): string => SNAPSHOT_KINDS.map((k) => `${s[k].length} ${k}`).join(', ');
