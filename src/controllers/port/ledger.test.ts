import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PodLedger } from './ledger.js';

describe('PodLedger', () => {
  it('tracks uids per key; stale() lists the other unreleased ones', () => {
    const l = new PodLedger();
    l.mark('ns/a', 'u1', 'reserved');
    l.mark('ns/a', 'u2', 'reserving');
    l.mark('ns/a', 'u3', 'released');
    assert.deepEqual(l.stale('ns/a', 'u2'), ['u1']);
    assert.deepEqual(l.stale('ns/a', undefined), ['u1', 'u2']);
    assert.deepEqual(l.stale('ns/b', undefined), []);
    assert.equal(l.reservedCount(), 1);
  });

  it('a reserved uid stays reserved when marked reserving again', () => {
    const l = new PodLedger();
    l.mark('k', 'u1', 'reserved');
    l.mark('k', 'u1', 'reserving');
    assert.equal(l.state('k', 'u1'), 'reserved');
    l.mark('k', 'u1', 'released');
    assert.equal(l.state('k', 'u1'), 'released');
  });

  it('forget and forgetReleased', () => {
    const l = new PodLedger();
    l.mark('k', 'u1', 'released');
    l.mark('k', 'u2', 'reserved');
    l.forgetReleased('k', 'u2');
    assert.equal(l.state('k', 'u1'), undefined);
    assert.equal(l.state('k', 'u2'), 'reserved');
    l.forget('k', 'u2');
    assert.deepEqual(l.stale('k', undefined), []);
    l.mark('k', 'u3', 'reserved');
    l.forget('k');
    assert.equal(l.reservedCount(), 0);
  });

  it('announce is true once per uid and reason until cleared or forgotten', () => {
    const l = new PodLedger();
    assert.equal(l.announce('u1', 'NetworkNotReady'), true);
    assert.equal(l.announce('u1', 'NetworkNotReady'), false);
    assert.equal(l.announce('u1', 'TenantNotReady'), true);
    l.clearAnnouncements('u1');
    assert.equal(l.announce('u1', 'NetworkNotReady'), true);
    l.mark('k', 'u1', 'reserving');
    l.forget('k');
    assert.equal(l.announce('u1', 'NetworkNotReady'), true);
  });
});
