import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { ValidationError } from '../../lib/errors.js';

export interface LoginInput {
  server: string;
  caFile: string;
  cloud: string;
  cloudsFile: string | undefined;
  /** How to run this CLI (e.g. ['node', '/path/stackube.js']). */
  self: readonly string[];
  out: string;
  contextName: string;
}

/**
 * Writes a kubeconfig whose user runs `stackube credential` (the exec plugin) for one cloud. Idempotent:
 * the same input writes the same file. Holds no secret: tokens come from Keystone at use time.
 */
export function writeLoginKubeconfig(i: LoginInput): string {
  if (!/^https:\/\//.test(i.server)) throw new ValidationError(`--server "${i.server}" must be an https URL`);
  let ca: string;
  try {
    ca = readFileSync(i.caFile, 'utf8');
  } catch {
    throw new ValidationError(`--certificate-authority ${i.caFile} cannot be read`);
  }
  const [command, ...selfArgs] = i.self;
  const env = i.cloudsFile ? [{ name: 'OS_CLIENT_CONFIG_FILE', value: i.cloudsFile }] : [];
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': i.contextName,
    clusters: [{ name: 'stackube', cluster: { server: i.server, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
    contexts: [{ name: i.contextName, context: { cluster: 'stackube', user: i.contextName } }],
    users: [{
      name: i.contextName,
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command,
          args: [...selfArgs, 'credential', '--os-cloud', i.cloud],
          env,
          interactiveMode: 'Never',
          provideClusterInfo: false,
        },
      },
    }],
  };
  mkdirSync(dirname(i.out), { recursive: true });
  writeFileSync(i.out, stringify(doc), { mode: 0o600 });
  return i.out;
}
