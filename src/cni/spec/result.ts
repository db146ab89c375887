import { isIP } from 'node:net';
import { CNI_ERR, clip, invalid, type Validation } from './errors.js';
import { isJsonObject, type JsonObject } from './config.js';
import type { CniDns, CniInterface, CniIpConfig, CniRoute, Result } from './types.js';
import type { CniVersion } from './version.js';

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5,19}$/;
const UINT_MAX = 0xffff_ffff;

/** True for "IP/prefix" with a prefix that fits the family. Pure. */
export function isCidr(v: unknown): v is string {
  if (typeof v !== 'string' || v.length > 64) return false;
  const slash = v.indexOf('/');
  if (slash < 0) return false;
  const family = isIP(v.slice(0, slash));
  const prefix = v.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

function isIpAddress(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 64 && isIP(v) !== 0;
}

function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= UINT_MAX;
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

/** Copies the optional keys of `src` that pass `check` (absent keys are left out, never set to undefined). */
function copyOptional<T extends object>(dst: T, src: JsonObject, keys: readonly string[], check: (v: unknown) => boolean, problems: string[], where: string): void {
  for (const k of keys) {
    if (!Object.hasOwn(src, k)) continue;
    if (check(src[k])) (dst as Record<string, unknown>)[k] = src[k];
    else problems.push(`${where}.${k} is invalid`);
  }
}

function parseInterface(v: unknown, i: number, problems: string[]): CniInterface | undefined {
  const where = `interfaces[${i}]`;
  if (!isJsonObject(v)) return void problems.push(`${where} must be an object`);
  if (typeof v['name'] !== 'string' || v['name'] === '') return void problems.push(`${where}.name must be a non-empty string`);
  if (typeof v['mac'] !== 'string' || !MAC_RE.test(v['mac'])) return void problems.push(`${where}.mac must be a MAC address`);
  const out: CniInterface = { name: v['name'], mac: v['mac'] };
  copyOptional(out, v, ['mtu'], isUint, problems, where);
  copyOptional(out, v, ['sandbox', 'socketPath', 'pciID'], (s) => typeof s === 'string', problems, where);
  return out;
}

function parseIp(v: unknown, i: number, nInterfaces: number, problems: string[]): CniIpConfig | undefined {
  const where = `ips[${i}]`;
  if (!isJsonObject(v)) return void problems.push(`${where} must be an object`);
  if (!isCidr(v['address'])) return void problems.push(`${where}.address must be an address in CIDR notation`);
  const out: CniIpConfig = { address: v['address'] };
  copyOptional(out, v, ['gateway'], isIpAddress, problems, where);
  copyOptional(out, v, ['interface'], (n) => isUint(n) && n < nInterfaces, problems, where);
  return out;
}

function parseRoute(v: unknown, i: number, problems: string[]): CniRoute | undefined {
  const where = `routes[${i}]`;
  if (!isJsonObject(v)) return void problems.push(`${where} must be an object`);
  if (!isCidr(v['dst'])) return void problems.push(`${where}.dst must be a CIDR`);
  const out: CniRoute = { dst: v['dst'] };
  copyOptional(out, v, ['gw'], isIpAddress, problems, where);
  copyOptional(out, v, ['mtu', 'advmss', 'priority', 'table', 'scope'], isUint, problems, where);
  return out;
}

function parseDns(v: unknown, problems: string[]): CniDns {
  const out: CniDns = {};
  if (v === undefined) return out;
  if (!isJsonObject(v)) {
    problems.push('dns must be an object');
    return out;
  }
  copyOptional(out, v, ['nameservers', 'search', 'options'], isStringArray, problems, 'dns');
  copyOptional(out, v, ['domain'], (s) => typeof s === 'string', problems, 'dns');
  return out;
}

function list(v: unknown, key: string, problems: string[]): unknown[] {
  if (v === undefined) return [];
  if (Array.isArray(v)) return v;
  problems.push(`${key} must be an array`);
  return [];
}

/**
 * Validates an ADD result (e.g. from stackube-node) and normalises it: missing lists become [], missing dns {},
 * unknown keys are dropped. Pure and total; a failure is code 6 with every problem in `details`.
 */
export function validateResult(v: unknown): Validation<Result> {
  if (!isJsonObject(v)) return invalid(CNI_ERR.DECODE_FAILURE, 'invalid CNI result', 'result must be an object');
  const problems: string[] = [];
  const rawIfs = list(v['interfaces'], 'interfaces', problems);
  const interfaces = rawIfs.map((x, i) => parseInterface(x, i, problems));
  const ips = list(v['ips'], 'ips', problems).map((x, i) => parseIp(x, i, rawIfs.length, problems));
  const routes = list(v['routes'], 'routes', problems).map((x, i) => parseRoute(x, i, problems));
  const dns = parseDns(v['dns'], problems);
  if (problems.length > 0) return invalid(CNI_ERR.DECODE_FAILURE, 'invalid CNI result', clip(problems.join('; '), 1000));
  const cniVersion = typeof v['cniVersion'] === 'string' ? v['cniVersion'] : '';
  return { ok: true, value: { cniVersion, interfaces: interfaces as CniInterface[], ips: ips as CniIpConfig[], routes: routes as CniRoute[], dns } };
}

/** The result as printed for `version`: stamped with it, and without the 1.1.0-only fields when it is 1.0.0. Pure. */
export function resultForVersion(result: Result, version: CniVersion): Result {
  if (version !== '1.0.0') return { ...result, cniVersion: version };
  return {
    cniVersion: version,
    interfaces: result.interfaces.map((i) => pick(i, ['name', 'mac', 'mtu', 'sandbox'])),
    ips: result.ips,
    routes: result.routes.map((r) => pick(r, ['dst', 'gw'])),
    dns: result.dns,
  };
}

/** A copy of `obj` with only `keys` (absent keys stay absent). */
function pick<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (Object.hasOwn(obj, k)) out[k] = obj[k];
  return out;
}
