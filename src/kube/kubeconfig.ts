import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../lib/errors.js';

/** Where the apiserver is and how to prove who we are. Secrets stay in memory only. */
export interface KubeConnection {
  server: string;
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  token?: string | undefined;
  insecure?: boolean | undefined;
}

/** Reads the current context of a kubeconfig file (cert, key, CA as files or inline data). Throws ValidationError. */
export function loadKubeconfig(path: string): KubeConnection {
  let doc: Record<string, unknown>;
  try {
    doc = parseYaml(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new ValidationError(`kubeconfig ${path}: ${(e as Error).message.split('\n')[0] ?? 'unreadable'}`);
  }
  const base = dirname(path);
  const file = (p: unknown): string | undefined => (typeof p === 'string' && p ? readFileSync(isAbsolute(p) ? p : resolve(base, p), 'utf8') : undefined);
  const data = (d: unknown): string | undefined => (typeof d === 'string' && d ? Buffer.from(d, 'base64').toString('utf8') : undefined);
  const named = (list: unknown, name: unknown, key: string): Record<string, unknown> => {
    const hit = (Array.isArray(list) ? (list as Record<string, unknown>[]) : []).find((e) => e['name'] === name);
    if (!hit) throw new ValidationError(`kubeconfig ${path}: ${key} "${String(name)}" not found`);
    return (hit[key] ?? {}) as Record<string, unknown>;
  };
  const ctx = named(doc['contexts'], doc['current-context'], 'context');
  const cluster = named(doc['clusters'], ctx['cluster'], 'cluster');
  const user = named(doc['users'], ctx['user'], 'user');
  if (typeof cluster['server'] !== 'string') throw new ValidationError(`kubeconfig ${path}: cluster has no server`);
  return {
    server: cluster['server'].replace(/\/+$/, ''),
    ca: data(cluster['certificate-authority-data']) ?? file(cluster['certificate-authority']),
    cert: data(user['client-certificate-data']) ?? file(user['client-certificate']),
    key: data(user['client-key-data']) ?? file(user['client-key']),
    token: typeof user['token'] === 'string' ? user['token'] : file(user['tokenFile']),
    insecure: cluster['insecure-skip-tls-verify'] === true,
  };
}

/** The in-cluster connection from the service-account mount; host and port come from the caller (cmd reads env). */
export function inClusterConnection(host: string, port: string, saDir = '/var/run/secrets/kubernetes.io/serviceaccount'): KubeConnection {
  if (!host || !port) throw new ValidationError('not running in a cluster: KUBERNETES_SERVICE_HOST/PORT unset; pass --kubeconfig');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: readFileSync(`${saDir}/ca.crt`, 'utf8'),
    token: readFileSync(`${saDir}/token`, 'utf8').trim(),
  };
}
