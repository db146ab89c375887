import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ANNOTATION_VIF, parseVif } from '../../api/vif.js';
import { TerminalError } from '../../lib/errors.js';
import { poolPortSpec } from '../../domain/port/plan.js';
import { NeutronUnavailableError } from '../network/ports.js';
import { PodLedger } from './ledger.js';
import type { PortAction } from './metrics.js';
import { PortPools } from './pools.js';
import { REASONS, RETRY, portReconciler } from './reconcile.js';
import { activeNetwork, fakePortKube, fakePortNeutron, testPod } from './testing.js';

/** A reconciler over the recording fakes; `pools` > 0 turns warm pools of that size on. */
function world(o: { pools?: number } = {}) {
  const n = fakePortNeutron();
  const k = fakePortKube();
  const ledger = new PodLedger();
  const counted: Partial<Record<PortAction, number>> = {};
  const count = (a: PortAction, by = 1): void => {
    counted[a] = (counted[a] ?? 0) + by;
  };
  const pools = o.pools ? new PortPools({ neutron: n.neutron, size: o.pools, count }) : undefined;
  const reconcile = portReconciler({ neutron: n.neutron, kube: k.kube, ledger, count, ...(pools ? { pools } : {}) });
  const vif = (key = 'acme/web-0') => parseVif(k.state.pods.get(key)?.metadata.annotations?.[ANNOTATION_VIF]);
  /** Forgets calls, writes and events (the state stays). */
  const reset = (): void => {
    n.state.calls.length = 0;
    n.state.created.length = 0;
    k.state.vifWrites.length = 0;
    k.state.events.length = 0;
  };
  return { n, k, ledger, counted, pools, reconcile, vif, reset };
}

