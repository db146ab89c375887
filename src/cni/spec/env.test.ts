import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CNI_ERR } from './errors.js';
import { REQUIRED_ENV, containerIdProblem, ifNameProblem, netnsProblem, parseCniArgs, parseEnv, type EnvMap } from './env.js';
import { CNI_COMMANDS } from './types.js';

const FULL: Record<string, string> = {
  CNI_CONTAINERID: 'c0ffee',
  CNI_NETNS: '/var/run/netns/cni-1',
  CNI_IFNAME: 'eth0',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=team-a;K8S_POD_NAME=web-0;K8S_POD_UID=u-1;K8S_POD_INFRA_CONTAINER_ID=c0ffee',
  CNI_PATH: '/opt/cni/bin:/usr/lib/cni',
};

function envFor(command: string, overrides: Record<string, string | undefined> = {}): EnvMap {
  return { ...FULL, CNI_COMMAND: command, ...overrides };
}

describe('parseEnv: every required variable missing, per command', () => {
  const cases = CNI_COMMANDS.flatMap((command) => REQUIRED_ENV[command].flatMap((name) => [
    { command, name, value: undefined, how: 'unset' },
    { command, name, value: '', how: 'empty' },
  ]));
  it('covers ADD, CHECK, DEL and GC', () => {
    assert.deepEqual([...new Set(cases.map((c) => c.command))].sort(), ['ADD', 'CHECK', 'DEL', 'GC']);
  });
  for (const c of cases) {
    it(`${c.command} with ${c.name} ${c.how} → code 4 naming ${c.name}`, () => {
      const r = parseEnv(envFor(c.command, { [c.name]: c.value }));
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.code, CNI_ERR.INVALID_ENV);
      assert.match(r.error.msg, new RegExp(c.name));
      assert.match(r.error.details ?? '', new RegExp(`${c.name} is missing`));
    });
  }
  it('names every missing variable at once', () => {
    const r = parseEnv({ CNI_COMMAND: 'ADD' });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.msg, 'invalid CNI environment: CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME');
  });
});

