import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admissionResponse, admit, parseAdmissionReview, tenantPolicyFromTenants, type TenantSettings } from './admission.js';
import { ValidationError } from '../lib/errors.js';

const labels: Record<string, Record<string, string>> = {
  soft: { 'stackube.kubernetes.io/project-id': 'p1', 'stackube.kubernetes.io/tenant': 'soft' },
  strict: { 'stackube.kubernetes.io/project-id': 'p2', 'stackube.kubernetes.io/tenant': 'strict' },
  orphan: { 'stackube.kubernetes.io/project-id': 'p3', 'stackube.kubernetes.io/tenant': 'gone' },
  system: {},
};
const tenants: Record<string, TenantSettings> = {
  soft: { isolation: { mode: 'soft' } },
  strict: { isolation: { runtimeClassName: 'kata', allowedRuntimeClasses: ['gvisor'] }, allowedStorageClasses: ['cinder'] },
};
const policies = tenantPolicyFromTenants({
  namespaces: {
    synced: true,
    projectOf: (ns) => labels[ns]?.['stackube.kubernetes.io/project-id'],
    labelOf: (ns, l) => labels[ns]?.[l],
  },
  tenantLabel: 'stackube.kubernetes.io/tenant',
  tenantOf: (n) => tenants[n],
  defaults: { isolation: { defaultRuntimeClassName: 'gvisor', allowedRuntimeClasses: [], mode: 'hard' }, allowedStorageClasses: [] },
});
const req = (namespace: string, object: unknown, kind = 'Pod', operation = 'CREATE') => ({ uid: 'u', kind: { group: '', version: 'v1', kind }, subResource: '', namespace, operation, object });
const pod = (spec: Record<string, unknown> = {}): unknown => ({ metadata: {}, spec: { containers: [{ name: 'c' }], ...spec } });

describe('tenant admission from Tenant objects', () => {
  const cases: { name: string; ns: string; obj: unknown; kind?: string; mutate: boolean; allowed: boolean; patchValue?: string }[] = [
    { name: 'a non-tenant namespace is not ours', ns: 'system', obj: pod({ hostNetwork: true }), mutate: true, allowed: true },
    { name: 'soft tenant: runc allowed', ns: 'soft', obj: pod({ runtimeClassName: 'runc' }), mutate: false, allowed: true },
    { name: 'soft tenant: default still applied', ns: 'soft', obj: pod(), mutate: true, allowed: true, patchValue: 'gvisor' },
    { name: 'strict tenant: its own default', ns: 'strict', obj: pod(), mutate: true, allowed: true, patchValue: 'kata' },
    { name: 'strict tenant: runc refused', ns: 'strict', obj: pod({ runtimeClassName: 'runc' }), mutate: false, allowed: false },
    { name: 'strict tenant: gvisor allowed', ns: 'strict', obj: pod({ runtimeClassName: 'gvisor' }), mutate: false, allowed: true },
    { name: 'strict tenant: storage class outside the list refused', ns: 'strict', obj: { spec: { storageClassName: 'local' } }, kind: 'PersistentVolumeClaim', mutate: false, allowed: false },
    { name: 'a labelled namespace of an unknown tenant gets the sandboxed defaults', ns: 'orphan', obj: pod({ runtimeClassName: 'runc' }), mutate: false, allowed: false },
    { name: 'host escapes refused whatever the isolation mode', ns: 'soft', obj: pod({ hostPID: true }), mutate: true, allowed: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = admit(policies, req(c.ns, c.obj, c.kind), c.mutate);
      assert.equal(out.allowed, c.allowed, out.message);
      if (c.patchValue) assert.deepEqual(out.patch, [{ op: 'add', path: '/spec/runtimeClassName', value: c.patchValue }]);
    });
  }
  it('does not judge deletes', () => assert.equal(admit(policies, req('strict', pod({ hostPID: true }), 'Pod', 'DELETE'), false).allowed, true));
});

describe('AdmissionReview wire format', () => {
  it('parses a v1 review', () => {
    const r = parseAdmissionReview({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'x', kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'a', operation: 'CREATE', object: {} } });
    assert.equal(r.uid, 'x');
  });
  const bad: [unknown, RegExp][] = [
    [null, /must be an object/],
    [{ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview' }, /not supported/],
    [{ apiVersion: 'admission.k8s.io/v1', kind: 'Pod' }, /kind must be "AdmissionReview"/],
    [{ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, /request is required/],
    [{ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { kind: { kind: 'Pod' }, operation: 'CREATE' } }, /request.uid is required/],
  ];
  for (const [body, msg] of bad) it(`refuses ${JSON.stringify(body)}`, () => assert.throws(() => parseAdmissionReview(body), (e: unknown) => e instanceof ValidationError && msg.test(e.message)));
  it('encodes a patch as base64 JSONPatch and a denial as a 403 status', () => {
    const ok = admissionResponse('u', { allowed: true, message: '', patch: [{ op: 'add', path: '/spec/runtimeClassName', value: 'gvisor' }] });
    const resp = ok['response'] as { patchType: string; patch: string };
    assert.equal(resp.patchType, 'JSONPatch');
    assert.deepEqual(JSON.parse(Buffer.from(resp.patch, 'base64').toString()), [{ op: 'add', path: '/spec/runtimeClassName', value: 'gvisor' }]);
    const no = admissionResponse('u', { allowed: false, message: 'nope' });
    assert.deepEqual((no['response'] as { status: unknown }).status, { code: 403, reason: 'Forbidden', message: 'nope' });
  });
});
