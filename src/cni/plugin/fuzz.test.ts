/**
 * Fuzz: seeded random mutations of valid env and stdin, run through main() in-process. Every case must end with
 * exactly one exit(), code 0 with well-formed output or code 1 with one parseable CNI error on stdout — never a
 * throw, a hang or an internal error (103). Change SEED to explore; a failure message names the case to replay.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { CNI_ERR } from '../spec/errors.js';
import { validateResult } from '../spec/result.js';
import type { DaemonOutcome, DaemonTransport } from './transport.js';
import { runPlugin, type RunOutput } from './fake-daemon.js';
import type { StdinSource } from './stdin.js';
import { seededRandom } from '../../lib/random.js';

const SEED = 0x5eed_c41;
const CASES = 500;
const CASE_DEADLINE_MS = 3_000;


const RESULT = {
  interfaces: [{ name: 'eth0', mac: 'fa:16:3e:00:00:01', sandbox: '/var/run/netns/x' }],
  ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1', interface: 0 }],
  routes: [{ dst: '0.0.0.0/0' }],
  dns: {},
};

interface Case {
  env: Record<string, string | undefined>;
  conf: Record<string, unknown>;
  /** Set once a mutation turns stdin into raw text or bytes. */
  raw?: string | Buffer;
  stream?: 'chunked' | 'never-ends';
  outcome: DaemonOutcome | 'request-dependent';
  mutations: string[];
}

