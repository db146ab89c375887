/**
 * The plugin ↔ stackube-node protocol.
 *
 * HTTP/1.1 `POST /v1/cni` over the daemon's unix socket (node:http `socketPath`), body a JSON DaemonRequest.
 * The daemon answers:
 *   - 200 with a JSON DaemonResponse: `{result}` (ADD; optional for the others) or `{error}` (a CNI error object,
 *     printed by the plugin as is, restamped with the request's cniVersion);
 *   - 503 when it is up but not ready (starting, resyncing): the plugin reports code 11, try again later;
 *   - anything else is a daemon bug: the plugin reports code 102.
 * The plugin bounds the whole exchange by the config's timeoutMs; the daemon should bound its own work below it.
 */
import { CNI_ERR, clip, invalid, type CniErrorObject, type Validation } from './errors.js';
import { isJsonObject } from './config.js';
import { validateResult } from './result.js';
import type { DaemonCommand, NetConf, PodRef, Result } from './types.js';

/** The HTTP path of the one endpoint. */
export const DAEMON_PATH = '/v1/cni';
/** Largest response body the plugin accepts. */
export const MAX_RESPONSE_BYTES = 1 << 20;

/** What the plugin sends: the validated CNI_* environment plus the validated config. */
export interface DaemonRequest {
  command: DaemonCommand;
  /** Empty for STATUS and GC. */
  containerId: string;
  /** Empty when the runtime passed none (DEL after the netns is gone; STATUS; GC). */
  netns: string;
  /** Empty for STATUS and GC. */
  ifName: string;
  /** CNI_ARGS as key → value. */
  args: Record<string, string>;
  /** The pod from K8S_POD_* args, when present. */
  pod?: PodRef;
  config: NetConf;
}

/** What the daemon answers with HTTP 200. */
export type DaemonResponse = { result?: Result } | { error: CniErrorObject };

/** Why the plugin cannot trust the daemon's answer (code 102). */
function daemonFault<T>(what: string, details: string): Validation<T> {
  return invalid(CNI_ERR.DAEMON_ERROR, `stackube-node returned ${what}`, details);
}

function parseDaemonError(e: unknown): Validation<never> {
  if (!isJsonObject(e) || typeof e['code'] !== 'number' || !Number.isInteger(e['code']) || e['code'] < 1 || typeof e['msg'] !== 'string') {
    return daemonFault('a malformed error', 'error must be {code: integer >= 1, msg: string, details?: string}');
  }
  const details = typeof e['details'] === 'string' ? clip(e['details'], 4096) : undefined;
  return invalid(e['code'], clip(e['msg'], 1024), details);
}

/**
 * Interprets the body of a 200 answer. Pure and total.
 * ok + Result for ADD (required), ok + undefined for the other commands (any result is ignored);
 * the daemon's own error object passes through; anything malformed is code 102.
 */
export function parseDaemonResponse(command: DaemonCommand, body: string): Validation<Result | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return daemonFault('a response that is not JSON', e instanceof Error ? clip(e.message, 200) : 'parse error');
  }
  if (!isJsonObject(parsed)) return daemonFault('a response that is not a JSON object', clip(body, 200));
  if (Object.hasOwn(parsed, 'error')) return parseDaemonError(parsed['error']);
  if (command !== 'ADD') return { ok: true, value: undefined };
  if (!Object.hasOwn(parsed, 'result')) return daemonFault('no result for ADD', clip(body, 200));
  const result = validateResult(parsed['result']);
  return result.ok ? result : daemonFault('an invalid result', result.error.details ?? result.error.msg);
}