describe('portReconciler: reserving a port', () => {
  it('creates the port (exact body) and writes the VIF annotation, with a PortReserved Event', async () => {
    const w = world();
    w.k.put(testPod());
    assert.deepEqual(await w.reconcile('acme/web-0'), {});
    assert.deepEqual(w.n.state.created, [{
      network_id: 'net-1', fixed_ips: [{ subnet_id: 'sub-1' }], security_groups: ['sg-1'], device_owner: 'compute:stackube', device_id: 'u1',
      'binding:host_id': 'node-a', project_id: 'p1', admin_state_up: true, name: 'acme/web-0', description: 'stackube:pod:u1',
    }]);
    assert.deepEqual(w.n.writes(), ['createPort u1 net-1']);
    assert.equal(w.k.state.vifWrites.length, 1);
    assert.deepEqual(JSON.parse(w.k.state.vifWrites[0]?.text ?? ''), {
      v: 1, portID: 'port-1', networkID: 'net-1', subnetID: 'sub-1', mac: 'fa:16:3e:00:00:01', ip: '10.10.0.11', prefixLength: 24,
      gateway: '10.10.0.1', mtu: 1450, vifType: 'bridge', dnsNameservers: ['10.0.0.53'],
    });
    assert.deepEqual(w.k.reasons(), [`acme/web-0 Normal ${REASONS.Reserved}`]);
    assert.match(w.k.state.events[0] ?? '', /port-1 \(10\.10\.0\.11\/24, fa:16:3e:00:00:01\) on network net-1, bound to node-a \(bridge\)/);
    assert.equal(w.ledger.state('acme/web-0', 'u1'), 'reserved');
    assert.equal(w.ledger.reservedCount(), 1);
    assert.deepEqual(w.counted, { created: 1 });
  });

  it('a second reconcile creates nothing and writes no annotation', async () => {
    const w = world();
    w.k.put(testPod());
    await w.reconcile('acme/web-0');
    w.reset();
    assert.deepEqual(await w.reconcile('acme/web-0'), {});
    assert.deepEqual(w.n.writes(), []);
    assert.deepEqual(w.k.state.vifWrites, []);
    assert.deepEqual(w.k.state.events, []);
  });

  it('an annotation with the same VIF in another key order is not rewritten', async () => {
    const w = world();
    w.k.put(testPod());
    await w.reconcile('acme/web-0');
    const v = w.vif();
    assert.ok(v);
    w.k.put(testPod({ vif: JSON.stringify(Object.fromEntries(Object.entries(v).reverse())) }));
    w.reset();
    await w.reconcile('acme/web-0');
    assert.deepEqual(w.k.state.vifWrites, []);
  });

  it('crash-resume: a port with the pod uid exists but no annotation → annotation only', async () => {
    const w = world();
    w.n.state.ports.set('port-old', {
      id: 'port-old', networkId: 'net-1', projectId: 'p1', mac: 'fa:16:3e:aa:bb:cc', fixedIps: [{ subnetId: 'sub-1', ip: '10.10.0.77' }],
      deviceId: 'u1', deviceOwner: 'compute:stackube', description: 'stackube:pod:u1', hostId: 'node-a', vifType: 'bridge', createdAt: '2026-11-23T00:00:00Z',
    });
    w.k.put(testPod());
    assert.deepEqual(await w.reconcile('acme/web-0'), {});
    assert.deepEqual(w.n.writes(), []);
    assert.equal(w.vif()?.portID, 'port-old');
    assert.equal(w.vif()?.ip, '10.10.0.77');
    assert.deepEqual(w.k.reasons(), [`acme/web-0 Normal ${REASONS.Reserved}`]);
  });

  it('an existing port wins over the network choice (a running pod never changes network)', async () => {
    const w = world();
    w.k.put(testPod());
    await w.reconcile('acme/web-0');
    // A second Network appears in the namespace: the choice would now differ, the pod keeps its port.
    w.k.state.networks.push(activeNetwork('acme', 'db', 2));
    w.k.put(testPod({ network: 'db', vif: w.k.state.pods.get('acme/web-0')?.metadata.annotations?.[ANNOTATION_VIF] ?? '' }));
    w.reset();
    await w.reconcile('acme/web-0');
    assert.deepEqual(w.n.writes(), []);
    assert.equal(w.vif()?.networkID, 'net-1');
  });

  it('a stale annotation (the port got bound meanwhile) is rewritten', async () => {
    const w = world();
    w.n.state.vifType = 'unbound';
    w.k.put(testPod());
    assert.deepEqual(await w.reconcile('acme/web-0'), { requeueAfterMs: RETRY.unbound });
    assert.equal(w.vif()?.vifType, 'unbound');
    const p = w.n.state.ports.get('port-1');
    if (p) p.vifType = 'bridge';
    w.reset();
    assert.deepEqual(await w.reconcile('acme/web-0'), {});
    assert.deepEqual(w.n.writes(), []);
    assert.equal(w.k.state.vifWrites.length, 1);
    assert.equal(w.vif()?.vifType, 'bridge');
  });

  it('binding_failed: the annotation says so, a Warning Event once, slow requeue', async () => {
    const w = world();
    w.n.state.vifType = 'binding_failed';
    w.k.put(testPod());
    assert.deepEqual(await w.reconcile('acme/web-0'), { requeueAfterMs: RETRY.refused });
    assert.deepEqual(await w.reconcile('acme/web-0'), { requeueAfterMs: RETRY.refused });
    assert.deepEqual(w.k.reasons(), [`acme/web-0 Normal ${REASONS.Reserved}`, `acme/web-0 Warning ${REASONS.BindingFailed}`]);
  });

  it('extra ports carrying the pod uid are deleted; the annotated one stays', async () => {
    const w = world();
    w.k.put(testPod());
    await w.reconcile('acme/web-0');
    w.n.state.ports.set('port-dup', { ...(w.n.state.ports.get('port-1') ?? assert.fail()), id: 'port-dup', createdAt: '2026-11-22T00:00:00Z' });
    w.reset();
    await w.reconcile('acme/web-0');
    assert.deepEqual(w.n.writes(), ['deletePort port-dup']);
    assert.equal(w.vif()?.portID, 'port-1');
  });

  it('the pod was deleted or replaced before the annotation landed: its new port is deleted again', async () => {
    const w = world();
    w.k.put(testPod());
    w.k.state.gone = true;
    assert.deepEqual(await w.reconcile('acme/web-0'), {});
    assert.deepEqual(w.n.writes(), ['createPort u1 net-1', 'deletePort port-1']);
    assert.equal(w.n.state.ports.size, 0);
    assert.equal(w.ledger.state('acme/web-0', 'u1'), undefined);
  });
});

