import { OpenStackError } from '../core/errors.js';
import { call, listAll, type ServiceClient } from '../core/service-client.js';

/** Application credential, wire format. `secret` is only present in the create response. */
export interface ApplicationCredential {
  id: string;
  name: string;
  project_id: string;
  description?: string | null;
  expires_at?: string | null;
  unrestricted?: boolean;
  roles?: { id: string; name: string }[];
  secret?: string;
}
export interface CreateApplicationCredentialOpts {
  name: string;
  description?: string;
  secret?: string;
  expires_at?: string;
  roles?: ({ id: string } | { name: string })[];
  unrestricted?: boolean;
}

const base = (userId: string): string => `/users/${encodeURIComponent(userId)}/application_credentials`;

/** Creates an application credential for a user (the caller must be that user). The result holds the secret once. */
export async function createApplicationCredential(c: ServiceClient, userId: string, o: CreateApplicationCredentialOpts): Promise<ApplicationCredential> {
  const r = await call(c, 'POST', base(userId), { body: { application_credential: o } });
  return (r.body as { application_credential: ApplicationCredential }).application_credential;
}
/** Lists a user's application credentials (no secrets). */
export function listApplicationCredentials(c: ServiceClient, userId: string, name?: string): Promise<ApplicationCredential[]> {
  return listAll<ApplicationCredential>(c, base(userId), 'application_credentials', { name });
}
/** Deletes an application credential. Idempotent. */
export async function deleteApplicationCredential(c: ServiceClient, userId: string, id: string): Promise<void> {
  try {
    await call(c, 'DELETE', `${base(userId)}/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e instanceof OpenStackError && e.isNotFound) return;
    throw e;
  }
}
