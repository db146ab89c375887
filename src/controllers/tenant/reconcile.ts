import { TerminalError, describeError } from '../../lib/errors.js';
import { adoptedProjectID, type Tenant, type TenantStatus } from '../../api/tenant.js';
import { DEFAULT_KEYSTONE_DOMAIN } from '../../api/constants.js';
import { desiredObjects, projectTag, setCondition, tenantNamespaces, userMarker } from '../../domain/tenant/plan.js';
import { neutronQuota, ruleChanges, tenantSecurityGroupMarker, tenantSecurityGroupName, tenantSecurityGroupRules } from '../../domain/network/plan.js';
import { NeutronUnavailableError } from '../network/ports.js';
import type { TenantKeystone, TenantKube, TenantNeutron } from './ports.js';

/** Event reasons (constants, as CONVENTIONS asks). */
export const REASONS = {
  ProjectCreated: 'ProjectCreated',
  ProjectAdopted: 'ProjectAdopted',
  ProjectNotFound: 'ProjectNotFound',
  DomainNotFound: 'DomainNotFound',
  PasswordMoved: 'PasswordMoved',
  PasswordMissing: 'PasswordSecretMissing',
  OwnerFailed: 'OwnerGrantFailed',
  Ready: 'Ready',
  Deleted: 'CleanedUp',
  KeystoneError: 'KeystoneError',
  NeutronUnavailable: 'NeutronUnavailable',
  NeutronRefused: 'NeutronRefused',
} as const;

export interface TenantReconcilerDeps {
  keystone: TenantKeystone;
  kube: TenantKube;
  /** The tenant's Neutron security group and quotas; absent when the controller runs without Neutron. */
  neutron?: TenantNeutron;
  now: () => string;
}

/**
 * Level-based reconcile of one Tenant (key = its name). Every step is idempotent and safe to repeat after a
 * crash at any point: a created project is found again by its tag, a created user by its marker, and objects are
 * server-side applied. Deletion (finalizer) removes the namespaces, the compatibility user and a created project;
 * an adopted project is never deleted. Throws to be retried; bad specs end as Ready=False with a reason.
 */
