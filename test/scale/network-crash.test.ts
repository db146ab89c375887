// Crash safety of the Network controller (issue 4, "Must show"): 50 Networks are created in one batch, spread over
// a few tenants, and then deleted in one call, while stackube-controller is SIGKILLed at random points and
// restarted; the tenants are deleted afterwards (killed once more). Then nothing of the run may be left in Neutron:
// no network, subnet, router, port, security group or rule, checked with full admin listings. Runs against the
// real apiserver, Keystone, Neutron and controller.
// Knobs: STACKUBE_NETCRASH_SEED (or STACKUBE_CRASH_SEED; reproduces the kill points), STACKUBE_NETCRASH_NETWORKS
// (50), STACKUBE_NETCRASH_TENANTS (5), STACKUBE_NETCRASH_KILLS ("3,2": kills while creating, while deleting the
// Networks; an optional third number, default 1, while deleting the tenants).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NetworkStatus } from '../../src/api/network.js';
import { networkMarker, tenantSecurityGroupName } from '../../src/domain/network/plan.js';
import { systemClock } from '../../src/lib/clock.js';
import { Informer } from '../../src/kube/informer.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { createOpenStackClient } from '../../src/openstack/core/client.js';
import { projects } from '../../src/openstack/keystone/projects.js';
import { neutronCall } from '../../src/openstack/neutron/common.js';
import { ControllerKiller, SNAPSHOT_KINDS, assertNoLeaks, describeResource, neutronSnapshot, runIdentity as identityOf, runResources, snapshotCounts } from '../integration/crash.js';
import { ADMIN_KUBECONFIG, adminKube, cloud, eventually, hack, kubectl, seededRandom } from '../integration/harness.js';

const SEED = Number(process.env['STACKUBE_NETCRASH_SEED'] ?? process.env['STACKUBE_CRASH_SEED'] ?? randomInt(2 ** 31));
const N = Number(process.env['STACKUBE_NETCRASH_NETWORKS'] ?? 50);
const T = Number(process.env['STACKUBE_NETCRASH_TENANTS'] ?? 5);
// Each kill costs ~2–20 s: the restarted process takes its own Lease back, then resyncs its caches.
const [KILLS_CREATE = 3, KILLS_DELETE = 2, KILLS_TENANTS = 1] = (process.env['STACKUBE_NETCRASH_KILLS'] ?? '3,2').split(',').map(Number);
const killer = new ControllerKiller(seededRandom(SEED), () => since());
// The names must differ between runs even with the same seed (a rerun must not meet the last run's leftovers).
const RUN = randomBytes(3).toString('hex');
const PREFIX = `nc-${RUN}-`;
/** Neutron names of this run's resources: `kube-<namespace>-<name>`, and every namespace is one of our tenants. */
const NEUTRON_PREFIX = `kube-${PREFIX}`;
const RUN_LABEL = 'stackube-test/netcrash-run';
const NETWORKS_PATH = '/apis/stackube.kubernetes.io/v1/networks';
const admin = { kubeconfig: ADMIN_KUBECONFIG };
const os = createOpenStackClient({ cloud: cloud('admin'), clock: systemClock, sleep: (ms) => sleep(ms) });
const identity = os.service('identity');
const neutron = os.service('network');
const kube = adminKube('stackube-it-netcrash');

const tenantNames = Array.from({ length: T }, (_, i) => `${PREFIX}t${i}`);
/**
 * Network i lives in tenant i mod T with range 10.<i div T>.0.0/24: disjoint inside a tenant, the same ranges in
 * every tenant (overlaps across tenants are allowed, each has its own router), never the default 10.244.0.0/16.
 */
const nets = Array.from({ length: N }, (_, i) => ({
  namespace: tenantNames[i % T] ?? '', name: `n${String(i).padStart(2, '0')}`, cidr: `10.${Math.floor(i / T)}.0.0/24`,
}));
const netKeys = new Set(nets.map((n) => `${n.namespace}/${n.name}`));
/**
 * Neutron's default quota here is 10 networks, subnets and routers per project (hack/neutron-up.sh), fewer than a
 * tenant's share plus its default Network: every tenant asks for room (spec.networkQuota, reset on its deletion).
 */
const QUOTA = Math.ceil(N / T) + 5;

