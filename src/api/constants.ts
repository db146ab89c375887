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
