// The Network controller against the real stack (issue 4): apiserver, Keystone, Neutron (server, linuxbridge, DHCP
// and L3 agents, external network stackube-external) and stackube-controller, all started by hack/up.sh.
//  1. 50 tenants created in one batch all get their default Network 10.244.0.0/16 (overlapping ranges across
//     tenants), each its own Neutron network, subnet and router, as real Neutron and `openstack` listings show;
//     stackube-controller is SIGKILLed at seeded random points while the 50 Networks are created and again while
//     they are deleted (with their tenants); afterwards full Neutron listings hold nothing of theirs (networks,
//     subnets, routers, ports, security groups, rules, quotas), nor Keystone (projects) or Kubernetes (namespaces).
//     Knobs: STACKUBE_NETWORKS_SEED (replays the kill points), STACKUBE_NETWORKS_KILLS ("2,2": while creating,
//     while deleting). test/scale/network-crash.test.ts is the heavier variant (10 Networks per tenant).
//  2. Bad input ends as a refusal by the apiserver or as state Failed with a reason and a clear message, and never
//     brings the controller down. 3. Adoption of an existing Neutron network, which is never deleted.
//  4. Nameserver updates reach the subnet; the range is immutable. 5. The tenant's security group and quotas.
//  6. Neutron away: Failed with NeutronUnavailable, then Active by itself once it is back.
// Neutron is slow here (router create and interface ~1–2 s each, two API workers): waits are generous, durations
// are only printed, never asserted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Condition } from '../../src/api/meta.js';
import type { NetworkSpec, NetworkStatus } from '../../src/api/network.js';
import { isAllowAllIngress, networkMarker, tenantSecurityGroupMarker, tenantSecurityGroupName } from '../../src/domain/network/plan.js';
import { Informer } from '../../src/kube/informer.js';
import { isNotFound } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { systemClock } from '../../src/lib/clock.js';
import { createOpenStackClient } from '../../src/openstack/core/client.js';
import { projects } from '../../src/openstack/keystone/projects.js';
import { users } from '../../src/openstack/keystone/users.js';
import { neutronCall } from '../../src/openstack/neutron/common.js';
import { networks } from '../../src/openstack/neutron/networks.js';
import { quotas } from '../../src/openstack/neutron/quotas.js';
import { securityGroups } from '../../src/openstack/neutron/security-groups.js';
import { subnets } from '../../src/openstack/neutron/subnets.js';
import { ControllerKiller, SNAPSHOT_KINDS, assertNoLeaks, describeResource, neutronSnapshot, runIdentity, runResources, snapshotCounts, type RunIdentity } from './crash.js';
import { ADMIN_KUBECONFIG, CLOUDS, adminKube, cloud, controllerGet, daemonPid, eventually, hack, kubectl, run, seededRandom } from './harness.js';

// The names must differ between runs (a rerun must not meet the last run's leftovers).
const RUN = randomBytes(3).toString('hex');
const PREFIX = `net-${RUN}-`;
const RUN_LABEL = 'stackube-test/network-run';
const DEFAULT_CIDR = '10.244.0.0/16';
const EXTERNAL = 'stackube-external';
const OPENSTACK = '/usr/bin/openstack';
const GROUP = 'stackube.kubernetes.io';
const admin = { kubeconfig: ADMIN_KUBECONFIG };
const os = createOpenStackClient({ cloud: cloud('admin'), clock: systemClock, sleep: (ms) => sleep(ms) });
const neutron = os.service('network');
const identity = os.service('identity');
const SEED = Number(process.env['STACKUBE_NETWORKS_SEED'] ?? randomInt(2 ** 31));
const [KILLS_CREATE = 2, KILLS_DELETE = 2] = (process.env['STACKUBE_NETWORKS_KILLS'] ?? '2,2').split(',').map(Number);
const kube = adminKube('stackube-it-network');
const t0 = performance.now();
const secs = (from: number): string => `${((performance.now() - from) / 1000).toFixed(1)}s`;

interface TenantObj extends KubeObject {
  spec?: Record<string, unknown>;
  status?: { phase?: string; projectID?: string; securityGroupID?: string; conditions?: Condition[] };
}
interface NetworkObj extends KubeObject {
  spec?: NetworkSpec;
  status?: NetworkStatus;
}

function writeJson(obj: unknown): string {
  const f = join(mkdtempSync(join(tmpdir(), 'network-it-')), 'obj.json');
  writeFileSync(f, JSON.stringify(obj));
  return f;
}
/** kubectl apply of one object, or of a List in one call. */
function apply(obj: unknown): ReturnType<typeof kubectl> {
  return kubectl(['apply', '-f', writeJson(obj)], admin);
}
const tenantManifest = (name: string, group: string, spec: Record<string, unknown> = {}): unknown =>
  ({ apiVersion: `${GROUP}/v1`, kind: 'Tenant', metadata: { name, labels: { [RUN_LABEL]: `${RUN}-${group}` } }, spec });
const networkManifest = (namespace: string, name: string, spec: NetworkSpec): unknown =>
  ({ apiVersion: `${GROUP}/v1`, kind: 'Network', metadata: { name, namespace, labels: { [RUN_LABEL]: RUN } }, spec });

