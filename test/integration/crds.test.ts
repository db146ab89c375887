// The Tenant and Network CRDs on the real kube-apiserver: they install and become Established, the original
// Stackube's manifests are accepted, bad specs are refused by the schema with a clear message, printer columns
// and short names work, and status is written only through the status subresource.
// Needs the cloud from hack/up.sh (hack/test-integration.sh starts it). Removes every object it creates, and the
// CRDs too when they were not installed before it ran.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KUBECONFIG, KUBECTL, ROOT, run, type RunResult } from './harness.js';

const CRDS = join(ROOT, 'deploy/crds');
const CRD_NAMES = ['tenants.stackube.kubernetes.io', 'networks.stackube.kubernetes.io'];
const suffix = randomBytes(3).toString('hex');
const NS = 'default';
const dir = mkdtempSync(join(tmpdir(), 'stackube-it-crds-'));
const created: { kind: 'tenant' | 'network'; name: string }[] = [];
let crdsWereInstalled = false;

const k = (args: readonly string[]): Promise<RunResult> => run(KUBECTL, [`--kubeconfig=${ADMIN_KUBECONFIG}`, ...args]);
let n = 0;
/** Writes a manifest (YAML text, or an object as JSON) to a file for `kubectl -f`. */
function manifest(m: string | object): string {
  const f = join(dir, `m${n++}.${typeof m === 'string' ? 'yaml' : 'json'}`);
  writeFileSync(f, typeof m === 'string' ? m : JSON.stringify(m));
  return f;
}
function ok(r: RunResult): RunResult {
  assert.equal(r.code, 0, `kubectl failed: ${r.stderr}`);
  return r;
}
const tenant = (name: string, spec: object, extra: object = {}): object => ({ apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name }, spec, ...extra });
const network = (name: string, spec: object): object => ({ apiVersion: 'stackube.kubernetes.io/v1', kind: 'Network', metadata: { name, namespace: NS }, spec });
/** Creates an object, remembers it for cleanup, and returns the apiserver's answer (what was stored). */
async function create(kind: 'tenant' | 'network', m: string | object, name: string): Promise<Record<string, unknown>> {
  const r = ok(await k(['create', '-f', manifest(m), '-o', 'json']));
  created.push({ kind, name });
  return JSON.parse(r.stdout) as Record<string, unknown>;
}
async function jsonOf(args: string[]): Promise<Record<string, unknown>> {
  return JSON.parse(ok(await k([...args, '-o', 'json'])).stdout) as Record<string, unknown>;
}

// The original Stackube user guide's manifests (doc/source/user_guide.rst), verbatim but for the names.
const ORIGINAL_TENANT = (name: string): string => `apiVersion: "stackube.kubernetes.io/v1"
kind: Tenant
metadata:
  name: ${name}
spec:
  username: "test"
  password: "password"
`;
const ORIGINAL_NETWORK = (name: string): string => `apiVersion: stackube.kubernetes.io/v1
kind: Network
metadata:
  name: ${name}
  namespace: ${NS}
spec:
  cidr: 10.244.0.0/16
  gateway: 10.244.0.1
  networkID: ""
`;

