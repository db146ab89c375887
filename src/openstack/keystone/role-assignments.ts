import { listAll, type ServiceClient } from '../core/service-client.js';

/** One role assignment, wire format (with include_names the refs carry names). */
export interface RoleAssignment {
  role: { id: string; name?: string };
  user?: { id: string; name?: string; domain?: { id: string; name?: string } };
  group?: { id: string; name?: string };
  scope: { project?: { id: string; name?: string }; domain?: { id: string; name?: string }; system?: Record<string, boolean> };
}

export interface RoleAssignmentFilter {
  'user.id'?: string;
  'group.id'?: string;
  'role.id'?: string;
  'scope.project.id'?: string;
  'scope.domain.id'?: string;
  effective?: boolean;
  include_names?: boolean;
  include_subtree?: boolean;
}

/** GET /v3/role_assignments with filters; booleans are sent as presence flags as Keystone expects. */
export function listRoleAssignments(c: ServiceClient, f: RoleAssignmentFilter = {}): Promise<RoleAssignment[]> {
  const q: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined || v === false) continue;
    q[k] = v === true ? '' : String(v);
  }
  return listAll<RoleAssignment>(c, '/role_assignments', 'role_assignments', q);
}
