import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../lib/errors.js';
import { OpenStackError } from '../../openstack/core/errors.js';
import { NodeCommandError } from './binding/runner.js';
import { CniFailure, DeadlineError, isTransientOpenStack, toCniError } from './errors.js';

const os = (status: number): OpenStackError => new OpenStackError({ service: 'network', method: 'GET', url: 'http://n/v2.0/ports/p', status, serverMessage: 'msg' });

describe('toCniError (the one mapping to CNI codes)', () => {
  const cases: [string, unknown, number, RegExp][] = [
    ['a CniFailure keeps its code and details', new CniFailure(3, 'gone', { details: 'why' }), 3, /gone why/],
    ['a deadline is try-again-later', new DeadlineError('waiting', new Error('timer')), 11, /deadline exceeded while waiting timer/],
    ['Neutron unreachable is transient', os(0), 11, /Neutron: .*unreachable/],
    ['a Neutron 5xx is transient', os(502), 11, /HTTP 502/],
    ['a Neutron 403 is not, with its message', os(403), 102, /Neutron: .*HTTP 403: msg/],
    ['a host command failure', new NodeCommandError('ip', ['link'], { code: 2, stderr: 'boom' }), 102, /could not configure the host network ip link: exited with code 2: boom/],
    ['an unusable VIF', new ValidationError('vif.mac is not a MAC address'), 102, /vif.mac/],
    ['anything else', new TypeError('oops'), 102, /internal error oops/],
  ];
  for (const [name, e, code, re] of cases) {
    it(name, () => {
      const o = toCniError(e);
      assert.equal(o.code, code);
      assert.match(`${o.msg} ${o.details ?? ''}`, re);
      assert.equal(o.cniVersion, '1.1.0');
    });
  }
  it('isTransientOpenStack', () => {
    assert.deepEqual([0, 500, 503, 400, 404].map((s) => isTransientOpenStack(os(s))), [true, true, true, false, false]);
    assert.equal(isTransientOpenStack(new Error('x')), false);
  });
});
