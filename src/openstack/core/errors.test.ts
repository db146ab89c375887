import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../lib/errors.js';
import { OpenStackError, redactUrl, serverMessage } from './errors.js';

describe('redactUrl', () => {
  const cases: [string, string][] = [
    ['http://admin:s3cret@keystone:5000/v3/auth/tokens?nocatalog=1', 'http://keystone:5000/v3/auth/tokens'],
    ['https://keystone.example.com/v3/users?name=alice&domain_id=default', 'https://keystone.example.com/v3/users'],
    ['https://user@neutron:9696/v2.0/networks', 'https://neutron:9696/v2.0/networks'],
    ['http://keystone:5000/v3', 'http://keystone:5000/v3'],
    ['/auth/tokens?nocatalog=1', '/auth/tokens'],
    ['//user:pw@host/x', '<invalid url>'],
    ['not a url', '<invalid url>'],
    ['', '<invalid url>'],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} → ${want}`, () => {
      assert.equal(redactUrl(input), want);
    });
  }
});

describe('serverMessage', () => {
  const cases: { name: string; body: string; want: string | undefined }[] = [
    { name: 'Keystone error', body: '{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}', want: 'The request you have made requires authentication.' },
    { name: 'Neutron error', body: '{"NeutronError": {"type": "NetworkNotFound", "message": "Network 42 could not be found.", "detail": ""}}', want: 'Network 42 could not be found.' },
    { name: 'Nova/Cinder error', body: '{"itemNotFound": {"code": 404, "message": "Volume v1 could not be found."}}', want: 'Volume v1 could not be found.' },
    { name: 'flat message', body: '{"message": "flat"}', want: 'flat' },
    { name: 'NeutronError as a string', body: '{"NeutronError": "plain neutron text"}', want: 'plain neutron text' },
    { name: 'plain text body', body: '  502 Bad Gateway  ', want: '502 Bad Gateway' },
    { name: 'JSON without a message falls back to the text', body: '{"foo": {"bar": 1}}', want: '{"foo": {"bar": 1}}' },
    { name: 'JSON null', body: 'null', want: 'null' },
    { name: 'empty body', body: '', want: undefined },
    { name: 'whitespace body', body: ' \n ', want: undefined },
    { name: 'long JSON message is cut to 300', body: JSON.stringify({ error: { message: 'x'.repeat(400) } }), want: 'x'.repeat(300) },
    { name: 'long text is cut to 200', body: 'y'.repeat(400), want: 'y'.repeat(200) },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(serverMessage(c.body), c.want);
    });
  }
});

describe('OpenStackError', () => {
  const codes: [number, string][] = [
    [0, 'STACKUBE_ERR_OPENSTACK_UNREACHABLE'],
    [400, 'STACKUBE_ERR_OPENSTACK_BAD_REQUEST'],
    [401, 'STACKUBE_ERR_OPENSTACK_UNAUTHORIZED'],
    [403, 'STACKUBE_ERR_OPENSTACK_FORBIDDEN'],
    [404, 'STACKUBE_ERR_OPENSTACK_NOT_FOUND'],
    [409, 'STACKUBE_ERR_OPENSTACK_CONFLICT'],
    [418, 'STACKUBE_ERR_OPENSTACK_HTTP'],
    [500, 'STACKUBE_ERR_OPENSTACK_SERVER'],
    [503, 'STACKUBE_ERR_OPENSTACK_SERVER'],
  ];
  for (const [status, code] of codes) {
    it(`status ${status} → ${code}`, () => {
      const e = new OpenStackError({ service: 'identity', method: 'GET', url: 'http://k/v3/x', status });
      assert.equal(e.code, code);
      assert.equal(e.isNotFound, status === 404);
      assert.equal(e.isUnreachable, status === 0);
      assert.ok(e instanceof AppError);
    });
  }

  it('message and fields carry service, method, redacted url, status, server message and request-id', () => {
    const cause = new Error('socket');
    const e = new OpenStackError({ service: 'network', method: 'POST', url: 'http://u:p@neutron/v2.0/ports?x=1', status: 409, requestId: 'req-123', serverMessage: 'IP in use' }, cause);
    assert.equal(e.message, 'network POST http://neutron/v2.0/ports: HTTP 409: IP in use (request-id req-123)');
    assert.equal(e.url, 'http://neutron/v2.0/ports');
    assert.equal(e.requestId, 'req-123');
    assert.equal(e.cause, cause);
    assert.deepEqual(e.details, { service: 'network', method: 'POST', url: 'http://neutron/v2.0/ports', status: 409, requestId: 'req-123' });
  });

  it('unreachable message', () => {
    const e = new OpenStackError({ service: 'identity', method: 'POST', url: 'http://k:5000/v3/auth/tokens', status: 0 });
    assert.equal(e.message, 'identity POST http://k:5000/v3/auth/tokens: identity unreachable');
  });
});
