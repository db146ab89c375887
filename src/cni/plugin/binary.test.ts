/** Spawns the built binary (dist/src/cmd/stackube-cni.js) with malformed input: exit code and JSON, no daemon needed. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CNI_ERR } from '../spec/errors.js';

const BIN = fileURLToPath(new URL('../../cmd/stackube-cni.js', import.meta.url));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the binary with exactly `env` (plus PATH) and `stdin`, killing it if it outlives `limitMs`. */
function runBinary(env: Record<string, string>, stdin: string | Buffer, limitMs = 10_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN], { env: { PATH: '/usr/bin:/bin', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
    // The child may exit before reading everything (e.g. an env error); that EPIPE is expected.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}

const ADD = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c0ffee', CNI_NETNS: '/var/run/netns/x', CNI_IFNAME: 'eth0' };

describe('the built stackube-cni binary', () => {
  it('VERSION prints the supported versions and exits 0', async () => {
    const r = await runBinary({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { cniVersion: '1.0.0', supportedVersions: ['1.0.0', '1.1.0'] });
  });

  const malformed: { name: string; env: Record<string, string>; stdin: string | Buffer; code: number }[] = [
    { name: 'no CNI_COMMAND', env: {}, stdin: '{}', code: CNI_ERR.INVALID_ENV },
    { name: 'ADD without container ID', env: { ...ADD, CNI_CONTAINERID: '' }, stdin: '{}', code: CNI_ERR.INVALID_ENV },
    { name: 'ADD with garbage stdin', env: ADD, stdin: Buffer.from([0xde, 0xad, 0xbe, 0xef]), code: CNI_ERR.DECODE_FAILURE },
    { name: 'ADD with an unsupported cniVersion', env: ADD, stdin: '{"cniVersion":"0.4.0","name":"n","type":"stackube-cni"}', code: CNI_ERR.INCOMPATIBLE_VERSION },
    { name: 'ADD with 2 MiB of stdin', env: ADD, stdin: Buffer.alloc(2 << 20, 0x20), code: CNI_ERR.IO_FAILURE },
    { name: 'ADD with no daemon', env: ADD, stdin: '{"cniVersion":"1.1.0","name":"n","type":"stackube-cni","daemonSocket":"/nonexistent/stackube/cni.sock"}', code: CNI_ERR.DAEMON_UNREACHABLE },
  ];
  for (const c of malformed) {
    it(`${c.name} → exit 1, error JSON code ${c.code}`, async () => {
      const r = await runBinary(c.env, c.stdin);
      assert.equal(r.code, 1, `stdout: ${r.stdout} stderr: ${r.stderr}`);
      const err = JSON.parse(r.stdout) as { code: number; msg: string; cniVersion: string };
      assert.equal(err.code, c.code);
      assert.equal(typeof err.msg, 'string');
      assert.match(r.stderr, /^stackube-cni.*\[code \d+\]/);
    });
  }
});
