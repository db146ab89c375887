// stackube-node's errors and the one place where any error becomes a CNI error object (CONVENTIONS: each binary
// maps errors to its protocol in exactly one place).
import { AppError, ValidationError, describeError } from '../../lib/errors.js';
import { OpenStackError } from '../../openstack/core/errors.js';
import { CNI_ERR, clip, cniError, type CniErrorObject } from '../spec/errors.js';
import { NodeCommandError } from './binding/runner.js';

/** A CNI outcome the daemon decided on, with the CNI code the runtime should see. */
export class CniFailure extends AppError {
  constructor(readonly cniCode: number, message: string, opts: { details?: string; cause?: unknown } = {}) {
    super('STACKUBE_ERR_NODE_CNI', message, { cause: opts.cause, details: { cniCode, ...(opts.details === undefined ? {} : { cniDetails: opts.details }) } });
  }

  /** Text for the CNI error's `details`, if any. */
  get cniDetails(): string | undefined {
    const d = this.details['cniDetails'];
    return typeof d === 'string' ? d : undefined;
  }
}

/** The request's deadline passed (or the caller went away) while the daemon was working or waiting. */
export class DeadlineError extends AppError {
  constructor(what: string, cause?: unknown) {
    super('STACKUBE_ERR_NODE_DEADLINE', `deadline exceeded while ${what}`, { cause });
  }
}

/** True for an OpenStack failure that may pass by itself: unreachable, or a 5xx. Never throws. */
export function isTransientOpenStack(e: unknown): boolean {
  return e instanceof OpenStackError && (e.status === 0 || e.status >= 500);
}

/**
 * Maps anything thrown while serving a CNI request to the CNI error object to answer with. Total, never throws.
 * - CniFailure: its own code;
 * - DeadlineError: 11 (try again later);
 * - OpenStackError: 11 when transient (unreachable, 5xx), else 102 with Neutron's message;
 * - NodeCommandError (ip, nsenter, ovs-vsctl), ValidationError (a VIF we cannot use) and anything else: 102.
 */
export function toCniError(e: unknown): CniErrorObject {
  if (e instanceof CniFailure) return cniError(e.cniCode, clip(e.message, 1024), e.cniDetails === undefined ? undefined : clip(e.cniDetails, 4096));
  if (e instanceof DeadlineError) return cniError(CNI_ERR.TRY_AGAIN_LATER, clip(e.message, 1024), causeText(e));
  if (e instanceof OpenStackError) {
    const code = isTransientOpenStack(e) ? CNI_ERR.TRY_AGAIN_LATER : CNI_ERR.DAEMON_ERROR;
    return cniError(code, clip(`Neutron: ${e.message}`, 1024));
  }
  if (e instanceof NodeCommandError) return cniError(CNI_ERR.DAEMON_ERROR, 'stackube-node could not configure the host network', clip(e.message, 4096));
  if (e instanceof ValidationError) return cniError(CNI_ERR.DAEMON_ERROR, clip(e.message, 1024));
  return cniError(CNI_ERR.DAEMON_ERROR, 'stackube-node internal error', clip(describeError(e), 4096));
}

function causeText(e: Error): string | undefined {
  const cause = (e as { cause?: unknown }).cause;
  return cause === undefined ? undefined : clip(describeError(cause), 4096);
}
