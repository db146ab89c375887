import { ValidationError } from '../lib/errors.js';
import type { AccessRequest } from '../domain/authz/request.js';

/** Review API versions we accept, per kind; the response uses the request's version. */
export const AUTHN_VERSIONS = ['authentication.k8s.io/v1', 'authentication.k8s.io/v1beta1'] as const;
export const AUTHZ_VERSIONS = ['authorization.k8s.io/v1', 'authorization.k8s.io/v1beta1'] as const;

export interface TokenReviewRequest {
  apiVersion: (typeof AUTHN_VERSIONS)[number];
  token: string;
  audiences: string[] | undefined;
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ValidationError(`${what} must be an object`);
  return v as Record<string, unknown>;
}
function optString(o: Record<string, unknown>, k: string, what: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ValidationError(`${what}.${k} must be a string`);
  return v;
}
function stringList(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new ValidationError(`${what} must be a list of strings`);
  return v;
}
function checkKind(o: Record<string, unknown>, kind: string, versions: readonly string[]): string {
  const apiVersion = o['apiVersion'];
  if (typeof apiVersion !== 'string') throw new ValidationError(`apiVersion is required (one of ${versions.join(', ')})`);
  if (!versions.includes(apiVersion)) throw new ValidationError(`apiVersion "${apiVersion}" is not supported for ${kind} (use one of ${versions.join(', ')})`);
  if (o['kind'] !== kind) throw new ValidationError(`kind must be "${kind}", got ${JSON.stringify(o['kind'] ?? null)}`);
  return apiVersion;
}

/** Parses a TokenReview body. Throws ValidationError with a message fit for a 400 response. */
export function parseTokenReview(body: unknown): TokenReviewRequest {
  const o = obj(body, 'the request body');
  const apiVersion = checkKind(o, 'TokenReview', AUTHN_VERSIONS) as TokenReviewRequest['apiVersion'];
  const spec = obj(o['spec'], 'spec');
  const token = spec['token'];
  if (typeof token !== 'string') throw new ValidationError('spec.token is required and must be a string');
  const audiences = spec['audiences'] === undefined ? undefined : stringList(spec['audiences'], 'spec.audiences');
  return { apiVersion, token, audiences };
}

export interface UserInfoWire {
  username: string;
  uid: string;
  groups: string[];
  extra: Record<string, string[]>;
}

/** Builds the TokenReview response. `error` is shown in apiserver logs; never put a token in it. */
export function tokenReviewResponse(apiVersion: string, r: { user: UserInfoWire } | { error: string }): Record<string, unknown> {
  const status = 'user' in r ? { authenticated: true, user: r.user } : { authenticated: false, error: r.error };
  return { apiVersion, kind: 'TokenReview', status };
}

export interface SubjectAccessReviewRequest {
  apiVersion: (typeof AUTHZ_VERSIONS)[number];
  request: AccessRequest;
}

/** Parses a SubjectAccessReview (v1 `groups`, v1beta1 `group`). Throws ValidationError for a 400. */
export function parseSubjectAccessReview(body: unknown): SubjectAccessReviewRequest {
  const o = obj(body, 'the request body');
  const apiVersion = checkKind(o, 'SubjectAccessReview', AUTHZ_VERSIONS) as SubjectAccessReviewRequest['apiVersion'];
  const spec = obj(o['spec'], 'spec');
  const user = optString(spec, 'user', 'spec') ?? '';
  const uid = optString(spec, 'uid', 'spec') ?? '';
  // v1beta1 names the field `group`, v1 `groups`; messages name the field of the request's version.
  const groupsField = apiVersion.endsWith('v1beta1') ? 'group' : 'groups';
  const groups = stringList(spec[groupsField], `spec.${groupsField}`);
  const extra: Record<string, string[]> = {};
  if (spec['extra'] !== undefined && spec['extra'] !== null) {
    for (const [k, v] of Object.entries(obj(spec['extra'], 'spec.extra'))) extra[k] = stringList(v, `spec.extra["${k}"]`);
  }
  if (!user && groups.length === 0) throw new ValidationError(`spec.user or spec.${groupsField} is required`);
  const ra = spec['resourceAttributes'];
  const nra = spec['nonResourceAttributes'];
  if ((ra === undefined || ra === null) === (nra === undefined || nra === null))
    throw new ValidationError('exactly one of spec.resourceAttributes and spec.nonResourceAttributes is required');
  const subject = { user, uid, groups, extra };
  if (ra !== undefined && ra !== null) {
    const r = obj(ra, 'spec.resourceAttributes');
    const verb = optString(r, 'verb', 'spec.resourceAttributes');
    if (!verb) throw new ValidationError('spec.resourceAttributes.verb is required');
    return {
      apiVersion,
      request: {
        subject,
        resource: {
          verb,
          namespace: optString(r, 'namespace', 'spec.resourceAttributes') ?? '',
          group: optString(r, 'group', 'spec.resourceAttributes') ?? '',
          version: optString(r, 'version', 'spec.resourceAttributes') ?? '',
          resource: optString(r, 'resource', 'spec.resourceAttributes') ?? '',
          subresource: optString(r, 'subresource', 'spec.resourceAttributes') ?? '',
          name: optString(r, 'name', 'spec.resourceAttributes') ?? '',
        },
      },
    };
  }
  const n = obj(nra, 'spec.nonResourceAttributes');
  const path = optString(n, 'path', 'spec.nonResourceAttributes');
  const verb = optString(n, 'verb', 'spec.nonResourceAttributes');
  if (!path || !verb) throw new ValidationError('spec.nonResourceAttributes.path and .verb are required');
  return { apiVersion, request: { subject, nonResource: { path, verb } } };
}

/** Builds the SubjectAccessReview response. */
export function subjectAccessReviewResponse(apiVersion: string, d: { allowed: boolean; denied?: boolean; reason: string; evaluationError?: string }): Record<string, unknown> {
  const status: Record<string, unknown> = { allowed: d.allowed, reason: d.reason };
  if (d.denied) status['denied'] = true;
  if (d.evaluationError) status['evaluationError'] = d.evaluationError;
  return { apiVersion, kind: 'SubjectAccessReview', status };
}