export function tenantReconciler(d: TenantReconcilerDeps): (key: string) => Promise<{ requeueAfterMs?: number }> {
  return async (key) => {
    const found = await d.kube.getTenant(key);
    if (!found) return {};
    if (found.metadata.deletionTimestamp) return finalize(d, found);
    const t = await d.kube.ensureFinalizer(found);
    const gen = t.metadata.generation ?? 0;
    const uid = t.metadata.uid ?? '';
    let status: TenantStatus = { ...(t.status ?? {}), observedGeneration: gen };
    const cond = (type: string, ok: boolean, reason: string, message: string): void => {
      status = { ...status, conditions: setCondition(status.conditions, { type, status: ok ? 'True' : 'False', reason, message, observedGeneration: gen }, d.now()) };
    };
    const fail = async (type: string, reason: string, message: string, requeueAfterMs?: number): Promise<{ requeueAfterMs?: number }> => {
      cond(type, false, reason, message);
      cond('Ready', false, reason, message);
      await d.kube.writeStatus(t, { ...status, phase: 'Failed' });
      d.kube.event(t, 'Warning', reason, message);
      return requeueAfterMs === undefined ? {} : { requeueAfterMs };
    };

    // 1. The original's plaintext password moves into a Secret before anything else uses it.
    if (t.spec.password) {
      const ref = await d.kube.storePassword(t, t.spec.password);
      await d.kube.movePasswordOutOfSpec(t, ref);
      d.kube.event(t, 'Normal', REASONS.PasswordMoved, `spec.password moved to Secret ${ref.namespace}/${ref.name}`);
      return {}; // the spec update is itself a watch event: the next reconcile sees the new generation
    }

    // 2. The Keystone project: adopt, or find the one we created (by tag), or create it.
    let projectId: string;
    const adopt = adoptedProjectID(t.spec);
    try {
      if (adopt) {
        const p = await d.keystone.getProject(adopt);
        if (!p) return await fail('KeystoneReady', REASONS.ProjectNotFound, `Keystone project ${adopt} does not exist (spec.projectID)`, 60_000);
        projectId = p.id;
        if (status.projectID !== p.id) d.kube.event(t, 'Normal', REASONS.ProjectAdopted, `adopted Keystone project ${p.name} (${p.id})`);
      } else {
        const domain = t.spec.domain ?? DEFAULT_KEYSTONE_DOMAIN;
        const domainId = await d.keystone.resolveDomain(domain);
        if (!domainId) return await fail('KeystoneReady', REASONS.DomainNotFound, `Keystone domain "${domain}" does not exist (spec.domain)`, 60_000);
        const mine = await d.keystone.findProjectByTag(projectTag(uid));
        if (mine) projectId = mine.id;
        else {
          projectId = (await d.keystone.createProject({ name: key, domainId, tag: projectTag(uid), description: `Stackube tenant ${key}` })).id;
          d.kube.event(t, 'Normal', REASONS.ProjectCreated, `created Keystone project ${key} (${projectId})`);
        }
      }
    } catch (e) {
      if (e instanceof TerminalError) return fail('KeystoneReady', REASONS.KeystoneError, e.message, 300_000);
      cond('KeystoneReady', false, REASONS.KeystoneError, describeError(e));
      await d.kube.writeStatus(t, { ...status, phase: status.phase ?? 'Pending' }).catch(() => undefined);
      throw e;
    }
    status = { ...status, projectID: projectId };

    // 3. The original's user, and the owners' role grants.
    if (t.spec.username) {
      const ref = t.spec.passwordSecretRef;
      const password = ref ? await d.kube.readPassword(ref) : undefined;
      if (!password) return fail('KeystoneReady', REASONS.PasswordMissing, `the password Secret ${ref ? `${ref.namespace}/${ref.name}` : '(spec.passwordSecretRef unset)'} is missing`, 30_000);
      const domainId = (await d.keystone.resolveDomain(t.spec.domain ?? DEFAULT_KEYSTONE_DOMAIN)) ?? '';
      const user = (await d.keystone.findMarkedUser(t.spec.username, domainId, userMarker(uid)))
        ?? (await d.keystone.createUser({ name: t.spec.username, domainId, password, projectId, description: userMarker(uid) }));
      await d.keystone.grantRole({ projectId, role: 'member', kind: 'User', id: user.id });
      status = { ...status, userID: user.id };
    }
    for (const o of t.spec.owners ?? []) {
      try {
        await d.keystone.grantRole({ projectId, role: o.role, kind: o.kind, ...(o.id ? { id: o.id } : {}), ...(o.name ? { name: o.name } : {}), domain: o.domain ?? DEFAULT_KEYSTONE_DOMAIN });
      } catch (e) {
        if (e instanceof TerminalError) return fail('KeystoneReady', REASONS.OwnerFailed, e.message, 60_000);
        throw e;
      }
    }
    cond('KeystoneReady', true, adopt ? 'ProjectAdopted' : 'ProjectReady', `Keystone project ${projectId}`);

    // 4. Namespaces, RBAC, quota, limits, isolation policy and the default Network.
    const withNetwork = await d.kube.hasNetworkApi();
    // Namespaces the tenant's admins created themselves are the tenant's too (RBAC, quota, policy), but only
    // they (or the Tenant's deletion) remove them.
    const tenantCreated = await d.kube.listTenantCreatedNamespaces(key);
    for (const o of desiredObjects(t, projectId, { withNetwork, tenantCreated })) await d.kube.apply(o);
    // Namespaces dropped from spec.namespaces.additional are deleted (they are labelled as ours).
    const wanted = new Set([...tenantNamespaces(t), ...tenantCreated]);
    for (const ns of await d.kube.listTenantNamespaces(key)) if (!wanted.has(ns)) await d.kube.deleteNamespace(ns);
    cond('NamespacesReady', true, 'Applied', `namespaces ${[...wanted].join(', ')}`);
    cond('RBACReady', true, 'Applied', 'role bindings for admin, member and reader');
    cond('QuotaReady', true, 'Applied', t.spec.resourceQuota ? 'resource quota applied' : 'no quota requested');
    // 5. Neutron: the tenant's security group (ingress only from its own members) and the project's quotas.
    let networkMessage = withNetwork ? `Network ${key}/${key} applied` : 'the Network API is not installed';
    if (d.neutron) {
      try {
        const sg = await ensureSecurityGroup(d.neutron, t, projectId);
        const q = t.spec.networkQuota;
        if (q) await d.neutron.setQuota(projectId, neutronQuota(q));
        else if (!adopt) await d.neutron.resetQuota(projectId);
        status = { ...status, securityGroupID: sg };
        networkMessage += `; security group ${sg}${q ? '; Neutron quotas applied' : ''}`;
      } catch (e) {
        const transient = e instanceof NeutronUnavailableError;
        if (!transient && !(e instanceof TerminalError)) throw e;
        return fail('NetworkReady', transient ? REASONS.NeutronUnavailable : REASONS.NeutronRefused, describeError(e), transient ? 5_000 : 300_000);
      }
    }
    cond('NetworkReady', true, withNetwork ? 'NetworkRequested' : 'NetworkApiAbsent', networkMessage);
    const wasReady = status.phase === 'Active';
    cond('Ready', true, REASONS.Ready, 'tenant is ready');
    await d.kube.writeStatus(t, { ...status, phase: 'Active', namespaces: [...wanted] });
    if (!wasReady) d.kube.event(t, 'Normal', REASONS.Ready, `tenant ready with project ${projectId}`);
    return {};
  };
}

