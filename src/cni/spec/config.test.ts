import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CNI_ERR } from './errors.js';
import { DEFAULT_DAEMON_SOCKET, DEFAULT_TIMEOUT_MS, MAX_CONFIG_BYTES, checkCommandConfig, decodeJsonObject, parseConfig } from './config.js';
import type { CniCommand, NetConf } from './types.js';

const BASE = { cniVersion: '1.1.0', name: 'stackube', type: 'stackube-cni' };
const json = (o: unknown): string => JSON.stringify(o);
const withField = (k: string, v: unknown): string => json({ ...BASE, [k]: v });
const without = (k: keyof typeof BASE): string => {
  const copy: Record<string, unknown> = { ...BASE };
  delete copy[k];
  return json(copy);
};

describe('parseConfig: valid input', () => {
  it('applies the defaults', () => {
    const r = parseConfig(json(BASE));
    assert.ok(r.ok);
    assert.deepEqual(r.value, { ...BASE, daemonSocket: DEFAULT_DAEMON_SOCKET, timeoutMs: DEFAULT_TIMEOUT_MS });
  });
  it('keeps our fields and the runtime-provided ones, drops unknown keys', () => {
    const r = parseConfig(Buffer.from(json({
      ...BASE, cniVersion: '1.0.0', daemonSocket: '/run/x.sock', timeoutMs: 1500, logFile: '/var/log/cni.log',
      prevResult: { cniVersion: '1.0.0', ips: [] }, runtimeConfig: { portMappings: [] }, ipam: { type: 'x' }, 'cni.dev/other': 1,
      'cni.dev/valid-attachments': [{ containerID: 'a', ifname: 'eth0', extra: 1 }],
    })));
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      cniVersion: '1.0.0', name: 'stackube', type: 'stackube-cni', daemonSocket: '/run/x.sock', timeoutMs: 1500, logFile: '/var/log/cni.log',
      prevResult: { cniVersion: '1.0.0', ips: [] }, runtimeConfig: { portMappings: [] }, validAttachments: [{ containerID: 'a', ifname: 'eth0' }],
    });
  });
  it('accepts a UTF-8 BOM and surrounding whitespace', () => {
    assert.ok(parseConfig(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`\n ${json(BASE)} \n`)])).ok);
  });
});

describe('parseConfig: invalid input', () => {
  const huge = `{"cniVersion":"1.1.0","name":"n","type":"t","pad":"${'x'.repeat(MAX_CONFIG_BYTES)}"}`;
  const cases: { name: string; input: string | Buffer; code: number; msg?: RegExp }[] = [
    { name: 'empty stdin', input: '', code: CNI_ERR.DECODE_FAILURE },
    { name: 'whitespace only', input: ' \n', code: CNI_ERR.DECODE_FAILURE },
    { name: 'not JSON', input: '{cniVersion: 1.1.0}', code: CNI_ERR.DECODE_FAILURE, msg: /not JSON/ },
    { name: 'truncated JSON', input: json(BASE).slice(0, 20), code: CNI_ERR.DECODE_FAILURE },
    { name: 'JSON array', input: '[]', code: CNI_ERR.DECODE_FAILURE, msg: /not a JSON object/ },
    { name: 'JSON null', input: 'null', code: CNI_ERR.DECODE_FAILURE },
    { name: 'JSON string', input: '"x"', code: CNI_ERR.DECODE_FAILURE },
    { name: 'invalid UTF-8', input: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), code: CNI_ERR.DECODE_FAILURE, msg: /UTF-8/ },
    { name: 'over 1 MiB (string)', input: huge, code: CNI_ERR.IO_FAILURE, msg: /too large/ },
    { name: 'over 1 MiB (Buffer)', input: Buffer.from(huge), code: CNI_ERR.IO_FAILURE },
    { name: 'cniVersion missing', input: without('cniVersion'), code: CNI_ERR.INCOMPATIBLE_VERSION },
    { name: 'cniVersion 0.4.0', input: withField('cniVersion', '0.4.0'), code: CNI_ERR.INCOMPATIBLE_VERSION },
    { name: 'cniVersion 2.0.0', input: withField('cniVersion', '2.0.0'), code: CNI_ERR.INCOMPATIBLE_VERSION },
    { name: 'cniVersion giant', input: withField('cniVersion', '1'.repeat(100_000)), code: CNI_ERR.INCOMPATIBLE_VERSION },
    { name: 'cniVersion a number', input: withField('cniVersion', 1), code: CNI_ERR.INVALID_CONFIG },
    { name: 'cniVersion null', input: withField('cniVersion', null), code: CNI_ERR.INVALID_CONFIG },
    { name: 'name missing', input: without('name'), code: CNI_ERR.INVALID_CONFIG, msg: /: name$/ },
    { name: 'name with /', input: withField('name', 'a/b'), code: CNI_ERR.INVALID_CONFIG },
    { name: 'name starting with _', input: withField('name', '_n'), code: CNI_ERR.INVALID_CONFIG },
    { name: 'name a number', input: withField('name', 7), code: CNI_ERR.INVALID_CONFIG },
    { name: 'type missing', input: without('type'), code: CNI_ERR.INVALID_CONFIG, msg: /: type$/ },
    { name: 'type empty', input: withField('type', ''), code: CNI_ERR.INVALID_CONFIG },
    { name: 'type with a path', input: withField('type', '../bin/sh'), code: CNI_ERR.INVALID_CONFIG },
    { name: 'daemonSocket relative', input: withField('daemonSocket', 'cni.sock'), code: CNI_ERR.INVALID_CONFIG },
    { name: 'daemonSocket longer than sun_path', input: withField('daemonSocket', `/${'s'.repeat(107)}`), code: CNI_ERR.INVALID_CONFIG },
    { name: 'daemonSocket a number', input: withField('daemonSocket', 1), code: CNI_ERR.INVALID_CONFIG },
    { name: 'timeoutMs 0', input: withField('timeoutMs', 0), code: CNI_ERR.INVALID_CONFIG },
    { name: 'timeoutMs fractional', input: withField('timeoutMs', 1.5), code: CNI_ERR.INVALID_CONFIG },
    { name: 'timeoutMs a string', input: withField('timeoutMs', '1000'), code: CNI_ERR.INVALID_CONFIG },
    { name: 'timeoutMs too large', input: withField('timeoutMs', 1e12), code: CNI_ERR.INVALID_CONFIG },
    { name: 'logFile relative', input: withField('logFile', 'cni.log'), code: CNI_ERR.INVALID_CONFIG },
    { name: 'prevResult an array', input: withField('prevResult', []), code: CNI_ERR.INVALID_CONFIG },
    { name: 'runtimeConfig a string', input: withField('runtimeConfig', 'x'), code: CNI_ERR.INVALID_CONFIG },
    { name: 'valid-attachments not an array', input: withField('cni.dev/valid-attachments', {}), code: CNI_ERR.INVALID_CONFIG },
    { name: 'valid-attachments with a bad entry', input: withField('cni.dev/valid-attachments', [{ containerID: 1, ifname: 'eth0' }]), code: CNI_ERR.INVALID_CONFIG },
  ];
  for (const c of cases) {
    it(`${c.name} → code ${c.code}`, () => {
      const r = parseConfig(c.input);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.code, c.code, JSON.stringify(r.error));
      if (c.msg) assert.match(r.error.msg, c.msg);
      assert.ok(JSON.stringify(r.error).length < 2000, 'errors stay short whatever the input');
    });
  }
  it('lists every invalid field', () => {
    const r = parseConfig(json({ cniVersion: '1.1.0', timeoutMs: -1, daemonSocket: 'x' }));
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.msg, 'invalid network configuration: name, type, daemonSocket, timeoutMs');
  });
});

