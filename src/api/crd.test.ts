import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import {
  CONDITION_REASON, CONDITION_TYPE, DNS1123_LABEL, DNS1123_SUBDOMAIN, KEYSTONE_ID, QUANTITY, RESOURCE_NAME, SECRET_KEY, UUID,
  crdFiles, stackubeCrds, type CustomResourceDefinition,
} from './crd.js';
import type { JSONSchemaProps } from './openapi.js';
import { adoptedProjectID, type Tenant } from './tenant.js';
import { adoptedNetworkID, type Network } from './network.js';

// Tests run from dist/src/api; the committed YAML lives in the source tree.
const CRD_DIR = join(resolve(import.meta.dirname, '../../..'), 'deploy/crds');

describe('deploy/crds', () => {
  const files = crdFiles();

  it('holds exactly the generated files (run `npm run gen:crds` after changing src/api)', () => {
    assert.deepEqual(readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml')).sort(), [...files.keys()].sort());
  });
  for (const [name, text] of files) {
    it(`${name} is byte-for-byte what the generator writes`, () => {
      assert.equal(readFileSync(join(CRD_DIR, name), 'utf8'), text, `${name} drifted: run npm run gen:crds`);
    });
    it(`${name} parses back to the CRD object`, () => {
      const crd = stackubeCrds().find((c) => name.endsWith(`_${c.spec.names.plural}.yaml`));
      assert.deepEqual(parse(text), crd);
    });
  }
});

interface Visit { path: string; node: JSONSchemaProps }
/** Every schema node under a root, with a dotted path (items as [], map values as {}). */
function walk(node: JSONSchemaProps, path = ''): Visit[] {
  const out: Visit[] = [{ path, node }];
  for (const [k, v] of Object.entries(node.properties ?? {})) out.push(...walk(v, `${path}.${k}`));
  if (node.items) out.push(...walk(node.items, `${path}[]`));
  if (node.additionalProperties) out.push(...walk(node.additionalProperties, `${path}{}`));
  return out;
}

function schemaOf(crd: CustomResourceDefinition): JSONSchemaProps {
  const v = crd.spec.versions[0];
  assert.ok(v, 'one version');
  return v.schema.openAPIV3Schema;
}

/** The schema node at a printer column's JSONPath (filters like [?(@.type=="Ready")] select list items). */
function nodeAt(root: JSONSchemaProps, jsonPath: string): JSONSchemaProps | undefined {
  let cur: JSONSchemaProps | undefined = root;
  for (const part of jsonPath.replace(/\[\?\([^\]]*\)\]/g, '.[]').split('.').filter(Boolean)) {
    if (cur === undefined) return undefined;
    cur = part === '[]' ? cur.items : cur.properties?.[part];
  }
  return cur;
}

// Short names of the built-in kube-apiserver v1.32 resources (kubectl api-resources).
const BUILTIN_SHORT_NAMES = ['cs', 'cm', 'ep', 'ev', 'limits', 'ns', 'no', 'pvc', 'pv', 'po', 'rc', 'quota', 'sa', 'svc', 'crd', 'crds',
  'ds', 'deploy', 'rs', 'sts', 'hpa', 'cj', 'csr', 'netpol', 'ing', 'pdb', 'pc', 'sc'];