/** How often a deleted tenant re-checks its namespaces when no namespace event arrives. */
export const NAMESPACE_WAIT_MS = 15_000;

async function finalize(d: TenantReconcilerDeps, t: Tenant): Promise<{ requeueAfterMs?: number }> {
  const name = t.metadata.name ?? '';
  const uid = t.metadata.uid ?? '';
  if (!(t.metadata.finalizers ?? []).length) return {};
  if (t.status?.phase !== 'Terminating') {
    await d.kube.writeStatus(t, { ...(t.status ?? {}), phase: 'Terminating' }).catch(() => undefined);
  }
  // Namespaces first (their contents go with them); wait until they are gone. The namespace watch re-enqueues the
  // tenant when one goes, so the requeue is only a safety net: polling every 2 s made 50 tenants being deleted at
  // once cost ~16 reconciles a second (namespace DELETE + GET each) while Neutron needed the CPU.
  let pending = 0;
  for (const ns of await d.kube.listTenantNamespaces(name)) if (!(await d.kube.deleteNamespace(ns))) pending++;
  if (pending > 0) return { requeueAfterMs: NAMESPACE_WAIT_MS };
  // Neutron: our security group; for a project we created also the group Neutron made for it and its quotas.
  if (d.neutron) {
    try {
      const sg = await d.neutron.findSecurityGroup(tenantSecurityGroupMarker(uid));
      if (sg) await d.neutron.deleteSecurityGroup(sg.id);
      // The project we created is found by its tag (the status may never have been written before a crash).
      const projectId = adoptedProjectID(t.spec) ? undefined : ((await d.keystone.findProjectByTag(projectTag(uid)))?.id ?? t.status?.projectID);
      if (projectId) {
        await d.neutron.deleteDefaultSecurityGroup(projectId);
        await d.neutron.resetQuota(projectId);
      }
    } catch (e) {
      if (!(e instanceof NeutronUnavailableError) && !(e instanceof TerminalError)) throw e;
      await d.kube.writeStatus(t, { ...(t.status ?? {}), phase: 'Terminating' }).catch(() => undefined);
      d.kube.event(t, 'Warning', e instanceof NeutronUnavailableError ? REASONS.NeutronUnavailable : REASONS.NeutronRefused, `${describeError(e)} (retrying the deletion)`);
      return { requeueAfterMs: e instanceof NeutronUnavailableError ? 5_000 : 30_000 };
    }
  }
  // The compatibility user, found by its marker so that we never delete a user we did not create.
  if (t.spec.username) {
    const domainId = (await d.keystone.resolveDomain(t.spec.domain ?? DEFAULT_KEYSTONE_DOMAIN)) ?? '';
    const user = await d.keystone.findMarkedUser(t.spec.username, domainId, userMarker(uid));
    if (user) await d.keystone.deleteUser(user.id);
  }
  // A project we created (tagged); an adopted one stays.
  if (!adoptedProjectID(t.spec)) {
    const mine = await d.keystone.findProjectByTag(projectTag(uid));
    if (mine) await d.keystone.deleteProject(mine.id);
  }
  // Read again: status writes above changed the resourceVersion the finalizer patch is guarded by.
  await d.kube.removeFinalizer((await d.kube.getTenant(name)) ?? t);
  d.kube.event(t, 'Normal', REASONS.Deleted, 'namespaces and Keystone resources removed');
  return {};
}

/** Finds or creates the tenant's security group and converges its rules; resolves its id. */
async function ensureSecurityGroup(n: TenantNeutron, t: Tenant, projectId: string): Promise<string> {
  const marker = tenantSecurityGroupMarker(t.metadata.uid ?? '');
  const sg = (await n.findSecurityGroup(marker)) ?? (await n.createSecurityGroup({ projectId, name: tenantSecurityGroupName(t.metadata.name ?? ''), marker }));
  const { create, remove } = ruleChanges(tenantSecurityGroupRules(sg.id), sg.rules);
  if (create.length > 0) await n.createRules(sg.id, projectId, create);
  for (const id of remove) await n.deleteRule(id);
  return sg.id;
}