describe('parseEnv: what each command accepts', () => {
  const ok: { name: string; env: EnvMap; want: Partial<Record<'containerId' | 'netns' | 'ifName', string>> }[] = [
    { name: 'ADD with everything', env: envFor('ADD'), want: { containerId: 'c0ffee', netns: '/var/run/netns/cni-1', ifName: 'eth0' } },
    { name: 'DEL without CNI_NETNS (netns already gone)', env: envFor('DEL', { CNI_NETNS: undefined }), want: { netns: '' } },
    { name: 'DEL with empty CNI_NETNS', env: envFor('DEL', { CNI_NETNS: '' }), want: { netns: '' } },
    { name: 'STATUS with nothing but the command', env: { CNI_COMMAND: 'STATUS' }, want: { containerId: '', ifName: '' } },
    { name: 'VERSION with nothing but the command', env: { CNI_COMMAND: 'VERSION' }, want: {} },
    { name: 'VERSION ignores garbage in the other variables', env: { CNI_COMMAND: 'VERSION', CNI_IFNAME: 'x/y', CNI_NETNS: 'rel' }, want: {} },
    { name: 'GC with only CNI_PATH', env: { CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' }, want: { containerId: '' } },
    { name: 'GC ignores attachment variables', env: { CNI_COMMAND: 'GC', CNI_PATH: '/x', CNI_CONTAINERID: '-bad' }, want: { containerId: '' } },
    { name: '15-byte ifname', env: envFor('ADD', { CNI_IFNAME: 'abcdefghijklmno' }), want: { ifName: 'abcdefghijklmno' } },
    { name: 'container ID with _ . -', env: envFor('ADD', { CNI_CONTAINERID: 'a_b.c-d' }), want: { containerId: 'a_b.c-d' } },
  ];
  for (const c of ok) {
    it(c.name, () => {
      const r = parseEnv(c.env);
      assert.ok(r.ok, JSON.stringify(r));
      for (const [k, v] of Object.entries(c.want)) assert.equal(r.value[k as keyof typeof c.want], v);
    });
  }

  it('extracts CNI_ARGS, the pod and CNI_PATH', () => {
    const r = parseEnv(envFor('ADD'));
    assert.ok(r.ok);
    assert.deepEqual(r.value.pod, { namespace: 'team-a', name: 'web-0', uid: 'u-1', infraContainerId: 'c0ffee' });
    assert.equal(r.value.args['IgnoreUnknown'], '1');
    assert.deepEqual(r.value.path, ['/opt/cni/bin', '/usr/lib/cni']);
  });
  it('has no pod without both namespace and name', () => {
    const r = parseEnv(envFor('ADD', { CNI_ARGS: 'K8S_POD_NAMESPACE=a' }));
    assert.ok(r.ok);
    assert.equal(r.value.pod, undefined);
  });
});

describe('parseEnv: invalid values', () => {
  const cases: { name: string; env: EnvMap; names: string }[] = [
    { name: 'no CNI_COMMAND', env: { ...FULL }, names: 'CNI_COMMAND' },
    { name: 'unknown command', env: envFor('INIT'), names: 'CNI_COMMAND' },
    { name: 'lower-case command', env: envFor('add'), names: 'CNI_COMMAND' },
    { name: 'container ID starting with -', env: envFor('ADD', { CNI_CONTAINERID: '-abc' }), names: 'CNI_CONTAINERID' },
    { name: 'container ID with a slash', env: envFor('DEL', { CNI_CONTAINERID: 'a/b' }), names: 'CNI_CONTAINERID' },
    { name: 'container ID with a space', env: envFor('CHECK', { CNI_CONTAINERID: 'a b' }), names: 'CNI_CONTAINERID' },
    { name: 'container ID with unicode', env: envFor('ADD', { CNI_CONTAINERID: 'cafés' }), names: 'CNI_CONTAINERID' },
    { name: 'ifname of 16 bytes', env: envFor('ADD', { CNI_IFNAME: 'abcdefghijklmnop' }), names: 'CNI_IFNAME' },
    { name: 'ifname of 8 chars but 16 bytes', env: envFor('ADD', { CNI_IFNAME: 'éééééééé' }), names: 'CNI_IFNAME' },
    { name: 'ifname with /', env: envFor('ADD', { CNI_IFNAME: 'eth/0' }), names: 'CNI_IFNAME' },
    { name: 'ifname with :', env: envFor('ADD', { CNI_IFNAME: 'eth0:1' }), names: 'CNI_IFNAME' },
    { name: 'ifname "."', env: envFor('DEL', { CNI_IFNAME: '.' }), names: 'CNI_IFNAME' },
    { name: 'ifname ".."', env: envFor('ADD', { CNI_IFNAME: '..' }), names: 'CNI_IFNAME' },
    { name: 'ifname with a tab', env: envFor('ADD', { CNI_IFNAME: 'eth\t0' }), names: 'CNI_IFNAME' },
    { name: 'ifname with a newline', env: envFor('ADD', { CNI_IFNAME: 'eth0\n' }), names: 'CNI_IFNAME' },
    { name: 'relative netns', env: envFor('ADD', { CNI_NETNS: 'var/run/netns/x' }), names: 'CNI_NETNS' },
    { name: 'relative netns on DEL', env: envFor('DEL', { CNI_NETNS: 'netns' }), names: 'CNI_NETNS' },
    { name: 'netns with NUL', env: envFor('CHECK', { CNI_NETNS: '/proc/1/ns/net\0x' }), names: 'CNI_NETNS' },
    { name: 'giant netns', env: envFor('ADD', { CNI_NETNS: `/${'n'.repeat(5000)}` }), names: 'CNI_NETNS' },
    { name: 'CNI_ARGS pair without =', env: envFor('ADD', { CNI_ARGS: 'A=1;oops' }), names: 'CNI_ARGS' },
    { name: 'CNI_ARGS with empty key', env: envFor('ADD', { CNI_ARGS: '=v' }), names: 'CNI_ARGS' },
    { name: 'CNI_ARGS repeated key', env: envFor('ADD', { CNI_ARGS: 'A=1;A=2' }), names: 'CNI_ARGS' },
    { name: 'several at once', env: envFor('ADD', { CNI_CONTAINERID: '_x', CNI_IFNAME: '', CNI_NETNS: 'rel' }), names: 'CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME' },
  ];
  for (const c of cases) {
    it(`${c.name} → code 4 naming ${c.names}`, () => {
      const r = parseEnv(c.env);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.code, CNI_ERR.INVALID_ENV);
      assert.equal(r.error.msg, `invalid CNI environment: ${c.names}`);
      assert.ok((r.error.details ?? '').length < 1000, 'details stay short');
    });
  }
});

describe('field validators', () => {
  const table: { name: string; fn: (v: string) => string | undefined; value: string; valid: boolean }[] = [
    { name: 'container ID: 64 hex chars', fn: containerIdProblem, value: 'a'.repeat(64), valid: true },
    { name: 'container ID: digit first', fn: containerIdProblem, value: '9abc', valid: true },
    { name: 'container ID: dot first', fn: containerIdProblem, value: '.abc', valid: false },
    { name: 'container ID: empty', fn: containerIdProblem, value: '', valid: false },
    { name: 'ifname: eth0', fn: ifNameProblem, value: 'eth0', valid: true },
    { name: 'ifname: with - and .', fn: ifNameProblem, value: 'net-1.100', valid: true },
    { name: 'ifname: DEL char', fn: ifNameProblem, value: 'e\u007f', valid: false },
    { name: 'ifname: non-breaking space', fn: ifNameProblem, value: 'e\u00a0', valid: false },
    { name: 'netns: /proc path', fn: netnsProblem, value: '/proc/42/ns/net', valid: true },
    { name: 'netns: empty', fn: netnsProblem, value: '', valid: false },
  ];
  for (const c of table) {
    it(c.name, () => assert.equal(c.fn(c.value) === undefined, c.valid));
  }
});

describe('parseCniArgs', () => {
  const cases: { raw: string; want: Record<string, string> | 'error' }[] = [
    { raw: '', want: {} },
    { raw: 'A=1', want: { A: '1' } },
    { raw: 'A=1;B=2;', want: { A: '1', B: '2' } },
    { raw: ';;A=1;;', want: { A: '1' } },
    { raw: 'A=', want: { A: '' } },
    { raw: 'A=x=y', want: { A: 'x=y' } },
    { raw: 'K8S_POD_NAME=web-0.x', want: { K8S_POD_NAME: 'web-0.x' } },
    { raw: '__proto__=x', want: JSON.parse('{"__proto__":"x"}') as Record<string, string> },
    { raw: 'A', want: 'error' },
    { raw: 'A B=1', want: 'error' },
    { raw: 'A=1;A=1', want: 'error' },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.raw), () => {
      const r = parseCniArgs(c.raw);
      if (c.want === 'error') {
        assert.equal(r.ok, false);
      } else {
        assert.ok(r.ok);
        assert.deepEqual(r.value, c.want);
        assert.equal(Object.getPrototypeOf(r.value), Object.prototype);
      }
    });
  }
});

