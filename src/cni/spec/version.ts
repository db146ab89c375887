/**
 * CNI spec versions this plugin speaks.
 *
 * Only the 1.x line: 1.0.0 (what containerd 1.6/1.7 and CRI-O's libcni negotiate today) and 1.1.0 (adds STATUS and
 * GC). We deliberately do not claim 0.4.0 or older: their Result has a different shape (`ips[].version`,
 * `interfaces[].version`), every supported Kubernetes runtime already speaks 1.0.0, and claiming a version we never
 * test against a real runtime would only move failures from "clear version error at start" to "odd result later".
 */
export const SUPPORTED_VERSIONS = ['1.0.0', '1.1.0'] as const;

/** One of SUPPORTED_VERSIONS. */
export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];

/** The newest version we speak; used when the input names none we can echo. */
export const LATEST_VERSION: CniVersion = '1.1.0';

/** True if v is one of SUPPORTED_VERSIONS. Pure, never throws. */
export function isSupportedVersion(v: unknown): v is CniVersion {
  return typeof v === 'string' && (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

/** True if v looks like a plain MAJOR.MINOR.PATCH version (bounded, so giant inputs are cheap). Pure. */
export function looksLikeVersion(v: unknown): v is string {
  return typeof v === 'string' && /^\d{1,6}\.\d{1,6}\.\d{1,6}$/.test(v);
}