describe('portReconciler: network choice', () => {
  const cases: { name: string; namespace?: string; annotation?: string; networks: ReturnType<typeof activeNetwork>[]; want: { network: string } | { reason: string; requeue: { requeueAfterMs?: number } } }[] = [
    { name: 'annotation "name" in the pod\'s namespace', annotation: 'db', networks: [activeNetwork('acme', 'acme'), activeNetwork('acme', 'db', 2)], want: { network: 'net-2' } },
    { name: 'annotation "ns/name" in another namespace of the same project', namespace: 'acme-dev', annotation: 'acme/db', networks: [activeNetwork('acme', 'db', 2), activeNetwork('acme', 'acme')], want: { network: 'net-2' } },
    { name: 'annotation naming another project\'s Network: refused with an Event, no requeue', annotation: 'globex/globex', networks: [activeNetwork('acme', 'acme'), activeNetwork('globex', 'globex', 2)], want: { reason: 'NetworkOfAnotherProject', requeue: {} } },
    { name: 'the only Network of the namespace', namespace: 'acme-dev', networks: [activeNetwork('acme-dev', 'web', 2), activeNetwork('acme', 'acme')], want: { network: 'net-2' } },
    { name: 'the tenant default', namespace: 'acme-dev', networks: [activeNetwork('acme', 'acme')], want: { network: 'net-1' } },
    { name: 'a Network that is not Active: requeue with NetworkNotReady', networks: [{ ...activeNetwork('acme', 'acme'), state: 'Pending' }], want: { reason: 'NetworkNotReady', requeue: { requeueAfterMs: RETRY.notReady } } },
    { name: 'no Network at all: requeue with NetworkNotReady', networks: [], want: { reason: 'NetworkNotReady', requeue: { requeueAfterMs: RETRY.notReady } } },
  ];
  for (const tc of cases) {
    it(`${tc.name}`, async () => {
      const w = world();
      w.k.state.networks = tc.networks;
      const ns = tc.namespace ?? 'acme';
      w.k.put(testPod({ namespace: ns, ...(tc.annotation ? { network: tc.annotation } : {}) }));
      const res = await w.reconcile(`${ns}/web-0`);
      if ('network' in tc.want) {
        assert.deepEqual(res, {});
        assert.equal(w.n.state.created[0]?.network_id, tc.want.network);
        assert.equal(w.vif(`${ns}/web-0`)?.networkID, tc.want.network);
        return;
      }
      assert.deepEqual(res, tc.want.requeue);
      assert.deepEqual(w.n.writes(), []);
      assert.deepEqual(w.k.state.vifWrites, []);
      assert.deepEqual(w.k.reasons(), [`${ns}/web-0 Warning ${tc.want.reason}`]);
    });
  }

  it('NetworkNotReady is announced once, and the port is made once the Network is Active', async () => {
    const w = world();
    w.k.state.networks = [{ ...activeNetwork('acme', 'acme'), state: 'Pending' }];
    w.k.put(testPod());
    await w.reconcile('acme/web-0');
    await w.reconcile('acme/web-0');
    assert.deepEqual(w.k.reasons(), [`acme/web-0 Warning ${REASONS.NetworkNotReady}`]);
    w.k.state.networks = [activeNetwork('acme', 'acme')];
    assert.deepEqual(await w.reconcile('acme/web-0'), {});
    assert.deepEqual(w.n.writes(), ['createPort u1 net-1']);
  });

  it('the tenant has no security group yet: TenantNotReady once, requeue, no port', async () => {
    const w = world();
    w.k.state.securityGroups.clear();
    w.k.put(testPod());
    assert.deepEqual(await w.reconcile('acme/web-0'), { requeueAfterMs: RETRY.notReady });
    assert.deepEqual(await w.reconcile('acme/web-0'), { requeueAfterMs: RETRY.notReady });
    assert.deepEqual(w.n.writes(), []);
    assert.deepEqual(w.k.reasons(), [`acme/web-0 Warning ${REASONS.TenantNotReady}`]);
  });

  const ignored: { name: string; pod: Parameters<typeof testPod>[0] }[] = [
    { name: 'a pod of a namespace of no tenant', pod: { namespace: 'kube-system' } },
    { name: 'a hostNetwork pod', pod: { hostNetwork: true } },
    { name: 'an unscheduled pod', pod: { node: '' } },
  ];
  for (const tc of ignored) {
    it(`${tc.name}: no Neutron call, no write`, async () => {
      const w = world();
      const p = testPod(tc.pod);
      w.k.put(p);
      assert.deepEqual(await w.reconcile(`${p.metadata.namespace ?? ''}/web-0`), {});
      assert.deepEqual(w.n.state.calls, []);
      assert.deepEqual(w.k.state.vifWrites, []);
    });
  }
});

