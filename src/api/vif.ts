// The VIF of a tenant pod: the Neutron port the controller reserved for it, recorded on the Pod as the JSON
// annotation stackube.kubernetes.io/vif. stackube-node reads it at CNI ADD and plugs the pod into that port.
import { GROUP } from './constants.js';

/** Annotation on a Pod holding its VifAnnotation as JSON (written by stackube-controller only). */
export const ANNOTATION_VIF = `${GROUP}/vif`;
/** Optional annotation on a Pod naming the Network (in its namespace, or "namespace/name") it is plugged into. */
export const ANNOTATION_NETWORK = `${GROUP}/network`;
/** Neutron device_owner of the ports Stackube creates for pods (a `compute:` owner, as Nova's, so ML2 binds them). */
export const POD_PORT_DEVICE_OWNER = 'compute:stackube';

/** What stackube-node needs to plug a pod into its Neutron port. Versioned so that the format can evolve. */
export interface VifAnnotation {
  v: 1;
  portID: string;
  networkID: string;
  subnetID: string;
  /** The port's MAC address (lower case, colon separated). */
  mac: string;
  /** The pod's IPv4 address. */
  ip: string;
  /** Prefix length of the subnet (e.g. 16). */
  prefixLength: number;
  /** The subnet's gateway, the pod's default route; absent when the subnet has none. */
  gateway?: string;
  mtu: number;
  /** Neutron's binding:vif_type once bound ("bridge" for linuxbridge, "ovs" for Open vSwitch); "unbound" before. */
  vifType: string;
  /** DNS servers of the subnet. */
  dnsNameservers: string[];
}

/** Parses a VIF annotation; undefined when absent or malformed (the controller rewrites it). Pure. */
export function parseVif(text: string | undefined): VifAnnotation | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as Partial<VifAnnotation>;
    const str = (x: unknown): x is string => typeof x === 'string' && x !== '';
    if (v.v !== 1 || !str(v.portID) || !str(v.networkID) || !str(v.subnetID) || !str(v.mac) || !str(v.ip)) return undefined;
    if (typeof v.prefixLength !== 'number' || typeof v.mtu !== 'number' || !str(v.vifType)) return undefined;
    if (v.gateway !== undefined && !str(v.gateway)) return undefined;
    if (!Array.isArray(v.dnsNameservers) || !v.dnsNameservers.every(str)) return undefined;
    return v as VifAnnotation;
  } catch {
    return undefined;
  }
}