function baseCase(r: () => number): Case {
  const bases: (() => Pick<Case, 'env' | 'conf'>)[] = [
    () => ({ env: { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c0ffee', CNI_NETNS: '/var/run/netns/x', CNI_IFNAME: 'eth0', CNI_ARGS: 'K8S_POD_NAMESPACE=a;K8S_POD_NAME=b', CNI_PATH: '/opt/cni/bin' }, conf: {} }),
    () => ({ env: { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c0ffee', CNI_IFNAME: 'eth0' }, conf: { prevResult: RESULT } }),
    () => ({ env: { CNI_COMMAND: 'CHECK', CNI_CONTAINERID: 'c0ffee', CNI_NETNS: '/var/run/netns/x', CNI_IFNAME: 'eth0' }, conf: { prevResult: RESULT } }),
    () => ({ env: { CNI_COMMAND: 'STATUS' }, conf: {} }),
    () => ({ env: { CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' }, conf: { 'cni.dev/valid-attachments': [{ containerID: 'c0ffee', ifname: 'eth0' }] } }),
    () => ({ env: { CNI_COMMAND: 'VERSION' }, conf: {} }),
  ];
  const b = pick(r, bases)();
  // STATUS and GC exist only from 1.1.0 on.
  const versions = b.env['CNI_COMMAND'] === 'STATUS' || b.env['CNI_COMMAND'] === 'GC' ? ['1.1.0'] : ['1.0.0', '1.1.0'];
  return { env: b.env, conf: { cniVersion: pick(r, versions), name: 'stackube', type: 'stackube-cni', timeoutMs: 50, ...b.conf }, outcome: 'request-dependent', mutations: [] };
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function randomText(r: () => number, max: number): string {
  const alphabet = ['a', 'Z', '0', '/', '.', '..', '-', '_', ' ', '\t', '\n', ':', ';', '=', '"', '\\', '{', '}', '[', 'é', '€', '\u0000', '\u007f', '\ud83d\ude00'];
  let s = '';
  const n = Math.floor(r() * max);
  for (let i = 0; i < n; i++) s += pick(r, alphabet);
  return s;
}

function randomValue(r: () => number): unknown {
  return pick(r, [
    () => null, () => true, () => 0, () => -1, () => 1.5, () => 1e300, () => [], () => ({}), () => [1, 'x'], () => '',
    () => randomText(r, 40), () => 'x'.repeat(100_000), () => ({ nested: { deeper: [randomText(r, 5)] } }),
  ])();
}

const ENV_KEYS = ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_ARGS', 'CNI_PATH'];
const CONF_KEYS = ['cniVersion', 'name', 'type', 'daemonSocket', 'timeoutMs', 'logFile', 'prevResult', 'runtimeConfig', 'cni.dev/valid-attachments'];

function stdinText(c: Case): string | Buffer {
  return c.raw ?? JSON.stringify(c.conf);
}

const MUTATIONS: Record<string, (c: Case, r: () => number) => void> = {
  'env: delete a variable': (c, r) => { c.env[pick(r, ENV_KEYS)] = undefined; },
  'env: empty a variable': (c, r) => { c.env[pick(r, ENV_KEYS)] = ''; },
  'env: garbage in a variable': (c, r) => { c.env[pick(r, ENV_KEYS)] = randomText(r, 30); },
  'env: giant variable': (c, r) => { c.env[pick(r, ENV_KEYS)] = `/${'g'.repeat(200_000)}`; },
  'env: random command': (c, r) => { c.env['CNI_COMMAND'] = pick(r, ['INIT', 'add', 'FINALIZE', '', 'VERSION ', randomText(r, 8)]); },
  'conf: delete a field': (c, r) => { c.conf = Object.fromEntries(Object.entries(c.conf).filter(([k]) => k !== pick(r, CONF_KEYS))); },
  'conf: wrong type': (c, r) => { c.conf[pick(r, CONF_KEYS)] = randomValue(r); },
  'conf: giant string field': (c, r) => { c.conf[pick(r, CONF_KEYS)] = 'v'.repeat(300_000); },
  'conf: extra keys': (c, r) => { c.conf[randomText(r, 10)] = randomValue(r); c.conf['__proto__'] = { polluted: true }; },
  'stdin: random bytes': (c, r) => { c.raw = Buffer.from(Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256))); },
  'stdin: truncated': (c, r) => { const t = stdinText(c); c.raw = typeof t === 'string' ? t.slice(0, Math.floor(r() * t.length)) : t.subarray(0, Math.floor(r() * t.length)); },
  'stdin: flipped bytes': (c, r) => {
    const b = Buffer.from(stdinText(c));
    for (let i = 0; i < 1 + Math.floor(r() * 4) && b.length > 0; i++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
    c.raw = b;
  },
  'stdin: over 1 MiB': (c) => { c.raw = `${JSON.stringify(c.conf).slice(0, -1)},"pad":"${'p'.repeat(1 << 20)}"}`; },
  'stdin: not an object': (c, r) => { c.raw = JSON.stringify(randomValue(r)); },
  'stdin: deep nesting': (c) => { c.raw = `{"cniVersion":"1.1.0","name":"n","type":"t","x":${'['.repeat(50_000)}${']'.repeat(50_000)}}`; },
  'stdin: chunked stream': (c) => { c.stream = 'chunked'; },
  'stdin: never ends': (c) => { c.stream = 'never-ends'; },
  'daemon: random answer': (c, r) => {
    c.outcome = pick<DaemonOutcome>(r, [
      { kind: 'unreachable', reason: 'connect ENOENT /run/stackube/cni.sock' }, { kind: 'timeout' }, { kind: 'failed', reason: 'socket hang up' },
      { kind: 'response', status: 503, body: randomText(r, 20) }, { kind: 'response', status: 500, body: '' },
      { kind: 'response', status: 200, body: randomText(r, 40) }, { kind: 'response', status: 200, body: JSON.stringify({ error: randomValue(r) }) },
      { kind: 'response', status: 200, body: JSON.stringify({ result: randomValue(r) }) },
      { kind: 'response', status: 200, body: JSON.stringify({ error: { code: 3, msg: randomText(r, 20), details: randomText(r, 20) } }) },
    ]);
  },
};

// Rare, slow or large mutations are drawn less often.
const RARE = new Set(['stdin: never ends', 'stdin: over 1 MiB', 'stdin: deep nesting', 'env: giant variable', 'conf: giant string field']);

function makeCase(r: () => number): Case {
  const c = baseCase(r);
  // About one case in ten stays valid, to check that valid input still succeeds.
  const n = r() < 0.1 ? 0 : 1 + Math.floor(r() * 3);
  const names = Object.keys(MUTATIONS);
  for (let i = 0; i < n; i++) {
    let name = pick(r, names);
    if (RARE.has(name) && r() < 0.7) name = pick(r, names.filter((x) => !RARE.has(x)));
    MUTATIONS[name]?.(c, r);
    c.mutations.push(name);
  }
  return c;
}

function stdinOf(c: Case): StdinSource {
  const text = stdinText(c);
  if (c.stream === 'never-ends') return new Readable({ read() { /* never pushes, never ends */ } });
  if (c.stream === 'chunked') {
    const b = Buffer.from(text);
    const parts: Buffer[] = [];
    // Small chunks, but at most ~64 of them: each chunk costs a few microtasks, and a megabyte in 7-byte pieces
    // would make the run slow without testing anything new.
    const size = Math.max(7, Math.ceil(b.length / 64));
    for (let i = 0; i < b.length; i += size) parts.push(b.subarray(i, i + size));
    return Readable.from(parts);
  }
  return text;
}

function transportFor(c: Case): DaemonTransport {
  return (call) => {
    if (c.outcome !== 'request-dependent') return Promise.resolve(c.outcome);
    const req = JSON.parse(call.body) as { command: string };
    return Promise.resolve({ kind: 'response', status: 200, body: JSON.stringify(req.command === 'ADD' ? { result: RESULT } : {}) });
  };
}

function check(c: Case, out: RunOutput, label: string): void {
  assert.deepEqual(out.exits, [out.code], `${label}: exit() once with the returned code`);
  if (out.code === 0) {
    assert.equal(out.stderr, '', `${label}: no stderr on success`);
    const cmd = c.env['CNI_COMMAND'];
    if (cmd === 'ADD') assert.ok(validateResult(JSON.parse(out.stdout)).ok, `${label}: ADD prints a valid Result`);
    else if (cmd === 'VERSION') assert.deepEqual((JSON.parse(out.stdout) as { supportedVersions: unknown }).supportedVersions, ['1.0.0', '1.1.0']);
    else assert.equal(out.stdout, '', `${label}: ${cmd} prints nothing on success`);
    return;
  }
  assert.equal(out.code, 1, `${label}: failure exits 1`);
  const lines = out.stdout.split('\n');
  assert.equal(lines.length, 2, `${label}: exactly one line on stdout`);
  const err = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
  assert.ok(Number.isInteger(err['code']) && (err['code'] as number) >= 1, `${label}: integer code`);
  assert.notEqual(err['code'], CNI_ERR.PLUGIN_INTERNAL, `${label}: no internal error: ${lines[0]}`);
  assert.equal(typeof err['msg'], 'string', `${label}: msg`);
  assert.equal(typeof err['cniVersion'], 'string', `${label}: cniVersion`);
  assert.ok(out.stdout.length < 10_000, `${label}: error output stays small (${out.stdout.length} bytes)`);
  assert.equal(out.stderr.split('\n').length, 2, `${label}: one line on stderr`);
}

describe(`plugin fuzz (${CASES} cases, seed ${SEED})`, () => {
  it('every case ends with one exit and well-formed output', async (t) => {
    t.diagnostic(`seed ${SEED}`);
    const r = seededRandom(SEED);
    let failures = 0;
    let validOk = 0;
    for (let i = 0; i < CASES; i++) {
      const c = makeCase(r);
      const label = `case ${i} (seed ${SEED}; ${c.env['CNI_COMMAND'] ?? '<no command>'}; ${c.mutations.join(', ') || 'unmutated'})`;
      let guard: NodeJS.Timeout | undefined;
      const hang = new Promise<'hang'>((resolve) => (guard = setTimeout(() => resolve('hang'), CASE_DEADLINE_MS)));
      const out = await Promise.race([runPlugin({ env: c.env, stdin: stdinOf(c), transport: transportFor(c), stdinTimeoutMs: 50, graceMs: 100 }), hang]);
      clearTimeout(guard);
      assert.notEqual(out, 'hang', `${label}: hung`);
      if (out === 'hang') return;
      check(c, out, label);
      if (c.mutations.length === 0) {
        assert.equal(out.code, 0, `${label}: unmutated input must succeed: ${out.stdout}`);
        validOk++;
      }
      if (out.code !== 0) failures++;
    }
    t.diagnostic(`${failures} cases failed cleanly with a CNI error, ${CASES - failures} succeeded (${validOk} unmutated)`);
    assert.ok(validOk > 0 && failures > CASES / 2, 'the mix covers both outcomes');
  });
});