describe('portReconciler: releasing', () => {
  it('a deleted pod (gone from the cache) releases the port of the uid it last had', async () => {
    const w = world();
    w.k.put(testPod());
    await w.reconcile('acme/web-0');
    w.k.state.pods.delete('acme/web-0');
    w.reset();
    assert.deepEqual(await w.reconcile('acme/web-0'), {});
    assert.deepEqual(w.n.writes(), ['deletePort port-1']);
    assert.equal(w.ledger.state('acme/web-0', 'u1'), undefined);
    assert.equal(w.ledger.reservedCount(), 0);
    assert.deepEqual(w.counted, { created: 1, deleted: 1 });
    w.reset();
    await w.reconcile('acme/web-0');
    assert.deepEqual(w.n.state.calls, [], 'nothing left to do');
  });

  it('a deleted pod this process never saw costs no Neutron call (garbage collection covers it)', async () => {
    const w = world();
    assert.deepEqual(await w.reconcile('acme/web-0'), {});
    assert.deepEqual(w.n.state.calls, []);
  });

  for (const [what, pod] of [['Succeeded', { phase: 'Succeeded' }], ['Failed', { phase: 'Failed' }], ['being deleted', { phase: 'Running', deleting: true }]] as const) {
    it(`a ${what} pod: its port is deleted, no annotation write, and only once`, async () => {
      const w = world();
      w.k.put(testPod());
      await w.reconcile('acme/web-0');
      const vif = w.k.state.pods.get('acme/web-0')?.metadata.annotations?.[ANNOTATION_VIF] ?? '';
      w.k.put(testPod({ ...pod, vif }));
      w.reset();
      assert.deepEqual(await w.reconcile('acme/web-0'), {});
      assert.deepEqual(w.n.writes(), ['deletePort port-1']);
      assert.deepEqual(w.k.state.vifWrites, []);
      assert.deepEqual(w.k.reasons(), [`acme/web-0 Normal ${REASONS.Released}`]);
      w.reset();
      await w.reconcile('acme/web-0');
      assert.deepEqual(w.n.state.calls, [], 'released already');
    });
  }

  it('a finished pod with a VIF annotation the ledger does not know (after a restart) is released too', async () => {
    const w = world();
    w.n.state.ports.set('port-9', {
      id: 'port-9', networkId: 'net-1', projectId: 'p1', mac: 'fa:16:3e:00:00:09', fixedIps: [{ subnetId: 'sub-1', ip: '10.10.0.9' }],
      deviceId: 'u1', deviceOwner: 'compute:stackube', description: 'stackube:pod:u1', hostId: 'node-a', vifType: 'bridge', createdAt: undefined,
    });
    w.k.put(testPod({ phase: 'Succeeded', vif: '{"v":1}' }));
    await w.reconcile('acme/web-0');
    assert.deepEqual(w.n.writes(), ['deletePort port-9']);
  });

  it('a finished pod without annotation unknown to the ledger costs no Neutron call', async () => {
    const w = world();
    w.k.put(testPod({ phase: 'Failed' }));
    await w.reconcile('acme/web-0');
    assert.deepEqual(w.n.state.calls, []);
  });

  it('a pod replaced by one with the same name: the old uid\'s port goes, the new pod gets its own', async () => {
    const w = world();
    w.k.put(testPod());
    await w.reconcile('acme/web-0');
    w.k.put(testPod({ uid: 'u2' }));
    w.reset();
    assert.deepEqual(await w.reconcile('acme/web-0'), {});
    assert.deepEqual(w.n.writes(), ['deletePort port-1', 'createPort u2 net-1']);
    assert.equal(w.vif()?.portID, 'port-2');
    assert.equal(w.ledger.state('acme/web-0', 'u1'), undefined);
    assert.equal(w.ledger.reservedCount(), 1);
  });
});

