import { collection } from './crud.js';

/** Keystone domain, wire format. */
export interface Domain { id: string; name: string; description?: string; enabled: boolean }
export interface CreateDomainOpts { name: string; description?: string; enabled?: boolean }
export interface UpdateDomainOpts { name?: string; description?: string; enabled?: boolean }

/** /v3/domains. A domain must be disabled (update enabled=false) before Keystone deletes it. */
export const domains = collection<Domain, CreateDomainOpts, UpdateDomainOpts, { name?: string; enabled?: boolean }>('/domains', 'domain', 'domains');
