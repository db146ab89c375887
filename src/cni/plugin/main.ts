/**
 * The stackube-cni plugin: validates the CNI_* environment and the config on stdin, answers VERSION itself and
 * forwards every other verb to stackube-node over its unix socket. Success: the result (ADD only) on stdout, exit 0.
 * Failure: a CNI error object on stdout, one human line on stderr, exit 1. It never hangs: stdin has a size cap and
 * a timeout, the daemon call has the config's deadline, and a watchdog bounds the whole run.
 * Imports only cni/spec, lib and node builtins, so that it starts fast.
 */
import { appendFile } from 'node:fs/promises';
import { describeError } from '../../lib/errors.js';
import { CNI_ERR, clip, cniError, type CniErrorObject } from '../spec/errors.js';
import { MAX_CONFIG_BYTES, checkCommandConfig, decodeJsonObject, parseConfig } from '../spec/config.js';
import { parseEnv, type EnvMap } from '../spec/env.js';
import type { DaemonRequest } from '../spec/protocol.js';
import { resultForVersion } from '../spec/result.js';
import type { CniEnv, DaemonCommand, NetConf, VersionResult } from '../spec/types.js';
import { LATEST_VERSION, SUPPORTED_VERSIONS, looksLikeVersion } from '../spec/version.js';
import { interpretOutcome } from './outcome.js';
import { readStdin, type StdinSource } from './stdin.js';
import type { DaemonTransport } from './transport.js';

/** How long the runtime gets to deliver and close stdin. */
export const STDIN_TIMEOUT_MS = 10_000;
/** Slack on top of each stage's own deadline before the watchdog ends the run. */
export const DEADLINE_GRACE_MS = 2_000;
/** Longest a log-file append may take before we give up on it. */
const LOG_TIMEOUT_MS = 1_000;

/** Everything the plugin touches, injected so that tests run it in-process. */
export interface PluginIo {
  env: EnvMap;
  stdin: StdinSource;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Called exactly once, with 0 or 1. */
  exit: (code: number) => void;
  /** Default: HTTP over the config's unix socket. */
  transport?: DaemonTransport;
  /** Default: fs appendFile (mode 0600). */
  appendLog?: (path: string, line: string) => Promise<void>;
  stdinTimeoutMs?: number;
  graceMs?: number;
  now?: () => number;
}

/**
 * Runs one CNI invocation and calls io.exit once with its exit code (also returned). Never rejects: an unexpected
 * exception becomes CNI error 103, a run past its deadline becomes 101.
 */
export async function main(io: PluginIo): Promise<number> {
  const code = await new Invocation(io).execute();
  io.exit(code);
  return code;
}

/** A re-armable deadline: `expired` resolves when the current deadline passes. */
class Watchdog {
  private timer: NodeJS.Timeout | undefined;
  private fire: (ms: number) => void = () => undefined;
  private armedMs = 0;
  readonly expired = new Promise<number>((resolve) => (this.fire = resolve));

  arm(ms: number): void {
    this.stop();
    this.armedMs = ms;
    this.timer = setTimeout(() => this.fire(this.armedMs), ms);
  }
  stop(): void {
    clearTimeout(this.timer);
  }
}

class Invocation {
  private done = false;
  private cniVersion: string = LATEST_VERSION;
  private env: CniEnv | undefined;
  private lastError: CniErrorObject | undefined;
  private readonly started: number;
  private readonly now: () => number;

  constructor(private readonly io: PluginIo) {
    this.now = io.now ?? Date.now;
    this.started = this.now();
  }

  async execute(): Promise<number> {
    const grace = this.io.graceMs ?? DEADLINE_GRACE_MS;
    const watchdog = new Watchdog();
    watchdog.arm((this.io.stdinTimeoutMs ?? STDIN_TIMEOUT_MS) + grace);
    const expired = watchdog.expired.then((ms) => this.fail(cniError(CNI_ERR.DAEMON_TIMEOUT, `stackube-cni did not finish within ${ms} ms`)));
    try {
      return await Promise.race([this.run((ms) => watchdog.arm(ms + grace)), expired]);
    } catch (e) {
      return this.fail(cniError(CNI_ERR.PLUGIN_INTERNAL, 'stackube-cni internal error', describeError(e)));
    } finally {
      watchdog.stop();
    }
  }