describe('stackube.kubernetes.io/v1 CRDs on the real kube-apiserver', () => {
  before(async () => {
    crdsWereInstalled = (await k(['get', 'crd', ...CRD_NAMES])).code === 0;
    ok(await k(['apply', '--server-side', '--force-conflicts', '--field-manager=stackube-it', '-f', CRDS]));
    ok(await k(['wait', '--for=condition=Established', '--timeout=60s', '-f', CRDS]));
  });

  after(async () => {
    for (const o of created.reverse()) {
      await k(['delete', o.kind, o.name, ...(o.kind === 'network' ? ['-n', NS] : []), '--ignore-not-found', '--wait=true', '--timeout=60s']);
    }
    if (!crdsWereInstalled) await k(['delete', '--ignore-not-found', '--wait=true', '--timeout=60s', '-f', CRDS]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves Tenant (cluster-scoped, tn) and Network (namespaced, net) in the stackube category', async () => {
    const r = ok(await k(['api-resources', '--api-group=stackube.kubernetes.io', '-o', 'wide', '--no-headers']));
    const rows = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    const tenants = rows.find((row) => row[0] === 'tenants');
    const networks = rows.find((row) => row[0] === 'networks');
    assert.deepEqual(tenants?.slice(0, 5), ['tenants', 'tn', 'stackube.kubernetes.io/v1', 'false', 'Tenant'], r.stdout);
    assert.deepEqual(networks?.slice(0, 5), ['networks', 'net', 'stackube.kubernetes.io/v1', 'true', 'Network'], r.stdout);
    assert.match(tenants?.join(' ') ?? '', /stackube/);
  });

  it('accepts the original user guide Tenant (username + password) and Network (networkID "")', async () => {
    ok(await k(['create', '--dry-run=server', '-f', manifest(ORIGINAL_TENANT('test'))]));
    // The stored spec is checked in the create answer: a running controller moves the password out right after.
    const t = await create('tenant', ORIGINAL_TENANT(`it-orig-${suffix}`), `it-orig-${suffix}`);
    assert.deepEqual(t['spec'], { username: 'test', password: 'password' });
    const net = await create('network', ORIGINAL_NETWORK(`it-orig-${suffix}`), `it-orig-${suffix}`);
    assert.deepEqual(net['spec'], { cidr: '10.244.0.0/16', gateway: '10.244.0.1', networkID: '' });
  });

  it('accepts a full Tenant and the compatibility fields (tenantID alias, passwordSecretRef)', async () => {
    const full = tenant(`it-full-${suffix}`, {
      domain: 'Default',
      owners: [{ kind: 'User', name: 'alice', role: 'admin' }, { kind: 'Group', id: '0123456789abcdef0123456789abcdef', role: 'reader' }],
      namespaces: { additional: [`it-full-${suffix}-dev`], maxNamespaces: 3 },
      resourceQuota: { hard: { pods: 50, 'requests.cpu': '8', 'requests.memory': '16Gi', 'count/deployments.apps': 10 } },
      limitRange: { default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m' } },
      network: { cidr: '10.250.0.0/24', gateway: '10.250.0.1', dnsNameservers: ['10.0.0.2', '10.0.0.3'] },
      isolation: { runtimeClassName: 'gvisor', allowedRuntimeClasses: ['kata'], mode: 'hard' },
      allowedStorageClasses: ['cinder'],
      allowedServiceTypes: ['ClusterIP', 'LoadBalancer'],
      tenantID: '0123456789abcdef0123456789abcdef',
      projectID: '0123456789abcdef0123456789abcdef',
    });
    await create('tenant', full, `it-full-${suffix}`);
    ok(await k(['create', '--dry-run=server', '-f', manifest(tenant(`it-ref-${suffix}`, {
      username: 'u', passwordSecretRef: { name: 'pw', namespace: 'stackube-system', key: 'password' },
    }))]));
    // What the controller does with an original Tenant: the password goes into a Secret and the spec keeps the ref.
    ok(await k(['patch', 'tenant', `it-orig-${suffix}`, '--type=merge', '-p',
      JSON.stringify({ spec: { password: null, passwordSecretRef: { name: `tenant-it-orig-${suffix}`, namespace: 'stackube-system' } } })]));
    const spec = (await jsonOf(['get', 'tenant', `it-orig-${suffix}`]))['spec'] as Record<string, unknown>;
    assert.equal(spec['password'], undefined);
    assert.equal((spec['passwordSecretRef'] as { name?: string } | undefined)?.name, `tenant-it-orig-${suffix}`);
  });

  const bad: { name: string; object: object; want: RegExp }[] = [
    { name: 'Network cidr 10.0.0.0/33', object: network('x', { cidr: '10.0.0.0/33' }), want: /spec\.cidr: .*must be an IPv4 CIDR such as 10\.244\.0\.0\/16, not "10\.0\.0\.0\/33"/ },
    { name: 'Network cidr "banana"', object: network('x', { cidr: 'banana' }), want: /spec\.cidr: .*must be an IPv4 CIDR such as 10\.244\.0\.0\/16, not "banana"/ },
    { name: 'Network cidr with host bits', object: network('x', { cidr: '10.0.0.1/8' }), want: /spec\.cidr: .*must be a network address/ },
    { name: 'Network IPv6 cidr', object: network('x', { cidr: 'fd00::/64' }), want: /must be an IPv4 CIDR/ },
    { name: 'Network /31', object: network('x', { cidr: '10.0.0.0/31' }), want: /prefix length is at most 30/ },
    { name: 'Network gateway outside cidr', object: network('x', { cidr: '10.0.0.0/8', gateway: '11.0.0.1' }), want: /spec\.gateway: .*gateway 11\.0\.0\.1 is outside cidr 10\.0\.0\.0\/8/ },
    { name: 'Network gateway = network address', object: network('x', { cidr: '10.0.0.0/8', gateway: '10.0.0.0' }), want: /gateway must not be the network address/ },
    { name: 'Network gateway not an IP', object: network('x', { cidr: '10.0.0.0/8', gateway: '10.0.0.256' }), want: /spec\.gateway: .*must be an IPv4 address/ },
    { name: 'Network neither cidr nor networkID', object: network('x', { cidr: '', networkID: '' }), want: /set cidr, or networkID to adopt an existing Neutron network/ },
    { name: 'Network networkID not a UUID', object: network('x', { networkID: 'abc' }), want: /spec\.networkID: .*must be a Neutron network UUID/ },
    { name: 'Network repeated nameserver', object: network('x', { cidr: '10.0.0.0/24', dnsNameservers: ['10.0.0.2', '10.0.0.2'] }), want: /must not repeat an address/ },
    { name: 'Network unknown field', object: network('x', { cidr: '10.0.0.0/24', subnet: 'y' }), want: /unknown field "spec\.subnet"/ },
    { name: 'Network name with a dot', object: network('a.b', { cidr: '10.0.0.0/24' }), want: /must be a DNS-1123 label/ },
    { name: 'Tenant unknown isolation mode', object: tenant('x', { isolation: { mode: 'medium' } }), want: /spec\.isolation\.mode: Unsupported value: "medium": supported values: "hard", "soft"/ },
    { name: 'Tenant negative maxNamespaces', object: tenant('x', { namespaces: { maxNamespaces: -1 } }), want: /spec\.namespaces\.maxNamespaces .*greater than or equal to 1/ },
    { name: 'Tenant more additional namespaces than maxNamespaces', object: tenant('x', { namespaces: { maxNamespaces: 2, additional: ['a', 'b'] } }), want: /maxNamespaces counts the default namespace too/ },
    { name: 'Tenant additional namespace kube-*', object: tenant('x', { namespaces: { additional: ['kube-x'] } }), want: /reserved for the cluster/ },
    { name: 'Tenant named kube-system', object: tenant('kube-system', {}), want: /may not be named default, kube-\*/ },
    { name: 'Tenant name that is no namespace name', object: tenant('a.b', {}), want: /a Tenant name must be a DNS-1123 label/ },
    { name: 'Tenant projectID and a different tenantID', object: tenant('x', { projectID: 'p1', tenantID: 'p2' }), want: /tenantID is the original name of projectID/ },
    { name: 'Tenant password without username', object: tenant('x', { password: 'p' }), want: /spec\.username: .*set username too/ },
    { name: 'Tenant username without password', object: tenant('x', { username: 'u' }), want: /username needs a password/ },
    { name: 'Tenant owner with name and id', object: tenant('x', { owners: [{ kind: 'User', name: 'a', id: 'b', role: 'member' }] }), want: /spec\.owners\[0\]: .*set exactly one of name and id/ },
    { name: 'Tenant owner role', object: tenant('x', { owners: [{ kind: 'User', name: 'a', role: 'owner' }] }), want: /Unsupported value: "owner"/ },
    { name: 'Tenant negative quota', object: tenant('x', { resourceQuota: { hard: { pods: -1 } } }), want: /spec\.resourceQuota\.hard\.pods .*greater than or equal to 0/ },
    { name: 'Tenant quota "banana"', object: tenant('x', { resourceQuota: { hard: { cpu: 'banana' } } }), want: /spec\.resourceQuota\.hard\.cpu: Invalid value: "banana"/ },
    { name: 'Tenant quota key', object: tenant('x', { resourceQuota: { hard: { 'Bad Key': 1 } } }), want: /keys must be resource names/ },
    { name: 'Tenant default network gateway outside cidr', object: tenant('x', { network: { cidr: '10.1.0.0/24', gateway: '10.2.0.1' } }), want: /spec\.network\.gateway: .*is outside cidr/ },
    { name: 'Tenant unknown service type', object: tenant('x', { allowedServiceTypes: ['Headless'] }), want: /Unsupported value: "Headless"/ },
    { name: 'Tenant without spec', object: { apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name: 'x' } }, want: /spec: Required value/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}`, async () => {
      const r = await k(['create', '--dry-run=server', '-f', manifest(c.object)]);
      assert.notEqual(r.code, 0, `accepted: ${JSON.stringify(c.object)}`);
      assert.match(r.stderr, c.want);
    });
  }

  it('refuses changing a Tenant\'s project or a Network\'s cidr or gateway, and allows other updates', async () => {
    const p1 = await k(['patch', 'tenant', `it-full-${suffix}`, '--type=merge', '-p', '{"spec":{"projectID":"fedcba9876543210fedcba9876543210","tenantID":""}}']);
    assert.notEqual(p1.code, 0);
    assert.match(p1.stderr, /the Keystone project of a Tenant \(projectID, tenantID\) cannot change/);
    const p2 = await k(['patch', 'tenant', `it-orig-${suffix}`, '--type=merge', '-p', '{"spec":{"projectID":"fedcba9876543210fedcba9876543210"}}']);
    assert.match(p2.stderr, /cannot change/, 'a created project cannot turn into an adopted one');
    const p3 = await k(['-n', NS, 'patch', 'network', `it-orig-${suffix}`, '--type=merge', '-p', '{"spec":{"cidr":"10.245.0.0/16","gateway":"10.245.0.1"}}']);
    assert.match(p3.stderr, /cidr is immutable/);
    const p4 = await k(['-n', NS, 'patch', 'network', `it-orig-${suffix}`, '--type=merge', '-p', '{"spec":{"gateway":"10.244.0.254"}}']);
    assert.match(p4.stderr, /gateway is immutable/);
    ok(await k(['-n', NS, 'patch', 'network', `it-orig-${suffix}`, '--type=merge', '-p', '{"spec":{"dnsNameservers":["10.0.0.2"]}}']));
    ok(await k(['patch', 'tenant', `it-full-${suffix}`, '--type=merge', '-p', '{"spec":{"resourceQuota":{"hard":{"pods":60}},"owners":[{"kind":"User","name":"bob","role":"member"}]}}']));
  });

  // A Stackube controller may be running against this apiserver and write status itself, so these checks read
  // the apiserver's answer to each write rather than a later GET, and never expect a status to stay put.
  it('writes status only through the status subresource', async () => {
    const name = `it-status-${suffix}`;
    const statusOf = (o: Record<string, unknown>): Record<string, unknown> => (o['status'] ?? {}) as Record<string, unknown>;
    // Status in a create is dropped.
    await create('tenant', tenant(name, {}, { status: { projectID: 'sneaky', phase: 'Failed' } }), name);
    let t = await jsonOf(['get', 'tenant', name]);
    assert.notEqual(statusOf(t)['projectID'], 'sneaky');
    const generation = (t['metadata'] as { generation: number }).generation;
    // Status in an update of the main resource is ignored.
    t = JSON.parse(ok(await k(['patch', 'tenant', name, '--type=merge', '-p', '{"status":{"projectID":"sneaky"}}', '-o', 'json'])).stdout) as Record<string, unknown>;
    assert.notEqual(statusOf(t)['projectID'], 'sneaky');
    // The status subresource writes status (and only status), without bumping the generation.
    const status = {
      phase: 'Active', projectID: '0123456789abcdef0123456789abcdef', observedGeneration: generation, namespaces: [name],
      usage: { pods: 3, 'requests.cpu': '1500m' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'Reconciled', message: '', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: generation }],
    };
    t = JSON.parse(ok(await k(['patch', 'tenant', name, '--subresource=status', '--type=json', '-o', 'json', '-p',
      JSON.stringify([{ op: 'replace', path: '/status', value: status }, { op: 'add', path: '/spec/domain', value: 'other' }])])).stdout) as Record<string, unknown>;
    assert.deepEqual(t['status'], status);
    assert.equal((t['spec'] as Record<string, unknown>)['domain'], undefined, 'spec changes through the status subresource are ignored');
    assert.equal((t['metadata'] as { generation: number }).generation, generation);
    // Status is validated too.
    const badPhase = await k(['patch', 'tenant', name, '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Bogus"}}']);
    assert.match(badPhase.stderr, /status\.phase: Unsupported value: "Bogus"/);
    const badCondition = await k(['patch', 'tenant', name, '--subresource=status', '--type=merge', '-p',
      '{"status":{"conditions":[{"type":"Ready","status":"Maybe","reason":"x","message":"","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}']);
    assert.match(badCondition.stderr, /Unsupported value: "Maybe"/);
    const net = `it-orig-${suffix}`;
    const netStatus = { state: 'Active', networkID: '421d913a-a269-408a-9765-2360e202ad5b', message: 'ok' };
    const n1 = JSON.parse(ok(await k(['-n', NS, 'patch', 'network', net, '--subresource=status', '--type=json', '-o', 'json', '-p',
      JSON.stringify([{ op: 'replace', path: '/status', value: netStatus }])])).stdout) as Record<string, unknown>;
    assert.deepEqual(n1['status'], netStatus);
    const badState = await k(['-n', NS, 'patch', 'network', net, '--subresource=status', '--type=merge', '-p', '{"status":{"state":"Initializing"}}']);
    assert.match(badState.stderr, /status\.state: Unsupported value: "Initializing"/);
  });

  it('kubectl get tn / net print the Project, Ready, CIDR, State and NetworkID columns', async () => {
    const rows = async (args: string[]): Promise<string[][]> => ok(await k(args)).stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    const name = `it-status-${suffix}`;
    const [head] = await rows(['get', 'tn', name]);
    assert.deepEqual(head, ['NAME', 'PROJECT', 'READY', 'AGE']);
    const [wide] = await rows(['get', 'tn', name, '-o', 'wide']);
    assert.deepEqual(wide, ['NAME', 'PROJECT', 'READY', 'AGE', 'PHASE', 'REASON']);
    const [nhead] = await rows(['-n', NS, 'get', 'net', `it-orig-${suffix}`]);
    assert.deepEqual(nhead, ['NAME', 'CIDR', 'STATE', 'NETWORKID', 'AGE']);
    // The row shows the object's status; a controller may change it between two reads, so retry until they agree.
    const agree = async (kind: string, ns: string[], obj: string, cells: (o: Record<string, unknown>) => string[]): Promise<void> => {
      let last = '';
      for (let i = 0; i < 20; i++) {
        const before = cells(await jsonOf([...ns, 'get', kind, obj]));
        const row = (await rows([...ns, 'get', kind, obj, '--no-headers']))[0] ?? [];
        if (JSON.stringify(row.slice(0, before.length)) === JSON.stringify(before)) return;
        last = `${JSON.stringify(row)} vs ${JSON.stringify(before)}`;
      }
      assert.fail(`printer columns never matched the object: ${last}`);
    };
    const cond = (o: Record<string, unknown>): string => ((o['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).find((c) => c.type === 'Ready')?.status ?? '';
    await agree('tn', [], name, (o) => [name, String((o['status'] as { projectID?: string } | undefined)?.projectID ?? '<none>'), cond(o) || '<none>']);
    await agree('net', ['-n', NS], `it-orig-${suffix}`, (o) => {
      const st = (o['status'] ?? {}) as { state?: string; networkID?: string };
      return [`it-orig-${suffix}`, '10.244.0.0/16', st.state ?? '<none>', st.networkID ?? '<none>'];
    });
    const cat = ok(await k(['get', 'stackube', '-A', '-o', 'name']));
    assert.match(cat.stdout, new RegExp(`tenant\\.stackube\\.kubernetes\\.io/${name}`));
    assert.match(cat.stdout, new RegExp(`network\\.stackube\\.kubernetes\\.io/it-orig-${suffix}`));
  });
});
