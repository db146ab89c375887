// The Tenant and Network CustomResourceDefinitions, declared with the openapi.ts builder and rendered to the YAML
// committed in deploy/crds (`npm run gen:crds`; a unit test fails when the two drift apart).
//
// Validation lives in the schema wherever the apiserver can decide alone (formats, enums, bounds, CEL rules that
// compare fields of one object); what needs OpenStack (does the project exist? is the CIDR free?) is the
// controller's, reported as Ready=False with a reason. CEL's IP/CIDR and quantity libraries need kube-apiserver
// 1.31 or newer (ADR 0005).
import { stringify } from 'yaml';
import { CATEGORY, GROUP, SYSTEM_NAMESPACE, VERSION } from './constants.js';
import { NETWORK_KIND, NETWORK_PLURAL, NETWORK_STATES, type NetworkSpec, type NetworkStatus } from './network.js';
import {
  array, dateTime, enumeration, exactly, integer, intOrString, map, object, string,
  type AnySchema, type JSONSchemaProps, type Schema, type ValidationRule,
} from './openapi.js';
import {
  ISOLATION_MODES, OWNER_KINDS, OWNER_ROLES, SERVICE_TYPES, TENANT_KIND, TENANT_PHASES, TENANT_PLURAL,
  type TenantSpec, type TenantStatus,
} from './tenant.js';
import type { Condition } from './meta.js';

// ---------------------------------------------------------------- patterns (RE2 and JavaScript alike)

/** A DNS-1123 label: namespace names, Tenant and Network names (at most 63 characters). */
export const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** A DNS-1123 subdomain: RuntimeClass, StorageClass and Secret names (at most 253 characters). */
export const DNS1123_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** A Keystone id (projects, users, groups): uuid hex by default, but Keystone allows up to 64 such characters. */
export const KEYSTONE_ID = '^[A-Za-z0-9_-]+$';
/** A Neutron id (UUID). */
export const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
/** A resource name as ResourceQuota and LimitRange take it: `cpu`, `requests.storage`, `count/deployments.apps`. */
export const RESOURCE_NAME = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$';
/** A non-negative Kubernetes quantity string: 2, 0.5, 500m, 4Gi, 1e3. */
export const QUANTITY = '^\\+?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
/** A key of a Secret's data. */
export const SECRET_KEY = '^[-._a-zA-Z0-9]+$';
/** metav1.Condition type. */
export const CONDITION_TYPE = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$';
/** metav1.Condition reason. */
export const CONDITION_REASON = '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$';

// A namespace a tenant could otherwise claim that belongs to the cluster or to Stackube itself.
const notReservedNamespace = (x: string): string => `${x} != 'default' && !${x}.startsWith('kube-') && ${x} != '${SYSTEM_NAMESPACE}'`;

// ---------------------------------------------------------------- shared pieces

/** A metav1.Condition, as every Kubernetes API validates it. */
export const CONDITION_SCHEMA = exactly<Condition>()(object('A standard status condition (metav1.Condition).', {
  type: string('Condition type in CamelCase, e.g. Ready.', { maxLength: 316, pattern: CONDITION_TYPE }),
  status: enumeration(['True', 'False', 'Unknown'], 'Status of the condition.'),
  observedGeneration: integer('The metadata.generation this condition was computed from.', { format: 'int64', minimum: 0 }),
  lastTransitionTime: dateTime('When the status last changed.'),
  reason: string('CamelCase machine-readable reason for the last transition.', { minLength: 1, maxLength: 1024, pattern: CONDITION_REASON }),
  message: string('Human-readable detail of the last transition; may be empty.', { maxLength: 32768 }),
}, { required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] }));

function conditions(what: string): Schema<Condition[]> {
  return array(CONDITION_SCHEMA, `Conditions of the ${what}; Ready summarises the others.`, { maxItems: 32, listType: 'map', listMapKeys: ['type'] });
}

function observedGeneration(): Schema<number> {
  return integer('The metadata.generation that this status describes.', { format: 'int64', minimum: 0 });
}

