import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CNI_ERR } from '../spec/errors.js';
import type { EnvMap } from '../spec/env.js';
import type { Result } from '../spec/types.js';
import { FakeDaemon, runPlugin, type RunOutput } from './fake-daemon.js';
import type { DaemonTransport } from './transport.js';

const RESULT: Result = {
  cniVersion: '1.1.0',
  interfaces: [{ name: 'tapa1b2c3d4-e5', mac: 'fa:16:3e:11:22:33' }, { name: 'eth0', mac: 'fa:16:3e:44:55:66', mtu: 1450, sandbox: '/var/run/netns/cni-1', pciID: 'x' }],
  ips: [{ address: '10.10.0.5/24', gateway: '10.10.0.1', interface: 1 }],
  routes: [{ dst: '0.0.0.0/0', gw: '10.10.0.1', priority: 5 }],
  dns: { nameservers: ['10.10.0.2'] },
};

const ADD_ENV: EnvMap = {
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'c0ffee',
  CNI_NETNS: '/var/run/netns/cni-1',
  CNI_IFNAME: 'eth0',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=team-a;K8S_POD_NAME=web-0;K8S_POD_UID=u-1',
  CNI_PATH: '/opt/cni/bin',
};

function envFor(command: string, over: Record<string, string | undefined> = {}): EnvMap {
  return { ...ADD_ENV, CNI_COMMAND: command, ...over };
}

function conf(over: Record<string, unknown> = {}): string {
  return JSON.stringify({ cniVersion: '1.1.0', name: 'stackube', type: 'stackube-cni', ...over });
}

/** Every run: exit() called exactly once with the returned code; on failure, one error object on stdout and one line on stderr. */
function assertShape(r: RunOutput): void {
  assert.deepEqual(r.exits, [r.code]);
  if (r.code === 0) {
    assert.equal(r.stderr, '');
    return;
  }
  assert.equal(r.code, 1);
  assert.ok(r.stdout.endsWith('\n') && r.stdout.indexOf('\n') === r.stdout.length - 1, `one line on stdout: ${r.stdout}`);
  assert.ok(r.stderr.endsWith('\n') && r.stderr.indexOf('\n') === r.stderr.length - 1, `one line on stderr: ${r.stderr}`);
  assert.match(r.stderr, /^stackube-cni/);
}

function errorOf(r: RunOutput): { cniVersion: string; code: number; msg: string; details?: string } {
  assertShape(r);
  assert.equal(r.code, 1, `expected a failure, got ${r.stdout}`);
  return JSON.parse(r.stdout) as { cniVersion: string; code: number; msg: string; details?: string };
}

const noDaemon: DaemonTransport = () => Promise.reject(new Error('the daemon must not be called'));

describe('VERSION', () => {
  const cases: { name: string; stdin: string | Buffer; want: string }[] = [
    { name: 'echoes 1.0.0 from stdin', stdin: '{"cniVersion":"1.0.0"}', want: '1.0.0' },
    { name: 'echoes 1.1.0 from stdin', stdin: '{"cniVersion":"1.1.0"}', want: '1.1.0' },
    { name: 'echoes a version it does not support (the runtime reads supportedVersions)', stdin: '{"cniVersion":"0.4.0"}', want: '0.4.0' },
    { name: 'empty stdin → latest', stdin: '', want: '1.1.0' },
    { name: 'garbage stdin → latest', stdin: Buffer.from([0xff, 0x00, 0x7b]), want: '1.1.0' },
    { name: 'non-version cniVersion → latest', stdin: '{"cniVersion":"1.1.0; rm -rf /"}', want: '1.1.0' },
    { name: 'numeric cniVersion → latest', stdin: '{"cniVersion":1}', want: '1.1.0' },
    { name: 'over 1 MiB → latest', stdin: `{"cniVersion":"1.0.0","x":"${'x'.repeat(1 << 20)}"}`, want: '1.1.0' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await runPlugin({ env: { CNI_COMMAND: 'VERSION' }, stdin: c.stdin, transport: noDaemon });
      assertShape(r);
      assert.equal(r.code, 0);
      assert.deepEqual(JSON.parse(r.stdout), { cniVersion: c.want, supportedVersions: ['1.0.0', '1.1.0'] });
    });
  }
});

