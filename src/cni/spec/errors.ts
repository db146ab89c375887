import { LATEST_VERSION } from './version.js';

/**
 * CNI error codes. 0-99 are the spec's well-known codes (SPEC.md, "Error"); 100+ are Stackube's own.
 * A runtime only needs "non-zero exit plus this object"; the codes let operators and kubelet logs say why.
 */
export const CNI_ERR = {
  /** The network config's cniVersion is not one we support. */
  INCOMPATIBLE_VERSION: 1,
  /** A field in the network config is not supported (message names key and value). */
  UNSUPPORTED_FIELD: 2,
  /** The container is unknown or gone; the runtime need not clean up. */
  UNKNOWN_CONTAINER: 3,
  /** A required CNI_* environment variable is missing or invalid (message names them). */
  INVALID_ENV: 4,
  /** Reading stdin failed (including: too large, or not closed in time). */
  IO_FAILURE: 5,
  /** stdin is not UTF-8 JSON of the right shape. */
  DECODE_FAILURE: 6,
  /** The network config is well-formed JSON but fails validation. */
  INVALID_CONFIG: 7,
  /** Transient condition; the runtime should retry later. */
  TRY_AGAIN_LATER: 11,
  /** STATUS: the plugin cannot service ADD. */
  NOT_AVAILABLE: 50,
  /** STATUS: not available, and existing containers may have limited connectivity. */
  NOT_AVAILABLE_LIMITED_CONNECTIVITY: 51,
  /** Stackube: stackube-node's socket cannot be reached (not running, wrong path, no permission). */
  DAEMON_UNREACHABLE: 100,
  /** Stackube: stackube-node did not answer within the config's timeoutMs. */
  DAEMON_TIMEOUT: 101,
  /** Stackube: stackube-node answered with something other than a valid response. */
  DAEMON_ERROR: 102,
  /** Stackube: a bug in the plugin itself (an unexpected exception). */
  PLUGIN_INTERNAL: 103,
} as const;

/** The error object a CNI plugin prints on stdout when it fails (spec "Error" result type). */
export interface CniErrorObject {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

/** Outcome of a pure, total validator: the value, or the CNI error to print. */
export type Validation<T> = { ok: true; value: T } | { ok: false; error: CniErrorObject };

/** Builds a CNI error object (cniVersion = LATEST_VERSION; the plugin restamps it on output). Pure, never throws. */
export function cniError(code: number, msg: string, details?: string): CniErrorObject {
  return details === undefined || details === '' ? { cniVersion: LATEST_VERSION, code, msg } : { cniVersion: LATEST_VERSION, code, msg, details };
}

/** Shorthand for a failed Validation. Pure. */
export function invalid<T>(code: number, msg: string, details?: string): Validation<T> {
  return { ok: false, error: cniError(code, msg, details) };
}

/** Shortens untrusted text before echoing it in a message (giant inputs must not become giant errors). Pure. */
export function clip(text: string, max = 64): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} chars)`;
}