describe('portReconciler: Neutron failures', () => {
  it('NeutronUnavailableError → a Warning Event, requeue in 5 s; the next reconcile finishes', async () => {
    const w = world();
    w.k.put(testPod());
    w.n.state.failures.set('createPort', new NeutronUnavailableError('Neutron unavailable: HTTP 503'));
    assert.deepEqual(await w.reconcile('acme/web-0'), { requeueAfterMs: RETRY.neutronUnavailable });
    assert.equal(RETRY.neutronUnavailable, 5_000);
    assert.deepEqual(w.k.state.events, [`acme/web-0 Warning ${REASONS.NeutronUnavailable} Neutron unavailable: HTTP 503 (retrying)`]);
    assert.deepEqual(await w.reconcile('acme/web-0'), {});
    assert.equal(w.vif()?.portID, 'port-1');
  });

  it('TerminalError (quota exceeded) → PortFailed with Neutron\'s message, requeue in 60 s', async () => {
    const w = world();
    w.k.put(testPod());
    const msg = 'Neutron refused: network POST /v2.0/ports: HTTP 409: Quota exceeded for resources: [\'port\'].';
    w.n.state.failures.set('createPort', new TerminalError('STACKUBE_ERR_NEUTRON_REFUSED', msg));
    assert.deepEqual(await w.reconcile('acme/web-0'), { requeueAfterMs: 60_000 });
    assert.deepEqual(w.k.state.events, [`acme/web-0 Warning ${REASONS.Failed} ${msg}`]);
    assert.deepEqual(w.k.state.vifWrites, []);
  });

  it('a failure while releasing a deleted pod keeps it in the ledger for the retry', async () => {
    const w = world();
    w.k.put(testPod());
    await w.reconcile('acme/web-0');
    w.k.state.pods.delete('acme/web-0');
    w.n.state.failures.set('deletePort', new NeutronUnavailableError('Neutron unavailable: unreachable'));
    assert.deepEqual(await w.reconcile('acme/web-0'), { requeueAfterMs: RETRY.neutronUnavailable });
    assert.equal(w.ledger.state('acme/web-0', 'u1'), 'reserved');
    await w.reconcile('acme/web-0');
    assert.equal(w.n.state.ports.size, 0);
  });

  it('any other error is thrown (retried with backoff by the runner)', async () => {
    const w = world();
    w.k.put(testPod());
    const boom = new Error('boom');
    w.n.state.failures.set('podPorts', boom);
    await assert.rejects(w.reconcile('acme/web-0'), (e) => e === boom);
  });
});