/** An IPv4 CIDR string ("" allowed when `allowEmpty`, meaning unset): family, network address and room for hosts. */
export function ipv4Cidr(description: string, allowEmpty: boolean): Schema<string> {
  const empty = allowEmpty ? "self == '' || " : '';
  return string(description, {
    maxLength: 18,
    rules: [
      { rule: `${empty}(isCIDR(self) && cidr(self).ip().family() == 4)`, messageExpression: "'must be an IPv4 CIDR such as 10.244.0.0/16, not \"' + self + '\"'" },
      { rule: '!isCIDR(self) || cidr(self) == cidr(self).masked()', message: 'must be a network address: the bits after the prefix length must be zero (10.244.0.0/16, not 10.244.0.1/16)' },
      { rule: '!isCIDR(self) || cidr(self).ip().family() != 4 || cidr(self).prefixLength() <= 30', message: 'must leave room for a gateway and an address: the prefix length is at most 30' },
    ],
  });
}

/** An IPv4 address string ("" allowed when `allowEmpty`, meaning unset). */
export function ipv4Address(description: string, allowEmpty: boolean): Schema<string> {
  const empty = allowEmpty ? "self == '' || " : '';
  return string(description, {
    maxLength: 15,
    rules: [{ rule: `${empty}(isIP(self) && ip(self).family() == 4)`, messageExpression: "'must be an IPv4 address such as 10.244.0.1, not \"' + self + '\"'" }],
  });
}

function nameservers(): Schema<string[]> {
  return array(ipv4Address('A DNS server address.', false), 'DNS servers handed to the subnet\'s ports, in order of preference (Neutron allows 5).', {
    maxItems: 5, listType: 'atomic',
    rules: [{ rule: 'self.all(x, self.exists_one(y, y == x))', message: 'must not repeat an address' }],
  });
}

// Rules on an object with `cidr` and `gateway` (Network spec and Tenant network defaults).
const GATEWAY_RULES: ValidationRule[] = [
  {
    rule: "!has(self.cidr) || !has(self.gateway) || self.cidr == '' || self.gateway == '' || !isCIDR(self.cidr) || !isIP(self.gateway) || cidr(self.cidr).containsIP(self.gateway)",
    messageExpression: "'gateway ' + self.gateway + ' is outside cidr ' + self.cidr", fieldPath: '.gateway',
  },
  {
    // Both are canonical IPv4 text here (leading zeros are not IPs) and cidr is a network address, so comparing
    // strings is exact, and far cheaper for the apiserver's cost estimate than comparing ip values.
    rule: "!has(self.cidr) || !has(self.gateway) || self.cidr == '' || self.gateway == '' || !self.cidr.startsWith(self.gateway + '/')",
    message: 'gateway must not be the network address of cidr', fieldPath: '.gateway',
  },
];

/** A non-negative resource quantity: an integer or a quantity string such as 500m or 4Gi. */
export function quantity(description: string): Schema<number | string> {
  // A pattern and a minimum, not CEL: the apiserver cannot bound the cost of quantity() on every value of a map.
  return intOrString(description, { maxLength: 64, pattern: QUANTITY, minimum: 0 });
}

/** A map from resource names (cpu, requests.storage, count/pods…) to quantities. */
export function resourceList(description: string): Schema<Record<string, number | string>> {
  return map(quantity('Amount of the resource.'), description, {
    maxProperties: 64,
    rules: [{
      rule: `self.all(k, k.matches(r'${RESOURCE_NAME}'))`,
      message: 'keys must be resource names such as cpu, requests.memory, count/pods or hugepages-2Mi',
    }],
  });
}

// ---------------------------------------------------------------- Tenant

// The Keystone project a spec names (projectID, else the original's tenantID; '' when it creates one).
const projectOf = (s: string): string => `(has(${s}.projectID) ? ${s}.projectID : has(${s}.tenantID) ? ${s}.tenantID : '')`;

const owner = object('A Keystone user or group given a role on the tenant\'s project. Set exactly one of name and id.', {
  kind: enumeration(OWNER_KINDS, 'Whether the owner is a Keystone user or a Keystone group.'),
  name: string('Keystone name of the user or group, looked up in domain.', { minLength: 1, maxLength: 255 }),
  id: string('Keystone id of the user or group.', { minLength: 1, maxLength: 64, pattern: KEYSTONE_ID }),
  domain: string('Keystone domain (name or id) of a named owner. Default: Default.', { minLength: 1, maxLength: 255 }),
  role: enumeration(OWNER_ROLES, 'Keystone role on the project; in the tenant\'s namespaces admin maps to ClusterRole admin, member to edit, reader to view.'),
}, {
  required: ['kind', 'role'],
  rules: [
    { rule: 'has(self.name) != has(self.id)', message: 'set exactly one of name and id' },
    { rule: '!has(self.domain) || has(self.name)', message: 'domain qualifies a name; an owner given by id needs none', fieldPath: '.domain' },
  ],
});