describe('validation failures (no daemon contacted)', () => {
  const cases: { name: string; env: EnvMap; stdin: string; code: number; cniVersion?: string }[] = [
    { name: 'no CNI_COMMAND', env: {}, stdin: conf(), code: CNI_ERR.INVALID_ENV },
    { name: 'unknown command', env: envFor('INIT'), stdin: conf(), code: CNI_ERR.INVALID_ENV },
    { name: 'ADD without CNI_NETNS', env: envFor('ADD', { CNI_NETNS: undefined }), stdin: conf(), code: CNI_ERR.INVALID_ENV },
    { name: 'ADD with a bad ifname', env: envFor('ADD', { CNI_IFNAME: 'much-too-long-name' }), stdin: conf(), code: CNI_ERR.INVALID_ENV },
    { name: 'bad JSON', env: envFor('ADD'), stdin: '{"cniVersion":', code: CNI_ERR.DECODE_FAILURE },
    { name: 'wrong cniVersion', env: envFor('ADD'), stdin: conf({ cniVersion: '0.3.1' }), code: CNI_ERR.INCOMPATIBLE_VERSION },
    { name: 'invalid field, error stamped with the config version', env: envFor('DEL'), stdin: conf({ cniVersion: '1.0.0', timeoutMs: 'soon' }), code: CNI_ERR.INVALID_CONFIG },
    { name: 'CHECK without prevResult', env: envFor('CHECK'), stdin: conf({ cniVersion: '1.0.0' }), code: CNI_ERR.INVALID_CONFIG, cniVersion: '1.0.0' },
    { name: 'STATUS under 1.0.0', env: envFor('STATUS'), stdin: conf({ cniVersion: '1.0.0' }), code: CNI_ERR.INCOMPATIBLE_VERSION, cniVersion: '1.0.0' },
    { name: 'GC without valid attachments', env: envFor('GC'), stdin: conf(), code: CNI_ERR.INVALID_CONFIG },
    { name: 'huge stdin', env: envFor('ADD'), stdin: conf({ pad: 'x'.repeat(1 << 20) }), code: CNI_ERR.IO_FAILURE },
  ];
  for (const c of cases) {
    it(`${c.name} → code ${c.code}`, async () => {
      const e = errorOf(await runPlugin({ env: c.env, stdin: c.stdin, transport: noDaemon }));
      assert.equal(e.code, c.code);
      assert.equal(e.cniVersion, c.cniVersion ?? '1.1.0');
    });
  }

  it('stdin that never ends → code 5 after the stdin timeout', async () => {
    const never: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<Uint8Array>>(() => undefined) }) };
    const r = await runPlugin({ env: envFor('ADD'), stdin: never, stdinTimeoutMs: 30, transport: noDaemon });
    assert.equal(errorOf(r).code, CNI_ERR.IO_FAILURE);
    assert.ok(r.ms < 1000, `took ${r.ms} ms`);
  });
});

