import { CNI_ERR, clip, cniError, type CniErrorObject, type Validation } from '../spec/errors.js';
import { isJsonObject } from '../spec/config.js';
import { parseDaemonResponse } from '../spec/protocol.js';
import type { DaemonCommand, Result } from '../spec/types.js';
import type { DaemonOutcome } from './transport.js';

/** Context for messages. */
export interface OutcomeContext {
  command: DaemonCommand;
  socketPath: string;
  timeoutMs: number;
}

/**
 * Maps how the daemon call ended to what the plugin reports. Pure and total.
 * - 200: the daemon's result or its own error (parseDaemonResponse).
 * - 503: code 11, try again later (the daemon is up but not ready).
 * - other HTTP status, broken exchange: code 102.
 * - socket unreachable: code 100; deadline: code 101.
 * STATUS reports every "cannot serve" case as code 50 (the spec's STATUS code), unless the daemon itself answered
 * with an error object, which passes through (it may say 51).
 *
 * DEL is not special-cased: if the daemon cannot be reached we fail DEL (100/101) instead of claiming success.
 * Claiming success would let the runtime forget the sandbox while the host veth and the Neutron port binding stay
 * behind; failing makes kubelet/containerd retry DEL until stackube-node (a DaemonSet) is back, and the daemon's
 * DEL is idempotent, so the retry is safe.
 */
export function interpretOutcome(ctx: OutcomeContext, o: DaemonOutcome): Validation<Result | undefined> {
  const fail = (e: CniErrorObject): Validation<Result | undefined> =>
    ({ ok: false, error: ctx.command === 'STATUS' ? cniError(CNI_ERR.NOT_AVAILABLE, `stackube-cni is not available: ${e.msg}`, e.details) : e });
  switch (o.kind) {
    case 'unreachable':
      return fail(cniError(CNI_ERR.DAEMON_UNREACHABLE, `stackube-node is not running (${o.reason})`, `socket ${ctx.socketPath}`));
    case 'timeout':
      return fail(cniError(CNI_ERR.DAEMON_TIMEOUT, `stackube-node did not answer within ${ctx.timeoutMs} ms`, `socket ${ctx.socketPath}`));
    case 'failed':
      return fail(cniError(CNI_ERR.DAEMON_ERROR, `stackube-node call failed (${o.reason})`, `socket ${ctx.socketPath}`));
    case 'response':
      if (o.status === 200) return parseDaemonResponse(ctx.command, o.body);
      if (o.status === 503) return fail(cniError(CNI_ERR.TRY_AGAIN_LATER, 'stackube-node is not ready; try again later', daemonMessage(o.body)));
      return fail(cniError(CNI_ERR.DAEMON_ERROR, `stackube-node answered HTTP ${o.status}`, daemonMessage(o.body)));
  }
}

/** The daemon's `error.msg` if the body carries one, else the start of the body. */
function daemonMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (isJsonObject(parsed) && isJsonObject(parsed['error']) && typeof parsed['error']['msg'] === 'string') return clip(parsed['error']['msg'], 1024);
  } catch {
    // Not JSON (a proxy's or a crashed handler's text): show the raw start of the body instead.
    return clip(body, 200);
  }
  return clip(body, 200);
}