const namespaceName = string('A namespace name.', {
  maxLength: 63, pattern: DNS1123_LABEL,
  rules: [{ rule: notReservedNamespace('self'), message: `default, kube-* and ${SYSTEM_NAMESPACE} are reserved for the cluster` }],
});

const tenantNamespaces = object('Namespaces of the tenant. Its default namespace is always the one named after the Tenant.', {
  additional: array(namespaceName, 'More namespaces the controller creates for the tenant, besides the default one.', { maxItems: 100, listType: 'set' }),
  maxNamespaces: integer('Most namespaces the tenant may own, the default one included; tenant admins may create namespaces up to this number. Default: the operator\'s setting.', { format: 'int32', minimum: 1, maximum: 1000 }),
}, {
  rules: [{
    rule: '!has(self.maxNamespaces) || !has(self.additional) || size(self.additional) + 1 <= self.maxNamespaces',
    message: 'maxNamespaces counts the default namespace too: it must be at least 1 + the number of additional namespaces', fieldPath: '.maxNamespaces',
  }],
});

const neutronQuota = (what: string): Schema<number> => integer(`${what} -1 means unlimited.`, { format: 'int32', minimum: -1, maximum: 1_000_000 });

const tenantIsolation = object('How the tenant\'s pods are sandboxed. Unset fields take the operator\'s defaults.', {
  runtimeClassName: string('RuntimeClass given to tenant pods that name none (sandboxed, e.g. gVisor or Kata). Always allowed.', { maxLength: 253, pattern: DNS1123_SUBDOMAIN }),
  allowedRuntimeClasses: array(string('A RuntimeClass name.', { maxLength: 253, pattern: DNS1123_SUBDOMAIN }), 'Further RuntimeClasses tenant pods may name.', { maxItems: 16, listType: 'set' }),
  mode: enumeration(ISOLATION_MODES, 'hard: a tenant pod runs only with runtimeClassName or an allowed class, never on the host runtime. soft: runtimeClassName is given to pods that name none, and a pod may name any class (trusted tenants).'),
});