async function getOrUndefined<T>(path: string): Promise<T | undefined> {
  try {
    return await kube.request<T>('GET', path);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}
const getTenant = (name: string): Promise<TenantObj | undefined> => getOrUndefined(`/apis/${GROUP}/v1/tenants/${name}`);
const getNetwork = (ns: string, name: string): Promise<NetworkObj | undefined> => getOrUndefined(`/apis/${GROUP}/v1/namespaces/${ns}/networks/${name}`);
async function listTenants(group: string): Promise<TenantObj[]> {
  const sel = encodeURIComponent(`${RUN_LABEL}=${RUN}-${group}`);
  return (await kube.request<{ items: TenantObj[] }>('GET', `/apis/${GROUP}/v1/tenants?labelSelector=${sel}`)).items;
}
/** Every Network in the given namespaces (one cluster-wide list). */
async function networksIn(namespaces: ReadonlySet<string>): Promise<NetworkObj[]> {
  return (await kube.request<{ items: NetworkObj[] }>('GET', `/apis/${GROUP}/v1/networks`)).items.filter((n) => namespaces.has(n.metadata?.namespace ?? ''));
}
async function namespacesLeft(namespaces: ReadonlySet<string>): Promise<string[]> {
  return (await kube.request<{ items: KubeObject[] }>('GET', '/api/v1/namespaces')).items.map((n) => n.metadata?.name ?? '').filter((n) => namespaces.has(n));
}

const readyOf = (o: { status?: { conditions?: Condition[] } } | undefined): Condition | undefined => o?.status?.conditions?.find((c) => c.type === 'Ready');
/** Active with Neutron ids, for the current generation of its spec. */
const isActive = (n: NetworkObj): boolean => n.status?.state === 'Active' && Boolean(n.status.networkID) && n.status.observedGeneration === n.metadata?.generation;
const isFailedWith = (reason: string) => (n: NetworkObj): boolean => n.status?.state === 'Failed' && readyOf(n)?.reason === reason;
const tenantReady = (t: TenantObj | undefined): boolean => t?.status?.phase === 'Active' && readyOf(t)?.status === 'True' && Boolean(t.status.projectID);

async function waitNetwork(ns: string, name: string, want: (n: NetworkObj) => boolean, what: string, timeoutMs = 300_000): Promise<NetworkObj> {
  let last: NetworkObj | undefined;
  const ok = await eventually(async () => { last = await getNetwork(ns, name); return last !== undefined && want(last); }, timeoutMs, 500);
  assert.ok(ok, `Network ${ns}/${name} never became ${what}: ${JSON.stringify(last?.status)}`);
  return last as NetworkObj;
}
async function waitTenant(name: string, timeoutMs = 300_000): Promise<TenantObj> {
  let last: TenantObj | undefined;
  assert.ok(await eventually(async () => tenantReady((last = await getTenant(name))), timeoutMs, 500), `tenant ${name} never became Ready: ${JSON.stringify(last?.status)}`);
  return last as TenantObj;
}

/** Deletes the run's tenants of a group (their namespaces and Networks go with them) and waits until all is gone. */
async function deleteTenants(group: string, namespaces: ReadonlySet<string>, timeoutMs: number): Promise<void> {
  const del = await kubectl(['delete', 'tenants', '-l', `${RUN_LABEL}=${RUN}-${group}`, '--wait=false'], admin);
  assert.equal(del.code, 0, del.stderr);
  let left: string[] = [];
  const gone = await eventually(async () => {
    left = [...(await listTenants(group)).map((t) => `tenant ${t.metadata?.name ?? ''} (${t.status?.phase ?? ''})`), ...(await namespacesLeft(namespaces)).map((n) => `namespace ${n}`)];
    return left.length === 0;
  }, timeoutMs, 2_000);
  assert.ok(gone, `the tenants of group ${group} and their namespaces were deleted; left: ${left.join(', ')}`);
}

/** How to recognise in Neutron what the run made for some tenants: Network markers, Neutron ids, projects, groups. */
function owned(tenants: readonly TenantObj[], nets: readonly NetworkObj[]): RunIdentity {
  return runIdentity({
    neutronPrefix: `kube-${PREFIX}`,
    networkUids: nets.map((n) => n.metadata?.uid ?? ''),
    tenants: tenants.map((t) => ({ name: t.metadata?.name ?? '', uid: t.metadata?.uid ?? '', ...(t.status?.projectID ? { projectID: t.status.projectID } : {}) })),
    networkIds: nets.flatMap((n) => (n.status?.networkID ? [n.status.networkID] : [])),
    routerIds: nets.flatMap((n) => (n.status?.routerID ? [n.status.routerID] : [])),
  });
}
/**
 * Full admin listings of what is left in Neutron of `o`. Security groups are listed unfiltered on purpose: a
 * project_id filter would make Neutron create the project's `default` group on the spot.
 */
async function leftovers(o: RunIdentity): Promise<string[]> {
  const left = runResources(await neutronSnapshot(neutron), o);
  return SNAPSHOT_KINDS.flatMap((k) => (left[k] as { id: string }[]).map((r) => `${k} ${describeResource(r)}`));
}

async function externalNetworkId(): Promise<string> {
  const ext = await networks.list(neutron, { name: EXTERNAL, 'router:external': true });
  assert.equal(ext.length, 1, `one external network ${EXTERNAL}`);
  return ext[0]?.id ?? '';
}

/** The real OpenStack CLI (python-openstackclient) with the admin cloud, JSON output. */
async function openstackCli<T>(args: readonly string[]): Promise<T> {
  const r = await run(OPENSTACK, ['--os-cloud', 'admin', ...args, '-f', 'json'], { OS_CLIENT_CONFIG_FILE: CLOUDS }, 180_000);
  assert.equal(r.code, 0, `openstack ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

after(async () => {
  kube.close();
  await os.close();
  console.log(`  network.test total ${secs(t0)}`);
});

describe(`50 tenants with the same default range 10.244.0.0/16, controller SIGKILLed while creating and deleting (seed ${SEED})`, () => {
  const N = 50;
  const names = Array.from({ length: N }, (_, i) => `${PREFIX}${String(i).padStart(2, '0')}`);
  const nsSet = new Set(names);
  // A third use the original's compatibility fields, so the tenant controller creates (and must delete) Keystone
  // users too: the kills then also land in the tenant controller's Keystone steps.
  const compat = new Set(names.filter((_, i) => i % 3 === 0));
  const killer = new ControllerKiller(seededRandom(SEED), () => Math.round(performance.now() - t0));
  // Watches (not polls) for the kill points: how many default Networks are Active, how many are gone.
  const netInformer = new Informer<NetworkObj>({ client: kube, path: `/apis/${GROUP}/v1/networks` });
  const tenantInformer = new Informer<TenantObj>({ client: kube, path: `/apis/${GROUP}/v1/tenants`, labelSelector: `${RUN_LABEL}=${RUN}-many` });
  const everActive = new Set<string>();
  const seenNets = new Map<string, NetworkObj>();
  const trackNet = (n: NetworkObj): void => {
    const ns = n.metadata?.namespace ?? '';
    if (!nsSet.has(ns) || n.metadata?.name !== ns) return;
    seenNets.set(ns, n);
    if (isActive(n)) everActive.add(ns);
  };
  netInformer.addHandlers({ onAdd: trackNet, onUpdate: (_o, n) => trackNet(n) });
  const present = (): number => netInformer.keys().filter((k) => nsSet.has(k.split('/')[0] ?? '')).length;
  const state = (): string => `${everActive.size}/${N} Networks Active, ${present()} present, ${tenantInformer.size} tenants present`;
  let created = false;
  after(async () => {
    // A failed run must not leave these tenants behind for the next suites, nor a stopped controller.
    await hack('controller-up.sh');
    await netInformer.stop();
    await tenantInformer.stop();
    if (created && ((await listTenants('many')).length > 0 || (await namespacesLeft(nsSet)).length > 0)) await deleteTenants('many', nsSet, 1_500_000);
  }, { timeout: 1_600_000 });

  it('gives each tenant its own Neutron network, subnet and router, and deleting the tenants leaves nothing in Neutron, Keystone or Kubernetes', { timeout: 3_600_000 }, async () => {
    console.log(`  seed ${SEED} (STACKUBE_NETWORKS_SEED=${SEED} replays the kill points), run ${RUN}, kills ${KILLS_CREATE} while creating, ${KILLS_DELETE} while deleting`);
    const extId = await externalNetworkId();
    const before = await neutronSnapshot(neutron);
    const projectsBefore = await projects.list(identity);
    netInformer.start();
    tenantInformer.start();
    assert.ok(await netInformer.waitForSync(), 'the network watch synced');
    assert.ok(await tenantInformer.waitForSync(), 'the tenant watch synced');
    // ---- one batch: a multi-object List in one kubectl apply, while the controller is killed at random points
    const tCreate = performance.now();
    created = true;
    const [applied] = await Promise.all([
      apply({ apiVersion: 'v1', kind: 'List', items: names.map((n) => tenantManifest(n, 'many', compat.has(n) ? { username: n, password: randomBytes(12).toString('hex') } : {})) }),
      killer.atProgress('create', KILLS_CREATE, () => everActive.size / N, () => everActive.size === N, state),
    ]);
    assert.equal(applied.code, 0, applied.stderr);
    let nets: NetworkObj[] = [];
    const defaults = (): NetworkObj[] => nets.filter((n) => n.metadata?.name === n.metadata?.namespace);
    const allActive = await eventually(async () => {
      nets = await networksIn(nsSet);
      return defaults().length === N && defaults().every(isActive);
    }, 1_500_000, 3_000);
    assert.ok(allActive, `all ${N} default Networks Active; not: ${names.filter((n) => !defaults().some((x) => x.metadata?.namespace === n && isActive(x))).map((n) => `${n} (${JSON.stringify(defaults().find((x) => x.metadata?.namespace === n)?.status ?? null)})`).slice(0, 10).join(', ')}`);
    console.log(`  all ${N} default Networks Active after ${secs(tCreate)} (${killer.count('create')} kills)`);
    // Every tenant Ready too (its Neutron step: security group and quotas). A tenant that is not is reported at the
    // end, so that one run also shows what its Networks and the deletion did.
    const tenants = new Map<string, TenantObj>();
    await eventually(async () => {
      for (const t of await listTenants('many')) tenants.set(t.metadata?.name ?? '', t);
      return names.every((n) => tenantReady(tenants.get(n)));
    }, 300_000, 3_000);
    const tenantProblems = names.filter((n) => !tenantReady(tenants.get(n))).map((n) => {
      const c = readyOf(tenants.get(n));
      return `${n}: ${tenants.get(n)?.status?.phase ?? 'no status'} ${c?.reason ?? ''}: ${c?.message ?? ''}`;
    });
    if (tenantProblems.length > 0) console.log(`  ${tenantProblems.length} tenants not Ready after ${secs(tCreate)}, e.g. ${tenantProblems[0] ?? ''}`);
    else console.log(`  all ${N} tenants Ready after ${secs(tCreate)}`);
    assert.equal(nets.length, N, `exactly one Network per tenant: ${nets.map((n) => `${n.metadata?.namespace ?? ''}/${n.metadata?.name ?? ''}`).join(', ')}`);

    // ---- real Neutron listings (admin, every project): exactly one marked network, subnet and router per
    // Network (no twins from a create the kills interrupted), as its status says
    const mid = await neutronSnapshot(neutron);
    const byId = <T extends { id: string }>(xs: T[]): Map<string, T> => new Map(xs.map((x) => [x.id, x]));
    const [netById, subById, rtrById] = [byId(mid.networks), byId(mid.subnets), byId(mid.routers)];
    const ifaces = mid.ports.filter((p) => p.device_owner === 'network:router_interface');
    const problems: string[] = [];
    for (const n of defaults()) {
      const ns = n.metadata?.namespace ?? '';
      const want = `kube-${ns}-${n.metadata?.name ?? ''}`;
      const marker = networkMarker(n.metadata?.uid ?? '');
      const projectId = tenants.get(ns)?.status?.projectID ?? '?';
      const st = n.status ?? {};
      assert.equal(n.spec?.cidr, DEFAULT_CIDR, `${ns}: the default Network's range`);
      const marked = [mid.networks, mid.subnets, mid.routers].map((xs) => xs.filter((x) => x.description === marker).length);
      if (marked.some((c) => c !== 1)) problems.push(`${ns}: ${marked.join('/')} networks/subnets/routers carry ${marker}, want one each`);
      const net = netById.get(st.networkID ?? '');
      const sub = subById.get(st.subnetID ?? '');
      const rtr = rtrById.get(st.routerID ?? '');
      if (!net) { problems.push(`${ns}: network ${st.networkID ?? '-'} is not in Neutron`); continue; }
      if (!sub) { problems.push(`${ns}: subnet ${st.subnetID ?? '-'} is not in Neutron`); continue; }
      if (!rtr) { problems.push(`${ns}: router ${st.routerID ?? '-'} is not in Neutron`); continue; }
      if (net.project_id !== projectId) problems.push(`${ns}: network ${net.id} is in project ${net.project_id}, the tenant's is ${projectId}`);
      if (net.name !== want || sub.name !== want || rtr.name !== want) problems.push(`${ns}: names ${net.name} / ${sub.name} / ${rtr.name}, want ${want}`);
      if (net.description !== marker || sub.description !== marker || rtr.description !== marker) problems.push(`${ns}: markers ${net.description} / ${sub.description} / ${rtr.description}, want ${marker}`);
      if (sub.network_id !== net.id || sub.cidr !== DEFAULT_CIDR || sub.project_id !== projectId) problems.push(`${ns}: subnet ${sub.id} ${sub.cidr} on ${sub.network_id} in ${sub.project_id}`);
      if (rtr.project_id !== projectId) problems.push(`${ns}: router ${rtr.id} is in project ${rtr.project_id}`);
      if (rtr.external_gateway_info?.network_id !== extId) problems.push(`${ns}: router ${rtr.id} gateway on ${rtr.external_gateway_info?.network_id ?? 'nothing'}, want ${EXTERNAL} ${extId}`);
      const mine = ifaces.filter((p) => p.device_id === rtr.id);
      if (mine.length !== 1 || !mine[0]?.fixed_ips.some((f) => f.subnet_id === sub.id) || mine[0].network_id !== net.id) {
        problems.push(`${ns}: router ${rtr.id} interfaces ${JSON.stringify(mine.map((p) => p.fixed_ips))}, want one on subnet ${sub.id}`);
      }
    }
    assert.deepEqual(problems, [], 'each Network: its own network, subnet and router in its tenant\'s project, as its status says');
    const netIds = defaults().map((n) => n.status?.networkID ?? '');
    assert.equal(new Set(netIds).size, N, 'all 50 Neutron networks are distinct');
    assert.equal(new Set(defaults().map((n) => n.status?.subnetID)).size, N, 'all 50 subnets are distinct');
    assert.equal(new Set(defaults().map((n) => n.status?.routerID)).size, N, 'all 50 routers are distinct');
    const tenantSgs = mid.securityGroups.filter((g) => g.name.startsWith(`stackube-tenant-${PREFIX}`)).map((g) => g.name).sort();
    assert.deepEqual(tenantSgs, names.map((t) => tenantSecurityGroupName(t)).sort(), 'one security group per tenant, no twins');

    const midUsers = (await users.list(identity)).filter((u) => u.name.startsWith(PREFIX));
    assert.deepEqual(midUsers.map((u) => u.name).sort(), [...compat].sort(), 'one Keystone user per compatibility tenant, no twins');
    const midProjects = (await projects.list(identity)).filter((p) => p.name.startsWith(PREFIX));
    assert.equal(midProjects.length, N, `one Keystone project per tenant, no twins: ${midProjects.length}`);

    // ---- the same, as the real openstack CLI lists it
    const cliNets = new Map((await openstackCli<{ ID: string; Name: string; Subnets: string[] }[]>(['network', 'list'])).map((n) => [n.ID, n]));
    const cliSubs = new Map((await openstackCli<{ ID: string; Name: string; Network: string; Subnet: string }[]>(['subnet', 'list'])).map((s) => [s.ID, s]));
    for (const n of defaults()) {
      const ns = n.metadata?.namespace ?? '';
      const c = cliNets.get(n.status?.networkID ?? '');
      assert.ok(c, `openstack network list shows ${n.status?.networkID ?? ''}`);
      assert.equal(c.Name, `kube-${ns}-${ns}`, `openstack network list: ${c.ID} is named kube-${ns}-${ns}`);
      assert.deepEqual(c.Subnets, [n.status?.subnetID], `openstack network list: ${c.ID}'s subnet`);
      const s = cliSubs.get(n.status?.subnetID ?? '');
      assert.ok(s, `openstack subnet list shows ${n.status?.subnetID ?? ''}`);
      assert.equal(s.Subnet, DEFAULT_CIDR, `openstack subnet list: ${s.ID} is ${DEFAULT_CIDR}`);
      assert.equal(s.Network, c.ID);
    }
    console.log(`  Neutron and openstack CLI listings agree: ${N} networks, subnets and routers, all ${DEFAULT_CIDR}, each on ${EXTERNAL}`);

    // ---- delete the 50 tenants in one call while the controller is killed again: nothing of theirs is left
    const o = owned([...tenants.values()], nets);
    assert.equal(o.sgMarkers.size, N);
    const tDelete = performance.now();
    const del = await kubectl(['delete', 'tenants', '-l', `${RUN_LABEL}=${RUN}-many`, '--wait=false'], admin);
    assert.equal(del.code, 0, del.stderr);
    // Progress counts both halves: the Networks (their namespaces go first) and then the tenants.
    await killer.atProgress('delete', KILLS_DELETE, () => (2 * N - present() - tenantInformer.size) / (2 * N), () => tenantInformer.size === 0, state);
    await deleteTenants('many', nsSet, 1_500_000);
    console.log(`  ${N} tenants, namespaces and Networks deleted after ${secs(tDelete)} (${killer.count('delete')} kills)`);
    const afterAll = await neutronSnapshot(neutron);
    assertNoLeaks(runResources(afterAll, o));
    // GET /quotas lists the projects with non-default quotas: a tenant's networkQuota must be reset on deletion.
    const quotaProjects = ((await neutronCall(neutron, 'GET', '/quotas')).body as { quotas?: { project_id?: string; tenant_id?: string }[] }).quotas ?? [];
    assert.deepEqual(quotaProjects.map((q) => q.project_id ?? q.tenant_id ?? '').filter((p) => o.projectIds.has(p)), [], 'no Neutron quota of the run\'s projects is left');
    const projectsAfter = await projects.list(identity);
    const runProjects = projectsAfter.filter((p) => p.name.startsWith(PREFIX) || o.projectIds.has(p.id));
    assert.deepEqual(runProjects.map((p) => `${p.name} ${p.id}`), [], 'no Keystone project of the run is left');
    const runUsers = (await users.list(identity)).filter((u) => u.name.startsWith(PREFIX));
    assert.deepEqual(runUsers.map((u) => `${u.name} ${u.id}`), [], 'no Keystone user of the run is left');
    // The password Secrets are owned by their Tenant: the garbage collector removes them shortly after it goes.
    const secretsLeft = async (): Promise<string[]> => (await kube.request<{ items: KubeObject[] }>('GET', '/api/v1/namespaces/stackube-system/secrets')).items
      .map((x) => x.metadata?.name ?? '').filter((n) => n.startsWith(`tenant-${PREFIX}`));
    assert.ok(await eventually(async () => (await secretsLeft()).length === 0, 60_000, 1_000), `no password Secret is left: ${(await secretsLeft()).join(', ')}`);
    console.log(`  Keystone projects: ${projectsBefore.length} before, ${projectsAfter.length} after`);
    // The global counts are back too unless another suite changed its own resources meanwhile (then shown).
    const foreign: string[] = [];
    for (const k of SNAPSHOT_KINDS) {
      const b = new Set<string>(before[k].map((r) => r.id));
      const a = new Set<string>(afterAll[k].map((r) => r.id));
      foreign.push(...afterAll[k].filter((r) => !b.has(r.id)).map((r) => `+${k} ${r.id}`), ...before[k].filter((r) => !a.has(r.id)).map((r) => `-${k} ${r.id}`));
    }
    console.log(`  Neutron before: ${snapshotCounts(before)}; after: ${snapshotCounts(afterAll)}${foreign.length > 0 ? `; not this run's: ${foreign.slice(0, 10).join(', ')}` : ''}`);
    assert.deepEqual(tenantProblems, [], `all ${N} tenants became Ready (Keystone, namespace, Neutron security group and quotas)`);
  });
});

