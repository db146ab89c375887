// stackube.kubernetes.io/v1 Tenant: a cluster-scoped object mapped to one Keystone project (created, or adopted
// through spec.projectID), with its namespaces, owners, quotas, default Network and isolation policy.
// The OpenAPI schema in crd.ts is proven at compile time to accept exactly these types.
import type { API_VERSION } from './constants.js';
import type { Condition, ObjectMeta } from './meta.js';

/** Kind of the Tenant CRD. */
export const TENANT_KIND = 'Tenant';
/** Resource (plural) of the Tenant CRD, as in `/apis/stackube.kubernetes.io/v1/tenants`. */
export const TENANT_PLURAL = 'tenants';

/** Keystone roles an owner can hold on the tenant's project (mapped to admin/edit/view in its namespaces, ADR 0003). */
export const OWNER_ROLES = ['admin', 'member', 'reader'] as const;
/** A Keystone role an owner holds on the tenant's project. */
export type OwnerRole = (typeof OWNER_ROLES)[number];

/** Whether an owner is a Keystone user or a Keystone group. */
export const OWNER_KINDS = ['User', 'Group'] as const;
/** Whether an owner is a Keystone user or a Keystone group. */
export type OwnerKind = (typeof OWNER_KINDS)[number];

/** A Keystone user or group given a role on the tenant's project. Exactly one of `name` and `id` is set. */
export interface TenantOwner {
  kind: OwnerKind;
  /** Keystone name, looked up in `domain`. */
  name?: string;
  /** Keystone id (needs no domain). */
  id?: string;
  /** Keystone domain name or id of a named owner; default "Default". */
  domain?: string;
  role: OwnerRole;
}

/** Namespaces of a tenant besides its default one (named after the Tenant). */
export interface TenantNamespaces {
  /** More namespaces the controller creates and labels for the tenant. */
  additional?: string[];
  /** Most namespaces the tenant may own, the default one included; tenant admins may create up to this many. */
  maxNamespaces?: number;
}

/** A resource quantity: an integer or a Kubernetes quantity string ("500m", "4Gi"). */
export type Quantity = number | string;

/** Tenant-wide ResourceQuota (`hard`, as in ResourceQuotaSpec). */
export interface TenantResourceQuota {
  hard: Record<string, Quantity>;
}

/** Per-container LimitRange defaults in each tenant namespace. */
export interface TenantLimitRange {
  /** Default limits of a container that sets none. */
  default?: Record<string, Quantity>;
  /** Default requests of a container that sets none. */
  defaultRequest?: Record<string, Quantity>;
}

/** Parameters of the tenant's default Network (created in its default namespace). */
export interface TenantNetworkDefaults {
  cidr?: string;
  gateway?: string;
  dnsNameservers?: string[];
}

/**
 * Neutron quotas of the tenant's project (-1 = unlimited). Unset fields keep Neutron's defaults; for a project
 * Stackube created, removing the whole block resets the project to Neutron's defaults.
 */
export interface TenantNetworkQuota {
  networks?: number;
  subnets?: number;
  ports?: number;
  routers?: number;
  floatingIPs?: number;
  securityGroups?: number;
  securityGroupRules?: number;
}

/** Isolation modes: hard never lets a tenant pod run outside an allowed runtime class; soft only defaults it. */
export const ISOLATION_MODES = ['hard', 'soft'] as const;
/** An isolation mode (see ISOLATION_MODES). */
export type IsolationMode = (typeof ISOLATION_MODES)[number];

/** How the tenant's pods are sandboxed. Unset fields take the operator's configured defaults. */
export interface TenantIsolation {
  /** RuntimeClass given to tenant pods that name none. Always allowed. */
  runtimeClassName?: string;
  /** Further RuntimeClasses the tenant's pods may name. */
  allowedRuntimeClasses?: string[];
  mode?: IsolationMode;
}

/** Service types a tenant may be allowed to create. */
export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
/** A Service type (see SERVICE_TYPES). */
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** Where the compatibility user's password lives once it is out of the spec. */
export interface PasswordSecretRef {
  name: string;
  namespace: string;
  /** Key in the Secret's data; default "password". */
  key?: string;
}

/** Desired state of a Tenant. Every field is optional: `spec: {}` creates a project named after the Tenant. */
export interface TenantSpec {
  /** Adopt this existing Keystone project instead of creating one. Adopted projects are never deleted. */
  projectID?: string;
  /** Keystone domain (name or id) of a created project; default "Default". */
  domain?: string;
  owners?: TenantOwner[];
  namespaces?: TenantNamespaces;
  resourceQuota?: TenantResourceQuota;
  limitRange?: TenantLimitRange;
  network?: TenantNetworkDefaults;
  networkQuota?: TenantNetworkQuota;
  isolation?: TenantIsolation;
  /** StorageClasses the tenant's claims may name; unset: the operator's default. */
  allowedStorageClasses?: string[];
  /** Service types the tenant may create; unset: the operator's default. */
  allowedServiceTypes?: ServiceType[];
  /** Original Stackube: alias of projectID ("" = unset). */
  tenantID?: string;
  /** Original Stackube: a Keystone user the controller creates in the project (and deletes with the Tenant). */
  username?: string;
  /** Original Stackube: that user's password. Input only: the controller moves it into a Secret and clears it. */
  password?: string;
  /** The Secret holding the compatibility user's password (set by the controller when it moves spec.password). */
  passwordSecretRef?: PasswordSecretRef;
}

/** Coarse lifecycle summary; conditions carry the detail. */
export const TENANT_PHASES = ['Pending', 'Active', 'Failed', 'Terminating'] as const;
/** A Tenant phase (see TENANT_PHASES). */
export type TenantPhase = (typeof TENANT_PHASES)[number];

/** Condition types on a Tenant. Ready is True only when every other one is. */
export const TenantConditionType = {
  Ready: 'Ready',
  KeystoneReady: 'KeystoneReady',
  NamespacesReady: 'NamespacesReady',
  RBACReady: 'RBACReady',
  QuotaReady: 'QuotaReady',
  NetworkReady: 'NetworkReady',
} as const;
/** A Tenant condition type (see TenantConditionType). */
export type TenantConditionType = (typeof TenantConditionType)[keyof typeof TenantConditionType];

/** Observed state of a Tenant, written only through the status subresource. */
export interface TenantStatus {
  phase?: TenantPhase;
  conditions?: Condition[];
  /** The metadata.generation the status describes. */
  observedGeneration?: number;
  /** The Keystone project (created or adopted). */
  projectID?: string;
  /** The Keystone user created for spec.username. */
  userID?: string;
  /** The tenant's namespaces, the default one first. */
  namespaces?: string[];
  /** The tenant's Neutron security group (ingress only from its own members), given to every tenant pod's port. */
  securityGroupID?: string;
  /** Resources in use across the tenant's namespaces (sum of their ResourceQuota usage). */
  usage?: Record<string, Quantity>;
}

/** A Tenant object as stored by the apiserver. */
export interface Tenant {
  apiVersion: typeof API_VERSION;
  kind: typeof TENANT_KIND;
  metadata: ObjectMeta;
  spec: TenantSpec;
  status?: TenantStatus;
}

/** The Keystone project a spec asks to adopt (projectID, else the original's tenantID), or undefined to create one. Pure. */
export function adoptedProjectID(spec: TenantSpec): string | undefined {
  if (spec.projectID !== undefined && spec.projectID !== '') return spec.projectID;
  if (spec.tenantID !== undefined && spec.tenantID !== '') return spec.tenantID;
  return undefined;
}