describe('decodeJsonObject', () => {
  it('accepts exactly MAX_CONFIG_BYTES', () => {
    const s = `{"a":"${'x'.repeat(MAX_CONFIG_BYTES - 8)}"}`;
    assert.equal(Buffer.byteLength(s), MAX_CONFIG_BYTES);
    assert.ok(decodeJsonObject(s).ok);
    assert.equal(decodeJsonObject(`${s} `).ok, false);
  });
  it('counts bytes, not characters', () => {
    const s = `{"a":"${'é'.repeat(MAX_CONFIG_BYTES / 2)}"}`;
    assert.ok(s.length < MAX_CONFIG_BYTES);
    assert.equal(decodeJsonObject(s).ok, false);
  });
  it('survives deep nesting', () => {
    const deep = `{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    assert.doesNotThrow(() => decodeJsonObject(deep));
  });
});

describe('checkCommandConfig', () => {
  const conf = (over: Partial<NetConf> = {}): NetConf => ({ cniVersion: '1.1.0', name: 'n', type: 't', daemonSocket: '/s', timeoutMs: 1, ...over });
  const cases: { name: string; command: CniCommand; conf: NetConf; code?: number }[] = [
    { name: 'ADD under 1.0.0', command: 'ADD', conf: conf({ cniVersion: '1.0.0' }) },
    { name: 'STATUS under 1.1.0', command: 'STATUS', conf: conf() },
    { name: 'STATUS under 1.0.0', command: 'STATUS', conf: conf({ cniVersion: '1.0.0' }), code: CNI_ERR.INCOMPATIBLE_VERSION },
    { name: 'GC under 1.0.0', command: 'GC', conf: conf({ cniVersion: '1.0.0', validAttachments: [] }), code: CNI_ERR.INCOMPATIBLE_VERSION },
    { name: 'GC without valid attachments', command: 'GC', conf: conf(), code: CNI_ERR.INVALID_CONFIG },
    { name: 'GC with an empty list', command: 'GC', conf: conf({ validAttachments: [] }) },
    { name: 'CHECK without prevResult', command: 'CHECK', conf: conf(), code: CNI_ERR.INVALID_CONFIG },
    { name: 'CHECK with prevResult', command: 'CHECK', conf: conf({ prevResult: {} }) },
    { name: 'DEL without prevResult', command: 'DEL', conf: conf() },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = checkCommandConfig(c.command, c.conf);
      if (c.code === undefined) assert.ok(r.ok);
      else assert.equal(r.ok ? 0 : r.error.code, c.code);
    });
  }
});
