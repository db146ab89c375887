/**
 * Tenant pod admission: what keeps a tenant inside its sandbox. Pure: pod JSON and tenant policy in,
 * violations and JSON-patch operations out. Mirrors Pod Security "baseline" for the host-escape checks and
 * adds Stackube's runtime-class and reserved-annotation rules.
 */

/** How a tenant is isolated (from its Tenant object, or the webhook's defaults). */
export interface IsolationPolicy {
  /** RuntimeClass given to pods that name none ("" = leave unset). */
  defaultRuntimeClassName: string;
  /** RuntimeClasses pods may name. The default is always allowed. */
  allowedRuntimeClasses: readonly string[];
  /**
   * hard: pods may name only the default or an allowed class, and must end up with one.
   * soft: the default is applied to pods that name none, but a pod may name any class (trusted tenants).
   */
  mode: 'hard' | 'soft';
}

export interface PodDecision {
  /** Human-readable reasons, one per violation; empty when allowed. */
  violations: string[];
  /** JSON Patch operations (RFC 6902) to apply when allowed. */
  patch: { op: 'add' | 'replace'; path: string; value: unknown }[];
}

/** Capabilities Pod Security "baseline" lets a container add. */
export const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);
/** Namespaced sysctls Pod Security "baseline" allows. */
export const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
]);
/** Annotation prefixes only the operator and Stackube's controllers may set on tenant objects. */
export const RESERVED_ANNOTATION_PREFIXES = ['stackube.kubernetes.io/', 'container.apparmor.security.beta.kubernetes.io/'];
/** Annotations under a reserved prefix that tenants may set themselves (which of its Networks a pod joins). */
export const TENANT_ANNOTATIONS = new Set(['stackube.kubernetes.io/network']);

/** Who is asking and what the object looked like before (UPDATE), for the reserved-annotation rule. */
export interface PodRequestContext {
  /** The pod before an UPDATE; undefined on CREATE. */
  oldPod?: unknown;
  /** The request comes from the operator or Stackube's controller, which write reserved annotations (the VIF). */
  operator?: boolean;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
/** A field for a message: scalars as themselves, anything else as JSON. */
const show = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : (JSON.stringify(v) ?? 'undefined'));

function containerChecks(c: Obj, where: string, out: string[]): void {
  const sc = obj(c['securityContext']);
  if (sc['privileged'] === true) out.push(`${where}: privileged containers are not allowed`);
  const add = (obj(sc['capabilities'])['add'] as unknown[] | undefined) ?? [];
  const extra = add.map((x) => show(x).toUpperCase().replace(/^CAP_/, '')).filter((x) => !BASELINE_CAPABILITIES.has(x));
  if (extra.length > 0) out.push(`${where}: adding capabilities ${extra.join(', ')} is not allowed (baseline set only)`);
  if (sc['procMount'] !== undefined && sc['procMount'] !== 'Default') out.push(`${where}: procMount ${show(sc['procMount'])} is not allowed`);
  if (obj(sc['seccompProfile'])['type'] === 'Unconfined') out.push(`${where}: seccomp profile Unconfined is not allowed`);
  const se = obj(sc['seLinuxOptions']);
  if (se['type'] !== undefined && !['', 'container_t', 'container_init_t', 'container_kvm_t'].includes(show(se['type'])))
    out.push(`${where}: SELinux type ${show(se['type'])} is not allowed`);
  for (const p of arr(c['ports'])) if (p['hostPort'] !== undefined && p['hostPort'] !== 0) out.push(`${where}: hostPort ${show(p['hostPort'])} is not allowed`);
}

/**
 * Decides a tenant pod (CREATE, or UPDATE of the spec fields checked here). `spec` and `metadata` are the pod's.
 * Never throws on malformed input: a field of the wrong shape is treated as absent (the apiserver's own
 * validation rejects it).
 */
export function decideTenantPod(pod: unknown, policy: IsolationPolicy, ctx: PodRequestContext = {}): PodDecision {
  const p = obj(pod);
  const spec = obj(p['spec']);
  const meta = obj(p['metadata']);
  const v: string[] = [];
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (spec[f] === true) v.push(`${f} is not allowed for tenant pods`);
  if (spec['hostUsers'] === true) v.push('hostUsers is not allowed for tenant pods');
  for (const vol of arr(spec['volumes'])) if (vol['hostPath'] !== undefined) v.push(`volume "${show(vol['name'])}": hostPath volumes are not allowed`);
  const psc = obj(spec['securityContext']);
  if (obj(psc['seccompProfile'])['type'] === 'Unconfined') v.push('pod: seccomp profile Unconfined is not allowed');
  for (const s of arr(psc['sysctls'])) if (!SAFE_SYSCTLS.has(show(s['name']))) v.push(`pod: sysctl ${show(s['name'])} is not allowed`);
  for (const [key, kind] of [['containers', 'container'], ['initContainers', 'init container'], ['ephemeralContainers', 'ephemeral container']] as const) {
    for (const c of arr(spec[key])) containerChecks(c, `${kind} "${show(c['name'])}"`, v);
  }
  // Reserved annotations: the operator (and the controller writing a pod's VIF) may set them; a tenant may not add
  // or change one, but an UPDATE that carries the controller's unchanged annotations along is fine.
  if (!ctx.operator) {
    const annotations = obj(meta['annotations']);
    const before = obj(obj(obj(ctx.oldPod)['metadata'])['annotations']);
    for (const [k, val] of Object.entries(annotations)) {
      if (!RESERVED_ANNOTATION_PREFIXES.some((pre) => k.startsWith(pre)) || TENANT_ANNOTATIONS.has(k)) continue;
      if (ctx.oldPod !== undefined && before[k] === val) continue;
      v.push(`annotation ${k} is reserved for the operator`);
    }
  }
  const patch: PodDecision['patch'] = [];
  const rc = spec['runtimeClassName'];
  const allowed = new Set([policy.defaultRuntimeClassName, ...policy.allowedRuntimeClasses].filter((x) => x !== ''));
  if (rc === undefined || rc === null || rc === '') {
    if (policy.defaultRuntimeClassName) patch.push({ op: 'add', path: '/spec/runtimeClassName', value: policy.defaultRuntimeClassName });
    else if (policy.mode === 'hard') v.push('this tenant is hard-isolated: pods must use a sandboxed runtime class');
  } else if (typeof rc !== 'string' || (policy.mode === 'hard' && !allowed.has(rc))) {
    v.push(`runtime class "${show(rc)}" is not allowed for this tenant (allowed: ${[...allowed].join(', ') || 'none'})`);
  }
  return { violations: v, patch: v.length > 0 ? [] : patch };
}

/** Checks a PersistentVolumeClaim's storage class against the tenant's allowed list (empty list = any). Pure. */
export function decideTenantClaim(pvc: unknown, allowedStorageClasses: readonly string[]): string[] {
  if (allowedStorageClasses.length === 0) return [];
  const sc = obj(obj(pvc)['spec'])['storageClassName'];
  if (typeof sc !== 'string' || sc === '') return [`a storage class is required; allowed: ${allowedStorageClasses.join(', ')}`];
  return allowedStorageClasses.includes(sc) ? [] : [`storage class "${sc}" is not allowed for this tenant (allowed: ${allowedStorageClasses.join(', ')})`];
}