/** Schema of Tenant.spec. */
export const TENANT_SPEC_SCHEMA = exactly<TenantSpec>()(object('Desired state of the tenant. spec: {} creates a Keystone project named after the Tenant.', {
  projectID: string('Adopt this existing Keystone project instead of creating one. An adopted project is never deleted. Immutable.', { minLength: 1, maxLength: 64, pattern: KEYSTONE_ID }),
  domain: string('Keystone domain (name or id) of the project Stackube creates. Default: Default. Immutable.', { minLength: 1, maxLength: 255 }),
  owners: array(owner, 'Keystone users and groups given a role on the project.', { maxItems: 100, listType: 'atomic' }),
  namespaces: tenantNamespaces,
  resourceQuota: object('Tenant-wide resource quota, as in a ResourceQuota.', {
    hard: resourceList('Hard limits per resource, e.g. {pods: 50, requests.cpu: "8", requests.memory: 16Gi}.'),
  }, { required: ['hard'] }),
  limitRange: object('Per-container defaults in each tenant namespace, as in a LimitRange of type Container.', {
    default: resourceList('Default limits of a container that sets none.'),
    defaultRequest: resourceList('Default requests of a container that sets none.'),
  }),
  network: object('Parameters of the tenant\'s default Network, created in its default namespace. Later changes do not renumber that Network.', {
    cidr: ipv4Cidr('IPv4 subnet of the default Network. Default: the operator\'s setting.', false),
    gateway: ipv4Address('Gateway address inside cidr. Default: the first address of cidr.', false),
    dnsNameservers: nameservers(),
  }, { rules: GATEWAY_RULES }),
  networkQuota: object('Neutron quotas of the tenant\'s Keystone project (-1 = unlimited). Unset fields keep Neutron\'s defaults.', {
    networks: neutronQuota('Networks.'),
    subnets: neutronQuota('Subnets.'),
    ports: neutronQuota('Ports (one per pod, plus pooled ones).'),
    routers: neutronQuota('Routers.'),
    floatingIPs: neutronQuota('Floating IPs.'),
    securityGroups: neutronQuota('Security groups.'),
    securityGroupRules: neutronQuota('Security group rules (NetworkPolicies become rules).'),
  }),
  isolation: tenantIsolation,
  allowedStorageClasses: array(string('A StorageClass name.', { maxLength: 253, pattern: DNS1123_SUBDOMAIN }),
    'StorageClasses the tenant\'s PersistentVolumeClaims may name. Unset: the operator\'s default; empty: none.', { maxItems: 64, listType: 'set' }),
  allowedServiceTypes: array(enumeration(SERVICE_TYPES, 'A Service type.'),
    'Service types the tenant may create. Unset: the operator\'s default; empty: none.', { maxItems: 4, listType: 'set' }),
  tenantID: string('Original Stackube: alias of projectID ("" means unset). Immutable.', { maxLength: 64, pattern: '^[A-Za-z0-9_-]*$' }),
  username: string('Original Stackube: a Keystone user the controller creates in the project with the member role, and deletes with the Tenant.', { maxLength: 255 }),
  password: string('Original Stackube: the password of username. Input only: the controller moves it into a Secret, sets passwordSecretRef and clears this field.', { maxLength: 4096 }),
  passwordSecretRef: object('The Secret holding the password of username.', {
    name: string('Secret name.', { maxLength: 253, pattern: DNS1123_SUBDOMAIN }),
    namespace: string('Secret namespace.', { maxLength: 63, pattern: DNS1123_LABEL }),
    key: string('Key in the Secret\'s data. Default: password.', { maxLength: 253, pattern: SECRET_KEY }),
  }, { required: ['name', 'namespace'] }),
}, {
  rules: [
    {
      rule: "!has(self.projectID) || !has(self.tenantID) || self.tenantID == '' || self.tenantID == self.projectID",
      message: 'tenantID is the original name of projectID: set one of them, or both to the same project', fieldPath: '.tenantID',
    },
    {
      rule: "!((has(self.password) && self.password != '') || has(self.passwordSecretRef)) || (has(self.username) && self.username != '')",
      message: 'password and passwordSecretRef belong to username: set username too', fieldPath: '.username',
    },
    {
      rule: "!has(self.username) || self.username == '' || (has(self.password) && self.password != '') || has(self.passwordSecretRef)",
      message: 'username needs a password: set password (the controller moves it into a Secret) or passwordSecretRef', fieldPath: '.username',
    },
    { rule: `${projectOf('self')} == ${projectOf('oldSelf')}`, message: 'the Keystone project of a Tenant (projectID, tenantID) cannot change: create another Tenant' },
    { rule: "(has(self.domain) ? self.domain : 'Default') == (has(oldSelf.domain) ? oldSelf.domain : 'Default')", message: 'domain is immutable: a Keystone project cannot move to another domain', fieldPath: '.domain' },
  ],
}));

/** Schema of Tenant.status. */
export const TENANT_STATUS_SCHEMA = exactly<TenantStatus>()(object('Observed state of the tenant, written by the controller through the status subresource.', {
  phase: enumeration(TENANT_PHASES, 'Coarse summary of the tenant\'s lifecycle; conditions carry the detail.'),
  conditions: conditions('tenant (Ready, KeystoneReady, NamespacesReady, RBACReady, QuotaReady, NetworkReady)'),
  observedGeneration: observedGeneration(),
  projectID: string('The Keystone project of the tenant, created or adopted.', { maxLength: 64, pattern: KEYSTONE_ID }),
  userID: string('The Keystone user created for spec.username.', { maxLength: 64, pattern: KEYSTONE_ID }),
  namespaces: array(string('A namespace name.', { maxLength: 63, pattern: DNS1123_LABEL }), 'The tenant\'s namespaces, the default one first.', { maxItems: 1000, listType: 'atomic' }),
  usage: resourceList('Resources in use across the tenant\'s namespaces (the sum of their ResourceQuota usage).'),
  securityGroupID: string('The tenant\'s Neutron security group: ingress only from its own members, given to every tenant pod\'s port.', { maxLength: 36, pattern: UUID }),
}));

// ---------------------------------------------------------------- Network

