import { collection } from './crud.js';

/** Keystone project, wire format. */
export interface Project {
  id: string;
  name: string;
  domain_id: string;
  description?: string;
  enabled: boolean;
  parent_id?: string | null;
  is_domain?: boolean;
  tags?: string[];
}
export interface CreateProjectOpts { name: string; domain_id?: string; description?: string; enabled?: boolean; parent_id?: string; tags?: string[] }
export interface UpdateProjectOpts { name?: string; description?: string; enabled?: boolean; tags?: string[] }
export type ProjectFilter = { name?: string; domain_id?: string; enabled?: boolean; tags?: string; 'tags-any'?: string; parent_id?: string };

/** /v3/projects. Rejects with OpenStackError; get resolves undefined on 404; delete is idempotent. */
export const projects = collection<Project, CreateProjectOpts, UpdateProjectOpts, ProjectFilter>('/projects', 'project', 'projects');
