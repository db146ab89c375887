import { ValidationError, describeError } from '../lib/errors.js';
import { OpenStackError } from '../openstack/core/errors.js';
import { EXIT } from './exit-codes.js';

/** The one place CLI errors become an exit code, a message and a suggestion. Never prints secrets. */
export function cliFailure(e: unknown): { code: number; message: string } {
  if (e instanceof ValidationError) return { code: EXIT.USAGE, message: `${e.message}\nhint: run with --help for usage` };
  if (e instanceof OpenStackError) {
    if (e.status === 401) {
      return { code: EXIT.AUTH_REFUSED, message: `Keystone refused the credentials (${e.message})\nhint: check the user, password or application credential in your clouds.yaml / OS_* variables` };
    }
    if (e.status === 0) {
      return { code: EXIT.UNREACHABLE, message: `${e.message}\nhint: is Keystone running and is auth_url right?` };
    }
    return { code: EXIT.FAILURE, message: e.message };
  }
  return { code: EXIT.FAILURE, message: describeError(e) };
}
