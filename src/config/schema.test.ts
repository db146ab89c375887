import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../lib/errors.js';
import { helpText, loadConfig, splitArgs, type Schema } from './schema.js';
import { webhookSchema, WEBHOOK_ENV_PREFIX } from './webhook.js';

const schema = {
  listenAddress: { type: 'string', default: '0.0.0.0:8443', help: 'where to listen' },
  tlsCertFile: { type: 'string', required: true, help: 'certificate' },
  logLevel: { type: 'string', default: 'info', oneOf: ['debug', 'info', 'warn'], help: 'log level' },
  maxBodyBytes: { type: 'number', default: 1024, min: 512, max: 4096, help: 'body limit' },
  cacheTtl: { type: 'duration', default: '5m', help: 'ttl' },
  timeout: { type: 'duration', help: 'timeout' },
  tenantRules: { type: 'boolean', default: true, help: 'tenant rules' },
  adminProjects: { type: 'stringList', default: ['admin'], help: 'admin projects' },
  cloud: { type: 'string', help: 'cloud' },
} as const satisfies Schema;
const PREFIX = 'T_';

let dir: string;
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'stackube-config-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ValidationError, String(e));
    assert.match(e.message, /^invalid configuration:\n {2}- /);
    return e.details['problems'] as string[];
  }
  assert.fail('expected a ValidationError');
}

