import type { Tenant } from '../../api/tenant.js';
import type { DesiredObject } from '../../domain/tenant/plan.js';
import type { RuleSpec } from '../../domain/network/plan.js';

/** The Keystone operations the tenant controller needs. Every method is idempotent; "find" methods resolve undefined. */
export interface TenantKeystone {
  /** Domain id for a name or id; undefined when no such domain. */
  resolveDomain(nameOrId: string): Promise<string | undefined>;
  getProject(id: string): Promise<{ id: string; name: string } | undefined>;
  /** The project carrying this tag (created by us earlier, maybe before a crash). */
  findProjectByTag(tag: string): Promise<{ id: string; name: string } | undefined>;
  createProject(o: { name: string; domainId: string; tag: string; description: string }): Promise<{ id: string }>;
  /** Deletes a project; a missing one counts as deleted. */
  deleteProject(id: string): Promise<void>;
  /** A user by name in a domain whose description equals marker (so we never touch users we did not create). */
  findMarkedUser(name: string, domainId: string, marker: string): Promise<{ id: string } | undefined>;
  createUser(o: { name: string; domainId: string; password: string; projectId: string; description: string }): Promise<{ id: string }>;
  deleteUser(id: string): Promise<void>;
  /** Grants a role (by name) on a project to a user or group given by id, or by name in a domain. */
  grantRole(o: { projectId: string; role: string; kind: 'User' | 'Group'; id?: string; name?: string; domain?: string }): Promise<void>;
}

/** The Kubernetes operations the tenant controller needs. */
export interface TenantKube {
  getTenant(name: string): Promise<Tenant | undefined>;
  ensureFinalizer(t: Tenant): Promise<Tenant>;
  /** Removes the finalizer; resolves when the Tenant may go. */
  removeFinalizer(t: Tenant): Promise<void>;
  /** Server-side applies an object with the controller's field manager. */
  apply(o: DesiredObject): Promise<void>;
  /** Whether the Network CRD is installed (the default Network is created only then). */
  hasNetworkApi(): Promise<boolean>;
  /** Names of the namespaces labelled as this tenant's. */
  listTenantNamespaces(tenant: string): Promise<string[]>;
  /** The subset its admins created themselves (label stackube.kubernetes.io/tenant-created=true). */
  listTenantCreatedNamespaces(tenant: string): Promise<string[]>;
  /** Deletes a namespace; resolves true once it is gone. */
  deleteNamespace(name: string): Promise<boolean>;
  /** Stores the compatibility password in a Secret (owned by the Tenant) and returns its reference. */
  storePassword(t: Tenant, password: string): Promise<{ name: string; namespace: string; key: string }>;
  readPassword(ref: { name: string; namespace: string; key?: string }): Promise<string | undefined>;
  /** Replaces spec.password with spec.passwordSecretRef (JSON merge patch on the spec). */
  movePasswordOutOfSpec(t: Tenant, ref: { name: string; namespace: string; key: string }): Promise<void>;
  writeStatus(t: Tenant, status: NonNullable<Tenant['status']>): Promise<void>;
  event(t: Tenant, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** A Neutron security group with its rules, as the tenant controller sees it. */
export interface TenantSecurityGroup { id: string; rules: (RuleSpec & { id: string })[] }

/**
 * The Neutron operations the tenant controller needs (the tenant's security group and quotas). Idempotent;
 * transient failures reject with the network controller's NeutronUnavailableError.
 */
export interface TenantNeutron {
  /** The security group whose description is this marker, if any. */
  findSecurityGroup(marker: string): Promise<TenantSecurityGroup | undefined>;
  createSecurityGroup(o: { projectId: string; name: string; marker: string }): Promise<TenantSecurityGroup>;
  /** Creates rules in the group, owned by the tenant's project (so they count against its quota, not the admin's). */
  createRules(groupId: string, projectId: string, rules: RuleSpec[]): Promise<void>;
  deleteRule(id: string): Promise<void>;
  /** Deletes a group; a missing one counts as deleted. */
  deleteSecurityGroup(id: string): Promise<void>;
  /** Sets the given quota keys of a project (Neutron names: network, port, …). */
  setQuota(projectId: string, quota: Record<string, number>): Promise<void>;
  /** Resets a project's quotas to Neutron's defaults. */
  resetQuota(projectId: string): Promise<void>;
  /** Deletes the `default` group Neutron made for a project (it would outlive a project Stackube deletes). */
  deleteDefaultSecurityGroup(projectId: string): Promise<void>;
}
