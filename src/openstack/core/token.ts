/** Keystone v3 token body (the subset Stackube reads), wire format. */
export interface KeystoneTokenBody {
  token: {
    expires_at: string;
    issued_at?: string;
    methods?: string[];
    audit_ids?: string[];
    user: { id: string; name: string; domain: { id: string; name: string } };
    project?: { id: string; name: string; domain: { id: string; name: string } };
    domain?: { id: string; name: string };
    system?: Record<string, boolean>;
    roles?: { id: string; name: string }[];
    catalog?: CatalogEntry[];
    application_credential?: { id: string; name: string; restricted: boolean };
    is_domain?: boolean;
  };
}

export interface CatalogEntry {
  type: string;
  name?: string;
  id?: string;
  endpoints: { interface: string; region?: string; region_id?: string; url: string; id?: string }[];
}

/** Parses and checks a token body; returns undefined if it lacks the fields every valid token has. Never throws. */
export function parseTokenBody(body: unknown): KeystoneTokenBody | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const t = (body as { token?: unknown }).token;
  if (!t || typeof t !== 'object') return undefined;
  const tok = t as Record<string, unknown>;
  const user = tok['user'] as Record<string, unknown> | undefined;
  if (typeof tok['expires_at'] !== 'string' || !user || typeof user['id'] !== 'string' || typeof user['name'] !== 'string') return undefined;
  if (Number.isNaN(Date.parse(tok['expires_at']))) return undefined;
  return body as KeystoneTokenBody;
}

/** Finds an endpoint URL in a catalog. Returns undefined when the service or interface is absent. */
export function findEndpoint(catalog: readonly CatalogEntry[], type: string, iface: string, region?: string): string | undefined {
  for (const svc of catalog) {
    if (svc.type !== type) continue;
    for (const ep of svc.endpoints) {
      if (ep.interface !== iface) continue;
      if (region && (ep.region_id ?? ep.region) !== region) continue;
      return ep.url.replace(/\/+$/, '');
    }
  }
  return undefined;
}