interface TenantObj extends KubeObject {
  status?: { phase?: string; projectID?: string; securityGroupID?: string; conditions?: { type: string; status: string }[] };
}
interface NetworkObj extends KubeObject {
  spec?: { cidr?: string };
  status?: NetworkStatus;
}

/** What the watches saw: uid, project and Neutron ids of every object of the run, when it was Ready/Active and gone. */
const tenantsSeen = new Map<string, { uid: string; projectID?: string; securityGroupID?: string; readyAt?: number; goneAt?: number }>();
/** Every Network in the run's namespaces (ours and the tenants' default Networks), by namespace/name. */
const netsSeen = new Map<string, { uid: string; cidr: string; activeAt?: number; goneAt?: number; networkID?: string; subnetID?: string; routerID?: string }>();
const t0 = performance.now();
const since = (): number => Math.round(performance.now() - t0);

const tenantInformer = new Informer<TenantObj>({ client: kube, path: '/apis/stackube.kubernetes.io/v1/tenants', labelSelector: `${RUN_LABEL}=${RUN}` });
const trackTenant = (t: TenantObj): void => {
  const name = t.metadata?.name ?? '';
  const s = tenantsSeen.get(name) ?? { uid: t.metadata?.uid ?? '' };
  tenantsSeen.set(name, s);
  if (t.status?.projectID) s.projectID = t.status.projectID;
  if (t.status?.securityGroupID) s.securityGroupID = t.status.securityGroupID;
  if (s.readyAt === undefined && t.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) s.readyAt = since();
};
tenantInformer.addHandlers({ onAdd: trackTenant, onUpdate: (_o, t) => trackTenant(t), onDelete: (t) => {
  const s = tenantsSeen.get(t.metadata?.name ?? '');
  if (s) s.goneAt ??= since();
} });

// All namespaces (the tenants' default Networks carry no label of ours); only the run's namespaces are kept.
const netInformer = new Informer<NetworkObj>({ client: kube, path: NETWORKS_PATH });
const trackNet = (n: NetworkObj): void => {
  if (!(n.metadata?.namespace ?? '').startsWith(PREFIX)) return;
  const key = `${n.metadata?.namespace ?? ''}/${n.metadata?.name ?? ''}`;
  const s = netsSeen.get(key) ?? { uid: n.metadata?.uid ?? '', cidr: n.spec?.cidr ?? '' };
  netsSeen.set(key, s);
  if (n.status?.networkID) s.networkID = n.status.networkID;
  if (n.status?.subnetID) s.subnetID = n.status.subnetID;
  if (n.status?.routerID) s.routerID = n.status.routerID;
  if (s.activeAt === undefined && n.status?.state === 'Active' && n.status.networkID) s.activeAt = since();
};
netInformer.addHandlers({ onAdd: trackNet, onUpdate: (_o, n) => trackNet(n), onDelete: (n) => {
  const s = netsSeen.get(`${n.metadata?.namespace ?? ''}/${n.metadata?.name ?? ''}`);
  if (s) s.goneAt ??= since();
} });

const ourNets = (): { key: string; uid: string; activeAt?: number; goneAt?: number }[] => [...netsSeen].filter(([k]) => netKeys.has(k)).map(([key, s]) => ({ key, ...s }));
const activeCount = (): number => ourNets().filter((s) => s.activeAt !== undefined).length;
/** Our Networks still in the apiserver (the informer holds every namespace's; count only the run's). */
const presentCount = (): number => netInformer.keys().filter((k) => netKeys.has(k)).length;
const runPresent = (): string[] => netInformer.keys().filter((k) => k.startsWith(PREFIX));
const progressState = (): string => `${activeCount()}/${N} Active, ${presentCount()} Networks present`;
const tenantsReady = (): number => [...tenantsSeen.values()].filter((s) => s.readyAt !== undefined).length;

/** This run's uids (Network markers), tenant projects and Neutron ids seen so far. */
function runIdentity(extra: { networkIds?: Iterable<string>; routerIds?: Iterable<string> } = {}): ReturnType<typeof identityOf> {
  const all = [...netsSeen.values()];
  return identityOf({
    neutronPrefix: NEUTRON_PREFIX, networkUids: all.map((s) => s.uid),
    tenants: [...tenantsSeen.entries()].map(([name, s]) => ({ name, uid: s.uid, ...(s.projectID ? { projectID: s.projectID } : {}) })),
    networkIds: [...all.flatMap((s) => (s.networkID ? [s.networkID] : [])), ...(extra.networkIds ?? [])],
    routerIds: [...all.flatMap((s) => (s.routerID ? [s.routerID] : [])), ...(extra.routerIds ?? [])],
  });
}