/** Schema of Network.spec. */
export const NETWORK_SPEC_SCHEMA = exactly<NetworkSpec>()(object('Desired state of the network. Set cidr, or networkID to adopt an existing Neutron network. As in the original Stackube, "" means unset.', {
  cidr: ipv4Cidr('IPv4 subnet of the network, e.g. 10.244.0.0/16. With networkID, the adopted network must have a subnet with this range. Immutable.', true),
  gateway: ipv4Address('Gateway address inside cidr. Default: the first address of cidr.', true),
  networkID: string('Adopt this existing Neutron network (and its subnet) instead of creating one. An adopted network is never deleted. Immutable.', {
    maxLength: 36, rules: [{ rule: `self == '' || self.matches(r'${UUID}')`, messageExpression: "'must be a Neutron network UUID, not \"' + self + '\"'" }],
  }),
  dnsNameservers: nameservers(),
}, {
  rules: [
    { rule: "(has(self.cidr) && self.cidr != '') || (has(self.networkID) && self.networkID != '')", message: 'set cidr, or networkID to adopt an existing Neutron network' },
    ...GATEWAY_RULES,
    { rule: "(has(self.cidr) ? self.cidr : '') == (has(oldSelf.cidr) ? oldSelf.cidr : '')", message: 'cidr is immutable: a Neutron subnet cannot change its range; create another Network', fieldPath: '.cidr' },
    { rule: "(has(self.networkID) ? self.networkID : '') == (has(oldSelf.networkID) ? oldSelf.networkID : '')", message: 'networkID is immutable: create another Network', fieldPath: '.networkID' },
    // Neutron refuses to move a subnet's gateway while the router interface holds it (409), so it is fixed at creation.
    { rule: "(has(self.gateway) ? self.gateway : '') == (has(oldSelf.gateway) ? oldSelf.gateway : '')", message: 'gateway is immutable: the tenant router\'s interface holds the subnet\'s gateway address; create another Network', fieldPath: '.gateway' },
  ],
}));

const neutronID = (description: string): Schema<string> => string(description, { maxLength: 36, pattern: UUID });

/** Schema of Network.status. */
export const NETWORK_STATUS_SCHEMA = exactly<NetworkStatus>()(object('Observed state of the network, written by the controller through the status subresource.', {
  state: enumeration(NETWORK_STATES, 'The original Stackube\'s summary of the network\'s lifecycle; conditions carry the detail.'),
  conditions: conditions('network'),
  observedGeneration: observedGeneration(),
  networkID: neutronID('The Neutron network, created or adopted.'),
  subnetID: neutronID('The Neutron subnet.'),
  routerID: neutronID('The Neutron router connecting the subnet to the external network.'),
  message: string('Why the network is in its state.', { maxLength: 4096 }),
}));

// ---------------------------------------------------------------- CRD assembly

/** An additional printer column (apiextensions.k8s.io/v1). */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date' | 'boolean' | 'number';
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** The CustomResourceDefinition shape Stackube emits (apiextensions.k8s.io/v1, one version). */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    group: string;
    names: { plural: string; singular: string; kind: string; listKind: string; shortNames: string[]; categories: string[] };
    scope: 'Cluster' | 'Namespaced';
    preserveUnknownFields: false;
    versions: {
      name: string;
      served: true;
      storage: true;
      schema: { openAPIV3Schema: JSONSchemaProps };
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
    }[];
  };
}

/** What `customResourceDefinition()` needs to know about one kind. */
export interface KindDefinition {
  kind: string;
  plural: string;
  scope: 'Cluster' | 'Namespaced';
  shortNames: string[];
  description: string;
  spec: AnySchema;
  status: AnySchema;
  /** CEL rules on the whole object (they may read metadata.name). */
  rules: ValidationRule[];
  columns: PrinterColumn[];
}

/** Builds the CRD of one kind: spec required, status subresource, pruning, printer columns. Pure, never throws. */
export function customResourceDefinition(def: KindDefinition): CustomResourceDefinition {
  const root: JSONSchemaProps = {
    description: def.description,
    type: 'object',
    properties: {
      apiVersion: { description: 'Versioned schema of this object: stackube.kubernetes.io/v1.', type: 'string' },
      kind: { description: `Always ${def.kind}.`, type: 'string' },
      metadata: { type: 'object' },
      spec: def.spec.json,
      status: def.status.json,
    },
    required: ['spec'],
    'x-kubernetes-validations': def.rules,
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${def.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'stackube' },
      annotations: { [API_APPROVAL]: API_APPROVAL_VALUE },
    },
    spec: {
      group: GROUP,
      names: { plural: def.plural, singular: def.kind.toLowerCase(), kind: def.kind, listKind: `${def.kind}List`, shortNames: def.shortNames, categories: [CATEGORY] },
      scope: def.scope,
      preserveUnknownFields: false,
      versions: [{
        name: VERSION, served: true, storage: true,
        schema: { openAPIV3Schema: root },
        subresources: { status: {} },
        additionalPrinterColumns: def.columns,
      }],
    },
  };
}

