import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../lib/errors.js';
import { authIdentity, authRequestBody, v3Root, type AuthOptions } from './auth.js';

const URL_ = 'http://keystone:5000/v3';

describe('authRequestBody', () => {
  const good: { name: string; opts: Omit<AuthOptions, 'authUrl'>; want: unknown }[] = [
    {
      name: 'password by user name + domain name, project scope by name + domain',
      opts: { method: { type: 'password', username: 'alice', userDomainName: 'Default', password: 's3cret' }, scope: { projectName: 'demo', projectDomainName: 'Default' } },
      want: { auth: { identity: { methods: ['password'], password: { user: { name: 'alice', domain: { name: 'Default' }, password: 's3cret' } } }, scope: { project: { name: 'demo', domain: { name: 'Default' } } } } },
    },
    {
      name: 'password by user name + domain id (the id wins over the name)',
      opts: { method: { type: 'password', username: 'alice', userDomainId: 'default', userDomainName: 'Ignored', password: 'pw' } },
      want: { auth: { identity: { methods: ['password'], password: { user: { name: 'alice', domain: { id: 'default' }, password: 'pw' } } } } },
    },
    {
      name: 'password by user id (no domain needed), project scope by id',
      opts: { method: { type: 'password', userId: 'u-1', username: 'ignored', password: 'pw' }, scope: { projectId: 'p-1' } },
      want: { auth: { identity: { methods: ['password'], password: { user: { id: 'u-1', password: 'pw' } } }, scope: { project: { id: 'p-1' } } } },
    },
    {
      name: 'token, project scope by name + domain id',
      opts: { method: { type: 'token', token: 'tok' }, scope: { projectName: 'demo', projectDomainId: 'default' } },
      want: { auth: { identity: { methods: ['token'], token: { id: 'tok' } }, scope: { project: { name: 'demo', domain: { id: 'default' } } } } },
    },
    {
      name: 'token, domain scope by id',
      opts: { method: { type: 'token', token: 'tok' }, scope: { domainId: 'd-1' } },
      want: { auth: { identity: { methods: ['token'], token: { id: 'tok' } }, scope: { domain: { id: 'd-1' } } } },
    },
    {
      name: 'password, domain scope by name',
      opts: { method: { type: 'password', userId: 'u', password: 'pw' }, scope: { domainName: 'Default' } },
      want: { auth: { identity: { methods: ['password'], password: { user: { id: 'u', password: 'pw' } } }, scope: { domain: { name: 'Default' } } } },
    },
    {
      name: 'password, system scope',
      opts: { method: { type: 'password', userId: 'u', password: 'pw' }, scope: { system: true } },
      want: { auth: { identity: { methods: ['password'], password: { user: { id: 'u', password: 'pw' } } }, scope: { system: { all: true } } } },
    },
    {
      name: 'application credential by id (no user needed, no scope)',
      opts: { method: { type: 'applicationCredential', id: 'ac-1', secret: 'acs' } },
      want: { auth: { identity: { methods: ['application_credential'], application_credential: { id: 'ac-1', secret: 'acs' } } } },
    },
    {
      name: 'application credential by name + user name + domain',
      opts: { method: { type: 'applicationCredential', name: 'ci', username: 'alice', userDomainName: 'Default', secret: 'acs' } },
      want: { auth: { identity: { methods: ['application_credential'], application_credential: { secret: 'acs', name: 'ci', user: { name: 'alice', domain: { name: 'Default' } } } } } },
    },
    {
      name: 'application credential by name + user id',
      opts: { method: { type: 'applicationCredential', name: 'ci', userId: 'u-1', secret: 'acs' } },
      want: { auth: { identity: { methods: ['application_credential'], application_credential: { secret: 'acs', name: 'ci', user: { id: 'u-1' } } } } },
    },
  ];
  for (const c of good) {
    it(c.name, () => {
      assert.deepEqual(authRequestBody({ authUrl: URL_, ...c.opts }), c.want);
    });
  }

  const bad: { name: string; opts: Omit<AuthOptions, 'authUrl'>; message: RegExp }[] = [
    { name: 'password without a password', opts: { method: { type: 'password', userId: 'u', password: '' } }, message: /^password auth needs a password$/ },
    { name: 'password without a user', opts: { method: { type: 'password', password: 'pw' } }, message: /^a user id or a user name is required$/ },
    { name: 'password with a user name but no domain', opts: { method: { type: 'password', username: 'alice', password: 'pw' } }, message: /^user "alice" needs user_domain_name or user_domain_id$/ },
    { name: 'token without a token', opts: { method: { type: 'token', token: '' } }, message: /^token auth needs a token$/ },
    { name: 'application credential without a secret', opts: { method: { type: 'applicationCredential', id: 'ac', secret: '' } }, message: /needs a secret/ },
    { name: 'application credential without id or name', opts: { method: { type: 'applicationCredential', secret: 's' } }, message: /needs an id or a name/ },
    { name: 'application credential by name without a user', opts: { method: { type: 'applicationCredential', name: 'ci', secret: 's' } }, message: /user id or a user name is required/ },
    { name: 'application credential by name without the user domain', opts: { method: { type: 'applicationCredential', name: 'ci', username: 'alice', secret: 's' } }, message: /needs user_domain_name or user_domain_id/ },
    { name: 'application credential with a project scope', opts: { method: { type: 'applicationCredential', id: 'ac', secret: 's' }, scope: { projectId: 'p' } }, message: /carries its own scope/ },
    { name: 'application credential with a domain scope', opts: { method: { type: 'applicationCredential', id: 'ac', secret: 's' }, scope: { domainName: 'Default' } }, message: /carries its own scope/ },
    { name: 'project scope by name without a domain', opts: { method: { type: 'token', token: 't' }, scope: { projectName: 'demo' } }, message: /^project "demo" needs project_domain_name or project_domain_id$/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}`, () => {
      assert.throws(() => authRequestBody({ authUrl: URL_, ...c.opts }), (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        assert.match(e.message, c.message);
        // Secrets never appear in messages.
        for (const secret of ['pw', 's3cret', 'acs']) assert.ok(!e.message.includes(`"${secret}"`));
        return true;
      });
    });
  }
});

describe('v3Root', () => {
  const cases: [string, string][] = [
    ['http://keystone:5000', 'http://keystone:5000/v3'],
    ['http://keystone:5000/', 'http://keystone:5000/v3'],
    ['http://keystone:5000/v3', 'http://keystone:5000/v3'],
    ['http://keystone:5000/v3/', 'http://keystone:5000/v3'],
    ['http://keystone:5000/v3//', 'http://keystone:5000/v3'],
    ['https://cloud.example.com/identity', 'https://cloud.example.com/identity/v3'],
    ['https://cloud.example.com/identity/v3/', 'https://cloud.example.com/identity/v3'],
    ['HTTPS://Cloud.Example.com:443/v3', 'https://cloud.example.com/v3'],
  ];
  for (const [input, want] of cases) {
    it(`${input} → ${want}`, () => {
      assert.equal(v3Root(input), want);
    });
  }
  for (const input of ['keystone:5000', 'not a url', '', 'ftp://keystone/v3', 'file:///etc/passwd']) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      assert.throws(() => v3Root(input), ValidationError);
    });
  }
});

describe('authIdentity', () => {
  const id = (o: Omit<AuthOptions, 'authUrl'>, authUrl = URL_): string => authIdentity({ authUrl, ...o });
  it('is the same for the same identity whatever the secret or URL spelling', () => {
    const a = id({ method: { type: 'password', username: 'alice', userDomainName: 'Default', password: 'first-secret' }, scope: { projectId: 'p' } });
    const b = id({ method: { type: 'password', username: 'alice', userDomainName: 'Default', password: 'second-secret' }, scope: { projectId: 'p' } }, 'http://keystone:5000/');
    assert.equal(a, b);
    assert.ok(!a.includes('first-secret'));
  });

  const distinct: [string, Omit<AuthOptions, 'authUrl'>, Omit<AuthOptions, 'authUrl'>][] = [
    ['different users', { method: { type: 'password', username: 'alice', userDomainName: 'Default', password: 'x' } }, { method: { type: 'password', username: 'bob', userDomainName: 'Default', password: 'x' } }],
    ['same user name in different domains', { method: { type: 'password', username: 'alice', userDomainId: 'd1', password: 'x' } }, { method: { type: 'password', username: 'alice', userDomainId: 'd2', password: 'x' } }],
    ['different scopes', { method: { type: 'password', userId: 'u', password: 'x' }, scope: { projectId: 'p1' } }, { method: { type: 'password', userId: 'u', password: 'x' }, scope: { projectId: 'p2' } }],
    ['application credentials by id', { method: { type: 'applicationCredential', id: 'a1', secret: 's' } }, { method: { type: 'applicationCredential', id: 'a2', secret: 's' } }],
    ['application credentials by name, users in domains given by id', { method: { type: 'applicationCredential', name: 'ci', username: 'alice', userDomainId: 'd1', secret: 's' } }, { method: { type: 'applicationCredential', name: 'ci', username: 'alice', userDomainId: 'd2', secret: 's' } }],
  ];
  for (const [name, a, b] of distinct) {
    it(`differs for ${name}`, () => {
      assert.notEqual(id(a), id(b));
    });
  }
});
