import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeCommandError, type Runner, type RunResult } from './binding/runner.js';
import { iprouteHostNet, parseIpLinks } from './hostnet.js';

/** A Runner that records commands and answers from a table (first matching prefix wins; default: exit 0, no output). */
function recorder(answers: [string, Partial<RunResult>][] = []): Runner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run(cmd, args) {
      const line = [cmd, ...args].join(' ');
      calls.push(line);
      const a = answers.find(([prefix]) => line.startsWith(prefix))?.[1] ?? {};
      return Promise.resolve({ stdout: '', stderr: '', code: 0, ...a });
    },
  };
}
const present = (): Promise<boolean> => Promise.resolve(true);
const absent = (): Promise<boolean> => Promise.resolve(false);

describe('iprouteHostNet commands', () => {
  it('createVeth: one link add with both ends (pod end straight into the netns path), then the alias', async () => {
    const r = recorder();
    await iprouteHostNet({ runner: r, exists: present }).createVeth({
      hostIf: 'tapeeeeeeee-11', hostMac: 'fe:16:3e:aa:bb:cc', alias: 'stackube:linuxbridge:p:c', tempIf: 'stk0123456789ab', mac: 'fa:16:3e:aa:bb:cc', mtu: 1450, netns: '/proc/42/ns/net',
    });
    assert.deepEqual(r.calls, [
      'ip link add name tapeeeeeeee-11 address fe:16:3e:aa:bb:cc mtu 1450 type veth peer name stk0123456789ab address fa:16:3e:aa:bb:cc mtu 1450 netns /proc/42/ns/net',
      'ip link set dev tapeeeeeeee-11 alias stackube:linuxbridge:p:c',
    ]);
  });

  it('configurePod renames, addresses and brings lo up inside the netns, leaving the pod end down; activatePod brings it up and routes', async () => {
    const r = recorder();
    const h = iprouteHostNet({ runner: r, exists: present });
    await h.configurePod({ netns: '/run/netns/a', tempIf: 'stk1', ifName: 'eth0', cidr: '10.0.0.5/24' });
    await h.activatePod('/run/netns/a', 'eth0', '10.0.0.1');
    await h.activatePod('/run/netns/a', 'eth0', undefined);
    const ns = 'nsenter --net=/run/netns/a ip';
    assert.deepEqual(r.calls, [
      `${ns} link set dev stk1 name eth0`,
      `${ns} addr replace 10.0.0.5/24 dev eth0`,
      `${ns} link set dev lo up`,
      `${ns} link set dev eth0 up`,
      `${ns} route replace default via 10.0.0.1 dev eth0`,
      `${ns} link set dev eth0 up`,
    ]);
  });

  it('a failing step rejects with the command and its stderr', async () => {
    const r = recorder([['nsenter --net=/run/netns/a ip addr', { code: 2, stderr: 'RTNETLINK answers: Permission denied' }]]);
    await assert.rejects(iprouteHostNet({ runner: r, exists: present }).configurePod({ netns: '/run/netns/a', tempIf: 's', ifName: 'eth0', cidr: '10.0.0.5/24' }),
      (e: unknown) => e instanceof NodeCommandError && /addr replace 10.0.0.5\/24 dev eth0: exited with code 2: RTNETLINK answers: Permission denied/.test(e.message));
    assert.equal(r.calls.length, 2, 'stops at the first failure');
  });

  it('hostLink parses ip -json (alias, master, up) and is undefined for a missing device', async () => {
    const json = JSON.stringify([{ ifname: 'tapx', flags: ['BROADCAST', 'UP'], mtu: 1450, master: 'brqx', address: 'fe:16:3e:00:00:01', ifalias: 'stackube:ovs:p:c' }]);
    const h = iprouteHostNet({ runner: recorder([['ip -json link show dev tapx', { stdout: json }], ['ip -json link show dev gone', { code: 1, stderr: 'Device "gone" does not exist.' }]]), exists: present });
    assert.deepEqual(await h.hostLink('tapx'), { name: 'tapx', mac: 'fe:16:3e:00:00:01', mtu: 1450, up: true, master: 'brqx', alias: 'stackube:ovs:p:c' });
    assert.equal(await h.hostLink('gone'), undefined);
  });

  it('markedLinks lists veths whose alias has the prefix', async () => {
    const json = JSON.stringify([
      { ifname: 'tapa', flags: [], mtu: 1500, ifalias: 'stackube:linuxbridge:p:c' },
      { ifname: 'tapb', flags: [], mtu: 1500 },
      { ifname: 'tapc', flags: [], mtu: 1500, ifalias: 'neutron' },
    ]);
    const r = recorder([['ip -json link show type veth', { stdout: json }]]);
    assert.deepEqual(await iprouteHostNet({ runner: r, exists: present }).markedLinks('stackube:'), [{ name: 'tapa', alias: 'stackube:linuxbridge:p:c' }]);
  });

  it('podLink and podDefaultGateways read inside the netns; a missing netns or device is undefined / []', async () => {
    const addr = JSON.stringify([{ ifname: 'eth0', flags: ['UP', 'LOWER_UP'], mtu: 1450, address: 'fa:16:3e:aa:bb:cc', addr_info: [{ family: 'inet', local: '10.0.0.5', prefixlen: 24 }, { family: 'inet6', local: 'fe80::1', prefixlen: 64 }] }]);
    const routes = JSON.stringify([{ dst: 'default', gateway: '10.0.0.1', dev: 'eth0' }]);
    const r = recorder([
      ['nsenter --net=/run/netns/a ip -json addr show dev eth0', { stdout: addr }],
      ['nsenter --net=/run/netns/a ip -json route show default', { stdout: routes }],
      ['nsenter --net=/run/netns/a ip -json addr show dev eth9', { code: 1, stderr: 'Device "eth9" does not exist.' }],
      ['nsenter --net=/run/netns/stale', { code: 1, stderr: "nsenter: reassociate to namespace 'ns/net' failed: Invalid argument" }],
    ]);
    const h = iprouteHostNet({ runner: r, exists: present });
    assert.deepEqual(await h.podLink('/run/netns/a', 'eth0'), { name: 'eth0', mac: 'fa:16:3e:aa:bb:cc', mtu: 1450, up: true, addresses: ['10.0.0.5/24', 'fe80::1/64'] });
    assert.deepEqual(await h.podDefaultGateways('/run/netns/a'), ['10.0.0.1']);
    assert.equal(await h.podLink('/run/netns/a', 'eth9'), undefined);
    assert.equal(await h.podLink('/run/netns/stale', 'eth0'), undefined);
    assert.deepEqual(await h.podDefaultGateways('/run/netns/stale'), []);
    const none = recorder();
    const gone = iprouteHostNet({ runner: none, exists: absent });
    assert.equal(await gone.podLink('/run/netns/x', 'eth0'), undefined);
    assert.deepEqual(await gone.podDefaultGateways('/run/netns/x'), []);
    assert.equal(await gone.deletePodLink('/run/netns/x', 'eth0'), false);
    assert.deepEqual(none.calls, [], 'a missing netns needs no command');
  });

  it('deletes are idempotent: a missing link or netns is false, other failures reject', async () => {
    const r = recorder([
      ['ip link del dev gone', { code: 1, stderr: 'Cannot find device "gone"' }],
      ['ip link del dev busy', { code: 2, stderr: 'RTNETLINK answers: Operation not permitted' }],
      ['nsenter --net=/run/netns/a ip link del dev eth9', { code: 1, stderr: 'Cannot find device "eth9"' }],
      ['nsenter --net=/run/netns/b', { code: 1, stderr: 'nsenter: cannot open /run/netns/b: No such file or directory' }],
    ]);
    const h = iprouteHostNet({ runner: r, exists: present });
    assert.equal(await h.deleteHostLink('tapx'), true);
    assert.equal(await h.deleteHostLink('gone'), false);
    await assert.rejects(h.deleteHostLink('busy'), NodeCommandError);
    assert.equal(await h.deletePodLink('/run/netns/a', 'eth0'), true);
    assert.equal(await h.deletePodLink('/run/netns/a', 'eth9'), false);
    assert.equal(await h.deletePodLink('/run/netns/b', 'eth0'), false);
    assert.equal(await h.deletePodLink('', 'eth0'), false);
  });
});

describe('parseIpLinks', () => {
  it('rejects output that is not a JSON list', () => {
    assert.throws(() => parseIpLinks('{', ['x']), /printed invalid JSON/);
    assert.throws(() => parseIpLinks('{}', ['x']), /no list of links/);
    assert.deepEqual(parseIpLinks('', ['x']), []);
  });
});

describe('iprouteHostNet.netnsExists (default)', () => {
  it('is false only for a path that is gone', async () => {
    const h = iprouteHostNet({ runner: recorder() });
    assert.equal(await h.netnsExists('/proc/self/ns/net'), true);
    assert.equal(await h.netnsExists('/nonexistent/stackube/netns'), false);
    assert.equal(await h.netnsExists('/etc/hostname/below-a-file'), false);
  });
});
