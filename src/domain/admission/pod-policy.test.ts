import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideTenantClaim, decideTenantPod, type IsolationPolicy } from './pod-policy.js';

const HARD: IsolationPolicy = { defaultRuntimeClassName: 'gvisor', allowedRuntimeClasses: ['kata'], mode: 'hard' };
const SOFT: IsolationPolicy = { ...HARD, mode: 'soft' };
const pod = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): unknown => ({ metadata, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } });

describe('decideTenantPod', () => {
  const denied: { name: string; pod: unknown; reason: RegExp }[] = [
    { name: 'privileged container', pod: pod({ containers: [{ name: 'c', securityContext: { privileged: true } }] }), reason: /container "c": privileged containers are not allowed/ },
    { name: 'privileged init container', pod: pod({ initContainers: [{ name: 'i', securityContext: { privileged: true } }] }), reason: /init container "i": privileged/ },
    { name: 'privileged ephemeral container', pod: pod({ ephemeralContainers: [{ name: 'e', securityContext: { privileged: true } }] }), reason: /ephemeral container "e": privileged/ },
    { name: 'hostNetwork', pod: pod({ hostNetwork: true }), reason: /hostNetwork is not allowed/ },
    { name: 'hostPID', pod: pod({ hostPID: true }), reason: /hostPID is not allowed/ },
    { name: 'hostIPC', pod: pod({ hostIPC: true }), reason: /hostIPC is not allowed/ },
    { name: 'hostPath', pod: pod({ volumes: [{ name: 'root', hostPath: { path: '/' } }] }), reason: /volume "root": hostPath volumes are not allowed/ },
    { name: 'SYS_ADMIN', pod: pod({ containers: [{ name: 'c', securityContext: { capabilities: { add: ['SYS_ADMIN', 'CHOWN'] } } }] }), reason: /adding capabilities SYS_ADMIN is not allowed/ },
    { name: 'CAP_NET_ADMIN spelling', pod: pod({ containers: [{ name: 'c', securityContext: { capabilities: { add: ['CAP_NET_ADMIN'] } } }] }), reason: /NET_ADMIN/ },
    { name: 'hostPort', pod: pod({ containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 80 }] }] }), reason: /hostPort 80/ },
    { name: 'unmasked procMount', pod: pod({ containers: [{ name: 'c', securityContext: { procMount: 'Unmasked' } }] }), reason: /procMount Unmasked/ },
    { name: 'seccomp unconfined (pod)', pod: pod({ securityContext: { seccompProfile: { type: 'Unconfined' } } }), reason: /seccomp profile Unconfined/ },
    { name: 'unsafe sysctl', pod: pod({ securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }] } }), reason: /sysctl kernel.msgmax/ },
    { name: 'reserved annotation', pod: pod({}, { annotations: { 'stackube.kubernetes.io/vif': '{}' } }), reason: /annotation stackube.kubernetes.io\/vif is reserved/ },
    { name: 'runc when hard-isolated', pod: pod({ runtimeClassName: 'runc' }), reason: /runtime class "runc" is not allowed for this tenant \(allowed: gvisor, kata\)/ },
    { name: 'hostUsers', pod: pod({ hostUsers: true }), reason: /hostUsers/ },
  ];
  for (const c of denied) {
    it(`denies ${c.name}`, () => {
      const d = decideTenantPod(c.pod, HARD);
      assert.ok(d.violations.some((v) => c.reason.test(v)), d.violations.join('; '));
      assert.deepEqual(d.patch, [], 'a denied pod is never patched');
    });
  }
  it('gives a pod without a runtime class the tenant default', () => {
    assert.deepEqual(decideTenantPod(pod({}), HARD), { violations: [], patch: [{ op: 'add', path: '/spec/runtimeClassName', value: 'gvisor' }] });
  });
  it('accepts an allowed class unchanged', () => {
    assert.deepEqual(decideTenantPod(pod({ runtimeClassName: 'kata' }), HARD), { violations: [], patch: [] });
  });
  it('soft isolation lets a pod name another class', () => {
    assert.deepEqual(decideTenantPod(pod({ runtimeClassName: 'runc' }), SOFT).violations, []);
  });
  it('hard isolation without a default refuses a pod with no class', () => {
    assert.match(decideTenantPod(pod({}), { ...HARD, defaultRuntimeClassName: '' }).violations.join(), /must use a sandboxed runtime class/);
  });
  it('allows baseline capabilities, safe sysctls and ordinary ports', () => {
    const ok = pod({ securityContext: { sysctls: [{ name: 'net.ipv4.ping_group_range', value: '0 1' }] },
      containers: [{ name: 'c', ports: [{ containerPort: 8080 }], securityContext: { capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } } }] });
    assert.deepEqual(decideTenantPod(ok, HARD).violations, []);
  });
  it('reports every violation at once', () => {
    assert.equal(decideTenantPod(pod({ hostNetwork: true, hostPID: true, runtimeClassName: 'runc' }), HARD).violations.length, 3);
  });
  const malformed: unknown[] = [null, 42, 'pod', [], { spec: 'x' }, { spec: { containers: 'x', volumes: [null, 1] } }];
  for (const m of malformed) {
    it(`never throws on malformed input ${JSON.stringify(m)}`, () => assert.doesNotThrow(() => decideTenantPod(m, HARD)));
  }
});