describe('portReconciler: warm pools', () => {
  const place = { networkID: 'net-1', subnetID: 'sub-1', node: 'node-a', projectId: 'p1', securityGroupID: 'sg-1' };
  const seedPool = (w: ReturnType<typeof world>, n: number): void => {
    for (let i = 0; i < n; i++) {
      const id = `pool-${i}`;
      w.n.state.ports.set(id, {
        id, networkId: 'net-1', projectId: 'p1', mac: `fa:16:3e:00:01:${String(i).padStart(2, '0')}`, fixedIps: [{ subnetId: 'sub-1', ip: `10.10.0.${100 + i}` }],
        deviceId: '', deviceOwner: 'compute:stackube', description: poolPortSpec(place).description, hostId: 'node-a', vifType: 'bridge', createdAt: '2026-11-23T00:00:00Z',
      });
    }
  };

  it('a pod takes a pooled port with one update (device_id, name, marker), and the pool is refilled in bulk', async () => {
    const w = world({ pools: 2 });
    seedPool(w, 2);
    w.k.put(testPod());
    assert.deepEqual(await w.reconcile('acme/web-0'), {});
    assert.equal(w.vif()?.portID, 'pool-0');
    const p = w.n.state.ports.get('pool-0');
    assert.equal(p?.deviceId, 'u1');
    assert.equal(p?.description, 'stackube:pod:u1');
    await w.pools?.idle();
    assert.deepEqual(w.n.writes(), ['claimPort pool-0 u1', 'createPorts 1']);
    assert.deepEqual(w.n.state.created, [poolPortSpec(place)]);
    assert.equal(w.pools?.readyCount(), 2);
    assert.deepEqual(w.counted, { claimed: 1, pooled: 1 });
  });

  it('an empty pool: the port is created directly, and the pool filled in the background', async () => {
    const w = world({ pools: 3 });
    w.k.put(testPod());
    await w.reconcile('acme/web-0');
    await w.pools?.idle();
    assert.equal(w.vif()?.portID, 'port-1');
    assert.deepEqual(w.n.writes().sort(), ['createPort u1 net-1', 'createPorts 3']);
    assert.equal(w.pools?.readyCount(), 3);
  });

  it('a pooled port deleted behind the pool\'s back is skipped', async () => {
    const w = world({ pools: 2 });
    seedPool(w, 2);
    w.k.put(testPod());
    w.k.put(testPod({ name: 'web-1', uid: 'u2' }));
    await w.reconcile('acme/web-0');
    await w.pools?.idle();
    w.n.state.ports.delete('pool-1');
    await w.reconcile('acme/web-1');
    assert.notEqual(w.vif('acme/web-1')?.portID, 'pool-1');
    assert.ok(w.n.state.ports.has(w.vif('acme/web-1')?.portID ?? ''));
  });

  it('20 concurrent reconciles on 5 pooled ports never give one port to two pods', async () => {
    const w = world({ pools: 5 });
    seedPool(w, 5);
    const keys = Array.from({ length: 20 }, (_, i) => {
      w.k.put(testPod({ name: `web-${i}`, uid: `u${i}` }));
      return `acme/web-${i}`;
    });
    const results = await Promise.all(keys.map((k) => w.reconcile(k)));
    await w.pools?.idle();
    assert.deepEqual(results, keys.map(() => ({})));
    const portIds = keys.map((k) => w.vif(k)?.portID);
    assert.equal(new Set(portIds).size, 20, `distinct ports: ${portIds.join(' ')}`);
    for (const [i, id] of portIds.entries()) assert.equal(w.n.state.ports.get(id ?? '')?.deviceId, `u${i}`);
    const claims = w.n.state.calls.filter((c) => c.startsWith('claimPort ')).map((c) => c.split(' ')[1]);
    assert.equal(new Set(claims).size, claims.length, 'no port claimed twice');
    assert.ok(claims.length >= 5, 'the 5 pooled ports were used');
  });
});