describe('against a fake stackube-node on a unix socket', () => {
  let daemon: FakeDaemon;
  before(async () => {
    daemon = await new FakeDaemon().start();
  });
  after(async () => {
    await daemon.stop();
  });
  beforeEach(() => {
    daemon.seen.length = 0;
    daemon.reply = () => ({ status: 200, body: {} });
  });
  const at = (over: Record<string, unknown> = {}): string => conf({ daemonSocket: daemon.socketPath, ...over });

  it('ADD: sends the request and prints the Result', async () => {
    daemon.reply = () => ({ status: 200, body: { result: RESULT } });
    const r = await runPlugin({ env: ADD_ENV, stdin: at({ runtimeConfig: { mac: 'fa:16:3e:44:55:66' } }) });
    assertShape(r);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), RESULT);
    assert.equal(daemon.seen.length, 1);
    const seen = daemon.seen[0];
    assert.ok(seen);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/v1/cni');
    assert.equal(seen.contentType, 'application/json');
    assert.deepEqual(seen.body, {
      command: 'ADD', containerId: 'c0ffee', netns: '/var/run/netns/cni-1', ifName: 'eth0',
      args: { IgnoreUnknown: '1', K8S_POD_NAMESPACE: 'team-a', K8S_POD_NAME: 'web-0', K8S_POD_UID: 'u-1' },
      pod: { namespace: 'team-a', name: 'web-0', uid: 'u-1' },
      config: { cniVersion: '1.1.0', name: 'stackube', type: 'stackube-cni', daemonSocket: daemon.socketPath, timeoutMs: 60000, runtimeConfig: { mac: 'fa:16:3e:44:55:66' } },
    });
  });

  it('ADD under 1.0.0: the Result carries 1.0.0 and no 1.1.0-only fields', async () => {
    daemon.reply = () => ({ status: 200, body: { result: RESULT } });
    const r = await runPlugin({ env: ADD_ENV, stdin: at({ cniVersion: '1.0.0' }) });
    assert.equal(r.code, 0);
    const printed = JSON.parse(r.stdout) as Result;
    assert.equal(printed.cniVersion, '1.0.0');
    assert.equal(printed.interfaces[1]?.pciID, undefined);
    assert.equal(printed.routes[0]?.priority, undefined);
  });

  const quiet: { name: string; env: EnvMap; stdin: () => string }[] = [
    { name: 'DEL', env: envFor('DEL'), stdin: () => at({ prevResult: RESULT }) },
    { name: 'DEL without netns', env: envFor('DEL', { CNI_NETNS: '' }), stdin: () => at() },
    { name: 'CHECK', env: envFor('CHECK'), stdin: () => at({ prevResult: RESULT }) },
    { name: 'STATUS', env: { CNI_COMMAND: 'STATUS' }, stdin: () => at() },
    { name: 'GC', env: { CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' }, stdin: () => at({ 'cni.dev/valid-attachments': [{ containerID: 'c0ffee', ifname: 'eth0' }] }) },
  ];
  for (const c of quiet) {
    it(`${c.name}: success prints nothing and exits 0`, async () => {
      daemon.reply = () => ({ status: 200, body: { result: RESULT } });
      const r = await runPlugin({ env: c.env, stdin: c.stdin() });
      assertShape(r);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, '');
      assert.equal(daemon.seen[0]?.body.command, c.env['CNI_COMMAND']);
    });
  }

  it('GC forwards the valid attachments', async () => {
    await runPlugin({ env: { CNI_COMMAND: 'GC', CNI_PATH: '/x' }, stdin: at({ 'cni.dev/valid-attachments': [{ containerID: 'a', ifname: 'eth0' }] }) });
    assert.deepEqual(daemon.seen[0]?.body.config.validAttachments, [{ containerID: 'a', ifname: 'eth0' }]);
  });

  it("the daemon's error passes through, restamped with the request's cniVersion", async () => {
    daemon.reply = () => ({ status: 200, body: { error: { cniVersion: '9.9.9', code: 3, msg: 'pod team-a/web-0 not found', details: 'no VIF annotation' } } });
    const e = errorOf(await runPlugin({ env: ADD_ENV, stdin: at({ cniVersion: '1.0.0' }) }));
    assert.deepEqual(e, { cniVersion: '1.0.0', code: 3, msg: 'pod team-a/web-0 not found', details: 'no VIF annotation' });
  });

  const failures: { name: string; command: string; reply: () => ReturnType<FakeDaemon['reply']>; code: number; msg?: RegExp }[] = [
    { name: '503 → try again later', command: 'ADD', reply: () => ({ status: 503, body: { error: { code: 11, msg: 'resyncing ports' } } }), code: CNI_ERR.TRY_AGAIN_LATER, msg: /try again later/ },
    { name: '503 on DEL → try again later', command: 'DEL', reply: () => ({ status: 503, body: 'not ready' }), code: CNI_ERR.TRY_AGAIN_LATER },
    { name: '503 on STATUS → not available', command: 'STATUS', reply: () => ({ status: 503, body: '' }), code: CNI_ERR.NOT_AVAILABLE },
    { name: 'STATUS error 51 from the daemon passes through', command: 'STATUS', reply: () => ({ status: 200, body: { error: { code: 51, msg: 'agent down' } } }), code: CNI_ERR.NOT_AVAILABLE_LIMITED_CONNECTIVITY },
    { name: 'HTTP 500 → daemon error', command: 'ADD', reply: () => ({ status: 500, body: 'boom' }), code: CNI_ERR.DAEMON_ERROR, msg: /HTTP 500/ },
    { name: 'HTTP 404 → daemon error', command: 'DEL', reply: () => ({ status: 404, body: {} }), code: CNI_ERR.DAEMON_ERROR },
    { name: 'not JSON → daemon error', command: 'ADD', reply: () => ({ status: 200, body: '<html>' }), code: CNI_ERR.DAEMON_ERROR },
    { name: 'ADD without result → daemon error', command: 'ADD', reply: () => ({ status: 200, body: {} }), code: CNI_ERR.DAEMON_ERROR },
    { name: 'ADD with an invalid result → daemon error', command: 'ADD', reply: () => ({ status: 200, body: { result: { ips: [{ address: 'nope' }] } } }), code: CNI_ERR.DAEMON_ERROR },
    { name: 'connection cut mid-response → daemon error', command: 'ADD', reply: () => 'cut', code: CNI_ERR.DAEMON_ERROR },
    { name: 'response over 1 MiB → daemon error', command: 'DEL', reply: () => ({ status: 200, body: { pad: 'x'.repeat((1 << 20) + 1) } }), code: CNI_ERR.DAEMON_ERROR },
  ];
  for (const c of failures) {
    it(`${c.name} (code ${c.code})`, async () => {
      daemon.reply = c.reply;
      const extra = c.command === 'STATUS' ? {} : { prevResult: RESULT };
      const e = errorOf(await runPlugin({ env: envFor(c.command), stdin: at(extra) }));
      assert.equal(e.code, c.code, JSON.stringify(e));
      if (c.msg) assert.match(e.msg, c.msg);
    });
  }

  it('slow daemon → code 101 within the deadline', async () => {
    daemon.reply = () => 'hang';
    const r = await runPlugin({ env: ADD_ENV, stdin: at({ timeoutMs: 150 }) });
    const e = errorOf(r);
    assert.equal(e.code, CNI_ERR.DAEMON_TIMEOUT);
    assert.match(e.msg, /did not answer within 150 ms/);
    assert.ok(r.ms >= 140 && r.ms < 1500, `took ${r.ms} ms`);
  });

  it('slow daemon on STATUS → code 50', async () => {
    daemon.reply = () => 'hang';
    assert.equal(errorOf(await runPlugin({ env: { CNI_COMMAND: 'STATUS' }, stdin: at({ timeoutMs: 50 }) })).code, CNI_ERR.NOT_AVAILABLE);
  });
});