function writeList(items: unknown[]): string {
  const f = join(mkdtempSync(join(tmpdir(), 'network-crash-')), 'list.json');
  writeFileSync(f, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  return f;
}

describe(`Network controller crash safety (${N} Networks in ${T} tenants, SIGKILL at random points; seed ${SEED})`, () => {
  after(async () => {
    // A failed run must not leave our objects behind (never touch anyone else's), nor a stopped controller.
    await hack('controller-up.sh');
    if (presentCount() > 0) await kubectl(['delete', 'networks', '--all-namespaces', '-l', `${RUN_LABEL}=${RUN}`, '--wait=false'], admin);
    if (tenantInformer.size > 0 || tenantsSeen.size < T) await kubectl(['delete', 'tenants', '-l', `${RUN_LABEL}=${RUN}`, '--wait=false'], admin);
    await netInformer.stop();
    await tenantInformer.stop();
    kube.close();
    await os.close();
  });

  it('leaves no Neutron network, subnet, router, port or security group behind after kills while creating and deleting', { timeout: 4_500_000 }, async () => {
    console.log(`  seed ${SEED} (STACKUBE_NETCRASH_SEED=${SEED} replays the kill points), run ${RUN}, ${N} Networks in ${T} tenants, kills ${KILLS_CREATE}/${KILLS_DELETE}/${KILLS_TENANTS}`);
    const up = await hack('controller-up.sh');
    assert.equal(up.code, 0, `hack/controller-up.sh failed: ${up.stdout}${up.stderr}`);
    const before = await neutronSnapshot(neutron);
    tenantInformer.start();
    netInformer.start();
    assert.ok(await tenantInformer.waitForSync(), 'the tenant watch synced');
    assert.ok(await netInformer.waitForSync(), 'the network watch synced');

    // ---- tenants first (not killed): each gets its namespace, project, security group and default Network
    const tenants = writeList(tenantNames.map((name) => ({ apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name, labels: { [RUN_LABEL]: RUN } },
      spec: { networkQuota: { networks: QUOTA, subnets: QUOTA, routers: QUOTA } } })));
    const tTenants = since();
    const appliedTenants = await kubectl(['apply', '-f', tenants], admin);
    assert.equal(appliedTenants.code, 0, appliedTenants.stderr);
    assert.ok(await eventually(async () => Promise.resolve(tenantsReady() === T), 300_000), `every tenant became Ready; Ready: ${tenantsReady()}/${T}`);
    // The namespace's project label is what the Network controller needs; Ready implies it is there.
    console.log(`  ${T} tenants Ready after ${((since() - tTenants) / 1000).toFixed(1)}s`);

    // ---- create: one batch apply, while the controller is killed at random points
    const list = writeList(nets.map((n) => ({
      apiVersion: 'stackube.kubernetes.io/v1', kind: 'Network',
      metadata: { name: n.name, namespace: n.namespace, labels: { [RUN_LABEL]: RUN } }, spec: { cidr: n.cidr },
    })));
    const tCreate = since();
    const [applied] = await Promise.all([
      kubectl(['apply', '-f', list], admin),
      killer.atProgress('create', KILLS_CREATE, () => activeCount() / N, () => activeCount() === N, progressState),
    ]);
    assert.equal(applied.code, 0, applied.stderr);
    const allActive = await eventually(async () => Promise.resolve(activeCount() === N), 1_500_000, 500);
    const notActive = ourNets().filter((s) => s.activeAt === undefined).map((s) => `${s.key} (${netInformer.get(s.key)?.status?.state ?? '?'}: ${netInformer.get(s.key)?.status?.message ?? ''})`);
    assert.ok(allActive, `every Network became Active; not Active: ${notActive.join(', ')}`);
    const createMs = since() - tCreate;
    // The tenants' default Networks are Active too (they went through the same kills).
    const defaults = [...netsSeen].filter(([k]) => !netKeys.has(k));
    assert.ok(await eventually(async () => Promise.resolve(defaults.every(([, s]) => s.activeAt !== undefined)), 300_000), 'the tenants\' default Networks are Active');

    // While they exist: exactly one network, subnet and router per Network, with the ids in its status, in its
    // tenant's project, the subnet on the network with the Network's range, the router's interface on it.
    const mid = runResources(await neutronSnapshot(neutron), runIdentity());
    const byMarker = <R extends { description: string }>(rs: R[]): Map<string, R[]> => {
      const m = new Map<string, R[]>();
      for (const r of rs) m.set(r.description, [...(m.get(r.description) ?? []), r]);
      return m;
    };
    const [mNets, mSubs, mRtrs] = [byMarker(mid.networks), byMarker(mid.subnets), byMarker(mid.routers)];
    const problems: string[] = [];
    for (const [key, s] of netsSeen) {
      const marker = networkMarker(s.uid);
      const ns = key.split('/')[0] ?? '';
      const project = tenantsSeen.get(ns)?.projectID;
      const [ns1, sb1, rt1] = [mNets.get(marker) ?? [], mSubs.get(marker) ?? [], mRtrs.get(marker) ?? []];
      if (ns1.length !== 1 || sb1.length !== 1 || rt1.length !== 1) problems.push(`${key}: ${ns1.length} networks, ${sb1.length} subnets, ${rt1.length} routers marked ${marker}`);
      const [n, sb, rt] = [ns1[0], sb1[0], rt1[0]];
      if (n && (n.id !== s.networkID || n.project_id !== project)) problems.push(`${key}: network ${n.id} in project ${n.project_id}, status says ${s.networkID ?? '-'} / tenant project ${project ?? '-'}`);
      if (sb && (sb.id !== s.subnetID || sb.network_id !== n?.id || sb.cidr !== s.cidr)) problems.push(`${key}: subnet ${sb.id} ${sb.cidr} on ${sb.network_id}, status says ${s.subnetID ?? '-'} ${s.cidr}`);
      if (rt && (rt.id !== s.routerID || !rt.external_gateway_info?.network_id)) problems.push(`${key}: router ${rt.id} (gateway ${rt.external_gateway_info?.network_id ?? 'none'}), status says ${s.routerID ?? '-'}`);
      const ifaces = mid.ports.filter((p) => p.device_owner === 'network:router_interface' && p.device_id === rt?.id);
      if (ifaces.length !== 1 || !ifaces[0]?.fixed_ips.some((f) => f.subnet_id === sb?.id)) problems.push(`${key}: router ${rt?.id ?? '-'} has ${ifaces.length} interfaces (${ifaces.map((p) => p.fixed_ips.map((f) => f.subnet_id).join('+')).join(', ')}), want one on ${sb?.id ?? '-'}`);
    }
    const stray = [...mid.networks, ...mid.subnets, ...mid.routers].filter((r) => !runIdentity().markers.has(r.description));
    for (const r of stray) problems.push(`unmarked resource of the run: ${describeResource(r)}`);
    assert.deepEqual(problems, [], 'one marked network, subnet and router per Network, as its status says');
    const tenantSgs = mid.securityGroups.filter((g) => g.name.startsWith(`stackube-tenant-${PREFIX}`));
    assert.deepEqual(tenantSgs.map((g) => g.name).sort(), tenantNames.map((t) => tenantSecurityGroupName(t)).sort(), 'one security group per tenant');
    const midCounts = `${mid.networks.length} networks, ${mid.subnets.length} subnets, ${mid.routers.length} routers, ${mid.ports.length} ports, ${mid.securityGroups.length} security groups, ${mid.rules.length} rules`;
    console.log(`  all ${N} Networks Active after ${(createMs / 1000).toFixed(1)}s; the run holds ${midCounts} in Neutron`);

    // ---- delete the Networks in one call, then the tenants, while the controller is killed again
    const tDelete = since();
    const [deleted] = await Promise.all([
      kubectl(['delete', 'networks', '--all-namespaces', '-l', `${RUN_LABEL}=${RUN}`, '--wait=false'], admin),
      killer.atProgress('delete', KILLS_DELETE, () => (N - presentCount()) / N, () => presentCount() === 0, progressState),
    ]);
    assert.equal(deleted.code, 0, deleted.stderr);
    const allGone = await eventually(async () => Promise.resolve(presentCount() === 0), 1_500_000, 500);
    assert.ok(allGone, `every Network was deleted; left: ${netInformer.keys().filter((k) => netKeys.has(k)).map((k) => `${k} (${netInformer.get(k)?.status?.message ?? ''})`).join(', ')}`);
    const deleteMs = since() - tDelete;

    const tTenantsDelete = since();
    const [deletedTenants] = await Promise.all([
      kubectl(['delete', 'tenants', '-l', `${RUN_LABEL}=${RUN}`, '--wait=false'], admin),
      // The tenants' finalizers delete their namespaces (and so their default Networks) first, then the security
      // group, the project's default group and quotas: progress counts both halves.
      killer.atProgress('tenants', KILLS_TENANTS, () => (2 * T - runPresent().length - tenantInformer.size) / (2 * T), () => tenantInformer.size === 0, progressState),
    ]);
    assert.equal(deletedTenants.code, 0, deletedTenants.stderr);
    const tenantsGone = await eventually(async () => Promise.resolve(tenantInformer.size === 0 && runPresent().length === 0), 600_000, 500);
    assert.ok(tenantsGone, `every tenant and its default Network was deleted; left: ${[...tenantInformer.keys(), ...runPresent()].join(', ')}`);
    const tenantsDeleteMs = since() - tTenantsDelete;

    // ---- nothing left, checked with full listings
    const afterAll = await neutronSnapshot(neutron);
    const id = runIdentity({ networkIds: mid.networks.map((n) => n.id), routerIds: mid.routers.map((r) => r.id) });
    const left = runResources(afterAll, id);
    assertNoLeaks(left);
    // GET /quotas lists the projects that have non-default quotas: a tenant's networkQuota must be reset on deletion.
    const quotaProjects = ((await neutronCall(neutron, 'GET', '/quotas')).body as { quotas?: { project_id?: string; tenant_id?: string }[] }).quotas ?? [];
    assert.deepEqual(quotaProjects.map((q) => q.project_id ?? q.tenant_id ?? '').filter((p) => id.projectIds.has(p)), [], 'no Neutron quota of the run\'s projects is left');
    const runProjects = (await projects.list(identity)).filter((p) => p.name.startsWith(PREFIX) || id.projectIds.has(p.id));
    assert.deepEqual(runProjects.map((p) => `${p.name} ${p.id}`), [], 'no Keystone project of the run is left');
    const nsLeft = (await kube.request<{ items: KubeObject[] }>('GET', '/api/v1/namespaces')).items.filter((ns) => (ns.metadata?.name ?? '').startsWith(PREFIX));
    assert.deepEqual(nsLeft.map((ns) => ns.metadata?.name ?? ''), [], 'no namespace of the run is left');

    // The run's share of the global counts is what it was before (nothing of it existed then); the global counts
    // are back too unless another test created or deleted its own resources meanwhile (then they are shown).
    const mineBefore = runResources(before, id);
    for (const k of SNAPSHOT_KINDS) assert.equal(left[k].length, mineBefore[k].length, `the run's ${k} are back to ${mineBefore[k].length}`);
    const foreign: string[] = [];
    for (const k of SNAPSHOT_KINDS) {
      const b = new Set<string>(before[k].map((r) => r.id));
      const a = new Set<string>(afterAll[k].map((r) => r.id));
      const diff = [...afterAll[k].filter((r) => !b.has(r.id)).map((r) => `+${k} ${r.id}`), ...before[k].filter((r) => !a.has(r.id)).map((r) => `-${k} ${r.id}`)];
      if (diff.length === 0) assert.equal(afterAll[k].length, before[k].length, `the global ${k} count is back to what it was`);
      else foreign.push(...diff);
    }
    if (foreign.length > 0) console.log(`  meanwhile other tests changed ${foreign.length} Neutron resources that are not this run's: ${foreign.slice(0, 20).join(', ')}${foreign.length > 20 ? ', …' : ''}`);

    console.log(`  ${killer.kills.length} kills (${killer.count('create')} while creating, ${killer.count('delete')} while deleting Networks, ${killer.count('tenants')} while deleting tenants), seed ${SEED}`);
    console.log(`  create → all ${N} Active: ${(createMs / 1000).toFixed(1)}s; delete → all gone: ${(deleteMs / 1000).toFixed(1)}s; tenants gone: ${(tenantsDeleteMs / 1000).toFixed(1)}s; total ${(since() / 1000).toFixed(1)}s`);
    console.log(`  Neutron before: ${snapshotCounts(before)}; after: ${snapshotCounts(afterAll)}`);
  });
});