describe('loadConfig', () => {
  it('applies defaults and coerces types', () => {
    const c = loadConfig(schema, { env: {}, flags: { 'tls-cert-file': '/c.pem' }, envPrefix: PREFIX });
    assert.deepEqual(c, { listenAddress: '0.0.0.0:8443', tlsCertFile: '/c.pem', logLevel: 'info', maxBodyBytes: 1024, cacheTtl: 300_000, tenantRules: true, adminProjects: ['admin'] });
    assert.equal('timeout' in c, false);
  });

  it('precedence is file < env < flags', () => {
    const cfg = file('prec.yaml', 'tlsCertFile: /file.pem\nlogLevel: debug\nmaxBodyBytes: 600\ncacheTtl: 10\nadminProjects: [a, b]\ntenantRules: false\n');
    const cases: { name: string; env: Record<string, string>; flags: Record<string, string>; want: Record<string, unknown> }[] = [
      { name: 'file only', env: {}, flags: {}, want: { tlsCertFile: '/file.pem', logLevel: 'debug', maxBodyBytes: 600, cacheTtl: 10_000, adminProjects: ['a', 'b'], tenantRules: false } },
      { name: 'env over file', env: { T_TLS_CERT_FILE: '/env.pem', T_MAX_BODY_BYTES: '700', T_ADMIN_PROJECTS: 'x, y,,', T_TENANT_RULES: '1' }, flags: {}, want: { tlsCertFile: '/env.pem', logLevel: 'debug', maxBodyBytes: 700, cacheTtl: 10_000, adminProjects: ['x', 'y'], tenantRules: true } },
      { name: 'flags over env', env: { T_TLS_CERT_FILE: '/env.pem', T_CACHE_TTL: '1m' }, flags: { 'tls-cert-file': '/flag.pem', 'cache-ttl': '250ms', 'tenant-rules': 'true' }, want: { tlsCertFile: '/flag.pem', logLevel: 'debug', maxBodyBytes: 600, cacheTtl: 250, adminProjects: ['a', 'b'], tenantRules: true } },
    ];
    for (const c of cases) {
      const got = loadConfig(schema, { configFile: cfg, env: c.env, flags: c.flags, envPrefix: PREFIX }) as Record<string, unknown>;
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(got[k], v, `${c.name}: ${k}`);
    }
  });

  it('env variables without the prefix are ignored', () => {
    const c = loadConfig(schema, { env: { TLS_CERT_FILE: '/x', T_TLS_CERT_FILE: '/y' }, flags: {}, envPrefix: PREFIX });
    assert.equal(c.tlsCertFile, '/y');
  });

  const single: { name: string; input: { env?: Record<string, string>; flags?: Record<string, string>; file?: string }; problem: RegExp }[] = [
    { name: 'required missing', input: {}, problem: /^tlsCertFile is required \(--tls-cert-file, T_TLS_CERT_FILE\): certificate$/ },
    { name: 'unknown flag', input: { flags: { 'tls-cert-file': 'c', 'tls-cert': 'x' } }, problem: /^unknown flag --tls-cert$/ },
    { name: 'unknown key in the file', input: { file: 'tlsCertFile: c\ntlsCert: x\n' }, problem: /^unknown option "tlsCert" in .*unknown\.yaml$/ },
    { name: 'bad number', input: { flags: { 'tls-cert-file': 'c', 'max-body-bytes': '1k' } }, problem: /^maxBodyBytes: "1k" is not a number$/ },
    { name: 'empty number', input: { env: { T_TLS_CERT_FILE: 'c', T_MAX_BODY_BYTES: ' ' } }, problem: /^maxBodyBytes: " " is not a number$/ },
    { name: 'number below min', input: { flags: { 'tls-cert-file': 'c', 'max-body-bytes': '100' } }, problem: /^maxBodyBytes: 100 is below the minimum 512$/ },
    { name: 'number above max', input: { flags: { 'tls-cert-file': 'c', 'max-body-bytes': '9999' } }, problem: /^maxBodyBytes: 9999 is above the maximum 4096$/ },
    { name: 'bad duration', input: { flags: { 'tls-cert-file': 'c', timeout: '5 minutes' } }, problem: /^timeout: "5 minutes" is not a duration/ },
    { name: 'duration of the wrong type in the file', input: { file: 'tlsCertFile: c\ntimeout: [1]\n' }, problem: /^timeout: expected a duration such as 30s$/ },
    { name: 'not oneOf', input: { flags: { 'tls-cert-file': 'c', 'log-level': 'verbose' } }, problem: /^logLevel: "verbose" is not one of debug, info, warn$/ },
    { name: 'bad boolean', input: { flags: { 'tls-cert-file': 'c', 'tenant-rules': 'yes' } }, problem: /^tenantRules: "yes" is not true or false$/ },
    { name: 'string of the wrong type in the file', input: { file: 'tlsCertFile: {a: 1}\n' }, problem: /^tlsCertFile: expected a string$/ },
    { name: 'list of the wrong type in the file', input: { file: 'tlsCertFile: c\nadminProjects: [1, 2]\n' }, problem: /^adminProjects: expected a list of strings$/ },
  ];
  for (const c of single) {
    it(`reports ${c.name}`, () => {
      const configFile = c.input.file === undefined ? undefined : file('unknown.yaml', c.input.file);
      const problems = problemsOf(() => loadConfig(schema, { configFile, env: c.input.env ?? {}, flags: c.input.flags ?? {}, envPrefix: PREFIX }));
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0] ?? '', c.problem);
    });
  }

  it('reports every problem in ONE ValidationError', () => {
    const cfg = file('many.yaml', 'bogus: 1\nlogLevel: loud\n');
    const problems = problemsOf(() => loadConfig(schema, { configFile: cfg, env: { T_MAX_BODY_BYTES: 'lots' }, flags: { 'no-such-flag': 'x', timeout: 'soon', 'tenant-rules': 'maybe' }, envPrefix: PREFIX }));
    assert.deepEqual(problems.map((p) => p.split(':')[0]?.split(' ')[0]), ['unknown', 'unknown', 'tlsCertFile', 'logLevel', 'maxBodyBytes', 'timeout', 'tenantRules']);
    assert.match(problems[0] ?? '', /unknown option "bogus"/);
    assert.match(problems[1] ?? '', /unknown flag --no-such-flag/);
  });

  const fileErrors: [string, string, RegExp][] = [
    ['invalid YAML', 'a: [1\n', /^config file .*bad-yaml\.yaml: /],
    ['a list at the top level', '- a\n- b\n', /^config file .*bad-list\.yaml: expected a mapping of options$/],
  ];
  for (const [name, text, message] of fileErrors) {
    it(`refuses a config file with ${name}`, () => {
      const p = file(name === 'invalid YAML' ? 'bad-yaml.yaml' : 'bad-list.yaml', text);
      assert.throws(() => loadConfig(schema, { configFile: p, env: {}, flags: {}, envPrefix: PREFIX }), (e: unknown) => e instanceof ValidationError && message.test(e.message));
    });
  }

  it('refuses a missing config file', () => {
    assert.throws(() => loadConfig(schema, { configFile: join(dir, 'absent.yaml'), env: {}, flags: {}, envPrefix: PREFIX }), (e: unknown) => e instanceof ValidationError && /absent\.yaml/.test(e.message));
  });

  it('an empty config file is fine', () => {
    const c = loadConfig(schema, { configFile: file('empty.yaml', ''), env: { T_TLS_CERT_FILE: 'c' }, flags: {}, envPrefix: PREFIX });
    assert.equal(c.tlsCertFile, 'c');
  });

  it('the webhook schema loads with only its required options', () => {
    const c = loadConfig(webhookSchema, { env: { STACKUBE_WEBHOOK_TLS_CERT_FILE: '/c', STACKUBE_WEBHOOK_TLS_KEY_FILE: '/k' }, flags: {}, envPrefix: WEBHOOK_ENV_PREFIX });
    assert.equal(c.tokenCacheMaxTtl, 300_000);
    assert.equal(c.keystoneTimeout, 5_000);
    assert.deepEqual(c.clusterAdminProjects, ['admin']);
  });

  it('helpText names each flag, type, default and env variable', () => {
    const text = helpText(schema, PREFIX);
    assert.match(text, /--max-body-bytes {2}\(number, default 1024; env T_MAX_BODY_BYTES\)\n {6}body limit/);
    assert.match(text, /--timeout {2}\(duration; env T_TIMEOUT\)/);
  });
});

