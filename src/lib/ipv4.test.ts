import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, cidrsOverlap, formatCidr, formatIpv4, parseIpv4, parseIpv4Cidr } from './ipv4.js';

describe('ipv4', () => {
  it('parses and formats addresses', () => {
    for (const [text, n] of [['0.0.0.0', 0], ['10.244.0.1', 0x0af40001], ['255.255.255.255', 0xffffffff]] as const) {
      assert.equal(parseIpv4(text), n);
      assert.equal(formatIpv4(n), text);
    }
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', 'a.b.c.d', '1.2.3.-1', ' 1.2.3.4']) assert.equal(parseIpv4(bad), undefined, bad);
  });
  it('parses CIDRs, refusing host bits unless loose', () => {
    assert.deepEqual(parseIpv4Cidr('10.244.0.0/16'), { address: 0x0af40000, prefix: 16 });
    assert.equal(parseIpv4Cidr('10.244.0.1/16'), undefined);
    assert.deepEqual(parseIpv4Cidr('10.244.0.1/16', true), { address: 0x0af40000, prefix: 16 });
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', 'x/8', '10.0.0.0/-1']) assert.equal(parseIpv4Cidr(bad), undefined, bad);
    assert.equal(formatCidr(parseIpv4Cidr('0.0.0.0/0') ?? { address: 1, prefix: 1 }), '0.0.0.0/0');
  });
  it('decides containment and overlap', () => {
    const c = (t: string) => parseIpv4Cidr(t) ?? assert.fail(t);
    assert.ok(cidrContains(c('10.0.0.0/24'), parseIpv4('10.0.0.255') ?? 0));
    assert.ok(!cidrContains(c('10.0.0.0/24'), parseIpv4('10.0.1.0') ?? 0));
    const cases: [string, string, boolean][] = [
      ['10.0.0.0/24', '10.0.0.0/24', true], ['10.0.0.0/16', '10.0.5.0/24', true], ['10.0.5.0/24', '10.0.0.0/16', true],
      ['10.0.0.0/24', '10.0.1.0/24', false], ['0.0.0.0/0', '192.168.0.0/16', true], ['10.0.0.0/31', '10.0.0.2/31', false],
    ];
    for (const [a, b, want] of cases) assert.equal(cidrsOverlap(c(a), c(b)), want, `${a} ${b}`);
  });
});
