// Keystone → Tenant sync: pure decisions. Given the Keystone projects the operator selected (by domain or tag)
// and the Tenants that exist, decide which Tenants to create, which synced Tenants to check, label or delete.
// Data in, plans out: no clients, no I/O (ADR 0008).
import { API_VERSION, GROUP, LABEL_KEYSTONE_SYNC, LABEL_MANAGED_BY, LABEL_PROJECT_ID, MANAGED_BY } from '../../api/constants.js';
import { adoptedProjectID, type Tenant } from '../../api/tenant.js';

/** Label the sync puts on a synced Tenant whose Keystone project was deleted (orphan policy). Value "true". */
export const LABEL_KEYSTONE_PROJECT_DELETED = `${GROUP}/keystone-project-deleted`;
/** Field manager of every write the sync makes (server-side apply of Tenants, label patches). */
export const SYNC_FIELD_MANAGER = 'stackube-keystone-sync';
/** Prefix of the Keystone tag the tenant controller puts on the projects it creates (see domain/tenant projectTag). */
export const TENANT_PROJECT_TAG_PREFIX = 'stackube-tenant-';
/** Projects that are never synced: Keystone's own, made by `keystone-manage bootstrap` in the Default domain. */
export const RESERVED_PROJECTS: readonly { domainId: string; name: string }[] = [
  { domainId: 'default', name: 'admin' },
  { domainId: 'default', name: 'service' },
];
/** What happens to a synced Tenant whose project is gone from Keystone. */
export const DELETE_POLICIES = ['orphan', 'delete'] as const;
/** orphan: keep the Tenant, label it and emit an Event; delete: delete the Tenant (its finalizer removes its namespaces). */
export type DeletePolicy = (typeof DELETE_POLICIES)[number];

/** A Keystone project as the sync sees it. */
export interface SyncProject {
  id: string;
  name: string;
  domainId: string;
  tags: readonly string[];
  /** Keystone's domain-as-project records are never synced. */
  isDomain?: boolean;
}

/** A Tenant as the sync sees it. */
export interface SyncTenant {
  name: string;
  uid: string;
  /** The project it adopts (spec.projectID or the original's spec.tenantID), else the one in its status. */
  projectId: string | undefined;
  /** Carries LABEL_KEYSTONE_SYNC=true: the sync created it and may label or delete it. */
  synced: boolean;
  /** Carries LABEL_KEYSTONE_PROJECT_DELETED=true. */
  markedDeleted: boolean;
  /** Has a deletionTimestamp. */
  deleting: boolean;
}

/** A Tenant the sync should create for a project. */
export interface TenantToCreate {
  name: string;
  projectId: string;
  projectName: string;
  /** The project's own name was unusable or taken, so the name is `p-<project id>`. */
  fallback: boolean;
}

/** The first phase's answer. */
export interface SyncPlan {
  /** Selected projects, after the exclusions. */
  selected: SyncProject[];
  create: TenantToCreate[];
  /** Projects that get no Tenant because even the fallback name is taken, with why. */
  skipped: { projectId: string; projectName: string; reason: string }[];
  /** Synced Tenants whose project is not selected any more: the caller asks Keystone whether it still exists. */
  suspects: SyncTenant[];
  /** Synced Tenants labelled as deleted whose project is selected again: drop the label. */
  unmark: SyncTenant[];
}

/** The second phase's answer, once Keystone said which suspects' projects are gone. */
export interface GonePlan {
  delete: SyncTenant[];
  mark: SyncTenant[];
  unmark: SyncTenant[];
}

/** Reduces a stored Tenant to what the sync needs. Pure. */
export function toSyncTenant(t: Pick<Tenant, 'metadata' | 'spec' | 'status'>): SyncTenant {
  const labels = t.metadata.labels ?? {};
  return {
    name: t.metadata.name ?? '',
    uid: t.metadata.uid ?? '',
    projectId: adoptedProjectID(t.spec ?? {}) ?? (t.status?.projectID || undefined),
    synced: labels[LABEL_KEYSTONE_SYNC] === 'true',
    markedDeleted: labels[LABEL_KEYSTONE_PROJECT_DELETED] === 'true',
    deleting: t.metadata.deletionTimestamp !== undefined,
  };
}

/**
 * Whether a listed project may become a Tenant: not a domain record, not Keystone's own admin/service project of
 * the Default domain, and not a project the tenant controller created (tagged `stackube-tenant-<uid>`: it
 * already has its Tenant). Pure.
 */
export function isSyncable(p: SyncProject): boolean {
  if (p.isDomain === true) return false;
  if (RESERVED_PROJECTS.some((r) => r.domainId === p.domainId && r.name === p.name)) return false;
  return !p.tags.some((t) => t.startsWith(TENANT_PROJECT_TAG_PREFIX));
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// spec.projectID's schema (api/crd.ts KEYSTONE_ID, at most 64 characters).
const ADOPTABLE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/**
 * A project name made into a DNS-1123 label: lower case, accents dropped, every run of other characters
 * (spaces, `_`, `.`) one `-`, no leading or trailing `-`, at most 63 characters. '' when nothing is left. Pure.
 */
export function dnsLabel(name: string): string {
  return name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+/, '').slice(0, 63).replace(/-+$/, '');
}