describe('daemon not reachable', () => {
  const missing = '/run/stackube-test-does-not-exist/cni.sock';
  it('no socket → code 100 naming the socket', async () => {
    const e = errorOf(await runPlugin({ env: ADD_ENV, stdin: conf({ daemonSocket: missing }) }));
    assert.equal(e.code, CNI_ERR.DAEMON_UNREACHABLE);
    assert.equal(e.msg, `stackube-node is not running (connect ENOENT ${missing})`);
  });
  it('DEL with no daemon fails with 100 too (kubelet retries; success would leak the host side)', async () => {
    assert.equal(errorOf(await runPlugin({ env: envFor('DEL'), stdin: conf({ daemonSocket: missing }) })).code, CNI_ERR.DAEMON_UNREACHABLE);
  });
  it('STATUS with no daemon → code 50', async () => {
    assert.equal(errorOf(await runPlugin({ env: { CNI_COMMAND: 'STATUS' }, stdin: conf({ daemonSocket: missing }) })).code, CNI_ERR.NOT_AVAILABLE);
  });
  it('a path that is not a socket (ECONNREFUSED) → code 100', async () => {
    const d = new FakeDaemon(); // only for its temp dir; never started
    try {
      const notSocket = join(d.dir, 'plain-file');
      writeFileSync(notSocket, '');
      const e = errorOf(await runPlugin({ env: ADD_ENV, stdin: conf({ daemonSocket: notSocket }) }));
      assert.equal(e.code, CNI_ERR.DAEMON_UNREACHABLE);
      assert.match(e.msg, /ECONNREFUSED/);
    } finally {
      await d.stop().catch(() => undefined);
    }
  });
});

describe('never hangs, never throws', () => {
  it('a transport that never settles → the watchdog answers 101 once', async () => {
    const stuck: DaemonTransport = () => new Promise(() => undefined);
    const r = await runPlugin({ env: ADD_ENV, stdin: conf({ timeoutMs: 20 }), transport: stuck, graceMs: 20 });
    const e = errorOf(r);
    assert.equal(e.code, CNI_ERR.DAEMON_TIMEOUT);
    assert.match(e.msg, /did not finish within 40 ms/);
  });
  it('a transport that throws → code 103, not a rejection', async () => {
    const r = await runPlugin({ env: ADD_ENV, stdin: conf(), transport: noDaemon });
    const e = errorOf(r);
    assert.equal(e.code, CNI_ERR.PLUGIN_INTERNAL);
    assert.match(e.details ?? '', /must not be called/);
  });
});

describe('logFile', () => {
  const ok: DaemonTransport = () => Promise.resolve({ kind: 'response', status: 200, body: JSON.stringify({ result: RESULT }) });
  it('appends one JSON line per call', async () => {
    const lines: [string, string][] = [];
    const r = await runPlugin({ env: ADD_ENV, stdin: conf({ logFile: '/var/log/stackube-cni.log' }), transport: ok, appendLog: (p, l) => { lines.push([p, l]); return Promise.resolve(); }, now: () => 1000 });
    assert.equal(r.code, 0);
    assert.equal(lines.length, 1);
    const [path, line] = lines[0] ?? ['', ''];
    assert.equal(path, '/var/log/stackube-cni.log');
    assert.deepEqual(JSON.parse(line), { level: 30, time: 1000, name: 'stackube-cni', msg: 'cni call succeeded', command: 'ADD', containerId: 'c0ffee', ifName: 'eth0', netns: '/var/run/netns/cni-1', durationMs: 0, pod: 'team-a/web-0' });
  });
  it('a failing log write is reported on stderr but does not fail the call', async () => {
    const r = await runPlugin({ env: ADD_ENV, stdin: conf({ logFile: '/nope/x.log' }), transport: ok, appendLog: () => Promise.reject(new Error('EACCES')) });
    assert.equal(r.code, 0);
    assert.deepEqual(r.exits, [0]);
    assert.match(r.stderr, /cannot append to log file \/nope\/x.log: EACCES/);
  });
});
