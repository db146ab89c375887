import { CNI_ERR, clip, invalid, type Validation } from './errors.js';
import { CNI_COMMANDS, type CniCommand, type CniEnv, type PodRef } from './types.js';

/** The environment as the plugin sees it (process.env, or a test's map). */
export type EnvMap = Readonly<Record<string, string | undefined>>;

/** Variables each command must have, non-empty (SPEC.md section 2, "Required environment parameters"). */
export const REQUIRED_ENV: Readonly<Record<CniCommand, readonly string[]>> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  // DEL: the netns may already be gone; the daemon must still clean up the host side.
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME'],
  STATUS: [],
  VERSION: [],
  GC: ['CNI_PATH'],
};

/** Commands that carry attachment parameters (container ID, netns, ifname, CNI_ARGS). */
const ATTACHMENT_COMMANDS: ReadonlySet<CniCommand> = new Set(['ADD', 'DEL', 'CHECK']);

// Problems are reported in this order, whatever order they were found in.
const ENV_ORDER = ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_ARGS', 'CNI_PATH'];
const CONTAINER_ID_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ARG_KEY_RE = /^[A-Za-z0-9_.-]+$/;
// Linux IFNAMSIZ is 16 bytes including the terminating NUL.
const MAX_IFNAME_BYTES = 15;
const MAX_PATH_BYTES = 4096;

/** Why a container ID is invalid, or undefined if it is valid (SPEC.md: alphanumeric first, then [A-Za-z0-9_.-]). Pure. */
export function containerIdProblem(id: string): string | undefined {
  if (id === '') return 'is empty';
  return CONTAINER_ID_RE.test(id) ? undefined : `${JSON.stringify(clip(id))} must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`;
}

/** Why an interface name is invalid, or undefined if valid (the kernel's dev_valid_name rules plus ':' and controls). Pure. */
export function ifNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name === '.' || name === '..') return `must not be "${name}"`;
  if (Buffer.byteLength(name, 'utf8') > MAX_IFNAME_BYTES) return `${JSON.stringify(clip(name))} is longer than ${MAX_IFNAME_BYTES} bytes`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we reject
  if (/[/:\s\u0000-\u001f\u007f]/.test(name)) return `${JSON.stringify(name)} must not contain '/', ':', whitespace or control characters`;
  return undefined;
}

/** Why a netns path is invalid, or undefined if valid (absolute, no NUL, at most PATH_MAX). Pure. */
export function netnsProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  if (!path.startsWith('/')) return `${JSON.stringify(clip(path))} is not an absolute path`;
  if (path.includes('\0')) return 'contains a NUL byte';
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) return `is longer than ${MAX_PATH_BYTES} bytes`;
  return undefined;
}

/**
 * Parses CNI_ARGS (`K=V;K=V`). Empty segments are skipped (a trailing ';' is common); a value may contain '='.
 * Keys must be [A-Za-z0-9_.-]+ and appear once. Pure, total; failures are code 4.
 */
export function parseCniArgs(raw: string): Validation<Record<string, string>> {
  const args: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const pair of raw.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (eq < 0 || !ARG_KEY_RE.test(key)) {
      return invalid(CNI_ERR.INVALID_ENV, 'invalid CNI environment: CNI_ARGS', `CNI_ARGS pair ${JSON.stringify(clip(pair))} is not KEY=VALUE`);
    }
    if (Object.hasOwn(args, key)) return invalid(CNI_ERR.INVALID_ENV, 'invalid CNI environment: CNI_ARGS', `CNI_ARGS repeats key ${JSON.stringify(clip(key))}`);
    args[key] = pair.slice(eq + 1);
  }
  // A plain object again, so that callers can spread and JSON-encode it normally.
  return { ok: true, value: { ...args } };
}

/** The pod named by the kubelet's K8S_POD_* CNI_ARGS, if namespace and name are both present. Pure. */
export function podFromArgs(args: Readonly<Record<string, string>>): PodRef | undefined {
  const namespace = args['K8S_POD_NAMESPACE'];
  const name = args['K8S_POD_NAME'];
  if (namespace === undefined || namespace === '' || name === undefined || name === '') return undefined;
  const pod: PodRef = { namespace, name };
  const uid = args['K8S_POD_UID'];
  const infra = args['K8S_POD_INFRA_CONTAINER_ID'];
  if (uid !== undefined && uid !== '') pod.uid = uid;
  if (infra !== undefined && infra !== '') pod.infraContainerId = infra;
  return pod;
}

function isCommand(v: string): v is CniCommand {
  return (CNI_COMMANDS as readonly string[]).includes(v);
}

/**
 * Validates the CNI_* environment for the command it names. Pure and total: never throws, whatever the input.
 * Failures are code 4 and the message names every invalid variable (as the spec asks).
 */
export function parseEnv(env: EnvMap): Validation<CniEnv> {
  const rawCommand = env['CNI_COMMAND'] ?? '';
  if (!isCommand(rawCommand)) {
    const why = rawCommand === '' ? 'CNI_COMMAND is missing' : `CNI_COMMAND ${JSON.stringify(clip(rawCommand))} is not one of ${CNI_COMMANDS.join(', ')}`;
    return invalid(CNI_ERR.INVALID_ENV, 'invalid CNI environment: CNI_COMMAND', why);
  }
  const command = rawCommand;
  const problems = new Map<string, string>();
  for (const name of REQUIRED_ENV[command]) {
    if ((env[name] ?? '') === '') problems.set(name, 'is missing');
  }
  const out: CniEnv = { command, containerId: '', netns: '', ifName: '', args: {}, path: splitPath(env['CNI_PATH'] ?? '') };
  if (ATTACHMENT_COMMANDS.has(command)) {
    const checks: [string, (v: string) => string | undefined, (v: string) => void][] = [
      ['CNI_CONTAINERID', containerIdProblem, (v) => (out.containerId = v)],
      ['CNI_IFNAME', ifNameProblem, (v) => (out.ifName = v)],
      ['CNI_NETNS', netnsProblem, (v) => (out.netns = v)],
    ];
    for (const [name, problem, assign] of checks) {
      const value = env[name] ?? '';
      if (problems.has(name) || value === '') continue; // missing-and-required already reported; missing-and-optional is fine
      const why = problem(value);
      if (why === undefined) assign(value);
      else problems.set(name, why);
    }
    const args = parseCniArgs(env['CNI_ARGS'] ?? '');
    if (args.ok) {
      out.args = args.value;
      const pod = podFromArgs(args.value);
      if (pod !== undefined) out.pod = pod;
    } else {
      problems.set('CNI_ARGS', args.error.details ?? 'is invalid');
    }
  }
  if (problems.size > 0) {
    const sorted = [...problems].sort(([a], [b]) => ENV_ORDER.indexOf(a) - ENV_ORDER.indexOf(b));
    const names = sorted.map(([name]) => name);
    const details = sorted.map(([name, why]) => (why.startsWith(name) ? why : `${name} ${why}`)).join('; ');
    return invalid(CNI_ERR.INVALID_ENV, `invalid CNI environment: ${names.join(', ')}`, details);
  }
  return { ok: true, value: out };
}

function splitPath(raw: string): string[] {
  return raw.split(':').filter((p) => p !== '');
}