  private async run(rearm: (ms: number) => void): Promise<number> {
    const env = parseEnv(this.io.env);
    if (!env.ok) return this.fail(env.error);
    this.env = env.value;
    const stdin = await readStdin(this.io.stdin, { maxBytes: MAX_CONFIG_BYTES, timeoutMs: this.io.stdinTimeoutMs ?? STDIN_TIMEOUT_MS });
    const command = env.value.command;
    if (command === 'VERSION') return this.succeed(`${JSON.stringify(versionResult(stdin.ok ? stdin.value : undefined))}\n`);
    if (!stdin.ok) return this.fail(stdin.error);
    const parsed = parseConfig(stdin.value);
    if (!parsed.ok) return this.fail(parsed.error);
    this.cniVersion = parsed.value.cniVersion;
    const checked = checkCommandConfig(command, parsed.value);
    if (!checked.ok) return this.fail(checked.error);
    const conf = checked.value;
    rearm(conf.timeoutMs);
    const code = await this.callDaemon(command, env.value, conf);
    await this.log(conf, code);
    return code;
  }

  private async callDaemon(command: DaemonCommand, env: CniEnv, conf: NetConf): Promise<number> {
    const request: DaemonRequest = { command, containerId: env.containerId, netns: env.netns, ifName: env.ifName, args: env.args, config: conf };
    if (env.pod !== undefined) request.pod = env.pod;
    // Loaded only here: node:http is the plugin's heaviest import, and VERSION or a validation error never needs it.
    const transport = this.io.transport ?? (await import('./transport.js')).unixSocketTransport;
    const outcome = await transport({ socketPath: conf.daemonSocket, body: JSON.stringify(request), timeoutMs: conf.timeoutMs });
    const res = interpretOutcome({ command, socketPath: conf.daemonSocket, timeoutMs: conf.timeoutMs }, outcome);
    if (!res.ok) return this.fail(res.error);
    // Only ADD prints a result; CHECK, DEL, STATUS and GC print nothing on success (spec section 2).
    return this.succeed(command === 'ADD' && res.value !== undefined ? `${JSON.stringify(resultForVersion(res.value, conf.cniVersion))}\n` : '');
  }

  private succeed(stdout: string): number {
    if (this.done) return 0;
    this.done = true;
    if (stdout !== '') this.io.stdout(stdout);
    return 0;
  }

  /** Prints the error object (first outcome wins) and returns exit code 1. */
  private fail(error: CniErrorObject): number {
    if (this.done) return 1;
    this.done = true;
    this.lastError = error;
    this.io.stdout(`${JSON.stringify({ ...error, cniVersion: this.cniVersion })}\n`);
    const who = this.env === undefined ? '' : ` ${this.env.command}${this.env.containerId === '' ? '' : ` ${this.env.containerId}/${this.env.ifName}`}`;
    const details = error.details === undefined ? '' : `: ${error.details}`;
    this.io.stderr(`${oneLine(`stackube-cni${who}: ${error.msg} [code ${error.code}]${details}`)}\n`);
    return 1;
  }

  /** Appends one pino-shaped JSON line to conf.logFile, if set. Best effort and bounded: never fails the call. */
  private async log(conf: NetConf, code: number): Promise<void> {
    if (conf.logFile === undefined || this.env === undefined) return;
    const e = this.env;
    const entry: Record<string, unknown> = {
      level: code === 0 ? 30 : 50,
      time: this.now(),
      name: 'stackube-cni',
      msg: code === 0 ? 'cni call succeeded' : 'cni call failed',
      command: e.command,
      containerId: e.containerId,
      ifName: e.ifName,
      netns: e.netns,
      durationMs: this.now() - this.started,
    };
    if (e.pod !== undefined) entry['pod'] = `${e.pod.namespace}/${e.pod.name}`;
    if (code !== 0 && this.lastError !== undefined) entry['err'] = { code: this.lastError.code, msg: this.lastError.msg };
    const write = (this.io.appendLog ?? defaultAppendLog)(conf.logFile, `${JSON.stringify(entry)}\n`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer within ${LOG_TIMEOUT_MS} ms`), LOG_TIMEOUT_MS)));
    const problem = await Promise.race([write.then(() => undefined, (err: unknown) => describeError(err)), timeout]);
    clearTimeout(timer);
    if (problem !== undefined) this.io.stderr(`${oneLine(`stackube-cni: cannot append to log file ${conf.logFile}: ${problem}`)}\n`);
  }
}

/** The VERSION answer: echoes the input's cniVersion if it looks like one (spec 1.1), else our latest. Pure. */
export function versionResult(stdin: Buffer | undefined): VersionResult {
  let cniVersion: string = LATEST_VERSION;
  if (stdin !== undefined) {
    const obj = decodeJsonObject(stdin);
    if (obj.ok && looksLikeVersion(obj.value['cniVersion'])) cniVersion = obj.value['cniVersion'];
  }
  return { cniVersion, supportedVersions: [...SUPPORTED_VERSIONS] };
}

function defaultAppendLog(path: string, line: string): Promise<void> {
  return appendFile(path, line, { mode: 0o600 });
}

function oneLine(text: string): string {
  return clip(text.replace(/[\r\n]+/g, ' '), 2000);
}