/**
 * Whether a Tenant may take this name: a DNS-1123 label that the Tenant schema accepts (not `default`,
 * `kube-*` or `stackube-system`, since the Tenant's default namespace takes its name). Pure.
 */
export function isUsableTenantName(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name) && name !== 'default' && name !== 'stackube-system' && !name.startsWith('kube-');
}

/** The fallback name of a project's Tenant: `p-<project id>`, made DNS-safe. Pure. */
export function fallbackName(projectId: string): string {
  return dnsLabel(`p-${projectId}`);
}

/**
 * Phase one. Selects the syncable projects, decides a Tenant for each project no Tenant adopts yet (any Tenant,
 * synced or not, so a project never gets two), and lists the synced Tenants whose project is not selected.
 * Names: the project's name made DNS-safe; `p-<id>` when that is unusable or taken by a Tenant, an existing
 * namespace (the Tenant's default namespace takes its name, and must not capture someone else's) or an
 * earlier project of this plan. Projects are taken in id order, so the outcome is deterministic. Pure.
 */
export function planSync(input: { projects: readonly SyncProject[]; tenants: readonly SyncTenant[]; namespaces: ReadonlySet<string> }): SyncPlan {
  const byId = new Map<string, SyncProject>();
  for (const p of input.projects) if (isSyncable(p)) byId.set(p.id, p);
  const selected = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const adopted = new Set(input.tenants.map((t) => t.projectId).filter((id): id is string => id !== undefined));
  const taken = new Set<string>([...input.tenants.map((t) => t.name), ...input.namespaces]);
  const plan: SyncPlan = { selected, create: [], skipped: [], suspects: [], unmark: [] };
  for (const p of selected) {
    if (adopted.has(p.id)) continue;
    if (!ADOPTABLE_ID.test(p.id)) {
      plan.skipped.push({ projectId: p.id, projectName: p.name, reason: 'its id is not one spec.projectID accepts' });
      continue;
    }
    const own = dnsLabel(p.name);
    let name = own;
    let fallback = false;
    if (!isUsableTenantName(own) || taken.has(own)) {
      name = fallbackName(p.id);
      fallback = true;
      if (!isUsableTenantName(name) || taken.has(name)) {
        plan.skipped.push({ projectId: p.id, projectName: p.name, reason: `neither "${own}" nor "${name}" is a free Tenant name` });
        continue;
      }
    }
    taken.add(name);
    plan.create.push({ name, projectId: p.id, projectName: p.name, fallback });
  }
  for (const t of input.tenants) {
    // A synced Tenant that adopts no project was labelled by hand: the sync never touches it.
    if (!t.synced || t.projectId === undefined) continue;
    if (!byId.has(t.projectId)) plan.suspects.push(t);
    else if (t.markedDeleted) plan.unmark.push(t);
  }
  return plan;
}

/**
 * Phase two. For each suspect: its project is gone from Keystone → `delete` deletes the Tenant (unless it is
 * already being deleted), `orphan` labels it (once); its project still exists but is no longer selected (a
 * removed tag, a changed config) → it stays, and loses a stale deleted label. A project Keystone could not be
 * asked about is in neither set and nothing happens to its Tenant. Pure.
 */
export function planGone(input: { suspects: readonly SyncTenant[]; gone: ReadonlySet<string>; present: ReadonlySet<string>; policy: DeletePolicy }): GonePlan {
  const out: GonePlan = { delete: [], mark: [], unmark: [] };
  for (const t of input.suspects) {
    const id = t.projectId ?? '';
    if (input.gone.has(id)) {
      if (input.policy === 'delete') {
        if (!t.deleting) out.delete.push(t);
      } else if (!t.markedDeleted) out.mark.push(t);
    } else if (input.present.has(id) && t.markedDeleted) out.unmark.push(t);
  }
  return out;
}

/**
 * The server-side apply body of a synced Tenant: it adopts the project (so deleting the Tenant never deletes the
 * project) and carries the sync, managed-by and project-id labels. Pure.
 */
export function syncedTenant(c: Pick<TenantToCreate, 'name' | 'projectId'>): { apiVersion: typeof API_VERSION; kind: 'Tenant'; metadata: { name: string; labels: Record<string, string> }; spec: { projectID: string } } {
  return {
    apiVersion: API_VERSION, kind: 'Tenant',
    metadata: {
      name: c.name,
      labels: {
        [LABEL_KEYSTONE_SYNC]: 'true', [LABEL_MANAGED_BY]: MANAGED_BY,
        // Keystone ids are 32 hex characters; an id that is no label value (64 characters) goes without the label.
        ...(LABEL_VALUE.test(c.projectId) ? { [LABEL_PROJECT_ID]: c.projectId } : {}),
      },
    },
    spec: { projectID: c.projectId },
  };
}
