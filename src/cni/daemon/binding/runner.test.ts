import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeCommandError, execFileRunner, getLink, ipOnLink, isNoSuchDevice, mustRun, type RunResult, type Runner } from './runner.js';

const fixed = (r: Partial<RunResult>): Runner => ({ run: () => Promise.resolve({ stdout: '', stderr: '', code: 0, ...r }) });

describe('execFileRunner (real processes)', () => {
  const runner = execFileRunner({ timeoutMs: 5_000 });
  it('resolves with stdout, stderr and a zero code', async () => {
    assert.deepEqual(await runner.run('sh', ['-c', 'echo out; echo err >&2']), { stdout: 'out\n', stderr: 'err\n', code: 0 });
  });
  it('resolves (does not reject) with a non-zero exit code', async () => {
    assert.deepEqual(await runner.run('sh', ['-c', 'echo no >&2; exit 3']), { stdout: '', stderr: 'no\n', code: 3 });
  });
  it('passes arguments without a shell', async () => {
    assert.equal((await runner.run('printf', ['%s|', 'a b', '$HOME', ';'])).stdout, 'a b|$HOME|;|');
  });
  it('rejects with NodeCommandError for a missing binary', async () => {
    await assert.rejects(runner.run('/nonexistent/stackube-cmd', ['x']), (e: unknown) => {
      assert.ok(e instanceof NodeCommandError);
      assert.equal(e.code, 'STACKUBE_ERR_NODE_COMMAND');
      assert.match(e.message, /^\/nonexistent\/stackube-cmd x: could not run \(ENOENT\)/);
      assert.equal(e.details['command'], '/nonexistent/stackube-cmd');
      return true;
    });
  });
  it('kills and rejects a command that outlives its timeout', async () => {
    const t0 = Date.now();
    await assert.rejects(execFileRunner({ timeoutMs: 100 }).run('sleep', ['10']), (e: unknown) => e instanceof NodeCommandError && /timed out after 100 ms/.test(e.message));
    assert.ok(Date.now() - t0 < 5_000);
  });
});

describe('mustRun', () => {
  it('returns stdout on exit 0', async () => assert.equal(await mustRun(fixed({ stdout: 'x' }), 'ip', ['a']), 'x'));
  it('throws with the command, exit code and stderr otherwise', async () => {
    await assert.rejects(mustRun(fixed({ code: 2, stderr: 'RTNETLINK answers: File exists\n' }), 'ip', ['link', 'add', 'br0']), (e: unknown) => {
      assert.ok(e instanceof NodeCommandError);
      assert.equal(e.message, 'ip link add br0: exited with code 2: RTNETLINK answers: File exists');
      assert.deepEqual(e.details, { command: 'ip', args: ['link', 'add', 'br0'], exitCode: 2, stderr: 'RTNETLINK answers: File exists' });
      return true;
    });
  });
});

describe('iproute2 helpers', () => {
  for (const [stderr, want] of [['Device "x" does not exist.', true], ['Cannot find device "x"', true], ['RTNETLINK answers: File exists', false], ['', false]] as const) {
    it(`isNoSuchDevice(${JSON.stringify(stderr)}) = ${String(want)}`, () => assert.equal(isNoSuchDevice(stderr), want));
  }
  it('getLink parses ip -json', async () => {
    const stdout = '[{"ifindex":5,"ifname":"tapx","flags":["BROADCAST","UP"],"mtu":1450,"master":"brqy","operstate":"UP"}]';
    assert.deepEqual(await getLink(fixed({ stdout }), 'tapx'), { ifindex: 5, ifname: 'tapx', flags: ['BROADCAST', 'UP'], mtu: 1450, master: 'brqy', operstate: 'UP' });
  });
  it('getLink: a missing link is undefined', async () => {
    assert.equal(await getLink(fixed({ code: 1, stderr: 'Device "tapx" does not exist.\n' }), 'tapx'), undefined);
  });
  for (const [name, r] of [['other failure', { code: 255, stderr: 'Object "link" is unknown' }], ['bad JSON', { stdout: '[{' }], ['empty list', { stdout: '[]' }], ['no mtu', { stdout: '[{"ifname":"x","flags":[]}]' }]] as const) {
    it(`getLink rejects: ${name}`, async () => assert.rejects(getLink(fixed(r), 'tapx'), NodeCommandError));
  }
  it('ipOnLink: true when done, false when the link is missing, throws otherwise', async () => {
    assert.equal(await ipOnLink(fixed({}), ['link', 'del', 'dev', 'x']), true);
    assert.equal(await ipOnLink(fixed({ code: 1, stderr: 'Cannot find device "x"' }), ['link', 'del', 'dev', 'x']), false);
    await assert.rejects(ipOnLink(fixed({ code: 2, stderr: 'RTNETLINK answers: Operation not permitted' }), ['link', 'del', 'dev', 'x']), NodeCommandError);
  });
});
