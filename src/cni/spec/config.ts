import { CNI_ERR, clip, invalid, type Validation } from './errors.js';
import type { CniCommand, NetConf, ValidAttachment } from './types.js';
import { SUPPORTED_VERSIONS, isSupportedVersion } from './version.js';

/** stdin larger than this is refused (code 5): a network config is a few hundred bytes; 1 MiB leaves room for prevResult. */
export const MAX_CONFIG_BYTES = 1 << 20;
/** Where stackube-node listens unless the config says otherwise. */
export const DEFAULT_DAEMON_SOCKET = '/run/stackube/cni.sock';
/** Default deadline for one daemon call. Below kubelet's 2 min runtime-request-timeout, so we fail first and say why. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Bounds for timeoutMs. */
export const MIN_TIMEOUT_MS = 1;
export const MAX_TIMEOUT_MS = 600_000;
/** The GC input key that lists attachments to keep. */
export const VALID_ATTACHMENTS_KEY = 'cni.dev/valid-attachments';

// sockaddr_un.sun_path is 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH_BYTES = 107;
const MAX_PATH_BYTES = 4096;
const NETWORK_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** A JSON object, as parsed (own keys only matter). */
export type JsonObject = Record<string, unknown>;

/** True for a non-null, non-array object. Pure. */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes stdin into a JSON object: size cap (code 5), strict UTF-8 and JSON (code 6), object at the top (code 6).
 * Pure and total.
 */
export function decodeJsonObject(stdin: Buffer | Uint8Array | string): Validation<JsonObject> {
  const size = typeof stdin === 'string' ? (stdin.length > MAX_CONFIG_BYTES ? stdin.length : Buffer.byteLength(stdin, 'utf8')) : stdin.byteLength;
  if (size > MAX_CONFIG_BYTES) return invalid(CNI_ERR.IO_FAILURE, 'network configuration on stdin is too large', `more than ${MAX_CONFIG_BYTES} bytes`);
  let text: string;
  try {
    text = typeof stdin === 'string' ? stdin : utf8.decode(stdin);
  } catch (e) {
    return invalid(CNI_ERR.DECODE_FAILURE, 'network configuration on stdin is not UTF-8', e instanceof Error ? e.message : 'invalid byte sequence');
  }
  if (text.trim() === '') return invalid(CNI_ERR.DECODE_FAILURE, 'no network configuration on stdin', 'stdin is empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return invalid(CNI_ERR.DECODE_FAILURE, 'network configuration on stdin is not JSON', e instanceof Error ? clip(e.message, 200) : 'parse error');
  }
  if (!isJsonObject(parsed)) return invalid(CNI_ERR.DECODE_FAILURE, 'network configuration on stdin is not a JSON object', `got ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed}`);
  return { ok: true, value: parsed };
}

/**
 * Parses and validates the network configuration from stdin, applying our defaults. Pure and total.
 * Codes: 5 too large, 6 not UTF-8 JSON object, 1 cniVersion missing or unsupported, 7 any other invalid field
 * (all of them listed in `details`). Unknown keys are ignored.
 */
export function parseConfig(stdin: Buffer | Uint8Array | string): Validation<NetConf> {
  const obj = decodeJsonObject(stdin);
  return obj.ok ? validateConfigObject(obj.value) : obj;
}

