import type { CniVersion } from './version.js';

/** The CNI verbs (CNI_COMMAND). STATUS and GC exist from spec 1.1.0 on. */
export const CNI_COMMANDS = ['ADD', 'DEL', 'CHECK', 'STATUS', 'VERSION', 'GC'] as const;

/** One of CNI_COMMANDS. */
export type CniCommand = (typeof CNI_COMMANDS)[number];

/** Every verb except VERSION, which the plugin answers itself: these are forwarded to stackube-node. */
export type DaemonCommand = Exclude<CniCommand, 'VERSION'>;

/** One still-valid attachment in a GC request (`cni.dev/valid-attachments`). */
export interface ValidAttachment {
  containerID: string;
  ifname: string;
}

/**
 * The network configuration the runtime pipes to the plugin on stdin, after validation and defaults.
 * Unknown keys are ignored (the spec lets runtimes add `cni.dev/…` keys).
 */
export interface NetConf {
  cniVersion: CniVersion;
  /** Network name, `^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`. */
  name: string;
  /** The plugin binary's name (normally `stackube-cni`). */
  type: string;
  /** stackube-node's unix socket (absolute path). Default `/run/stackube/cni.sock`. */
  daemonSocket: string;
  /** Deadline for the whole daemon call, in ms. Default 60000. */
  timeoutMs: number;
  /** If set, the plugin appends one JSON line per invocation here (best effort). */
  logFile?: string;
  /** The previous ADD result (DEL, CHECK, chained ADD). Opaque to the plugin: the daemon interprets it. */
  prevResult?: Record<string, unknown>;
  /** Capability arguments from the runtime (e.g. portMappings). Opaque to the plugin. */
  runtimeConfig?: Record<string, unknown>;
  /** GC only: attachments that must survive (from the `cni.dev/valid-attachments` key). */
  validAttachments?: ValidAttachment[];
}

/** An interface in a Result. */
export interface CniInterface {
  name: string;
  mac: string;
  mtu?: number;
  /** The netns path for interfaces inside the container; absent for host interfaces. */
  sandbox?: string;
  /** 1.1.0 only. */
  socketPath?: string;
  /** 1.1.0 only. */
  pciID?: string;
}

/** An address in a Result. */
export interface CniIpConfig {
  /** CIDR notation, e.g. `10.0.0.5/24` or `fd00::5/64`. */
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
}

/** A route in a Result. The fields after `gw` are 1.1.0 only. */
export interface CniRoute {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

/** DNS settings in a Result. */
export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** The ADD success result (spec 1.0/1.1 "ADD Success"). */
export interface Result {
  cniVersion: string;
  interfaces: CniInterface[];
  ips: CniIpConfig[];
  routes: CniRoute[];
  dns: CniDns;
}

/** The VERSION output. */
export interface VersionResult {
  cniVersion: string;
  supportedVersions: string[];
}

/** The Kubernetes pod named by CNI_ARGS (K8S_POD_*), when the runtime is a kubelet. */
export interface PodRef {
  namespace: string;
  name: string;
  uid?: string;
  infraContainerId?: string;
}

/** The validated CNI_* environment. Fields a command does not use are empty strings / empty collections. */
export interface CniEnv {
  command: CniCommand;
  containerId: string;
  netns: string;
  ifName: string;
  /** CNI_ARGS as key → value. */
  args: Record<string, string>;
  pod?: PodRef;
  /** CNI_PATH split on ':'. */
  path: string[];
}