describe('CRD shape', () => {
  const crds = stackubeCrds();
  const byKind = new Map(crds.map((c) => [c.spec.names.kind, c]));

  it('Tenant is cluster-scoped and Network namespaced, both in stackube.kubernetes.io/v1', () => {
    assert.equal(byKind.get('Tenant')?.spec.scope, 'Cluster');
    assert.equal(byKind.get('Network')?.spec.scope, 'Namespaced');
    for (const c of crds) {
      assert.equal(c.spec.group, 'stackube.kubernetes.io');
      assert.equal(c.metadata.name, `${c.spec.names.plural}.stackube.kubernetes.io`);
      assert.deepEqual(c.spec.versions.map((v) => [v.name, v.served, v.storage]), [['v1', true, true]]);
    }
  });

  it('short names are unique and clash with no built-in resource', () => {
    const all = crds.flatMap((c) => c.spec.names.shortNames);
    assert.deepEqual(all, ['tn', 'net']);
    for (const s of all) assert.ok(!BUILTIN_SHORT_NAMES.includes(s), s);
  });

  for (const c of crds) {
    const kind = c.spec.names.kind;
    const root = schemaOf(c);
    const nodes = walk(root);
    const version = c.spec.versions[0];

    it(`${kind}: status subresource, pruning, stackube category, unapproved-API annotation`, () => {
      assert.deepEqual(version?.subresources, { status: {} });
      assert.equal(c.spec.preserveUnknownFields, false);
      assert.deepEqual(c.spec.names.categories, ['stackube']);
      assert.match(c.metadata.annotations['api-approved.kubernetes.io'] ?? '', /^unapproved/);
      assert.deepEqual(root.required, ['spec']);
    });

    it(`${kind}: every spec and status field has a description`, () => {
      const missing = nodes.filter((v) => /^\.(spec|status)/.test(v.path) && !v.node.description).map((v) => v.path);
      assert.deepEqual(missing, []);
    });

    it(`${kind}: every string, list and map is bounded (CEL cost estimates need it)`, () => {
      const unbounded = nodes.filter(({ path, node: n }) => /^\.(spec|status)/.test(path) && (
        (n.type === 'string' && n.enum === undefined && n.format !== 'date-time' && n.maxLength === undefined)
        || (n.type === 'array' && n.maxItems === undefined)
        || (n.additionalProperties !== undefined && n.maxProperties === undefined)
        || (n['x-kubernetes-int-or-string'] === true && n.maxLength === undefined))).map((v) => v.path);
      assert.deepEqual(unbounded, []);
    });

    it(`${kind}: lists declare a list type; map lists' keys are required`, () => {
      for (const { path, node: n } of nodes.filter((v) => v.node.type === 'array')) {
        assert.ok(n['x-kubernetes-list-type'], `${path} has no list type`);
        for (const k of n['x-kubernetes-list-map-keys'] ?? []) assert.ok(n.items?.required?.includes(k), `${path}: key ${k} must be required`);
      }
    });

    it(`${kind}: required fields exist, and no schema defaults (the controller applies defaults)`, () => {
      for (const { path, node: n } of nodes) {
        for (const r of n.required ?? []) assert.ok(n.properties?.[r], `${path}: required ${r} is not a property`);
        assert.equal((n as Record<string, unknown>)['default'], undefined, `${path} has a default`);
      }
    });

    it(`${kind}: CEL regexes are raw strings (CEL rejects \\. in a plain string)`, () => {
      const rules = nodes.flatMap((v) => v.node['x-kubernetes-validations'] ?? []).flatMap((r) => [r.rule, r.messageExpression ?? '']);
      for (const r of rules) assert.doesNotMatch(r, /matches\('/, r);
    });

    it(`${kind}: printer columns point at schema fields`, () => {
      for (const col of version?.additionalPrinterColumns ?? []) {
        if (col.jsonPath === '.metadata.creationTimestamp') continue;
        const n = nodeAt(root, col.jsonPath);
        assert.ok(n, `${col.name}: ${col.jsonPath} is not in the schema`);
        assert.equal(n.type ?? 'string', 'string', col.name);
      }
    });
  }

  it('printer columns are the documented ones', () => {
    const cols = (k: string): string[] => (byKind.get(k)?.spec.versions[0]?.additionalPrinterColumns ?? []).filter((c) => !c.priority).map((c) => c.name);
    assert.deepEqual(cols('Tenant'), ['Project', 'Ready', 'Age']);
    assert.deepEqual(cols('Network'), ['CIDR', 'State', 'NetworkID', 'Age']);
  });

  it('the original Stackube fields are in the schema (username, password, tenantID; cidr, gateway, networkID, status.state)', () => {
    const spec = (k: string): JSONSchemaProps | undefined => (byKind.get(k) ? schemaOf(byKind.get(k) as CustomResourceDefinition) : undefined)?.properties?.['spec'];
    for (const f of ['username', 'password', 'tenantID', 'passwordSecretRef', 'projectID']) assert.ok(spec('Tenant')?.properties?.[f], f);
    for (const f of ['cidr', 'gateway', 'networkID', 'dnsNameservers']) assert.ok(spec('Network')?.properties?.[f], f);
    const status = byKind.get('Network') ? schemaOf(byKind.get('Network') as CustomResourceDefinition).properties?.['status'] : undefined;
    assert.deepEqual(status?.properties?.['state']?.enum, ['Pending', 'Active', 'Failed', 'Terminating']);
  });
});

describe('patterns (RE2 syntax, checked here with JavaScript RegExp)', () => {
  const cases: { name: string; re: string; ok: string[]; bad: string[] }[] = [
    { name: 'DNS1123_LABEL', re: DNS1123_LABEL, ok: ['test', 'a', 'a-1', '0a'], bad: ['', 'A', 'a.b', '-a', 'a-', 'a_b'] },
    { name: 'DNS1123_SUBDOMAIN', re: DNS1123_SUBDOMAIN, ok: ['gvisor', 'kata.x', 'a-b.c-d'], bad: ['', 'A', '.a', 'a.', 'a..b'] },
    { name: 'KEYSTONE_ID', re: KEYSTONE_ID, ok: ['915b36add7e34018b7241ab63a193530', 'default', 'a_b-c'], bad: ['', 'a b', 'a/b'] },
    { name: 'UUID', re: UUID, ok: ['421d913a-a269-408a-9765-2360e202ad5b', '421D913A-A269-408A-9765-2360E202AD5B'], bad: ['', '421d913a', '421d913aa269408a97652360e202ad5b', '421d913a-a269-408a-9765-2360e202ad5g'] },
    {
      name: 'RESOURCE_NAME', re: RESOURCE_NAME,
      ok: ['cpu', 'requests.memory', 'count/deployments.apps', 'hugepages-2Mi', 'requests.nvidia.com/gpu', 'gold.storageclass.storage.k8s.io/requests.storage'],
      bad: ['', 'Bad Key', '/cpu', 'cpu/', 'a/b/c', '-cpu'],
    },
    { name: 'QUANTITY', re: QUANTITY, ok: ['0', '2', '500m', '4Gi', '1.5', '.5', '1e3', '+1', '10k'], bad: ['', '-1', 'banana', '4GB', '1.2.3', 'Gi'] },
    { name: 'SECRET_KEY', re: SECRET_KEY, ok: ['password', '.dot', 'a-b_c.d'], bad: ['', 'a/b', 'a b'] },
    { name: 'CONDITION_TYPE', re: CONDITION_TYPE, ok: ['Ready', 'KeystoneReady', 'example.com/Thing'], bad: ['', 'Not Ready', '-x'] },
    { name: 'CONDITION_REASON', re: CONDITION_REASON, ok: ['Reconciled', 'Project_Missing', 'A:b'], bad: ['', '1abc', 'has space', 'trailing:'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const re = new RegExp(c.re);
      for (const s of c.ok) assert.ok(re.test(s), `${c.name} should accept ${JSON.stringify(s)}`);
      for (const s of c.bad) assert.ok(!re.test(s), `${c.name} should reject ${JSON.stringify(s)}`);
    });
  }
});

describe('original Stackube manifests fit the types', () => {
  // Compile-time: the user guide's Tenant and Network type-check as our Tenant and Network.
  const tenant: Tenant = { apiVersion: 'stackube.kubernetes.io/v1', kind: 'Tenant', metadata: { name: 'test' }, spec: { username: 'test', password: 'password' } };
  const network: Network = { apiVersion: 'stackube.kubernetes.io/v1', kind: 'Network', metadata: { name: 'test', namespace: 'test' }, spec: { cidr: '10.244.0.0/16', gateway: '10.244.0.1', networkID: '' }, status: { state: 'Active' } };

  const projects: { name: string; spec: Tenant['spec']; want: string | undefined }[] = [
    { name: 'user guide Tenant creates a project', spec: tenant.spec, want: undefined },
    { name: 'projectID adopts', spec: { projectID: 'p1' }, want: 'p1' },
    { name: 'tenantID is the original alias', spec: { tenantID: 't1' }, want: 't1' },
    { name: 'empty tenantID (Go zero value) means create', spec: { tenantID: '' }, want: undefined },
    { name: 'projectID wins over an equal tenantID', spec: { projectID: 'p1', tenantID: 'p1' }, want: 'p1' },
  ];
  for (const c of projects) it(`adoptedProjectID: ${c.name}`, () => assert.equal(adoptedProjectID(c.spec), c.want));

  const networks: { name: string; spec: Network['spec']; want: string | undefined }[] = [
    { name: 'user guide Network (networkID "") creates one', spec: network.spec, want: undefined },
    { name: 'networkID adopts', spec: { networkID: '421d913a-a269-408a-9765-2360e202ad5b' }, want: '421d913a-a269-408a-9765-2360e202ad5b' },
    { name: 'no networkID creates one', spec: { cidr: '10.0.0.0/24' }, want: undefined },
  ];
  for (const c of networks) it(`adoptedNetworkID: ${c.name}`, () => assert.equal(adoptedNetworkID(c.spec), c.want));
});