/** Validates an already-decoded config object; see parseConfig. Pure and total. */
export function validateConfigObject(obj: JsonObject): Validation<NetConf> {
  const version = own(obj, 'cniVersion');
  if (version === undefined) {
    return invalid(CNI_ERR.INCOMPATIBLE_VERSION, 'incompatible CNI version', `cniVersion is missing (which means 0.1.0); supported: ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  if (typeof version !== 'string') return invalid(CNI_ERR.INVALID_CONFIG, 'invalid network configuration: cniVersion', 'cniVersion must be a string');
  if (!isSupportedVersion(version)) {
    return invalid(CNI_ERR.INCOMPATIBLE_VERSION, 'incompatible CNI version', `cniVersion ${JSON.stringify(clip(version))} is not supported; supported: ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  const problems: string[] = [];
  const name = stringField(obj, 'name', problems, (v) => (NETWORK_NAME_RE.test(v) ? undefined : 'must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$'));
  const type = stringField(obj, 'type', problems, (v) => (v === '' ? 'is empty' : /[/\\\0]/.test(v) ? "must not contain '/', '\\' or NUL" : undefined));
  const daemonSocket = optionalString(obj, 'daemonSocket', problems, (v) => pathProblem(v, MAX_SOCKET_PATH_BYTES));
  const logFile = optionalString(obj, 'logFile', problems, (v) => pathProblem(v, MAX_PATH_BYTES));
  const timeoutMs = optionalTimeout(obj, problems);
  const prevResult = optionalObject(obj, 'prevResult', problems);
  const runtimeConfig = optionalObject(obj, 'runtimeConfig', problems);
  const validAttachments = optionalAttachments(obj, problems);
  if (problems.length > 0 || name === undefined || type === undefined) {
    const fields = problems.map((p) => p.split(' ', 1)[0]).join(', ');
    return invalid(CNI_ERR.INVALID_CONFIG, `invalid network configuration: ${fields}`, problems.join('; '));
  }
  const conf: NetConf = { cniVersion: version, name, type, daemonSocket: daemonSocket ?? DEFAULT_DAEMON_SOCKET, timeoutMs: timeoutMs ?? DEFAULT_TIMEOUT_MS };
  if (logFile !== undefined) conf.logFile = logFile;
  if (prevResult !== undefined) conf.prevResult = prevResult;
  if (runtimeConfig !== undefined) conf.runtimeConfig = runtimeConfig;
  if (validAttachments !== undefined) conf.validAttachments = validAttachments;
  return { ok: true, value: conf };
}

/**
 * Cross-checks a valid env command against a valid config. Pure and total.
 * STATUS and GC are 1.1.0 verbs (code 1 under 1.0.0); CHECK needs prevResult (code 7); GC needs the list of valid
 * attachments (code 7), because GC without it would look like "nothing is valid" and delete every pod's port.
 */
export function checkCommandConfig(command: CniCommand, conf: NetConf): Validation<NetConf> {
  if ((command === 'STATUS' || command === 'GC') && conf.cniVersion === '1.0.0') {
    return invalid(CNI_ERR.INCOMPATIBLE_VERSION, 'incompatible CNI version', `${command} needs cniVersion 1.1.0, the config says 1.0.0`);
  }
  if (command === 'CHECK' && conf.prevResult === undefined) return invalid(CNI_ERR.INVALID_CONFIG, 'invalid network configuration: prevResult', 'CHECK needs prevResult');
  if (command === 'GC' && conf.validAttachments === undefined) {
    return invalid(CNI_ERR.INVALID_CONFIG, `invalid network configuration: ${VALID_ATTACHMENTS_KEY}`, `GC needs ${VALID_ATTACHMENTS_KEY}`);
  }
  return { ok: true, value: conf };
}

function own(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function pathProblem(v: string, maxBytes: number): string | undefined {
  if (!v.startsWith('/')) return 'must be an absolute path';
  if (v.includes('\0')) return 'must not contain NUL';
  return Buffer.byteLength(v, 'utf8') > maxBytes ? `must be at most ${maxBytes} bytes` : undefined;
}

function stringField(obj: JsonObject, key: string, problems: string[], check: (v: string) => string | undefined): string | undefined {
  const v = own(obj, key);
  if (v === undefined) {
    problems.push(`${key} is missing`);
    return undefined;
  }
  if (typeof v !== 'string') {
    problems.push(`${key} must be a string`);
    return undefined;
  }
  const why = check(v);
  if (why !== undefined) problems.push(`${key} ${JSON.stringify(clip(v))} ${why}`);
  return why === undefined ? v : undefined;
}

function optionalString(obj: JsonObject, key: string, problems: string[], check: (v: string) => string | undefined): string | undefined {
  return own(obj, key) === undefined ? undefined : stringField(obj, key, problems, check);
}

function optionalTimeout(obj: JsonObject, problems: string[]): number | undefined {
  const v = own(obj, 'timeoutMs');
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < MIN_TIMEOUT_MS || v > MAX_TIMEOUT_MS) {
    problems.push(`timeoutMs must be an integer from ${MIN_TIMEOUT_MS} to ${MAX_TIMEOUT_MS}`);
    return undefined;
  }
  return v;
}

function optionalObject(obj: JsonObject, key: string, problems: string[]): JsonObject | undefined {
  const v = own(obj, key);
  if (v === undefined) return undefined;
  if (!isJsonObject(v)) {
    problems.push(`${key} must be an object`);
    return undefined;
  }
  return v;
}

function optionalAttachments(obj: JsonObject, problems: string[]): ValidAttachment[] | undefined {
  const v = own(obj, VALID_ATTACHMENTS_KEY);
  if (v === undefined) return undefined;
  const ok = Array.isArray(v) && v.every((a) => isJsonObject(a) && typeof own(a, 'containerID') === 'string' && typeof own(a, 'ifname') === 'string');
  if (!ok) {
    problems.push(`${VALID_ATTACHMENTS_KEY} must be an array of {containerID: string, ifname: string}`);
    return undefined;
  }
  return (v as JsonObject[]).map((a) => ({ containerID: a['containerID'] as string, ifname: a['ifname'] as string }));
}
