import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { splitHostPort } from './host-port.js';
import { ValidationError } from './errors.js';

describe('splitHostPort', () => {
  const good: [string, [string, number]][] = [['127.0.0.1:8443', ['127.0.0.1', 8443]], [':80', ['0.0.0.0', 80]], ['[::1]:9443', ['::1', 9443]], ['localhost:0', ['localhost', 0]]];
  for (const [input, want] of good) it(`parses ${input}`, () => assert.deepEqual(splitHostPort(input), want));
  for (const bad of ['8443', 'host:', 'host:http', 'host:70000', 'host:-1', 'host:1.5']) {
    it(`refuses ${bad}`, () => assert.throws(() => splitHostPort(bad), (e: unknown) => e instanceof ValidationError && e.message.includes(bad)));
  }
});
