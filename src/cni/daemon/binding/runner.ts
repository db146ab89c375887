// Running host commands (ip, ovs-vsctl, sysctl) behind a small interface, so drivers can be tested with a
// recording fake, plus the few iproute2 queries both drivers share.
import { execFile } from 'node:child_process';
import { AppError } from '../../../lib/errors.js';

/** What a finished command printed and its exit code. */
export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs one command without a shell. */
export interface Runner {
  /** Resolves with the exit code, whatever it is; rejects with NodeCommandError only when the command could not run or finish (missing binary, timeout, killed). */
  run(cmd: string, args: readonly string[]): Promise<RunResult>;
}

/** A host command that failed: could not start, timed out, or exited non-zero where that is an error. Retrying may help. */
export class NodeCommandError extends AppError {
  constructor(cmd: string, args: readonly string[], how: { code?: number; stderr?: string; reason?: string; cause?: unknown }) {
    const stderr = (how.stderr ?? '').trim();
    const what = how.reason ?? `exited with code ${String(how.code)}`;
    super('STACKUBE_ERR_NODE_COMMAND', `${[cmd, ...args].join(' ')}: ${what}${stderr ? `: ${stderr}` : ''}`, {
      cause: how.cause,
      details: { command: cmd, args: [...args], ...(how.code === undefined ? {} : { exitCode: how.code }), stderr, ...(how.reason === undefined ? {} : { reason: how.reason }) },
    });
  }
}

/** Options of `execFileRunner`. */
export interface ExecFileRunnerOptions {
  /** Kill (SIGKILL) a command that runs longer than this; default 30 s. */
  timeoutMs?: number;
}

/** A Runner on `child_process.execFile` (no shell, inherited environment). Never rejects for a non-zero exit. */
export function execFileRunner(opts: ExecFileRunnerOptions = {}): Runner {
  const timeout = opts.timeoutMs ?? 30_000;
  return {
    run: (cmd, args) =>
      new Promise((resolve, reject) => {
        execFile(cmd, args, { timeout, killSignal: 'SIGKILL', maxBuffer: 16 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
          if (err === null) {
            resolve({ stdout, stderr, code: 0 });
            return;
          }
          const e = err as NodeJS.ErrnoException & { code?: unknown; killed?: boolean; signal?: NodeJS.Signals | null };
          if (typeof e.code === 'number') {
            resolve({ stdout, stderr, code: e.code });
            return;
          }
          const reason = e.killed === true ? `timed out after ${String(timeout)} ms` : e.signal ? `killed by ${e.signal}` : `could not run (${String(e.code ?? e.message)})`;
          reject(new NodeCommandError(cmd, args, { stderr, reason, cause: err }));
        });
      }),
  };
}

/** Runs a command and returns its stdout; rejects with NodeCommandError (command, exit code, stderr) unless it exits 0. */
export async function mustRun(runner: Runner, cmd: string, args: readonly string[]): Promise<string> {
  const r = await runner.run(cmd, args);
  if (r.code !== 0) throw new NodeCommandError(cmd, args, { code: r.code, stderr: r.stderr });
  return r.stdout;
}

/** What `ip -json link show` says about one link (the fields the drivers use). */
export interface IpLink {
  ifname: string;
  flags: string[];
  mtu: number;
  /** The bridge (or bond) the link is enslaved to, if any. */
  master?: string;
  operstate?: string;
  address?: string;
}

/** iproute2's messages for a link that does not exist (`show` says the first, `set`/`del` the second). Never throws. */
export function isNoSuchDevice(stderr: string): boolean {
  return /does not exist|Cannot find device/.test(stderr);
}

/** `ip -json link show dev <name>`: the link, or undefined when there is none. Rejects with NodeCommandError on any other failure. */
export async function getLink(runner: Runner, name: string): Promise<IpLink | undefined> {
  const args = ['-json', 'link', 'show', 'dev', name];
  const r = await runner.run('ip', args);
  if (r.code !== 0) {
    if (isNoSuchDevice(r.stderr)) return undefined;
    throw new NodeCommandError('ip', args, { code: r.code, stderr: r.stderr });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout);
  } catch (e) {
    throw new NodeCommandError('ip', args, { code: 0, reason: 'printed invalid JSON', cause: e });
  }
  const link = Array.isArray(parsed) ? (parsed[0] as Partial<IpLink> | undefined) : undefined;
  if (!link || typeof link.ifname !== 'string' || !Array.isArray(link.flags) || typeof link.mtu !== 'number') {
    throw new NodeCommandError('ip', args, { code: 0, reason: 'printed no link' });
  }
  return link as IpLink;
}

/** True when the link is administratively up (`ip link set … up`), whatever its carrier. Never throws. */
export function isAdminUp(link: IpLink): boolean {
  return link.flags.includes('UP');
}

/**
 * Runs an `ip` command that acts on a link; resolves true when it did, false when the link does not exist.
 * Rejects with NodeCommandError on any other failure.
 */
export async function ipOnLink(runner: Runner, args: readonly string[]): Promise<boolean> {
  const r = await runner.run('ip', args);
  if (r.code === 0) return true;
  if (isNoSuchDevice(r.stderr)) return false;
  throw new NodeCommandError('ip', args, { code: r.code, stderr: r.stderr });
}
