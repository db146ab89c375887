import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeCommandError, type RunResult } from './binding/runner.js';
import { bindingProbe } from './probe.js';

const runner = (r: Partial<RunResult> | Error) => ({
  calls: [] as string[],
  run(cmd: string, args: readonly string[]): Promise<RunResult> {
    this.calls.push([cmd, ...args].join(' '));
    return r instanceof Error ? Promise.reject(r) : Promise.resolve({ stdout: '', stderr: '', code: 0, ...r });
  },
});

describe('bindingProbe', () => {
  it('linuxbridge: iproute2 answers', async () => {
    const r = runner({});
    assert.equal(await bindingProbe({ runner: r, driver: 'linuxbridge' })(), undefined);
    assert.deepEqual(r.calls, ['ip -json link show dev lo']);
  });
  it('ovs: the bridge exists; a missing bridge or ovsdb says why; a missing binary too', async () => {
    const ok = runner({});
    assert.equal(await bindingProbe({ runner: ok, driver: 'ovs', ovsBridge: 'br-x' })(), undefined);
    assert.deepEqual(ok.calls, ['ovs-vsctl --timeout=2 br-exists br-x']);
    assert.equal(await bindingProbe({ runner: runner({ code: 2 }), driver: 'ovs' })(), 'OVS bridge br-int does not exist');
    assert.match(await bindingProbe({ runner: runner({ code: 1, stderr: 'database connection failed' }), driver: 'ovs' })() ?? '', /ovs-vsctl failed: database connection failed/);
    assert.match(await bindingProbe({ runner: runner(new NodeCommandError('ovs-vsctl', [], { reason: 'could not run (ENOENT)' })), driver: 'ovs' })() ?? '', /ENOENT/);
  });
});