describe('Network input, adoption, updates, tenant security groups and quotas, Neutron outages', () => {
  const A = `${PREFIX}a`; // bad input, adoption, updates, security group
  const AX = `${A}-x`; // an additional namespace of tenant A
  const B = `${PREFIX}b`; // quotas, and the owner of the "foreign" network
  const C = `${PREFIX}down`; // created while Neutron is away
  const PLAIN = `${PREFIX}plain`; // a namespace of no tenant
  const nsSet = new Set([A, AX, B, C]);
  let adopted: { networkId: string; subnetId: string } | undefined;
  let controllerPid: number | undefined;

  before(async () => {
    controllerPid = daemonPid('stackube-controller');
    assert.ok(controllerPid, 'stackube-controller runs');
    assert.equal((await controllerGet('/healthz')).status, 200);
    const r = await apply({ apiVersion: 'v1', kind: 'List', items: [
      tenantManifest(A, 'misc', { namespaces: { additional: [AX] } }),
      tenantManifest(B, 'misc', { networkQuota: { networks: 3, ports: 40 } }),
    ] });
    assert.equal(r.code, 0, r.stderr);
    for (const t of [A, B]) {
      await waitTenant(t);
      await waitNetwork(t, t, isActive, 'Active');
    }
  }, { timeout: 900_000 });

  after(async () => {
    // Always leave Neutron running and nothing of ours behind (never anyone else's).
    if (daemonPid('neutron-server') === undefined) await hack('neutron-up.sh');
    if (adopted) {
      await subnets.delete(neutron, adopted.subnetId).catch(() => undefined);
      await networks.delete(neutron, adopted.networkId).catch(() => undefined);
    }
    await kubectl(['delete', 'namespace', PLAIN, '--ignore-not-found', '--wait=false'], admin);
    if ((await listTenants('misc')).length > 0 || (await namespacesLeft(nsSet)).length > 0) await deleteTenants('misc', nsSet, 900_000);
    assert.ok(await eventually(async () => (await namespacesLeft(new Set([PLAIN]))).length === 0, 300_000, 1_000), `namespace ${PLAIN} was deleted`);
  }, { timeout: 1_300_000 });

  it('refuses bad input (the apiserver, or state Failed with a reason and a clear message) and the controller stays up', { timeout: 900_000 }, async () => {
    // The CRD's CEL rules refuse these at the apiserver, so they never reach the controller: stronger than
    // Failed. (The controller would still mark such objects Failed/InvalidSpec if one was stored without them.)
    const refusals: [string, NetworkSpec, RegExp][] = [
      ['bad-host-bits', { cidr: '10.0.0.1/24' }, /must be a network address/],
      ['bad-octet', { cidr: '300.0.0.0/8' }, /must be an IPv4 CIDR such as 10\.244\.0\.0\/16, not .{0,2}300\.0\.0\.0\/8/],
      ['bad-gateway', { cidr: '10.252.0.0/24', gateway: '10.253.0.1' }, /gateway 10\.253\.0\.1 is outside cidr 10\.252\.0\.0\/24/],
    ];
    for (const [name, spec, message] of refusals) {
      const r = await apply(networkManifest(A, name, spec));
      assert.notEqual(r.code, 0, `${name}: kubectl apply must fail`);
      assert.match(r.stderr, message, `${name}: the apiserver's message`);
      assert.equal(await getNetwork(A, name), undefined, `${name} was not stored`);
    }

    // A range overlapping the tenant's default Network, in the same namespace and in another namespace of the
    // same tenant: Failed/CIDROverlap, naming the Network that has the range. A disjoint range is fine.
    assert.equal((await apply(networkManifest(A, 'overlap', { cidr: '10.244.5.0/24' }))).code, 0);
    assert.equal((await apply(networkManifest(AX, 'overlap-x', { cidr: '10.244.128.0/17' }))).code, 0);
    assert.equal((await apply(networkManifest(A, 'disjoint', { cidr: '10.250.0.0/24' }))).code, 0);
    for (const [ns, name, cidr] of [[A, 'overlap', '10.244.5.0/24'], [AX, 'overlap-x', '10.244.128.0/17']] as const) {
      const n = await waitNetwork(ns, name, isFailedWith('CIDROverlap'), 'Failed/CIDROverlap');
      assert.match(n.status?.message ?? '', new RegExp(`spec\\.cidr ${cidr.replaceAll('.', '\\.')} overlaps Network ${A}/${A} \\(10\\.244\\.0\\.0/16\\)`));
      assert.equal(n.status?.networkID, undefined, `${name} got no Neutron network`);
    }
    await waitNetwork(A, 'disjoint', isActive, 'Active');

    // An unknown Neutron network, and another tenant's network (the security check), to adopt.
    const unknown = randomUUID();
    assert.equal((await apply(networkManifest(A, 'unknown', { networkID: unknown }))).code, 0);
    const u = await waitNetwork(A, 'unknown', isFailedWith('NetworkNotFound'), 'Failed/NetworkNotFound');
    assert.match(u.status?.message ?? '', new RegExp(`Neutron network ${unknown} does not exist`));
    const foreign = (await getNetwork(B, B))?.status?.networkID ?? '';
    assert.ok(foreign, `tenant ${B}'s network`);
    assert.equal((await apply(networkManifest(A, 'foreign', { networkID: foreign }))).code, 0);
    const f = await waitNetwork(A, 'foreign', isFailedWith('NetworkOfAnotherProject'), 'Failed/NetworkOfAnotherProject');
    assert.match(f.status?.message ?? '', new RegExp(`Neutron network ${foreign} belongs to another project`));
    assert.equal(f.status?.networkID, undefined, 'the foreign network is not recorded');
    assert.ok(await networks.get(neutron, foreign), `tenant ${B}'s network is untouched`);

    // A namespace of no tenant.
    const mk = await kubectl(['create', 'namespace', PLAIN], admin);
    assert.equal(mk.code, 0, mk.stderr);
    assert.equal((await apply(networkManifest(PLAIN, 'orphan', { cidr: '10.244.0.0/16' }))).code, 0);
    const p = await waitNetwork(PLAIN, 'orphan', isFailedWith('NotATenantNamespace'), 'Failed/NotATenantNamespace');
    assert.match(p.status?.message ?? '', new RegExp(`namespace ${PLAIN} belongs to no tenant`));

    // The controller survived all of it: the same process, healthy.
    assert.equal(daemonPid('stackube-controller'), controllerPid, 'stackube-controller was not restarted');
    assert.equal((await controllerGet('/healthz')).status, 200, 'stackube-controller is healthy');
  });

  it('adopts an existing Neutron network of the tenant\'s project and never deletes it', { timeout: 600_000 }, async () => {
    const projectId = (await getTenant(A))?.status?.projectID ?? '';
    assert.ok(projectId);
    const net = await networks.create(neutron, { name: `${PREFIX}adopted`, project_id: projectId, description: 'stackube integration test: adopted' });
    adopted = { networkId: net.id, subnetId: '' };
    const sub = await subnets.create(neutron, { network_id: net.id, ip_version: 4, cidr: '10.251.0.0/24', project_id: projectId, name: `${PREFIX}adopted` });
    adopted.subnetId = sub.id;
    assert.equal((await apply(networkManifest(A, 'adopted', { networkID: net.id, cidr: '10.251.0.0/24' }))).code, 0);
    const n = await waitNetwork(A, 'adopted', isActive, 'Active');
    assert.equal(n.status?.networkID, net.id);
    assert.equal(n.status?.subnetID, sub.id);
    assert.equal(n.status?.routerID, undefined, 'the adopted network has no router');
    assert.equal(readyOf(n)?.reason, 'NetworkAdopted');
    const del = await kubectl(['-n', A, 'delete', 'network', 'adopted', '--timeout=300s'], admin);
    assert.equal(del.code, 0, del.stderr);
    assert.equal(await getNetwork(A, 'adopted'), undefined);
    assert.equal((await networks.get(neutron, net.id))?.id, net.id, 'the adopted Neutron network still exists');
    assert.equal((await subnets.get(neutron, sub.id))?.id, sub.id, 'its subnet too');
    await subnets.delete(neutron, sub.id);
    await networks.delete(neutron, net.id);
    adopted = undefined;
  });

  it('applies nameserver changes to the Neutron subnet; the range cannot change', { timeout: 600_000 }, async () => {
    const n = await waitNetwork(A, 'disjoint', isActive, 'Active');
    const subnetId = n.status?.subnetID ?? '';
    assert.deepEqual((await subnets.get(neutron, subnetId))?.dns_nameservers, []);
    for (const dns of [['192.0.2.53', '198.51.100.53'], ['198.51.100.53']]) {
      const r = await kubectl(['-n', A, 'patch', 'network', 'disjoint', '--type=merge', '-p', JSON.stringify({ spec: { dnsNameservers: dns } })], admin);
      assert.equal(r.code, 0, r.stderr);
      let have: string[] | undefined;
      assert.ok(await eventually(async () => JSON.stringify(have = (await subnets.get(neutron, subnetId))?.dns_nameservers) === JSON.stringify(dns), 120_000, 500),
        `the subnet's dns_nameservers follow ${dns.join(',')}: ${JSON.stringify(have)}`);
      await waitNetwork(A, 'disjoint', isActive, 'Active for the new generation');
    }
    const cidr = await kubectl(['-n', A, 'patch', 'network', 'disjoint', '--type=merge', '-p', JSON.stringify({ spec: { cidr: '10.250.1.0/24' } })], admin);
    assert.notEqual(cidr.code, 0, 'a range change is refused');
    assert.match(cidr.stderr, /cidr is immutable: a Neutron subnet cannot change its range/);
    assert.equal((await subnets.get(neutron, subnetId))?.cidr, '10.250.0.0/24');
  });

  // Neutron refuses to move the gateway of a subnet whose router interface holds it (409 "Current gateway ip …
  // already in use by port …"), so the CRD makes spec.gateway immutable, like cidr.
  it('refuses a gateway change in the apiserver, and the Network stays Active with its subnet untouched', { timeout: 300_000 }, async () => {
    const before = await waitNetwork(A, 'disjoint', isActive, 'Active');
    const subnetId = before.status?.subnetID ?? '';
    const gatewayBefore = (await subnets.get(neutron, subnetId))?.gateway_ip;
    const r = await kubectl(['-n', A, 'patch', 'network', 'disjoint', '--type=merge', '-p', JSON.stringify({ spec: { gateway: '10.250.0.254' } })], admin);
    assert.notEqual(r.code, 0, 'the apiserver refuses the gateway change');
    assert.match(r.stderr, /gateway is immutable/, 'the apiserver says why');
    assert.equal((await subnets.get(neutron, subnetId))?.gateway_ip, gatewayBefore, 'the Neutron subnet keeps its gateway');
    assert.ok(isActive((await getNetwork(A, 'disjoint')) as NetworkObj), 'the Network stays Active');
  });

  it('gives the tenant a security group open only to its own members, and Neutron quotas from spec.networkQuota', { timeout: 600_000 }, async () => {
    const t = await waitTenant(A);
    const sg = await securityGroups.get(neutron, t.status?.securityGroupID ?? '');
    assert.ok(sg, `tenant ${A}'s security group ${t.status?.securityGroupID ?? ''} exists`);
    assert.equal(sg.project_id, t.status?.projectID, 'in the tenant\'s project');
    assert.equal(sg.name, tenantSecurityGroupName(A));
    assert.equal(sg.description, tenantSecurityGroupMarker(t.metadata?.uid ?? ''));
    const ingress = sg.security_group_rules.filter((r) => r.direction === 'ingress');
    assert.ok(ingress.some((r) => r.ethertype === 'IPv4'), 'an IPv4 ingress rule');
    for (const r of ingress) assert.equal(r.remote_group_id, sg.id, `ingress rule ${r.id} (${r.ethertype} ${r.remote_ip_prefix ?? ''}) admits only the group's own members`);
    // Rules count against their own project's quota: those of the tenant's group must be the tenant's, or every
    // tenant's rules would fill the admin project's quota (100 rules: ~48 tenants).
    assert.deepEqual(sg.security_group_rules.filter((r) => r.project_id !== sg.project_id).map((r) => `${r.direction} ${r.ethertype} rule ${r.id} in project ${r.project_id}`), [],
      'every rule of the group is in the tenant\'s project');
    assert.deepEqual(sg.security_group_rules.filter((r) => isAllowAllIngress(r)).map((r) => r.id), [], 'no ingress rule open to everyone');

    const b = await waitTenant(B);
    const projectB = b.status?.projectID ?? '';
    const q = await quotas.get(neutron, projectB);
    assert.equal(q.network, 3);
    assert.equal(q.port, 40);
    const r = await kubectl(['patch', 'tenant', B, '--type=merge', '-p', JSON.stringify({ spec: { networkQuota: { networks: 5 } } })], admin);
    assert.equal(r.code, 0, r.stderr);
    let now: { network: number; port: number } | undefined;
    assert.ok(await eventually(async () => { const x = await quotas.get(neutron, projectB); now = { network: x.network, port: x.port }; return x.network === 5 && x.port === 40; }, 120_000, 500),
      `the quota follows networks: 5 (ports stay 40): ${JSON.stringify(now)}`);
  });

  it('a Network made while Neutron is away is Failed/NeutronUnavailable, then Active by itself once Neutron is back', { timeout: 1_200_000 }, async () => {
    const down = await hack('neutron-down.sh', ['--server-only']);
    let up: Awaited<ReturnType<typeof hack>> | undefined;
    try {
      assert.equal(down.code, 0, `hack/neutron-down.sh --server-only: ${down.stdout}${down.stderr}`);
      assert.equal(daemonPid('neutron-server'), undefined, 'neutron-server is stopped');
      assert.equal((await apply(tenantManifest(C, 'misc'))).code, 0);
      const n = await waitNetwork(C, C, isFailedWith('NeutronUnavailable'), 'Failed/NeutronUnavailable');
      assert.match(n.status?.message ?? '', /Neutron unavailable/);
      assert.match(n.status?.message ?? '', /retrying/);
      let t: TenantObj | undefined;
      assert.ok(await eventually(async () => readyOf((t = await getTenant(C)))?.reason === 'NeutronUnavailable', 120_000, 500),
        `the tenant reports Neutron too: ${JSON.stringify(t?.status?.conditions)}`);
      assert.equal((await controllerGet('/healthz')).status, 200, 'stackube-controller stays healthy without Neutron');
    } finally {
      up = await hack('neutron-up.sh');
    }
    assert.equal(up.code, 0, `hack/neutron-up.sh: ${up.stdout}${up.stderr}`);
    const tBack = performance.now();
    const n = await waitNetwork(C, C, isActive, 'Active after Neutron came back', 600_000);
    assert.ok(await networks.get(neutron, n.status?.networkID ?? ''), 'its Neutron network exists');
    await waitTenant(C, 300_000);
    console.log(`  Network ${C}/${C} Active ${secs(tBack)} after Neutron was back`);
    assert.equal(daemonPid('stackube-controller'), controllerPid, 'stackube-controller was not restarted');
  });

  it('deleting the tenants removes every Network of theirs from Neutron (and the adopted one was left alone)', { timeout: 1_200_000 }, async () => {
    const tenants = (await listTenants('misc'));
    const nets = await networksIn(nsSet);
    const o = owned(tenants, nets);
    // The overlap, unknown and foreign Networks hold nothing in Neutron; the foreign one's id is tenant B's own.
    await kubectl(['delete', 'namespace', PLAIN, '--wait=false'], admin);
    await deleteTenants('misc', nsSet, 900_000);
    assert.deepEqual(await leftovers(o), [], 'no Neutron resource of these tenants is left');
  });
});
