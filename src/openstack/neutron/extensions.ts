import type { ServiceClient } from '../core/service-client.js';
import { callFor } from './common.js';

/** One Neutron API extension, wire format. */
export interface Extension { alias: string; name: string; description: string; updated: string }

/** Every loaded extension (GET /extensions, not paginated). Rejects with OpenStackError. */
async function list(c: ServiceClient): Promise<Extension[]> {
  return callFor<Extension[]>(c, 'GET', '/extensions', 'extensions');
}

/** The aliases of the loaded extensions, e.g. `standard-attr-tag`, `quota_details`. Rejects with OpenStackError. */
async function aliases(c: ServiceClient): Promise<Set<string>> {
  return new Set((await list(c)).map((e) => e.alias));
}

/** /v2.0/extensions: feature detection. */
export const extensions = { list, aliases } as const;