describe('splitArgs', () => {
  const cases: { name: string; argv: string[]; bools?: string[]; flags: Record<string, string>; positionals: string[] }[] = [
    { name: 'empty', argv: [], flags: {}, positionals: [] },
    { name: '--a=b', argv: ['--os-cloud=alice'], flags: { 'os-cloud': 'alice' }, positionals: [] },
    { name: '--a b', argv: ['--os-cloud', 'alice'], flags: { 'os-cloud': 'alice' }, positionals: [] },
    { name: '--a= (empty value)', argv: ['--name='], flags: { name: '' }, positionals: [] },
    { name: 'value containing =', argv: ['--label=a=b'], flags: { label: 'a=b' }, positionals: [] },
    { name: 'bare flag at the end is "true"', argv: ['--verbose'], flags: { verbose: 'true' }, positionals: [] },
    { name: 'bare flag followed by a flag is "true"', argv: ['--verbose', '--x', '1'], flags: { verbose: 'true', x: '1' }, positionals: [] },
    { name: 'declared boolean never takes the next word', argv: ['--no-cache', 'credential'], bools: ['no-cache'], flags: { 'no-cache': 'true' }, positionals: ['credential'] },
    { name: 'positionals around flags', argv: ['login', '--os-cloud', 'a', 'extra'], flags: { 'os-cloud': 'a' }, positionals: ['login', 'extra'] },
    { name: 'single-dash words are positionals or values', argv: ['-v', '--n', '-5'], flags: { n: '-5' }, positionals: ['-v'] },
    { name: 'the last repeat wins', argv: ['--a', '1', '--a=2'], flags: { a: '2' }, positionals: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(splitArgs(c.argv, c.bools), { flags: c.flags, positionals: c.positionals });
    });
  }
});