describe('decideTenantClaim', () => {
  const cases: { name: string; pvc: unknown; allowed: string[]; ok: boolean }[] = [
    { name: 'any class when no list', pvc: { spec: { storageClassName: 'fast' } }, allowed: [], ok: true },
    { name: 'allowed class', pvc: { spec: { storageClassName: 'cinder' } }, allowed: ['cinder'], ok: true },
    { name: 'other class', pvc: { spec: { storageClassName: 'local' } }, allowed: ['cinder'], ok: false },
    { name: 'no class with a list', pvc: { spec: {} }, allowed: ['cinder'], ok: false },
  ];
  for (const c of cases) it(c.name, () => assert.equal(decideTenantClaim(c.pvc, c.allowed).length === 0, c.ok));
});

describe('decideTenantPod: reserved annotations', () => {
  const HARD_POLICY: IsolationPolicy = { defaultRuntimeClassName: 'gvisor', allowedRuntimeClasses: [], mode: 'hard' };
  const withAnn = (a: Record<string, string>): unknown => ({ metadata: { annotations: a }, spec: { runtimeClassName: 'gvisor', containers: [{ name: 'c', image: 'i' }] } });
  const vif = { 'stackube.kubernetes.io/vif': '{"v":1}' };
  const cases: { what: string; pod: unknown; ctx: Parameters<typeof decideTenantPod>[2]; refused: boolean }[] = [
    { what: 'a tenant adds a reserved annotation at create', pod: withAnn(vif), ctx: {}, refused: true },
    { what: 'a tenant picks its Network at create', pod: withAnn({ 'stackube.kubernetes.io/network': 'backend' }), ctx: {}, refused: false },
    { what: 'the operator (controller) writes the VIF', pod: withAnn(vif), ctx: { oldPod: withAnn({}), operator: true }, refused: false },
    { what: 'a tenant update carries the unchanged VIF along', pod: withAnn({ ...vif, note: 'x' }), ctx: { oldPod: withAnn(vif) }, refused: false },
    { what: 'a tenant update changes the VIF', pod: withAnn({ 'stackube.kubernetes.io/vif': '{"v":2}' }), ctx: { oldPod: withAnn(vif) }, refused: true },
    { what: 'a tenant update adds a reserved annotation', pod: withAnn(vif), ctx: { oldPod: withAnn({}) }, refused: true },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const v = decideTenantPod(c.pod, HARD_POLICY, c.ctx).violations;
      assert.equal(v.some((x) => /reserved for the operator/.test(x)), c.refused, v.join('; '));
    });
  }
});
