// The daemon does not trust the body it is sent: anything that can connect to the socket (root only, mode 0600)
// could send it. Every field that ends up in a command line or a file name is checked again, with the plugin's rules.
import { VALID_ATTACHMENTS_KEY, isJsonObject, validateConfigObject } from '../spec/config.js';
import { containerIdProblem, ifNameProblem, netnsProblem, podFromArgs } from '../spec/env.js';
import { CNI_ERR, clip, invalid, type Validation } from '../spec/errors.js';
import type { DaemonRequest } from '../spec/protocol.js';
import { CNI_COMMANDS, type DaemonCommand, type PodRef } from '../spec/types.js';

const DAEMON_COMMANDS: readonly string[] = CNI_COMMANDS.filter((c) => c !== 'VERSION');
const ATTACHMENT_COMMANDS: ReadonlySet<string> = new Set(['ADD', 'DEL', 'CHECK']);

function bad(details: string): Validation<DaemonRequest> {
  return invalid(CNI_ERR.DECODE_FAILURE, 'stackube-node received an invalid request', clip(details, 1000));
}

/**
 * Parses and re-validates a DaemonRequest body. Pure and total. Failures are code 6 (a malformed request: a plugin
 * and daemon of different versions, or not our plugin), or the config validator's own code.
 */
export function parseDaemonRequest(body: string): Validation<DaemonRequest> {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch (e) {
    return bad(`body is not JSON: ${(e as Error).message}`);
  }
  if (!isJsonObject(v)) return bad('body is not a JSON object');
  const command = v['command'];
  if (typeof command !== 'string' || !DAEMON_COMMANDS.includes(command)) return bad(`command must be one of ${DAEMON_COMMANDS.join(', ')}`);
  const [containerId, netns, ifName] = [v['containerId'], v['netns'], v['ifName']];
  if (typeof containerId !== 'string' || typeof netns !== 'string' || typeof ifName !== 'string') return bad('containerId, netns and ifName must be strings');
  const args = v['args'] ?? {};
  if (!isJsonObject(args) || !Object.values(args).every((a) => typeof a === 'string')) return bad('args must be an object of strings');
  if (ATTACHMENT_COMMANDS.has(command)) {
    const problems = [
      ['containerId', containerIdProblem(containerId)],
      ['ifName', ifNameProblem(ifName)],
      ['netns', netns === '' && command === 'DEL' ? undefined : netnsProblem(netns)],
    ].filter(([, why]) => why !== undefined);
    if (problems.length > 0) return invalid(CNI_ERR.INVALID_ENV, 'invalid CNI environment', problems.map(([k, why]) => `${String(k)} ${String(why)}`).join('; '));
  }
  const rawConfig = v['config'];
  if (!isJsonObject(rawConfig)) return bad('config must be an object');
  // The plugin sends its parsed NetConf, in which the GC list is `validAttachments`; the validator reads the wire key.
  const forValidator = rawConfig['validAttachments'] === undefined ? rawConfig : { ...rawConfig, [VALID_ATTACHMENTS_KEY]: rawConfig['validAttachments'] };
  const config = validateConfigObject(forValidator);
  if (!config.ok) return config;
  const req: DaemonRequest = { command: command as DaemonCommand, containerId, netns, ifName, args: args as Record<string, string>, config: config.value };
  const pod = parsePod(v['pod']) ?? podFromArgs(req.args);
  if (pod !== undefined) req.pod = pod;
  return { ok: true, value: req };
}

function parsePod(v: unknown): PodRef | undefined {
  if (!isJsonObject(v) || typeof v['namespace'] !== 'string' || typeof v['name'] !== 'string' || v['namespace'] === '' || v['name'] === '') return undefined;
  const pod: PodRef = { namespace: v['namespace'], name: v['name'] };
  if (typeof v['uid'] === 'string' && v['uid'] !== '') pod.uid = v['uid'];
  if (typeof v['infraContainerId'] === 'string' && v['infraContainerId'] !== '') pod.infraContainerId = v['infraContainerId'];
  return pod;
}
