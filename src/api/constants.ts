/** API group of Stackube's CRDs, labels and annotations. */
export const GROUP = 'stackube.kubernetes.io';

/** Namespace label naming the Keystone project that owns the namespace. Set only by operators or the controller. */
export const LABEL_PROJECT_ID = `${GROUP}/project-id`;
/** Namespace label naming the Tenant that owns the namespace. */
export const LABEL_TENANT = `${GROUP}/tenant`;

/** `extra` keys in user info, identical to k8s-keystone-auth's so that existing RBAC and policies keep working. */
export const EXTRA_ROLES = 'alpha.kubernetes.io/identity/roles';
export const EXTRA_PROJECT_ID = 'alpha.kubernetes.io/identity/project/id';
export const EXTRA_PROJECT_NAME = 'alpha.kubernetes.io/identity/project/name';
export const EXTRA_USER_DOMAIN_ID = 'alpha.kubernetes.io/identity/user/domain/id';
export const EXTRA_USER_DOMAIN_NAME = 'alpha.kubernetes.io/identity/user/domain/name';
/** Stackube's own `extra` key: the domain of the token's project, so that admin projects are matched by domain too. */
export const EXTRA_PROJECT_DOMAIN_NAME = `${GROUP}/identity/project/domain/name`;

/** Kubernetes group for holders of a Keystone role on a project: RoleBindings in the tenant's namespaces use it. */
export function projectRoleGroup(projectId: string, role: string): string {
  return `stackube:${projectId}:${role}`;
}

/** Version of Stackube's CRDs (the original's, kept for compatibility). */
export const VERSION = 'v1';
/** `apiVersion` of Tenant and Network objects. */
export const API_VERSION = `${GROUP}/${VERSION}` as const;
/** CRD category: `kubectl get stackube` lists Tenants and Networks. */
export const CATEGORY = 'stackube';

/** Finalizer on a Tenant until the controller has removed what it created for it (never what it adopted). */
export const FINALIZER_TENANT = `${GROUP}/tenant-cleanup`;
/** Finalizer on a Network until the controller has removed the Neutron resources it created for it. */
export const FINALIZER_NETWORK = `${GROUP}/network-cleanup`;

/** Label naming the Network an object (a pod's port, a Secret…) belongs to. */
export const LABEL_NETWORK = `${GROUP}/network`;
/** Label on Tenants that the Keystone → Tenant sync created (value "true"): the sync may delete only those. */
export const LABEL_KEYSTONE_SYNC = `${GROUP}/keystone-sync`;
/** The standard managed-by label, with MANAGED_BY as its value on everything Stackube's controllers create. */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
/** Value of LABEL_MANAGED_BY on objects Stackube created. */
export const MANAGED_BY = 'stackube';
/** Annotation recording when the controller moved spec.password into a Secret (RFC 3339), for audit. */
export const ANNOTATION_PASSWORD_MOVED = `${GROUP}/password-moved-at`;

/** Namespace of Stackube's own objects, e.g. the Secrets that Tenant passwords are moved into. */
export const SYSTEM_NAMESPACE = 'stackube-system';
/** Key of the password in a Tenant's password Secret when passwordSecretRef.key is unset. */
export const DEFAULT_PASSWORD_KEY = 'password';
/** Keystone domain of created projects and named owners when the Tenant names none. */
export const DEFAULT_KEYSTONE_DOMAIN = 'Default';

/** Namespace label: created by a tenant admin (counts against maxNamespaces; the tenant may delete it). */
export const LABEL_TENANT_CREATED = `${GROUP}/tenant-created`;
