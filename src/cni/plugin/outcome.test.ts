import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CNI_ERR } from '../spec/errors.js';
import type { DaemonCommand } from '../spec/types.js';
import { interpretOutcome } from './outcome.js';
import type { DaemonOutcome } from './transport.js';

const RESULT = { interfaces: [], ips: [{ address: '10.0.0.5/24' }], routes: [], dns: {} };

describe('interpretOutcome', () => {
  const cases: { name: string; command: DaemonCommand; outcome: DaemonOutcome; want: number | 'ok'; msg?: RegExp }[] = [
    { name: 'ADD 200 with result', command: 'ADD', outcome: { kind: 'response', status: 200, body: JSON.stringify({ result: RESULT }) }, want: 'ok' },
    { name: 'DEL 200 empty', command: 'DEL', outcome: { kind: 'response', status: 200, body: '{}' }, want: 'ok' },
    { name: 'STATUS 200 empty', command: 'STATUS', outcome: { kind: 'response', status: 200, body: '{}' }, want: 'ok' },
    { name: 'ADD unreachable', command: 'ADD', outcome: { kind: 'unreachable', reason: 'connect ENOENT /s' }, want: CNI_ERR.DAEMON_UNREACHABLE, msg: /^stackube-node is not running \(connect ENOENT \/s\)$/ },
    { name: 'DEL unreachable', command: 'DEL', outcome: { kind: 'unreachable', reason: 'connect ECONNREFUSED /s' }, want: CNI_ERR.DAEMON_UNREACHABLE },
    { name: 'GC unreachable', command: 'GC', outcome: { kind: 'unreachable', reason: 'x' }, want: CNI_ERR.DAEMON_UNREACHABLE },
    { name: 'STATUS unreachable', command: 'STATUS', outcome: { kind: 'unreachable', reason: 'x' }, want: CNI_ERR.NOT_AVAILABLE, msg: /not available.*not running/ },
    { name: 'ADD timeout', command: 'ADD', outcome: { kind: 'timeout' }, want: CNI_ERR.DAEMON_TIMEOUT, msg: /within 5000 ms/ },
    { name: 'DEL timeout', command: 'DEL', outcome: { kind: 'timeout' }, want: CNI_ERR.DAEMON_TIMEOUT },
    { name: 'STATUS timeout', command: 'STATUS', outcome: { kind: 'timeout' }, want: CNI_ERR.NOT_AVAILABLE },
    { name: 'CHECK failed exchange', command: 'CHECK', outcome: { kind: 'failed', reason: 'socket hang up' }, want: CNI_ERR.DAEMON_ERROR, msg: /socket hang up/ },
    { name: 'ADD 503', command: 'ADD', outcome: { kind: 'response', status: 503, body: '{"error":{"code":11,"msg":"resync"}}' }, want: CNI_ERR.TRY_AGAIN_LATER },
    { name: 'STATUS 503', command: 'STATUS', outcome: { kind: 'response', status: 503, body: '' }, want: CNI_ERR.NOT_AVAILABLE },
    { name: 'ADD 500', command: 'ADD', outcome: { kind: 'response', status: 500, body: 'oops' }, want: CNI_ERR.DAEMON_ERROR, msg: /HTTP 500/ },
    { name: 'STATUS 500', command: 'STATUS', outcome: { kind: 'response', status: 500, body: 'oops' }, want: CNI_ERR.NOT_AVAILABLE },
    { name: 'STATUS daemon says 51', command: 'STATUS', outcome: { kind: 'response', status: 200, body: '{"error":{"code":51,"msg":"degraded"}}' }, want: CNI_ERR.NOT_AVAILABLE_LIMITED_CONNECTIVITY },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = interpretOutcome({ command: c.command, socketPath: '/s', timeoutMs: 5000 }, c.outcome);
      if (c.want === 'ok') {
        assert.ok(r.ok, JSON.stringify(r));
        return;
      }
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.code, c.want);
      if (c.msg) assert.match(r.error.msg, c.msg);
    });
  }
  it('503 details carry the daemon message, or the start of a non-JSON body', () => {
    const a = interpretOutcome({ command: 'ADD', socketPath: '/s', timeoutMs: 1 }, { kind: 'response', status: 503, body: '{"error":{"code":11,"msg":"resyncing"}}' });
    const b = interpretOutcome({ command: 'ADD', socketPath: '/s', timeoutMs: 1 }, { kind: 'response', status: 503, body: 'x'.repeat(5000) });
    assert.equal(a.ok ? '' : a.error.details, 'resyncing');
    assert.ok(!b.ok && (b.error.details ?? '').length < 300);
  });
});
