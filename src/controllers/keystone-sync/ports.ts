import type { SyncProject, SyncTenant } from '../../domain/keystone-sync/plan.js';

/** The Keystone reads the sync needs. It never writes to Keystone. */
export interface SyncKeystone {
  /**
   * The projects of the configured domains and those carrying the configured tag (a project in both may be
   * listed twice). Domains that do not exist are named in unknownDomains, not thrown. Rejects when Keystone fails.
   */
  listSelected(): Promise<{ projects: SyncProject[]; unknownDomains: string[] }>;
  /** Whether a project exists (false only on a 404). Rejects when Keystone fails. */
  projectExists(id: string): Promise<boolean>;
}

/** A Tenant the sync refers to in Events. */
export interface TenantRef {
  name: string;
  uid: string;
}

/** The Kubernetes operations the sync needs; every write carries the sync's own field manager. */
export interface SyncKube {
  /** Every Tenant (all pages). Rejects with KubeError. */
  listTenants(): Promise<SyncTenant[]>;
  /** The names of every namespace (a new Tenant's default namespace must not capture one). */
  listNamespaceNames(): Promise<string[]>;
  /** Creates (server-side apply) a Tenant adopting projectId; resolves with its uid. Idempotent. */
  applyTenant(o: { name: string; projectId: string }): Promise<TenantRef>;
  /** Sets (deleted=true) or removes the keystone-project-deleted label. Resolves false when the Tenant is gone. */
  labelProjectDeleted(t: TenantRef, deleted: boolean): Promise<boolean>;
  /** Deletes the Tenant if it still has this uid; resolves false when it is already gone. */
  deleteTenant(t: TenantRef): Promise<boolean>;
  /** Records an Event about a Tenant; never throws. */
  event(t: TenantRef, type: 'Normal' | 'Warning', reason: string, message: string): void;
}
