import { ValidationError } from '../lib/errors.js';
import type { ConfigOf, Schema } from './schema.js';

/** stackube-node's options. Every option has a type, a default or `required`, and help. */
export const nodeSchema = {
  kubeconfig: { type: 'string', help: 'kubeconfig of the node daemon (empty = in-cluster service account); it only lists and watches the pods of this node' },
  cloudsFile: { type: 'string', help: 'clouds.yaml with the credentials the daemon reads Neutron port status with (read access to the pods\' ports is enough)' },
  cloud: { type: 'string', help: 'cloud name in clouds.yaml (default: OS_CLOUD, else OS_* variables)' },
  nodeName: { type: 'string', help: 'this node\'s Kubernetes name: only pods with spec.nodeName=<nodeName> are watched (default: the hostname)' },
  socket: { type: 'string', default: '/run/stackube/cni.sock', help: 'unix socket the stackube-cni plugin calls (mode 0600; a stale socket file is replaced at start)' },
  stateDir: { type: 'string', default: '/var/lib/stackube/node', help: 'directory for one state file per pod sandbox (containers/<containerID>.json), so that DEL and restart reconciliation know what was created' },
  bindingDriver: { type: 'string', default: 'linuxbridge', oneOf: ['linuxbridge', 'ovs'], help: 'Neutron L2 binding of the host end when the port\'s binding:vif_type does not say: linuxbridge (tap in brq<net>) or ovs (br-int with iface-id)' },
  ovsBridge: { type: 'string', default: 'br-int', help: 'OVS integration bridge (ovs binding)' },
  portActiveTimeout: { type: 'duration', default: '20s', help: 'how long ADD waits for Neutron to report the port ACTIVE (the agent has wired it and installed its security groups) before it fails and undoes the plumbing' },
  addTimeout: { type: 'duration', default: '30s', help: 'deadline of one CNI request: ADD waits this long for the pod\'s VIF annotation and the port (also capped below the plugin\'s timeoutMs)' },
  listenAddress: { type: 'string', default: '127.0.0.1:9444', help: 'host:port for /healthz, /readyz and /metrics (plain HTTP)' },
  logLevel: { type: 'string', default: 'info', oneOf: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'], help: 'log level' },
} as const satisfies Schema;

/** The loaded stackube-node configuration. */
export type NodeConfig = ConfigOf<typeof nodeSchema>;
/** Environment variable prefix: STACKUBE_NODE_SOCKET, STACKUBE_NODE_PORT_ACTIVE_TIMEOUT, … */
export const NODE_ENV_PREFIX = 'STACKUBE_NODE_';

// sockaddr_un.sun_path is 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH_BYTES = 107;
// A Kubernetes node name is a DNS subdomain.
const NODE_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Checks what the schema cannot: absolute paths that fit a unix socket address, a node name that is a DNS
 * subdomain, and sane timeouts. Throws one ValidationError listing every problem. Pure.
 */
export function validateNodeConfig(cfg: NodeConfig & { nodeName: string }): void {
  const problems: string[] = [];
  if (!cfg.socket.startsWith('/')) problems.push(`socket: "${cfg.socket}" is not an absolute path`);
  else if (Buffer.byteLength(cfg.socket, 'utf8') > MAX_SOCKET_PATH_BYTES) problems.push(`socket: longer than ${MAX_SOCKET_PATH_BYTES} bytes (a unix socket address cannot hold it)`);
  if (!cfg.stateDir.startsWith('/')) problems.push(`stateDir: "${cfg.stateDir}" is not an absolute path`);
  if (cfg.nodeName.length > 253 || !NODE_NAME_RE.test(cfg.nodeName)) problems.push(`nodeName: "${cfg.nodeName}" is not a Kubernetes node name (a lower-case DNS subdomain); set --node-name`);
  if (cfg.addTimeout < 1000) problems.push(`addTimeout: ${cfg.addTimeout} ms is below the minimum 1s`);
  if (cfg.portActiveTimeout < 200) problems.push(`portActiveTimeout: ${cfg.portActiveTimeout} ms is below the minimum 200ms`);
  if (problems.length > 0) throw new ValidationError(`invalid configuration:\n  - ${problems.join('\n  - ')}`, { problems });
}
