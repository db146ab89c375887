import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../lib/errors.js';
import { parseDuration } from '../lib/duration.js';

/** One option: its type, default and help. `duration` values are milliseconds after loading. */
export type OptionSpec =
  | { type: 'string'; help: string; default?: string; required?: boolean; oneOf?: readonly string[] }
  | { type: 'number'; help: string; default?: number; required?: boolean; min?: number; max?: number }
  | { type: 'boolean'; help: string; default?: boolean }
  | { type: 'duration'; help: string; default?: string; required?: boolean }
  | { type: 'stringList'; help: string; default?: readonly string[] };

export type Schema = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S extends { type: 'string' } ? string
  : S extends { type: 'number' | 'duration' } ? number
  : S extends { type: 'boolean' } ? boolean
  : readonly string[];

/** The loaded config type: options with a default or `required` are always present. */
export type ConfigOf<S extends Schema> = {
  readonly [K in keyof S as S[K] extends { default: unknown } | { required: true } ? K : never]: ValueOf<S[K]>;
} & {
  readonly [K in keyof S as S[K] extends { default: unknown } | { required: true } ? never : K]?: ValueOf<S[K]>;
};

export interface LoadInput {
  /** Parsed from --config, if given. */
  configFile?: string | undefined;
  /** Environment variables (only src/cmd passes process.env). */
  env: Readonly<Record<string, string | undefined>>;
  /** Flags as --kebab-name value pairs, already split by the caller. */
  flags: Readonly<Record<string, string>>;
  /** Prefix of env vars, e.g. STACKUBE_WEBHOOK_. */
  envPrefix: string;
}

const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/**
 * Loads config with precedence file < env < flags, validates every option once and throws one
 * ValidationError listing every problem (unknown keys included), so a bad config fails fast and clearly.
 */
export function loadConfig<S extends Schema>(schema: S, input: LoadInput): ConfigOf<S> {
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  if (input.configFile) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(input.configFile, 'utf8'));
    } catch (e) {
      throw new ValidationError(`config file ${input.configFile}: ${(e as Error).message.split('\n')[0] ?? 'unreadable'}`);
    }
    if (doc !== null && doc !== undefined) {
      if (typeof doc !== 'object' || Array.isArray(doc)) throw new ValidationError(`config file ${input.configFile}: expected a mapping of options`);
      for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
        if (!(k in schema)) problems.push(`unknown option "${k}" in ${input.configFile}`);
        else raw[k] = v;
      }
    }
  }
  for (const k of Object.keys(schema)) {
    const ev = input.env[input.envPrefix + snake(k)];
    if (ev !== undefined) raw[k] = ev;
  }
  const known = new Map(Object.keys(schema).map((k) => [kebab(k), k]));
  for (const [f, v] of Object.entries(input.flags)) {
    const k = known.get(f);
    if (k === undefined) problems.push(`unknown flag --${f}`);
    else raw[k] = v;
  }
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(schema)) {
    const v = raw[k] ?? ('default' in spec ? spec.default : undefined);
    if (v === undefined) {
      if ('required' in spec && spec.required) problems.push(`${k} is required (--${kebab(k)}, ${input.envPrefix}${snake(k)}): ${spec.help}`);
      continue;
    }
    try {
      out[k] = coerce(k, spec, v);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (problems.length > 0) throw new ValidationError(`invalid configuration:\n  - ${problems.join('\n  - ')}`, { problems });
  return out as ConfigOf<S>;
}

function coerce(k: string, spec: OptionSpec, v: unknown): unknown {
  switch (spec.type) {
    case 'string': {
      if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`${k}: expected a string`);
      const s = String(v);
      if (spec.oneOf && !spec.oneOf.includes(s)) throw new Error(`${k}: "${s}" is not one of ${spec.oneOf.join(', ')}`);
      return s;
    }
    case 'number': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) throw new Error(`${k}: "${String(v)}" is not a number`);
      if (spec.min !== undefined && n < spec.min) throw new Error(`${k}: ${n} is below the minimum ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) throw new Error(`${k}: ${n} is above the maximum ${spec.max}`);
      return n;
    }
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === '1') return true;
      if (v === 'false' || v === '0') return false;
      throw new Error(`${k}: "${String(v)}" is not true or false`);
    case 'duration':
      if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`${k}: expected a duration such as 30s`);
      return parseDuration(v, k);
    case 'stringList':
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
      if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
      throw new Error(`${k}: expected a list of strings`);
  }
}

/** Renders `--help` text for a schema. Pure. */
export function helpText(schema: Schema, envPrefix: string): string {
  return Object.entries(schema)
    .map(([k, s]) => `  --${kebab(k)}  (${s.type}${'default' in s && s.default !== undefined ? `, default ${JSON.stringify(s.default)}` : ''}; env ${envPrefix}${snake(k)})\n      ${s.help}`)
    .join('\n');
}

/** Splits argv into --flag value pairs and positionals. Accepts --a=b and --a b; a bare --bool means "true". */
export function splitArgs(argv: readonly string[], booleanFlags: readonly string[] = []): { flags: Record<string, string>; positionals: string[] } {
  const flags: Record<string, string> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) {
      flags[a.slice(2, eq)] = a.slice(eq + 1);
      continue;
    }
    const name = a.slice(2);
    const next = argv[i + 1];
    if (booleanFlags.includes(name) || next === undefined || next.startsWith('--')) flags[name] = 'true';
    else {
      flags[name] = next;
      i++;
    }
  }
  return { flags, positionals };
}
