import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../lib/errors.js';
import type { AccessRequest } from '../domain/authz/request.js';
import { loadPolicyFile, loadSyncConfigFile } from './policy-files.js';

const demoMember = (verb: string): AccessRequest => ({
  subject: {
    user: 'demo', uid: '', groups: [],
    extra: { 'alpha.kubernetes.io/identity/roles': ['member'], 'alpha.kubernetes.io/identity/project/name': ['demo'], 'alpha.kubernetes.io/identity/project/id': ['pid'] },
  },
  resource: { verb, resource: 'pods', namespace: 'default', group: '', version: 'v1', subresource: '', name: '' },
});

// kka-notes §6.1: examples/webhook/keystone-policy-configmap.yaml.
const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: k8s-auth-policy
  namespace: kube-system
data:
  policies: |
    [
      {
        "users": {
          "projects": ["demo"],
          "roles": ["member"]
        },
        "resource_permissions": {
          "*/pods": ["get", "list", "watch"]
        }
      }
    ]
`;

describe('policy files', () => {
  let dir: string;
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'stackube-policy-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const sources: [string, () => string][] = [
    ['a JSON list', () => file('p.json', JSON.stringify([{ users: { projects: ['demo'], roles: ['member'] }, resource_permissions: { '*/pods': ['get', 'list', 'watch'] } }]))],
    ['the §6.1 ConfigMap', () => file('cm.yaml', CONFIGMAP)],
  ];
  for (const [name, make] of sources) {
    it(`loads ${name}: member may get pods, may not create`, () => {
      const evaluate = loadPolicyFile(make());
      assert.equal(evaluate(demoMember('get')).allowed, true);
      assert.equal(evaluate(demoMember('create')).allowed, false);
    });
  }

  const bad: { name: string; text: string | undefined; message: RegExp }[] = [
    { name: 'missing file', text: undefined, message: /^policy file .* cannot be read/ },
    { name: 'not YAML/JSON', text: '[{', message: /is not valid JSON\/YAML/ },
    { name: 'ConfigMap without data.policies', text: 'kind: ConfigMap\ndata: {}\n', message: /ConfigMap has no data\.policies/ },
    { name: 'ConfigMap with invalid JSON', text: 'kind: ConfigMap\ndata:\n  policies: "[{"\n', message: /data\.policies is not JSON/ },
    { name: 'invalid entries, every problem listed', text: JSON.stringify([{ resource: { verbs: ['get'] } }, { bogus: 1 }]), message: /entry 0: resource needs[\s\S]*entry 1: unknown field "bogus"[\s\S]*entry 1: needs resource/ },
    { name: 'a mapping instead of a list', text: 'resource_permissions: {}\n', message: /must be a JSON list/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}`, () => {
      const p = c.text === undefined ? join(dir, 'absent.json') : file(`bad-${c.name.replace(/\W+/g, '-')}.json`, c.text);
      assert.throws(() => loadPolicyFile(p), (e: unknown) => e instanceof ValidationError && c.message.test(e.message));
    });
  }

  it('loads role-mappings from a sync config, ignoring other keys', () => {
    const p = file('sync.yaml', 'data-types-to-sync: []\nrole-mappings:\n  - keystone-role: member\n    groups: [project-1-group]\n  - keystone-role: admin\n    username: root\n');
    assert.deepEqual(loadSyncConfigFile(p), [
      { keystoneRole: 'member', groups: ['project-1-group'], username: undefined },
      { keystoneRole: 'admin', groups: [], username: 'root' },
    ]);
  });

  it('a sync config without role-mappings has none', () => {
    assert.deepEqual(loadSyncConfigFile(file('empty-sync.yaml', 'namespace-format: "%i"\n')), []);
  });

  const badSync: [string, string, RegExp][] = [
    ['role-mappings not a list', 'role-mappings: {a: 1}\n', /role-mappings must be a list/],
    ['mapping without keystone-role', 'role-mappings:\n  - groups: [g]\n', /role-mappings\[0\] needs keystone-role/],
    ['groups not a list of strings', 'role-mappings:\n  - keystone-role: member\n    groups: g\n', /role-mappings\[0\] needs keystone-role \(string\) and groups/],
  ];
  for (const [name, text, message] of badSync) {
    it(`sync config: refuses ${name}`, () => {
      assert.throws(() => loadSyncConfigFile(file(`s-${name.replace(/\W+/g, '-')}.yaml`, text)), (e: unknown) => e instanceof ValidationError && message.test(e.message));
    });
  }
});