// Groups under *.kubernetes.io are reserved for APIs reviewed by Kubernetes; the apiserver serves others there only
// when they declare themselves unapproved. The group is the original Stackube's, kept for compatibility (ADR 0005).
const API_APPROVAL = 'api-approved.kubernetes.io';
const API_APPROVAL_VALUE = 'unapproved, the original OpenStack Stackube API group, kept for compatibility';

const READY_STATUS = '.status.conditions[?(@.type=="Ready")].status';
const READY_REASON = '.status.conditions[?(@.type=="Ready")].reason';
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** The definition of Tenant (cluster-scoped; short name tn). */
export const TENANT_DEFINITION: KindDefinition = {
  kind: TENANT_KIND,
  plural: TENANT_PLURAL,
  scope: 'Cluster',
  shortNames: ['tn'],
  description: 'A Stackube tenant: one Keystone project (created, or adopted through spec.projectID), its namespaces, owners, quotas, default Network and isolation policy.',
  spec: TENANT_SPEC_SCHEMA,
  status: TENANT_STATUS_SCHEMA,
  rules: [
    {
      rule: `self.metadata.name.size() <= 63 && self.metadata.name.matches(r'${DNS1123_LABEL}')`,
      message: 'a Tenant name must be a DNS-1123 label (at most 63 lowercase letters, digits and \'-\'): its default namespace is named after it',
    },
    { rule: notReservedNamespace('self.metadata.name'), message: `a Tenant may not be named default, kube-* or ${SYSTEM_NAMESPACE}: its namespace would be the cluster's` },
    {
      rule: '!has(self.spec.namespaces) || !has(self.spec.namespaces.additional) || !(self.metadata.name in self.spec.namespaces.additional)',
      message: 'spec.namespaces.additional must not list the default namespace (the Tenant\'s name)', fieldPath: '.spec.namespaces.additional',
    },
  ],
  columns: [
    { name: 'Project', type: 'string', jsonPath: '.status.projectID', description: 'Keystone project id' },
    { name: 'Ready', type: 'string', jsonPath: READY_STATUS },
    AGE,
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', priority: 1 },
    { name: 'Reason', type: 'string', jsonPath: READY_REASON, priority: 1 },
  ],
};

/** The definition of Network (namespaced; short name net). */
export const NETWORK_DEFINITION: KindDefinition = {
  kind: NETWORK_KIND,
  plural: NETWORK_PLURAL,
  scope: 'Namespaced',
  shortNames: ['net'],
  description: 'A Stackube network: one Neutron network, subnet and router (created, or adopted through spec.networkID) for the pods of its namespace.',
  spec: NETWORK_SPEC_SCHEMA,
  status: NETWORK_STATUS_SCHEMA,
  rules: [{
    rule: `self.metadata.name.size() <= 63 && self.metadata.name.matches(r'${DNS1123_LABEL}')`,
    message: 'a Network name must be a DNS-1123 label (at most 63 lowercase letters, digits and \'-\')',
  }],
  columns: [
    { name: 'CIDR', type: 'string', jsonPath: '.spec.cidr' },
    { name: 'State', type: 'string', jsonPath: '.status.state' },
    { name: 'NetworkID', type: 'string', jsonPath: '.status.networkID', description: 'Neutron network id' },
    AGE,
    { name: 'Ready', type: 'string', jsonPath: READY_STATUS, priority: 1 },
    { name: 'Gateway', type: 'string', jsonPath: '.spec.gateway', priority: 1 },
  ],
};

/** Every CRD Stackube serves, in apply order. Pure. */
export function stackubeCrds(): CustomResourceDefinition[] {
  return [customResourceDefinition(TENANT_DEFINITION), customResourceDefinition(NETWORK_DEFINITION)];
}

/** File name of a CRD in deploy/crds, as controller-gen names them: `<group>_<plural>.yaml`. */
export function crdFileName(crd: CustomResourceDefinition): string {
  return `${crd.spec.group}_${crd.spec.names.plural}.yaml`;
}

const HEADER = '# Generated by src/api/crd.ts (npm run gen:crds). Do not edit: change the schema there and regenerate.\n';

/** Renders one CRD as the YAML committed in deploy/crds: a header, no line folding, stable key order. Pure. */
export function renderCrd(crd: CustomResourceDefinition): string {
  return HEADER + stringify(crd, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Every CRD file (name → content) that deploy/crds must hold. Pure. */
export function crdFiles(): Map<string, string> {
  return new Map(stackubeCrds().map((crd) => [crdFileName(crd), renderCrd(crd)]));
}
